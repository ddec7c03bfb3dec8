// The process-wide cache of expanded time zones (dav/caldav/zone_cache.h): the same instances as
// without it, one entry per VTIMEZONE definition (not per TZID), its bound, zones outliving
// their eviction, and threads sharing zones at once.
#include "dav/caldav/zone_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <utility>
#include <vector>

#include "dav/caldav/ical_internal.h"
#include "tests/unit/caldav/test_util.h"

namespace cartable::dav::caldav {
namespace {

using testing::Cal;
using testing::Range;
using testing::T;

const char kParisZone[] =
    "BEGIN:VTIMEZONE\nTZID:Europe/Paris\nBEGIN:DAYLIGHT\nTZOFFSETFROM:+0100\nTZOFFSETTO:+0200\n"
    "TZNAME:CEST\nDTSTART:19700329T020000\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\n"
    "END:DAYLIGHT\nBEGIN:STANDARD\nTZOFFSETFROM:+0200\nTZOFFSETTO:+0100\nTZNAME:CET\n"
    "DTSTART:19701025T030000\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\nEND:STANDARD\n"
    "END:VTIMEZONE\n";

// A fixed-offset zone: "+HHMM" under `tzid`.
std::string FixedZone(const std::string& tzid, const std::string& offset) {
  return "BEGIN:VTIMEZONE\nTZID:" + tzid + "\nBEGIN:STANDARD\nTZOFFSETFROM:" + offset +
         "\nTZOFFSETTO:" + offset + "\nDTSTART:19700101T000000\nEND:STANDARD\nEND:VTIMEZONE\n";
}

// A weekly 09:00-10:00 series in `tzid`, defined by `zone`.
std::string Weekly(const std::string& zone, const std::string& tzid, const char* dtstart,
                   int count) {
  return Cal(zone + "BEGIN:VEVENT\nUID:w-" + tzid + "\nDTSTAMP:20240101T000000Z\nDTSTART;TZID=" +
             tzid + ":" + dtstart + "\nDTEND;TZID=" + tzid + ":" + std::string(dtstart, 9) +
             "100000\nRRULE:FREQ=WEEKLY;COUNT=" + std::to_string(count) + "\nEND:VEVENT\n");
}

// The UTC starts of every instance of `ics` in 2024-2025.
std::vector<Seconds> Starts(const std::string& ics) {
  bool truncated = false;
  Result<std::vector<Occurrence>> occ =
      ExpandOccurrences(ics, Range("20240101T000000Z", "20260101T000000Z"), 1000, &truncated);
  EXPECT_TRUE(occ.ok());
  std::vector<Seconds> out;
  if (occ.ok()) {
    for (const Occurrence& o : *occ) out.push_back(o.start);
  }
  return out;
}

class ZoneCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ClearZoneCache();
    SetZoneCacheCapacity(kDefaultZoneCacheEntries);
  }
  void TearDown() override {
    ClearZoneCache();
    SetZoneCacheCapacity(kDefaultZoneCacheEntries);
  }
};

// Paris across both DST changes of the school year: 09:00 is 08:00Z in winter, 07:00Z in summer.
TEST_F(ZoneCacheTest, ParisAcrossDstGivesTheSameInstancesAsWithoutTheCache) {
  const std::string autumn = Weekly(kParisZone, "Europe/Paris", "20241021T090000", 3);
  const std::string spring = Weekly(kParisZone, "Europe/Paris", "20250324T090000", 3);
  SetZoneCacheCapacity(0);
  const std::vector<Seconds> autumn_plain = Starts(autumn), spring_plain = Starts(spring);
  EXPECT_EQ(GetZoneCacheStats().entries, 0u) << "0 disables the cache";
  SetZoneCacheCapacity(kDefaultZoneCacheEntries);
  EXPECT_EQ(Starts(autumn), autumn_plain) << "first use: a miss";
  EXPECT_EQ(Starts(spring), spring_plain) << "the same definition: a hit";
  EXPECT_EQ(Starts(autumn), autumn_plain);
  EXPECT_EQ(autumn_plain, (std::vector<Seconds>{T("20241021T070000Z"), T("20241028T080000Z"),
                                                T("20241104T080000Z")}));
  EXPECT_EQ(spring_plain, (std::vector<Seconds>{T("20250324T080000Z"), T("20250331T070000Z"),
                                                T("20250407T070000Z")}));
  ZoneCacheStats s = GetZoneCacheStats();
  EXPECT_EQ(s.entries, 1u);
  EXPECT_EQ(s.misses, 1u);
  EXPECT_EQ(s.hits, 2u);
}

// Two objects, one TZID, two definitions: each keeps its own rules (RFC 5545 §3.6.5: the
// VTIMEZONE of the object defines its TZID).
TEST_F(ZoneCacheTest, SameTzidWithOtherRulesGivesOtherTimes) {
  const std::string paris = Weekly(kParisZone, "Europe/Paris", "20250324T090000", 2);
  const std::string fake =
      Weekly(FixedZone("Europe/Paris", "+0500"), "Europe/Paris", "20250324T090000", 2);
  EXPECT_EQ(Starts(paris), (std::vector<Seconds>{T("20250324T080000Z"), T("20250331T070000Z")}));
  EXPECT_EQ(Starts(fake), (std::vector<Seconds>{T("20250324T040000Z"), T("20250331T040000Z")}));
  EXPECT_EQ(Starts(paris), (std::vector<Seconds>{T("20250324T080000Z"), T("20250331T070000Z")}));
  EXPECT_EQ(GetZoneCacheStats().entries, 2u);
}

// A calendar-timezone the system database does not know (FloatingZoneOf gives its text) is
// shared too, and floating times follow it.
TEST_F(ZoneCacheTest, FloatingZoneDefinitionIsSharedAndExact) {
  const std::string def = Cal(FixedZone("Cartable Plus Three", "+0300"));
  const std::string floating_tz = FloatingZoneOf(def);
  ASSERT_EQ(floating_tz.rfind("BEGIN:", 0), 0u) << "not a system zone";
  const std::string ev =
      Cal("BEGIN:VEVENT\nUID:f\nDTSTAMP:20240101T000000Z\nDTSTART:20250324T090000\n"
          "DURATION:PT1H\nEND:VEVENT\n");
  for (int i = 0; i < 2; ++i) {
    bool truncated = false;
    Result<std::vector<Occurrence>> occ = ExpandOccurrences(
        ev, Range("20250101T000000Z", "20260101T000000Z"), 10, &truncated, floating_tz);
    ASSERT_TRUE(occ.ok());
    ASSERT_EQ(occ->size(), 1u);
    EXPECT_EQ((*occ)[0].start, T("20250324T060000Z"));
  }
  ZoneCacheStats s = GetZoneCacheStats();
  EXPECT_EQ(s.entries, 1u);
  EXPECT_EQ(s.hits, 1u);
}

TEST_F(ZoneCacheTest, BoundIsRespectedAndEvictsTheLeastRecentlyUsed) {
  SetZoneCacheCapacity(3);
  for (int h = 1; h <= 5; ++h) {
    const std::string off = "+0" + std::to_string(h) + "00";
    const std::string tzid = "Zone " + std::to_string(h);
    const std::string ics = Weekly(FixedZone(tzid, off), tzid, "20250324T090000", 1);
    EXPECT_EQ(Starts(ics), std::vector<Seconds>{T("20250324T090000Z") - h * 3600}) << tzid;
    EXPECT_LE(GetZoneCacheStats().entries, 3u);
  }
  ZoneCacheStats s = GetZoneCacheStats();
  EXPECT_EQ(s.entries, 3u);
  EXPECT_EQ(s.evictions, 2u);
  EXPECT_EQ(s.capacity, 3u);
  // Zone 5 was used last: it stays; zone 1 was evicted and comes back as a miss.
  const uint64_t misses = s.misses;
  Starts(Weekly(FixedZone("Zone 5", "+0500"), "Zone 5", "20250324T090000", 1));
  EXPECT_EQ(GetZoneCacheStats().misses, misses);
  Starts(Weekly(FixedZone("Zone 1", "+0100"), "Zone 1", "20250324T090000", 1));
  EXPECT_EQ(GetZoneCacheStats().misses, misses + 1);
  SetZoneCacheCapacity(1);
  EXPECT_EQ(GetZoneCacheStats().entries, 1u) << "shrinking evicts at once";
}

// A request holding a zone keeps it valid when the cache drops it meanwhile.
TEST_F(ZoneCacheTest, ZoneInUseOutlivesItsEviction) {
  internal::ComponentPtr cal =
      internal::ParseCalendar(Weekly(kParisZone, "Europe/Paris", "20250324T090000", 1));
  ASSERT_TRUE(cal);
  internal::TimeContext tc(cal.get(), "UTC");
  icaltimezone* zone = tc.Zone("Europe/Paris");
  ASSERT_NE(zone, nullptr);
  EXPECT_EQ(GetZoneCacheStats().entries, 1u);
  SetZoneCacheCapacity(0);
  EXPECT_EQ(GetZoneCacheStats().entries, 0u);
  icaltimetype t = icaltime_from_string("20250331T090000");
  EXPECT_EQ(internal::TimeContext::ToUtc(t, zone), T("20250331T070000Z"));
}

// Threads expanding objects at once, through misses, hits and evictions (capacity 2 for 4
// definitions), get exactly the single-threaded answers.
TEST_F(ZoneCacheTest, ThreadsShareZonesAtOnce) {
  const std::vector<std::string> objects = {
      Weekly(kParisZone, "Europe/Paris", "20241007T090000", 40),
      Weekly(FixedZone("Europe/Paris", "+0500"), "Europe/Paris", "20241007T090000", 40),
      Weekly(FixedZone("Zone A", "-0300"), "Zone A", "20241007T090000", 40),
      Weekly(kParisZone, "Europe/Paris", "20250303T083000", 10),
  };
  SetZoneCacheCapacity(0);
  std::vector<std::vector<Seconds>> expected;
  for (const std::string& o : objects) expected.push_back(Starts(o));
  ASSERT_EQ(expected[0].size(), 40u);
  SetZoneCacheCapacity(2);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int n = 0; n < 8; ++n) {
    threads.emplace_back([&, n] {
      for (int i = 0; i < 60; ++i) {
        size_t k = static_cast<size_t>(n + i) % objects.size();
        if (Starts(objects[k]) != expected[k]) wrong.fetch_add(1);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
  ZoneCacheStats s = GetZoneCacheStats();
  EXPECT_LE(s.entries, 2u);
  EXPECT_GT(s.evictions, 0u) << "three definitions went through two entries";
}

}  // namespace
}  // namespace cartable::dav::caldav
