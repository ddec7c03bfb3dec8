// Schema migrations for the SQLite store, embedded in the binary at build time from
// schemas/sqlite/NNNN_*.sql (see embed_migrations.cmake). The applied version is PRAGMA
// user_version.
#pragma once

#include <string>
#include <vector>

#include "dav/status.h"
#include "dav/store/sqlite_util.h"

namespace cartable::store {

struct EmbeddedMigration {
  int version;       // 1, 2, ... (the file name's number)
  const char* name;  // "0001_init.sql"
  const char* sql;
};

// All migrations, ordered by version (generated file sqlite_migrations_data.cc).
const std::vector<EmbeddedMigration>& SqliteMigrations();

// Applies every migration newer than the database's user_version, in order, each in its own
// IMMEDIATE transaction together with the user_version bump (so a failed migration leaves the
// previous version intact). Foreign keys are OFF while migrations run (so a migration may
// rebuild a parent table without cascading deletes) and each migration must pass
// PRAGMA foreign_key_check before it commits. Returns the version afterwards. kInternal when a
// migration fails or the database is newer than this binary. Must be called outside a transaction.
Result<int> ApplySqliteMigrations(Db& db);

}  // namespace cartable::store
