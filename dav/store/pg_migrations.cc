// PostgreSQL store: schemas/postgres migrations (embedded), applied under an advisory lock.
#include "dav/store/pg_store.h"

namespace cartable::store {}  // namespace cartable::store
