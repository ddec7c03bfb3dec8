#include "dav/store/sqlite_util.h"

#include <mutex>

namespace cartable::store {

namespace {

// A store call inside a request's write transaction runs under a SAVEPOINT (WriteScope in
// sqlite_store.h), whose statement journal keeps the original of every page the call changes: in
// WAL mode there is no rollback journal to take them from. SQLite keeps that journal in memory up
// to a threshold (64 KiB by default), then moves it to a temporary file it creates, writes and
// unlinks. Deleting one event with its occurrence, index and sync rows, or writing one with
// attendees, often passed 64 KiB: 316 such files for 850 PUTs and DELETEs (strace), ~15 % of a
// DELETE's CPU. SQLite allocates the in-memory journal as one chunk of the threshold's size, so
// the threshold stays under glibc's 128 KiB mmap threshold: a larger chunk is mapped and unmapped
// for every call (measured: 256 KiB made every write ~40 % dearer). At 124 KiB (30 pages) 6 files
// remained. Larger calls (a collection or an account removed, an import batch) still spill.
// Must precede sqlite3_initialize: the first Db::Open sets it; where something else initialized
// SQLite first, the default stays and nothing else changes.
constexpr int kStatementJournalSpillBytes = (128 - 4) << 10;

void ConfigureSqlite() {
  static std::once_flag once;
  std::call_once(once,
                 [] { sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, kStatementJournalSpillBytes); });
}

}  // namespace

Status SqliteStatus(sqlite3* db, int rc, std::string_view what) {
  std::string msg = std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  // Extended codes (SQLITE_BUSY_SNAPSHOT, SQLITE_LOCKED_SHAREDCACHE...) share the primary code's
  // low byte.
  if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) {
    return Status::Unavailable(std::move(msg), kBusyRetryAfterSeconds);
  }
  switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY: return Status::Conflict(std::move(msg));
    case SQLITE_CONSTRAINT_FOREIGNKEY: return Status::NotFound(std::move(msg));
    default: return Status::Internal(std::move(msg));
  }
}

Stmt::Stmt(sqlite3* db, sqlite3_stmt* borrowed, StmtPtr owned)
    : db_(db), stmt_(owned ? owned.get() : borrowed), owned_(std::move(owned)) {}

Stmt::Stmt(Stmt&& other) noexcept
    : db_(other.db_), stmt_(other.stmt_), owned_(std::move(other.owned_)) {
  other.stmt_ = nullptr;
}

Stmt::~Stmt() {
  if (stmt_ == nullptr || owned_) return;  // an owned statement is simply finalized
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Stmt& Stmt::Bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Stmt& Stmt::Bind(int index, std::string_view text) {
  sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  return *this;
}

Stmt& Stmt::BindBlob(int index, std::string_view bytes) {
  // A zero-length blob needs a non-null pointer to be a blob rather than NULL.
  static const char kEmpty = 0;
  sqlite3_bind_blob64(stmt_, index, bytes.empty() ? &kEmpty : bytes.data(), bytes.size(),
                      SQLITE_TRANSIENT);
  return *this;
}

Stmt& Stmt::BindNull(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

int Stmt::Step() { return sqlite3_step(stmt_); }

Status Stmt::Run(std::string_view what) {
  int rc;
  while ((rc = sqlite3_step(stmt_)) == SQLITE_ROW) {
  }
  if (rc != SQLITE_DONE) return SqliteStatus(db_, sqlite3_extended_errcode(db_), what);
  return Status::OK();
}

std::string Stmt::Text(int col) const {
  const unsigned char* p = sqlite3_column_text(stmt_, col);
  int n = sqlite3_column_bytes(stmt_, col);
  return p ? std::string(reinterpret_cast<const char*>(p), n) : std::string();
}

std::string Stmt::Blob(int col) const {
  const void* p = sqlite3_column_blob(stmt_, col);
  int n = sqlite3_column_bytes(stmt_, col);
  return p ? std::string(static_cast<const char*>(p), n) : std::string();
}

Result<std::unique_ptr<Db>> Db::Open(const std::string& file, int busy_timeout_ms) {
  ConfigureSqlite();
  sqlite3* raw = nullptr;
  int rc =
      sqlite3_open_v2(file.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  SqlitePtr owned(raw);  // sqlite3_open_v2 may allocate a handle even on failure
  if (rc != SQLITE_OK) return SqliteStatus(raw, rc, "opening " + file);
  sqlite3_extended_result_codes(raw, 1);
  std::unique_ptr<Db> db(new Db(std::move(owned)));
  // WAL: readers never block the writer and vice versa.
  // busy_timeout first: switching to WAL needs a lock another connection may briefly hold.
  // cache_size: up to 16 MiB of pages per connection, allocated as used (default 2 MiB). A
  // directory search joins thousands of FTS matches to their rows; with the default cache the
  // 50,000-person directory (65 MB) thrashed it (search p95 8.9 ms; 5.5 ms with 32 MiB). 16 MiB
  // keeps a server's resident memory under 100 MiB with one connection per worker.
  // journal_size_limit: after a checkpoint lets the WAL restart, SQLite truncates a WAL file that
  // grew past this (a burst of writes while readers held the checkpoint back) instead of keeping
  // its largest size forever. 16 MiB is four times the checkpoint threshold (kCheckpointPages).
  const std::string busy = std::to_string(busy_timeout_ms > 0 ? busy_timeout_ms : 0);
  Status s = db->Exec("PRAGMA busy_timeout=" + busy +
                      ";"
                      "PRAGMA foreign_keys=ON;"
                      "PRAGMA journal_mode=WAL;"
                      "PRAGMA journal_size_limit=16777216;"
                      "PRAGMA cache_size=-16384;");
  if (!s.ok()) return s;
  // Durability: clients treat a 201/204 as "stored", so an acknowledged write must survive a
  // power loss or kernel crash, not only a process crash. synchronous=FULL gets that by fsyncing
  // the WAL inside every COMMIT, under the write lock: writers then queue behind one another's
  // fsync (~90 durable PUTs/s with 8 clients). synchronous=NORMAL writes the WAL frames without
  // fsync; the store's group commit then fsyncs the WAL after the write lock is released and
  // before the caller hears OK, one fsync for every commit written so far (sqlite_commit.h).
  // In WAL mode FULL differs from NORMAL only by that per-commit xSync(SQLITE_SYNC_NORMAL) of the
  // WAL (pager.c, sqlite3PagerSetFlags: walSyncFlags), and by padding the commit to a sector
  // boundary when the file system lacks SQLITE_IOCAP_POWERSAFE_OVERWRITE (wal.c,
  // sqlite3WalFrames: padToSectorBoundary). Without that property an unsynced frame written next
  // to a synced one may damage it on power loss, so there we keep FULL. Both modes sync the WAL
  // header when the WAL restarts after a checkpoint, and sync the WAL before a checkpoint and the
  // database after it (wal.c: syncHeader, walCheckpoint), so nothing else changes.
  // All of this holds in WAL mode only: where SQLite could not switch to WAL (no shared memory
  // on the file system), NORMAL would also skip syncs of the rollback journal, so keep FULL.
  bool wal = false;
  {
    Result<Stmt> mode = db->Prepare("PRAGMA journal_mode");
    if (mode.ok() && mode->Step() == SQLITE_ROW) wal = mode->Text(0) == "wal";
  }
  sqlite3_file* main_file = nullptr;
  if (wal &&
      sqlite3_file_control(raw, "main", SQLITE_FCNTL_FILE_POINTER, &main_file) == SQLITE_OK &&
      main_file != nullptr && main_file->pMethods != nullptr) {
    db->defers_sync_ = (main_file->pMethods->xDeviceCharacteristics(main_file) &
                        SQLITE_IOCAP_POWERSAFE_OVERWRITE) != 0;
  }
  s = db->Exec(db->defers_sync_ ? "PRAGMA synchronous=NORMAL" : "PRAGMA synchronous=FULL");
  if (!s.ok()) return s;
  return db;
}

Status Db::SyncWal() {
  // SQLITE_FCNTL_JOURNAL_POINTER gives the pager's journal file: in WAL mode, the connection's
  // handle on the -wal file (pager.c, sqlite3PagerJrnlFile). Any handle will do: fsync flushes the
  // file's pages whichever descriptor wrote them. The unix VFS's xSync also fsyncs the directory
  // the first time after creating the file, so a new -wal file's name is durable too.
  sqlite3_file* wal = nullptr;
  int rc = sqlite3_file_control(db_.get(), "main", SQLITE_FCNTL_JOURNAL_POINTER, &wal);
  if (rc != SQLITE_OK || wal == nullptr || wal->pMethods == nullptr) {
    return Status::Internal("syncing the database log: the WAL file is not open");
  }
  rc = wal->pMethods->xSync(wal, SQLITE_SYNC_NORMAL);
  if (rc != SQLITE_OK) {
    return Status::Internal(std::string("syncing the database log: ") + sqlite3_errstr(rc));
  }
  return Status::OK();
}

Result<Stmt> Db::Prepare(std::string_view sql) {
  auto it = cache_.find(std::string(sql));
  if (it != cache_.end() && !sqlite3_stmt_busy(it->second.get())) {
    return Stmt(db_.get(), it->second.get(), nullptr);
  }
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
  StmtPtr stmt(raw);
  if (rc != SQLITE_OK) return SqliteStatus(db_.get(), rc, "preparing " + std::string(sql));
  if (it != cache_.end()) return Stmt(db_.get(), nullptr, std::move(stmt));  // busy: one-off
  sqlite3_stmt* borrowed = stmt.get();
  cache_.emplace(std::string(sql), std::move(stmt));
  return Stmt(db_.get(), borrowed, nullptr);
}

Status Db::Exec(const std::string& sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, &err);
  if (rc == SQLITE_OK) return Status::OK();
  std::string msg = err ? err : sqlite3_errstr(rc);
  sqlite3_free(err);
  Status mapped = SqliteStatus(db_.get(), sqlite3_extended_errcode(db_.get()), "exec");
  if (mapped.code() == Status::Code::kUnavailable) {
    return Status::Unavailable("exec: " + msg, mapped.retry_after_seconds());
  }
  return Status(mapped.code(), "exec: " + msg);
}

Status Db::ExecCached(std::string_view sql) {
  Result<Stmt> stmt = Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  int rc;
  while ((rc = stmt->Step()) == SQLITE_ROW) {
  }
  if (rc == SQLITE_DONE) return Status::OK();
  std::string msg = sqlite3_errmsg(db_.get());
  Status mapped = SqliteStatus(db_.get(), sqlite3_extended_errcode(db_.get()), "exec");
  if (mapped.code() == Status::Code::kUnavailable) {
    return Status::Unavailable("exec: " + msg, mapped.retry_after_seconds());
  }
  return Status(mapped.code(), "exec: " + msg);
}

Result<int64_t> Db::QueryInt(std::string_view sql) {
  Result<Stmt> stmt = Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  int rc = stmt->Step();
  if (rc == SQLITE_ROW) return stmt->Int(0);
  if (rc == SQLITE_DONE) return Status::NotFound("no row: " + std::string(sql));
  return SqliteStatus(db_.get(), rc, sql);
}

}  // namespace cartable::store
