// PostgreSQL store: collections, changes, listings (mirrors sqlite_collections.cc).
#include "dav/store/pg_store.h"

namespace cartable::store {}  // namespace cartable::store
