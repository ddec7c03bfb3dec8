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
#include "tests/testlib/pg_server.h"

namespace cartable::store {
namespace {

using testlib::PgServer;

class PgStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<PgServer*> server = PgServer::Get();
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = *server;
    Result<std::string> url = server_->FreshDatabase();
    ASSERT_TRUE(url.ok()) << url.status().ToString();
    url_ = *url;
  }
  void TearDown() override {
    stores_.clear();
    if (server_ != nullptr && !url_.empty()) server_->DropDatabase(PgServer::DatabaseOf(url_));
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

  PgServer* server_ = nullptr;
  std::string url_;
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

}  // namespace
}  // namespace cartable::store
