// The Store contract for the occurrence index (store.h "occurrence index (issue 14)"): rows
// written with the object, replaced and deleted with it; QueryOccurrences' matched / unsure
// split (complete_until, floating zone, never computed, long spans); GetObjectsById; the
// backfill of objects stored before schema 10 (with the SQLite migration itself).
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "tests/unit/store/sqlite_schema_at.h"
#include "tests/unit/store/store_test_fixture.h"
#include "tests/unit/store/version9_backfill.h"

namespace cartable::store {
namespace {

using Ids = std::vector<Id>;
constexpr int64_t kDay = 86400;
constexpr int64_t kT0 = 1'725'235'200;  // 2024-09-02T00:00:00Z, a Monday

OccurrenceSet Set(std::vector<OccurrenceSpan> spans, int64_t complete_until = kNoUpperBound,
                  std::string zone = "") {
  OccurrenceSet s;
  s.spans = std::move(spans);
  s.complete_until = complete_until;
  s.zone = std::move(zone);
  return s;
}

ObjectIndex Event(const std::string& uid, std::optional<OccurrenceSet> set) {
  ObjectIndex index{uid, "VEVENT", kNoLowerBound, kNoUpperBound, true};
  index.occurrences = std::move(set);
  return index;
}

template <typename Impl>
class StoreOccurrenceTest : public StoreTest<Impl> {
 protected:
  void SetUp() override {
    StoreTest<Impl>::SetUp();
    owner_ = this->MakeUser("a");
    home_ = this->MakeCollection("/dav/calendars/a/", 0, owner_, kKindCalendarHome);
    cal_ = this->MakeCollection("/dav/calendars/a/cal/", home_.id, owner_, kKindCalendar);
  }

  Id Put(const std::string& name, const ObjectIndex& index) {
    Result<Object> o =
        this->session().PutObject(cal_.id, name, "text/calendar", "data of " + name, index);
    EXPECT_TRUE(o.ok()) << o.status().ToString();
    return o.ok() ? o->id : 0;
  }

  Session::OccurrenceMatches Query(int64_t start, int64_t end, const std::string& zone = "UTC",
                                   const std::string& component = "VEVENT") {
    Result<Session::OccurrenceMatches> m =
        this->session().QueryOccurrences(cal_.id, component, start, end, zone);
    EXPECT_TRUE(m.ok()) << m.status().ToString();
    return m.ok() ? *m : Session::OccurrenceMatches{};
  }

  Id owner_ = 0;
  Collection home_, cal_;
};
TYPED_TEST_SUITE(StoreOccurrenceTest, StoreImplementations);

TYPED_TEST(StoreOccurrenceTest, MatchesTheObjectsWithAnInstanceInTheRange) {
  // A weekly series (Monday 10-11) over ten weeks, and a one-off on Wednesday of week 3.
  std::vector<OccurrenceSpan> weekly;
  for (int w = 0; w < 10; ++w) {
    weekly.push_back({kT0 + w * 7 * kDay + 10 * 3600, kT0 + w * 7 * kDay + 11 * 3600});
  }
  const Id series = this->Put("series.ics", Event("s", Set(weekly)));
  const Id once = this->Put("once.ics", Event("o", Set({{kT0 + 16 * kDay, kT0 + 16 * kDay + 1}})));
  Session::OccurrenceMatches m = this->Query(kT0 + 14 * kDay, kT0 + 21 * kDay);
  EXPECT_TRUE(m.indexed);
  EXPECT_EQ(m.matched, (Ids{series, once}));
  EXPECT_TRUE(m.unsure.empty());
  // Tuesday to Sunday of week 3: only the one-off; the instant lo counts, hi is exclusive.
  EXPECT_EQ(this->Query(kT0 + 15 * kDay, kT0 + 21 * kDay).matched, (Ids{once}));
  EXPECT_EQ(this->Query(kT0 + 16 * kDay + 1, kT0 + 21 * kDay).matched, Ids{});
  EXPECT_EQ(this->Query(kT0 + 14 * kDay + 11 * 3600, kT0 + 16 * kDay).matched, Ids{});
  // Years before and after: nothing, and nothing to parse.
  m = this->Query(kT0 - 400 * kDay, kT0 - 393 * kDay);
  EXPECT_TRUE(m.matched.empty() && m.unsure.empty());
  m = this->Query(kT0 + 4000 * kDay, kT0 + 4007 * kDay);
  EXPECT_TRUE(m.matched.empty() && m.unsure.empty());
  // Another component is not matched.
  EXPECT_TRUE(this->Query(kT0, kT0 + 100 * kDay, "UTC", "VTODO").matched.empty());
}

TYPED_TEST(StoreOccurrenceTest, LongSpansAreFoundFarFromTheirStart) {
  // A ten-year span starting long before the range, and a zero-length instant.
  const Id decade =
      this->Put("decade.ics", Event("d", Set({{kT0 - 3650 * kDay, kT0 + 3650 * kDay}})));
  const Id forever = this->Put("forever.ics", Event("f", Set({{kNoLowerBound, kNoUpperBound}})));
  EXPECT_EQ(this->Query(kT0, kT0 + 7 * kDay).matched, (Ids{decade, forever}));
  EXPECT_EQ(this->Query(kT0 + 3650 * kDay, kT0 + 3651 * kDay).matched, (Ids{forever}));
  EXPECT_EQ(this->Query(kNoLowerBound, kT0 - 3650 * kDay + 1).matched, (Ids{decade, forever}));
}

TYPED_TEST(StoreOccurrenceTest, IncompleteZonedAndUncomputedSetsAreUnsure) {
  // Complete until week 5: a match before, unsure after (a stored span still proves a match).
  const Id open = this->Put(
      "open.ics", Event("o", Set({{kT0, kT0 + 3600}, {kT0 + 28 * kDay, kT0 + 28 * kDay + 3600}},
                                 kT0 + 35 * kDay)));
  // Floating values evaluated in UTC.
  const Id floating = this->Put(
      "floating.ics", Event("f", Set({{kT0 + kDay, kT0 + 2 * kDay}}, kNoUpperBound, "UTC")));
  // Never computed (an index read back from the store, an inbox message).
  const Id unknown = this->Put("unknown.ics", Event("u", std::nullopt));
  Session::OccurrenceMatches m = this->Query(kT0, kT0 + 7 * kDay);
  EXPECT_EQ(m.matched, (Ids{open, floating}));
  EXPECT_EQ(m.unsure, (Ids{unknown}));
  m = this->Query(kT0 + 7 * kDay, kT0 + 14 * kDay, "Europe/Paris");
  EXPECT_EQ(m.matched, Ids{});
  EXPECT_EQ(m.unsure, (Ids{floating, unknown}));
  m = this->Query(kT0, kT0 + 7 * kDay, "Europe/Paris");  // a floating span proves nothing
  EXPECT_EQ(m.matched, (Ids{open}));
  EXPECT_EQ(m.unsure, (Ids{floating, unknown}));
  m = this->Query(kT0 + 28 * kDay, kT0 + 42 * kDay);
  EXPECT_EQ(m.matched, (Ids{open}));
  EXPECT_EQ(m.unsure, (Ids{unknown}));
  m = this->Query(kT0 + 35 * kDay, kT0 + 42 * kDay);
  EXPECT_EQ(m.matched, Ids{});
  EXPECT_EQ(m.unsure, (Ids{open, unknown}));
}

TYPED_TEST(StoreOccurrenceTest, RowsAreReplacedAndDeletedWithTheObject) {
  const Id id = this->Put("e.ics", Event("e", Set({{kT0, kT0 + 3600}})));
  EXPECT_EQ(this->Put("e.ics", Event("e", Set({{kT0 + 100 * kDay, kT0 + 100 * kDay + 3600}}))), id);
  EXPECT_TRUE(this->Query(kT0, kT0 + kDay).matched.empty());
  EXPECT_EQ(this->Query(kT0 + 100 * kDay, kT0 + 101 * kDay).matched, (Ids{id}));
  // Replaced by data whose rows were not computed: parsed from now on.
  this->Put("e.ics", Event("e", std::nullopt));
  Session::OccurrenceMatches m = this->Query(kT0 + 100 * kDay, kT0 + 101 * kDay);
  EXPECT_TRUE(m.matched.empty());
  EXPECT_EQ(m.unsure, (Ids{id}));
  ASSERT_TRUE(this->session().DeleteObject(this->cal_.id, "e.ics").ok());
  m = this->Query(kNoLowerBound, kNoUpperBound);
  EXPECT_TRUE(m.matched.empty() && m.unsure.empty());
}

// A replacement that keeps some instances, drops one and adds one (SQLite writes only the rows
// that change): the rows are exactly the new ones, and a set left as it was stays complete.
TYPED_TEST(StoreOccurrenceTest, ReplacingKeepsOnlyTheNewRows) {
  const OccurrenceSpan a{kT0, kT0 + 3600}, b{kT0 + 7 * kDay, kT0 + 7 * kDay + 3600},
      c{kT0 + 14 * kDay, kT0 + 14 * kDay + 3600}, d{kT0 + 400 * kDay, kT0 + 500 * kDay};
  const Id id = this->Put("e.ics", Event("e", Set({a, b, c})));
  EXPECT_EQ(this->Put("e.ics", Event("e", Set({a, c, d, d}))), id);
  EXPECT_EQ(this->Query(kT0, kT0 + kDay).matched, (Ids{id}));
  EXPECT_TRUE(this->Query(kT0 + 7 * kDay, kT0 + 8 * kDay).matched.empty());
  EXPECT_EQ(this->Query(kT0 + 14 * kDay, kT0 + 15 * kDay).matched, (Ids{id}));
  EXPECT_EQ(this->Query(kT0 + 450 * kDay, kT0 + 451 * kDay).matched, (Ids{id}));  // class of d
  // The same rows again, then complete only until b: later queries are unsure.
  EXPECT_EQ(this->Put("e.ics", Event("e", Set({a, c, d}))), id);
  EXPECT_EQ(this->Query(kT0 + 14 * kDay, kT0 + 15 * kDay).matched, (Ids{id}));
  this->Put("e.ics", Event("e", Set({a}, b.lo)));
  Session::OccurrenceMatches m = this->Query(kT0 + 14 * kDay, kT0 + 15 * kDay);
  EXPECT_TRUE(m.matched.empty());
  EXPECT_EQ(m.unsure, (Ids{id}));
  EXPECT_EQ(this->Query(kT0, kT0 + kDay).matched, (Ids{id}));
  // No longer a calendar component: no rows, no set.
  ObjectIndex card{"e", "VCARD", kNoLowerBound, kNoUpperBound, false};
  this->Put("e.ics", card);
  m = this->Query(kNoLowerBound, kNoUpperBound);
  EXPECT_TRUE(m.matched.empty() && m.unsure.empty());
}

TYPED_TEST(StoreOccurrenceTest, GetObjectsByIdReadsTheCollectionsObjectsByName) {
  const Id b = this->Put("b.ics", Event("b", Set({})));
  const Id a = this->Put("a.ics", Event("a", Set({})));
  Collection other =
      this->MakeCollection("/dav/calendars/a/other/", this->home_.id, this->owner_, kKindCalendar);
  Result<Object> elsewhere =
      this->session().PutObject(other.id, "x.ics", "text/calendar", "x", Event("x", Set({})));
  ASSERT_TRUE(elsewhere.ok());
  Result<std::vector<Object>> got =
      this->session().GetObjectsById(this->cal_.id, {b, elsewhere->id, a, 999999}, true);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ((*got)[0].name, "a.ics");
  EXPECT_EQ((*got)[1].name, "b.ics");
  EXPECT_EQ((*got)[1].data, "data of b.ics");
  got = this->session().GetObjectsById(this->cal_.id, {a}, false);
  ASSERT_TRUE(got.ok() && got->size() == 1);
  EXPECT_FALSE((*got)[0].data.has_value());
}

// A version-9 database (objects stored before the occurrence index) opens as version 10 with
// its calendars listed for backfill; they answer `indexed` false until every object has rows.
TEST(SqliteMigrationTest, Version9CalendarsAreBackfilled) {
  TempDir dir;
  const std::string data_dir = dir.path() + "/data";
  std::filesystem::create_directories(data_dir);
  {
    Result<std::unique_ptr<Db>> db = OpenAtSchemaVersion(data_dir + "/cartable.db", 9);
    ASSERT_TRUE(db.ok()) << db.status().message();
    Status st = (*db)->Exec(version9::kRows);
    ASSERT_TRUE(st.ok()) << st.ToString();
  }
  Result<std::unique_ptr<Store>> store = OpenSqliteStore(data_dir);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_NO_FATAL_FAILURE(version9::ExpectBackfill((*store)->ThreadSession()));
}

}  // namespace
}  // namespace cartable::store
