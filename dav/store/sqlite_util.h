// Thin RAII layer over the SQLite C API: an owned connection, a per-connection statement cache,
// a borrowed statement handle that resets itself, and SQLite error -> Status mapping.
// Nothing here throws. Not thread-safe: one Db per thread (see sqlite_store.h).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "dav/status.h"
#include "dav/store/store.h"

namespace cartable::store {

struct SqliteCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct SqliteFinalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using SqlitePtr = std::unique_ptr<sqlite3, SqliteCloser>;
using StmtPtr = std::unique_ptr<sqlite3_stmt, SqliteFinalizer>;

// Maps an SQLite result code to a Status: UNIQUE / PRIMARY KEY violations -> kConflict, FOREIGN
// KEY violations (a referenced row is missing) -> kNotFound, SQLITE_BUSY / SQLITE_LOCKED (another
// connection held the lock past busy_timeout, on BEGIN IMMEDIATE, any statement or COMMIT) ->
// kUnavailable with retry_after_seconds = kBusyRetryAfterSeconds, anything else -> kInternal
// with the connection's error message. `what` says which operation failed. This is the one seam
// where a busy database stops being an SQLite detail.
Status SqliteStatus(sqlite3* db, int rc, std::string_view what);

// A prepared statement borrowed from a Db's cache (or owned, when the cached one is busy, e.g.
// re-entrant ForEachObject). On destruction it is reset and its bindings cleared, so the cache can
// hand it out again. Bind indexes start at 1, column indexes at 0 (SQLite's convention).
class Stmt {
 public:
  Stmt(sqlite3* db, sqlite3_stmt* borrowed, StmtPtr owned);
  Stmt(Stmt&& other) noexcept;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt();

  Stmt& Bind(int index, int64_t value);
  Stmt& Bind(int index, std::string_view text);  // bound as TEXT (copied)
  Stmt& BindBlob(int index, std::string_view bytes);
  Stmt& BindNull(int index);
  // Binds the value of `v`, or NULL when it has none (an unset optional column).
  template <typename T>
  Stmt& BindOrNull(int index, const std::optional<T>& v) {
    return v ? Bind(index, *v) : BindNull(index);
  }

  // sqlite3_step: SQLITE_ROW, SQLITE_DONE or an error code.
  int Step();
  // Steps until done (for statements without rows). OK, or the mapped error.
  Status Run(std::string_view what);

  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  bool IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::string Text(int col) const;
  std::string Blob(int col) const;

  sqlite3* db() const { return db_; }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  StmtPtr owned_;
};

// Steps every row of `s` through `read` into a list; `what` names the query in errors.
template <typename T, typename Read>
Result<std::vector<T>> StepAll(Stmt& s, Read read, std::string_view what) {
  std::vector<T> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) out.push_back(read(s));
  if (rc != SQLITE_DONE) return SqliteStatus(s.db(), rc, what);
  return out;
}

// An open connection with its statement cache.
class Db {
 public:
  // Opens (creating) `file` and applies the per-connection pragmas (WAL, foreign_keys,
  // busy_timeout = `busy_timeout_ms`, synchronous: see defers_sync()).
  static Result<std::unique_ptr<Db>> Open(const std::string& file, int busy_timeout_ms = 5000);

  // True when COMMIT on this connection writes the WAL without fsync (synchronous=NORMAL), so a
  // commit is durable only once SyncWal() has run after it: the store's group commit
  // (sqlite_commit.h) does that before acknowledging. False (synchronous=FULL: each COMMIT
  // fsyncs) when the file system does not promise powersafe overwrite, because SQLite then pads
  // each synced commit to a sector boundary and a later unsynced write could damage a synced one.
  bool defers_sync() const { return defers_sync_; }
  // fsyncs the WAL file through SQLite's VFS (xSync, SQLITE_SYNC_NORMAL: what a COMMIT with
  // synchronous=FULL does on this platform). Flushes every frame any connection of this process
  // wrote to the file before the call. kInternal when the WAL is not open or the sync fails.
  Status SyncWal();

  // Returns the cached statement for `sql` (prepared on first use). The SQL text is the key, so
  // callers pass string literals. kInternal when it does not compile.
  Result<Stmt> Prepare(std::string_view sql);
  // Runs one or more statements without parameters or rows (BEGIN, PRAGMA, migration scripts).
  Status Exec(const std::string& sql);
  // Runs one statement without parameters or rows through the statement cache: for the
  // transaction control every request runs (BEGIN, COMMIT, ROLLBACK, SAVEPOINT, RELEASE), which
  // sqlite3_exec would compile again each time (8-9 % of a GET's CPU in perf). The same Status
  // as Exec on failure.
  Status ExecCached(std::string_view sql);
  // Convenience for single-row integer queries ("PRAGMA user_version").
  Result<int64_t> QueryInt(std::string_view sql);
  int64_t Changes() const { return sqlite3_changes64(db_.get()); }
  int64_t LastInsertId() const { return sqlite3_last_insert_rowid(db_.get()); }
  sqlite3* raw() const { return db_.get(); }

 private:
  explicit Db(SqlitePtr db) : db_(std::move(db)) {}
  SqlitePtr db_;
  bool defers_sync_ = false;  // declared first: destroyed after the statements below
  std::unordered_map<std::string, StmtPtr> cache_;
};

}  // namespace cartable::store
