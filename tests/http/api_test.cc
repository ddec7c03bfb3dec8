// The webmail's JSON API: calendars and expanded events.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/testlib/test_server.h"

namespace cartable {
namespace {

using nlohmann::json;
using testlib::TestServer;

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.AddUser("jlabert", "pw", "Jean Labert", "jean.labert@ac-orleans-tours.fr");
    server_.SetDefaultUser("jlabert", "pw");
  }
  TestServer server_;
};

TEST_F(ApiTest, ListsCalendars) {
  auto r = server_.As("GET", "/api/v1/calendars");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.Header("content-type").find("application/json"), std::string::npos);
  json j = json::parse(r.body);
  ASSERT_EQ(j["calendars"].size(), 2u);
  EXPECT_EQ(j["calendars"][0]["id"], "agenda");
  EXPECT_EQ(j["calendars"][0]["name"], "Agenda");
  EXPECT_EQ(j["calendars"][0]["components"][0], "VEVENT");
  EXPECT_EQ(j["calendars"][1]["name"], "Tâches");
}

TEST_F(ApiTest, ExpandsOccurrencesInRange) {
  ASSERT_EQ(
      server_
          .As("PROPPATCH", "/dav/calendars/jlabert/agenda/", R"(<D:propertyupdate xmlns:D="DAV:"
     xmlns:A="http://apple.com/ns/ical/"><D:set><D:prop><A:calendar-color>#3366CC</A:calendar-color>
     </D:prop></D:set></D:propertyupdate>)")
          .status,
      207);
  std::string ics =
      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:w\r\n"
      "DTSTAMP:20261101T000000Z\r\nDTSTART;TZID=Europe/Paris:20261102T090000\r\n"
      "DTEND;TZID=Europe/Paris:20261102T100000\r\nRRULE:FREQ=WEEKLY;COUNT=10\r\n"
      "SUMMARY:Réunion d'équipe\r\nLOCATION:Salle 3\r\nORGANIZER;CN=Jean "
      "Labert:mailto:jean.labert@ac-orleans-tours.fr\r\n"
      "ATTENDEE;CN=Marie Dupont;PARTSTAT=ACCEPTED:mailto:marie.dupont@ac-orleans-tours.fr\r\n"
      "END:VEVENT\r\nEND:VCALENDAR\r\n";
  ASSERT_EQ(server_
                .As("PUT", "/dav/calendars/jlabert/agenda/w.ics", ics,
                    {{"Content-Type", "text/calendar"}})
                .status,
            201);
  auto r =
      server_.As("GET", "/api/v1/calendars/agenda/events?from=2026-11-09T00:00:00Z&to=2026-11-23");
  ASSERT_EQ(r.status, 200) << r.body;
  json j = json::parse(r.body);
  ASSERT_EQ(j["events"].size(), 2u) << r.body;
  const json& e = j["events"][0];
  EXPECT_EQ(e["start"], "2026-11-09T08:00:00Z");
  EXPECT_EQ(e["end"], "2026-11-09T09:00:00Z");
  EXPECT_EQ(e["summary"], "Réunion d'équipe");
  EXPECT_EQ(e["location"], "Salle 3");
  EXPECT_EQ(e["all_day"], false);
  EXPECT_EQ(e["color"], "#3366CC");
  EXPECT_EQ(e["organizer"], "mailto:jean.labert@ac-orleans-tours.fr");
  EXPECT_EQ(e["attendees"][0]["partstat"], "ACCEPTED");
  EXPECT_EQ(e["attendees"][0]["name"], "Marie Dupont");
  EXPECT_EQ(j["events"][1]["start"], "2026-11-16T08:00:00Z");
}

TEST_F(ApiTest, ErrorsAreJson) {
  auto noauth = server_.Request("GET", "/api/v1/calendars");
  EXPECT_EQ(noauth.status, 401);
  EXPECT_TRUE(json::parse(noauth.body).contains("error"));
  auto missing = server_.As("GET", "/api/v1/calendars/nope/events?from=2026-11-01&to=2026-11-02");
  EXPECT_EQ(missing.status, 404);
  EXPECT_TRUE(json::parse(missing.body).contains("error"));
  auto bad = server_.As("GET", "/api/v1/calendars/agenda/events?from=demain");
  EXPECT_EQ(bad.status, 400);
  EXPECT_TRUE(json::parse(bad.body)["error"].is_string());
  // POST creates a calendar (issue 13): without a body it is a bad request, in JSON.
  auto post = server_.As("POST", "/api/v1/calendars");
  EXPECT_EQ(post.status, 400);
  EXPECT_TRUE(json::parse(post.body)["error"].is_string());
  auto del = server_.As("DELETE", "/api/v1/calendars");
  EXPECT_EQ(del.status, 405);
  EXPECT_TRUE(json::parse(del.body)["error"].is_string());
}

}  // namespace
}  // namespace cartable
