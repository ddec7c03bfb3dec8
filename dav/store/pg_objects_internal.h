// Helpers shared by pg_collections.cc and pg_objects.cc (private to the PostgreSQL store; the
// SQLite store has them as private SqliteSession members, which pg_store.h does not declare).
#pragma once

#include <cstdint>
#include <string>

#include "dav/store/pg_store.h"

namespace cartable::store::pg_internal {

// Inside a write scope of `session`: increments the collection's sync_seq, sets modified_at,
// logs `name` in its change log and prunes the log by StoreOptions::retention (as
// SqliteSession::Bump and PruneChanges). Returns the new seq; kNotFound for no collection.
Result<int64_t> Bump(PgSession& session, Id collection_id, const std::string& name, bool deleted);

}  // namespace cartable::store::pg_internal
