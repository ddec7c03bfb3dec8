// PostgreSQL store: PgPool, PgSession transactions and Exec, PgWriteScope, PgStore, OpenPostgresStore.
#include "dav/store/pg_store.h"

namespace cartable::store {}  // namespace cartable::store
