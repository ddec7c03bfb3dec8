// TEMPORARY during the port of the PostgreSQL store (issue 15): every PgSession method not yet
// written in its pg_*.cc file. Each port deletes its methods from here; the file is deleted
// when it is empty. Nothing may ship with a method left here.
#include "dav/store/pg_store.h"

namespace cartable::store {

}  // namespace cartable::store
