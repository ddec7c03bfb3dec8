// Floating date-times and DATE values evaluated in the calendar's or the query's time zone
// (RFC 4791 §9.9, §9.8, §7.10), in filters, expand and free-busy.
#include <gtest/gtest.h>

#include <pugixml.hpp>

#include "dav/caldav/filter.h"
#include "tests/unit/caldav/test_util.h"

namespace cartable::dav::caldav {
namespace {

using testing::Cal;
using testing::InRange;
using testing::Range;
using testing::T;

// What Apple Calendar and Thunderbird put in calendar-timezone for Paris.
const std::string kParisVtimezone =
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VTIMEZONE\r\n"
    "TZID:Europe/Paris\r\nBEGIN:DAYLIGHT\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\n"
    "TZNAME:CEST\r\nDTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n"
    "END:DAYLIGHT\r\nBEGIN:STANDARD\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\n"
    "TZNAME:CET\r\nDTSTART:19701025T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n"
    "END:STANDARD\r\nEND:VTIMEZONE\r\nEND:VCALENDAR\r\n";

// A zone the system database does not know: its definition must be used as given.
const std::string kPlus5Vtimezone =
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VTIMEZONE\r\n"
    "TZID:Cartable Test Plus Five\r\nBEGIN:STANDARD\r\nTZOFFSETFROM:+0500\r\n"
    "TZOFFSETTO:+0500\r\nDTSTART:19700101T000000\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
    "END:VCALENDAR\r\n";

std::string Ev(const std::string& props, const std::string& uid = "e") {
  return "BEGIN:VEVENT\nUID:" + uid + "\nDTSTAMP:20260101T000000Z\n" + props + "END:VEVENT\n";
}

const std::string kAllDay = Cal(Ev("DTSTART;VALUE=DATE:20261207\nSUMMARY:Conseil\n"));
const std::string kFloating = Cal(Ev("DTSTART:20261207T090000\nDTEND:20261207T100000\n"));

TEST(FloatingZone, KnownTzidsAreUsedByName) {
  EXPECT_EQ(FloatingZoneOf(""), "UTC");
  EXPECT_EQ(FloatingZoneOf(kParisVtimezone), "Europe/Paris");
  // Thunderbird's old prefixed TZIDs, folded over two lines.
  std::string mozilla = kParisVtimezone;
  mozilla.replace(mozilla.find("TZID:Europe/Paris"), 17,
                  "TZID:/mozilla.org/20050126_1/Europe/Pa\r\n ris");
  EXPECT_EQ(FloatingZoneOf(mozilla), "Europe/Paris");
  EXPECT_EQ(FloatingZoneOf(kPlus5Vtimezone), kPlus5Vtimezone) << "unknown TZID: the definition";
  EXPECT_EQ(FloatingZoneOf("\n  " + kPlus5Vtimezone), kPlus5Vtimezone) << "XML indentation";
  EXPECT_EQ(FloatingZoneOfTzid("Europe/Paris"), "Europe/Paris");
  EXPECT_EQ(FloatingZoneOfTzid("UTC"), "UTC");
  EXPECT_FALSE(FloatingZoneOfTzid("Mars/Olympus_Mons").has_value());
}

TEST(FloatingZone, AllDayEventIsTheDayOfTheCalendarZone) {
  const std::string paris = FloatingZoneOf(kParisVtimezone);
  // 7 December in Paris is 2026-12-06T23:00Z .. 2026-12-07T23:00Z.
  EXPECT_TRUE(InRange(kAllDay, "VEVENT", "20261206T230000Z", "20261207T230000Z", paris));
  EXPECT_TRUE(InRange(kAllDay, "VEVENT", "20261206T230000Z", "20261206T233000Z", paris));
  EXPECT_FALSE(InRange(kAllDay, "VEVENT", "20261207T230000Z", "20261208T010000Z", paris));
  // In UTC the edges are the other way round.
  EXPECT_FALSE(InRange(kAllDay, "VEVENT", "20261206T230000Z", "20261206T233000Z"));
  EXPECT_TRUE(InRange(kAllDay, "VEVENT", "20261207T230000Z", "20261208T010000Z"));
}

TEST(FloatingZone, FloatingTimeIsLocalToTheCalendarZone) {
  const std::string paris = FloatingZoneOf(kParisVtimezone);
  EXPECT_TRUE(InRange(kFloating, "VEVENT", "20261207T080000Z", "20261207T083000Z", paris));
  EXPECT_FALSE(InRange(kFloating, "VEVENT", "20261207T090000Z", "20261207T100000Z", paris));
  EXPECT_TRUE(InRange(kFloating, "VEVENT", "20261207T090000Z", "20261207T100000Z"));
  // A prop-filter time-range on DTSTART follows the same zone.
  CompFilter root = testing::CompRange("VEVENT", Range(nullptr, nullptr));
  root.comp_filters[0].time_range.reset();
  PropFilter dtstart;
  dtstart.name = "DTSTART";
  dtstart.time_range = Range("20261207T075959Z", "20261207T080001Z");
  root.comp_filters[0].prop_filters.push_back(dtstart);
  EXPECT_TRUE(*MatchesFilter(kFloating, root, paris));
  EXPECT_FALSE(*MatchesFilter(kFloating, root, "UTC"));
}

TEST(FloatingZone, AVtimezoneUnknownToTheSystemIsUsedAsDefined) {
  const std::string plus5 = FloatingZoneOf(kPlus5Vtimezone);
  // 7 December at UTC+5 is 2026-12-06T19:00Z .. 2026-12-07T19:00Z.
  EXPECT_TRUE(InRange(kAllDay, "VEVENT", "20261206T190000Z", "20261206T200000Z", plus5));
  EXPECT_FALSE(InRange(kAllDay, "VEVENT", "20261207T190000Z", "20261207T200000Z", plus5));
  EXPECT_TRUE(InRange(kFloating, "VEVENT", "20261207T040000Z", "20261207T043000Z", plus5));
}

TEST(FloatingZone, IndexStaysSoundWhateverTheQueryZone) {
  // PUT indexes floating values in UTC; queries in Paris or at UTC+14 must still find them.
  Result<store::ObjectIndex> idx = ValidateCalendarObject(kAllDay, ValidateOptions{});
  ASSERT_TRUE(idx.ok());
  EXPECT_TRUE(idx->needs_expansion) << "the index alone cannot decide a floating object";
  EXPECT_LE(idx->first_start, T("20261206T100000Z"));  // 7 December at UTC+14 starts here
  EXPECT_GE(idx->last_end, T("20261208T120000Z"));     // and at UTC-12 ends here
}

TEST(FloatingZone, ExpandUsesTheZoneForSelectionAndOutput) {
  std::string ics =
      Cal(Ev("DTSTART;VALUE=DATE:20261207\nRRULE:FREQ=DAILY;COUNT=3\n", "d") +
          Ev("DTSTART:20261207T090000\nDURATION:PT1H\nRRULE:FREQ=DAILY;COUNT=3\n", "f"));
  CalendarDataRequest req;
  req.expand = Range("20261207T230000Z", "20261208T230000Z");  // 8 December in Paris
  Result<std::string> paris = RenderCalendarData(ics, req, FloatingZoneOf(kParisVtimezone));
  ASSERT_TRUE(paris.ok());
  EXPECT_NE(paris->find("RECURRENCE-ID;VALUE=DATE:20261208"), std::string::npos) << *paris;
  EXPECT_EQ(paris->find("20261207"), std::string::npos) << "7 December ends at 23:00Z\n" << *paris;
  EXPECT_EQ(paris->find("20261209"), std::string::npos) << *paris;
  // Floating 09:00 in Paris is 08:00Z (RFC 4791 §9.6.5: instances as UTC).
  EXPECT_NE(paris->find("DTSTART:20261208T080000Z"), std::string::npos) << *paris;
  EXPECT_NE(paris->find("RECURRENCE-ID:20261208T080000Z"), std::string::npos) << *paris;
  Result<std::string> utc = RenderCalendarData(ics, req, "UTC");
  ASSERT_TRUE(utc.ok());
  EXPECT_NE(utc->find("DTSTART:20261208T090000Z"), std::string::npos) << *utc;
}

TEST(FloatingZone, FreeBusyOfAllDayAndFloatingEvents) {
  std::string ics = Cal(Ev("DTSTART;VALUE=DATE:20261207\nTRANSP:OPAQUE\n", "d"));
  Result<std::vector<BusyPeriod>> busy =
      BusyPeriods(ics, Range("20261206T000000Z", "20261209T000000Z"), "Europe/Paris");
  ASSERT_TRUE(busy.ok());
  ASSERT_EQ(busy->size(), 1u);
  EXPECT_EQ(FormatUtcDateTime((*busy)[0].start), "20261206T230000Z");
  EXPECT_EQ(FormatUtcDateTime((*busy)[0].end), "20261207T230000Z");
  busy = BusyPeriods(kFloating, Range("20261206T000000Z", "20261209T000000Z"), "Europe/Paris");
  ASSERT_TRUE(busy.ok());
  ASSERT_EQ(busy->size(), 1u);
  EXPECT_EQ(FormatUtcDateTime((*busy)[0].start), "20261207T080000Z");
  EXPECT_EQ(FormatUtcDateTime((*busy)[0].end), "20261207T090000Z");
}

Result<std::optional<std::string>> QueryZone(const std::string& inner) {
  pugi::xml_document d;
  std::string xml = "<C:calendar-query xmlns:C=\"urn:ietf:params:xml:ns:caldav\">" + inner +
                    "</C:calendar-query>";
  EXPECT_TRUE(d.load_string(xml.c_str()));
  return ParseQueryTimezone(d.first_child());
}

TEST(FloatingZone, QueryTimezoneElements) {
  Result<std::optional<std::string>> none = QueryZone("<C:filter/>");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  Result<std::optional<std::string>> tz =
      QueryZone("<C:timezone><![CDATA[" + kParisVtimezone + "]]></C:timezone>");
  ASSERT_TRUE(tz.ok()) << tz.status().ToString();
  EXPECT_EQ(tz->value_or(""), "Europe/Paris");
  Result<std::optional<std::string>> id =
      QueryZone("<C:timezone-id> America/New_York </C:timezone-id>");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->value_or(""), "America/New_York");

  Result<std::optional<std::string>> bad = QueryZone("<C:timezone>Europe/Paris</C:timezone>");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().precondition(), dav::Precondition::kValidCalendarData);
  Result<std::optional<std::string>> event =
      QueryZone("<C:timezone><![CDATA[" + kAllDay + "]]></C:timezone>");
  ASSERT_FALSE(event.ok());
  EXPECT_EQ(event.status().precondition(), dav::Precondition::kValidCalendarData);
  Result<std::optional<std::string>> unknown =
      QueryZone("<C:timezone-id>Mars/Olympus_Mons</C:timezone-id>");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().precondition(), dav::Precondition::kValidTimezone);
}

}  // namespace
}  // namespace cartable::dav::caldav
