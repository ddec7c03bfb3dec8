// PostgreSQL store: shares, per-user data, delegates, groups (mirrors sqlite_sharing.cc).
#include "dav/store/pg_store.h"

namespace cartable::store {}  // namespace cartable::store
