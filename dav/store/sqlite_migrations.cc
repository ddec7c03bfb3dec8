#include "dav/store/sqlite_migrations.h"

namespace cartable::store {
namespace {

// OK when PRAGMA foreign_key_check finds no dangling reference; kInternal naming the first.
Status CheckForeignKeys(Db& db) {
  Result<Stmt> s = db.Prepare("PRAGMA foreign_key_check");
  if (!s.ok()) return s.status();
  int rc = s->Step();
  if (rc == SQLITE_DONE) return Status::OK();
  if (rc != SQLITE_ROW) return SqliteStatus(db.raw(), rc, "foreign_key_check");
  return Status::Internal("foreign key violation: a row of " + s->Text(0) +
                          " references a missing row of " + s->Text(2));
}

// Applies one migration inside the open transaction and bumps user_version.
Status ApplyOne(Db& db, const EmbeddedMigration& m) {
  Status s = db.Exec(m.sql);
  if (s.ok()) s = CheckForeignKeys(db);
  if (s.ok()) s = db.Exec("PRAGMA user_version = " + std::to_string(m.version));
  return s;
}

}  // namespace

Result<int> ApplySqliteMigrations(Db& db) {
  const std::vector<EmbeddedMigration>& all = SqliteMigrations();
  const int latest = all.empty() ? 0 : all.back().version;
  // Foreign keys are off while migrating (SQLite's documented procedure for rebuilding a table:
  // with them on, DROP TABLE of a parent table cascade-deletes its children's rows). The pragma
  // is a no-op inside a transaction, hence here; each migration is checked with
  // foreign_key_check before it commits instead, and the pragma is restored on every exit.
  Status s = db.Exec("PRAGMA foreign_keys=OFF");
  if (!s.ok()) return s;
  struct Restore {
    Db& db;
    ~Restore() { db.Exec("PRAGMA foreign_keys=ON"); }
  } restore{db};
  // Read the version inside the write transaction: two processes migrating at once serialize
  // on BEGIN IMMEDIATE and the second one sees the first one's result.
  for (;;) {
    s = db.Exec("BEGIN IMMEDIATE");
    if (!s.ok()) return s;
    Result<int64_t> current = db.QueryInt("PRAGMA user_version");
    if (!current.ok()) {
      db.Exec("ROLLBACK");
      return current.status();
    }
    if (*current > latest) {
      db.Exec("ROLLBACK");
      return Status::Internal("database schema version " + std::to_string(*current) +
                              " is newer than this binary's (" + std::to_string(latest) + ")");
    }
    if (*current == latest) {
      db.Exec("ROLLBACK");
      return latest;
    }
    const EmbeddedMigration& m = all[*current];  // versions are 1..n, checked at build time
    s = ApplyOne(db, m);
    if (s.ok()) s = db.Exec("COMMIT");
    if (!s.ok()) {
      db.Exec("ROLLBACK");
      return Status::Internal(std::string("migration ") + m.name + " failed: " + s.message());
    }
  }
}

}  // namespace cartable::store
