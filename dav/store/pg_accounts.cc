// PostgreSQL store: users and account security (mirrors sqlite_store.cc users + sqlite_accounts.cc).
#include "dav/store/pg_store.h"

namespace cartable::store {}  // namespace cartable::store
