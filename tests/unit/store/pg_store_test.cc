// The PostgreSQL store's own machinery (dav/store/pg_store.h, pg_util.h, pg_migrations.h), on
// the test process's throw-away cluster (tests/testlib/pg_server.h): binary parameters and rows,
// error mapping, transactions, the connection pool and its bound, the write lock across stores,
// migrations applied once, and recovery from killed connections and a server restart.
#include "dav/store/pg_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "dav/store/pg_migrations.h"
#include "tests/testlib/pg_database_test.h"
#include "tests/testlib/pg_server.h"

namespace cartable::store {
namespace {

using testlib::PgServer;

class PgStoreTest : public testlib::PgDatabaseTest {
 protected:
  void TearDown() override {
    stores_.clear();  // their connections first
    PgDatabaseTest::TearDown();
  }

  // A store on this test's database; kept until the end of the test.
  PgStore& OpenStore(StoreOptions options = {}) {
    Result<std::unique_ptr<Store>> s = OpenPostgresStore(url_, options);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    if (!s.ok()) std::abort();
    stores_.push_back(std::move(*s));
    return static_cast<PgStore&>(*stores_.back());
  }
  static PgSession& SessionOf(Store& store) {
    return static_cast<PgSession&>(store.ThreadSession());
  }
  // The one BIGINT of `sql` run on `session`; -1 on error (reported).
  static int64_t Scalar(PgSession& session, const std::string& sql) {
    Result<pg::Rows> rows = session.Exec(sql, "test query");
    EXPECT_TRUE(rows.ok()) << sql << ": " << rows.status().ToString();
    if (!rows.ok() || rows->empty()) return -1;
    return rows->Int(0, 0);
  }

  std::vector<std::unique_ptr<Store>> stores_;
};

TEST_F(PgStoreTest, MigrationsBringTheSchemaToTheLatestVersion) {
  PgSession& s = SessionOf(OpenStore());
  EXPECT_EQ(Scalar(s, "SELECT version FROM schema_version"),
            pg::PostgresMigrations().back().version);
  // Every table of the SQLite schema has its counterpart.
  for (const char* table : {"users",
                            "collections",
                            "objects",
                            "collection_properties",
                            "object_properties",
                            "changes",
                            "directory_entries",
                            "directory_search",
                            "directory_trigram",
                            "schedule_tags",
                            "mail_queue",
                            "password_history",
                            "auth_failures",
                            "app_passwords",
                            "web_sessions",
                            "account_tokens",
                            "recovery_codes",
                            "audit_log",
                            "shares",
                            "share_members",
                            "per_user_data",
                            "delegates",
                            "occurrence_sets",
                            "occurrences",
                            "occurrence_classes",
                            "occurrence_backfill"}) {
    Result<pg::Rows> rows = s.Exec("SELECT to_regclass($1) IS NOT NULL",
                                   pg::Params().Add(std::string("public.") + table), "regclass");
    ASSERT_TRUE(rows.ok()) << rows.status().ToString();
    EXPECT_TRUE(rows->Bool(0, 0)) << table;
  }
  // Migrating again changes nothing.
  Result<int> again = MigratePostgresStore(url_);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*again, pg::PostgresMigrations().back().version);
}

TEST_F(PgStoreTest, ParametersAndRowsRoundTripInBinary) {
  PgSession& s = SessionOf(OpenStore());
  const std::string bytes("a\0b\xff\x01", 5);
  Result<pg::Rows> rows = s.Exec(
      "SELECT $1::bigint, $2::text, $3::bytea, $4::boolean, $5::bigint IS NULL, "
      "cardinality($6::bigint[]), $7::text[], sum(x) FROM (VALUES (2::bigint), (3)) v(x)",
      pg::Params()
          .Add(int64_t{-9223372036854775807 - 1})
          .Add("é\"\\")
          .AddBytes(bytes)
          .AddBool(true)
          .AddNull()
          .AddIds({1, 2, 3})
          .AddTexts({"x\"y", "a\\b", ""}),
      "round trip");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), 1);
  EXPECT_EQ(rows->Int(0, 0), INT64_MIN);
  EXPECT_EQ(rows->Text(0, 1), "é\"\\");
  EXPECT_EQ(rows->Text(0, 2), bytes);
  EXPECT_TRUE(rows->Bool(0, 3));
  EXPECT_TRUE(rows->Bool(0, 4));
  EXPECT_EQ(rows->Int(0, 5), 3);
  EXPECT_FALSE(rows->IsNull(0, 6));
  EXPECT_EQ(rows->Int(0, 7), 5);  // SUM(bigint) is a NUMERIC
}

TEST_F(PgStoreTest, InvalidTextIsABadRequest) {
  PgSession& s = SessionOf(OpenStore());
  Result<pg::Rows> bad = s.Exec("SELECT $1::text", pg::Params().Add("caf\xe9"), "latin-1 text");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Status::Code::kBadRequest) << bad.status().ToString();
  Result<pg::Rows> nul =
      s.Exec("SELECT $1::text", pg::Params().Add(std::string("a\0b", 3)), "text with NUL");
  ASSERT_FALSE(nul.ok());
  EXPECT_EQ(nul.status().code(), Status::Code::kBadRequest) << nul.status().ToString();
  // The session is still usable.
  EXPECT_EQ(Scalar(s, "SELECT 1::bigint"), 1);
}

TEST_F(PgStoreTest, ConstraintViolationsMapToConflictAndNotFound) {
  PgSession& s = SessionOf(OpenStore());
  const char* insert_user = "INSERT INTO users (login, created_at) VALUES ($1, 0) RETURNING id";
  {
    PgWriteScope scope(s);
    ASSERT_TRUE(scope.status().ok()) << scope.status().ToString();
    Result<pg::Rows> r = s.Exec(insert_user, pg::Params().Add("ana"), "insert user");
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_TRUE(scope.Finish(Status::OK()).ok());
  }
  PgWriteScope dup(s);
  ASSERT_TRUE(dup.status().ok());
  Result<pg::Rows> r = s.Exec(insert_user, pg::Params().Add("ana"), "insert user");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kConflict) << r.status().ToString();
  EXPECT_EQ(dup.Finish(r.status()).code(), Status::Code::kConflict);

  PgWriteScope fk(s);
  ASSERT_TRUE(fk.status().ok());
  Result<pg::Rows> c = s.Exec(
      "INSERT INTO collections (path, owner_id, kind, created_at, modified_at) "
      "VALUES ('/x/', $1, 'collection', 0, 0)",
      pg::Params().Add(int64_t{424242}), "insert collection");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Status::Code::kNotFound) << c.status().ToString();
  fk.Finish(c.status());
}

TEST_F(PgStoreTest, TransactionCommitsOrRollsBack) {
  PgSession& s = SessionOf(OpenStore());
  const std::string count = "SELECT count(*) FROM users";
  {
    Result<std::unique_ptr<Transaction>> txn = s.Begin(true);
    ASSERT_TRUE(txn.ok()) << txn.status().ToString();
    ASSERT_TRUE(s.Exec("INSERT INTO users (login, created_at) VALUES ('gone', 0)", "insert").ok());
    EXPECT_FALSE(s.Begin(false).ok());  // nested
  }                                     // rolled back
  EXPECT_EQ(Scalar(s, count), 0);
  {
    Result<std::unique_ptr<Transaction>> txn = s.Begin(true);
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE(s.Exec("INSERT INTO users (login, created_at) VALUES ('kept', 0)", "insert").ok());
    // A failed call inside the transaction undoes only itself (its savepoint).
    {
      PgWriteScope scope(s);
      ASSERT_TRUE(scope.status().ok());
      Result<pg::Rows> dup =
          s.Exec("INSERT INTO users (login, created_at) VALUES ('kept', 0)", "dup");
      EXPECT_EQ(scope.Finish(dup.status()).code(), Status::Code::kConflict);
    }
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  EXPECT_EQ(Scalar(s, count), 1);
  // Mutating inside a read transaction is refused.
  Result<std::unique_ptr<Transaction>> read = s.Begin(false);
  ASSERT_TRUE(read.ok());
  PgWriteScope scope(s);
  EXPECT_EQ(scope.status().code(), Status::Code::kInternal);
}

TEST_F(PgStoreTest, ReadTransactionIsOneSnapshot) {
  PgStore& store = OpenStore();
  PgSession& reader = SessionOf(store);
  Result<std::unique_ptr<Transaction>> txn = reader.Begin(false);
  ASSERT_TRUE(txn.ok());
  EXPECT_EQ(Scalar(reader, "SELECT count(*) FROM users"), 0);
  std::thread([&] {
    PgSession& writer = SessionOf(store);
    PgWriteScope scope(writer);
    ASSERT_TRUE(scope.status().ok());
    Status s = writer.Exec("INSERT INTO users (login, created_at) VALUES ('w', 0)", "i").status();
    EXPECT_TRUE(scope.Finish(s).ok());
  }).join();
  EXPECT_EQ(Scalar(reader, "SELECT count(*) FROM users"), 0);  // still the first snapshot
  ASSERT_TRUE((*txn)->Commit().ok());
  EXPECT_EQ(Scalar(reader, "SELECT count(*) FROM users"), 1);
}

// Polls `sql` (one BIGINT) on the admin connection until it returns `want`, for at most 10 s:
// waits for another thread to reach a lock, without sleeping a fixed time.
bool WaitForValue(PgServer& server, const std::string& db, const std::string& sql, int64_t want) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    Result<std::unique_ptr<pg::Conn>> conn = pg::Conn::Open(server.Url(db));
    if (conn.ok()) {
      Result<pg::Rows> rows = (*conn)->Exec(sql, "poll");
      if (rows.ok() && !rows->empty() && rows->Int(0, 0) == want) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

TEST_F(PgStoreTest, PoolLendsAtMostPoolSizeConnectionsThenFailsWithRetry) {
  StoreOptions options;
  options.pool_size = 2;
  options.busy_timeout_ms = 200;
  PgStore& store = OpenStore(options);
  // Two threads hold a transaction each (both connections lent) until released.
  std::atomic<int> holding{0};
  std::atomic<bool> release{false};
  std::vector<std::thread> holders;
  for (int i = 0; i < 2; ++i) {
    holders.emplace_back([&] {
      Result<std::unique_ptr<Transaction>> txn = SessionOf(store).Begin(false);
      ASSERT_TRUE(txn.ok()) << txn.status().ToString();
      ++holding;
      while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    });
  }
  while (holding < 2) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  // A third borrower waits busy_timeout_ms, then gets 503 material: kUnavailable + retry.
  PgSession& third = SessionOf(store);
  Result<std::unique_ptr<Transaction>> refused = third.Begin(false);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Status::Code::kUnavailable);
  EXPECT_EQ(refused.status().retry_after_seconds(), kBusyRetryAfterSeconds);
  EXPECT_NE(refused.status().message().find("pool_size"), std::string::npos)
      << refused.status().message();
  Result<pg::Rows> call = third.Exec("SELECT 1::bigint", "outside a transaction");
  EXPECT_EQ(call.status().code(), Status::Code::kUnavailable);
  // The server saw exactly pool_size connections of this store.
  const std::string db = PgServer::DatabaseOf(url_);
  Result<std::unique_ptr<pg::Conn>> admin = pg::Conn::Open(server_->Url("postgres"));
  ASSERT_TRUE(admin.ok());
  Result<pg::Rows> n = (*admin)->Exec(
      "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND application_name = "
      "'cartable'",
      pg::Params().Add(db), "count");
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(n->Int(0, 0), 2);
  release = true;
  for (std::thread& t : holders) t.join();
  // Connections given back are lent again.
  EXPECT_EQ(Scalar(third, "SELECT 1::bigint"), 1);
}

TEST_F(PgStoreTest, WriteTransactionsOfTwoStoresAreSerialised) {
  // Two stores on one database: two nodes.
  PgStore& a = OpenStore();
  PgStore& b = OpenStore();
  PgSession& sa = SessionOf(a);
  Result<std::unique_ptr<Transaction>> ta = sa.Begin(true);
  ASSERT_TRUE(ta.ok()) << ta.status().ToString();
  ASSERT_TRUE(sa.Exec("INSERT INTO users (login, created_at) VALUES ('first', 0)", "i").ok());
  std::atomic<bool> b_began{false};
  int64_t b_saw = -1;
  std::thread tb([&] {
    PgSession& sb = SessionOf(b);
    Result<std::unique_ptr<Transaction>> txn = sb.Begin(true);  // waits for a's commit
    ASSERT_TRUE(txn.ok()) << txn.status().ToString();
    b_began = true;
    // Read-check-write: b sees what a committed before it got the lock.
    b_saw = Scalar(sb, "SELECT count(*) FROM users WHERE login = 'first'");
    ASSERT_TRUE((*txn)->Commit().ok());
  });
  // b is waiting for the advisory write lock while a holds it.
  EXPECT_TRUE(WaitForValue(*server_, "postgres",
                           "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND "
                           "NOT granted",
                           1));
  EXPECT_FALSE(b_began);
  ASSERT_TRUE((*ta)->Commit().ok());
  tb.join();
  EXPECT_TRUE(b_began);
  EXPECT_EQ(b_saw, 1);
}

TEST_F(PgStoreTest, WriteLockWaitIsBoundedByBusyTimeout) {
  StoreOptions patient;
  PgStore& a = OpenStore(patient);
  StoreOptions hurried;
  hurried.busy_timeout_ms = 100;
  PgStore& b = OpenStore(hurried);
  Result<std::unique_ptr<Transaction>> ta = SessionOf(a).Begin(true);
  ASSERT_TRUE(ta.ok());
  Status refused;
  std::thread([&] {
    PgSession& sb = SessionOf(b);
    refused = sb.Begin(true).status();
    // A mutating call outside a transaction waits the same way.
    PgWriteScope scope(sb);
    EXPECT_EQ(scope.status().code(), Status::Code::kUnavailable) << scope.status().ToString();
  }).join();
  EXPECT_EQ(refused.code(), Status::Code::kUnavailable) << refused.ToString();
  EXPECT_EQ(refused.retry_after_seconds(), kBusyRetryAfterSeconds);
  // busy_timeout_ms = 0 fails at once, as with SQLite (PostgreSQL's lock_timeout = 0 would
  // wait forever).
  StoreOptions impatient;
  impatient.busy_timeout_ms = 0;
  PgStore& c = OpenStore(impatient);
  std::thread([&] {
    EXPECT_EQ(SessionOf(c).Begin(true).status().code(), Status::Code::kUnavailable);
  }).join();
  ASSERT_TRUE((*ta)->Commit().ok());
  // Free again: b writes.
  std::thread([&] {
    Result<std::unique_ptr<Transaction>> tb = SessionOf(b).Begin(true);
    ASSERT_TRUE(tb.ok()) << tb.status().ToString();
    EXPECT_TRUE((*tb)->Commit().ok());
  }).join();
}

TEST_F(PgStoreTest, NodesStartingTogetherApplyEachMigrationOnce) {
  // An empty database (not a copy of the migrated template).
  const std::string db = "empty_" + PgServer::DatabaseOf(url_);
  ASSERT_TRUE(server_->Execute("postgres", "CREATE DATABASE " + db).ok());
  const std::string url = server_->Url(db);
  constexpr int kNodes = 4;
  std::vector<Status> results(kNodes);
  std::vector<std::thread> nodes;
  for (int i = 0; i < kNodes; ++i) {
    nodes.emplace_back([&, i] {
      Result<std::unique_ptr<Store>> s = OpenPostgresStore(url);
      results[i] = s.status();
    });
  }
  for (std::thread& t : nodes) t.join();
  // A migration applied twice would fail (CREATE TABLE of an existing table).
  for (const Status& s : results) EXPECT_TRUE(s.ok()) << s.ToString();
  Result<std::unique_ptr<pg::Conn>> conn = pg::Conn::Open(url);
  ASSERT_TRUE(conn.ok());
  Result<pg::Rows> rows =
      (*conn)->Exec("SELECT count(*), max(version) FROM schema_version", "version");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->Int(0, 0), 1);
  EXPECT_EQ(rows->Int(0, 1), pg::PostgresMigrations().back().version);
  conn->reset();
  server_->DropDatabase(db);
}

TEST_F(PgStoreTest, NewerSchemaThanTheBinaryIsRefused) {
  PgSession& s = SessionOf(OpenStore());
  {
    PgWriteScope scope(s);
    ASSERT_TRUE(scope.status().ok());
    ASSERT_TRUE(
        scope.Finish(s.Exec("UPDATE schema_version SET version = 9999", "u").status()).ok());
  }
  Result<std::unique_ptr<Store>> newer = OpenPostgresStore(url_);
  ASSERT_FALSE(newer.ok());
  EXPECT_EQ(newer.status().code(), Status::Code::kInternal);
  EXPECT_NE(newer.status().message().find("newer"), std::string::npos);
}

TEST_F(PgStoreTest, KilledConnectionFailsItsTransactionThenTheStoreRecovers) {
  StoreOptions options;
  options.pool_size = 1;
  PgSession& s = SessionOf(OpenStore(options));
  // Killed while idle in the pool: the next call notices and retries on a new connection.
  const int64_t idle_pid = Scalar(s, "SELECT pg_backend_pid()::bigint");
  ASSERT_TRUE(server_
                  ->Execute("postgres",
                            "SELECT pg_terminate_backend(" + std::to_string(idle_pid) + ", 10000)")
                  .ok());
  const int64_t second_pid = Scalar(s, "SELECT pg_backend_pid()::bigint");
  EXPECT_NE(second_pid, idle_pid);
  // Killed inside a transaction: that transaction fails with kUnavailable (503 + Retry-After:
  // the client retries), nothing of it is kept.
  {
    Result<std::unique_ptr<Transaction>> txn = s.Begin(true);
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE(s.Exec("INSERT INTO users (login, created_at) VALUES ('lost', 0)", "i").ok());
    const int64_t pid = Scalar(s, "SELECT pg_backend_pid()::bigint");
    ASSERT_TRUE(
        server_
            ->Execute("postgres", "SELECT pg_terminate_backend(" + std::to_string(pid) + ", 10000)")
            .ok());
    Result<pg::Rows> after = s.Exec("SELECT 1::bigint", "after the kill");
    ASSERT_FALSE(after.ok());
    EXPECT_EQ(after.status().code(), Status::Code::kUnavailable) << after.status().ToString();
    EXPECT_EQ(after.status().retry_after_seconds(), kBusyRetryAfterSeconds);
    Status commit = (*txn)->Commit();
    EXPECT_EQ(commit.code(), Status::Code::kUnavailable) << commit.ToString();
  }
  // The next call gets a new connection (the pool of one was not leaked).
  EXPECT_EQ(Scalar(s, "SELECT count(*) FROM users WHERE login = 'lost'"), 0);
  Result<std::unique_ptr<Transaction>> again = s.Begin(true);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE((*again)->Commit().ok());
}

TEST_F(PgStoreTest, ServerRestartGivesUnavailableThenRecovers) {
  StoreOptions options;
  options.pool_size = 3;
  PgStore& store = OpenStore(options);
  PgSession& s = SessionOf(store);
  EXPECT_EQ(Scalar(s, "SELECT 1::bigint"), 1);
  ASSERT_TRUE(server_->Stop().ok());
  Result<pg::Rows> down = s.Exec("SELECT 1::bigint", "while down");
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.status().code(), Status::Code::kUnavailable) << down.status().ToString();
  EXPECT_EQ(down.status().retry_after_seconds(), kBusyRetryAfterSeconds);
  Result<std::unique_ptr<Transaction>> txn = s.Begin(true);
  ASSERT_FALSE(txn.ok());
  EXPECT_EQ(txn.status().code(), Status::Code::kUnavailable);
  ASSERT_TRUE(server_->Start().ok());
  // Back by itself: every connection of the pool usable again, none leaked by the failures.
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&] {
      PgSession& own = SessionOf(store);
      Result<std::unique_ptr<Transaction>> t = own.Begin(true);
      if (t.ok() && own.Exec("SELECT 1::bigint", "after restart").ok() && (*t)->Commit().ok()) {
        ++ok;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(ok, 3);
}

}  // namespace
}  // namespace cartable::store
