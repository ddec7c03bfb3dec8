// The Store contract for the CalDAV/CardDAV index (store.h ObjectIndex) and the batch reads
// built on it: QueryObjects, GetObjects, FindObjectByUid, ForEachObjectProperty. Run against
// every implementation.
#include <string>
#include <utility>
#include <vector>

#include "tests/unit/store/store_test_fixture.h"

namespace cartable::store {
namespace {

using Code = Status::Code;
using Names = std::vector<std::string>;

ObjectIndex Index(std::string uid, std::string component, int64_t first_start, int64_t last_end,
                  bool needs_expansion = false) {
  return {std::move(uid), std::move(component), first_start, last_end, needs_expansion};
}

void ExpectIndexEq(const ObjectIndex& got, const ObjectIndex& want, const std::string& where) {
  EXPECT_EQ(got.uid, want.uid) << where;
  EXPECT_EQ(got.component, want.component) << where;
  EXPECT_EQ(got.first_start, want.first_start) << where;
  EXPECT_EQ(got.last_end, want.last_end) << where;
  EXPECT_EQ(got.needs_expansion, want.needs_expansion) << where;
}

template <typename Impl>
class StoreIndexTest : public StoreTest<Impl> {
 protected:
  void SetUp() override {
    StoreTest<Impl>::SetUp();
    owner_ = this->MakeUser("a");
    cal_ = this->MakeCollection("/dav/calendars/a/", 0, owner_, kKindCalendarHome);
  }

  Object PutIndexed(Id collection, const std::string& name, const ObjectIndex& index,
                    const std::string& data = "") {
    Result<Object> o = this->session().PutObject(collection, name, "text/calendar",
                                                 data.empty() ? "data of " + name : data, index);
    EXPECT_TRUE(o.ok()) << name << ": " << o.status().ToString();
    return o.ok() ? *o : Object();
  }

  // The names QueryObjects returns for `q` on the calendar, in order.
  Names Query(const ObjectQuery& q) {
    Names names;
    Status st = this->session().QueryObjects(cal_.id, q, [&](const Object& o) {
      EXPECT_EQ(o.data.has_value(), q.with_data) << o.name;
      names.push_back(o.name);
      return Status::OK();
    });
    EXPECT_TRUE(st.ok()) << st.ToString();
    return names;
  }
  Names Query(const std::string& component, int64_t start, int64_t end) {
    ObjectQuery q;
    q.component = component;
    q.start = start;
    q.end = end;
    return Query(q);
  }

  // The fixture of the query tests: inserted out of name order on purpose.
  void PutQueryFixture() {
    PutIndexed(cal_.id, "f", Index("uf", "VEVENT", 1000, kNoUpperBound, true));  // no end
    PutIndexed(cal_.id, "b", Index("ub", "VEVENT", 200, 300));
    PutIndexed(cal_.id, "a", Index("ua", "VEVENT", 100, 200));
    PutIndexed(cal_.id, "c", Index("uc", "VTODO", 150, 250));
    PutIndexed(cal_.id, "d", Index("ud", "VEVENT", kNoLowerBound, kNoUpperBound));  // no time
    PutIndexed(cal_.id, "e", Index("ue", "VEVENT", kNoLowerBound, 50));
    this->Put(cal_.id, "g", "a plain file");  // empty index: component "", unbounded
  }

  Id owner_ = 0;
  Collection cal_;
};
TYPED_TEST_SUITE(StoreIndexTest, StoreImplementations);

// ---- the index on every read path ----

TYPED_TEST(StoreIndexTest, IndexRoundTripsOnEveryReadPath) {
  const ObjectIndex want = Index("uid-1@example.com", "VEVENT", -86400, 1700000000, true);
  Object put = this->PutIndexed(this->cal_.id, "e.ics", want, "BEGIN:VCALENDAR");
  ExpectIndexEq(put.index, want, "PutObject");
  for (bool with_data : {false, true}) {
    Result<Object> got = this->session().GetObject(this->cal_.id, "e.ics", with_data);
    ASSERT_TRUE(got.ok());
    ExpectIndexEq(got->index, want, "GetObject");
    Result<std::vector<Object>> many =
        this->session().GetObjects(this->cal_.id, {"e.ics"}, with_data);
    ASSERT_TRUE(many.ok());
    ASSERT_EQ(many->size(), 1u);
    ExpectIndexEq((*many)[0].index, want, "GetObjects");
    ObjectQuery q;
    q.with_data = with_data;
    int seen = 0;
    ASSERT_TRUE(this->session()
                    .QueryObjects(this->cal_.id, q,
                                  [&](const Object& o) {
                                    ExpectIndexEq(o.index, want, "QueryObjects");
                                    ++seen;
                                    return Status::OK();
                                  })
                    .ok());
    EXPECT_EQ(seen, 1);
  }
  int seen = 0;
  ASSERT_TRUE(this->session()
                  .ForEachObject(this->cal_.id,
                                 [&](const Object& o) {
                                   ExpectIndexEq(o.index, want, "ForEachObject");
                                   ++seen;
                                   return Status::OK();
                                 })
                  .ok());
  EXPECT_EQ(seen, 1);
  Result<Object> by_uid = this->session().FindObjectByUid(this->cal_.id, "uid-1@example.com");
  ASSERT_TRUE(by_uid.ok());
  ExpectIndexEq(by_uid->index, want, "FindObjectByUid");

  // Replacing stores the new index, keeping the id.
  const ObjectIndex replaced = Index("uid-2", "VTODO", kNoLowerBound, kNoUpperBound, false);
  Object again = this->PutIndexed(this->cal_.id, "e.ics", replaced);
  EXPECT_EQ(again.id, put.id);
  ExpectIndexEq(again.index, replaced, "PutObject (replace)");
  ExpectIndexEq(this->session().GetObject(this->cal_.id, "e.ics", false)->index, replaced,
                "GetObject (replace)");

  // The 4-argument PutObject (plain files) stores an empty index, also over an indexed object.
  Object plain = this->Put(this->cal_.id, "e.ics", "now a file");
  ExpectIndexEq(plain.index, ObjectIndex{}, "plain PutObject");
  ExpectIndexEq(this->session().GetObject(this->cal_.id, "e.ics", true)->index, ObjectIndex{},
                "GetObject (plain)");
  EXPECT_EQ(ObjectIndex{}.first_start, kNoLowerBound);
  EXPECT_EQ(ObjectIndex{}.last_end, kNoUpperBound);
}

TYPED_TEST(StoreIndexTest, IndexExtremesStoreExactly) {
  const ObjectIndex extremes = Index("x", "VEVENT", INT64_MIN + 1, INT64_MAX - 1);
  this->PutIndexed(this->cal_.id, "x", extremes);
  ExpectIndexEq(this->session().GetObject(this->cal_.id, "x", false)->index, extremes, "x");
  this->PutIndexed(this->cal_.id, "y", Index("y", "VEVENT", kNoLowerBound, kNoUpperBound));
  Result<Object> y = this->session().GetObject(this->cal_.id, "y", false);
  EXPECT_EQ(y->index.first_start, INT64_MIN);
  EXPECT_EQ(y->index.last_end, INT64_MAX);
}

// ---- QueryObjects ----

TYPED_TEST(StoreIndexTest, QueryByComponent) {
  this->PutQueryFixture();
  EXPECT_EQ(this->Query("VEVENT", kNoLowerBound, kNoUpperBound), (Names{"a", "b", "d", "e", "f"}));
  EXPECT_EQ(this->Query("VTODO", kNoLowerBound, kNoUpperBound), (Names{"c"}));
  EXPECT_EQ(this->Query("VJOURNAL", kNoLowerBound, kNoUpperBound), Names{});
  EXPECT_EQ(this->Query("", kNoLowerBound, kNoUpperBound),
            (Names{"a", "b", "c", "d", "e", "f", "g"}));
  EXPECT_EQ(this->Query(ObjectQuery{}), (Names{"a", "b", "c", "d", "e", "f", "g"}));
}

TYPED_TEST(StoreIndexTest, QueryByTimeRange) {
  this->PutQueryFixture();
  // Both bounds: [first_start, last_end) overlaps [start, end).
  EXPECT_EQ(this->Query("VEVENT", 199, 201), (Names{"a", "b", "d"}));
  EXPECT_EQ(this->Query("VEVENT", 120, 130), (Names{"a", "d"}));
  EXPECT_EQ(this->Query("VTODO", 0, 160), (Names{"c"}));
  EXPECT_EQ(this->Query("VTODO", 250, 260), Names{});  // c ends at 250
  EXPECT_EQ(this->Query("", 120, 130), (Names{"a", "d", "g"}));
  // end is exclusive: a starts at 100, so [0, 100) misses it.
  EXPECT_EQ(this->Query("VEVENT", 0, 100), (Names{"d", "e"}));
  EXPECT_EQ(this->Query("VEVENT", 0, 101), (Names{"a", "d", "e"}));
  // last_end == start does not overlap: a ends at 200, b starts at 200.
  EXPECT_EQ(this->Query("VEVENT", 200, 300), (Names{"b", "d"}));
  EXPECT_EQ(this->Query("VEVENT", 50, 60), (Names{"d"}));  // e ends at 50
  EXPECT_EQ(this->Query("VEVENT", 49, 60), (Names{"d", "e"}));
  // Unbounded query sides.
  EXPECT_EQ(this->Query("VEVENT", kNoLowerBound, 100), (Names{"d", "e"}));
  EXPECT_EQ(this->Query("VEVENT", kNoLowerBound, 1000), (Names{"a", "b", "d", "e"}));
  EXPECT_EQ(this->Query("VEVENT", kNoLowerBound, 1001), (Names{"a", "b", "d", "e", "f"}));
  EXPECT_EQ(this->Query("VEVENT", 300, kNoUpperBound), (Names{"d", "f"}));
  EXPECT_EQ(this->Query("VEVENT", 299, kNoUpperBound), (Names{"b", "d", "f"}));
  // INT64 extremes: unbounded objects overlap everything but an empty range at the very edge.
  EXPECT_EQ(this->Query("VEVENT", INT64_MAX - 1, INT64_MAX), (Names{"d", "f"}));
  EXPECT_EQ(this->Query("VEVENT", INT64_MIN, INT64_MIN + 1), (Names{"d", "e"}));
  EXPECT_EQ(this->Query("VEVENT", INT64_MIN, INT64_MIN), Names{});  // nothing starts before MIN
  EXPECT_EQ(this->Query("VEVENT", INT64_MAX, INT64_MAX), Names{});  // nothing ends after MAX
}

// A long bounded object overlaps a query far from its start; shrinking or deleting the long
// one must not hide the others (a store may keep a conservative bound of object lengths).
TYPED_TEST(StoreIndexTest, QueryFindsLongObjectsStartingLongBefore) {
  this->PutIndexed(this->cal_.id, "short", Index("s", "VEVENT", 99990, 99995));
  this->PutIndexed(this->cal_.id, "long", Index("l", "VEVENT", 0, 100000));
  this->PutIndexed(this->cal_.id, "huge", Index("h", "VEVENT", INT64_MIN + 1, INT64_MAX - 1));
  EXPECT_EQ(this->Query("VEVENT", 99999, 100001), (Names{"huge", "long"}));
  EXPECT_EQ(this->Query("VEVENT", 99992, 99993), (Names{"huge", "long", "short"}));
  EXPECT_EQ(this->Query("VEVENT", 100000, 100001), (Names{"huge"}));
  ASSERT_TRUE(this->session().DeleteObject(this->cal_.id, "huge").ok());
  this->PutIndexed(this->cal_.id, "long", Index("l", "VEVENT", 0, 10));
  EXPECT_EQ(this->Query("VEVENT", 99992, 99993), (Names{"short"}));
  EXPECT_EQ(this->Query("VEVENT", 5, 6), (Names{"long"}));
  EXPECT_EQ(this->Query("VEVENT", INT64_MIN, INT64_MAX), (Names{"long", "short"}));
}

TYPED_TEST(StoreIndexTest, QueryWithDataStopsEarlyAndChecksCollection) {
  this->PutQueryFixture();
  ObjectQuery q;
  q.component = "VEVENT";
  q.with_data = true;
  std::vector<std::pair<std::string, std::string>> got;
  ASSERT_TRUE(this->session()
                  .QueryObjects(this->cal_.id, q,
                                [&](const Object& o) {
                                  got.emplace_back(o.name, o.data.value_or("<none>"));
                                  return Status::OK();
                                })
                  .ok());
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got[0], std::make_pair(std::string("a"), std::string("data of a")));
  EXPECT_EQ(got[4], std::make_pair(std::string("f"), std::string("data of f")));
  q.with_data = false;
  EXPECT_EQ(this->Query(q), (Names{"a", "b", "d", "e", "f"}));

  Names names;
  ASSERT_TRUE(this->session()
                  .QueryObjects(this->cal_.id, q,
                                [&](const Object& o) {
                                  names.push_back(o.name);
                                  return names.size() < 2 ? Status::OK() : StopVisit();
                                })
                  .ok());
  EXPECT_EQ(names, (Names{"a", "b"}));
  EXPECT_EQ(this->session()
                .QueryObjects(this->cal_.id + 100, q, [](const Object&) { return Status::OK(); })
                .code(),
            Code::kNotFound);
}

TYPED_TEST(StoreIndexTest, QueryOnlyThisCollectionAndSeesTransaction) {
  Collection other =
      this->MakeCollection("/dav/calendars/a/other/", this->cal_.id, this->owner_, kKindCalendar);
  this->PutIndexed(other.id, "x", Index("ux", "VEVENT", 0, 10));
  this->PutIndexed(this->cal_.id, "y", Index("uy", "VEVENT", 0, 10));
  EXPECT_EQ(this->Query("VEVENT", 0, 10), (Names{"y"}));
  {
    Result<std::unique_ptr<Transaction>> txn = this->session().Begin(true);
    ASSERT_TRUE(txn.ok());
    this->PutIndexed(this->cal_.id, "z", Index("uz", "VEVENT", 5, 6));
    EXPECT_EQ(this->Query("VEVENT", 0, 10), (Names{"y", "z"}));
  }  // rolled back
  EXPECT_EQ(this->Query("VEVENT", 0, 10), (Names{"y"}));
  ASSERT_TRUE(this->session().DeleteObject(this->cal_.id, "y").ok());
  EXPECT_EQ(this->Query("VEVENT", 0, 10), Names{});
}

// ---- GetObjects ----

TYPED_TEST(StoreIndexTest, GetObjectsInGivenOrderSkippingMissing) {
  for (const char* n : {"a", "b", "c"}) this->Put(this->cal_.id, n, std::string("body ") + n);
  for (bool with_data : {false, true}) {
    Result<std::vector<Object>> got =
        this->session().GetObjects(this->cal_.id, {"c", "missing", "a", "b", "zz"}, with_data);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ASSERT_EQ(got->size(), 3u);
    EXPECT_EQ((*got)[0].name, "c");
    EXPECT_EQ((*got)[1].name, "a");
    EXPECT_EQ((*got)[2].name, "b");
    for (const Object& o : *got) {
      EXPECT_EQ(o.collection_id, this->cal_.id);
      EXPECT_EQ(o.size, 6);
      ASSERT_EQ(o.data.has_value(), with_data);
      if (with_data) {
        EXPECT_EQ(*o.data, "body " + o.name);
      }
    }
  }
  EXPECT_TRUE(this->session().GetObjects(this->cal_.id, {}, true)->empty());
  EXPECT_TRUE(this->session().GetObjects(this->cal_.id, {"nope"}, true)->empty());
  EXPECT_EQ(this->session().GetObjects(this->cal_.id + 100, {"a"}, false).status().code(),
            Code::kNotFound);
  // Inside read and write transactions too (no nested transaction).
  for (bool write : {false, true}) {
    Result<std::unique_ptr<Transaction>> txn = this->session().Begin(write);
    ASSERT_TRUE(txn.ok());
    Result<std::vector<Object>> got = this->session().GetObjects(this->cal_.id, {"b", "a"}, true);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(got->size(), 2u);
    EXPECT_TRUE((*txn)->Commit().ok());
  }
}

// ---- FindObjectByUid ----

TYPED_TEST(StoreIndexTest, FindObjectByUid) {
  Collection other =
      this->MakeCollection("/dav/calendars/a/other/", this->cal_.id, this->owner_, kKindCalendar);
  Object e = this->PutIndexed(this->cal_.id, "e.ics", Index("u-1", "VEVENT", 0, 10));
  this->PutIndexed(this->cal_.id, "f.ics", Index("u-2", "VEVENT", 0, 10));
  this->PutIndexed(other.id, "o.ics", Index("u-3", "VEVENT", 0, 10));
  this->Put(this->cal_.id, "plain", "x");

  Result<Object> found = this->session().FindObjectByUid(this->cal_.id, "u-1");
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_EQ(found->id, e.id);
  EXPECT_EQ(found->name, "e.ics");
  EXPECT_EQ(found->etag, e.etag);
  EXPECT_FALSE(found->data.has_value());
  EXPECT_EQ(this->session().FindObjectByUid(this->cal_.id, "u-9").status().code(), Code::kNotFound);
  // Another collection's UID is not this collection's; "" (plain files) never matches.
  EXPECT_EQ(this->session().FindObjectByUid(this->cal_.id, "u-3").status().code(), Code::kNotFound);
  EXPECT_EQ(this->session().FindObjectByUid(other.id, "u-3")->name, "o.ics");
  EXPECT_EQ(this->session().FindObjectByUid(this->cal_.id, "").status().code(), Code::kNotFound);
  EXPECT_EQ(this->session().FindObjectByUid(this->cal_.id + 100, "u-1").status().code(),
            Code::kNotFound);
  // UIDs compare exactly.
  EXPECT_EQ(this->session().FindObjectByUid(this->cal_.id, "U-1").status().code(), Code::kNotFound);

  // Replacing with another UID moves the lookup; deleting removes it.
  this->PutIndexed(this->cal_.id, "e.ics", Index("u-1b", "VEVENT", 0, 10));
  EXPECT_EQ(this->session().FindObjectByUid(this->cal_.id, "u-1").status().code(), Code::kNotFound);
  EXPECT_EQ(this->session().FindObjectByUid(this->cal_.id, "u-1b")->id, e.id);
  ASSERT_TRUE(this->session().DeleteObject(this->cal_.id, "f.ics").ok());
  EXPECT_EQ(this->session().FindObjectByUid(this->cal_.id, "u-2").status().code(), Code::kNotFound);
}

// ---- ForEachObjectProperty ----

TYPED_TEST(StoreIndexTest, ForEachObjectPropertyReturnsMembersOnly) {
  Session& s = this->session();
  Collection sub = this->MakeCollection("/dav/calendars/a/sub/", this->cal_.id, this->owner_);
  Collection other = this->MakeCollection("/dav/calendars/b/", 0, this->owner_);
  Object o1 = this->Put(this->cal_.id, "z-first", "1");  // lower id, later name
  Object o2 = this->Put(this->cal_.id, "m-none", "2");
  Object o3 = this->Put(this->cal_.id, "a-last", "3");
  Object in_sub = this->Put(sub.id, "s", "4");
  Object in_other = this->Put(other.id, "x", "5");
  ASSERT_TRUE(s.SetProperty(Owner::kObject, o1.id, {"urn:y", "b", "<y:b/>"}).ok());
  ASSERT_TRUE(s.SetProperty(Owner::kObject, o1.id, {"urn:x", "a", "<x:a>1</x:a>"}).ok());
  ASSERT_TRUE(s.SetProperty(Owner::kObject, o3.id, {"", "c", "<c/>"}).ok());
  ASSERT_TRUE(s.SetProperty(Owner::kCollection, this->cal_.id, {"urn:x", "own", "<own/>"}).ok());
  ASSERT_TRUE(s.SetProperty(Owner::kCollection, sub.id, {"urn:x", "sub", "<sub/>"}).ok());
  ASSERT_TRUE(s.SetProperty(Owner::kObject, in_sub.id, {"urn:x", "deep", "<deep/>"}).ok());
  ASSERT_TRUE(s.SetProperty(Owner::kObject, in_other.id, {"urn:x", "far", "<far/>"}).ok());

  std::vector<std::pair<Id, std::string>> got;  // (object id, local + xml)
  ASSERT_TRUE(s.ForEachObjectProperty(this->cal_.id, [&](Id id, const DeadProperty& p) {
                 got.emplace_back(id, p.ns + " " + p.local + " " + p.xml);
                 return Status::OK();
               }).ok());
  std::vector<std::pair<Id, std::string>> want = {
      {o1.id, "urn:x a <x:a>1</x:a>"}, {o1.id, "urn:y b <y:b/>"}, {o3.id, " c <c/>"}};
  EXPECT_EQ(got, want);

  ASSERT_TRUE(s.DeleteObject(this->cal_.id, "z-first").ok());
  got.clear();
  ASSERT_TRUE(s.ForEachObjectProperty(this->cal_.id, [&](Id id, const DeadProperty& p) {
                 got.emplace_back(id, p.local);
                 return Status::OK();
               }).ok());
  EXPECT_EQ(got, (std::vector<std::pair<Id, std::string>>{{o3.id, "c"}}));
  int calls = 0;
  ASSERT_TRUE(s.ForEachObjectProperty(sub.id, [&](Id id, const DeadProperty& p) {
                 EXPECT_EQ(id, in_sub.id);
                 EXPECT_EQ(p.local, "deep");
                 ++calls;
                 return Status::OK();
               }).ok());
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(s.ForEachObjectProperty(this->cal_.id + 100,
                                    [](Id, const DeadProperty&) { return Status::OK(); })
                .code(),
            Code::kNotFound);
  (void)o2;
}

}  // namespace
}  // namespace cartable::store
