// The recurrence-span cache answers exactly like MatchesFilter for plain time-range filters.
#include <gtest/gtest.h>

#include <random>

#include "dav/caldav/calendar_instance_cache.h"

namespace cartable::dav::caldav {
namespace {

const std::string kWeekly =
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:w\r\n"
    "DTSTAMP:20261101T000000Z\r\nDTSTART;TZID=Europe/Paris:20260907T090000\r\n"
    "DTEND;TZID=Europe/Paris:20260907T100000\r\nRRULE:FREQ=WEEKLY;COUNT=40\r\n"
    "EXDATE;TZID=Europe/Paris:20261102T090000\r\nEND:VEVENT\r\n"
    "BEGIN:VEVENT\r\nUID:w\r\nDTSTAMP:20261101T000000Z\r\n"
    "RECURRENCE-ID;TZID=Europe/Paris:20261109T090000\r\n"
    "DTSTART;TZID=Europe/Paris:20261112T150000\r\nDTEND;TZID=Europe/Paris:20261112T160000\r\n"
    "END:VEVENT\r\nEND:VCALENDAR\r\n";

CompFilter Filter(const TimeRange& r) {
  CompFilter event;
  event.name = "VEVENT";
  event.time_range = r;
  CompFilter root;
  root.name = "VCALENDAR";
  root.comp_filters.push_back(event);
  return root;
}

TEST(InstanceCacheTest, AgreesWithMatchesFilterOnRandomRanges) {
  const Seconds base = *ParseUtcDateTime("20260801T000000Z");
  InstanceCache cache({base, base + 400 * 86400}, 100000);
  std::mt19937 rng(7);
  int loads = 0;
  for (int i = 0; i < 2000; ++i) {
    Seconds start = base + static_cast<Seconds>(rng() % (300 * 86400));
    TimeRange r{start, start + 1 + static_cast<Seconds>(rng() % (3 * 86400))};
    std::optional<bool> cached = cache.Overlaps(1, "\"e1\"", "VEVENT", r, [&] {
      ++loads;
      return std::optional<std::string>(kWeekly);
    });
    ASSERT_TRUE(cached.has_value());
    Result<bool> direct = MatchesFilter(kWeekly, Filter(r));
    ASSERT_TRUE(direct.ok());
    EXPECT_EQ(*cached, *direct) << FormatUtcDateTime(r.start) << " " << FormatUtcDateTime(r.end);
  }
  EXPECT_EQ(loads, 1) << "spans are computed once per object version";
}

TEST(InstanceCacheTest, MovedInstanceAndExdate) {
  const Seconds base = *ParseUtcDateTime("20260801T000000Z");
  InstanceCache cache({base, base + 400 * 86400}, 1000);
  auto data = [] { return std::optional<std::string>(kWeekly); };
  auto at = [](const char* s, const char* e) {
    return TimeRange{*ParseUtcDateTime(s), *ParseUtcDateTime(e)};
  };
  EXPECT_FALSE(*cache.Overlaps(1, "a", "VEVENT", at("20261102T000000Z", "20261103T000000Z"), data))
      << "EXDATE removes the instance";
  EXPECT_FALSE(*cache.Overlaps(1, "a", "VEVENT", at("20261109T000000Z", "20261110T000000Z"), data))
      << "the overridden instance moved away";
  EXPECT_TRUE(*cache.Overlaps(1, "a", "VEVENT", at("20261112T140000Z", "20261112T143000Z"), data))
      << "and landed on Thursday 15:00 Paris = 14:00 UTC";
}

TEST(InstanceCacheTest, EtagChangeRecomputesAndOutsideWindowDeclines) {
  const Seconds base = *ParseUtcDateTime("20260801T000000Z");
  InstanceCache cache({base, base + 400 * 86400}, 1000);
  int loads = 0;
  auto data = [&] {
    ++loads;
    return std::optional<std::string>(kWeekly);
  };
  TimeRange r{*ParseUtcDateTime("20260914T070000Z"), *ParseUtcDateTime("20260914T080000Z")};
  EXPECT_TRUE(*cache.Overlaps(5, "v1", "VEVENT", r, data));
  EXPECT_TRUE(*cache.Overlaps(5, "v1", "VEVENT", r, data));
  EXPECT_TRUE(*cache.Overlaps(5, "v2", "VEVENT", r, data));
  EXPECT_EQ(loads, 2);
  EXPECT_FALSE(cache.Overlaps(5, "v2", "VEVENT", {base - 10, base + 10}, data).has_value());
  EXPECT_FALSE(*cache.Overlaps(5, "v2", "VTODO", r, data)) << "no VTODO instance";
}

// RFC 4791 §9.9: an all-day event is a different span of UTC in each zone; a query with its own
// CALDAV:timezone must not be answered from spans computed for the calendar's zone.
TEST(InstanceCacheTest, FloatingSpansAreKeptPerZone) {
  const std::string all_day =
      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:d\r\n"
      "DTSTAMP:20261101T000000Z\r\nDTSTART;VALUE=DATE:20261207\r\n"
      "RRULE:FREQ=WEEKLY;COUNT=3\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
  const Seconds base = *ParseUtcDateTime("20260801T000000Z");
  InstanceCache cache({base, base + 400 * 86400}, 1000);
  int loads = 0;
  auto data = [&] {
    ++loads;
    return std::optional<std::string>(all_day);
  };
  // 7 December ends at 23:00Z in Paris, at midnight in UTC.
  TimeRange late{*ParseUtcDateTime("20261207T233000Z"), *ParseUtcDateTime("20261208T000000Z")};
  EXPECT_FALSE(*cache.Overlaps(9, "v1", "VEVENT", late, data, "Europe/Paris"));
  EXPECT_TRUE(*cache.Overlaps(9, "v1", "VEVENT", late, data, "UTC"));
  EXPECT_FALSE(*cache.Overlaps(9, "v1", "VEVENT", late, data, "Europe/Paris"));
  EXPECT_EQ(loads, 3) << "each zone change recomputes the floating spans";
  // Spans without floating values hold for every zone.
  int weekly_loads = 0;
  auto weekly = [&] {
    ++weekly_loads;
    return std::optional<std::string>(kWeekly);
  };
  TimeRange r{*ParseUtcDateTime("20260914T070000Z"), *ParseUtcDateTime("20260914T080000Z")};
  EXPECT_TRUE(*cache.Overlaps(10, "v1", "VEVENT", r, weekly, "UTC"));
  EXPECT_TRUE(*cache.Overlaps(10, "v1", "VEVENT", r, weekly, "America/New_York"));
  EXPECT_EQ(weekly_loads, 1);
}

}  // namespace
}  // namespace cartable::dav::caldav
