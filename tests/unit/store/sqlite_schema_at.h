// For SQLite migration tests: a database left as a server of an older schema version wrote it.
#pragma once

#include <memory>
#include <string>

#include "dav/store/sqlite_migrations.h"
#include "dav/store/sqlite_util.h"

namespace cartable::store {

// Opens (creating) the database `file` with migrations 1..`version` applied and user_version
// set to `version`, as a server of that version left it; the caller then writes that version's
// rows. An error when a migration fails or the embedded migrations are not numbered 1, 2, ...
inline Result<std::unique_ptr<Db>> OpenAtSchemaVersion(const std::string& file, int version) {
  Result<std::unique_ptr<Db>> db = Db::Open(file);
  if (!db.ok()) return db;
  Status s = (*db)->Exec("BEGIN");
  for (int i = 0; s.ok() && i < version; ++i) {
    if (SqliteMigrations()[i].version != i + 1) return Status::Internal("migrations misnumbered");
    s = (*db)->Exec(SqliteMigrations()[i].sql);
  }
  if (s.ok()) s = (*db)->Exec("PRAGMA user_version = " + std::to_string(version));
  if (s.ok()) s = (*db)->Exec("COMMIT");
  if (!s.ok()) return s;
  return db;
}

}  // namespace cartable::store
