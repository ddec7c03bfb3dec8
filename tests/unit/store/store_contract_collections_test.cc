// The Store contract for collections (create, list, delete, move), against every implementation;
// plus SQLite-only checks of the migrations.
#include "dav/store/sqlite_migrations.h"
#include "tests/unit/store/store_test_fixture.h"

namespace cartable::store {
namespace {

using Code = Status::Code;

template <typename Impl>
class StoreCollectionsTest : public StoreTest<Impl> {};
TYPED_TEST_SUITE(StoreCollectionsTest, StoreImplementations);

TYPED_TEST(StoreCollectionsTest, CreateAndGet) {
  Id owner = this->MakeUser("a");
  Collection home = this->MakeCollection("/dav/calendars/a/", 0, owner, kKindCalendarHome);
  EXPECT_GT(home.id, 0);
  EXPECT_EQ(home.parent_id, 0);
  EXPECT_EQ(home.owner_id, owner);
  EXPECT_EQ(home.kind, kKindCalendarHome);
  EXPECT_EQ(home.sync_seq, 0);
  EXPECT_GT(home.created_at, 0);
  Collection cal = this->MakeCollection("/dav/calendars/a/perso/", home.id, owner, kKindCalendar);
  EXPECT_EQ(cal.parent_id, home.id);

  Result<Collection> by_path = this->session().GetCollection("/dav/calendars/a/perso/");
  ASSERT_TRUE(by_path.ok());
  EXPECT_EQ(by_path->id, cal.id);
  EXPECT_EQ(by_path->kind, kKindCalendar);
  Result<Collection> by_id = this->session().GetCollectionById(cal.id);
  ASSERT_TRUE(by_id.ok());
  EXPECT_EQ(by_id->path, "/dav/calendars/a/perso/");
  EXPECT_EQ(this->session().GetCollectionById(home.id)->sync_seq, 1);  // the new member
  EXPECT_EQ(this->session().ChangesSince(home.id, 0)->at(0).name, "perso/");
  EXPECT_EQ(this->session().GetCollection("/dav/calendars/a/none/").status().code(),
            Code::kNotFound);
  EXPECT_EQ(this->session().GetCollectionById(cal.id + 100).status().code(), Code::kNotFound);
}

TYPED_TEST(StoreCollectionsTest, CreateRejectsBadOrTakenPaths) {
  Id owner = this->MakeUser("a");
  Collection home = this->MakeCollection("/dav/files/a/", 0, owner);
  this->Put(home.id, "doc", "x");
  auto create = [&](const std::string& path, Id parent) {
    return this->session().CreateCollection(path, parent, owner, kKindCollection).status().code();
  };
  EXPECT_EQ(create("/dav/files/a/", 0), Code::kConflict);              // existing path
  EXPECT_EQ(create("/dav/files/a/doc/", home.id), Code::kConflict);    // an object has the name
  EXPECT_EQ(create("/dav/files/a/x/y/", home.id), Code::kBadRequest);  // not a direct child
  EXPECT_EQ(create("/dav/files/b/x/", home.id), Code::kBadRequest);    // not under the parent
  EXPECT_EQ(create("/dav/files/a/x", home.id), Code::kBadRequest);     // no trailing '/'
  EXPECT_EQ(create("/dav/files/a/x/", home.id + 100), Code::kNotFound);
  EXPECT_EQ(create("/dav/files/a/sub/", 0), Code::kConflict);  // a root inside a collection
  EXPECT_EQ(create("/dav/", 0), Code::kConflict);              // a root containing one
  EXPECT_EQ(this->session()
                .CreateCollection("/dav/files/z/", 0, owner + 100, kKindCollection)
                .status()
                .code(),
            Code::kNotFound);                                          // unknown owner
  EXPECT_EQ(this->session().GetCollectionById(home.id)->sync_seq, 1);  // only the PUT
  // An object cannot take a child collection's name either.
  this->MakeCollection("/dav/files/a/dir/", home.id, owner);
  EXPECT_EQ(this->session().PutObject(home.id, "dir", "t", "d").status().code(), Code::kConflict);
}

TYPED_TEST(StoreCollectionsTest, ListChildrenOrderedByPath) {
  Id owner = this->MakeUser("a");
  Collection home = this->MakeCollection("/dav/files/a/", 0, owner);
  this->MakeCollection("/dav/files/a/zz/", home.id, owner);
  Collection b = this->MakeCollection("/dav/files/a/b/", home.id, owner);
  this->MakeCollection("/dav/files/a/b/inner/", b.id, owner);
  this->MakeCollection("/dav/files/a/m/", home.id, owner);
  Result<std::vector<Collection>> kids = this->session().ListChildCollections(home.id);
  ASSERT_TRUE(kids.ok());
  std::vector<std::string> paths;
  for (const Collection& c : *kids) paths.push_back(c.path);
  EXPECT_EQ(paths,
            (std::vector<std::string>{"/dav/files/a/b/", "/dav/files/a/m/", "/dav/files/a/zz/"}));
  EXPECT_EQ(this->session().ListChildCollections(home.id + 100).status().code(), Code::kNotFound);
}

TYPED_TEST(StoreCollectionsTest, DeleteCascades) {
  Id owner = this->MakeUser("a");
  Id other = this->MakeUser("b");
  Collection home = this->MakeCollection("/dav/files/a/", 0, owner);
  Collection a = this->MakeCollection("/dav/files/a/a/", home.id, owner);
  Collection ab = this->MakeCollection("/dav/files/a/a/b/", a.id, other);          // another owner
  Collection sibling = this->MakeCollection("/dav/files/a/a-b/", home.id, owner);  // not inside
  Object o1 = this->Put(a.id, "one", "1234");
  Object o2 = this->Put(ab.id, "two", "12");
  this->Put(sibling.id, "keep", "123");
  this->Put(home.id, "top", "1");
  ASSERT_TRUE(this->session().SetProperty(Owner::kCollection, ab.id, {"", "p", "<p/>"}).ok());
  ASSERT_TRUE(this->session().SetProperty(Owner::kObject, o2.id, {"", "p", "<p/>"}).ok());
  EXPECT_EQ(this->UsedBytes(owner), 8);
  EXPECT_EQ(this->UsedBytes(other), 2);
  const int64_t seq = this->session().GetCollectionById(home.id)->sync_seq;

  ASSERT_TRUE(this->session().DeleteCollection(a.id).ok());
  EXPECT_EQ(this->session().GetCollectionById(a.id).status().code(), Code::kNotFound);
  EXPECT_EQ(this->session().GetCollection("/dav/files/a/a/b/").status().code(), Code::kNotFound);
  EXPECT_EQ(this->session().GetObject(a.id, "one", false).status().code(), Code::kNotFound);
  EXPECT_EQ(this->session().GetObject(ab.id, "two", false).status().code(), Code::kNotFound);
  EXPECT_EQ(this->session().GetProperties(Owner::kCollection, ab.id).status().code(),
            Code::kNotFound);
  EXPECT_EQ(this->session().GetProperties(Owner::kObject, o1.id).status().code(), Code::kNotFound);
  EXPECT_EQ(this->session().GetProperties(Owner::kObject, o2.id).status().code(), Code::kNotFound);
  EXPECT_TRUE(this->session().GetObject(sibling.id, "keep", false).ok());
  EXPECT_TRUE(this->session().GetObject(home.id, "top", false).ok());
  EXPECT_EQ(this->UsedBytes(owner), 4);
  EXPECT_EQ(this->UsedBytes(other), 0);

  Result<std::vector<Change>> changes = this->session().ChangesSince(home.id, seq);
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(changes->size(), 1u);
  EXPECT_EQ((*changes)[0].name, "a/");
  EXPECT_TRUE((*changes)[0].deleted);
  EXPECT_EQ((*changes)[0].seq, seq + 1);
  EXPECT_EQ(this->session().DeleteCollection(a.id).code(), Code::kNotFound);
  // The path is free again.
  this->MakeCollection("/dav/files/a/a/", home.id, owner);
}

TYPED_TEST(StoreCollectionsTest, MoveRenamesDescendantsAndKeepsContent) {
  Id owner = this->MakeUser("a");
  Collection home = this->MakeCollection("/dav/files/a/", 0, owner);
  Collection dest = this->MakeCollection("/dav/files/a/dest/", home.id, owner);
  Collection a = this->MakeCollection("/dav/files/a/a/", home.id, owner);
  Collection ab = this->MakeCollection("/dav/files/a/a/b/", a.id, owner);
  Collection sibling = this->MakeCollection("/dav/files/a/a-b/", home.id, owner);
  Object o = this->Put(ab.id, "deep", "data");
  ASSERT_TRUE(this->session().SetProperty(Owner::kCollection, ab.id, {"", "p", "<p/>"}).ok());
  ASSERT_TRUE(this->session().SetProperty(Owner::kObject, o.id, {"", "q", "<q/>"}).ok());
  const int64_t home_seq = this->session().GetCollectionById(home.id)->sync_seq;

  ASSERT_TRUE(this->session().MoveCollection(a.id, "/dav/files/a/dest/moved/", dest.id).ok());
  EXPECT_EQ(this->session().GetCollection("/dav/files/a/a/").status().code(), Code::kNotFound);
  EXPECT_EQ(this->session().GetCollection("/dav/files/a/a/b/").status().code(), Code::kNotFound);
  Result<Collection> moved = this->session().GetCollectionById(a.id);
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(moved->path, "/dav/files/a/dest/moved/");
  EXPECT_EQ(moved->parent_id, dest.id);
  Result<Collection> deep = this->session().GetCollection("/dav/files/a/dest/moved/b/");
  ASSERT_TRUE(deep.ok());
  EXPECT_EQ(deep->id, ab.id);
  EXPECT_EQ(deep->parent_id, a.id);
  EXPECT_EQ(this->session().GetCollectionById(sibling.id)->path, "/dav/files/a/a-b/");
  Result<Object> kept = this->session().GetObject(ab.id, "deep", true);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(*kept->data, "data");
  EXPECT_EQ(this->session().GetProperties(Owner::kCollection, ab.id)->size(), 1u);
  EXPECT_EQ(this->session().GetProperties(Owner::kObject, o.id)->size(), 1u);

  Result<std::vector<Change>> from = this->session().ChangesSince(home.id, home_seq);
  ASSERT_EQ(from->size(), 1u);
  EXPECT_EQ((*from)[0].name, "a/");
  EXPECT_TRUE((*from)[0].deleted);
  Result<std::vector<Change>> to = this->session().ChangesSince(dest.id, 0);
  ASSERT_EQ(to->size(), 1u);
  EXPECT_EQ((*to)[0].name, "moved/");
  EXPECT_FALSE((*to)[0].deleted);

  // Renaming in place, then the refusals.
  ASSERT_TRUE(this->session().MoveCollection(a.id, "/dav/files/a/dest/renamed/", dest.id).ok());
  EXPECT_EQ(this->session().GetCollectionById(ab.id)->path, "/dav/files/a/dest/renamed/b/");
  EXPECT_EQ(this->session().MoveCollection(a.id, "/dav/files/a/dest/renamed/b/x/", ab.id).code(),
            Code::kConflict);  // into itself
  EXPECT_EQ(this->session().MoveCollection(a.id, "/dav/files/a/a-b/", home.id).code(),
            Code::kConflict);  // destination taken
  this->Put(home.id, "file", "x");
  EXPECT_EQ(this->session().MoveCollection(a.id, "/dav/files/a/file/", home.id).code(),
            Code::kConflict);  // an object has the name
  EXPECT_EQ(this->session().MoveCollection(a.id, "/elsewhere/x/", home.id).code(),
            Code::kBadRequest);
  EXPECT_EQ(this->session().MoveCollection(a.id + 100, "/dav/files/a/n/", home.id).code(),
            Code::kNotFound);
  EXPECT_EQ(this->session().GetCollectionById(ab.id)->path, "/dav/files/a/dest/renamed/b/");
}

TEST(SqliteMigrations, EmbeddedAndIdempotent) {
  ASSERT_FALSE(SqliteMigrations().empty());
  EXPECT_EQ(SqliteMigrations().front().version, 1);
  TempDir dir;
  Result<int> v = MigrateSqliteStore(dir.path() + "/fresh");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(*v, SqliteMigrations().back().version);
  Result<int> again = MigrateSqliteStore(dir.path() + "/fresh");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *v);
  EXPECT_FALSE(OpenSqliteStore("/proc/definitely/not/here").ok());
}

}  // namespace
}  // namespace cartable::store
