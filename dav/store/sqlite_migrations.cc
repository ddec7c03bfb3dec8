#include "dav/store/sqlite_migrations.h"

namespace cartable::store {

Result<int> ApplySqliteMigrations(Db& db) {
  const std::vector<EmbeddedMigration>& all = SqliteMigrations();
  const int latest = all.empty() ? 0 : all.back().version;
  // Read the version inside the write transaction: two processes migrating at once serialize
  // on BEGIN IMMEDIATE and the second one sees the first one's result.
  for (;;) {
    Status s = db.Exec("BEGIN IMMEDIATE");
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
    s = db.Exec(m.sql);
    if (s.ok()) s = db.Exec("PRAGMA user_version = " + std::to_string(m.version));
    if (s.ok()) s = db.Exec("COMMIT");
    if (!s.ok()) {
      db.Exec("ROLLBACK");
      return Status::Internal(std::string("migration ") + m.name + " failed: " + s.message());
    }
  }
}

}  // namespace cartable::store
