// Schema migrations of the PostgreSQL store, embedded in the binary at build time from
// schemas/postgres/NNNN_*.sql (see embed_migrations.cmake). The applied version is the one row
// of the table schema_version.
#pragma once

#include <vector>

#include "dav/status.h"
#include "dav/store/pg_util.h"

namespace cartable::store::pg {

struct EmbeddedMigration {
  int version;       // 1, 2, ... (the file name's number)
  const char* name;  // "0001_init.sql"
  const char* sql;
};

// All migrations, ordered by version (generated file pg_migrations_data.cc).
const std::vector<EmbeddedMigration>& PostgresMigrations();

// The session-level advisory lock held while migrating ("CARTMIGR"): nodes starting together
// queue on it, and each one reads the version only once it holds the lock, so every migration
// is applied once.
inline constexpr int64_t kMigrationLockKey = 0x434152544d494752;

// Applies every migration newer than the database's schema version, in order, each in its own
// transaction together with the version bump (a failed migration leaves the previous version
// intact), holding kMigrationLockKey throughout and the write lock (pg_store.h kWriteLockKey) in
// each transaction, so no write transaction of a serving node interleaves with a migration.
// Returns the version afterwards. kInternal when a migration fails or the database is newer than
// this binary; kUnavailable when the server went away. `conn` must be outside a transaction.
Result<int> ApplyPostgresMigrations(Conn& conn);

}  // namespace cartable::store::pg
