// PostgreSQL store: objects, properties, occurrence index (mirrors sqlite_objects.cc).
#include "dav/store/pg_store.h"

namespace cartable::store {}  // namespace cartable::store
