// PostgreSQL store: schedule tags and the mail queue (mirrors sqlite_scheduling.cc).
#include "dav/store/pg_store.h"

namespace cartable::store {}  // namespace cartable::store
