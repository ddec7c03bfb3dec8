// CalDAV scheduling (RFC 6638) between colleagues, over HTTP: invitations land in attendees'
// inboxes and calendars, answers come back to the organizer, updates and cancellations follow,
// schedule tags keep concurrent edits apart, and the outbox answers free/busy requests.
// Users: jlabert (37, organizer), mdupont (45) and pmartin (18), attendees.
#include <gtest/gtest.h>

#include <algorithm>

#include "dav/caldav/ical_object.h"
#include "directory/accounts.h"
#include "tests/testlib/ics_text.h"
#include "tests/testlib/test_server.h"

namespace cartable {
namespace {

using testlib::AttendeeLine;
using testlib::Lines;
using testlib::ParseMultiStatus;
using testlib::Reply;
using testlib::TestServer;
using testlib::Unfold;

using Headers = std::vector<std::pair<std::string, std::string>>;
const Headers kIcs = {{"Content-Type", "text/calendar; charset=utf-8"}};

constexpr const char* kOrgCal = "/dav/calendars/jlabert/agenda/";
constexpr const char* kJean = "jean.labert@ac-orleans-tours.fr";
constexpr const char* kMarie = "marie.dupont@ac-orleans-tours.fr";
constexpr const char* kPaul = "paul.martin@ac-orleans-tours.fr";
constexpr const char* kClaire = "claire.durand@ac-orleans-tours.fr";

std::string Attendee(const std::string& email, const std::string& partstat = "NEEDS-ACTION",
                     const std::string& params = "") {
  return "ATTENDEE;CN=" + email.substr(0, email.find('@')) + ";PARTSTAT=" + partstat +
         ";RSVP=TRUE" + params + ":mailto:" + email + "\r\n";
}

// An event organised by Jean with `attendees` (ATTENDEE lines) and `extra` lines.
std::string Meeting(const std::string& uid, const std::string& attendees,
                    const std::string& start = "20261201T160000Z",
                    const std::string& end = "20261201T170000Z", const std::string& extra = "",
                    const std::string& summary = "Conseil de classe 3e B") {
  return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Tests//FR\r\nBEGIN:VEVENT\r\nUID:" + uid +
         "\r\nDTSTAMP:20261120T080000Z\r\nSEQUENCE:0\r\nDTSTART:" + start + "\r\nDTEND:" + end +
         "\r\nSUMMARY:" + summary +
         "\r\nLOCATION:Salle 12\r\nORGANIZER;CN=Jean Labert:mailto:" + kJean + "\r\n" +
         Attendee(kJean, "ACCEPTED") + attendees + extra + "END:VEVENT\r\nEND:VCALENDAR\r\n";
}

std::string FreeBusyRequest(const std::string& organizer, const std::vector<std::string>& who);

class SchedulingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.AddUser("jlabert", "pw", "Jean Labert", kJean);
    server_.AddUser("mdupont", "pw", "Marie Dupont", kMarie);
    server_.AddUser("pmartin", "pw", "Paul Martin", kPaul);
  }

  Reply Do(const std::string& user, const std::string& method, const std::string& path,
           const std::string& body = "", const Headers& headers = {}) {
    return server_.Request(method, path, body, headers, user, "pw");
  }
  Reply Put(const std::string& user, const std::string& path, const std::string& body,
            Headers headers = kIcs) {
    return Do(user, "PUT", path, body, headers);
  }
  std::string Get(const std::string& user, const std::string& path) {
    Reply r = Do(user, "GET", path);
    EXPECT_EQ(r.status, 200) << path;
    return r.body;
  }
  // Hrefs and bodies of the objects in `login`'s inbox.
  std::map<std::string, std::string> Inbox(const std::string& login) {
    std::string path = "/dav/calendars/" + login + "/inbox/";
    Reply r = Do(login, "PROPFIND", path,
                 R"(<D:propfind xmlns:D="DAV:"><D:prop><D:getetag/></D:prop></D:propfind>)",
                 {{"Depth", "1"}});
    EXPECT_EQ(r.status, 207);
    std::map<std::string, std::string> out;
    for (const auto& [href, props] : ParseMultiStatus(r.body).props) {
      if (href == path) continue;
      out[href] = Get(login, href);
    }
    return out;
  }
  // The inbox messages of `login` with METHOD `method` about `uid`.
  int InboxCount(const std::string& login, const std::string& method, const std::string& uid) {
    int n = 0;
    for (const auto& [href, body] : Inbox(login)) {
      if (!Lines(body, "METHOD:" + method).empty() && !Lines(body, "UID:" + uid).empty()) ++n;
    }
    return n;
  }
  // Where delivery puts a copy: Thunderbird's "<UID>.ics" naming, other characters as '_'.
  std::string CopyPath(const std::string& login, std::string uid) {
    for (char& c : uid) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-') c = '_';
    }
    return "/dav/calendars/" + login + "/agenda/" + uid + ".ics";
  }

  TestServer server_;
};

TEST_F(SchedulingTest, PrincipalAndCollectionsAdvertiseScheduling) {
  Reply options = Do("jlabert", "OPTIONS", "/dav/calendars/jlabert/");
  EXPECT_NE(options.Header("dav").find("calendar-auto-schedule"), std::string::npos);
  Reply r = Do("mdupont", "PROPFIND", "/dav/principals/users/jlabert/",
               R"(<D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop>
                  <C:schedule-inbox-URL/><C:schedule-outbox-URL/><C:calendar-user-type/>
                  <C:calendar-user-address-set/></D:prop></D:propfind>)",
               {{"Depth", "0"}});
  ASSERT_EQ(r.status, 207);
  auto props = ParseMultiStatus(r.body).props["/dav/principals/users/jlabert/"];
  const std::string cal = "{urn:ietf:params:xml:ns:caldav}";
  EXPECT_NE(props[cal + "schedule-inbox-URL"].xml.find(">/dav/calendars/jlabert/inbox/<"),
            std::string::npos);
  EXPECT_NE(props[cal + "schedule-outbox-URL"].xml.find(">/dav/calendars/jlabert/outbox/<"),
            std::string::npos);
  EXPECT_EQ(props[cal + "calendar-user-type"].text, "INDIVIDUAL");
  // mailto: first (Thunderbird takes the first one).
  EXPECT_NE(props[cal + "calendar-user-address-set"].xml.find(std::string(">mailto:") + kJean),
            std::string::npos);

  r = Do("jlabert", "PROPFIND", "/dav/calendars/jlabert/inbox/",
         R"(<D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop>
            <D:resourcetype/><C:schedule-default-calendar-URL/></D:prop></D:propfind>)",
         {{"Depth", "0"}});
  ASSERT_EQ(r.status, 207);
  props = ParseMultiStatus(r.body).props["/dav/calendars/jlabert/inbox/"];
  EXPECT_NE(props["{DAV:}resourcetype"].xml.find("schedule-inbox"), std::string::npos);
  EXPECT_NE(props[cal + "schedule-default-calendar-URL"].xml.find(std::string(">") + kOrgCal + "<"),
            std::string::npos);
  r = Do("jlabert", "PROPFIND", "/dav/calendars/jlabert/outbox/",
         R"(<D:propfind xmlns:D="DAV:"><D:prop><D:resourcetype/></D:prop></D:propfind>)",
         {{"Depth", "0"}});
  EXPECT_NE(r.body.find("schedule-outbox"), std::string::npos);

  // schedule-calendar-transp: opaque by default, settable, validated.
  r = Do("jlabert", "PROPFIND", kOrgCal,
         R"(<D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop>
            <C:schedule-calendar-transp/></D:prop></D:propfind>)",
         {{"Depth", "0"}});
  EXPECT_NE(r.body.find("opaque"), std::string::npos);
  const std::string set =
      R"(<D:propertyupdate xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
      <D:set><D:prop><C:schedule-calendar-transp>)";
  r = Do("jlabert", "PROPPATCH", kOrgCal,
         set + "<C:transparent/></C:schedule-calendar-transp></D:prop></D:set></D:propertyupdate>");
  EXPECT_EQ(r.status, 207);
  EXPECT_NE(r.body.find("200"), std::string::npos) << r.body;
  r = Do("jlabert", "PROPPATCH", kOrgCal,
         set + "<C:sometimes/></C:schedule-calendar-transp></D:prop></D:set></D:propertyupdate>");
  EXPECT_NE(r.body.find("403"), std::string::npos) << r.body;
  // The default calendar must be one of the user's calendars.
  r = Do("jlabert", "PROPPATCH", "/dav/calendars/jlabert/inbox/",
         R"(<D:propertyupdate xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>
            <C:schedule-default-calendar-URL><D:href>/dav/calendars/mdupont/agenda/</D:href>
            </C:schedule-default-calendar-URL></D:prop></D:set></D:propertyupdate>)");
  EXPECT_NE(r.body.find("403"), std::string::npos) << r.body;
}

// Live properties kept in the store answer with their stored value however they are asked:
// alone (no dead property or other stored-backed property in the same request), at Depth 0, at
// Depth 1 (the members' rows come from the walk) and in a REPORT.
TEST_F(SchedulingTest, StoredCollectionSettingsAnswerAloneAtEveryDepthAndInReports) {
  const std::string cal = "{urn:ietf:params:xml:ns:caldav}";
  const std::string home = "/dav/calendars/jlabert/";
  const std::string tasks = home + "taches/";
  const std::string inbox = home + "inbox/";
  Reply r = Do("jlabert", "PROPPATCH", kOrgCal,
               R"(<D:propertyupdate xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set>
                  <D:prop><C:schedule-calendar-transp><C:transparent/></C:schedule-calendar-transp>
                  </D:prop></D:set></D:propertyupdate>)");
  ASSERT_EQ(r.status, 207);
  ASSERT_NE(r.body.find("200"), std::string::npos) << r.body;
  // Not the calendar the server would pick by itself (the first VEVENT one, agenda/).
  r = Do("jlabert", "PROPPATCH", inbox,
         R"(<D:propertyupdate xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>
            <C:schedule-default-calendar-URL><D:href>/dav/calendars/jlabert/taches/</D:href>
            </C:schedule-default-calendar-URL></D:prop></D:set></D:propertyupdate>)");
  ASSERT_EQ(r.status, 207);
  ASSERT_NE(r.body.find("200"), std::string::npos) << r.body;

  auto propfind = [&](const std::string& path, const std::string& prop, const char* depth) {
    std::string body = R"(<D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">)";
    body += "<D:prop><C:" + prop + "/></D:prop></D:propfind>";
    Reply reply = Do("jlabert", "PROPFIND", path, body, {{"Depth", depth}});
    EXPECT_EQ(reply.status, 207) << reply.body;
    return ParseMultiStatus(reply.body).props;
  };
  auto check = [&](auto props, const std::string& where) {
    SCOPED_TRACE(where);
    EXPECT_NE(props[kOrgCal][cal + "schedule-calendar-transp"].xml.find("transparent"),
              std::string::npos);
    EXPECT_NE(props[tasks][cal + "schedule-calendar-transp"].xml.find("opaque"), std::string::npos);
    EXPECT_NE(props[kOrgCal][cal + "supported-calendar-component-set"].xml.find("VEVENT"),
              std::string::npos);
    EXPECT_EQ(props[kOrgCal][cal + "supported-calendar-component-set"].xml.find("VTODO"),
              std::string::npos);
    EXPECT_NE(props[tasks][cal + "supported-calendar-component-set"].xml.find("VTODO"),
              std::string::npos);
    EXPECT_EQ(props[tasks][cal + "supported-calendar-component-set"].xml.find("VEVENT"),
              std::string::npos);
    EXPECT_NE(props[inbox][cal + "schedule-default-calendar-URL"].xml.find(">" + tasks + "<"),
              std::string::npos);
  };

  // Depth 0, each property asked alone.
  std::map<std::string, std::map<std::string, testlib::PropValue>> depth0;
  for (const char* prop : {"schedule-calendar-transp", "supported-calendar-component-set"}) {
    for (const std::string& path : {std::string(kOrgCal), tasks}) {
      depth0[path][cal + prop] = propfind(path, prop, "0")[path][cal + prop];
    }
  }
  depth0[inbox] = propfind(inbox, "schedule-default-calendar-URL", "0")[inbox];
  check(depth0, "Depth 0");

  // Depth 1 on the home, each property asked alone.
  std::map<std::string, std::map<std::string, testlib::PropValue>> depth1;
  for (const char* prop : {"schedule-calendar-transp", "supported-calendar-component-set",
                           "schedule-default-calendar-URL"}) {
    for (auto& [href, props] : propfind(home, prop, "1")) {
      for (auto& [name, value] : props) depth1[href][name] = value;
    }
  }
  check(depth1, "Depth 1");

  // sync-collection (RFC 6578) on the home answers for the same members.
  r = Do("jlabert", "REPORT", home,
         R"(<D:sync-collection xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
            <D:sync-token/><D:sync-level>1</D:sync-level><D:prop><C:schedule-calendar-transp/>
            <C:supported-calendar-component-set/><C:schedule-default-calendar-URL/></D:prop>
            </D:sync-collection>)");
  ASSERT_EQ(r.status, 207) << r.body;
  check(ParseMultiStatus(r.body).props, "sync-collection");
}

TEST_F(SchedulingTest, InvitationReachesColleaguesAndStatusesAreRecorded) {
  std::string uid = "conseil-3eB@cartable";
  std::string alarm =
      "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\nDESCRIPTION:x\r\n"
      "END:VALARM\r\n";
  Reply put =
      Put("jlabert", std::string(kOrgCal) + "conseil.ics",
          Meeting(uid,
                  Attendee(kMarie) + Attendee(kPaul) + Attendee("inconnu@ac-orleans-tours.fr") +
                      Attendee("parent@example.org"),
                  "20261201T160000Z", "20261201T170000Z", alarm));
  ASSERT_EQ(put.status, 201) << put.body;
  // SCHEDULE-STATUS was written into the stored data: no ETag (docs/clients.md #12); a
  // Schedule-Tag.
  EXPECT_EQ(put.Header("etag"), "");
  EXPECT_FALSE(put.Header("schedule-tag").empty());

  Reply org = Do("jlabert", "GET", std::string(kOrgCal) + "conseil.ics");
  EXPECT_EQ(org.Header("schedule-tag"), put.Header("schedule-tag"));
  EXPECT_NE(AttendeeLine(org.body, kMarie).find("SCHEDULE-STATUS=1.2"), std::string::npos);
  EXPECT_NE(AttendeeLine(org.body, kPaul).find("SCHEDULE-STATUS=1.2"), std::string::npos);
  EXPECT_NE(AttendeeLine(org.body, "inconnu@").find("SCHEDULE-STATUS=3.7"), std::string::npos);
  // No relay in this test server: the mail is queued and the status says so.
  EXPECT_NE(AttendeeLine(org.body, "parent@").find("SCHEDULE-STATUS=1.0"), std::string::npos);
  EXPECT_EQ(AttendeeLine(org.body, kJean).find("SCHEDULE-STATUS"), std::string::npos);

  for (const char* login : {"mdupont", "pmartin"}) {
    Reply copy = Do(login, "GET", CopyPath(login, uid));
    ASSERT_EQ(copy.status, 200) << login;
    EXPECT_FALSE(copy.Header("schedule-tag").empty());
    EXPECT_NE(AttendeeLine(copy.body, kMarie).find("PARTSTAT=NEEDS-ACTION"), std::string::npos);
    EXPECT_EQ(Lines(copy.body, "BEGIN:VALARM").size(), 0u) << "the organizer's alarms stay home";
    EXPECT_EQ(Lines(copy.body, "METHOD").size(), 0u);
    EXPECT_EQ(Lines(copy.body, "ORGANIZER", kJean).size(), 1u);
    EXPECT_EQ(InboxCount(login, "REQUEST", uid), 1) << login;
  }
  // The organizer's inbox stays empty; nobody reads someone else's inbox.
  EXPECT_TRUE(Inbox("jlabert").empty());
  EXPECT_EQ(Do("jlabert", "PROPFIND", "/dav/calendars/mdupont/inbox/", "", {{"Depth", "1"}}).status,
            403);
  // Apple reads the inbox with calendar-multiget; calendar-query works there too (RFC 6638 §2.2.1).
  auto messages = Inbox("mdupont");
  ASSERT_EQ(messages.size(), 1u);
  Reply mg = Do("mdupont", "REPORT", "/dav/calendars/mdupont/inbox/",
                R"(<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
                   <D:prop><D:getetag/><C:calendar-data/></D:prop><D:href>)" +
                    messages.begin()->first + "</D:href></C:calendar-multiget>",
                {{"Depth", "1"}});
  ASSERT_EQ(mg.status, 207) << mg.body;
  EXPECT_NE(mg.body.find("METHOD:REQUEST"), std::string::npos);
  auto query = [&](const std::string& start, const std::string& end) {
    Reply r = Do("mdupont", "REPORT", "/dav/calendars/mdupont/inbox/",
                 R"(<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
                    <D:prop><D:getetag/></D:prop><C:filter><C:comp-filter name="VCALENDAR">
                    <C:comp-filter name="VEVENT"><C:time-range start=")" +
                     start + "\" end=\"" + end + R"("/></C:comp-filter></C:comp-filter></C:filter>
                    </C:calendar-query>)",
                 {{"Depth", "1"}});
    EXPECT_EQ(r.status, 207) << r.body;
    return ParseMultiStatus(r.body).props.count(messages.begin()->first);
  };
  EXPECT_EQ(query("20261201T000000Z", "20261202T000000Z"), 1u);
  EXPECT_EQ(query("20270101T000000Z", "20270102T000000Z"), 0u);
  // Inbox messages can be deleted by their owner; nothing can be PUT into an inbox.
  EXPECT_EQ(Do("mdupont", "DELETE", messages.begin()->first).status, 204);
  EXPECT_TRUE(Inbox("mdupont").empty());
  EXPECT_EQ(Put("mdupont", "/dav/calendars/mdupont/inbox/x.ics", Meeting("x", "")).status, 403);
}

TEST_F(SchedulingTest, ReplyUpdatesOrganizerAndOtherAttendees) {
  std::string uid = "reply-1";
  ASSERT_EQ(Put("jlabert", std::string(kOrgCal) + "r.ics",
                Meeting(uid, Attendee(kMarie) + Attendee(kPaul)))
                .status,
            201);
  Reply org_before = Do("jlabert", "GET", std::string(kOrgCal) + "r.ics");
  Reply mine = Do("mdupont", "GET", CopyPath("mdupont", uid));
  Reply paul_before = Do("pmartin", "GET", CopyPath("pmartin", uid));
  ASSERT_EQ(mine.status, 200);
  std::string tag = mine.Header("schedule-tag");

  // Marie accepts in her client: PUT of her copy with the new PARTSTAT.
  std::string accepted = mine.body;
  size_t at = accepted.find("PARTSTAT=NEEDS-ACTION", Unfold(accepted).find(kMarie) > 0 ? 0 : 0);
  std::string line = AttendeeLine(accepted, kMarie);
  ASSERT_FALSE(line.empty());
  accepted = Unfold(accepted);
  at = accepted.find(line);
  std::string new_line = line;
  new_line.replace(new_line.find("PARTSTAT=NEEDS-ACTION"), 21, "PARTSTAT=ACCEPTED");
  accepted.replace(at, line.size(), new_line);
  Reply put = Put("mdupont", CopyPath("mdupont", uid), accepted,
                  {{"Content-Type", "text/calendar"}, {"If-Schedule-Tag-Match", tag}});
  ASSERT_EQ(put.status, 204) << put.body;
  // An attendee's own answer keeps their Schedule-Tag (RFC 6638 §3.2.10, docs/clients.md #5).
  EXPECT_EQ(put.Header("schedule-tag"), tag);
  Reply after = Do("mdupont", "GET", CopyPath("mdupont", uid));
  EXPECT_NE(Lines(after.body, "ORGANIZER").front().find("SCHEDULE-STATUS=1.2"), std::string::npos);

  Reply org = Do("jlabert", "GET", std::string(kOrgCal) + "r.ics");
  EXPECT_NE(AttendeeLine(org.body, kMarie).find("PARTSTAT=ACCEPTED"), std::string::npos);
  EXPECT_EQ(org.Header("schedule-tag"), org_before.Header("schedule-tag"))
      << "a reply is not an organizer change";
  EXPECT_EQ(InboxCount("jlabert", "REPLY", uid), 1);
  Reply paul = Do("pmartin", "GET", CopyPath("pmartin", uid));
  EXPECT_NE(AttendeeLine(paul.body, kMarie).find("PARTSTAT=ACCEPTED"), std::string::npos);
  EXPECT_EQ(paul.Header("schedule-tag"), paul_before.Header("schedule-tag"));
  EXPECT_EQ(InboxCount("pmartin", "REQUEST", uid), 1) << "no new message for a mere answer";

  // The organizer's client saves its stale copy (Marie still NEEDS-ACTION there) with a new
  // alarm only: Marie's answer is kept (RFC 6638 §3.2.10).
  std::string stale = org_before.body;
  stale.insert(stale.find("END:VEVENT"),
               "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT5M\r\n"
               "DESCRIPTION:x\r\nEND:VALARM\r\n");
  Reply org_put = Put("jlabert", std::string(kOrgCal) + "r.ics", stale,
                      {{"Content-Type", "text/calendar"},
                       {"If-Schedule-Tag-Match", org_before.Header("schedule-tag")}});
  ASSERT_EQ(org_put.status, 204) << org_put.body;
  EXPECT_NE(AttendeeLine(Get("jlabert", std::string(kOrgCal) + "r.ics"), kMarie)
                .find("PARTSTAT=ACCEPTED"),
            std::string::npos);
  EXPECT_NE(AttendeeLine(Get("pmartin", CopyPath("pmartin", uid)), kMarie).find("ACCEPTED"),
            std::string::npos);

  // The same copy again (no change): nothing more is sent.
  ASSERT_EQ(Put("mdupont", CopyPath("mdupont", uid), accepted).status, 204);
  EXPECT_EQ(InboxCount("jlabert", "REPLY", uid), 1);

  // An attendee may not move the meeting.
  std::string moved = accepted;
  moved.replace(moved.find("DTSTART:20261201T160000Z"), 24, "DTSTART:20261201T150000Z");
  Reply refused = Put("mdupont", CopyPath("mdupont", uid), moved);
  EXPECT_EQ(refused.status, 403);
  EXPECT_NE(refused.body.find("allowed-attendee-scheduling-object-change"), std::string::npos);
}

TEST_F(SchedulingTest, RescheduleResendsButAlarmOnlyChangesDoNot) {
  std::string uid = "resched";
  std::string path = std::string(kOrgCal) + "m.ics";
  ASSERT_EQ(Put("jlabert", path, Meeting(uid, Attendee(kMarie))).status, 201);
  Reply copy1 = Do("mdupont", "GET", CopyPath("mdupont", uid));

  // Only the organizer's alarm: nothing sent, Marie's copy untouched.
  std::string alarm =
      "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT10M\r\nDESCRIPTION:x\r\n"
      "END:VALARM\r\n";
  ASSERT_EQ(Put("jlabert", path,
                Meeting(uid, Attendee(kMarie), "20261201T160000Z", "20261201T170000Z", alarm))
                .status,
            204);
  EXPECT_EQ(Do("mdupont", "GET", CopyPath("mdupont", uid)).Header("etag"), copy1.Header("etag"));
  EXPECT_EQ(InboxCount("mdupont", "REQUEST", uid), 1);

  // New time: a new REQUEST, Marie's copy moves, her Schedule-Tag changes.
  ASSERT_EQ(
      Put("jlabert", path, Meeting(uid, Attendee(kMarie), "20261202T160000Z", "20261202T170000Z"))
          .status,
      204);
  Reply copy2 = Do("mdupont", "GET", CopyPath("mdupont", uid));
  EXPECT_EQ(Lines(copy2.body, "DTSTART:20261202T160000Z").size(), 1u);
  EXPECT_NE(copy2.Header("schedule-tag"), copy1.Header("schedule-tag"));
  // The new REQUEST replaces the old one in the inbox (one message per event, not per edit).
  auto inbox = Inbox("mdupont");
  ASSERT_EQ(inbox.size(), 1u);
  EXPECT_EQ(Lines(inbox.begin()->second, "DTSTART:20261202T160000Z").size(), 1u);
  const std::string first_message = inbox.begin()->first;
  // An attendee whose client still holds the old tag cannot overwrite the update.
  Reply stale = Put(
      "mdupont", CopyPath("mdupont", uid), copy1.body,
      {{"Content-Type", "text/calendar"}, {"If-Schedule-Tag-Match", copy1.Header("schedule-tag")}});
  EXPECT_EQ(stale.status, 412);
  EXPECT_EQ(Lines(Get("mdupont", CopyPath("mdupont", uid)), "DTSTART:20261202T160000Z").size(), 1u);

  // SCHEDULE-FORCE-SEND=REQUEST re-sends without a change, and is not stored.
  ASSERT_EQ(Put("jlabert", path,
                Meeting(uid, Attendee(kMarie, "NEEDS-ACTION", ";SCHEDULE-FORCE-SEND=REQUEST"),
                        "20261202T160000Z", "20261202T170000Z"))
                .status,
            204);
  inbox = Inbox("mdupont");
  ASSERT_EQ(inbox.size(), 1u);
  EXPECT_NE(inbox.begin()->first, first_message) << "a new message was delivered";
  EXPECT_EQ(Get("jlabert", path).find("SCHEDULE-FORCE-SEND"), std::string::npos);
}

TEST_F(SchedulingTest, CancelAndRemovedAttendees) {
  std::string uid = "cancel-me";
  std::string path = std::string(kOrgCal) + "c.ics";
  ASSERT_EQ(Put("jlabert", path, Meeting(uid, Attendee(kMarie) + Attendee(kPaul))).status, 201);
  // Paul is taken off the list: he gets a CANCEL and his copy is cancelled.
  ASSERT_EQ(Put("jlabert", path, Meeting(uid, Attendee(kMarie))).status, 204);
  EXPECT_EQ(InboxCount("pmartin", "CANCEL", uid), 1);
  EXPECT_EQ(Lines(Get("pmartin", CopyPath("pmartin", uid)), "STATUS:CANCELLED").size(), 1u);
  EXPECT_EQ(InboxCount("mdupont", "CANCEL", uid), 0);
  // The organizer deletes the event: Marie's copy is cancelled too.
  ASSERT_EQ(Do("jlabert", "DELETE", path).status, 204);
  EXPECT_EQ(InboxCount("mdupont", "CANCEL", uid), 1);
  std::string copy = Get("mdupont", CopyPath("mdupont", uid));
  EXPECT_EQ(Lines(copy, "STATUS:CANCELLED").size(), 1u);
  // Deleting a cancelled copy sends nothing back.
  ASSERT_EQ(Do("mdupont", "DELETE", CopyPath("mdupont", uid)).status, 204);
  EXPECT_EQ(InboxCount("jlabert", "REPLY", uid), 0);
}

TEST_F(SchedulingTest, AttendeeDeletingDeclines) {
  std::string uid = "decline-by-delete";
  ASSERT_EQ(Put("jlabert", std::string(kOrgCal) + "d.ics",
                Meeting(uid, Attendee(kMarie) + Attendee(kPaul)))
                .status,
            201);
  ASSERT_EQ(Do("mdupont", "DELETE", CopyPath("mdupont", uid)).status, 204);
  std::string org = Get("jlabert", std::string(kOrgCal) + "d.ics");
  EXPECT_NE(AttendeeLine(org, kMarie).find("PARTSTAT=DECLINED"), std::string::npos);
  EXPECT_NE(AttendeeLine(Get("pmartin", CopyPath("pmartin", uid)), kMarie).find("DECLINED"),
            std::string::npos);
  // Schedule-Reply: F (RFC 6638 §8.1): Paul removes it silently.
  ASSERT_EQ(Do("pmartin", "DELETE", CopyPath("pmartin", uid), "", {{"Schedule-Reply", "F"}}).status,
            204);
  EXPECT_NE(AttendeeLine(Get("jlabert", std::string(kOrgCal) + "d.ics"), kPaul)
                .find("PARTSTAT=NEEDS-ACTION"),
            std::string::npos);
}

TEST_F(SchedulingTest, OneOccurrenceDeclined) {
  std::string uid = "weekly";
  std::string path = std::string(kOrgCal) + "w.ics";
  ASSERT_EQ(Put("jlabert", path,
                Meeting(uid, Attendee(kMarie), "20261201T160000Z", "20261201T170000Z",
                        "RRULE:FREQ=WEEKLY;COUNT=5\r\n"))
                .status,
            201);
  std::string copy = Unfold(Get("mdupont", CopyPath("mdupont", uid)));
  // Marie accepts the series but declines the meeting of 8 December: an override.
  std::string line = AttendeeLine(copy, kMarie);
  std::string accepted_line = line;
  accepted_line.replace(accepted_line.find("PARTSTAT=NEEDS-ACTION"), 21, "PARTSTAT=ACCEPTED");
  std::string declined_line = line;
  declined_line.replace(declined_line.find("PARTSTAT=NEEDS-ACTION"), 21, "PARTSTAT=DECLINED");
  copy.replace(copy.find(line), line.size(), accepted_line);
  std::string override_event =
      "BEGIN:VEVENT\r\nUID:" + uid +
      "\r\nDTSTAMP:20261120T080000Z\r\nSEQUENCE:0\r\n"
      "RECURRENCE-ID:20261208T160000Z\r\nDTSTART:20261208T160000Z\r\nDTEND:20261208T170000Z\r\n"
      "SUMMARY:Conseil de classe 3e B\r\nLOCATION:Salle 12\r\nORGANIZER;CN=Jean Labert:mailto:" +
      std::string(kJean) + "\r\n" + Attendee(kJean, "ACCEPTED") + declined_line +
      "\r\nEND:VEVENT\r\n";
  copy.insert(copy.find("END:VCALENDAR"), override_event);
  Reply put = Put("mdupont", CopyPath("mdupont", uid), copy);
  ASSERT_EQ(put.status, 204) << put.body;

  std::string org = Unfold(Get("jlabert", path));
  // The master says ACCEPTED; an override for 8 December says DECLINED.
  size_t override_at = org.find("RECURRENCE-ID:20261208T160000Z");
  ASSERT_NE(override_at, std::string::npos) << org;
  size_t begin = org.rfind("BEGIN:VEVENT", override_at);
  size_t end = org.find("END:VEVENT", override_at);
  std::string instance = org.substr(begin, end - begin);
  EXPECT_NE(AttendeeLine(instance, kMarie).find("PARTSTAT=DECLINED"), std::string::npos);
  std::string master = org.substr(0, org.find("BEGIN:VEVENT", org.find("BEGIN:VEVENT") + 1));
  if (master.find("RECURRENCE-ID") != std::string::npos) master = org.substr(end);
  EXPECT_NE(AttendeeLine(master, kMarie).find("PARTSTAT=ACCEPTED"), std::string::npos) << org;
}

TEST_F(SchedulingTest, ScheduleAgentClientAndPreconditions) {
  // SCHEDULE-AGENT=CLIENT: the client sends itself; the server delivers nothing.
  ASSERT_EQ(Put("jlabert", std::string(kOrgCal) + "client.ics",
                Meeting("by-client", Attendee(kMarie, "NEEDS-ACTION", ";SCHEDULE-AGENT=CLIENT")))
                .status,
            201);
  EXPECT_EQ(Do("mdupont", "GET", CopyPath("mdupont", "by-client")).status, 404);
  EXPECT_TRUE(Inbox("mdupont").empty());

  // The same scheduling object twice in one's calendars.
  ASSERT_EQ(Put("jlabert", std::string(kOrgCal) + "u1.ics", Meeting("dup", Attendee(kPaul))).status,
            201);
  Reply dup =
      Put("jlabert", "/dav/calendars/jlabert/taches/u2.ics", Meeting("dup", Attendee(kPaul)));
  EXPECT_EQ(dup.status, 403);
  // (taches/ only takes VTODO: the component check may answer first; try a new VEVENT calendar.)
  ASSERT_EQ(Do("jlabert", "MKCALENDAR", "/dav/calendars/jlabert/reunions/").status, 201);
  dup = Put("jlabert", "/dav/calendars/jlabert/reunions/u2.ics", Meeting("dup", Attendee(kPaul)));
  EXPECT_EQ(dup.status, 403);
  EXPECT_NE(dup.body.find("unique-scheduling-object-resource"), std::string::npos) << dup.body;

  // The organizer cannot hand the event to someone else by changing ORGANIZER.
  std::string other = Meeting("dup", Attendee(kPaul));
  other.replace(other.find(std::string("ORGANIZER;CN=Jean Labert:mailto:") + kJean),
                std::string("ORGANIZER;CN=Jean Labert:mailto:").size() + strlen(kJean),
                std::string("ORGANIZER:mailto:") + kMarie);
  Reply changed = Put("jlabert", std::string(kOrgCal) + "u1.ics", other);
  EXPECT_EQ(changed.status, 403);
  EXPECT_NE(changed.body.find("allowed-organizer-scheduling-object-change"), std::string::npos);

  // Components disagreeing on the organizer.
  std::string two = Meeting("two-orgs", Attendee(kPaul), "20261201T160000Z", "20261201T170000Z",
                            "RRULE:FREQ=DAILY;COUNT=3\r\n");
  two.insert(two.find("END:VCALENDAR"),
             "BEGIN:VEVENT\r\nUID:two-orgs\r\nDTSTAMP:20261120T080000Z\r\nRECURRENCE-ID:"
             "20261202T160000Z\r\nDTSTART:20261202T160000Z\r\nDTEND:20261202T170000Z\r\n"
             "ORGANIZER:mailto:" +
                 std::string(kMarie) + "\r\n" + Attendee(kPaul) + "END:VEVENT\r\n");
  Reply orgs = Put("jlabert", std::string(kOrgCal) + "two.ics", two);
  EXPECT_EQ(orgs.status, 403);
  EXPECT_NE(orgs.body.find("same-organizer-in-all-components"), std::string::npos);

  // An empty If-Schedule-Tag-Match matches a resource without a tag (Apple, docs/clients.md #5).
  Reply fresh = Put("jlabert", std::string(kOrgCal) + "fresh.ics", Meeting("fresh", ""),
                    {{"Content-Type", "text/calendar"}, {"If-Schedule-Tag-Match", ""}});
  EXPECT_EQ(fresh.status, 201);
  Reply wrong = Put("jlabert", std::string(kOrgCal) + "fresh.ics", Meeting("fresh", ""),
                    {{"Content-Type", "text/calendar"}, {"If-Schedule-Tag-Match", "\"nope\""}});
  EXPECT_EQ(wrong.status, 412);
}

TEST_F(SchedulingTest, ClientImportingAnAutoProcessedInvitationGetsA412) {
  // docs/clients.md #7: Thunderbird imports the invitation it also got by mail, as <UID>.ics with
  // If-None-Match: *; the server already put it there.
  std::string uid = "import-me";
  ASSERT_EQ(Put("jlabert", std::string(kOrgCal) + "i.ics", Meeting(uid, Attendee(kMarie))).status,
            201);
  Reply again = Put("mdupont", CopyPath("mdupont", uid), Get("mdupont", CopyPath("mdupont", uid)),
                    {{"Content-Type", "text/calendar"}, {"If-None-Match", "*"}});
  EXPECT_EQ(again.status, 412);
}

TEST_F(SchedulingTest, OneDeliveryPerColleagueAndTasksToo) {
  // Marie listed twice, by address and by principal URL: one message, both marked delivered.
  ASSERT_EQ(Put("jlabert", std::string(kOrgCal) + "alias.ics",
                Meeting("alias-1", Attendee(kMarie) +
                                       "ATTENDEE;PARTSTAT=NEEDS-ACTION:/dav/principals/users/"
                                       "mdupont/\r\n"))
                .status,
            201);
  EXPECT_EQ(InboxCount("mdupont", "REQUEST", "alias-1"), 1);
  std::string org = Get("jlabert", std::string(kOrgCal) + "alias.ics");
  EXPECT_NE(AttendeeLine(org, "/dav/principals/users/mdupont/").find("SCHEDULE-STATUS=1.2"),
            std::string::npos);
  // A task assigned to Paul lands in his task list (his default calendar takes only events).
  std::string todo =
      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Tests//FR\r\nBEGIN:VTODO\r\nUID:todo-1\r\n"
      "DTSTAMP:20261120T080000Z\r\nDUE:20261205T170000Z\r\nSUMMARY:Saisir les notes\r\n"
      "ORGANIZER:mailto:" +
      std::string(kJean) + "\r\n" + Attendee(kPaul) + "END:VTODO\r\nEND:VCALENDAR\r\n";
  ASSERT_EQ(Put("jlabert", "/dav/calendars/jlabert/taches/todo.ics", todo).status, 201);
  EXPECT_EQ(Do("pmartin", "GET", "/dav/calendars/pmartin/taches/todo-1.ics").status, 200);
  EXPECT_EQ(InboxCount("pmartin", "REQUEST", "todo-1"), 1);
}

TEST_F(SchedulingTest, DeliveryToAColleagueWhoNeverConnected) {
  server_.AddUser("aroux", "pw", "Anne Roux", "anne.roux@ac-orleans-tours.fr");
  ASSERT_EQ(Put("jlabert", std::string(kOrgCal) + "n.ics",
                Meeting("newcomer", Attendee("Anne.Roux@AC-Orleans-Tours.fr")))
                .status,
            201);
  EXPECT_NE(AttendeeLine(Get("jlabert", std::string(kOrgCal) + "n.ics"), "anne.roux")
                .find("SCHEDULE-STATUS=1.2"),
            std::string::npos);
  EXPECT_EQ(Do("aroux", "GET", CopyPath("aroux", "newcomer")).status, 200);
}

std::string FreeBusyRequest(const std::string& organizer, const std::vector<std::string>& who) {
  std::string r =
      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Tests//FR\r\nMETHOD:REQUEST\r\n"
      "BEGIN:VFREEBUSY\r\nUID:fb-1\r\nDTSTAMP:20261120T080000Z\r\n"
      "DTSTART:20261201T000000Z\r\nDTEND:20261202T000000Z\r\nORGANIZER:mailto:" +
      organizer + "\r\n";
  for (const std::string& a : who) r += "ATTENDEE:mailto:" + a + "\r\n";
  return r + "END:VFREEBUSY\r\nEND:VCALENDAR\r\n";
}

TEST_F(SchedulingTest, OutboxFreeBusy) {
  const std::string cal = "/dav/calendars/mdupont/agenda/";
  auto event = [&](const std::string& uid, const std::string& start, const std::string& end,
                   const std::string& extra) {
    return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Tests//FR\r\nBEGIN:VEVENT\r\nUID:" + uid +
           "\r\nDTSTAMP:20261120T080000Z\r\nDTSTART:" + start + "\r\nDTEND:" + end +
           "\r\nSUMMARY:Secret " + uid + "\r\n" + extra + "END:VEVENT\r\nEND:VCALENDAR\r\n";
  };
  ASSERT_EQ(
      Put("mdupont", cal + "busy.ics", event("busy", "20261201T080000Z", "20261201T090000Z", ""))
          .status,
      201);
  ASSERT_EQ(Put("mdupont", cal + "tent.ics",
                event("tent", "20261201T100000Z", "20261201T110000Z", "STATUS:TENTATIVE\r\n"))
                .status,
            201);
  ASSERT_EQ(Put("mdupont", cal + "transp.ics",
                event("transp", "20261201T120000Z", "20261201T130000Z", "TRANSP:TRANSPARENT\r\n"))
                .status,
            201);
  ASSERT_EQ(Put("mdupont", cal + "cancel.ics",
                event("cancel", "20261201T140000Z", "20261201T150000Z", "STATUS:CANCELLED\r\n"))
                .status,
            201);
  // A calendar marked transparent does not count.
  ASSERT_EQ(Do("mdupont", "MKCALENDAR", "/dav/calendars/mdupont/perso/").status, 201);
  Do("mdupont", "PROPPATCH", "/dav/calendars/mdupont/perso/",
     R"(<D:propertyupdate xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>
        <C:schedule-calendar-transp><C:transparent/></C:schedule-calendar-transp>
        </D:prop></D:set></D:propertyupdate>)");
  ASSERT_EQ(Put("mdupont", "/dav/calendars/mdupont/perso/p.ics",
                event("perso", "20261201T170000Z", "20261201T180000Z", ""))
                .status,
            201);

  // An invitation Marie declined does not make her busy.
  ASSERT_EQ(Put("jlabert", std::string(kOrgCal) + "declined.ics",
                Meeting("declined-fb", Attendee(kMarie), "20261201T060000Z", "20261201T070000Z"))
                .status,
            201);
  std::string copy = Unfold(Get("mdupont", CopyPath("mdupont", "declined-fb")));
  std::string line = AttendeeLine(copy, kMarie), declined = line;
  declined.replace(declined.find("PARTSTAT=NEEDS-ACTION"), 21, "PARTSTAT=DECLINED");
  copy.replace(copy.find(line), line.size(), declined);
  ASSERT_EQ(Put("mdupont", CopyPath("mdupont", "declined-fb"), copy).status, 204);

  Reply r =
      Do("jlabert", "POST", "/dav/calendars/jlabert/outbox/",
         FreeBusyRequest(kJean, {kMarie, "inconnu@ac-orleans-tours.fr", "x@example.org"}), kIcs);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("schedule-response"), std::string::npos);
  EXPECT_NE(r.body.find("2.0;Success"), std::string::npos);
  EXPECT_NE(r.body.find("3.7;Invalid calendar user"), std::string::npos);
  EXPECT_NE(r.body.find("5.3;No scheduling support for user"), std::string::npos);
  std::string fb = Unfold(r.body);
  EXPECT_NE(fb.find("FREEBUSY:20261201T080000Z/20261201T090000Z"), std::string::npos) << fb;
  EXPECT_NE(fb.find("FBTYPE=BUSY-TENTATIVE:20261201T100000Z/20261201T110000Z"), std::string::npos)
      << fb;
  EXPECT_EQ(fb.find("20261201T120000Z/"), std::string::npos) << "transparent event";
  EXPECT_EQ(fb.find("20261201T140000Z/"), std::string::npos) << "cancelled event";
  EXPECT_EQ(fb.find("20261201T170000Z/"), std::string::npos) << "transparent calendar";
  EXPECT_EQ(fb.find("20261201T060000Z/"), std::string::npos) << "declined invitation";
  EXPECT_EQ(fb.find("Secret"), std::string::npos) << "no event details";
  EXPECT_NE(fb.find("METHOD:REPLY"), std::string::npos);
  EXPECT_EQ(fb.find("VTIMEZONE"), std::string::npos);

  // Only one's own outbox, only as oneself, only well-formed requests.
  EXPECT_EQ(Do("mdupont", "POST", "/dav/calendars/jlabert/outbox/",
               FreeBusyRequest(kJean, {kMarie}), kIcs)
                .status,
            403);
  Reply impersonate = Do("jlabert", "POST", "/dav/calendars/jlabert/outbox/",
                         FreeBusyRequest(kMarie, {kPaul}), kIcs);
  EXPECT_EQ(impersonate.status, 403);
  EXPECT_NE(impersonate.body.find("organizer-allowed"), std::string::npos);
  Reply bad = Do("jlabert", "POST", "/dav/calendars/jlabert/outbox/", "not ical", kIcs);
  EXPECT_EQ(bad.status / 100, 4);
  // A calendar takes only sharing POSTs (XML): a free-busy request there is not one.
  EXPECT_EQ(Do("jlabert", "POST", kOrgCal, FreeBusyRequest(kJean, {kMarie}), kIcs).status, 415);
}

TEST_F(SchedulingTest, ColleagueWhoSchedulesInTheirOwnClient) {
  // docs/clients.md #6: Paul turned server scheduling off (cartable user scheduling pmartin off).
  directory::Accounts accounts(server_.store());
  ASSERT_TRUE(accounts.SetScheduling("pmartin", false).ok());
  EXPECT_EQ(Do("pmartin", "OPTIONS", "/dav/calendars/pmartin/")
                .Header("dav")
                .find("calendar-auto-schedule"),
            std::string::npos);
  EXPECT_NE(Do("mdupont", "OPTIONS", "/dav/calendars/mdupont/")
                .Header("dav")
                .find("calendar-auto-schedule"),
            std::string::npos);
  // Jean invites Paul: no server copy, the invitation goes by mail (queued here: no relay).
  ASSERT_EQ(Put("jlabert", std::string(kOrgCal) + "p.ics",
                Meeting("paul-by-mail", Attendee(kPaul) + Attendee(kMarie)))
                .status,
            201);
  EXPECT_EQ(Do("pmartin", "GET", CopyPath("pmartin", "paul-by-mail")).status, 404);
  EXPECT_TRUE(Inbox("pmartin").empty());
  std::string org = Get("jlabert", std::string(kOrgCal) + "p.ics");
  EXPECT_NE(AttendeeLine(org, kPaul).find("SCHEDULE-STATUS=1.0"), std::string::npos);
  EXPECT_NE(AttendeeLine(org, kMarie).find("SCHEDULE-STATUS=1.2"), std::string::npos);
  // Paul's own invitations are left to his client: stored as sent, nothing delivered.
  Reply own = Put("pmartin", "/dav/calendars/pmartin/agenda/own.ics",
                  Meeting("paul-organises", Attendee(kMarie)));
  EXPECT_EQ(own.status, 201);
  EXPECT_EQ(Do("mdupont", "GET", CopyPath("mdupont", "paul-organises")).status, 404);
  // His free/busy is still known to colleagues.
  Reply fb = Do("jlabert", "POST", "/dav/calendars/jlabert/outbox/",
                FreeBusyRequest(kJean, {kPaul}), kIcs);
  EXPECT_NE(fb.body.find("2.0;Success"), std::string::npos) << fb.body;
}

// Calendar data is parsed once where it enters (the PUT body, each stored copy read back) and
// handed through validation, the scheduling rules, the iTIP messages and the deliveries as a
// parsed object (dav/caldav/ical_object.h); it is serialised, not re-parsed, where it is
// stored or mailed. Before, one invitation to N colleagues and M outside people parsed the
// same event 3 + 4N + 2M times. Jean invites 3 colleagues and 1 outside address.
class ParseOnceTest : public SchedulingTest {
 protected:
  void SetUp() override {
    SchedulingTest::SetUp();
    server_.AddUser("cdurand", "pw", "Claire Durand", kClaire);
  }
  std::string Invitation(const std::string& start = "20261201T160000Z",
                         const std::string& end = "20261201T170000Z") {
    return Meeting(
        "parse-once",
        Attendee(kMarie) + Attendee(kPaul) + Attendee(kClaire) + Attendee("parent@example.org"),
        start, end);
  }
  // Parses made by the server while `request` runs (nothing else runs meanwhile).
  template <typename F>
  uint64_t ParsesDuring(F request) {
    const uint64_t before = dav::caldav::ParseCount();
    request();
    return dav::caldav::ParseCount() - before;
  }
  const std::string path_ = std::string(kOrgCal) + "parse.ics";
};

TEST_F(ParseOnceTest, AnInvitationParsesTheEventOnce) {
  uint64_t parses =
      ParsesDuring([&] { ASSERT_EQ(Put("jlabert", path_, Invitation()).status, 201); });
  // The body, at the door; the colleagues have no copy yet, the outside address costs nothing
  // (was 3 + 4*3 + 2*1 = 17, measured).
  EXPECT_EQ(parses, 1u);
  // Everything was still delivered and recorded.
  std::string org = Get("jlabert", path_);
  for (const char* who : {kMarie, kPaul, kClaire}) {
    EXPECT_NE(AttendeeLine(org, who).find("SCHEDULE-STATUS=1.2"), std::string::npos) << who;
  }
  EXPECT_NE(AttendeeLine(org, "parent@").find("SCHEDULE-STATUS=1.0"), std::string::npos);
  EXPECT_EQ(InboxCount("cdurand", "REQUEST", "parse-once"), 1);
}

TEST_F(ParseOnceTest, ARescheduleParsesTheBodyThePreviousCopyAndEachColleaguesCopy) {
  ASSERT_EQ(Put("jlabert", path_, Invitation()).status, 201);
  uint64_t parses = ParsesDuring([&] {
    ASSERT_EQ(Put("jlabert", path_, Invitation("20261202T160000Z", "20261202T170000Z")).status,
              204);
  });
  // The body, Jean's previous copy (what changed, answers to carry over) and the copy of each
  // of the 3 colleagues the REQUEST updates (was 26).
  EXPECT_EQ(parses, 1u + 1u + 3u);
  EXPECT_EQ(
      Lines(Get("cdurand", CopyPath("cdurand", "parse-once")), "DTSTART:20261202T160000Z").size(),
      1u);
}

TEST_F(ParseOnceTest, AReplyParsesEachCopyItChangesOnce) {
  ASSERT_EQ(Put("jlabert", path_, Invitation()).status, 201);
  std::string copy = Unfold(Get("mdupont", CopyPath("mdupont", "parse-once")));
  std::string line = AttendeeLine(copy, kMarie);
  std::string accepted = line;
  accepted.replace(accepted.find("PARTSTAT=NEEDS-ACTION"), 21, "PARTSTAT=ACCEPTED");
  copy.replace(copy.find(line), line.size(), accepted);
  uint64_t parses = ParsesDuring(
      [&] { ASSERT_EQ(Put("mdupont", CopyPath("mdupont", "parse-once"), copy).status, 204); });
  // Marie's body and her previous copy, Jean's copy the REPLY updates, and the copies of Paul
  // and Claire that show her answer (was 22: the REPLY was parsed again at each step of its
  // way, and each propagated REQUEST four times).
  EXPECT_EQ(parses, 2u + 1u + 2u);
  EXPECT_NE(AttendeeLine(Get("jlabert", path_), kMarie).find("PARTSTAT=ACCEPTED"),
            std::string::npos);
  EXPECT_NE(AttendeeLine(Get("cdurand", CopyPath("cdurand", "parse-once")), kMarie)
                .find("PARTSTAT=ACCEPTED"),
            std::string::npos);
}

// An event without ORGANIZER is no scheduling object (RFC 6638 §3.1): its update parses only the
// body (the previous copy was parsed to inspect it), its DELETE parses nothing (it was parsed to
// look for attendees to cancel). The event is stored, replaced and deleted all the same.
TEST_F(ParseOnceTest, APlainEventIsNotParsedForScheduling) {
  const std::string plain =
      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Tests//FR\r\nBEGIN:VEVENT\r\nUID:plain\r\n"
      "DTSTAMP:20261120T080000Z\r\nDTSTART:20261201T160000Z\r\nDTEND:20261201T170000Z\r\n"
      "SUMMARY:Conseil\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
  std::string moved = plain;
  moved.replace(moved.find("DTSTART:20261201"), 16, "DTSTART:20261202");
  moved.replace(moved.find("DTEND:20261201"), 14, "DTEND:20261202");
  EXPECT_EQ(ParsesDuring([&] { ASSERT_EQ(Put("jlabert", path_, plain).status, 201); }), 1u);
  EXPECT_EQ(ParsesDuring([&] { ASSERT_EQ(Put("jlabert", path_, moved).status, 204); }), 1u);
  EXPECT_EQ(Get("jlabert", path_), moved);
  EXPECT_EQ(ParsesDuring([&] { ASSERT_EQ(Do("jlabert", "DELETE", path_).status, 204); }), 0u);
  EXPECT_EQ(Do("jlabert", "GET", path_).status, 404);
}

TEST(SchedulingOffTest, NothingIsSentAndNothingAdvertised) {
  TestServer server([](server::Config& c) { c.scheduling = false; });
  server.AddUser("jlabert", "pw", "Jean Labert", kJean);
  server.AddUser("mdupont", "pw", "Marie Dupont", kMarie);
  Reply options = server.Request("OPTIONS", "/dav/", "", {}, "jlabert", "pw");
  EXPECT_EQ(options.Header("dav").find("calendar-auto-schedule"), std::string::npos);
  Reply put = server.Request("PUT", std::string(kOrgCal) + "x.ics",
                             Meeting("off", Attendee(kMarie)), kIcs, "jlabert", "pw");
  EXPECT_EQ(put.status, 201);
  EXPECT_FALSE(put.Header("etag").empty()) << "stored as sent";
  EXPECT_EQ(server.Request("GET", "/dav/calendars/mdupont/agenda/off.ics", "", {}, "mdupont", "pw")
                .status,
            404);
}

}  // namespace
}  // namespace cartable
