// The PostgreSQL store's collections and objects beyond the typed contract (issue 15):
//  - keys PostgreSQL cannot hold (NUL, invalid UTF-8) name nothing and are never stored cut;
//  - the plans of the statements whose store.h contract states one (EXPLAIN on a filled
//    database): QueryOccurrences one occurrences_pkey range per span class, QueryObjects two
//    objects_time ranges, FindObjectByUid objects_uid, the listing an index-only scan;
//  - QueryOccurrences against a brute-force overlap over the same rows;
//  - the occurrence backfill of a database migrated from schema version 9 (the SQLite store's
//    SqliteMigrationTest.Version9CalendarsAreBackfilled, on PostgreSQL's own 0010).
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "dav/store/pg_migrations.h"
#include "dav/store/pg_objects_internal.h"
#include "dav/store/pg_store.h"
#include "tests/testlib/pg_server.h"
#include "tests/unit/store/version9_backfill.h"

namespace cartable::store {
namespace {

using testlib::PgServer;
using Ids = std::vector<Id>;
constexpr int64_t kDay = 86400;
constexpr int64_t kT0 = 1'725'235'200;  // 2024-09-02T00:00:00Z

PgSession& SessionOf(Store& store) { return static_cast<PgSession&>(store.ThreadSession()); }

// The plan of `sql` run with `params`, one line per row of EXPLAIN.
std::string Plan(PgSession& s, const std::string& sql, const pg::Params& params) {
  Result<pg::Rows> rows = s.Exec("EXPLAIN " + sql, params, "explaining");
  EXPECT_TRUE(rows.ok()) << rows.status().ToString();
  std::string out;
  for (int i = 0; rows.ok() && i < rows->size(); ++i) out += rows->Text(i, 0) + "\n";
  return out;
}

Ids Column(PgSession& s, const std::string& sql) {
  Result<pg::Rows> rows = s.Exec(sql, "test query");
  EXPECT_TRUE(rows.ok()) << sql << ": " << rows.status().ToString();
  Ids out;
  for (int i = 0; rows.ok() && i < rows->size(); ++i) out.push_back(rows->Int(i, 0));
  return out;
}

class PgObjectsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<PgServer*> server = PgServer::Get();
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = *server;
  }
  void TearDown() override {
    store_.reset();
    for (const std::string& db : databases_) server_->DropDatabase(db);
  }
  void Open(const std::string& url) {
    Result<std::unique_ptr<Store>> s = OpenPostgresStore(url);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    databases_.push_back(PgServer::DatabaseOf(url));
  }

  PgServer* server_ = nullptr;
  std::vector<std::string> databases_;
  std::unique_ptr<Store> store_;
};

// 5,000 hourly events (span class 12) in one calendar, one in a hundred also with a week-long
// instance (class 20), and a second calendar's events: every statement must seek its index and
// read nothing of the other rows.
TEST_F(PgObjectsTest, StatementsSeekTheirIndexes) {
  Result<std::string> url = server_->FreshDatabase();
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  ASSERT_NO_FATAL_FAILURE(Open(*url));
  PgSession& s = SessionOf(*store_);
  User user;
  user.login = "a";
  Result<Id> owner = s.CreateUser(user);
  ASSERT_TRUE(owner.ok()) << owner.status().ToString();
  Result<Collection> cal = s.CreateCollection("/dav/calendars/a/", 0, *owner, kKindCalendar);
  Result<Collection> other = s.CreateCollection("/dav/calendars/b/", 0, *owner, kKindCalendar);
  ASSERT_TRUE(cal.ok() && other.ok());
  for (const Collection& c : {*cal, *other}) {
    const std::string id = std::to_string(c.id);
    // clang-format off
    Result<pg::Rows> filled = s.Exec(
        "INSERT INTO objects (collection_id, name, content_type, etag, size, created_at, "
        "modified_at, change_seq, data, uid, component, first_start, last_end) "
        "SELECT " + id + ", 'e' || g || '.ics', 'text/calendar', 'x', 1, 0, 0, g, 'x'::bytea, "
        "'u' || g, 'VEVENT', " + std::to_string(kT0) + " + g * 3600, " + std::to_string(kT0) +
        " + g * 3600 + 3600 FROM generate_series(1, 5000) AS g", "filling");
    // clang-format on
    ASSERT_TRUE(filled.ok()) << filled.status().ToString();
    for (const char* sql :
         {"INSERT INTO occurrence_sets SELECT id, collection_id, component, "
          "9223372036854775807, '' FROM objects WHERE collection_id = $1",
          "INSERT INTO occurrences (collection_id, component, class, lo, hi, object_id) "
          "SELECT collection_id, component, 12, first_start, last_end, id FROM objects "
          "WHERE collection_id = $1",
          "INSERT INTO occurrences (collection_id, component, class, lo, hi, object_id) "
          "SELECT collection_id, component, 20, first_start, first_start + 7 * 86400, id "
          "FROM objects WHERE collection_id = $1 AND id % 100 = 0",
          "INSERT INTO occurrence_classes VALUES ($1, 'VEVENT', 12), ($1, 'VEVENT', 20)"}) {
      Result<pg::Rows> r = s.Exec(sql, pg::Params().Add(c.id), "filling");
      ASSERT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
    }
  }
  // Statistics, and the visibility map an index-only scan needs (autovacuum's work in service).
  // The test cluster commits asynchronously, and VACUUM marks a page all-visible only once the
  // commits of its rows are flushed: CHECKPOINT flushes them.
  ASSERT_TRUE(s.Exec("CHECKPOINT", "checkpoint").ok());
  ASSERT_TRUE(s.Exec("VACUUM ANALYZE objects, occurrences, occurrence_classes", "vacuum").ok());

  const int64_t start = kT0 + 2000 * 3600, end = kT0 + 2024 * 3600;
  std::vector<Id> lowest;
  for (int64_t c = 0; c <= 64; ++c) {
    lowest.push_back(c >= 63 ? kNoLowerBound : start - (int64_t{1} << c));
  }
  std::string plan =
      Plan(s, pg_internal::QueryOccurrencesSql(),
           pg::Params().Add(cal->id).Add("VEVENT").Add(start).Add(end).AddIds(lowest));
  EXPECT_NE(plan.find("occurrences_pkey on occurrences"), std::string::npos) << plan;
  EXPECT_NE(plan.find("(class = c.class)"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("Seq Scan on occurrences"), std::string::npos) << plan;
  // The answer is the brute-force overlap of the same rows.
  Result<Session::OccurrenceMatches> m = s.QueryOccurrences(cal->id, "VEVENT", start, end, "UTC");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_TRUE(m->indexed);
  const Ids expected =
      Column(s, "SELECT DISTINCT object_id FROM occurrences WHERE collection_id = " +
                    std::to_string(cal->id) + " AND lo < " + std::to_string(end) + " AND hi > " +
                    std::to_string(start) + " ORDER BY 1");
  EXPECT_EQ(m->matched, expected);
  EXPECT_EQ(expected.size(), 25u);  // hours 2000 to 2023, and the week begun at hour 1900
  EXPECT_TRUE(m->unsure.empty());

  for (bool with_data : {false, true}) {
    plan = Plan(s, pg_internal::QueryObjectsSql(true, with_data),
                pg::Params().Add(cal->id).Add("VEVENT").Add(start).Add(end).Add(start - 3600));
    EXPECT_NE(plan.find("objects_time on objects"), std::string::npos) << plan;
    EXPECT_EQ(plan.find("Seq Scan"), std::string::npos) << plan;
  }
  plan = Plan(s, pg_internal::FindObjectByUidSql(), pg::Params().Add(cal->id).Add("u77"));
  EXPECT_NE(plan.find("objects_uid on objects"), std::string::npos) << plan;
  plan = Plan(s, pg_internal::ObjectListingSql(), pg::Params().Add(cal->id));
  EXPECT_NE(plan.find("Index Only Scan using objects_listing"), std::string::npos) << plan;
}

// A version-9 database (objects stored before the occurrence index) migrates to the latest
// version with its calendars listed for backfill; they answer `indexed` false until every
// object has rows.
TEST_F(PgObjectsTest, Version9CalendarsAreBackfilled) {
  const std::string db = "c_objects_v9";
  ASSERT_TRUE(server_->Execute("postgres", "DROP DATABASE IF EXISTS " + db).ok());
  ASSERT_TRUE(server_->Execute("postgres", "CREATE DATABASE " + db).ok());
  const std::string url = server_->Url(db);
  {
    Result<std::unique_ptr<pg::Conn>> conn = pg::Conn::Open(url);
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
    for (const pg::EmbeddedMigration& m : pg::PostgresMigrations()) {
      if (m.version > 9) break;
      Status st = (*conn)->ExecScript(m.sql, m.name);
      ASSERT_TRUE(st.ok()) << st.ToString();
    }
    Status st = (*conn)->ExecScript(
        "CREATE TABLE schema_version (version INTEGER NOT NULL);"
        "INSERT INTO schema_version VALUES (9);" +
            std::string(version9::kRows),
        "filling version 9");
    ASSERT_TRUE(st.ok()) << st.ToString();
  }
  Result<int> version = MigratePostgresStore(url);
  ASSERT_TRUE(version.ok()) << version.status().ToString();
  EXPECT_EQ(*version, pg::PostgresMigrations().back().version);
  ASSERT_NO_FATAL_FAILURE(Open(url));
  ASSERT_NO_FATAL_FAILURE(version9::ExpectBackfill(store_->ThreadSession()));
}

// libpq sends text parameters NUL-terminated: a key with a NUL must not find the object named
// by its first bytes, and a key that is not UTF-8 names nothing (kNotFound, as on SQLite, not
// the server's encoding error). Writing such a key is refused whole, never stored cut short.
TEST_F(PgObjectsTest, KeysPostgreSQLCannotHoldNameNothing) {
  Result<std::string> url = server_->FreshDatabase();
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  ASSERT_NO_FATAL_FAILURE(Open(*url));
  Session& s = store_->ThreadSession();
  User user;
  user.login = "a";
  Result<Id> owner = s.CreateUser(user);
  ASSERT_TRUE(owner.ok()) << owner.status().ToString();
  Result<Collection> cal = s.CreateCollection("/dav/calendars/a/", 0, *owner, kKindCalendar);
  ASSERT_TRUE(cal.ok()) << cal.status().ToString();
  ObjectIndex index;
  index.uid = "u";
  index.component = "VEVENT";
  Result<Object> a = s.PutObject(cal->id, "a", "text/calendar", "A", index);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_TRUE(s.SetProperty(Owner::kObject, a->id, {"urn:x", "p", "<p xmlns='urn:x'/>"}).ok());
  const std::string nul("a\0b", 3), bad("a\xff", 2);
  for (const std::string& key : {nul, bad}) {
    EXPECT_EQ(s.GetObject(cal->id, key, true).status().code(), Status::Code::kNotFound);
    EXPECT_EQ(s.GetCollection("/dav/calendars/" + key + "/").status().code(),
              Status::Code::kNotFound);
    EXPECT_EQ(s.FindObjectByUid(cal->id, "u" + key).status().code(), Status::Code::kNotFound);
    Result<std::vector<Object>> some = s.GetObjects(cal->id, {key, "a"}, false);
    ASSERT_TRUE(some.ok()) << some.status().ToString();
    ASSERT_EQ(some->size(), 1u);
    EXPECT_EQ((*some)[0].name, "a");
    EXPECT_EQ(s.DeleteObject(cal->id, key).code(), Status::Code::kNotFound);
    EXPECT_TRUE(s.RemoveProperty(Owner::kObject, a->id, "urn:x", "p" + key).ok());
    EXPECT_EQ(s.PutObject(cal->id, key, "text/calendar", "B", index).status().code(),
              Status::Code::kBadRequest);
    EXPECT_EQ(s.CreateCollection("/x" + key + "/", 0, *owner, kKindCalendar).status().code(),
              Status::Code::kBadRequest);
    EXPECT_EQ(s.SetProperty(Owner::kObject, a->id, {"urn:x", "p" + key, "<x/>"}).code(),
              Status::Code::kBadRequest);
  }
  // Nothing was replaced, deleted or added.
  Result<Object> still = s.GetObject(cal->id, "a", true);
  ASSERT_TRUE(still.ok());
  EXPECT_EQ(still->data, "A");
  Result<std::vector<DeadProperty>> props = s.GetProperties(Owner::kObject, a->id);
  ASSERT_TRUE(props.ok());
  ASSERT_EQ(props->size(), 1u);
  EXPECT_EQ((*props)[0].local, "p");
  Result<std::vector<Change>> changes = s.ChangesSince(cal->id, 0);
  ASSERT_TRUE(changes.ok());
  EXPECT_EQ(changes->size(), 1u);
}

}  // namespace
}  // namespace cartable::store
