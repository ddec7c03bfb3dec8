// PostgreSQL store: pg_util.h: libpq connection, parameters, rows, error mapping.
#include "dav/store/pg_store.h"

namespace cartable::store {}  // namespace cartable::store
