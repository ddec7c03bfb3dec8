// CalDAV over HTTP: calendar collections, calendar object resources and their preconditions,
// the REPORTs (calendar-query, calendar-multiget, free-busy-query, sync-collection).
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/testlib/test_server.h"

namespace cartable {
namespace {

using testlib::ParseMultiStatus;
using testlib::Reply;
using testlib::TestServer;

constexpr const char* kCal = "/dav/calendars/jlabert/agenda/";
constexpr const char* kTasks = "/dav/calendars/jlabert/taches/";
const std::vector<std::pair<std::string, std::string>> kIcsType = {
    {"Content-Type", "text/calendar; charset=utf-8"}};

std::string Event(const std::string& uid, const std::string& start, const std::string& end,
                  const std::string& extra = "", const std::string& summary = "Conseil de classe") {
  return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Cartable//Tests//FR\r\nBEGIN:VEVENT\r\nUID:" +
         uid + "\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:" + start + "\r\nDTEND:" + end +
         "\r\nSUMMARY:" + summary + "\r\n" + extra + "END:VEVENT\r\nEND:VCALENDAR\r\n";
}

std::string Todo(const std::string& uid, const std::string& extra) {
  return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Cartable//Tests//FR\r\nBEGIN:VTODO\r\nUID:" +
         uid + "\r\nDTSTAMP:20261101T000000Z\r\nSUMMARY:Corriger les copies\r\n" + extra +
         "END:VTODO\r\nEND:VCALENDAR\r\n";
}

std::string Query(const std::string& start, const std::string& end, const std::string& prop) {
  return R"(<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop>)" +
         prop + R"(</D:prop>
  <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">
    <C:time-range start=")" +
         start + R"(" end=")" + end + R"("/>
  </C:comp-filter></C:comp-filter></C:filter>
</C:calendar-query>)";
}

class CalDavTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.AddUser("jlabert", "pw", "Jean Labert", "jean.labert@ac-orleans-tours.fr");
    server_.SetDefaultUser("jlabert", "pw");
  }
  Reply Put(const std::string& path, const std::string& body,
            std::vector<std::pair<std::string, std::string>> headers = kIcsType) {
    return server_.As("PUT", path, body, headers);
  }
  std::map<std::string, testlib::PropValue> Props(const std::string& path,
                                                  const std::string& props) {
    auto r = server_.As("PROPFIND", path,
                        R"(<D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"
                           xmlns:CS="http://calendarserver.org/ns/" xmlns:A="http://apple.com/ns/ical/"><D:prop>)" +
                            props + "</D:prop></D:propfind>",
                        {{"Depth", "0"}});
    EXPECT_EQ(r.status, 207) << path << r.body;
    return ParseMultiStatus(r.body).props[path];
  }
  TestServer server_;
};

TEST_F(CalDavTest, HomeHasAgendaAndTasksFromFirstAccess) {
  auto r = server_.As("PROPFIND", "/dav/calendars/jlabert/",
                      R"(<D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop>
                         <D:resourcetype/><D:displayname/><C:supported-calendar-component-set/>
                         </D:prop></D:propfind>)",
                      {{"Depth", "1"}});
  ASSERT_EQ(r.status, 207);
  auto ms = ParseMultiStatus(r.body);
  auto& agenda = ms.props[kCal];
  EXPECT_NE(agenda["{DAV:}resourcetype"].xml.find("calendar"), std::string::npos) << r.body;
  EXPECT_EQ(agenda["{DAV:}displayname"].text, "Agenda");
  EXPECT_NE(
      agenda["{urn:ietf:params:xml:ns:caldav}supported-calendar-component-set"].xml.find("VEVENT"),
      std::string::npos);
  EXPECT_EQ(
      agenda["{urn:ietf:params:xml:ns:caldav}supported-calendar-component-set"].xml.find("VTODO"),
      std::string::npos);
  auto& tasks = ms.props[kTasks];
  EXPECT_EQ(tasks["{DAV:}displayname"].text, "Tâches");
  EXPECT_NE(
      tasks["{urn:ietf:params:xml:ns:caldav}supported-calendar-component-set"].xml.find("VTODO"),
      std::string::npos);
}

TEST_F(CalDavTest, MkcalendarWithInitialProperties) {
  auto r = server_.As("MKCALENDAR", "/dav/calendars/jlabert/inspections/", R"(<?xml version="1.0"?>
<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:A="http://apple.com/ns/ical/">
 <D:set><D:prop>
  <D:displayname>Inspections</D:displayname>
  <C:calendar-description xml:lang="fr">Visites d'inspection</C:calendar-description>
  <C:supported-calendar-component-set><C:comp name="VEVENT"/><C:comp name="VTODO"/></C:supported-calendar-component-set>
  <C:calendar-timezone>BEGIN:VCALENDAR
VERSION:2.0
PRODID:x
BEGIN:VTIMEZONE
TZID:Europe/Paris
BEGIN:STANDARD
DTSTART:19961027T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
END:STANDARD
END:VTIMEZONE
END:VCALENDAR</C:calendar-timezone>
  <A:calendar-color>#FF5733FF</A:calendar-color><A:calendar-order>3</A:calendar-order>
 </D:prop></D:set></C:mkcalendar>)",
                      {{"Content-Type", "application/xml"}});
  ASSERT_EQ(r.status, 201) << r.body;
  auto p = Props("/dav/calendars/jlabert/inspections/",
                 "<D:displayname/><C:calendar-description/><C:supported-calendar-component-set/>"
                 "<A:calendar-color/><A:calendar-order/><D:resourcetype/><C:calendar-timezone/>");
  EXPECT_EQ(p["{DAV:}displayname"].text, "Inspections");
  EXPECT_EQ(p["{urn:ietf:params:xml:ns:caldav}calendar-description"].text, "Visites d'inspection");
  EXPECT_NE(p["{urn:ietf:params:xml:ns:caldav}supported-calendar-component-set"].xml.find("VTODO"),
            std::string::npos);
  EXPECT_EQ(p["{http://apple.com/ns/ical/}calendar-color"].text, "#FF5733FF");
  EXPECT_EQ(p["{http://apple.com/ns/ical/}calendar-order"].text, "3");
  EXPECT_EQ(p["{urn:ietf:params:xml:ns:caldav}calendar-timezone"].status, 200);
  EXPECT_NE(p["{urn:ietf:params:xml:ns:caldav}calendar-timezone"].text.find("TZID:Europe/Paris"),
            std::string::npos);
  EXPECT_NE(p["{DAV:}resourcetype"].xml.find("calendar"), std::string::npos);

  // RFC 4791 §5.3.1.1: an existing URL violates DAV:resource-must-be-null (403, as Cyrus).
  auto again = server_.As("MKCALENDAR", "/dav/calendars/jlabert/inspections/");
  EXPECT_EQ(again.status, 403);
  EXPECT_NE(again.body.find("<d:resource-must-be-null"), std::string::npos) << again.body;
  EXPECT_EQ(server_.As("MKCALENDAR", kCal).status, 403) << "the default calendar too";
  EXPECT_EQ(server_.As("MKCALENDAR", "/dav/calendars/jlabert/a/b/").status, 409);
  auto outside = server_.As("MKCALENDAR", "/dav/files/jlabert/cal/");
  EXPECT_EQ(outside.status, 403);
  EXPECT_NE(outside.body.find("calendar-collection-location-ok"), std::string::npos);
  auto nested = server_.As("MKCALENDAR", "/dav/calendars/jlabert/inspections/sub/");
  EXPECT_EQ(nested.status, 403) << "no calendar inside a calendar";
}

TEST_F(CalDavTest, ComponentSetIsFixedAfterCreation) {
  auto r = server_.As("PROPPATCH", kCal, R"(<D:propertyupdate xmlns:D="DAV:"
      xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop><C:supported-calendar-component-set>
      <C:comp name="VTODO"/></C:supported-calendar-component-set></D:prop></D:set></D:propertyupdate>)");
  ASSERT_EQ(r.status, 207);
  EXPECT_EQ(ParseMultiStatus(r.body)
                .props[kCal]["{urn:ietf:params:xml:ns:caldav}supported-calendar-component-set"]
                .status,
            403);
  auto allprop = server_.As("PROPFIND", kCal, "", {{"Depth", "0"}});
  EXPECT_EQ(allprop.body.find("supported-calendar-component-set"), std::string::npos)
      << "stored live properties are not listed as dead ones";
}

TEST_F(CalDavTest, ExtendedMkcolCreatesCalendarAndDeleteRemovesIt) {
  auto r = server_.As("MKCOL", "/dav/calendars/jlabert/cours/", R"(<D:mkcol xmlns:D="DAV:"
   xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop><D:resourcetype><D:collection/><C:calendar/>
   </D:resourcetype><D:displayname>Cours</D:displayname></D:prop></D:set></D:mkcol>)",
                      {{"Content-Type", "text/xml"}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_NE(
      Props("/dav/calendars/jlabert/cours/", "<D:resourcetype/>")["{DAV:}resourcetype"].xml.find(
          "calendar"),
      std::string::npos);
  ASSERT_EQ(
      Put("/dav/calendars/jlabert/cours/e.ics", Event("e1", "20261124T080000Z", "20261124T090000Z"))
          .status,
      201);
  EXPECT_EQ(server_.As("DELETE", "/dav/calendars/jlabert/cours/").status, 204);
  EXPECT_EQ(server_.As("GET", "/dav/calendars/jlabert/cours/e.ics").status, 404);
}

TEST_F(CalDavTest, LivePropertiesOfACalendar) {
  auto p = Props(kCal,
                 "<C:supported-calendar-data/><C:max-resource-size/><C:min-date-time/>"
                 "<C:max-date-time/><C:supported-collation-set/><CS:getctag/><D:sync-token/>"
                 "<D:supported-report-set/><D:current-user-privilege-set/>");
  EXPECT_NE(p["{urn:ietf:params:xml:ns:caldav}supported-calendar-data"].xml.find("text/calendar"),
            std::string::npos);
  EXPECT_GT(std::stol(p["{urn:ietf:params:xml:ns:caldav}max-resource-size"].text), 0);
  EXPECT_EQ(p["{urn:ietf:params:xml:ns:caldav}min-date-time"].status, 200);
  EXPECT_EQ(p["{urn:ietf:params:xml:ns:caldav}max-date-time"].status, 200);
  const std::string& coll = p["{urn:ietf:params:xml:ns:caldav}supported-collation-set"].xml;
  for (const char* c : {"i;ascii-casemap", "i;unicode-casemap", "i;octet"}) {
    EXPECT_NE(coll.find(c), std::string::npos) << c;
  }
  EXPECT_EQ(p["{http://calendarserver.org/ns/}getctag"].text, p["{DAV:}sync-token"].text);
  const std::string& reports = p["{DAV:}supported-report-set"].xml;
  for (const char* r :
       {"calendar-query", "calendar-multiget", "free-busy-query", "sync-collection"}) {
    EXPECT_NE(reports.find(r), std::string::npos) << r;
  }
  EXPECT_NE(p["{DAV:}current-user-privilege-set"].xml.find("write-content"), std::string::npos);
}

TEST_F(CalDavTest, PutGetKeepsBytesAndEtag) {
  std::string ics = Event("uid-1@cartable", "20261124T080000Z", "20261124T090000Z",
                          "DESCRIPTION:Salle 12\\, bâtiment B\r\nX-CUSTOM;X-P=1:garder\r\n");
  auto put = Put(std::string(kCal) + "uid-1.ics", ics);
  ASSERT_EQ(put.status, 201) << put.body;
  ASSERT_FALSE(put.Header("etag").empty());
  auto get = server_.As("GET", std::string(kCal) + "uid-1.ics");
  EXPECT_EQ(get.body, ics);
  EXPECT_EQ(get.Header("etag"), put.Header("etag"));
  EXPECT_NE(get.Header("content-type").find("text/calendar"), std::string::npos);
}

TEST_F(CalDavTest, PreconditionsAndNothingChanges) {
  std::string path = std::string(kCal) + "a.ics";
  std::string good = Event("a", "20261124T080000Z", "20261124T090000Z");
  ASSERT_EQ(Put(path, good).status, 201);
  struct Case {
    std::string body, content_type, precondition;
  } cases[] = {
      {"not a calendar", "text/calendar", "valid-calendar-data"},
      {"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:a\r\n"
       "DTSTAMP:20261101T000000Z\r\nDTSTART:20261124T080000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
       "text/calendar", "valid-calendar-object-resource"},
      {Todo("a", ""), "text/calendar", "supported-calendar-component"},
      {good, "text/plain", "supported-calendar-data"},
  };
  for (const Case& c : cases) {
    auto r = Put(path, c.body, {{"Content-Type", c.content_type}});
    EXPECT_EQ(r.status, 403) << c.precondition;
    EXPECT_NE(r.body.find(c.precondition), std::string::npos) << r.body;
  }
  std::string big = Event("big", "20261124T080000Z", "20261124T090000Z",
                          "DESCRIPTION:" + std::string(2 << 20, 'x') + "\r\n");
  auto r = Put(std::string(kCal) + "big.ics", big);
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("max-resource-size"), std::string::npos);
  EXPECT_EQ(server_.As("GET", path).body, good) << "refused writes leave the old data";
  EXPECT_EQ(server_.As("GET", std::string(kCal) + "big.ics").status, 404);
}

TEST_F(CalDavTest, UidConflictNamesTheHolder) {
  ASSERT_EQ(
      Put(std::string(kCal) + "first.ics", Event("same", "20261124T080000Z", "20261124T090000Z"))
          .status,
      201);
  auto r =
      Put(std::string(kCal) + "second.ics", Event("same", "20261125T080000Z", "20261125T090000Z"));
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("no-uid-conflict"), std::string::npos);
  EXPECT_NE(r.body.find("/dav/calendars/jlabert/agenda/first.ics"), std::string::npos) << r.body;
  EXPECT_EQ(
      Put(std::string(kCal) + "first.ics", Event("same", "20261126T080000Z", "20261126T090000Z"))
          .status,
      204)
      << "replacing the holder itself is fine";
}

TEST_F(CalDavTest, TzidWithoutVtimezoneAndAllDayAndFloatingAreAccepted) {
  std::string paris =
      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:paris\r\n"
      "DTSTAMP:20261101T000000Z\r\nDTSTART;TZID=Europe/Paris:20261124T100000\r\n"
      "DTEND;TZID=Europe/"
      "Paris:20261124T110000\r\nSUMMARY:Réunion\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
  ASSERT_EQ(Put(std::string(kCal) + "paris2.ics", paris).status, 201);
  // 10:00 Paris is 09:00 UTC in November: a query for 09:00-09:30 UTC finds it, 10:00-11:00 not.
  auto in =
      server_.As("REPORT", kCal, Query("20261124T090000Z", "20261124T093000Z", "<D:getetag/>"),
                 {{"Depth", "1"}});
  EXPECT_EQ(ParseMultiStatus(in.body).props.count(std::string(kCal) + "paris2.ics"), 1u) << in.body;
  auto out =
      server_.As("REPORT", kCal, Query("20261124T100000Z", "20261124T110000Z", "<D:getetag/>"),
                 {{"Depth", "1"}});
  EXPECT_EQ(ParseMultiStatus(out.body).props.count(std::string(kCal) + "paris2.ics"), 0u)
      << out.body;
  std::string allday =
      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:allday\r\n"
      "DTSTAMP:20261101T000000Z\r\nDTSTART;VALUE=DATE:20261125\r\nSUMMARY:Journée pédagogique\r\n"
      "END:VEVENT\r\nEND:VCALENDAR\r\n";
  EXPECT_EQ(Put(std::string(kCal) + "allday.ics", allday).status, 201);
  std::string floating = Event("floating", "20261126T080000", "20261126T090000");
  EXPECT_EQ(Put(std::string(kCal) + "floating.ics", floating).status, 201);
}

TEST_F(CalDavTest, TasksRoundTrip) {
  std::string todo = Todo("t1",
                          "STATUS:IN-PROCESS\r\nDUE:20261130T170000Z\r\nPERCENT-COMPLETE:40\r\n"
                          "RELATED-TO:parent-task\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\n"
                          "DESCRIPTION:Rappel\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\n");
  ASSERT_EQ(Put(std::string(kTasks) + "t1.ics", todo).status, 201);
  EXPECT_EQ(server_.As("GET", std::string(kTasks) + "t1.ics").body, todo);
  std::string done =
      Todo("t1", "STATUS:COMPLETED\r\nCOMPLETED:20261129T100000Z\r\nPERCENT-COMPLETE:100\r\n");
  EXPECT_EQ(Put(std::string(kTasks) + "t1.ics", done).status, 204);
  EXPECT_EQ(server_.As("GET", std::string(kTasks) + "t1.ics").body, done);
  auto wrong =
      Put(std::string(kTasks) + "e.ics", Event("e", "20261124T080000Z", "20261124T090000Z"));
  EXPECT_NE(wrong.body.find("supported-calendar-component"), std::string::npos);
}

TEST_F(CalDavTest, CalendarQueryWeekWithRecurrence) {
  ASSERT_EQ(
      Put(std::string(kCal) + "in.ics", Event("in", "20261124T080000Z", "20261124T090000Z")).status,
      201);
  ASSERT_EQ(Put(std::string(kCal) + "out.ics", Event("out", "20261210T080000Z", "20261210T090000Z"))
                .status,
            201);
  ASSERT_EQ(
      Put(std::string(kCal) + "weekly.ics",
          Event("weekly", "20260907T070000Z", "20260907T080000Z", "RRULE:FREQ=WEEKLY;BYDAY=MO\r\n"))
          .status,
      201);
  ASSERT_EQ(
      Put(std::string(kCal) + "past.ics",
          Event("past", "20250101T070000Z", "20250101T080000Z", "RRULE:FREQ=DAILY;COUNT=3\r\n"))
          .status,
      201);
  auto r =
      server_.As("REPORT", kCal,
                 Query("20261123T000000Z", "20261130T000000Z", "<D:getetag/><C:calendar-data/>"),
                 {{"Depth", "1"}});
  ASSERT_EQ(r.status, 207) << r.body;
  auto ms = ParseMultiStatus(r.body);
  EXPECT_EQ(ms.props.size(), 2u) << r.body;
  EXPECT_EQ(ms.props.count(std::string(kCal) + "in.ics"), 1u);
  EXPECT_EQ(ms.props.count(std::string(kCal) + "weekly.ics"), 1u);
  EXPECT_NE(ms.props[std::string(kCal) + "in.ics"]["{urn:ietf:params:xml:ns:caldav}calendar-data"]
                .text.find("UID:in"),
            std::string::npos);
}

TEST_F(CalDavTest, CalendarQueryErrors) {
  auto no_filter =
      server_.As("REPORT", kCal,
                 R"(<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
                                 <D:prop><D:getetag/></D:prop></C:calendar-query>)",
                 {{"Depth", "1"}});
  EXPECT_EQ(no_filter.status, 403);
  EXPECT_NE(no_filter.body.find("valid-filter"), std::string::npos);
  auto collation = server_.As("REPORT", kCal, R"(<C:calendar-query xmlns:D="DAV:"
    xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/></D:prop><C:filter>
    <C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:prop-filter name="SUMMARY">
    <C:text-match collation="i;klingon">x</C:text-match></C:prop-filter></C:comp-filter>
    </C:comp-filter></C:filter></C:calendar-query>)",
                              {{"Depth", "1"}});
  EXPECT_EQ(collation.status, 403);
  EXPECT_NE(collation.body.find("supported-collation"), std::string::npos);
  auto unknown = server_.As("REPORT", kCal, R"(<D:foo-report xmlns:D="DAV:"/>)", {{"Depth", "1"}});
  EXPECT_EQ(unknown.status, 403);
  EXPECT_NE(unknown.body.find("supported-report"), std::string::npos);
}

TEST_F(CalDavTest, TextMatchOnSummary) {
  ASSERT_EQ(Put(std::string(kCal) + "a.ics",
                Event("a", "20261124T080000Z", "20261124T090000Z", "", "Réunion Équipe"))
                .status,
            201);
  ASSERT_EQ(Put(std::string(kCal) + "b.ics",
                Event("b", "20261124T080000Z", "20261124T090000Z", "", "Conseil"))
                .status,
            201);
  auto r = server_.As("REPORT", kCal, R"(<C:calendar-query xmlns:D="DAV:"
    xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/></D:prop><C:filter>
    <C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:prop-filter name="SUMMARY">
    <C:text-match collation="i;unicode-casemap">équipe</C:text-match></C:prop-filter></C:comp-filter>
    </C:comp-filter></C:filter></C:calendar-query>)",
                      {{"Depth", "1"}});
  auto ms = ParseMultiStatus(r.body);
  EXPECT_EQ(ms.props.size(), 1u) << r.body;
  EXPECT_EQ(ms.props.count(std::string(kCal) + "a.ics"), 1u);
}

TEST_F(CalDavTest, MultigetWithMissingAndEncodedHrefs) {
  ASSERT_EQ(
      Put(std::string(kCal) + "a%40b.ics", Event("a@b", "20261124T080000Z", "20261124T090000Z"))
          .status,
      201);
  ASSERT_EQ(
      Put(std::string(kCal) + "c.ics", Event("c", "20261124T080000Z", "20261124T090000Z")).status,
      201);
  auto r = server_.As("REPORT", kCal, R"(<C:calendar-multiget xmlns:D="DAV:"
    xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/><C:calendar-data/></D:prop>
    <D:href>/dav/calendars/jlabert/agenda/a%40b.ics</D:href>
    <D:href>/dav/calendars/jlabert/agenda/c.ics</D:href>
    <D:href>/dav/calendars/jlabert/agenda/missing.ics</D:href></C:calendar-multiget>)",
                      {{"Depth", "1"}});
  ASSERT_EQ(r.status, 207);
  auto ms = ParseMultiStatus(r.body);
  EXPECT_NE(ms.props["/dav/calendars/jlabert/agenda/a@b.ics"]
                    ["{urn:ietf:params:xml:ns:caldav}calendar-data"]
                        .text.find("UID:a@b"),
            std::string::npos)
      << r.body;
  EXPECT_EQ(ms.props["/dav/calendars/jlabert/agenda/c.ics"]["{DAV:}getetag"].status, 200);
  EXPECT_EQ(ms.response_status["/dav/calendars/jlabert/agenda/missing.ics"], 404);
}

TEST_F(CalDavTest, SyncCollectionInitialIncrementalAndBadToken) {
  const std::string sync = R"(<D:sync-collection xmlns:D="DAV:"><D:sync-token>%TOKEN%</D:sync-token>
    <D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>)";
  auto with = [&](const std::string& token) {
    std::string b = sync;
    b.replace(b.find("%TOKEN%"), 7, token);
    return server_.As("REPORT", kCal, b, {{"Depth", "1"}});
  };
  ASSERT_EQ(
      Put(std::string(kCal) + "a.ics", Event("a", "20261124T080000Z", "20261124T090000Z")).status,
      201);
  ASSERT_EQ(
      Put(std::string(kCal) + "b.ics", Event("b", "20261124T080000Z", "20261124T090000Z")).status,
      201);
  auto first = with("");
  ASSERT_EQ(first.status, 207) << first.body;
  auto ms = ParseMultiStatus(first.body);
  EXPECT_EQ(ms.props.size(), 2u);
  size_t a = first.body.find("<d:sync-token>") + 14;
  std::string token = first.body.substr(a, first.body.find("</d:sync-token>") - a);
  ASSERT_FALSE(token.empty());
  EXPECT_EQ(Props(kCal, "<CS:getctag/>")["{http://calendarserver.org/ns/}getctag"].text, token);

  auto none = with(token);
  EXPECT_EQ(ParseMultiStatus(none.body).props.size(), 0u) << none.body;
  ASSERT_EQ(
      Put(std::string(kCal) + "a.ics", Event("a", "20261124T100000Z", "20261124T110000Z")).status,
      204);
  ASSERT_EQ(server_.As("DELETE", std::string(kCal) + "b.ics").status, 204);
  ASSERT_EQ(
      Put(std::string(kCal) + "c.ics", Event("c", "20261124T080000Z", "20261124T090000Z")).status,
      201);
  auto next = with(token);
  auto changed = ParseMultiStatus(next.body);
  EXPECT_EQ(changed.props[std::string(kCal) + "a.ics"]["{DAV:}getetag"].status, 200) << next.body;
  EXPECT_EQ(changed.props[std::string(kCal) + "c.ics"]["{DAV:}getetag"].status, 200);
  EXPECT_EQ(changed.response_status[std::string(kCal) + "b.ics"], 404);
  EXPECT_NE(Props(kCal, "<CS:getctag/>")["{http://calendarserver.org/ns/}getctag"].text, token);

  auto bad = with("urn:cartable:sync:999:1");
  EXPECT_EQ(bad.status, 403);
  EXPECT_NE(bad.body.find("valid-sync-token"), std::string::npos);
  EXPECT_EQ(with("garbage").status, 403);
}

TEST_F(CalDavTest, SyncCollectionOnTheCalendarHome) {
  auto r =
      server_.As("REPORT", "/dav/calendars/jlabert/",
                 R"(<D:sync-collection xmlns:D="DAV:"><D:sync-token/><D:sync-level>1</D:sync-level>
                         <D:prop><D:getetag/><D:resourcetype/></D:prop></D:sync-collection>)",
                 {{"Depth", "1"}});
  ASSERT_EQ(r.status, 207) << r.body;
  auto ms = ParseMultiStatus(r.body);
  EXPECT_EQ(ms.props.count(kCal), 1u);
  EXPECT_EQ(ms.props.count(kTasks), 1u);
}

TEST_F(CalDavTest, FreeBusyQuery) {
  ASSERT_EQ(
      Put(std::string(kCal) + "busy.ics", Event("busy", "20261124T080000Z", "20261124T090000Z"))
          .status,
      201);
  ASSERT_EQ(Put(std::string(kCal) + "free.ics",
                Event("free", "20261124T100000Z", "20261124T110000Z", "TRANSP:TRANSPARENT\r\n"))
                .status,
            201);
  auto r = server_.As("REPORT", kCal, R"(<C:free-busy-query xmlns:C="urn:ietf:params:xml:ns:caldav">
    <C:time-range start="20261124T000000Z" end="20261125T000000Z"/></C:free-busy-query>)",
                      {{"Depth", "1"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.Header("content-type").find("text/calendar"), std::string::npos);
  EXPECT_NE(r.body.find("VFREEBUSY"), std::string::npos);
  EXPECT_NE(r.body.find("20261124T080000Z/"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("20261124T100000Z/"), std::string::npos) << "transparent events are free";
}

TEST_F(CalDavTest, MoveEventBetweenCalendarsAndRename) {
  ASSERT_EQ(server_.As("MKCALENDAR", "/dav/calendars/jlabert/perso/").status, 201);
  ASSERT_EQ(
      Put(std::string(kCal) + "m.ics", Event("m", "20261124T080000Z", "20261124T090000Z")).status,
      201);
  std::string dest = "http://127.0.0.1:" + std::to_string(server_.port());
  EXPECT_EQ(server_
                .As("MOVE", std::string(kCal) + "m.ics", "",
                    {{"Destination", dest + std::string(kCal) + "renamed.ics"}})
                .status,
            201);
  EXPECT_EQ(server_
                .As("MOVE", std::string(kCal) + "renamed.ics", "",
                    {{"Destination", dest + "/dav/calendars/jlabert/perso/m.ics"}})
                .status,
            201);
  EXPECT_EQ(server_.As("GET", "/dav/calendars/jlabert/perso/m.ics").status, 200);
  ASSERT_EQ(
      Put(std::string(kCal) + "t.ics", Event("t", "20261124T080000Z", "20261124T090000Z")).status,
      201);
  auto into_tasks = server_.As("COPY", std::string(kCal) + "t.ics", "",
                               {{"Destination", dest + std::string(kTasks) + "t.ics"}});
  EXPECT_EQ(into_tasks.status, 403) << "the destination calendar validates the event";
  EXPECT_NE(into_tasks.body.find("supported-calendar-component"), std::string::npos);
}

TEST(CalDavRestartTest, SyncTokensAndDataSurviveARestart) {
  char tmpl[] = "/tmp/cartable-restart-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  const std::string sync = R"(<D:sync-collection xmlns:D="DAV:"><D:sync-token>%</D:sync-token>
    <D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>)";
  auto with = [&](const std::string& token) {
    std::string b = sync;
    b.replace(b.find('%'), 1, token);
    return b;
  };
  std::string token;
  {
    TestServer first(nullptr, dir);
    first.AddUser("jlabert", "pw", "Jean Labert", "jean.labert@ac-orleans-tours.fr");
    first.SetDefaultUser("jlabert", "pw");
    ASSERT_EQ(first
                  .As("PUT", std::string(kCal) + "a.ics",
                      Event("a", "20261124T080000Z", "20261124T090000Z"), kIcsType)
                  .status,
              201);
    auto r = first.As("REPORT", kCal, with(""), {{"Depth", "1"}});
    size_t a = r.body.find("<d:sync-token>") + 14;
    token = r.body.substr(a, r.body.find("</d:sync-token>") - a);
  }
  {
    TestServer second(nullptr, dir);
    second.SetDefaultUser("jlabert", "pw");
    ASSERT_EQ(second
                  .As("PUT", std::string(kCal) + "b.ics",
                      Event("b", "20261124T080000Z", "20261124T090000Z"), kIcsType)
                  .status,
              201);
    auto r = second.As("REPORT", kCal, with(token), {{"Depth", "1"}});
    ASSERT_EQ(r.status, 207) << r.body;
    auto ms = ParseMultiStatus(r.body);
    EXPECT_EQ(ms.props.size(), 1u) << r.body;
    EXPECT_EQ(ms.props.count(std::string(kCal) + "b.ics"), 1u);
  }
  std::filesystem::remove_all(dir);
}

TEST_F(CalDavTest, CalendarDataExpandAndPartialRetrieval) {
  ASSERT_EQ(
      Put(std::string(kCal) + "w.ics", Event("w", "20261102T080000Z", "20261102T090000Z",
                                             "RRULE:FREQ=WEEKLY;COUNT=5\r\nLOCATION:Salle 3\r\n"))
          .status,
      201);
  auto r = server_.As("REPORT", kCal, R"(<C:calendar-query xmlns:D="DAV:"
    xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><C:calendar-data>
    <C:comp name="VCALENDAR"><C:prop name="VERSION"/><C:comp name="VEVENT"><C:prop name="UID"/>
    <C:prop name="DTSTART"/><C:prop name="RECURRENCE-ID"/></C:comp></C:comp>
    <C:expand start="20261109T000000Z" end="20261123T000000Z"/></C:calendar-data></D:prop>
    <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:time-range
    start="20261109T000000Z" end="20261123T000000Z"/></C:comp-filter></C:comp-filter></C:filter>
    </C:calendar-query>)",
                      {{"Depth", "1"}});
  ASSERT_EQ(r.status, 207) << r.body;
  std::string data =
      ParseMultiStatus(r.body)
          .props[std::string(kCal) + "w.ics"]["{urn:ietf:params:xml:ns:caldav}calendar-data"]
          .text;
  EXPECT_NE(data.find("RECURRENCE-ID:20261109T080000Z"), std::string::npos) << data;
  EXPECT_NE(data.find("RECURRENCE-ID:20261116T080000Z"), std::string::npos) << data;
  EXPECT_EQ(data.find("RRULE"), std::string::npos) << "expanded instances carry no rule";
  EXPECT_EQ(data.find("LOCATION"), std::string::npos) << "LOCATION was not asked for";
  EXPECT_EQ(data.find("20261102T080000Z"), std::string::npos) << "instances outside the range";
}

}  // namespace
}  // namespace cartable
