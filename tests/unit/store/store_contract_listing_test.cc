// The Store contract for the listing calls (store.h, "listings (issue 14)"): ForEachObjectListing
// answers what ForEachObject answers for the listing fields, in name order, as a visitor; and,
// for SQLite, from the covering index alone (query plan).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dav/store/sqlite_store.h"
#include "dav/store/sqlite_util.h"
#include "tests/unit/store/store_test_fixture.h"

namespace cartable::store {
namespace {

using Code = Status::Code;
using Names = std::vector<std::string>;

template <typename Impl>
class StoreListingTest : public StoreTest<Impl> {};
TYPED_TEST_SUITE(StoreListingTest, StoreImplementations);

TYPED_TEST(StoreListingTest, ListingMatchesTheObjectsInNameOrder) {
  Id owner = this->MakeUser("a");
  Collection c = this->MakeCollection("/dav/calendars/a/cal/", 0, owner, kKindCalendar);
  Collection other = this->MakeCollection("/dav/calendars/a/other/", 0, owner, kKindCalendar);
  ObjectIndex index{"uid-1", "VEVENT", 100, 200, true};
  for (const char* n : {"m.ics", "b.ics", "z.ics", "a.ics"}) {
    ASSERT_TRUE(this->session()
                    .PutObject(c.id, n, "text/calendar; component=VEVENT",
                               std::string("BEGIN:VCALENDAR ") + n, index)
                    .ok());
  }
  ASSERT_TRUE(this->session().PutObject(other.id, "x.ics", "text/calendar", "x").ok());
  // Replaced: a new etag, size and change_seq, the same created_at.
  ASSERT_TRUE(this->session().PutObject(c.id, "b.ics", "text/calendar", "longer body b").ok());

  std::vector<Object> full;
  ASSERT_TRUE(this->session()
                  .ForEachObject(c.id,
                                 [&](const Object& o) {
                                   full.push_back(o);
                                   return Status::OK();
                                 })
                  .ok());
  std::vector<Object> listed;
  ASSERT_TRUE(this->session()
                  .ForEachObjectListing(c.id,
                                        [&](const Object& o) {
                                          listed.push_back(o);
                                          return Status::OK();
                                        })
                  .ok());
  ASSERT_EQ(listed.size(), 4u);
  ASSERT_EQ(full.size(), 4u);
  for (size_t i = 0; i < listed.size(); ++i) {
    const Object &l = listed[i], &f = full[i];
    EXPECT_EQ(l.id, f.id);
    EXPECT_EQ(l.collection_id, c.id);
    EXPECT_EQ(l.name, f.name);
    EXPECT_EQ(l.content_type, f.content_type);
    EXPECT_EQ(l.etag, f.etag);
    EXPECT_EQ(l.size, f.size);
    EXPECT_EQ(l.created_at, f.created_at);
    EXPECT_EQ(l.modified_at, f.modified_at);
    EXPECT_EQ(l.change_seq, f.change_seq);
    EXPECT_FALSE(l.data.has_value());
  }
  EXPECT_EQ(listed[0].name, "a.ics");
  EXPECT_EQ(listed[1].name, "b.ics");
  EXPECT_EQ(listed[1].content_type, "text/calendar");
  EXPECT_EQ(listed[1].size, 13);
  EXPECT_EQ(listed[3].name, "z.ics");
}

TYPED_TEST(StoreListingTest, ListingIsAVisitor) {
  Id owner = this->MakeUser("a");
  Collection c = this->MakeCollection("/dav/files/a/", 0, owner);
  Collection empty = this->MakeCollection("/dav/files/a/empty/", c.id, owner);
  for (const char* n : {"c", "a", "b"}) this->Put(c.id, n, n);
  Names names;
  ASSERT_TRUE(this->session()
                  .ForEachObjectListing(c.id,
                                        [&](const Object& o) {
                                          names.push_back(o.name);
                                          return names.size() < 2 ? Status::OK() : StopVisit();
                                        })
                  .ok());
  EXPECT_EQ(names, (Names{"a", "b"}));
  // A visitor's error is returned as is.
  EXPECT_EQ(
      this->session()
          .ForEachObjectListing(c.id, [](const Object&) { return Status::Conflict("stop here"); })
          .code(),
      Code::kConflict);
  int count = 0;
  ASSERT_TRUE(this->session()
                  .ForEachObjectListing(empty.id,
                                        [&](const Object&) {
                                          ++count;
                                          return Status::OK();
                                        })
                  .ok());
  EXPECT_EQ(count, 0);
  EXPECT_EQ(this->session()
                .ForEachObjectListing(c.id + 100, [](const Object&) { return Status::OK(); })
                .code(),
            Code::kNotFound);
  // A deleted object is no longer listed.
  ASSERT_TRUE(this->session().DeleteObject(c.id, "b").ok());
  names.clear();
  ASSERT_TRUE(this->session()
                  .ForEachObjectListing(c.id,
                                        [&](const Object& o) {
                                          names.push_back(o.name);
                                          return Status::OK();
                                        })
                  .ok());
  EXPECT_EQ(names, (Names{"a", "c"}));
}

// The listing reads the covering index only: no seek into the table (whose records begin with
// the body) per member.
TEST(SqliteQueryPlanTest, ListingReadsTheCoveringIndexOnly) {
  testlib::TempDir dir;
  ASSERT_TRUE(MigrateSqliteStore(dir.path()).ok());
  Result<std::unique_ptr<Db>> db = Db::Open(dir.path() + "/cartable.db");
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  Result<Stmt> s = (*db)->Prepare(std::string("EXPLAIN QUERY PLAN ") + ObjectListingSql());
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  std::string plan;
  while (s->Step() == SQLITE_ROW) plan += s->Text(3) + "\n";
  EXPECT_EQ(plan, "SEARCH objects USING COVERING INDEX objects_listing (collection_id=?)\n");
}

}  // namespace
}  // namespace cartable::store
