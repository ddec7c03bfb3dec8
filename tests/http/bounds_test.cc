// Bounds on the work one DAV request may cause ([limits] in the config file): properties per
// request, bytes of a multistatus answer, XML depth and element count, recurrence instances per
// expand / free-busy request. Each bound is tested at its edge and past it, with the status and
// DAV:error element a client gets, and nothing stored by a refused request.
#include <gtest/gtest.h>

#include "tests/testlib/test_server.h"

namespace cartable {
namespace {

using testlib::ParseMultiStatus;
using testlib::Reply;
using testlib::TestServer;

constexpr const char* kCal = "/dav/calendars/jlabert/agenda/";
const std::vector<std::pair<std::string, std::string>> kIcsType = {
    {"Content-Type", "text/calendar; charset=utf-8"}};

// `n` distinct property names in the namespace urn:x.
std::string Names(int n, const std::string& tag = "") {
  std::string out;
  for (int i = 0; i < n; ++i) {
    out += "<x:p" + std::to_string(i) + ">" + tag + "</x:p" + std::to_string(i) + ">";
  }
  return out;
}

std::string Propfind(const std::string& names) {
  return R"(<d:propfind xmlns:d="DAV:" xmlns:x="urn:x"><d:prop>)" + names +
         "</d:prop></d:propfind>";
}

std::string Proppatch(const std::string& names) {
  return R"(<d:propertyupdate xmlns:d="DAV:" xmlns:x="urn:x"><d:set><d:prop>)" + names +
         "</d:prop></d:set></d:propertyupdate>";
}

// A daily event starting 2026-01-05 08:00 UTC, for ten years.
std::string DailyForTenYears(const std::string& uid) {
  return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Cartable//Tests//FR\r\nBEGIN:VEVENT\r\nUID:" +
         uid +
         "\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:20260105T080000Z\r\nDTEND:20260105T090000Z\r\n"
         "RRULE:FREQ=DAILY;COUNT=3650\r\nSUMMARY:Permanence\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
}

std::string ExpandQuery(const std::string& start, const std::string& end) {
  return R"(<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop><C:calendar-data><C:expand start=")" +
         start + R"(" end=")" + end + R"("/></C:calendar-data></D:prop>
  <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">
    <C:time-range start=")" +
         start + R"(" end=")" + end + R"("/>
  </C:comp-filter></C:comp-filter></C:filter></C:calendar-query>)";
}

std::string FreeBusyQuery(const std::string& start, const std::string& end) {
  return R"(<C:free-busy-query xmlns:C="urn:ietf:params:xml:ns:caldav"><C:time-range start=")" +
         start + R"(" end=")" + end + R"("/></C:free-busy-query>)";
}

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

class BoundsTest : public ::testing::Test {
 protected:
  explicit BoundsTest(void (*tweak)(server::Config&) = nullptr) : server_(tweak) {}
  void SetUp() override {
    server_.AddUser("jlabert", "pw", "Jean Labert", "jean.labert@ac-orleans-tours.fr");
    server_.SetDefaultUser("jlabert", "pw");
  }
  TestServer server_;
};

TEST_F(BoundsTest, PropertiesPerPropfindAreBounded) {
  // The default bound is 1000 names: a client's largest PROPFIND asks for a few dozen.
  Reply ok = server_.As("PROPFIND", kCal, Propfind(Names(1000)), {{"Depth", "0"}});
  EXPECT_EQ(ok.status, 207);
  Reply r = server_.As("PROPFIND", kCal, Propfind(Names(1001)), {{"Depth", "1"}});
  EXPECT_EQ(r.status, 413) << r.body;
  EXPECT_NE(r.body.find("max_properties_per_request"), std::string::npos) << r.body;
  // The same bound in a REPORT's DAV:prop.
  Reply report = server_.As("REPORT", kCal,
                            R"(<C:calendar-multiget xmlns:D="DAV:" xmlns:x="urn:x" )"
                            R"(xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop>)" +
                                Names(1001) + "</D:prop><D:href>" + kCal +
                                "a.ics</D:href></C:calendar-multiget>",
                            {{"Depth", "1"}});
  EXPECT_EQ(report.status, 413) << report.body;
}

TEST_F(BoundsTest, UpdatesPerProppatchAreBoundedAndNothingIsStored) {
  Reply r = server_.As("PROPPATCH", kCal, Proppatch(Names(1001, "v")));
  EXPECT_EQ(r.status, 413) << r.body;
  EXPECT_NE(r.body.find("max_properties_per_request"), std::string::npos) << r.body;
  Reply after = server_.As("PROPFIND", kCal, Propfind("<x:p0/>"), {{"Depth", "0"}});
  ASSERT_EQ(after.status, 207);
  EXPECT_EQ(ParseMultiStatus(after.body).props[kCal]["{urn:x}p0"].status, 404) << after.body;
  EXPECT_EQ(server_.As("PROPPATCH", kCal, Proppatch(Names(1000, "v"))).status, 207);
}

TEST_F(BoundsTest, DeepXmlBodyIsRefused) {
  std::string deep = R"(<d:propfind xmlns:d="DAV:">)";
  for (int i = 0; i < 20000; ++i) deep += "<d:prop>";
  for (int i = 0; i < 20000; ++i) deep += "</d:prop>";
  deep += "</d:propfind>";
  Reply r = server_.As("PROPFIND", kCal, deep, {{"Depth", "0"}});
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("max_xml_depth"), std::string::npos) << r.body;
  // PROPPATCH, REPORT and MKCALENDAR parse through the same door.
  EXPECT_EQ(server_.As("PROPPATCH", kCal, deep).status, 400);
  EXPECT_EQ(server_.As("REPORT", kCal, deep, {{"Depth", "1"}}).status, 400);
  EXPECT_EQ(server_
                .As("MKCALENDAR", "/dav/calendars/jlabert/deep/", deep,
                    {{"Content-Type", "application/xml"}})
                .status,
            400);
  EXPECT_EQ(server_.As("GET", "/dav/calendars/jlabert/deep/").status, 404) << "nothing created";
}

void SmallAnswers(server::Config& c) {
  c.max_response_bytes = 16 << 10;
  c.max_xml_elements = 1000;
  c.max_instances_per_request = 100;
}

class SmallBoundsTest : public BoundsTest {
 protected:
  SmallBoundsTest() : BoundsTest(SmallAnswers) {}
  void PutEvents(int n) {
    for (int i = 0; i < n; ++i) {
      std::string uid = "e" + std::to_string(i);
      std::string ics =
          "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Cartable//Tests//FR\r\nBEGIN:VEVENT\r\n"
          "UID:" +
          uid +
          "\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:20261124T080000Z\r\n"
          "DTEND:20261124T090000Z\r\nSUMMARY:" +
          std::string(200, 'x') + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
      ASSERT_EQ(server_.As("PUT", std::string(kCal) + uid + ".ics", ics, kIcsType).status, 201);
    }
  }
};

TEST_F(SmallBoundsTest, AnswerBeyondMaxResponseBytesIs507) {
  PutEvents(60);  // 60 members of ~400 bytes of calendar data: ~30 KB of answer
  const std::string data =
      R"(<d:propfind xmlns:d="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><d:prop>)"
      R"(<d:getetag/><C:calendar-data/></d:prop></d:propfind>)";
  Reply r = server_.As("PROPFIND", kCal, data, {{"Depth", "1"}});
  EXPECT_EQ(r.status, 507) << r.body.substr(0, 300);
  EXPECT_NE(r.body.find("number-of-matches-within-limits"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("max_response_bytes"), std::string::npos) << r.body;
  // What fits is answered as before.
  Reply etags = server_.As("PROPFIND", kCal, Propfind("<d:getetag/>"), {{"Depth", "0"}});
  EXPECT_EQ(etags.status, 207);
  Reply one = server_.As("PROPFIND", std::string(kCal) + "e1.ics", data, {{"Depth", "0"}});
  EXPECT_EQ(one.status, 207);
  // REPORTs share the bound.
  const std::string query =
      R"(<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">)"
      R"(<D:prop><C:calendar-data/></D:prop><C:filter><C:comp-filter name="VCALENDAR"/>)"
      R"(</C:filter></C:calendar-query>)";
  Reply q = server_.As("REPORT", kCal, query, {{"Depth", "1"}});
  EXPECT_EQ(q.status, 507) << q.body.substr(0, 300);
  const std::string sync =
      R"(<D:sync-collection xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">)"
      R"(<D:sync-token/><D:sync-level>1</D:sync-level><D:prop><C:calendar-data/></D:prop>)"
      R"(</D:sync-collection>)";
  Reply s = server_.As("REPORT", kCal, sync, {{"Depth", "1"}});
  EXPECT_EQ(s.status, 507) << s.body.substr(0, 300);
}

TEST_F(SmallBoundsTest, MultigetBeyondMaxXmlElementsIs413) {
  auto multiget = [&](int hrefs) {
    std::string body =
        R"(<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">)"
        R"(<D:prop><D:getetag/></D:prop>)";
    for (int i = 0; i < hrefs; ++i) {
      body += "<D:href>" + std::string(kCal) + "n" + std::to_string(i) + ".ics</D:href>";
    }
    return server_.As("REPORT", kCal, body + "</C:calendar-multiget>", {{"Depth", "1"}});
  };
  EXPECT_EQ(multiget(100).status, 207);
  Reply r = multiget(1000);  // 1003 elements with the root and DAV:prop
  EXPECT_EQ(r.status, 413) << r.body;
  EXPECT_NE(r.body.find("max_xml_elements"), std::string::npos) << r.body;
}

TEST_F(SmallBoundsTest, ExpandIsBoundedPerRequestNotPerEvent) {
  ASSERT_EQ(server_.As("PUT", std::string(kCal) + "daily.ics", DailyForTenYears("daily"), kIcsType)
                .status,
            201);
  // A week of a ten-year daily event: 7 instances, far below the bound of 100.
  Reply week = server_.As("REPORT", kCal, ExpandQuery("20261123T000000Z", "20261130T000000Z"),
                          {{"Depth", "1"}});
  ASSERT_EQ(week.status, 207) << week.body;
  EXPECT_EQ(Count(week.body, "RECURRENCE-ID"), 7u) << week.body;
  // Two events of 60 instances each: each is under the bound, the request is not.
  ASSERT_EQ(
      server_.As("PUT", std::string(kCal) + "daily2.ics", DailyForTenYears("daily2"), kIcsType)
          .status,
      201);
  Reply months = server_.As("REPORT", kCal, ExpandQuery("20261101T000000Z", "20261231T000000Z"),
                            {{"Depth", "1"}});
  EXPECT_EQ(months.status, 507) << months.body.substr(0, 300);
  EXPECT_NE(months.body.find("number-of-matches-within-limits"), std::string::npos);
  EXPECT_NE(months.body.find("max_instances_per_request"), std::string::npos) << months.body;
  // The same through a multiget.
  Reply multiget = server_.As(
      "REPORT", kCal,
      R"(<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop>)"
      R"(<C:calendar-data><C:expand start="20261101T000000Z" end="20261231T000000Z"/>)"
      R"(</C:calendar-data></D:prop><D:href>/dav/calendars/jlabert/agenda/daily.ics</D:href>)"
      R"(<D:href>/dav/calendars/jlabert/agenda/daily2.ics</D:href></C:calendar-multiget>)",
      {{"Depth", "1"}});
  EXPECT_EQ(multiget.status, 507) << multiget.body.substr(0, 300);
}

TEST_F(SmallBoundsTest, FreeBusyIsBoundedPerRequest) {
  ASSERT_EQ(server_.As("PUT", std::string(kCal) + "daily.ics", DailyForTenYears("daily"), kIcsType)
                .status,
            201);
  Reply week = server_.As("REPORT", kCal, FreeBusyQuery("20261123T000000Z", "20261130T000000Z"),
                          {{"Depth", "1"}});
  ASSERT_EQ(week.status, 200) << week.body;
  EXPECT_NE(week.body.find("20261123T080000Z/20261123T090000Z"), std::string::npos) << week.body;
  Reply year = server_.As("REPORT", kCal, FreeBusyQuery("20260101T000000Z", "20270101T000000Z"),
                          {{"Depth", "1"}});
  EXPECT_EQ(year.status, 507) << year.body;
  EXPECT_NE(year.body.find("max_instances_per_request"), std::string::npos) << year.body;
  // The scheduling outbox (RFC 6638 §5) shares the bound across its recipients.
  auto post = [&](const std::string& start, const std::string& end) {
    std::string fb =
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Tests//FR\r\nMETHOD:REQUEST\r\n"
        "BEGIN:VFREEBUSY\r\nUID:fb-1\r\nDTSTAMP:20261120T080000Z\r\nDTSTART:" +
        start + "\r\nDTEND:" + end +
        "\r\nORGANIZER:mailto:jean.labert@ac-orleans-tours.fr\r\n"
        "ATTENDEE:mailto:jean.labert@ac-orleans-tours.fr\r\nEND:VFREEBUSY\r\nEND:VCALENDAR\r\n";
    return server_.As("POST", "/dav/calendars/jlabert/outbox/", fb, kIcsType);
  };
  Reply small = post("20261123T000000Z", "20261130T000000Z");
  EXPECT_EQ(small.status, 200) << small.body;
  EXPECT_NE(small.body.find("2.0;Success"), std::string::npos) << small.body;
  Reply big = post("20260101T000000Z", "20270101T000000Z");
  EXPECT_EQ(big.status, 507) << big.body;
}

}  // namespace
}  // namespace cartable
