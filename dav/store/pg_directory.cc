// PostgreSQL store: directory entries and search with PostgreSQL text search (mirrors sqlite_directory.cc).
#include "dav/store/pg_store.h"

namespace cartable::store {}  // namespace cartable::store
