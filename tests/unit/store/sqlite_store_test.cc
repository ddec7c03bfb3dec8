// SQLite-only store tests: the v1 -> v3 and v2 -> v3 migrations keep every row, the schema keeps
// `data` last, time-range queries are answered from the objects_time index and directory
// searches from the FTS5 tables.
#include "dav/store/sqlite_store.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dav/store/sqlite_migrations.h"
#include "dav/store/sqlite_util.h"
#include "tests/unit/store/store_test_fixture.h"

namespace cartable::store {
namespace {

// The 4-argument PutObject stays callable on the concrete type (no name hiding).
static_assert(requires(SqliteSession & s) {
  s.PutObject(Id{1}, std::string(), std::string(), std::string());
});

std::unique_ptr<Db> OpenDb(const std::string& file) {
  Result<std::unique_ptr<Db>> db = Db::Open(file);
  EXPECT_TRUE(db.ok()) << db.status().ToString();
  return db.ok() ? std::move(*db) : nullptr;
}

// Rows of a single-column query, as text.
std::vector<std::string> Column(Db& db, const std::string& sql, int col = 0) {
  Result<Stmt> s = db.Prepare(sql);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  std::vector<std::string> out;
  if (!s.ok()) return out;
  while (s->Step() == SQLITE_ROW) out.push_back(s->Text(col));
  return out;
}

TEST(SqliteMigrationTest, Version1DatabaseMigratesWithoutLoss) {
  TempDir dir;
  const std::string data_dir = dir.path() + "/data";
  std::filesystem::create_directories(data_dir);
  const std::string big(20000, 'B');  // spans overflow pages: the copy must keep them whole
  {
    // A database as a version-1 binary left it.
    std::unique_ptr<Db> db = OpenDb(data_dir + "/cartable.db");
    ASSERT_TRUE(db);
    ASSERT_EQ(SqliteMigrations()[0].version, 1);
    ASSERT_TRUE(db->Exec("BEGIN").ok());
    ASSERT_TRUE(db->Exec(SqliteMigrations()[0].sql).ok());
    ASSERT_TRUE(db->Exec("PRAGMA user_version = 1").ok());
    ASSERT_TRUE(db->Exec("COMMIT").ok());
    Status st = db->Exec(
        "INSERT INTO users (id, login, used_bytes, created_at) VALUES (7, 'a', 20005, 1);"
        "INSERT INTO collections (id, path, owner_id, kind, sync_seq, created_at, modified_at)"
        "  VALUES (3, '/dav/calendars/a/', 7, 'calendar', 2, 1, 1);"
        "INSERT INTO objects (id, collection_id, name, content_type, etag, size, created_at,"
        "  modified_at, change_seq, data) VALUES"
        "  (11, 3, 'small.ics', 'text/calendar', '\"e1\"', 5, 10, 20, 1, CAST('hello' AS BLOB)),"
        "  (12, 3, 'big.bin', 'application/octet-stream', '\"e2\"', 20000, 30, 40, 2,"
        "   CAST(printf('%.*c', 20000, 'B') AS BLOB));"
        "INSERT INTO object_properties VALUES (11, 'urn:x', 'p', '<x:p>1</x:p>'),"
        "  (12, '', 'q', '<q/>');"
        "INSERT INTO collection_properties VALUES (3, 'urn:x', 'c', '<x:c/>');"
        "INSERT INTO changes VALUES (3, 1, 'small.ics', 0), (3, 2, 'big.bin', 0);");
    ASSERT_TRUE(st.ok()) << st.ToString();
  }
  Result<int> version = MigrateSqliteStore(data_dir);
  ASSERT_TRUE(version.ok()) << version.status().ToString();
  EXPECT_EQ(*version, SqliteMigrations().back().version);

  Result<std::unique_ptr<Store>> store = OpenSqliteStore(data_dir);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  Session& s = (*store)->ThreadSession();
  Result<Object> small = s.GetObject(3, "small.ics", true);
  ASSERT_TRUE(small.ok()) << small.status().ToString();
  EXPECT_EQ(small->id, 11);
  EXPECT_EQ(*small->data, "hello");
  EXPECT_EQ(small->etag, "\"e1\"");
  EXPECT_EQ(small->created_at, 10);
  EXPECT_EQ(small->modified_at, 20);
  EXPECT_EQ(small->change_seq, 1);
  // Old rows get the empty index: they match every query until rewritten.
  EXPECT_EQ(small->index.uid, "");
  EXPECT_EQ(small->index.component, "");
  EXPECT_EQ(small->index.first_start, kNoLowerBound);
  EXPECT_EQ(small->index.last_end, kNoUpperBound);
  EXPECT_FALSE(small->index.needs_expansion);
  Result<Object> big_obj = s.GetObject(3, "big.bin", true);
  ASSERT_TRUE(big_obj.ok());
  EXPECT_EQ(*big_obj->data, big);
  EXPECT_EQ(big_obj->content_type, "application/octet-stream");

  std::vector<std::pair<Id, std::string>> props;
  ASSERT_TRUE(s.ForEachObjectProperty(3, [&](Id id, const DeadProperty& p) {
                 props.emplace_back(id, p.xml);
                 return Status::OK();
               }).ok());
  EXPECT_EQ(props, (std::vector<std::pair<Id, std::string>>{{11, "<x:p>1</x:p>"}, {12, "<q/>"}}));
  EXPECT_EQ(s.GetProperties(Owner::kCollection, 3)->size(), 1u);
  EXPECT_EQ(s.GetUserById(7)->used_bytes, 20005);
  EXPECT_EQ(s.ChangesSince(3, 0)->size(), 2u);
  EXPECT_EQ(s.GetCollectionById(3)->sync_seq, 2);

  // The rebuilt table still carries the foreign keys: properties cascade, orphans are refused.
  ASSERT_TRUE(s.DeleteObject(3, "small.ics").ok());
  EXPECT_EQ(s.GetProperties(Owner::kObject, 11).status().code(), Status::Code::kNotFound);
  EXPECT_EQ(s.SetProperty(Owner::kObject, 11, {"", "p", "<p/>"}).code(), Status::Code::kNotFound);
  Result<Object> o =
      s.PutObject(3, "new.ics", "text/calendar", "x", ObjectIndex{"u", "VEVENT", 1, 2, false});
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_GT(o->id, 12);
  EXPECT_EQ(s.FindObjectByUid(3, "u")->name, "new.ics");
  store->reset();

  // Migrating again is a no-op.
  EXPECT_EQ(*MigrateSqliteStore(data_dir), SqliteMigrations().back().version);
}

TEST(SqliteMigrationTest, DataStaysTheLastColumnAndIndexesExist) {
  TempDir dir;
  ASSERT_TRUE(MigrateSqliteStore(dir.path()).ok());
  std::unique_ptr<Db> db = OpenDb(dir.path() + "/cartable.db");
  ASSERT_TRUE(db);
  std::vector<std::string> columns = Column(*db, "PRAGMA table_info(objects)", 1);
  ASSERT_FALSE(columns.empty());
  EXPECT_EQ(columns.back(), "data");
  std::vector<std::string> indexes =
      Column(*db,
             "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'objects' "
             "ORDER BY name");
  EXPECT_NE(std::find(indexes.begin(), indexes.end(), "objects_time"), indexes.end());
  EXPECT_NE(std::find(indexes.begin(), indexes.end(), "objects_uid"), indexes.end());
  // object_properties references the rebuilt table by its final name.
  EXPECT_EQ(Column(*db, "PRAGMA foreign_key_list(object_properties)", 2),
            std::vector<std::string>{"objects"});
  EXPECT_EQ(*db->QueryInt("PRAGMA foreign_keys"), 1);
}

TEST(SqliteQueryPlanTest, TimeRangeQueryUsesTheIndex) {
  TempDir dir;
  ASSERT_TRUE(MigrateSqliteStore(dir.path()).ok());
  std::unique_ptr<Db> db = OpenDb(dir.path() + "/cartable.db");
  ASSERT_TRUE(db);
  for (bool with_data : {false, true}) {
    std::vector<std::string> plan =
        Column(*db, std::string("EXPLAIN QUERY PLAN ") + QueryObjectsSql(true, with_data), 3);
    std::string all;
    for (const std::string& line : plan) all += line + "\n";
    // Bounded objects: one first_start range; unbounded ones: their own index prefix.
    EXPECT_NE(all.find("SEARCH objects USING INDEX objects_time (collection_id=? AND "
                       "component=? AND unbounded=? AND first_start>? AND first_start<?)"),
              std::string::npos)
        << all;
    EXPECT_NE(all.find("SEARCH objects USING INDEX objects_time (collection_id=? AND "
                       "component=? AND unbounded=?"),
              std::string::npos)
        << all;
    EXPECT_EQ(all.find("SCAN objects"), std::string::npos) << all;
  }
}

TEST(SqliteQueryPlanTest, UidLookupUsesTheUidIndex) {
  TempDir dir;
  ASSERT_TRUE(MigrateSqliteStore(dir.path()).ok());
  std::unique_ptr<Db> db = OpenDb(dir.path() + "/cartable.db");
  ASSERT_TRUE(db);
  std::vector<std::string> plan =
      Column(*db, std::string("EXPLAIN QUERY PLAN ") + FindObjectByUidSql(), 3);
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_NE(plan[0].find("objects_uid (collection_id=? AND uid=?)"), std::string::npos) << plan[0];
}

TEST(SqliteMigrationTest, Version2DatabaseMigratesWithoutLoss) {
  TempDir dir;
  const std::string data_dir = dir.path() + "/data";
  std::filesystem::create_directories(data_dir);
  {
    // A database as a version-2 binary left it.
    std::unique_ptr<Db> db = OpenDb(data_dir + "/cartable.db");
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->Exec("PRAGMA foreign_keys=OFF").ok());
    ASSERT_TRUE(db->Exec("BEGIN").ok());
    for (int i = 0; i < 2; ++i) ASSERT_TRUE(db->Exec(SqliteMigrations()[i].sql).ok());
    ASSERT_TRUE(db->Exec("PRAGMA user_version = 2").ok());
    ASSERT_TRUE(db->Exec("COMMIT").ok());
    ASSERT_TRUE(db->Exec("PRAGMA foreign_keys=ON").ok());
    Status st = db->Exec(
        "INSERT INTO users (id, login, used_bytes, created_at) VALUES (7, 'a', 5, 1);"
        "INSERT INTO collections (id, path, parent_id, owner_id, kind, sync_seq, created_at,"
        "  modified_at, max_object_span) VALUES"
        "  (3, '/dav/calendars/a/', NULL, 7, 'calendar-home', 1, 1, 1, 0),"
        "  (4, '/dav/calendars/a/perso/', 3, 7, 'calendar', 1, 1, 1, 3600);"
        "INSERT INTO objects (id, collection_id, name, content_type, etag, size, created_at,"
        "  modified_at, change_seq, uid, component, first_start, last_end, data) VALUES"
        "  (11, 4, 'e.ics', 'text/calendar', '\"e1\"', 5, 10, 20, 1, 'u1', 'VEVENT', 100, 200,"
        "   CAST('hello' AS BLOB));"
        "INSERT INTO object_properties VALUES (11, 'urn:x', 'p', '<x:p/>');"
        "INSERT INTO collection_properties VALUES (4, 'urn:x', 'c', '<x:c/>');"
        "INSERT INTO changes VALUES (3, 1, 'perso/', 0), (4, 1, 'e.ics', 0);");
    ASSERT_TRUE(st.ok()) << st.ToString();
  }
  Result<int> version = MigrateSqliteStore(data_dir);
  ASSERT_TRUE(version.ok()) << version.status().ToString();
  EXPECT_EQ(*version, SqliteMigrations().back().version);

  Result<std::unique_ptr<Store>> store = OpenSqliteStore(data_dir);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  Session& s = (*store)->ThreadSession();
  Result<Collection> cal = s.GetCollectionById(4);
  ASSERT_TRUE(cal.ok()) << cal.status().ToString();
  EXPECT_EQ(cal->path, "/dav/calendars/a/perso/");
  EXPECT_EQ(cal->parent_id, 3);
  EXPECT_EQ(cal->owner_id, 7);
  EXPECT_EQ(cal->sync_seq, 1);
  EXPECT_EQ(s.GetObject(4, "e.ics", true)->data, "hello");
  EXPECT_EQ(s.FindObjectByUid(4, "u1")->id, 11);
  EXPECT_EQ(s.GetProperties(Owner::kCollection, 4)->size(), 1u);
  EXPECT_EQ(s.GetProperties(Owner::kObject, 11)->size(), 1u);
  EXPECT_EQ(s.ChangesSince(3, 0)->size(), 1u);
  // max_object_span survived: a query starting after the event's start still finds it.
  int found = 0;
  ObjectQuery q;
  q.component = "VEVENT";
  q.start = 150;
  q.end = 160;
  ASSERT_TRUE(s.QueryObjects(4, q, [&](const Object&) {
                 ++found;
                 return Status::OK();
               }).ok());
  EXPECT_EQ(found, 1);
  // Version 4: the existing calendar home got its scheduling inbox and outbox.
  Result<Collection> inbox = s.GetCollection("/dav/calendars/a/inbox/");
  ASSERT_TRUE(inbox.ok()) << inbox.status().ToString();
  EXPECT_EQ(inbox->kind, "schedule-inbox");
  EXPECT_EQ(inbox->parent_id, 3);
  EXPECT_EQ(inbox->owner_id, 7);
  EXPECT_EQ(s.GetCollection("/dav/calendars/a/outbox/")->kind, "schedule-outbox");
  // The foreign keys of the rebuilt table still hold: deleting the home cascades to everything
  // and gives the bytes back.
  ASSERT_TRUE(s.DeleteCollection(3).ok());
  EXPECT_EQ(s.GetObject(4, "e.ics", false).status().code(), Status::Code::kNotFound);
  EXPECT_EQ(s.GetProperties(Owner::kObject, 11).status().code(), Status::Code::kNotFound);
  EXPECT_EQ(s.GetUserById(7)->used_bytes, 0);
  EXPECT_EQ(s.CreateCollection("/dav/x/", 0, 99, kKindCollection).status().code(),
            Status::Code::kNotFound);  // unknown owner
  // The new tables work.
  DirectoryEntry e;
  e.source_key = "k";
  e.card_uid = "urn:uuid:k";
  e.nom = "Lefèvre";
  e.user_id = 7;
  ASSERT_TRUE(s.PutDirectoryEntry(e).ok());
  EXPECT_EQ(s.GetDirectoryEntryByUser(7)->nom, "Lefèvre");
  store->reset();
  EXPECT_EQ(*MigrateSqliteStore(data_dir), SqliteMigrations().back().version);
  std::unique_ptr<Db> db = OpenDb(data_dir + "/cartable.db");
  ASSERT_TRUE(db);
  for (const char* child : {"objects", "collection_properties", "changes"}) {
    EXPECT_EQ(Column(*db, std::string("PRAGMA foreign_key_list(") + child + ")", 2),
              std::vector<std::string>{"collections"})
        << child;
  }
  EXPECT_TRUE(Column(*db, "PRAGMA foreign_key_check").empty());
}

// The plan's detail lines, one per line.
std::string Plan(Db& db, const char* sql) {
  std::string all;
  for (const std::string& line : Column(db, std::string("EXPLAIN QUERY PLAN ") + sql, 3)) {
    all += line + "\n";
  }
  return all;
}

TEST(SqliteQueryPlanTest, DirectorySearchesUseTheFullTextIndexes) {
  TempDir dir;
  ASSERT_TRUE(MigrateSqliteStore(dir.path()).ok());
  std::unique_ptr<Db> db = OpenDb(dir.path() + "/cartable.db");
  ASSERT_TRUE(db);
  const std::string search = Plan(*db, SearchDirectorySql());
  EXPECT_NE(search.find("SCAN directory_search VIRTUAL TABLE"), std::string::npos) << search;
  EXPECT_NE(search.find("SEARCH e USING INTEGER PRIMARY KEY (rowid=?)"), std::string::npos)
      << search;
  EXPECT_EQ(search.find("SCAN e"), std::string::npos) << search;
  EXPECT_EQ(search.find("SCAN directory_entries"), std::string::npos) << search;
  const std::string contains = Plan(*db, DirectoryContainsSql());
  EXPECT_NE(contains.find("SCAN directory_trigram VIRTUAL TABLE"), std::string::npos) << contains;
  EXPECT_NE(contains.find("SEARCH e USING INTEGER PRIMARY KEY (rowid=?)"), std::string::npos)
      << contains;
  // FTS5 returns rowids in order: no sort before the LIMIT.
  EXPECT_EQ(contains.find("TEMP B-TREE"), std::string::npos) << contains;
}

// A session remembers the users and collections it read in read transactions (sqlite_store.h
// ReadMemo) only while nothing is committed: a commit by another connection or by the session
// itself, and its own uncommitted writes, are always seen.
TEST(SqliteReadMemoTest, RememberedRowsNeverHideACommit) {
  TempDir dir;
  Result<std::unique_ptr<Store>> store = OpenSqliteStore(dir.path());
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  Session& s = (*store)->ThreadSession();
  User u;
  u.login = "jlabert";
  u.display_name = "Jean Labert";
  Result<Id> id = s.CreateUser(u);
  ASSERT_TRUE(id.ok());
  Result<Collection> c = s.CreateCollection("/dav/files/jlabert/", 0, *id, kKindFilesHome);
  ASSERT_TRUE(c.ok());
  auto read = [&s](auto&& check) {
    Result<std::unique_ptr<Transaction>> txn = s.Begin(false);
    ASSERT_TRUE(txn.ok());
    check();
    EXPECT_TRUE((*txn)->Commit().ok());
  };
  auto name_by_id = [&] { return s.GetUserById(*id)->display_name; };
  auto name_by_login = [&] { return s.GetUserByLogin("jlabert")->display_name; };
  auto seq = [&] { return s.GetCollection("/dav/files/jlabert/")->sync_seq; };
  int64_t seq0 = 0;
  for (int i = 0; i < 2; ++i) {  // twice: the second time from the memo
    read([&] {
      EXPECT_EQ(name_by_id(), "Jean Labert");
      EXPECT_EQ(name_by_login(), "Jean Labert");
      seq0 = seq();
    });
  }

  // Another connection commits: the next read transaction sees it.
  std::unique_ptr<Db> other = OpenDb(dir.path() + "/cartable.db");
  ASSERT_NE(other, nullptr);
  ASSERT_TRUE(other->Exec("UPDATE users SET display_name = 'J. Labert'").ok());
  ASSERT_TRUE(other->Exec("UPDATE collections SET sync_seq = sync_seq + 5").ok());
  read([&] {
    EXPECT_EQ(name_by_login(), "J. Labert");
    EXPECT_EQ(name_by_id(), "J. Labert");
    EXPECT_EQ(seq(), seq0 + 5);
  });

  // The session's own commit (a write transaction, and a single mutating call).
  {
    Result<std::unique_ptr<Transaction>> txn = s.Begin(true);
    ASSERT_TRUE(txn.ok());
    User changed = *s.GetUserById(*id);
    changed.display_name = "Jean L.";
    ASSERT_TRUE(s.UpdateUser(changed).ok());
    EXPECT_EQ(name_by_id(), "Jean L.") << "a write transaction reads its own change";
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  read([&] { EXPECT_EQ(name_by_login(), "Jean L."); });
  ASSERT_TRUE(s.Touch(c->id, "x", false).ok());
  read([&] { EXPECT_EQ(seq(), seq0 + 6); });

  // Within one read transaction the snapshot holds, memo or not.
  read([&] {
    EXPECT_EQ(name_by_id(), "Jean L.");
    ASSERT_TRUE(other->Exec("UPDATE users SET display_name = 'Later'").ok());
    EXPECT_EQ(name_by_login(), "Jean L.");
  });
  read([&] { EXPECT_EQ(name_by_id(), "Later"); });
}

}  // namespace
}  // namespace cartable::store
