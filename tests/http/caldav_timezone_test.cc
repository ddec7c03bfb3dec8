// Floating date-times and all-day events over HTTP (RFC 4791 §9.9): evaluated in the query's
// CALDAV:timezone (or RFC 7809 timezone-id), else the calendar's calendar-timezone, else UTC —
// in calendar-query, expand, free-busy-query and the scheduling outbox's free/busy.
#include <gtest/gtest.h>

#include "tests/testlib/test_server.h"

namespace cartable {
namespace {

using testlib::ParseMultiStatus;
using testlib::Reply;
using testlib::TestServer;
using Headers = std::vector<std::pair<std::string, std::string>>;

const Headers kIcs = {{"Content-Type", "text/calendar; charset=utf-8"}};
constexpr const char* kJean = "jean.labert@ac-orleans-tours.fr";
constexpr const char* kMarie = "marie.dupont@ac-orleans-tours.fr";
constexpr const char* kCal = "/dav/calendars/jlabert/agenda/";
constexpr const char* kCalData = "{urn:ietf:params:xml:ns:caldav}calendar-data";

std::string Vtimezone(const std::string& tzid, const std::string& std_off,
                      const std::string& dst_off, const std::string& dst_rule,
                      const std::string& std_rule) {
  return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Tests//FR\r\nBEGIN:VTIMEZONE\r\nTZID:" +
         tzid + "\r\nBEGIN:DAYLIGHT\r\nTZOFFSETFROM:" + std_off + "\r\nTZOFFSETTO:" + dst_off +
         "\r\nDTSTART:19700308T020000\r\nRRULE:" + dst_rule +
         "\r\nEND:DAYLIGHT\r\nBEGIN:STANDARD\r\nTZOFFSETFROM:" + dst_off +
         "\r\nTZOFFSETTO:" + std_off + "\r\nDTSTART:19701101T020000\r\nRRULE:" + std_rule +
         "\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\nEND:VCALENDAR\r\n";
}
const std::string kParis =
    Vtimezone("Europe/Paris", "+0100", "+0200", "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
              "FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU");
const std::string kNewYork =
    Vtimezone("America/New_York", "-0500", "-0400", "FREQ=YEARLY;BYMONTH=3;BYDAY=2SU",
              "FREQ=YEARLY;BYMONTH=11;BYDAY=1SU");

std::string Event(const std::string& uid, const std::string& lines) {
  return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Tests//FR\r\nBEGIN:VEVENT\r\nUID:" + uid +
         "\r\nDTSTAMP:20261101T000000Z\r\nSUMMARY:Conseil " + uid + "\r\n" + lines +
         "END:VEVENT\r\nEND:VCALENDAR\r\n";
}

class CalDavTimezoneTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.AddUser("jlabert", "pw", "Jean Labert", kJean);
    server_.AddUser("mdupont", "pw", "Marie Dupont", kMarie);
  }
  Reply Do(const std::string& user, const std::string& method, const std::string& path,
           const std::string& body = "", const Headers& headers = {}) {
    return server_.Request(method, path, body, headers, user, "pw");
  }
  void SetTimezone(const std::string& user, const std::string& calendar,
                   const std::string& vtimezone) {
    Reply r = Do(user, "PROPPATCH", calendar,
                 R"(<D:propertyupdate xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
                 <D:set><D:prop><C:calendar-timezone><![CDATA[)" +
                     vtimezone + "]]></C:calendar-timezone></D:prop></D:set></D:propertyupdate>");
    ASSERT_EQ(r.status, 207) << r.body;
    ASSERT_NE(r.body.find("200"), std::string::npos) << r.body;
  }
  void Put(const std::string& user, const std::string& path, const std::string& ics) {
    Reply r = Do(user, "PUT", path, ics, kIcs);
    ASSERT_EQ(r.status, 201) << path << "\n" << r.body;
  }
  // The calendar-query REPORT on jlabert's agenda for VEVENTs in [start, end); `extra` goes
  // after the filter (CALDAV:timezone), `data` inside DAV:prop.
  Reply Query(const std::string& start, const std::string& end, const std::string& extra = "",
              const std::string& data = "") {
    return Do("jlabert", "REPORT", kCal,
              R"(<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
              <D:prop><D:getetag/>)" +
                  data + R"(</D:prop><C:filter><C:comp-filter name="VCALENDAR">
              <C:comp-filter name="VEVENT"><C:time-range start=")" +
                  start + "\" end=\"" + end + R"("/></C:comp-filter></C:comp-filter></C:filter>)" +
                  extra + "</C:calendar-query>",
              {{"Depth", "1"}});
  }
  // The names of the objects the query matches.
  std::set<std::string> Matches(const std::string& start, const std::string& end,
                                const std::string& extra = "") {
    Reply r = Query(start, end, extra);
    EXPECT_EQ(r.status, 207) << r.body;
    std::set<std::string> out;
    for (const auto& [href, props] : ParseMultiStatus(r.body).props) {
      std::string name = href.substr(href.rfind('/') + 1);
      out.insert(name.substr(0, name.find(".ics")));
    }
    return out;
  }
  TestServer server_;
};

using Names = std::set<std::string>;

TEST_F(CalDavTimezoneTest, AllDayAndFloatingEventsFollowTheCalendarTimezone) {
  SetTimezone("jlabert", kCal, kParis);
  Put("jlabert", std::string(kCal) + "day.ics", Event("day", "DTSTART;VALUE=DATE:20261207\r\n"));
  Put("jlabert", std::string(kCal) + "float.ics",
      Event("float", "DTSTART:20261207T090000\r\nDTEND:20261207T100000\r\n"));
  Put("jlabert", std::string(kCal) + "utc.ics",
      Event("utc", "DTSTART:20261207T090000Z\r\nDTEND:20261207T100000Z\r\n"));
  // 7 December in Paris is 2026-12-06T23:00Z .. 2026-12-07T23:00Z.
  EXPECT_EQ(Matches("20261206T230000Z", "20261207T230000Z"), (Names{"day", "float", "utc"}));
  EXPECT_EQ(Matches("20261206T230000Z", "20261206T233000Z"), (Names{"day"}));
  EXPECT_EQ(Matches("20261207T230000Z", "20261208T010000Z"), (Names{}));
  // Floating 09:00 is 08:00Z in Paris; the UTC event stays at 09:00Z.
  EXPECT_EQ(Matches("20261207T080000Z", "20261207T083000Z"), (Names{"day", "float"}));
  EXPECT_EQ(Matches("20261207T093000Z", "20261207T100000Z"), (Names{"day", "utc"}));
}

TEST_F(CalDavTimezoneTest, QueryTimezoneOverridesTheCalendars) {
  SetTimezone("jlabert", kCal, kParis);
  Put("jlabert", std::string(kCal) + "day.ics",
      Event("day", "DTSTART;VALUE=DATE:20261207\r\nRRULE:FREQ=WEEKLY;COUNT=2\r\n"));
  // 7 December in New York is 2026-12-07T05:00Z .. 2026-12-08T05:00Z.
  const std::string ny = "<C:timezone><![CDATA[" + kNewYork + "]]></C:timezone>";
  const std::string ny_id = "<C:timezone-id>America/New_York</C:timezone-id>";
  for (int round = 0; round < 2; ++round) {  // answers from cached spans must follow the zone
    EXPECT_EQ(Matches("20261208T000000Z", "20261208T010000Z"), (Names{})) << round;
    EXPECT_EQ(Matches("20261208T000000Z", "20261208T010000Z", ny), (Names{"day"})) << round;
    EXPECT_EQ(Matches("20261208T000000Z", "20261208T010000Z", ny_id), (Names{"day"})) << round;
    EXPECT_EQ(Matches("20261206T230000Z", "20261207T000000Z", ny), (Names{})) << round;
    EXPECT_EQ(Matches("20261206T230000Z", "20261207T000000Z"), (Names{"day"})) << round;
  }
  // A zone the server does not know by name is used as the client defines it (UTC+5 here).
  const std::string plus5 =
      "<C:timezone><![CDATA[\nBEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Tests//FR\r\n"
      "BEGIN:VTIMEZONE\r\nTZID:Fuseau de test\r\nBEGIN:STANDARD\r\nTZOFFSETFROM:+0500\r\n"
      "TZOFFSETTO:+0500\r\nDTSTART:19700101T000000\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
      "END:VCALENDAR\r\n]]></C:timezone>";
  EXPECT_EQ(Matches("20261206T190000Z", "20261206T200000Z", plus5), (Names{"day"}));
  EXPECT_EQ(Matches("20261206T190000Z", "20261206T200000Z"), (Names{}));
}

TEST_F(CalDavTimezoneTest, InvalidQueryTimezoneIsRefused) {
  Reply bad =
      Query("20261206T000000Z", "20261208T000000Z", "<C:timezone>Europe/Paris</C:timezone>");
  EXPECT_EQ(bad.status, 403) << bad.body;
  EXPECT_NE(bad.body.find("valid-calendar-data"), std::string::npos) << bad.body;
  Reply event = Query(
      "20261206T000000Z", "20261208T000000Z",
      "<C:timezone><![CDATA[" + Event("x", "DTSTART:20261207T090000Z\r\n") + "]]></C:timezone>");
  EXPECT_EQ(event.status, 403) << event.body;
  EXPECT_NE(event.body.find("valid-calendar-data"), std::string::npos) << event.body;
  Reply unknown = Query("20261206T000000Z", "20261208T000000Z",
                        "<C:timezone-id>Mars/Olympus_Mons</C:timezone-id>");
  EXPECT_EQ(unknown.status, 403) << unknown.body;
  EXPECT_NE(unknown.body.find("valid-timezone"), std::string::npos) << unknown.body;
}

TEST_F(CalDavTimezoneTest, ExpandOfRecurringAllDayAndFloatingEvents) {
  SetTimezone("jlabert", kCal, kParis);
  Put("jlabert", std::string(kCal) + "day.ics",
      Event("day", "DTSTART;VALUE=DATE:20261207\r\nRRULE:FREQ=DAILY;COUNT=3\r\n"));
  Put("jlabert", std::string(kCal) + "float.ics",
      Event("float", "DTSTART:20261207T090000\r\nDURATION:PT1H\r\nRRULE:FREQ=DAILY;COUNT=3\r\n"));
  // 8 December in Paris.
  const std::string expand =
      R"(<C:calendar-data><C:expand start="20261207T230000Z" end="20261208T230000Z"/>
      </C:calendar-data>)";
  Reply r = Query("20261207T230000Z", "20261208T230000Z", "", expand);
  ASSERT_EQ(r.status, 207) << r.body;
  auto ms = ParseMultiStatus(r.body);
  std::string day = ms.props[std::string(kCal) + "day.ics"][kCalData].text;
  EXPECT_NE(day.find("RECURRENCE-ID;VALUE=DATE:20261208"), std::string::npos) << day;
  EXPECT_EQ(day.find("20261207"), std::string::npos) << "7 December ended at 23:00Z\n" << day;
  EXPECT_EQ(day.find("20261209"), std::string::npos) << day;
  std::string fl = ms.props[std::string(kCal) + "float.ics"][kCalData].text;
  EXPECT_NE(fl.find("DTSTART:20261208T080000Z"), std::string::npos) << fl;
  EXPECT_EQ(fl.find("DTSTART:20261207"), std::string::npos) << fl;

  // With the query's own zone, expand follows it too (9:00 in New York is 14:00Z).
  r = Query("20261208T050000Z", "20261209T050000Z",
            "<C:timezone-id>America/New_York</C:timezone-id>",
            R"(<C:calendar-data><C:expand start="20261208T050000Z" end="20261209T050000Z"/>
            </C:calendar-data>)");
  ASSERT_EQ(r.status, 207) << r.body;
  fl = ParseMultiStatus(r.body).props[std::string(kCal) + "float.ics"][kCalData].text;
  EXPECT_NE(fl.find("DTSTART:20261208T140000Z"), std::string::npos) << fl;

  // calendar-multiget has no CALDAV:timezone: the calendar's applies.
  r = Do("jlabert", "REPORT", kCal,
         std::string(R"(<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
         <D:prop>)") +
             expand + "</D:prop><D:href>" + kCal + "float.ics</D:href></C:calendar-multiget>",
         {{"Depth", "1"}});
  ASSERT_EQ(r.status, 207) << r.body;
  fl = ParseMultiStatus(r.body).props[std::string(kCal) + "float.ics"][kCalData].text;
  EXPECT_NE(fl.find("DTSTART:20261208T080000Z"), std::string::npos) << fl;
}

TEST_F(CalDavTimezoneTest, FreeBusyQueryInTheCalendarTimezone) {
  SetTimezone("jlabert", kCal, kParis);
  // RFC 4791 §7.10 counts VEVENTs without TRANSP or OPAQUE: an opaque all-day event is busy.
  Put("jlabert", std::string(kCal) + "day.ics",
      Event("day", "DTSTART;VALUE=DATE:20261207\r\nTRANSP:OPAQUE\r\n"));
  Put("jlabert", std::string(kCal) + "holiday.ics",
      Event("holiday", "DTSTART;VALUE=DATE:20261209\r\nTRANSP:TRANSPARENT\r\n"));
  Put("jlabert", std::string(kCal) + "float.ics",
      Event("float", "DTSTART:20261208T090000\r\nDTEND:20261208T100000\r\n"));
  Reply r = Do("jlabert", "REPORT", kCal,
               R"(<C:free-busy-query xmlns:C="urn:ietf:params:xml:ns:caldav">
               <C:time-range start="20261206T000000Z" end="20261211T000000Z"/>
               </C:free-busy-query>)",
               {{"Depth", "1"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("FREEBUSY:20261206T230000Z/20261207T230000Z"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("FREEBUSY:20261208T080000Z/20261208T090000Z"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("20261208T230000Z/"), std::string::npos) << "transparent holiday";
}

TEST_F(CalDavTimezoneTest, OutboxFreeBusyUsesEachAttendeesCalendarTimezone) {
  const std::string cal = "/dav/calendars/mdupont/agenda/";
  SetTimezone("mdupont", cal, kParis);
  Put("mdupont", cal + "day.ics", Event("day", "DTSTART;VALUE=DATE:20261201\r\n"));
  Put("mdupont", cal + "float.ics",
      Event("float", "DTSTART:20261202T090000\r\nDTEND:20261202T100000\r\n"));
  std::string request =
      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Tests//FR\r\nMETHOD:REQUEST\r\n"
      "BEGIN:VFREEBUSY\r\nUID:fb-tz\r\nDTSTAMP:20261120T080000Z\r\n"
      "DTSTART:20261130T000000Z\r\nDTEND:20261203T000000Z\r\nORGANIZER:mailto:" +
      std::string(kJean) + "\r\nATTENDEE:mailto:" + kMarie +
      "\r\nEND:VFREEBUSY\r\nEND:VCALENDAR\r\n";
  Reply r = Do("jlabert", "POST", "/dav/calendars/jlabert/outbox/", request, kIcs);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("20261130T230000Z/20261201T230000Z"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("20261202T080000Z/20261202T090000Z"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace cartable
