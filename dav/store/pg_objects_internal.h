// Helpers shared by pg_collections.cc and pg_objects.cc (private to the PostgreSQL store; the
// SQLite store has them as private SqliteSession members, which pg_store.h does not declare).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "dav/store/pg_store.h"

namespace cartable::store::pg_internal {

// Whether PostgreSQL can hold `text` in a TEXT column as it is: valid UTF-8 without NUL. libpq
// sends text parameters NUL-terminated, so a NUL would silently cut the key short ("a\0b" would
// find "a"), and invalid UTF-8 is refused by the server. Since no stored key can be such a text,
// lookups answer kNotFound for it (as the SQLite store, which finds no row), and writes kBadRequest
// (names and paths were checked by the DAV layer before: CheckNewResourceName).
bool StorableText(std::string_view text);
// kBadRequest naming `what` unless StorableText(text).
Status CheckStorable(std::string_view text, std::string_view what);

// Inside a write scope of `session`: increments the collection's sync_seq, sets modified_at,
// logs `name` in its change log and prunes the log by StoreOptions::retention (as
// SqliteSession::Bump and PruneChanges). Returns the new seq; kNotFound for no collection.
Result<int64_t> Bump(PgSession& session, Id collection_id, const std::string& name, bool deleted);

// The statements whose plans tests/unit/store/pg_objects_test.cc checks (EXPLAIN):
// QueryObjects ($1 collection; by component: $2 component, $3 start, $4 end, $5 lowest
// first_start; else $2 start, $3 end): two objects_time ranges, never the collection;
const char* QueryObjectsSql(bool by_component, bool with_data);
// FindObjectByUid ($1 collection, $2 uid): objects_uid;
const char* FindObjectByUidSql();
// ForEachObjectListing ($1 collection): an index-only scan of objects_listing;
const char* ObjectListingSql();
// QueryOccurrences' matches ($1 collection, $2 component, $3 start, $4 end, $5 the lowest lo
// per class 0..64): one occurrences_pkey range per class present, never a scan.
const char* QueryOccurrencesSql();

}  // namespace cartable::store::pg_internal
