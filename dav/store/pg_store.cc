// PostgreSQL store: PgPool, PgSession transactions and Exec, PgWriteScope, PgStore,
// OpenPostgresStore, MigratePostgresStore. See pg_store.h for the model (connections,
// transactions, the write lock).
#include "dav/store/pg_store.h"

#include <algorithm>

#include "dav/store/pg_migrations.h"
#include "dav/store/store_util.h"

namespace cartable::store {
namespace {

// True when `s` says the connection broke before the statement could do anything we must not
// repeat (see PgTransaction::Start and PgSession::Exec): the statement is retried once on a
// fresh connection.
bool Broken(const Status& s, const pg::Conn& conn) {
  return s.code() == Status::Code::kUnavailable && !conn.healthy();
}

}  // namespace

// ---- PgPool ----

PgPool::PgPool(std::string url, int size, int wait_ms, StoreStats* stats)
    : url_(std::move(url)),
      size_(size < 1 ? 1 : size),
      wait_ms_(wait_ms < 0 ? 0 : wait_ms),
      stats_(stats) {}

PgPool::~PgPool() = default;

Result<std::unique_ptr<pg::Conn>> PgPool::Borrow() {
  std::unique_lock<std::mutex> lock(mu_);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms_);
  for (;;) {
    if (!idle_.empty()) {
      std::unique_ptr<pg::Conn> conn = std::move(idle_.back());
      idle_.pop_back();
      return conn;
    }
    if (open_ < size_) {
      ++open_;
      lock.unlock();  // connecting takes a round trip or more: not under the pool's mutex
      Result<std::unique_ptr<pg::Conn>> conn = pg::Conn::Open(url_);
      if (!conn.ok()) {
        lock.lock();
        --open_;
        cv_.notify_one();
      }
      return conn;
    }
    // Every connection is lent: the wait is counted (StoreStats), whether it ends with one or
    // with the refusal.
    const auto waiting_since = std::chrono::steady_clock::now();
    const bool timed_out = cv_.wait_until(lock, deadline) == std::cv_status::timeout &&
                           idle_.empty() && open_ >= size_;
    if (stats_ != nullptr) {
      stats_->AddWait(std::chrono::steady_clock::now() - waiting_since, timed_out);
    }
    if (timed_out) {
      return Status::Unavailable("all " + std::to_string(size_) +
                                     " database connections stayed busy for " +
                                     std::to_string(wait_ms_) + " ms ([store] pool_size)",
                                 kBusyRetryAfterSeconds);
    }
  }
}

void PgPool::Return(std::unique_ptr<pg::Conn> conn) {
  // A connection handed back inside a transaction (an error path) is rolled back first; one
  // that cannot be is dropped.
  if (conn && conn->healthy() && PQtransactionStatus(conn->raw()) != PQTRANS_IDLE) {
    conn->ExecScript("ROLLBACK", "rolling back a returned connection");
  }
  const bool keep = conn && conn->healthy() && PQtransactionStatus(conn->raw()) == PQTRANS_IDLE;
  std::vector<std::unique_ptr<pg::Conn>> dropped;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (keep) {
      idle_.push_back(std::move(conn));
    } else {
      --open_;
      // A broken connection most often means the server restarted or failed over: the idle
      // ones are then broken too, and lending them would cost one failed call each.
      if (conn) {
        open_ -= static_cast<int>(idle_.size());
        dropped.swap(idle_);
      }
    }
    cv_.notify_all();
  }
  // `conn` and `dropped` are closed here, outside the mutex.
}

// ---- transactions ----

class PgTransaction : public Transaction {
 public:
  explicit PgTransaction(PgSession* session) : session_(session) {}
  ~PgTransaction() override {
    if (session_ != nullptr) End(*session_, /*commit=*/false);
  }
  Status Commit() override {
    if (session_ == nullptr) return Status::Internal("transaction already finished");
    PgSession* session = session_;
    session_ = nullptr;
    return End(*session, /*commit=*/true);
  }

  // Borrows a connection and begins a transaction on it (see pg_store.h). A write transaction
  // takes the write lock, waiting at most busy_timeout_ms (lock_timeout: then kUnavailable).
  static Status Start(PgSession& s, bool write) {
    if (s.txn_ != PgSession::TxnState::kNone) return Status::Internal("nested transaction");
    // lock_timeout 0 would mean "wait forever": a busy_timeout_ms of 0 (fail at once, as with
    // SQLite) becomes 1 ms.
    const std::string begin =
        write ? "BEGIN; SET LOCAL lock_timeout = " +
                    std::to_string(std::max(1, s.options_->busy_timeout_ms)) +
                    "; SELECT pg_advisory_xact_lock(" + std::to_string(kWriteLockKey) + ")"
              : std::string("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    // Nothing has run when BEGIN fails on a connection broken while idle (a server restart):
    // one more try, on a connection the pool opens afresh.
    for (int attempt = 0;; ++attempt) {
      Result<std::unique_ptr<pg::Conn>> conn = s.pool_->Borrow();
      if (!conn.ok()) return conn.status();
      const auto waiting_since = std::chrono::steady_clock::now();
      Status st = (*conn)->ExecScript(begin, write ? "beginning a write" : "beginning a read");
      // A write's BEGIN waits for the write lock: counted, and a lock_timeout refusal as busy.
      if (write && s.pool_->stats() != nullptr) {
        s.pool_->stats()->AddWait(std::chrono::steady_clock::now() - waiting_since,
                                  st.code() == Status::Code::kUnavailable && (*conn)->healthy());
      }
      if (st.ok()) {
        s.conn_ = std::move(*conn);
        s.txn_ = write ? PgSession::TxnState::kWrite : PgSession::TxnState::kRead;
        return st;
      }
      const bool retry = attempt == 0 && Broken(st, **conn);
      s.pool_->Return(std::move(*conn));
      if (!retry) return st;
    }
  }

  // Commits (when `commit`) or rolls back the session's transaction and gives the connection
  // back. A transaction in which a statement failed cannot commit (PostgreSQL would answer
  // COMMIT with ROLLBACK): kInternal.
  static Status End(PgSession& s, bool commit) {
    Status st;
    if (s.conn_) {
      if (commit && PQtransactionStatus(s.conn_->raw()) == PQTRANS_INERROR) {
        st = Status::Internal("commit: a statement of the transaction failed; rolled back");
        commit = false;
      }
      Status ended = s.conn_->ExecScript(commit ? "COMMIT" : "ROLLBACK",
                                         commit ? "committing" : "rolling back");
      if (commit) st = ended;
      s.pool_->Return(std::move(s.conn_));
    } else if (commit) {
      st = Status::Internal("commit: no transaction");
    }
    s.txn_ = PgSession::TxnState::kNone;
    return st;
  }

 private:
  PgSession* session_;  // null once finished
};

// ---- PgSession ----

PgSession::PgSession(PgPool* pool, const StoreOptions* options) : pool_(pool), options_(options) {}

PgSession::~PgSession() {
  if (conn_) pool_->Return(std::move(conn_));  // rolled back by Return
}

Result<std::unique_ptr<Transaction>> PgSession::Begin(bool write) {
  if (Status s = PgTransaction::Start(*this, write); !s.ok()) return s;
  return std::unique_ptr<Transaction>(new PgTransaction(this));
}

Result<pg::Rows> PgSession::Exec(std::string_view sql, const pg::Params& params,
                                 std::string_view what) {
  if (conn_) return conn_->Exec(sql, params, what);
  // Outside a transaction: a connection for this one statement (autocommit). Mutating calls run
  // in a PgWriteScope, so this is a read: retrying it once when the connection broke while
  // idle in the pool is safe.
  for (int attempt = 0;; ++attempt) {
    Result<std::unique_ptr<pg::Conn>> conn = pool_->Borrow();
    if (!conn.ok()) return conn.status();
    Result<pg::Rows> rows = (*conn)->Exec(sql, params, what);
    const bool retry = !rows.ok() && attempt == 0 && Broken(rows.status(), **conn);
    pool_->Return(std::move(*conn));
    if (!retry) return rows;
  }
}

UnixTime PgSession::Now() const { return options_->clock ? options_->clock() : store::Now(); }

// ---- PgWriteScope ----

PgWriteScope::PgWriteScope(PgSession& session) : session_(session) {
  if (session_.txn_ == PgSession::TxnState::kRead) {
    status_ = Status::Internal("mutating call inside a read transaction");
    return;
  }
  own_txn_ = session_.txn_ == PgSession::TxnState::kNone;
  status_ = own_txn_ ? PgTransaction::Start(session_, /*write=*/true)
                     : session_.conn_->ExecScript("SAVEPOINT call", "savepoint");
  active_ = status_.ok();
}

PgWriteScope::~PgWriteScope() {
  if (active_) Undo();
}

void PgWriteScope::Undo() {
  active_ = false;
  if (own_txn_) {
    PgTransaction::End(session_, /*commit=*/false);
  } else if (session_.conn_) {
    // Also clears a failed statement's error state: the caller's transaction goes on.
    session_.conn_->ExecScript("ROLLBACK TO SAVEPOINT call; RELEASE SAVEPOINT call",
                               "rolling back to the savepoint");
  }
}

Status PgWriteScope::Finish(const Status& result) {
  if (!active_) return status_.ok() ? result : status_;
  if (!result.ok()) {
    Undo();
    return result;
  }
  if (own_txn_) {
    active_ = false;
    if (Status s = PgTransaction::End(session_, /*commit=*/true); !s.ok()) return s;
    return result;
  }
  if (PQtransactionStatus(session_.conn_->raw()) == PQTRANS_INERROR) {
    Undo();
    return Status::Internal("a statement failed inside the call; its work was undone");
  }
  Status s = session_.conn_->ExecScript("RELEASE SAVEPOINT call", "releasing the savepoint");
  if (!s.ok()) {
    Undo();
    return s;
  }
  active_ = false;
  return result;
}

// ---- PgStore ----

PgStore::PgStore(std::string url, StoreOptions options)
    : options_(std::move(options)),
      pool_(std::move(url), options_.pool_size, options_.busy_timeout_ms, &stats()) {}

PgStore::~PgStore() = default;

Session& PgStore::ThreadSession() {
  std::lock_guard<std::mutex> lock(mu_);
  std::unique_ptr<PgSession>& session = sessions_[std::this_thread::get_id()];
  if (!session) session = std::make_unique<PgSession>(&pool_, &options_);
  return *session;
}

// ---- entry points ----

namespace {

Result<int> Migrate(const std::string& url) {
  Result<std::unique_ptr<pg::Conn>> conn = pg::Conn::Open(url);
  if (!conn.ok()) return conn.status();
  return pg::ApplyPostgresMigrations(**conn);
}

}  // namespace

Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& url,
                                                 const StoreOptions& options) {
  if (options.pool_size < 1) {
    return Status::Internal("[store] pool_size must be at least 1, not " +
                            std::to_string(options.pool_size));
  }
  Result<int> version = Migrate(url);
  if (!version.ok()) return version.status();
  // The migration connection is closed; the pool opens connections on demand.
  return std::unique_ptr<Store>(new PgStore(url, options));
}

Result<int> MigratePostgresStore(const std::string& url) { return Migrate(url); }

}  // namespace cartable::store
