// Request sequences of real clients' discovery and first sync, built from their documented
// behaviour (docs/clients.md): Thunderbird's CalDavCalendar and Apple's recorded macOS
// requests. Each step asserts the properties the client reads.
#include <gtest/gtest.h>

#include "tests/testlib/test_server.h"

namespace cartable {
namespace {

using testlib::ParseMultiStatus;
using testlib::TestServer;

constexpr const char* kCal = "/dav/calendars/jlabert/agenda/";
constexpr const char* kC = "{urn:ietf:params:xml:ns:caldav}";
constexpr const char* kCS = "{http://calendarserver.org/ns/}";

const std::string kEvent =
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN\r\n"
    "BEGIN:VEVENT\r\nUID:0d6a3c1e-tb\r\nDTSTAMP:20261120T100000Z\r\n"
    "DTSTART;TZID=Europe/Paris:20261125T140000\r\nDTEND;TZID=Europe/Paris:20261125T150000\r\n"
    "SUMMARY:Conseil de classe 4e B\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

class ClientSequenceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.AddUser("jlabert", "pw", "Jean Labert", "jean.labert@ac-orleans-tours.fr");
    server_.SetDefaultUser("jlabert", "pw");
    ASSERT_EQ(server_
                  .As("PUT", std::string(kCal) + "seed.ics",
                      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:seed\r\n"
                      "DTSTAMP:20261101T000000Z\r\nDTSTART:20261124T080000Z\r\n"
                      "DTEND:20261124T090000Z\r\nSUMMARY:Seed\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
                      {{"Content-Type", "text/calendar"}})
                  .status,
              201);
  }
  TestServer server_;
};

TEST_F(ClientSequenceTest, Thunderbird) {
  // 1. OPTIONS on the parent of the calendar URL: the DAV header decides calendar support.
  auto options = server_.As("OPTIONS", "/dav/calendars/jlabert/");
  EXPECT_EQ(options.status, 200);
  EXPECT_NE(options.Header("dav").find("calendar-access"), std::string::npos);
  // 2. checkDavResourceType.
  auto r = server_.As("PROPFIND", kCal, R"(<?xml version="1.0" encoding="UTF-8"?>
<D:propfind xmlns:D="DAV:" xmlns:CS="http://calendarserver.org/ns/" xmlns:C="urn:ietf:params:xml:ns:caldav">
<D:prop><D:resourcetype/><D:owner/><D:current-user-principal/><D:current-user-privilege-set/>
<D:supported-report-set/><C:supported-calendar-component-set/><CS:getctag/></D:prop></D:propfind>)",
                      {{"Depth", "0"}});
  ASSERT_EQ(r.status, 207);
  auto p = ParseMultiStatus(r.body).props[kCal];
  EXPECT_NE(p["{DAV:}resourcetype"].xml.find("calendar"), std::string::npos);
  EXPECT_NE(p["{DAV:}current-user-principal"].xml.find("/dav/principals/users/jlabert/"),
            std::string::npos);
  EXPECT_NE(p["{DAV:}owner"].xml.find("/dav/principals/users/jlabert/"), std::string::npos);
  EXPECT_NE(p["{DAV:}current-user-privilege-set"].xml.find("write"), std::string::npos)
      << "else Thunderbird marks the calendar read-only";
  EXPECT_NE(p["{DAV:}supported-report-set"].xml.find("sync-collection"), std::string::npos)
      << "Thunderbird then syncs with sync-collection instead of the ctag";
  EXPECT_NE(p[std::string(kC) + "supported-calendar-component-set"].xml.find("VEVENT"),
            std::string::npos);
  EXPECT_FALSE(p[std::string(kCS) + "getctag"].text.empty());
  // 3. checkPrincipalsNameSpace.
  auto pr = server_.As("PROPFIND", "/dav/principals/users/jlabert/", R"(<D:propfind xmlns:D="DAV:"
    xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><C:calendar-home-set/><C:calendar-user-address-set/>
    <C:schedule-inbox-URL/><C:schedule-outbox-URL/></D:prop></D:propfind>)",
                       {{"Depth", "0"}});
  auto pp = ParseMultiStatus(pr.body).props["/dav/principals/users/jlabert/"];
  EXPECT_NE(pp[std::string(kC) + "calendar-home-set"].xml.find("/dav/calendars/jlabert/"),
            std::string::npos);
  const std::string& cuas = pp[std::string(kC) + "calendar-user-address-set"].xml;
  ASSERT_NE(cuas.find("mailto:"), std::string::npos);
  EXPECT_LT(cuas.find("mailto:"), cuas.find("/dav/principals/")) << "the first href is mailto:";
  // 4. First sync: sync-collection with Depth 1 (Thunderbird sends it), then multiget.
  auto sync = server_.As("REPORT", kCal, R"(<?xml version="1.0" encoding="UTF-8"?>
<sync-collection xmlns="DAV:"><sync-token/><sync-level>1</sync-level><prop><getcontenttype/>
<getetag/></prop></sync-collection>)",
                         {{"Depth", "1"}});
  ASSERT_EQ(sync.status, 207) << sync.body;
  auto sp = ParseMultiStatus(sync.body).props[std::string(kCal) + "seed.ics"];
  EXPECT_EQ(sp["{DAV:}getetag"].status, 200);
  EXPECT_NE(sp["{DAV:}getcontenttype"].text.find("text/calendar"), std::string::npos);
  auto mg = server_.As("REPORT", kCal, R"(<C:calendar-multiget xmlns:D="DAV:"
    xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/><C:calendar-data/></D:prop>
    <D:href>/dav/calendars/jlabert/agenda/seed.ics</D:href></C:calendar-multiget>)",
                       {{"Depth", "1"}});
  EXPECT_NE(mg.body.find("UID:seed"), std::string::npos);
  // 5. A new item: PUT as <UID>.ics with If-None-Match: *.
  auto put = server_.As("PUT", std::string(kCal) + "0d6a3c1e-tb.ics", kEvent,
                        {{"Content-Type", "text/calendar; charset=utf-8"}, {"If-None-Match", "*"}});
  EXPECT_EQ(put.status, 201);
  EXPECT_FALSE(put.Header("etag").empty());
  auto again =
      server_.As("PUT", std::string(kCal) + "0d6a3c1e-tb.ics", kEvent,
                 {{"Content-Type", "text/calendar; charset=utf-8"}, {"If-None-Match", "*"}});
  EXPECT_EQ(again.status, 412) << "a clear 412 the client can recover from";
}

TEST_F(ClientSequenceTest, AppleCalendar) {
  const std::vector<std::pair<std::string, std::string>> brief = {
      {"Depth", "0"}, {"Brief", "t"}, {"Prefer", "return=minimal"}};
  // 1. Well-known.
  auto wk = server_.As("PROPFIND", "/.well-known/caldav", R"(<A:propfind xmlns:A="DAV:"><A:prop>
    <A:current-user-principal/><A:principal-URL/><A:resourcetype/></A:prop></A:propfind>)",
                       brief);
  ASSERT_EQ(wk.status, 207);
  EXPECT_NE(wk.body.find("/dav/principals/users/jlabert/"), std::string::npos);
  // 2. The principal.
  auto pr = server_.As("PROPFIND", "/dav/principals/users/jlabert/", R"(<A:propfind xmlns:A="DAV:"
    xmlns:B="urn:ietf:params:xml:ns:caldav" xmlns:C="http://calendarserver.org/ns/"><A:prop>
    <B:calendar-home-set/><B:calendar-user-address-set/><A:current-user-principal/><A:displayname/>
    <C:dropbox-home-URL/><C:email-address-set/><C:notification-URL/><A:principal-collection-set/>
    <A:principal-URL/><A:resource-id/><B:schedule-inbox-URL/><B:schedule-outbox-URL/>
    <A:supported-report-set/></A:prop></A:propfind>)",
                       brief);
  ASSERT_EQ(pr.status, 207);
  auto pp = ParseMultiStatus(pr.body).props["/dav/principals/users/jlabert/"];
  EXPECT_EQ(pp.count("{DAV:}resource-id"), 0u) << "minimal: no 404 propstat";
  EXPECT_EQ(pp["{DAV:}displayname"].text, "Jean Labert");
  EXPECT_EQ(pp[std::string(kCS) + "email-address-set"].status, 200);
  EXPECT_EQ(pp["{DAV:}principal-collection-set"].status, 200);
  // 3. Depth-1 PROPFIND on the home with the properties macOS asks for.
  auto home = server_.As("PROPFIND", "/dav/calendars/jlabert/", R"(<A:propfind xmlns:A="DAV:"
    xmlns:B="urn:ietf:params:xml:ns:caldav" xmlns:C="http://calendarserver.org/ns/"
    xmlns:D="http://apple.com/ns/ical/" xmlns:E="http://me.com/_namespace/"><A:prop>
    <A:add-member/><C:allowed-sharing-modes/><C:autoprovisioned/><E:bulk-requests/>
    <D:calendar-color/><B:calendar-description/><B:calendar-free-busy-set/><D:calendar-order/>
    <B:calendar-timezone/><A:current-user-privilege-set/><B:default-alarm-vevent-date/>
    <B:default-alarm-vevent-datetime/><A:displayname/><C:getctag/><C:invite/><D:language-code/>
    <D:location-code/><A:owner/><C:pre-publish-url/><C:publish-url/><C:push-transports/>
    <C:pushkey/><A:quota-available-bytes/><A:quota-used-bytes/><D:refreshrate/><A:resource-id/>
    <A:resourcetype/><B:schedule-calendar-transp/><B:schedule-default-calendar-URL/>
    <C:source/><C:subscribed-strip-alarms/><C:subscribed-strip-attachments/>
    <C:subscribed-strip-todos/><B:supported-calendar-component-set/>
    <B:supported-calendar-component-sets/><A:supported-report-set/><A:sync-token/>
    </A:prop></A:propfind>)",
                         {{"Depth", "1"}, {"Brief", "t"}, {"Prefer", "return=minimal"}});
  ASSERT_EQ(home.status, 207) << home.body;
  auto hm = ParseMultiStatus(home.body);
  auto& cal = hm.props[kCal];
  EXPECT_NE(cal["{DAV:}resourcetype"].xml.find("calendar"), std::string::npos);
  EXPECT_EQ(cal["{DAV:}displayname"].text, "Agenda");
  EXPECT_FALSE(cal[std::string(kCS) + "getctag"].text.empty());
  EXPECT_FALSE(cal["{DAV:}sync-token"].text.empty());
  EXPECT_NE(cal["{DAV:}current-user-privilege-set"].xml.find("write"), std::string::npos);
  EXPECT_EQ(home.body.find("404 Not Found"), std::string::npos);
  // 4. sync-collection on the home itself.
  auto hs = server_.As("REPORT", "/dav/calendars/jlabert/", R"(<A:sync-collection xmlns:A="DAV:">
    <A:sync-token/><A:sync-level>1</A:sync-level><A:prop><A:getetag/></A:prop></A:sync-collection>)",
                       {{"Depth", "0"}});
  EXPECT_EQ(hs.status, 207);
  EXPECT_NE(hs.body.find("sync-token"), std::string::npos);
  // 5. Three-week calendar-query for etags, then multiget.
  auto q = server_.As("REPORT", kCal, R"(<B:calendar-query xmlns:A="DAV:"
    xmlns:B="urn:ietf:params:xml:ns:caldav"><A:prop><A:getetag/><A:getcontenttype/></A:prop>
    <B:filter><B:comp-filter name="VCALENDAR"><B:comp-filter name="VEVENT"><B:time-range
    start="20261116T000000Z" end="20261207T000000Z"/></B:comp-filter></B:comp-filter></B:filter>
    </B:calendar-query>)",
                      {{"Depth", "1"}});
  ASSERT_EQ(q.status, 207);
  EXPECT_EQ(ParseMultiStatus(q.body).props[std::string(kCal) + "seed.ics"]["{DAV:}getetag"].status,
            200);
}

}  // namespace
}  // namespace cartable
