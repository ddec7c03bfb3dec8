// Collection settings over HTTP: what a client sets with PROPPATCH / MKCALENDAR comes back
// equivalent in PROPFIND (and in the JSON API), invalid values are refused with a precondition or
// 409 and a reason, DAV:remove removes. The server keeps them typed (store.h CollectionSettings).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/testlib/test_server.h"

namespace cartable {
namespace {

using testlib::ParseMultiStatus;
using testlib::PropValue;
using testlib::Reply;
using testlib::TestServer;

constexpr const char* kCal = "/dav/calendars/jlabert/agenda/";
constexpr const char* kInbox = "/dav/calendars/jlabert/inbox/";
constexpr const char* kC = "{urn:ietf:params:xml:ns:caldav}";
constexpr const char* kA = "{http://apple.com/ns/ical/}";
constexpr const char* kNs =
    R"(xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:A="http://apple.com/ns/ical/")";

const std::string kParis =
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Apple Inc.//iCal 5.0//EN\r\nBEGIN:VTIMEZONE\r\n"
    "TZID:Europe/Paris\r\nBEGIN:DAYLIGHT\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\n"
    "DTSTART:19810329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nTZNAME:CEST\r\n"
    "END:DAYLIGHT\r\nBEGIN:STANDARD\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\n"
    "DTSTART:19961027T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nTZNAME:CET\r\n"
    "END:STANDARD\r\nEND:VTIMEZONE\r\nEND:VCALENDAR\r\n";

std::string Lf(std::string s) {
  for (size_t i = s.find("\r\n"); i != std::string::npos; i = s.find("\r\n", i)) s.erase(i, 1);
  return s;
}

class SettingsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.AddUser("jlabert", "pw", "Jean Labert", "jean.labert@ac-orleans-tours.fr");
    server_.AddUser("mdupont", "pw", "Marie Dupont", "marie.dupont@ac-orleans-tours.fr");
    server_.SetDefaultUser("jlabert", "pw");
    // Creates both homes.
    ASSERT_EQ(server_.As("PROPFIND", kCal, "", {{"Depth", "0"}}).status, 207);
    ASSERT_EQ(server_
                  .Request("PROPFIND", "/dav/calendars/mdupont/agenda/", "", {{"Depth", "0"}},
                           "mdupont", "pw")
                  .status,
              207);
  }
  Reply Patch(const std::string& path, const std::string& op, const std::string& props) {
    return server_.As("PROPPATCH", path,
                      std::string("<D:propertyupdate ") + kNs + "><D:" + op + "><D:prop>" + props +
                          "</D:prop></D:" + op + "></D:propertyupdate>");
  }
  // The status of `prop` (Clark name) in a PROPPATCH answer for `path`.
  int PatchStatus(const Reply& r, const std::string& path, const std::string& prop) {
    EXPECT_EQ(r.status, 207) << r.body;
    return ParseMultiStatus(r.body).props[path][prop].status;
  }
  PropValue Get(const std::string& path, const std::string& prop_xml, const std::string& clark) {
    auto r = server_.As(
        "PROPFIND", path,
        std::string("<D:propfind ") + kNs + "><D:prop>" + prop_xml + "</D:prop></D:propfind>",
        {{"Depth", "0"}});
    EXPECT_EQ(r.status, 207) << r.body;
    return ParseMultiStatus(r.body).props[path][clark];
  }
  TestServer server_;
};

TEST_F(SettingsTest, EachSettingRoundTripsAndRemoves) {
  struct Case {
    std::string set;    // the property element sent
    std::string empty;  // the property element asked for
    std::string clark;
    std::string text;  // the text PROPFIND must give back
  };
  const std::vector<Case> cases = {
      {"<D:displayname>Conseils &amp; réunions</D:displayname>", "<D:displayname/>",
       "{DAV:}displayname", "Conseils & réunions"},
      {R"(<C:calendar-description xml:lang="fr">Visites d'inspection</C:calendar-description>)",
       "<C:calendar-description/>", std::string(kC) + "calendar-description",
       "Visites d'inspection"},
      // XML parsing turns CRLF into LF (XML 1.0 §2.11); iCalendar parsers take either.
      {"<C:calendar-timezone><![CDATA[" + kParis + "]]></C:calendar-timezone>",
       "<C:calendar-timezone/>", std::string(kC) + "calendar-timezone", Lf(kParis)},
      // Apple writes the colour with a symbolic-color attribute and alpha.
      {R"(<A:calendar-color symbolic-color="custom">#FF2968FF</A:calendar-color>)",
       "<A:calendar-color/>", std::string(kA) + "calendar-color", "#FF2968FF"},
      {"<A:calendar-order>12</A:calendar-order>", "<A:calendar-order/>",
       std::string(kA) + "calendar-order", "12"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(PatchStatus(Patch(kCal, "set", c.set), kCal, c.clark), 200) << c.clark;
    PropValue v = Get(kCal, c.empty, c.clark);
    EXPECT_EQ(v.status, 200) << c.clark;
    EXPECT_EQ(v.text, c.text) << c.clark;
    EXPECT_EQ(PatchStatus(Patch(kCal, "remove", c.empty), kCal, c.clark), 200) << c.clark;
    EXPECT_EQ(Get(kCal, c.empty, c.clark).status, 404) << c.clark << " removed";
  }
  // Thunderbird's colour: #RRGGBB, lower case, kept as written.
  Patch(kCal, "set", "<A:calendar-color>#3a87ad</A:calendar-color>");
  EXPECT_EQ(Get(kCal, "<A:calendar-color/>", std::string(kA) + "calendar-color").text, "#3a87ad");
  // Negative and spaced orders are integers too.
  Patch(kCal, "set", "<A:calendar-order> -4 </A:calendar-order>");
  EXPECT_EQ(Get(kCal, "<A:calendar-order/>", std::string(kA) + "calendar-order").text, "-4");
}

TEST_F(SettingsTest, TranspAndDefaultCalendarHaveDefaults) {
  const std::string transp = std::string(kC) + "schedule-calendar-transp";
  EXPECT_NE(Get(kCal, "<C:schedule-calendar-transp/>", transp).xml.find("opaque"),
            std::string::npos);
  Patch(kCal, "set", "<C:schedule-calendar-transp><C:transparent/></C:schedule-calendar-transp>");
  EXPECT_NE(Get(kCal, "<C:schedule-calendar-transp/>", transp).xml.find("transparent"),
            std::string::npos);
  EXPECT_EQ(PatchStatus(Patch(kCal, "remove", "<C:schedule-calendar-transp/>"), kCal, transp), 200);
  EXPECT_NE(Get(kCal, "<C:schedule-calendar-transp/>", transp).xml.find("opaque"),
            std::string::npos)
      << "RFC 6638 §9.1: opaque when not set";

  const std::string url = std::string(kC) + "schedule-default-calendar-URL";
  auto href_of = [&] {
    std::string xml = Get(kInbox, "<C:schedule-default-calendar-URL/>", url).xml;
    size_t start = xml.find('>') + 1;
    return xml.substr(start, xml.find('<', start) - start);
  };
  EXPECT_EQ(href_of(), kCal) << "the first calendar taking events";
  ASSERT_EQ(server_.As("MKCALENDAR", "/dav/calendars/jlabert/cours/").status, 201);
  EXPECT_EQ(PatchStatus(Patch(kInbox, "set",
                              "<C:schedule-default-calendar-URL><D:href>/dav/calendars/jlabert/"
                              "cours/</D:href></C:schedule-default-calendar-URL>"),
                        kInbox, url),
            200);
  EXPECT_EQ(href_of(), "/dav/calendars/jlabert/cours/");
  // The setting names the calendar, not its path: it follows a MOVE.
  ASSERT_EQ(server_
                .As("MOVE", "/dav/calendars/jlabert/cours/", "",
                    {{"Destination", "/dav/calendars/jlabert/lecons/"}})
                .status,
            201);
  EXPECT_EQ(href_of(), "/dav/calendars/jlabert/lecons/");
  EXPECT_EQ(PatchStatus(Patch(kInbox, "remove", "<C:schedule-default-calendar-URL/>"), kInbox, url),
            200);
  EXPECT_EQ(href_of(), kCal);
}

TEST_F(SettingsTest, InvalidValuesAreRefusedWithAReason) {
  struct Case {
    std::string set;
    std::string clark;
    int code;
    std::string precondition;  // "" = none (409)
  };
  const std::vector<Case> cases = {
      {"<A:calendar-color>red</A:calendar-color>", std::string(kA) + "calendar-color", 409, ""},
      {"<A:calendar-color>#12345</A:calendar-color>", std::string(kA) + "calendar-color", 409, ""},
      {"<A:calendar-order>first</A:calendar-order>", std::string(kA) + "calendar-order", 409, ""},
      {"<C:calendar-timezone>BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nEND:VCALENDAR\r\n"
       "</C:calendar-timezone>",
       std::string(kC) + "calendar-timezone", 403, "valid-calendar-data"},
      {"<C:calendar-timezone>Europe/Paris</C:calendar-timezone>",
       std::string(kC) + "calendar-timezone", 403, "valid-calendar-data"},
      {"<C:calendar-timezone><![CDATA[" + kParis.substr(0, kParis.size() - 15) +
           kParis.substr(kParis.find("BEGIN:VTIMEZONE")) + "]]></C:calendar-timezone>",
       std::string(kC) + "calendar-timezone", 403, "valid-calendar-data"},  // two VTIMEZONEs
      {"<C:schedule-calendar-transp><C:sometimes/></C:schedule-calendar-transp>",
       std::string(kC) + "schedule-calendar-transp", 403, "valid-schedule-calendar-transp"},
  };
  for (const Case& c : cases) {
    Reply r = Patch(kCal, "set", "<D:displayname>Jamais</D:displayname>" + c.set);
    EXPECT_EQ(PatchStatus(r, kCal, c.clark), c.code) << c.set << r.body;
    EXPECT_EQ(PatchStatus(r, kCal, "{DAV:}displayname"), 424) << "all or nothing";
    EXPECT_NE(r.body.find("responsedescription"), std::string::npos) << r.body;
    if (!c.precondition.empty()) {
      EXPECT_NE(r.body.find(c.precondition), std::string::npos) << r.body;
    }
    EXPECT_EQ(Get(kCal, "<D:displayname/>", "{DAV:}displayname").text, "Agenda") << c.set;
  }
  Reply r = Patch(kInbox, "set",
                  "<C:schedule-default-calendar-URL><D:href>/dav/calendars/mdupont/agenda/"
                  "</D:href></C:schedule-default-calendar-URL>");
  EXPECT_EQ(PatchStatus(r, kInbox, std::string(kC) + "schedule-default-calendar-URL"), 403);
  EXPECT_NE(r.body.find("valid-schedule-default-calendar-URL"), std::string::npos) << r.body;
}

TEST_F(SettingsTest, MkcalendarTakesSettingsAllOrNothing) {
  const std::string path = "/dav/calendars/jlabert/inspections/";
  auto mk = [&](const std::string& props) {
    return server_.As("MKCALENDAR", path,
                      std::string("<C:mkcalendar ") + kNs + "><D:set><D:prop>" + props +
                          "</D:prop></D:set></C:mkcalendar>",
                      {{"Content-Type", "application/xml"}});
  };
  Reply bad =
      mk("<D:displayname>Inspections</D:displayname><C:calendar-timezone>nope"
         "</C:calendar-timezone>");
  EXPECT_EQ(bad.status, 403);
  EXPECT_NE(bad.body.find("valid-calendar-data"), std::string::npos) << bad.body;
  EXPECT_EQ(server_.As("PROPFIND", path, "", {{"Depth", "0"}}).status, 404) << "not created";
  bad =
      mk("<C:supported-calendar-component-set><C:comp name=\"VCARD\"/>"
         "</C:supported-calendar-component-set>");
  EXPECT_EQ(bad.status, 403);
  EXPECT_NE(bad.body.find("supported-calendar-component"), std::string::npos) << bad.body;

  ASSERT_EQ(mk("<D:displayname>Inspections</D:displayname><A:calendar-color>#00AA00"
               "</A:calendar-color><C:schedule-calendar-transp><C:transparent/>"
               "</C:schedule-calendar-transp><C:supported-calendar-component-set>"
               "<C:comp name=\"vtodo\"/></C:supported-calendar-component-set>")
                .status,
            201);
  EXPECT_EQ(Get(path, "<D:displayname/>", "{DAV:}displayname").text, "Inspections");
  EXPECT_EQ(Get(path, "<A:calendar-color/>", std::string(kA) + "calendar-color").text, "#00AA00");
  PropValue comps = Get(path, "<C:supported-calendar-component-set/>",
                        std::string(kC) + "supported-calendar-component-set");
  EXPECT_NE(comps.xml.find("VTODO"), std::string::npos);
  EXPECT_EQ(comps.xml.find("VEVENT"), std::string::npos);
  // The component set is enforced on PUT.
  Reply put = server_.As("PUT", path + "e.ics",
                         "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:e\r\n"
                         "DTSTAMP:20261101T000000Z\r\nDTSTART:20261102T090000Z\r\nEND:VEVENT\r\n"
                         "END:VCALENDAR\r\n",
                         {{"Content-Type", "text/calendar"}});
  EXPECT_EQ(put.status, 403);
  EXPECT_NE(put.body.find("supported-calendar-component"), std::string::npos) << put.body;
}

TEST_F(SettingsTest, Depth1AllpropAndOtherCollections) {
  Patch(kCal, "set", "<A:calendar-color>#FF2968FF</A:calendar-color>");
  auto r = server_.As("PROPFIND", "/dav/calendars/jlabert/",
                      std::string("<D:propfind ") + kNs +
                          "><D:prop><D:displayname/><A:calendar-color/></D:prop></D:propfind>",
                      {{"Depth", "1"}});
  ASSERT_EQ(r.status, 207);
  auto ms = ParseMultiStatus(r.body);
  EXPECT_EQ(ms.props[kCal][std::string(kA) + "calendar-color"].text, "#FF2968FF");
  EXPECT_EQ(ms.props[kCal]["{DAV:}displayname"].text, "Agenda");
  EXPECT_EQ(ms.props["/dav/calendars/jlabert/taches/"]["{DAV:}displayname"].text, "Tâches");
  EXPECT_EQ(ms.props["/dav/calendars/jlabert/taches/"][std::string(kA) + "calendar-color"].status,
            404);
  // allprop carries the colour (as when it was a dead property), not the RFC 4791 ones.
  Patch(kCal, "set", "<C:calendar-description>d</C:calendar-description>");
  auto all = server_.As("PROPFIND", kCal, "", {{"Depth", "0"}});
  EXPECT_NE(all.body.find("#FF2968FF"), std::string::npos);
  EXPECT_EQ(all.body.find("calendar-description"), std::string::npos);

  // On a plain collection these names are dead properties: kept as sent, not validated.
  ASSERT_EQ(server_.As("MKCOL", "/dav/files/jlabert/docs/").status, 201);
  Reply dead = Patch("/dav/files/jlabert/docs/", "set",
                     "<A:calendar-color>red</A:calendar-color><D:displayname>Docs</D:displayname>");
  EXPECT_EQ(PatchStatus(dead, "/dav/files/jlabert/docs/", std::string(kA) + "calendar-color"), 200);
  EXPECT_EQ(
      Get("/dav/files/jlabert/docs/", "<A:calendar-color/>", std::string(kA) + "calendar-color")
          .text,
      "red");
  EXPECT_EQ(Get("/dav/files/jlabert/docs/", "<D:displayname/>", "{DAV:}displayname").text, "Docs");
}

TEST_F(SettingsTest, JsonApiReadsNameAndColour) {
  Patch(kCal, "set",
        "<D:displayname>Conseils</D:displayname>"
        "<A:calendar-color>#3a87ad</A:calendar-color>");
  auto r = server_.As("GET", "/api/v1/calendars");
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["calendars"][0]["name"], "Conseils");
  EXPECT_EQ(j["calendars"][0]["color"], "#3a87ad");
  Patch(kCal, "remove", "<D:displayname/>");
  j = nlohmann::json::parse(server_.As("GET", "/api/v1/calendars").body);
  EXPECT_EQ(j["calendars"][0]["name"], "agenda") << "the id when there is no name";
}

TEST_F(SettingsTest, CopyKeepsSettings) {
  Patch(kCal, "set", "<A:calendar-color>#00FF00</A:calendar-color>");
  ASSERT_EQ(server_.As("COPY", kCal, "", {{"Destination", "/dav/calendars/jlabert/copie/"}}).status,
            201);
  EXPECT_EQ(Get("/dav/calendars/jlabert/copie/", "<A:calendar-color/>",
                std::string(kA) + "calendar-color")
                .text,
            "#00FF00");
  EXPECT_EQ(Get("/dav/calendars/jlabert/copie/", "<D:displayname/>", "{DAV:}displayname").text,
            "Agenda");
}

}  // namespace
}  // namespace cartable
