// SQLite only: a database locked by another connection (another process: the CLI, a backup)
// becomes kUnavailable with a retry hint at the store's seam (SqliteStatus), on BEGIN IMMEDIATE
// and on a mutating call alike, while reads go on (WAL).
#include <sqlite3.h>

#include "dav/store/sqlite_util.h"
#include "tests/unit/store/store_test_fixture.h"

namespace cartable::store {
namespace {

using Code = Status::Code;

TEST(SqliteBusyTest, BusyAndLockedCodesAreUnavailableWithARetryHint) {
  for (int rc : {SQLITE_BUSY, SQLITE_LOCKED, SQLITE_BUSY_SNAPSHOT, SQLITE_LOCKED_SHAREDCACHE}) {
    Status s = SqliteStatus(nullptr, rc, "writing");
    EXPECT_EQ(s.code(), Code::kUnavailable) << rc;
    EXPECT_EQ(s.retry_after_seconds(), kBusyRetryAfterSeconds) << rc;
  }
  EXPECT_EQ(SqliteStatus(nullptr, SQLITE_IOERR, "writing").code(), Code::kInternal);
  EXPECT_EQ(SqliteStatus(nullptr, SQLITE_IOERR, "writing").retry_after_seconds(), 0);
}

TEST(SqliteBusyTest, AnotherConnectionsWriteLockMakesWritesUnavailable) {
  TempDir dir;
  StoreOptions options;
  options.busy_timeout_ms = 20;  // the test must not wait the production 5 s
  Result<std::unique_ptr<Store>> store = OpenSqliteStore(dir.path(), options);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  Session& s = (*store)->ThreadSession();
  User u;
  u.login = "a";
  Result<Id> owner = s.CreateUser(u);
  ASSERT_TRUE(owner.ok());
  Result<Collection> c = s.CreateCollection("/dav/files/a/", 0, *owner, kKindFilesHome);
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(s.PutObject(c->id, "n", "text/plain", "v1").ok());

  Result<std::unique_ptr<Db>> other = Db::Open(dir.path() + "/cartable.db", 0);
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  ASSERT_TRUE((*other)->Exec("BEGIN IMMEDIATE").ok());

  Status put = s.PutObject(c->id, "n", "text/plain", "v2").status();
  EXPECT_EQ(put.code(), Code::kUnavailable) << put.ToString();
  EXPECT_EQ(put.retry_after_seconds(), kBusyRetryAfterSeconds);
  {
    Result<std::unique_ptr<Transaction>> txn = s.Begin(true);
    EXPECT_EQ(txn.status().code(), Code::kUnavailable) << txn.status().ToString();
  }
  // Readers are not blocked by the writer (WAL).
  Result<Object> read = s.GetObject(c->id, "n", true);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(*read->data, "v1");

  ASSERT_TRUE((*other)->Exec("ROLLBACK").ok());
  ASSERT_TRUE(s.PutObject(c->id, "n", "text/plain", "v2").ok());
  EXPECT_EQ(*s.GetObject(c->id, "n", true)->data, "v2");
}

// Transaction control runs through the statement cache (Db::ExecCached): a reused BEGIN, COMMIT,
// ROLLBACK, SAVEPOINT must act as sqlite3_exec did, including after an error (a busy BEGIN, a
// COMMIT outside a transaction) left the cached statement behind.
TEST(SqliteBusyTest, CachedTransactionControlActsAsExec) {
  TempDir dir;
  const std::string file = dir.path() + "/t.db";
  Result<std::unique_ptr<Db>> opened = Db::Open(file, 0);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  Db& db = **opened;
  ASSERT_TRUE(db.Exec("CREATE TABLE t(x INTEGER)").ok());
  auto count = [&db] { return *db.QueryInt("SELECT count(*) FROM t"); };

  Status exec = db.Exec("COMMIT");
  Status cached = db.ExecCached("COMMIT");
  EXPECT_EQ(cached.code(), Code::kInternal);
  EXPECT_EQ(cached.code(), exec.code());
  EXPECT_EQ(cached.message(), exec.message());

  for (int i = 0; i < 3; ++i) {  // the same cached statements, reset after each use
    ASSERT_TRUE(db.ExecCached("BEGIN IMMEDIATE").ok()) << i;
    ASSERT_TRUE(db.Exec("INSERT INTO t VALUES (1)").ok());
    ASSERT_TRUE(db.ExecCached("ROLLBACK").ok()) << i;
    EXPECT_EQ(count(), 0) << i;
  }
  ASSERT_TRUE(db.ExecCached("BEGIN DEFERRED").ok());
  ASSERT_TRUE(db.Exec("INSERT INTO t VALUES (1)").ok());
  ASSERT_TRUE(db.ExecCached("SAVEPOINT call").ok());
  ASSERT_TRUE(db.Exec("INSERT INTO t VALUES (2)").ok());
  ASSERT_TRUE(db.ExecCached("ROLLBACK TO call").ok());
  ASSERT_TRUE(db.ExecCached("RELEASE call").ok());
  ASSERT_TRUE(db.ExecCached("COMMIT").ok());
  EXPECT_EQ(count(), 1);
  EXPECT_EQ(*db.QueryInt("SELECT max(x) FROM t"), 1);

  Result<std::unique_ptr<Db>> other = Db::Open(file, 0);
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  ASSERT_TRUE((*other)->Exec("BEGIN IMMEDIATE").ok());
  Status busy = db.ExecCached("BEGIN IMMEDIATE");
  EXPECT_EQ(busy.code(), Code::kUnavailable) << busy.ToString();
  EXPECT_EQ(busy.retry_after_seconds(), kBusyRetryAfterSeconds);
  ASSERT_TRUE((*other)->Exec("ROLLBACK").ok());
  ASSERT_TRUE(db.ExecCached("BEGIN IMMEDIATE").ok());
  ASSERT_TRUE(db.Exec("INSERT INTO t VALUES (3)").ok());
  ASSERT_TRUE(db.ExecCached("COMMIT").ok());
  EXPECT_EQ(count(), 2);
}

}  // namespace
}  // namespace cartable::store
