// PostgreSQL store: schemas/postgres migrations (embedded), applied under an advisory lock.
#include "dav/store/pg_migrations.h"

#include <string>

#include "dav/store/pg_store.h"

namespace cartable::store::pg {
namespace {

// Applies `m` in its own transaction with the version bump. The write lock makes a serving
// node's write transactions wait for the migration instead of interleaving with it.
Status ApplyOne(Conn& conn, const EmbeddedMigration& m) {
  Status s = conn.ExecScript(
      "BEGIN; SELECT pg_advisory_xact_lock(" + std::to_string(kWriteLockKey) + ")", "migrating");
  if (s.ok()) s = conn.ExecScript(m.sql, m.name);
  if (s.ok()) {
    s = conn.ExecScript("UPDATE schema_version SET version = " + std::to_string(m.version),
                        "migrating");
  }
  if (s.ok()) s = conn.ExecScript("COMMIT", "migrating");
  if (!s.ok()) conn.ExecScript("ROLLBACK", "migrating");
  return s;
}

Result<int> ApplyLocked(Conn& conn) {
  const std::vector<EmbeddedMigration>& all = PostgresMigrations();
  const int latest = all.empty() ? 0 : all.back().version;
  // The version table is created by the runner, not by a migration, so that an empty database
  // reads version 0.
  Status s = conn.ExecScript(
      "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);"
      "INSERT INTO schema_version (version) SELECT 0 "
      "WHERE NOT EXISTS (SELECT 1 FROM schema_version)",
      "creating schema_version");
  if (!s.ok()) return s;
  for (;;) {
    Result<Rows> rows = conn.Exec("SELECT version FROM schema_version", "reading schema_version");
    if (!rows.ok()) return rows.status();
    if (rows->size() != 1) return Status::Internal("schema_version must hold exactly one row");
    const int64_t current = rows->Int(0, 0);
    if (current > latest) {
      return Status::Internal("database schema version " + std::to_string(current) +
                              " is newer than this binary's (" + std::to_string(latest) + ")");
    }
    if (current == latest) return latest;
    const EmbeddedMigration& m = all[current];  // versions are 1..n, checked at build time
    if (Status st = ApplyOne(conn, m); !st.ok()) {
      if (st.code() == Status::Code::kUnavailable) return st;
      return Status::Internal(std::string("migration ") + m.name + " failed: " + st.message());
    }
  }
}

}  // namespace

Result<int> ApplyPostgresMigrations(Conn& conn) {
  // Held for the whole run: a second node starting meanwhile waits here, then finds the
  // version up to date. A session lock, released by the unlock below or when the connection
  // closes (a node killed mid-migration releases it too; its open migration rolls back).
  Status s = conn.ExecScript("SELECT pg_advisory_lock(" + std::to_string(kMigrationLockKey) + ")",
                             "waiting for the migration lock");
  if (!s.ok()) return s;
  Result<int> version = ApplyLocked(conn);
  conn.ExecScript("SELECT pg_advisory_unlock(" + std::to_string(kMigrationLockKey) + ")",
                  "releasing the migration lock");
  return version;
}

}  // namespace cartable::store::pg
