// COPY and MOVE: Destination, Overwrite, Depth; status codes; properties travel.
#include <gtest/gtest.h>

#include "tests/testlib/test_server.h"

namespace cartable {
namespace {

using testlib::ParseMultiStatus;
using testlib::TestServer;

class CopyMoveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.AddUser("jlabert", "pw", "Jean Labert", "jean.labert@ac-orleans-tours.fr");
    server_.AddUser("mdupont", "pw2", "Marie Dupont", "marie.dupont@ac-orleans-tours.fr");
    server_.SetDefaultUser("jlabert", "pw");
    ASSERT_EQ(server_.As("MKCOL", "/dav/files/jlabert/src/").status, 201);
    ASSERT_EQ(server_.As("PUT", "/dav/files/jlabert/src/f.txt", "contenu").status, 201);
    ASSERT_EQ(server_
                  .As("PROPPATCH", "/dav/files/jlabert/src/f.txt", R"(<D:propertyupdate
      xmlns:D="DAV:" xmlns:Z="urn:z"><D:set><D:prop><Z:tag>rouge</Z:tag></D:prop></D:set>
      </D:propertyupdate>)")
                  .status,
              207);
  }
  testlib::Reply Send(const std::string& method, const std::string& from, const std::string& to,
                      std::vector<std::pair<std::string, std::string>> headers = {}) {
    headers.push_back({"Destination", "http://127.0.0.1:" + std::to_string(server_.port()) + to});
    return server_.As(method, from, "", headers);
  }
  std::string Tag(const std::string& path) {
    auto r = server_.As(
        "PROPFIND", path,
        R"(<D:propfind xmlns:D="DAV:"><D:prop><Z:tag xmlns:Z="urn:z"/></D:prop></D:propfind>)",
        {{"Depth", "0"}});
    return ParseMultiStatus(r.body).props[path]["{urn:z}tag"].text;
  }
  TestServer server_;
};

TEST_F(CopyMoveTest, CopyObjectThenOverwriteRules) {
  EXPECT_EQ(Send("COPY", "/dav/files/jlabert/src/f.txt", "/dav/files/jlabert/g.txt").status, 201);
  EXPECT_EQ(server_.As("GET", "/dav/files/jlabert/g.txt").body, "contenu");
  EXPECT_EQ(Tag("/dav/files/jlabert/g.txt"), "rouge");
  EXPECT_EQ(
      Send("COPY", "/dav/files/jlabert/src/f.txt", "/dav/files/jlabert/g.txt", {{"Overwrite", "F"}})
          .status,
      412);
  EXPECT_EQ(Send("COPY", "/dav/files/jlabert/src/f.txt", "/dav/files/jlabert/g.txt").status, 204);
  EXPECT_EQ(Send("COPY", "/dav/files/jlabert/src/f.txt", "/dav/files/jlabert/no/g.txt").status,
            409);
  EXPECT_EQ(Send("COPY", "/dav/files/jlabert/src/f.txt", "/dav/files/jlabert/src/f.txt").status,
            403);
}

TEST_F(CopyMoveTest, CopyCollectionDeepAndShallow) {
  EXPECT_EQ(Send("COPY", "/dav/files/jlabert/src/", "/dav/files/jlabert/deep/").status, 201);
  EXPECT_EQ(server_.As("GET", "/dav/files/jlabert/deep/f.txt").body, "contenu");
  EXPECT_EQ(Send("COPY", "/dav/files/jlabert/src/", "/dav/files/jlabert/shallow/", {{"Depth", "0"}})
                .status,
            201);
  EXPECT_EQ(server_.As("GET", "/dav/files/jlabert/shallow/f.txt").status, 404);
  EXPECT_EQ(server_.As("PROPFIND", "/dav/files/jlabert/shallow/", "", {{"Depth", "0"}}).status,
            207);
  EXPECT_EQ(Send("COPY", "/dav/files/jlabert/src/", "/dav/files/jlabert/src/inner/").status, 403);
}

TEST_F(CopyMoveTest, MoveObjectAndCollection) {
  EXPECT_EQ(Send("MOVE", "/dav/files/jlabert/src/f.txt", "/dav/files/jlabert/h.txt").status, 201);
  EXPECT_EQ(server_.As("GET", "/dav/files/jlabert/src/f.txt").status, 404);
  EXPECT_EQ(Tag("/dav/files/jlabert/h.txt"), "rouge");
  ASSERT_EQ(server_.As("PUT", "/dav/files/jlabert/src/z", "z").status, 201);
  EXPECT_EQ(Send("MOVE", "/dav/files/jlabert/src/", "/dav/files/jlabert/dst/").status, 201);
  EXPECT_EQ(server_.As("GET", "/dav/files/jlabert/dst/z").body, "z");
  EXPECT_EQ(server_.As("GET", "/dav/files/jlabert/src/z").status, 404);
  ASSERT_EQ(server_.As("MKCOL", "/dav/files/jlabert/other/").status, 201);
  EXPECT_EQ(
      Send("MOVE", "/dav/files/jlabert/dst/", "/dav/files/jlabert/other/", {{"Overwrite", "F"}})
          .status,
      412);
  EXPECT_EQ(Send("MOVE", "/dav/files/jlabert/dst/", "/dav/files/jlabert/other/").status, 204);
  EXPECT_EQ(server_.As("GET", "/dav/files/jlabert/other/z").body, "z");
}

TEST_F(CopyMoveTest, DestinationErrors) {
  EXPECT_EQ(server_.As("COPY", "/dav/files/jlabert/src/f.txt").status, 400) << "no Destination";
  EXPECT_EQ(Send("COPY", "/dav/files/jlabert/src/f.txt", "/dav/files/mdupont/f.txt").status, 403);
  EXPECT_EQ(Send("MOVE", "/dav/files/jlabert/", "/dav/files/jlabert/x/").status, 403);
  EXPECT_EQ(server_
                .As("COPY", "/dav/files/jlabert/src/f.txt", "",
                    {{"Destination", "http://127.0.0.1/dav/files/jlabert/%2e%2e/x"}})
                .status,
            400);
}

TEST_F(CopyMoveTest, CopyRespectsQuota) {
  ASSERT_TRUE(server_.app().accounts().SetQuota("jlabert", 10).ok());
  auto r = Send("COPY", "/dav/files/jlabert/src/f.txt", "/dav/files/jlabert/g.txt");
  EXPECT_EQ(r.status, 507);
  EXPECT_EQ(server_.As("GET", "/dav/files/jlabert/g.txt").status, 404);
}

// Calendar objects (calendar_member.cc): COPY is a PUT at the destination, MOVE within the
// owner's calendars is the same event, nothing scheduled leaves its owner's calendars.
class CalendarCopyMoveTest : public CopyMoveTest {
 protected:
  static constexpr const char* kAgenda = "/dav/calendars/jlabert/agenda/";
  static constexpr const char* kReunions = "/dav/calendars/jlabert/reunions/";
  static constexpr const char* kMarieCopy = "/dav/calendars/mdupont/agenda/copie-1.ics";
  void SetUp() override {
    CopyMoveTest::SetUp();
    ASSERT_EQ(server_.As("MKCALENDAR", kReunions).status, 201);
  }
  static std::string Event(const std::string& uid, bool invite) {
    std::string attendees =
        invite ? "ATTENDEE;PARTSTAT=ACCEPTED:mailto:jean.labert@ac-orleans-tours.fr\r\n"
                 "ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:marie.dupont@ac-orleans-tours.fr\r\n"
               : "";
    return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Tests//FR\r\nBEGIN:VEVENT\r\nUID:" + uid +
           "\r\nDTSTAMP:20261120T080000Z\r\nDTSTART:20261201T160000Z\r\n"
           "DTEND:20261201T170000Z\r\nSUMMARY:Conseil\r\n" +
           (invite ? "ORGANIZER:mailto:jean.labert@ac-orleans-tours.fr\r\n" : "") + attendees +
           "END:VEVENT\r\nEND:VCALENDAR\r\n";
  }
  testlib::Reply PutEvent(const std::string& path, const std::string& body) {
    return server_.As("PUT", path, body, {{"Content-Type", "text/calendar"}});
  }
  // The number of iTIP messages in Marie's inbox.
  size_t MarieInbox() {
    auto r = server_.Request("PROPFIND", "/dav/calendars/mdupont/inbox/", "", {{"Depth", "1"}},
                             "mdupont", "pw2");
    EXPECT_EQ(r.status, 207);
    return ParseMultiStatus(r.body).props.size() - 1;
  }
  testlib::Reply MarieGet(const std::string& path) {
    return server_.Request("GET", path, "", {}, "mdupont", "pw2");
  }
};

TEST_F(CalendarCopyMoveTest, MoveBetweenOwnCalendarsIsTheSameEvent) {
  ASSERT_EQ(PutEvent(std::string(kAgenda) + "c.ics", Event("copie-1", true)).status, 201);
  auto marie = MarieGet(kMarieCopy);
  ASSERT_EQ(marie.status, 200);
  ASSERT_EQ(MarieInbox(), 1u);
  std::string tag = server_.As("GET", std::string(kAgenda) + "c.ics").Header("schedule-tag");
  ASSERT_FALSE(tag.empty());
  auto moved = Send("MOVE", std::string(kAgenda) + "c.ics", std::string(kReunions) + "c.ics");
  EXPECT_EQ(moved.status, 201) << moved.body;
  EXPECT_EQ(server_.As("GET", std::string(kAgenda) + "c.ics").status, 404);
  // Nothing was sent (no CANCEL for the source, no REQUEST for the destination): Marie's copy
  // and inbox are as they were, and the event keeps its Schedule-Tag.
  auto there = server_.As("GET", std::string(kReunions) + "c.ics");
  ASSERT_EQ(there.status, 200);
  EXPECT_EQ(there.Header("schedule-tag"), tag);
  EXPECT_EQ(MarieInbox(), 1u);
  EXPECT_EQ(MarieGet(kMarieCopy).Header("etag"), marie.Header("etag"));
  // It is still Jean's scheduled event: deleting it where it now is cancels it for Marie.
  ASSERT_EQ(server_.As("DELETE", std::string(kReunions) + "c.ics").status, 204);
  EXPECT_NE(MarieGet(kMarieCopy).body.find("STATUS:CANCELLED"), std::string::npos);
}

TEST_F(CalendarCopyMoveTest, AttendeeMovingTheirCopyKeepsGettingUpdates) {
  ASSERT_EQ(PutEvent(std::string(kAgenda) + "c.ics", Event("copie-1", true)).status, 201);
  ASSERT_EQ(server_.Request("MKCALENDAR", "/dav/calendars/mdupont/perso/", "", {}, "mdupont", "pw2")
                .status,
            201);
  auto moved =
      server_.Request("MOVE", kMarieCopy, "",
                      {{"Destination", "http://127.0.0.1:" + std::to_string(server_.port()) +
                                           "/dav/calendars/mdupont/perso/copie-1.ics"}},
                      "mdupont", "pw2");
  ASSERT_EQ(moved.status, 201) << moved.body;
  EXPECT_EQ(MarieInbox(), 1u) << "no REPLY, nothing new";
  // Jean moves the meeting: the REQUEST updates Marie's copy where she put it.
  std::string later = Event("copie-1", true);
  later.replace(later.find("DTSTART:20261201T160000Z"), 24, "DTSTART:20261201T150000Z");
  ASSERT_EQ(PutEvent(std::string(kAgenda) + "c.ics", later).status, 204);
  EXPECT_EQ(MarieGet(kMarieCopy).status, 404);
  EXPECT_NE(MarieGet("/dav/calendars/mdupont/perso/copie-1.ics").body.find("T150000Z"),
            std::string::npos);
}

TEST_F(CalendarCopyMoveTest, CopyIsAPutAtTheDestination) {
  // A scheduled event: one scheduling object per UID in a calendar home (RFC 6638 §3.2.4.1).
  ASSERT_EQ(PutEvent(std::string(kAgenda) + "c.ics", Event("copie-1", true)).status, 201);
  auto copied = Send("COPY", std::string(kAgenda) + "c.ics", std::string(kReunions) + "c.ics");
  EXPECT_EQ(copied.status, 403);
  EXPECT_NE(copied.body.find("unique-scheduling-object-resource"), std::string::npos)
      << copied.body;
  EXPECT_EQ(server_.As("GET", std::string(kReunions) + "c.ics").status, 404);
  // A deep COPY of the calendar holding it copies each member the same way.
  EXPECT_EQ(Send("COPY", kAgenda, "/dav/calendars/jlabert/agenda-2/").status, 403);
  EXPECT_EQ(server_.As("PROPFIND", "/dav/calendars/jlabert/agenda-2/", "", {{"Depth", "0"}}).status,
            404);
  EXPECT_EQ(MarieInbox(), 1u) << "nothing sent";
  // A plain event copies, validated like a PUT: a second copy in one calendar is a UID conflict
  // (RFC 4791 §5.3.2.1), and a calendar refuses what is not calendar data.
  ASSERT_EQ(PutEvent(std::string(kAgenda) + "p.ics", Event("perso", false)).status, 201);
  EXPECT_EQ(Send("COPY", std::string(kAgenda) + "p.ics", std::string(kReunions) + "p.ics").status,
            201);
  EXPECT_EQ(server_.As("GET", std::string(kReunions) + "p.ics").body, Event("perso", false));
  auto conflict = Send("COPY", std::string(kAgenda) + "p.ics", std::string(kAgenda) + "q.ics");
  EXPECT_EQ(conflict.status, 403);
  EXPECT_NE(conflict.body.find("no-uid-conflict"), std::string::npos) << conflict.body;
}

TEST_F(CalendarCopyMoveTest, AScheduledEventCannotLeaveItsOwnersCalendars) {
  ASSERT_EQ(PutEvent(std::string(kAgenda) + "c.ics", Event("copie-1", true)).status, 201);
  // Out of the calendar area (a plain collection): refused, the event stays, nothing is sent.
  EXPECT_EQ(Send("MOVE", std::string(kAgenda) + "c.ics", "/dav/files/jlabert/c.ics").status, 403);
  EXPECT_EQ(
      Send("MOVE", std::string(kAgenda) + "c.ics", "/dav/calendars/mdupont/agenda/c.ics").status,
      403);
  EXPECT_EQ(server_.As("GET", std::string(kAgenda) + "c.ics").status, 200);
  EXPECT_EQ(MarieInbox(), 1u);
  EXPECT_EQ(MarieGet(kMarieCopy).body.find("STATUS:CANCELLED"), std::string::npos);
}

}  // namespace
}  // namespace cartable
