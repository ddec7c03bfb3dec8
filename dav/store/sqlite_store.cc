// SqliteStore, SqliteSession (transactions and users), OpenSqliteStore, MigrateSqliteStore.
// Collections and changes: sqlite_collections.cc. Objects and properties: sqlite_objects.cc.
#include "dav/store/sqlite_store.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

#include "dav/store/commit_later.h"
#include "dav/store/sqlite_backup.h"
#include "dav/store/sqlite_commit.h"
#include "dav/store/sqlite_migrations.h"
#include "dav/store/store_codec.h"
#include "dav/store/store_util.h"

namespace cartable::store {
namespace {

constexpr char kUserColumns[] =
    "SELECT id, login, email, display_name, password_hash, state, quota_bytes, used_bytes, "
    "credential_version, must_change_password, created_at, scheduling, kind, group_key "
    "FROM users ";

User ReadUser(const Stmt& s) {
  User u;
  u.id = s.Int(0);
  u.login = s.Text(1);
  u.email = s.Text(2);  // NULL reads as ""
  u.display_name = s.Text(3);
  u.password_hash = s.Text(4);
  u.state = StateOf(s.Text(5));
  u.quota_bytes = s.Int(6);
  u.used_bytes = s.Int(7);
  u.credential_version = s.Int(8);
  u.must_change_password = s.Int(9) != 0;
  u.created_at = s.Int(10);
  u.scheduling = s.Int(11) != 0;
  u.kind = KindOf(s.Text(12));
  u.group_key = s.Text(13);  // NULL reads as ""
  return u;
}

// Binds `email` at `index`, "" as NULL (the UNIQUE constraint then ignores it).
void BindEmail(Stmt& s, int index, const std::string& email) {
  if (email.empty()) {
    s.BindNull(index);
  } else {
    s.Bind(index, email);
  }
}

// Creates data_dir (0700 when this creates it) and data_dir/cartable.db (0600) unless they exist.
// The database holds every user's calendars, contacts and password hashes: nobody else on the
// machine may read it. SQLite would create the file 0644 (less the umask); it creates the -wal
// and -shm files with the mode of the database file, so creating that one first is enough, and
// no process-wide umask change (racy with other threads) is needed.
Status CreatePrivate(const std::string& data_dir, const std::string& file) {
  std::error_code ec;
  if (!std::filesystem::exists(data_dir, ec)) {
    std::filesystem::create_directories(data_dir, ec);
    if (ec) return Status::Internal("cannot create " + data_dir + ": " + ec.message());
    std::filesystem::permissions(data_dir, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace, ec);
    if (ec) return Status::Internal("cannot restrict " + data_dir + ": " + ec.message());
  }
  int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::close(fd);  // an empty file is an empty database to SQLite
  } else if (errno != EEXIST) {
    return Status::Internal("cannot create " + file + ": " + std::strerror(errno));
  }
  return Status::OK();
}

// Creates data_dir and opens data_dir/cartable.db with migrations applied.
// `lock` receives the shared data directory lock (sqlite_backup.h: refused during a restore).
Result<std::unique_ptr<Db>> OpenAndMigrate(const std::string& data_dir, int* version,
                                           int busy_timeout_ms, DataDirLock* lock) {
  const std::string file = data_dir + "/cartable.db";
  if (Status st = CreatePrivate(data_dir, file); !st.ok()) return st;
  Result<DataDirLock> held = DataDirLock::Shared(data_dir);
  if (!held.ok()) return held.status();
  *lock = std::move(*held);
  Result<std::unique_ptr<Db>> db = Db::Open(file, busy_timeout_ms);
  if (!db.ok()) return db.status();
  Result<int> v = ApplySqliteMigrations(**db);
  if (!v.ok()) return v.status();
  // The migrations committed without fsync (synchronous=NORMAL, no group commit here): make
  // them durable before anything is written on top of them.
  if ((*db)->defers_sync()) {
    if (Status st = (*db)->SyncWal(); !st.ok()) return st;
  }
  if (version != nullptr) *version = *v;
  return db;
}

}  // namespace

class SqliteTransaction : public Transaction, public CommitsLater {
 public:
  explicit SqliteTransaction(SqliteSession* session) : session_(session) {}
  ~SqliteTransaction() override {
    if (session_ == nullptr) return;
    session_->db_->ExecCached("ROLLBACK");
    session_->txn_ = SqliteSession::TxnState::kNone;
    session_->EndWrite();
  }
  Status Commit() override {
    Status committed;
    SqliteSession* session = CommitOrRollback(&committed);
    // Returns only once the commit is durable (or the error): the store's contract.
    return session == nullptr ? committed : session->EndCommit(std::move(committed));
  }
  // Commit() with step 4 of sqlite_commit.cc handed to the syncer thread.
  void CommitThen(std::function<void(Status)> durable) override {
    Status committed;
    SqliteSession* session = CommitOrRollback(&committed);
    if (session == nullptr) return durable(std::move(committed));
    session->EndCommitThen(std::move(committed), std::move(durable));
  }

 private:
  // Ends the SQL transaction: COMMIT, or ROLLBACK when COMMIT fails, its status in `committed`.
  // Returns the session, still holding the writer mutex, or null (and an error) when this
  // transaction was already finished.
  SqliteSession* CommitOrRollback(Status* committed) {
    if (session_ == nullptr) {
      *committed = Status::Internal("transaction already finished");
      return nullptr;
    }
    SqliteSession* session = std::exchange(session_, nullptr);
    *committed = session->db_->ExecCached("COMMIT");
    if (!committed->ok()) session->db_->ExecCached("ROLLBACK");
    session->txn_ = SqliteSession::TxnState::kNone;
    return session;
  }

  SqliteSession* session_;  // null once finished
};

// ---- store and session plumbing ----

Session& SqliteStore::ThreadSession() {
  std::lock_guard<std::mutex> lock(mu_);
  std::unique_ptr<SqliteSession>& session = sessions_[std::this_thread::get_id()];
  if (!session) {
    Result<std::unique_ptr<Db>> db = Db::Open(db_file_, options_.busy_timeout_ms);
    if (db.ok()) {
      session = std::make_unique<SqliteSession>(std::move(*db), Status::OK(), &writer_, &options_,
                                                "", &group_, &stats());
    } else {
      session = std::make_unique<SqliteSession>(nullptr, db.status(), &writer_, &options_, db_file_,
                                                &group_, &stats());
    }
  }
  return *session;
}

SqliteSession::SqliteSession(std::unique_ptr<Db> db, Status open_error, std::mutex* writer,
                             const StoreOptions* options, std::string db_file, GroupCommit* group,
                             StoreStats* stats)
    : db_(std::move(db)),
      open_error_(std::move(open_error)),
      db_file_(std::move(db_file)),
      group_(group),
      writer_(writer),
      options_(options),
      stats_(stats) {
  AttachHook();
}

void SqliteSession::AttachHook() {
  if (db_ && group_ != nullptr) group_->Attach(*db_, &hook_);
}

Status SqliteSession::EnsureOpen() {
  if (db_) return Status::OK();
  if (db_file_.empty()) return open_error_;
  Result<std::unique_ptr<Db>> db = Db::Open(db_file_, options_->busy_timeout_ms);
  if (!db.ok()) return open_error_ = db.status();
  db_ = std::move(*db);
  Forget();  // another connection: another data version counter
  AttachHook();
  return Status::OK();
}

UnixTime SqliteSession::Now() const { return options_->clock ? options_->clock() : store::Now(); }

bool SqliteSession::MemoUsable() {
  if (txn_ != TxnState::kRead || !db_) return false;
  // BEGIN DEFERRED opens the snapshot at the first read, not before.
  if (sqlite3_txn_state(db_->raw(), "main") != SQLITE_TXN_READ) return false;
  unsigned int version = 0;
  int rc = sqlite3_file_control(db_->raw(), "main", SQLITE_FCNTL_DATA_VERSION, &version);
  if (rc != SQLITE_OK) return false;
  if (memo_.version != version) {
    Forget();
    memo_.version = version;
  }
  return true;
}

void SqliteSession::Remember(const User& user) {
  if (!MemoUsable()) return;
  memo_.users[memo_.next_user] = user;
  memo_.next_user = (memo_.next_user + 1) % memo_.users.size();
}

void SqliteSession::Remember(const Collection& collection) {
  if (!MemoUsable()) return;
  memo_.collections[memo_.next_collection] = collection;
  memo_.next_collection = (memo_.next_collection + 1) % memo_.collections.size();
}

Status SqliteSession::BeginWrite() {
  Forget();  // the write must read its own changes, and makes the remembered rows stale
  const auto waiting_since = std::chrono::steady_clock::now();
  if (writer_ != nullptr) write_lock_ = std::unique_lock<std::mutex>(*writer_);
  hook_.wrote = false;
  Status s = db_->ExecCached("BEGIN IMMEDIATE");
  if (stats_ != nullptr) {
    stats_->AddWait(std::chrono::steady_clock::now() - waiting_since,
                    s.code() == Status::Code::kUnavailable);
  }
  if (!s.ok()) EndWrite();
  return s;
}

void SqliteSession::EndWrite() {
  if (write_lock_.owns_lock()) write_lock_.unlock();
}

uint64_t SqliteSession::TakeCommitSeq() {
  // A connection with synchronous=FULL fsynced inside COMMIT; a transaction that wrote no frame
  // (a PUT refused by its precondition, a read-only WriteScope) has nothing to make durable.
  if (group_ == nullptr || !db_->defers_sync() || !hook_.wrote) return 0;
  hook_.wrote = false;
  return group_->Committed();
}

uint64_t SqliteSession::EndWriteAfterCommit(const Status& committed) {
  const uint64_t seq = committed.ok() ? TakeCommitSeq() : 0;  // under the writer mutex
  EndWrite();
  return seq;
}

Status SqliteSession::EndCommit(Status committed) {
  const uint64_t seq = EndWriteAfterCommit(committed);
  if (seq == 0) return committed;
  return group_->WaitDurable(seq, *db_);
}

void SqliteSession::EndCommitThen(Status committed, std::function<void(Status)> durable) {
  const uint64_t seq = EndWriteAfterCommit(committed);
  if (seq == 0) return durable(std::move(committed));
  group_->WhenDurable(seq, *db_, std::move(durable));
}

SqliteSession::~SqliteSession() = default;

Result<Stmt> SqliteSession::Prepare(std::string_view sql) {
  if (Status s = EnsureOpen(); !s.ok()) return s;
  return db_->Prepare(sql);
}

Result<std::unique_ptr<Transaction>> SqliteSession::Begin(bool write) {
  if (Status s = EnsureOpen(); !s.ok()) return s;
  if (txn_ != TxnState::kNone) return Status::Internal("nested transaction");
  Status s = write ? BeginWrite() : db_->ExecCached("BEGIN DEFERRED");
  if (!s.ok()) return s;
  txn_ = write ? TxnState::kWrite : TxnState::kRead;
  return std::unique_ptr<Transaction>(new SqliteTransaction(this));
}

WriteScope::WriteScope(SqliteSession& session) : session_(session) {
  if (Status open = session_.EnsureOpen(); !open.ok()) {
    status_ = open;
  } else if (session_.txn_ == SqliteSession::TxnState::kRead) {
    status_ = Status::Internal("mutating call inside a read transaction");
  } else {
    own_txn_ = session_.txn_ == SqliteSession::TxnState::kNone;
    status_ = own_txn_ ? session_.BeginWrite() : session_.db_->ExecCached("SAVEPOINT call");
    active_ = status_.ok();
  }
}

WriteScope::~WriteScope() {
  if (active_) Undo();
}

void WriteScope::Undo() {
  active_ = false;
  if (own_txn_) {
    session_.db_->ExecCached("ROLLBACK");
    session_.EndWrite();
  } else {
    session_.db_->ExecCached("ROLLBACK TO call");
    session_.db_->ExecCached("RELEASE call");
  }
}

Status WriteScope::Finish(const Status& result) {
  if (!active_) return status_.ok() ? result : status_;
  if (!result.ok()) {
    Undo();
    return result;
  }
  Status s = session_.db_->ExecCached(own_txn_ ? "COMMIT" : "RELEASE call");
  if (!s.ok()) {
    Undo();
    return s;
  }
  active_ = false;
  if (own_txn_) {
    // Returns only once the commit is durable (or the error): the store's contract.
    if (Status durable = session_.EndCommit(Status::OK()); !durable.ok()) return durable;
  }
  return result;
}

Status SqliteSession::WriteOne(std::string_view sql, const std::string& what,
                               const std::function<void(Stmt&)>& bind,
                               const std::function<Status(Status)>& check) {
  WriteScope scope(*this);
  if (!scope.status().ok()) return scope.status();
  Result<Stmt> s = Prepare(sql);
  if (!s.ok()) return scope.Finish(s.status());
  bind(*s);
  Status st = s->Run(what);
  return scope.Finish(check ? check(std::move(st)) : st);
}

Status SqliteSession::RequireChange(Status st, const std::string& missing) {
  if (st.ok() && db_->Changes() == 0) return Status::NotFound(missing);
  return st;
}

// ---- users ----

Result<Id> SqliteSession::CreateUser(const User& user) {
  Status st = WriteOne(
      "INSERT INTO users (login, email, display_name, password_hash, state, quota_bytes, "
      "credential_version, must_change_password, created_at, kind, group_key, scheduling) "
      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
      "creating user " + user.login, [&](Stmt& s) {
        s.Bind(1, user.login);
        BindEmail(s, 2, user.email);
        s.Bind(3, user.display_name).Bind(4, user.password_hash).Bind(5, StateText(user.state));
        s.Bind(6, user.quota_bytes)
            .Bind(7, user.credential_version > 0 ? user.credential_version : 1);
        s.Bind(8, int64_t{user.must_change_password});
        s.Bind(9, user.created_at != 0 ? user.created_at : Now());
        s.Bind(10, user.kind == UserKind::kGroup ? "group" : "person");
        if (user.group_key.empty()) {
          s.BindNull(11);
        } else {
          s.Bind(11, user.group_key);
        }
        s.Bind(12, int64_t{user.scheduling});  // off for group accounts (no inbox)
      });
  if (!st.ok()) return st;
  return db_->LastInsertId();
}

Result<User> SqliteSession::QueryUser(std::string_view sql, const std::string& key) {
  Result<Stmt> s = Prepare(sql);
  if (!s.ok()) return s.status();
  s->Bind(1, key);
  int rc = s->Step();
  if (rc == SQLITE_ROW) return ReadUser(*s);
  if (rc == SQLITE_DONE) return Status::NotFound("no user " + key);
  return SqliteStatus(db_->raw(), rc, "reading user");
}

Result<User> SqliteSession::GetUserById(Id id) {
  if (MemoUsable()) {
    for (const std::optional<User>& u : memo_.users) {
      if (u && u->id == id) return *u;
    }
  }
  Result<Stmt> s = Prepare(std::string(kUserColumns) + "WHERE id = ?");
  if (!s.ok()) return s.status();
  s->Bind(1, id);
  int rc = s->Step();
  if (rc == SQLITE_ROW) {
    User user = ReadUser(*s);
    Remember(user);
    return user;
  }
  if (rc == SQLITE_DONE) return Status::NotFound("no user with id " + std::to_string(id));
  return SqliteStatus(db_->raw(), rc, "reading user");
}

Result<User> SqliteSession::GetUserByLogin(const std::string& login) {
  if (MemoUsable()) {
    for (const std::optional<User>& u : memo_.users) {
      if (u && u->login == login) return *u;
    }
  }
  Result<User> user = QueryUser(std::string(kUserColumns) + "WHERE login = ?", login);
  if (user.ok()) Remember(*user);
  return user;
}

Result<User> SqliteSession::GetUserByEmail(const std::string& email) {
  if (email.empty()) return Status::NotFound("no user with an empty email");
  return QueryUser(std::string(kUserColumns) + "WHERE email = ?", email);
}

Result<User> SqliteSession::GetUserByGroupKey(const std::string& group_key) {
  if (group_key.empty()) return Status::NotFound("no group with an empty key");
  return QueryUser(std::string(kUserColumns) + "WHERE group_key = ?", group_key);
}

Result<std::vector<User>> SqliteSession::ListUsers() {
  return QueryUsers(std::string(kUserColumns) + "WHERE kind = 'person' ORDER BY login");
}

Result<std::vector<User>> SqliteSession::ListGroups() {
  return QueryUsers(std::string(kUserColumns) + "WHERE kind = 'group' ORDER BY login");
}

Result<std::vector<User>> SqliteSession::QueryUsers(std::string_view sql) {
  Result<Stmt> s = Prepare(sql);
  if (!s.ok()) return s.status();
  std::vector<User> users;
  int rc;
  while ((rc = s->Step()) == SQLITE_ROW) users.push_back(ReadUser(*s));
  if (rc != SQLITE_DONE) return SqliteStatus(db_->raw(), rc, "listing users");
  return users;
}

Status SqliteSession::UpdateUser(const User& user) {
  // In SET expressions `state` is the old value: the version moves only on a real state change.
  return WriteOne(
      "UPDATE users SET display_name = ?1, email = ?2, quota_bytes = ?3, "
      "must_change_password = ?4, credential_version = credential_version + (state <> ?5), "
      "state = ?5, scheduling = ?7 WHERE id = ?6",
      "updating user " + user.login,
      [&](Stmt& s) {
        s.Bind(1, user.display_name);
        BindEmail(s, 2, user.email);
        s.Bind(3, user.quota_bytes).Bind(4, int64_t{user.must_change_password});
        s.Bind(5, StateText(user.state)).Bind(6, user.id).Bind(7, int64_t{user.scheduling});
      },
      [&](Status st) {
        return RequireChange(std::move(st), "no user with id " + std::to_string(user.id));
      });
}

Status SqliteSession::SetPasswordHash(Id user_id, const std::string& hash, bool must_change) {
  return WriteOne(
      "UPDATE users SET password_hash = ?, must_change_password = ?, "
      "credential_version = credential_version + 1 WHERE id = ?",
      "setting a password",
      [&](Stmt& s) { s.Bind(1, hash).Bind(2, int64_t{must_change}).Bind(3, user_id); },
      [&](Status st) {
        return RequireChange(std::move(st), "no user with id " + std::to_string(user_id));
      });
}

// ---- entry points ----

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& data_dir,
                                               const StoreOptions& options) {
  DataDirLock lock;
  Result<std::unique_ptr<Db>> db =
      OpenAndMigrate(data_dir, nullptr, options.busy_timeout_ms, &lock);
  if (!db.ok()) return db.status();
  // The migration connection is closed here; each thread opens its own on first use.
  return std::unique_ptr<Store>(
      new SqliteStore(data_dir + "/cartable.db", options, std::move(lock)));
}

Result<int> MigrateSqliteStore(const std::string& data_dir) {
  int version = 0;
  DataDirLock lock;
  Result<std::unique_ptr<Db>> db =
      OpenAndMigrate(data_dir, &version, StoreOptions{}.busy_timeout_ms, &lock);
  if (!db.ok()) return db.status();
  return version;
}

}  // namespace cartable::store
