// SQLite store: what the readiness probe and the metrics scrape read (issue 16).
#include "dav/store/sqlite_migrations.h"
#include "dav/store/sqlite_store.h"

namespace cartable::store {
namespace {

// The first column of the first row `stmt` returns (0 for NULL or no row), with ?1, ?2...
// bound to `binds`. `db` is the statement's connection (for the error).
Result<int64_t> ReadInt(sqlite3* db, Result<Stmt> stmt, std::string_view what,
                        std::initializer_list<int64_t> binds = {}) {
  if (!stmt.ok()) return stmt.status();
  int index = 1;
  for (int64_t value : binds) stmt->Bind(index++, value);
  int rc = stmt->Step();
  if (rc == SQLITE_ROW) return stmt->Int(0);
  if (rc == SQLITE_DONE) return int64_t{0};
  return SqliteStatus(db, sqlite3_extended_errcode(db), what);
}

}  // namespace

Result<SchemaVersions> SqliteSession::GetSchemaVersions() {
  if (Status s = EnsureOpen(); !s.ok()) return s;
  Result<int64_t> version =
      ReadInt(db_->raw(), Prepare("PRAGMA user_version"), "reading the schema version");
  if (!version.ok()) return version.status();
  SchemaVersions v;
  v.database = static_cast<int>(*version);
  v.binary = SqliteMigrations().empty() ? 0 : SqliteMigrations().back().version;
  return v;
}

Result<OperationalCounts> SqliteSession::ReadOperationalCounts(UnixTime idle_before,
                                                               UnixTime created_before) {
  if (Status s = EnsureOpen(); !s.ok()) return s;
  // count(*) walks the smallest index (mail_queue_due); ids grow, so the smallest is the oldest.
  Result<int64_t> queued =
      ReadInt(db_->raw(), Prepare("SELECT count(*) FROM mail_queue"), "counting queued mail");
  if (!queued.ok()) return queued.status();
  Result<int64_t> oldest =
      ReadInt(db_->raw(), Prepare("SELECT created_at FROM mail_queue ORDER BY id LIMIT 1"),
              "reading the oldest queued mail");
  if (!oldest.ok()) return oldest.status();
  Result<int64_t> sessions = ReadInt(
      db_->raw(),
      Prepare("SELECT count(*) FROM web_sessions WHERE last_seen_at >= ?1 AND created_at >= ?2"),
      "counting web sessions", {idle_before, created_before});
  if (!sessions.ok()) return sessions.status();
  OperationalCounts c;
  c.mail_queued = *queued;
  c.mail_oldest = *oldest;
  c.web_sessions = *sessions;
  return c;
}

}  // namespace cartable::store
