// The webmail's invitations and free/busy JSON API (dav/api/scheduling_api.h), over HTTP, between
// colleagues of different departments. Dates are relative to today: pending invitations are
// those still to come.
#include <gtest/gtest.h>

#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "directory/accounts.h"
#include "directory/import.h"
#include "tests/testlib/ics_text.h"
#include "tests/testlib/test_server.h"

namespace cartable {
namespace {

using nlohmann::json;
using testlib::AttendeeLine;
using testlib::Reply;
using testlib::TestServer;

constexpr const char* kJean = "jean.labert@ac-orleans-tours.fr";
constexpr const char* kMarie = "marie.dupont@ac-orleans-tours.fr";
constexpr const char* kPaul = "paul.martin@ac-orleans-tours.fr";

// "YYYYMMDDT160000Z", `days` from today.
std::string Day(int days, int hour = 16) {
  std::time_t t = std::time(nullptr) + static_cast<std::time_t>(days) * 86400;
  std::tm tm{};
  gmtime_r(&t, &tm);
  tm.tm_hour = hour;
  tm.tm_min = tm.tm_sec = 0;
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string Iso(const std::string& ical) {  // 20261201T160000Z -> 2026-12-01T16:00:00Z
  return ical.substr(0, 4) + "-" + ical.substr(4, 2) + "-" + ical.substr(6, 2) + "T" +
         ical.substr(9, 2) + ":" + ical.substr(11, 2) + ":" + ical.substr(13, 2) + "Z";
}

std::string Meeting(const std::string& uid, const std::string& start, const std::string& end,
                    const std::string& extra = "") {
  return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Tests//FR\r\nBEGIN:VEVENT\r\nUID:" + uid +
         "\r\nDTSTAMP:20261120T080000Z\r\nDTSTART:" + start + "\r\nDTEND:" + end +
         "\r\nSUMMARY:Inspection\r\nLOCATION:Collège Balzac\r\nORGANIZER;CN=Jean Labert:mailto:" +
         kJean + "\r\nATTENDEE;CN=Jean Labert;PARTSTAT=ACCEPTED:mailto:" + kJean +
         "\r\nATTENDEE;CN=Marie Dupont;PARTSTAT=NEEDS-ACTION:mailto:" + kMarie +
         "\r\nATTENDEE;CN=Paul Martin;PARTSTAT=NEEDS-ACTION:mailto:" + kPaul + "\r\n" + extra +
         "END:VEVENT\r\nEND:VCALENDAR\r\n";
}

class SchedulingApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.AddUser("jlabert", "pw", "Jean Labert", kJean);
    server_.AddUser("mdupont", "pw", "Marie Dupont", kMarie);
    server_.AddUser("pmartin", "pw", "Paul Martin", kPaul);
  }
  Reply Call(const std::string& user, const std::string& method, const std::string& path,
             const std::string& body = "") {
    return server_.Request(method, path, body, {{"Content-Type", "application/json"}}, user, "pw");
  }
  json Invitations(const std::string& user) {
    Reply r = Call(user, "GET", "/api/v1/invitations");
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body, nullptr, false)["invitations"];
  }
  void Invite(const std::string& name, const std::string& ics) {
    Reply r = server_.Request("PUT", "/dav/calendars/jlabert/agenda/" + name, ics,
                              {{"Content-Type", "text/calendar"}}, "jlabert", "pw");
    ASSERT_EQ(r.status, 201) << r.body;
  }
  std::string OrganizerCopy(const std::string& name) {
    return server_.Request("GET", "/dav/calendars/jlabert/agenda/" + name, "", {}, "jlabert", "pw")
        .body;
  }
  TestServer server_;
};

TEST_F(SchedulingApiTest, ListAndAnswerAnInvitation) {
  const std::string start = Day(7), end = Day(7, 17);
  Invite("insp.ics", Meeting("insp-1", start, end));
  EXPECT_TRUE(Invitations("jlabert").empty()) << "one's own meetings are not invitations";
  json list = Invitations("mdupont");
  ASSERT_EQ(list.size(), 1u) << list;
  const json& inv = list[0];
  EXPECT_EQ(inv["summary"], "Inspection");
  EXPECT_EQ(inv["location"], "Collège Balzac");
  EXPECT_EQ(inv["start"], Iso(start));
  EXPECT_EQ(inv["end"], Iso(end));
  EXPECT_EQ(inv["organizer"]["address"], kJean);
  EXPECT_EQ(inv["organizer"]["name"], "Jean Labert");
  ASSERT_EQ(inv["attendees"].size(), 3u);
  for (const json& a : inv["attendees"]) {
    if (a["address"] == kJean) {
      EXPECT_EQ(a["answer"], "ACCEPTED");
    }
    if (a["address"] == kMarie) {
      EXPECT_TRUE(a["me"].get<bool>());
    }
  }

  // The inbox is only a notification list: a client emptying it (iOS does) hides nothing.
  Reply inbox = server_.Request("PROPFIND", "/dav/calendars/mdupont/inbox/", "", {{"Depth", "1"}},
                                "mdupont", "pw");
  for (const auto& [href, props] : testlib::ParseMultiStatus(inbox.body).props) {
    if (href != "/dav/calendars/mdupont/inbox/") {
      EXPECT_EQ(server_.Request("DELETE", href, "", {}, "mdupont", "pw").status, 204);
    }
  }
  EXPECT_EQ(Invitations("mdupont").size(), 1u);

  // Paul accepts from the webmail: the same path as a client PUT.
  json paul = Invitations("pmartin");
  ASSERT_EQ(paul.size(), 1u);
  Reply r =
      Call("pmartin", "POST", "/api/v1/invitations/" + paul[0]["id"].get<std::string>() + "/reply",
           R"({"answer": "accepted"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["delivery"], "1.2");
  EXPECT_TRUE(Invitations("pmartin").empty());
  EXPECT_NE(AttendeeLine(OrganizerCopy("insp.ics"), kPaul).find("PARTSTAT=ACCEPTED"),
            std::string::npos);
  // Marie sees Paul's answer in her pending invitation.
  const json marie = Invitations("mdupont");  // kept alive: the loop walks into it
  for (const json& a : marie[0]["attendees"]) {
    if (a["address"] == kPaul) {
      EXPECT_EQ(a["answer"], "ACCEPTED");
    }
  }
  // Marie declines.
  r = Call("mdupont", "POST", "/api/v1/invitations/" + inv["id"].get<std::string>() + "/reply",
           R"({"answer": "declined"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(OrganizerCopy("insp.ics").find("PARTSTAT=DECLINED"), std::string::npos);
}

TEST_F(SchedulingApiTest, AnswerOneOccurrence) {
  const std::string start = Day(3), end = Day(3, 17);
  Invite("weekly.ics", Meeting("weekly-api", start, end, "RRULE:FREQ=WEEKLY;COUNT=4\r\n"));
  json list = Invitations("mdupont");
  ASSERT_EQ(list.size(), 1u);
  EXPECT_TRUE(list[0]["recurring"].get<bool>());
  const std::string second = Day(10);
  Reply r =
      Call("mdupont", "POST", "/api/v1/invitations/" + list[0]["id"].get<std::string>() + "/reply",
           R"({"answer": "tentative", "occurrence": ")" + Iso(second) + "\"}");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["occurrence"], second);
  std::string org = OrganizerCopy("weekly.ics");
  EXPECT_NE(org.find("RECURRENCE-ID:" + second), std::string::npos) << org;
  EXPECT_NE(org.find("PARTSTAT=TENTATIVE"), std::string::npos) << org;
  // The series itself is still unanswered.
  EXPECT_EQ(Invitations("mdupont").size(), 1u);
  // An instance that is not in the series.
  r = Call("mdupont", "POST", "/api/v1/invitations/" + list[0]["id"].get<std::string>() + "/reply",
           R"({"answer": "accepted", "occurrence": ")" + Iso(Day(4)) + "\"}");
  EXPECT_EQ(r.status, 404) << r.body;
}

TEST_F(SchedulingApiTest, BadRequestsGetJsonErrors) {
  Invite("e.ics", Meeting("err-1", Day(5), Day(5, 17)));
  std::string id = Invitations("mdupont")[0]["id"];
  Reply r =
      Call("mdupont", "POST", "/api/v1/invitations/" + id + "/reply", R"({"answer": "maybe"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(json::parse(r.body, nullptr, false).contains("error"));
  EXPECT_EQ(Call("mdupont", "POST", "/api/v1/invitations/" + id + "/reply", "not json").status,
            400);
  EXPECT_EQ(Call("mdupont", "POST", "/api/v1/invitations/agenda/none.ics/reply",
                 R"({"answer": "accepted"})")
                .status,
            404);
  EXPECT_EQ(Call("mdupont", "GET", "/api/v1/invitations/" + id + "/reply").status, 405);
  EXPECT_EQ(
      Call("mdupont", "POST", "/api/v1/invitations/../../x/reply", R"({"answer": "accepted"})")
              .status /
          100,
      4);
  // The organizer cannot "answer" their own meeting.
  EXPECT_EQ(
      Call("jlabert", "POST", "/api/v1/invitations/agenda/e.ics/reply", R"({"answer": "declined"})")
          .status,
      409);
  EXPECT_EQ(server_.Request("GET", "/api/v1/invitations").status, 401);
}

TEST_F(SchedulingApiTest, FreeBusyOfColleagues) {
  const std::string start = Day(2, 9), end = Day(2, 10);
  Reply put = server_.Request(
      "PUT", "/dav/calendars/mdupont/agenda/b.ics",
      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//T//FR\r\nBEGIN:VEVENT\r\nUID:b\r\n"
      "DTSTAMP:20261120T080000Z\r\nDTSTART:" +
          start + "\r\nDTEND:" + end + "\r\nSUMMARY:Privé\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
      {{"Content-Type", "text/calendar"}}, "mdupont", "pw");
  ASSERT_EQ(put.status, 201);
  server_.AddUser("aroux", "pw", "Anne Roux", "anne.roux@ac-orleans-tours.fr");
  Reply r =
      Call("jlabert", "POST", "/api/v1/freebusy",
           json{{"attendees",
                 {kMarie, "pmartin", "aroux", "nobody@ac-orleans-tours.fr", "someone@example.org"}},
                {"from", Iso(Day(2, 0))},
                {"to", Iso(Day(3, 0))}}
               .dump());
  ASSERT_EQ(r.status, 200) << r.body;
  json out = json::parse(r.body)["attendees"];
  ASSERT_EQ(out.size(), 5u);
  EXPECT_EQ(out[0]["status"], "ok");
  ASSERT_EQ(out[0]["busy"].size(), 1u);
  EXPECT_EQ(out[0]["busy"][0]["start"], Iso(start));
  EXPECT_EQ(out[0]["busy"][0]["end"], Iso(end));
  EXPECT_EQ(out[0]["busy"][0]["type"], "BUSY");
  EXPECT_EQ(r.body.find("Privé"), std::string::npos);
  EXPECT_EQ(out[1]["status"], "ok");
  EXPECT_TRUE(out[1]["busy"].empty());
  EXPECT_EQ(out[2]["status"], "ok") << "a colleague who never connected is free";
  EXPECT_EQ(out[3]["status"], "unknown");
  EXPECT_EQ(out[4]["status"], "external");
  EXPECT_EQ(Call("jlabert", "POST", "/api/v1/freebusy", R"({"attendees": []})").status, 400);
  EXPECT_EQ(Call("jlabert", "POST", "/api/v1/freebusy",
                 json{{"attendees", {kMarie}}, {"from", "2026-01-01"}, {"to", "2030-01-01"}}.dump())
                .status,
            400);
  EXPECT_EQ(Call("jlabert", "GET", "/api/v1/freebusy").status, 405);
}

// The académie's own people: accounts made by the directory import (issue 4), in different
// departments, invite each other; one of them never connected.
TEST(SchedulingDirectoryTest, ColleaguesFromTheImportedDirectory) {
  TestServer server;
  std::ifstream in(std::string(CARTABLE_FIXTURE_DIR) + "/directory/staff.csv");
  std::stringstream csv;
  csv << in.rdbuf();
  auto report = directory::ImportDirectory(
      server.store(), csv.str(),
      *directory::SecretKey::LoadOrCreate(server.data_dir() + "/secret.key"), {});
  ASSERT_TRUE(report.ok() && report->errors.empty());
  directory::Accounts accounts(server.store());
  ASSERT_TRUE(accounts.SetPassword("jmartin", "pw-jm").ok());  // Jean Martin, CPE, DSDEN 37
  ASSERT_TRUE(accounts.SetPassword("andiaye", "pw-an").ok());  // Aïssata N'Diaye, DSDEN 45
  const std::string start = Day(6), end = Day(6, 17);
  std::string ics =
      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Tests//FR\r\nBEGIN:VEVENT\r\nUID:cdc-1\r\n"
      "DTSTAMP:20261120T080000Z\r\nDTSTART:" +
      start + "\r\nDTEND:" + end +
      "\r\nSUMMARY:Conseil de discipline\r\nORGANIZER;CN=Jean Martin:mailto:"
      "jean.martin@ac-orleans-tours.fr\r\n"
      "ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:aissata.ndiaye@ac-orleans-tours.fr\r\n"
      "ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:helene.le-gall-dubois@ac-orleans-tours.fr\r\n"
      "END:VEVENT\r\nEND:VCALENDAR\r\n";
  Reply put = server.Request("PUT", "/dav/calendars/jmartin/agenda/cdc.ics", ics,
                             {{"Content-Type", "text/calendar"}}, "jmartin", "pw-jm");
  ASSERT_EQ(put.status, 201) << put.body;
  std::string org =
      server.Request("GET", "/dav/calendars/jmartin/agenda/cdc.ics", "", {}, "jmartin", "pw-jm")
          .body;
  EXPECT_NE(AttendeeLine(org, "aissata.ndiaye").find("SCHEDULE-STATUS=1.2"), std::string::npos);
  EXPECT_NE(AttendeeLine(org, "helene.le-gall-dubois").find("SCHEDULE-STATUS=1.2"),
            std::string::npos)
      << "delivered although Hélène never connected";
  Reply list = server.Request("GET", "/api/v1/invitations", "", {}, "andiaye", "pw-an");
  json inv = json::parse(list.body, nullptr, false)["invitations"];
  ASSERT_EQ(inv.size(), 1u) << list.body;
  EXPECT_EQ(inv[0]["organizer"]["name"], "Jean Martin");
  Reply answer = server.Request(
      "POST", "/api/v1/invitations/" + inv[0]["id"].get<std::string>() + "/reply",
      R"({"answer": "accepted"})", {{"Content-Type", "application/json"}}, "andiaye", "pw-an");
  ASSERT_EQ(answer.status, 200) << answer.body;
  org = server.Request("GET", "/dav/calendars/jmartin/agenda/cdc.ics", "", {}, "jmartin", "pw-jm")
            .body;
  EXPECT_NE(AttendeeLine(org, "aissata.ndiaye").find("PARTSTAT=ACCEPTED"), std::string::npos);
}

}  // namespace
}  // namespace cartable
