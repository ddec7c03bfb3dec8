// What sharees and delegates see of a shared calendar and what they may change (issue 12): their
// own alarms (per-user data) independent of the owner's, their own colour, private events
// reduced for read sharees and read delegates but whole for write delegates and the owner, no
// change of a reduced event, free/busy-only sharees. Shares are made with the store calls
// directly (accepted), delegates with PutDelegate.
#include <gtest/gtest.h>

#include "tests/testlib/test_server.h"

namespace cartable {
namespace {

using testlib::ParseMultiStatus;
using testlib::Reply;
using testlib::TestServer;

constexpr const char* kAgenda = "/dav/calendars/jlabert/agenda/";
const std::vector<std::pair<std::string, std::string>> kIcs = {
    {"Content-Type", "text/calendar; charset=utf-8"}};
constexpr const char* kMarker = "SECRET-7f3a";  // must never reach a sharee

std::string Event(const std::string& uid, const std::string& extra,
                  const std::string& summary = "Conseil de classe") {
  return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Cartable//Tests//FR\r\nBEGIN:VEVENT\r\nUID:" +
         uid +
         "\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:20261123T100000Z\r\n"
         "DTEND:20261123T110000Z\r\nSUMMARY:" +
         summary + "\r\n" + extra + "END:VEVENT\r\nEND:VCALENDAR\r\n";
}

std::string Alarm(const std::string& text, const std::string& trigger = "-PT15M") {
  return "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:" + text + "\r\nTRIGGER:" + trigger +
         "\r\nEND:VALARM\r\n";
}

std::string PrivateEvent(const std::string& uid, const std::string& cls = "PRIVATE") {
  return Event(uid,
               "CLASS:" + cls + "\r\nLOCATION:Cabinet " + kMarker + "\r\nDESCRIPTION:" + kMarker +
                   "\r\nATTENDEE:mailto:" + kMarker + "@example.com\r\n" + Alarm(kMarker),
               std::string("Medecin ") + kMarker);
}

bool Has(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

class SharingPerUserTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* login : {"jlabert", "mdupont", "pmartin", "fbusy", "rdeleg", "wdeleg"}) {
      server_.AddUser(login, "pw", login, std::string(login) + "@ac-orleans-tours.fr");
      // Creates their homes (first access).
      ASSERT_EQ(
          Req(login, "PROPFIND", "/dav/calendars/" + std::string(login) + "/", "", {{"Depth", "0"}})
              .status,
          207);
    }
    read_ = Share("mdupont", store::ShareAccess::kRead);
    write_ = Share("pmartin", store::ShareAccess::kReadWrite);
    busy_ = Share("fbusy", store::ShareAccess::kFreeBusy);
    Delegate("rdeleg", store::DelegateAccess::kRead);
    Delegate("wdeleg", store::DelegateAccess::kReadWrite);
  }

  Reply Req(const std::string& user, const std::string& method, const std::string& path,
            const std::string& body = "",
            const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    return server_.Request(method, path, body, headers, user, "pw");
  }
  Reply Put(const std::string& user, const std::string& path, const std::string& body,
            std::vector<std::pair<std::string, std::string>> headers = {}) {
    headers.insert(headers.end(), kIcs.begin(), kIcs.end());
    return Req(user, "PUT", path, body, headers);
  }

  store::Id UserId(const std::string& login) {
    Result<store::User> u = server_.store().ThreadSession().GetUserByLogin(login);
    EXPECT_TRUE(u.ok());
    return u.ok() ? u->id : 0;
  }

  // The sharee's mount of jlabert's agenda.
  std::string Share(const std::string& login, store::ShareAccess access) {
    store::Session& s = server_.store().ThreadSession();
    auto txn = s.Begin(true);
    EXPECT_TRUE(txn.ok());
    Result<store::Collection> agenda = s.GetCollection(kAgenda);
    EXPECT_TRUE(agenda.ok());
    store::Share share;
    share.collection_id = agenda->id;
    share.sharee_user_id = UserId(login);
    share.access = access;
    share.status = store::ShareStatus::kAccepted;
    share.invite_uid = "invite-" + login;
    Result<store::Id> id = s.CreateShare(share);
    EXPECT_TRUE(id.ok()) << id.status().message();
    EXPECT_TRUE((*txn)->Commit().ok());
    return "/dav/calendars/" + login + "/partage-" + std::to_string(*id) + "/";
  }

  void Delegate(const std::string& login, store::DelegateAccess access) {
    store::Session& s = server_.store().ThreadSession();
    auto txn = s.Begin(true);
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE(s.PutDelegate({UserId("jlabert"), UserId(login), access, 0}).ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }

  TestServer server_;
  std::string read_, write_, busy_;
};

TEST_F(SharingPerUserTest, PrivateEventReducedForReadSharersAndReadDelegates) {
  ASSERT_EQ(Put("jlabert", std::string(kAgenda) + "p.ics", PrivateEvent("p")).status, 201);
  ASSERT_EQ(
      Put("jlabert", std::string(kAgenda) + "c.ics", PrivateEvent("c", "CONFIDENTIAL")).status,
      201);

  for (const auto& [user, path] : {std::pair<std::string, std::string>{"mdupont", read_},
                                   {"pmartin", write_},
                                   {"rdeleg", kAgenda}}) {
    Reply p = Req(user, "GET", path + "p.ics");
    ASSERT_EQ(p.status, 200) << user << " " << p.body;
    EXPECT_FALSE(Has(p.body, kMarker)) << user << p.body;
    EXPECT_TRUE(Has(p.body, "SUMMARY:Occupé")) << p.body;
    EXPECT_TRUE(Has(p.body, "DTSTART:20261123T100000Z"));
    Reply c = Req(user, "GET", path + "c.ics");
    EXPECT_FALSE(Has(c.body, kMarker)) << user << c.body;
    EXPECT_TRUE(Has(c.body, "SUMMARY:Confidentiel")) << c.body;

    // calendar-data in PROPFIND Depth 1 and in calendar-query; the filter sees the reduced
    // event: a text-match on the hidden SUMMARY matches nothing.
    Reply listing = Req(user, "PROPFIND", path,
                        R"(<D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
                           <D:prop><C:calendar-data/></D:prop></D:propfind>)",
                        {{"Depth", "1"}});
    EXPECT_EQ(listing.status, 207);
    EXPECT_FALSE(Has(listing.body, kMarker)) << listing.body;
    Reply query = Req(user, "REPORT", path,
                      std::string(R"(<C:calendar-query xmlns:D="DAV:"
                        xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/></D:prop>
                        <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">
                        <C:prop-filter name="SUMMARY"><C:text-match>)") +
                          kMarker + R"(</C:text-match></C:prop-filter>
                        </C:comp-filter></C:comp-filter></C:filter></C:calendar-query>)",
                      {{"Depth", "1"}});
    EXPECT_EQ(query.status, 207);
    EXPECT_TRUE(ParseMultiStatus(query.body).props.empty()) << user << query.body;
  }
  // The owner and a write delegate see it whole.
  for (const char* user : {"jlabert", "wdeleg"}) {
    Reply whole = Req(user, "GET", std::string(kAgenda) + "p.ics");
    ASSERT_EQ(whole.status, 200);
    EXPECT_EQ(whole.body, PrivateEvent("p")) << user;
  }
}

TEST_F(SharingPerUserTest, SharerAndShareeAlarmsAreIndependent) {
  const std::string owners = Event("a", Alarm("owner alarm"));
  ASSERT_EQ(Put("jlabert", std::string(kAgenda) + "a.ics", owners).status, 201);
  const std::string owner_etag =
      Req("jlabert", "GET", std::string(kAgenda) + "a.ics").Header("etag");

  // The sharee sees no alarm of the owner.
  Reply first = Req("mdupont", "GET", read_ + "a.ics");
  ASSERT_EQ(first.status, 200);
  EXPECT_FALSE(Has(first.body, "owner alarm")) << first.body;
  EXPECT_FALSE(Has(first.body, "VALARM"));

  // A read sharee adds their own alarm: accepted, stored as theirs.
  Reply put = Put("mdupont", read_ + "a.ics", Event("a", Alarm("sharee alarm", "-PT1H")),
                  {{"If-Match", first.Header("etag")}});
  EXPECT_EQ(put.status, 204) << put.body;
  Reply mine = Req("mdupont", "GET", read_ + "a.ics");
  EXPECT_TRUE(Has(mine.body, "sharee alarm")) << mine.body;
  EXPECT_FALSE(Has(mine.body, "owner alarm"));
  EXPECT_NE(mine.Header("etag"), first.Header("etag"));  // their representation changed
  // The same ETag in getetag, GET and If-Match.
  Reply prop = Req("mdupont", "PROPFIND", read_ + "a.ics",
                   R"(<D:propfind xmlns:D="DAV:"><D:prop><D:getetag/></D:prop></D:propfind>)",
                   {{"Depth", "0"}});
  EXPECT_EQ(ParseMultiStatus(prop.body).props[read_ + "a.ics"]["{DAV:}getetag"].text,
            mine.Header("etag"));
  EXPECT_EQ(Put("mdupont", read_ + "a.ics", Event("a", Alarm("again")),
                {{"If-Match", first.Header("etag")}})
                .status,
            412);
  EXPECT_EQ(
      Req("mdupont", "GET", read_ + "a.ics", "", {{"If-None-Match", mine.Header("etag")}}).status,
      304);

  // The owner's copy is untouched, the other sharee sees neither alarm.
  Reply owner = Req("jlabert", "GET", std::string(kAgenda) + "a.ics");
  EXPECT_EQ(owner.body, owners);
  EXPECT_EQ(owner.Header("etag"), owner_etag);
  Reply other = Req("pmartin", "GET", write_ + "a.ics");
  EXPECT_FALSE(Has(other.body, "VALARM")) << other.body;

  // A read-write sharee changing the event keeps the owner's alarm and stores theirs apart.
  Reply rw = Put("pmartin", write_ + "a.ics",
                 Event("a", Alarm("pmartin alarm"), "Conseil de classe (salle 12)"));
  EXPECT_EQ(rw.status, 204) << rw.body;
  owner = Req("jlabert", "GET", std::string(kAgenda) + "a.ics");
  EXPECT_TRUE(Has(owner.body, "salle 12")) << owner.body;
  EXPECT_TRUE(Has(owner.body, "owner alarm"));
  EXPECT_FALSE(Has(owner.body, "pmartin alarm"));
  Reply theirs = Req("pmartin", "GET", write_ + "a.ics");
  EXPECT_TRUE(Has(theirs.body, "pmartin alarm"));
  EXPECT_FALSE(Has(theirs.body, "owner alarm"));
  mine = Req("mdupont", "GET", read_ + "a.ics");
  EXPECT_TRUE(Has(mine.body, "sharee alarm")) << mine.body;
  EXPECT_TRUE(Has(mine.body, "salle 12"));
}

TEST_F(SharingPerUserTest, ReadShareeMayChangeNothingButTheirAlarms) {
  const std::string owners = Event("b", "");
  ASSERT_EQ(Put("jlabert", std::string(kAgenda) + "b.ics", owners).status, 201);
  Reply r = Put("mdupont", read_ + "b.ics", Event("b", "", "Autre chose"));
  EXPECT_EQ(r.status, 403);
  EXPECT_TRUE(Has(r.body, "need-privileges")) << r.body;
  EXPECT_EQ(Put("mdupont", read_ + "new.ics", Event("new", "")).status, 403);
  EXPECT_EQ(Req("mdupont", "DELETE", read_ + "b.ics").status, 403);
  EXPECT_EQ(Req("jlabert", "GET", std::string(kAgenda) + "b.ics").body, owners);
}

TEST_F(SharingPerUserTest, ReadWriteShareeMayNotChangeOrDeleteAPrivateEvent) {
  const std::string owners = PrivateEvent("p");
  ASSERT_EQ(Put("jlabert", std::string(kAgenda) + "p.ics", owners).status, 201);
  Reply seen = Req("pmartin", "GET", write_ + "p.ics");
  Reply put = Put("pmartin", write_ + "p.ics", seen.body);
  EXPECT_EQ(put.status, 403);
  EXPECT_TRUE(Has(put.body, "need-privileges")) << put.body;
  EXPECT_TRUE(Has(put.body, "événement privé")) << put.body;
  EXPECT_FALSE(Has(put.body, kMarker));
  Reply del = Req("pmartin", "DELETE", write_ + "p.ics");
  EXPECT_EQ(del.status, 403);
  EXPECT_TRUE(Has(del.body, "événement privé")) << del.body;
  EXPECT_EQ(Req("jlabert", "GET", std::string(kAgenda) + "p.ics").body, owners);
  // A write delegate may.
  EXPECT_EQ(Req("wdeleg", "DELETE", std::string(kAgenda) + "p.ics").status, 204);
}

TEST_F(SharingPerUserTest, ColourAndNameArePerUser) {
  const std::string body = R"(<D:propertyupdate xmlns:D="DAV:" xmlns:A="http://apple.com/ns/ical/"
      xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>
      <D:displayname>Agenda de Jean</D:displayname><A:calendar-color>#FF0000FF</A:calendar-color>
      <A:calendar-order>7</A:calendar-order>
      <C:schedule-calendar-transp><C:transparent/></C:schedule-calendar-transp>
      </D:prop></D:set></D:propertyupdate>)";
  Reply r = Req("mdupont", "PROPPATCH", read_, body);
  ASSERT_EQ(r.status, 207);
  EXPECT_TRUE(Has(r.body, "200 OK")) << r.body;
  EXPECT_FALSE(Has(r.body, "403")) << r.body;

  const std::string ask = R"(<D:propfind xmlns:D="DAV:" xmlns:A="http://apple.com/ns/ical/"
      xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:displayname/><A:calendar-color/>
      <A:calendar-order/><C:schedule-calendar-transp/></D:prop></D:propfind>)";
  auto mine =
      ParseMultiStatus(Req("mdupont", "PROPFIND", read_, ask, {{"Depth", "0"}}).body).props[read_];
  EXPECT_EQ(mine["{DAV:}displayname"].text, "Agenda de Jean");
  EXPECT_EQ(mine["{http://apple.com/ns/ical/}calendar-color"].text, "#FF0000FF");
  EXPECT_EQ(mine["{http://apple.com/ns/ical/}calendar-order"].text, "7");
  EXPECT_TRUE(
      Has(mine["{urn:ietf:params:xml:ns:caldav}schedule-calendar-transp"].xml, "transparent"));
  // The owner's and another sharee's are unchanged (the owner's).
  for (const auto& [user, path] :
       {std::pair<std::string, std::string>{"jlabert", kAgenda}, {"pmartin", write_}}) {
    auto p = ParseMultiStatus(Req(user, "PROPFIND", path, ask, {{"Depth", "0"}}).body).props[path];
    EXPECT_EQ(p["{DAV:}displayname"].text, "Agenda") << user;
    EXPECT_NE(p["{http://apple.com/ns/ical/}calendar-color"].status, 200) << user;
    EXPECT_TRUE(Has(p["{urn:ietf:params:xml:ns:caldav}schedule-calendar-transp"].xml, "opaque"));
  }
  // Removing theirs falls back to the owner's.
  Reply rm = Req("mdupont", "PROPPATCH", read_,
                 R"(<D:propertyupdate xmlns:D="DAV:"><D:remove><D:prop><D:displayname/>
                    </D:prop></D:remove></D:propertyupdate>)");
  EXPECT_EQ(rm.status, 207);
  mine =
      ParseMultiStatus(Req("mdupont", "PROPFIND", read_, ask, {{"Depth", "0"}}).body).props[read_];
  EXPECT_EQ(mine["{DAV:}displayname"].text, "Agenda");
  EXPECT_EQ(mine["{http://apple.com/ns/ical/}calendar-color"].text, "#FF0000FF");

  // Anything else of the sharer's calendar: 403 need-privileges, nothing stored (424 for the
  // rest).
  Reply other = Req("pmartin", "PROPPATCH", write_,
                    R"(<D:propertyupdate xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"
                       xmlns:A="http://apple.com/ns/ical/"><D:set><D:prop>
                       <C:calendar-description>Hijack</C:calendar-description>
                       <A:calendar-color>#00FF00FF</A:calendar-color>
                       </D:prop></D:set></D:propertyupdate>)");
  EXPECT_EQ(other.status, 207);
  EXPECT_TRUE(Has(other.body, "403")) << other.body;
  EXPECT_TRUE(Has(other.body, "424")) << other.body;
  auto theirs = ParseMultiStatus(Req("pmartin", "PROPFIND", write_, ask, {{"Depth", "0"}}).body)
                    .props[write_];
  EXPECT_NE(theirs["{http://apple.com/ns/ical/}calendar-color"].status, 200);
}

TEST_F(SharingPerUserTest, FreeBusyShareeSeesBusyTimeOnly) {
  ASSERT_EQ(Put("jlabert", std::string(kAgenda) + "p.ics", PrivateEvent("p")).status, 201);
  Reply fb = Req("fbusy", "REPORT", busy_,
                 R"(<C:free-busy-query xmlns:C="urn:ietf:params:xml:ns:caldav">
                    <C:time-range start="20261123T000000Z" end="20261124T000000Z"/>
                    </C:free-busy-query>)",
                 {{"Depth", "1"}});
  EXPECT_EQ(fb.status, 200) << fb.body;
  EXPECT_TRUE(Has(fb.body, "FREEBUSY")) << fb.body;
  EXPECT_TRUE(Has(fb.body, "20261123T100000Z"));
  EXPECT_FALSE(Has(fb.body, kMarker));

  Reply listing = Req("fbusy", "PROPFIND", busy_,
                      R"(<D:propfind xmlns:D="DAV:"><D:prop><D:getetag/></D:prop></D:propfind>)",
                      {{"Depth", "1"}});
  EXPECT_EQ(listing.status, 207);
  auto ms = ParseMultiStatus(listing.body);
  EXPECT_EQ(ms.props.size(), 1u) << listing.body;  // the calendar only
  EXPECT_FALSE(Has(listing.body, "p.ics"));
  Reply get = Req("fbusy", "GET", busy_ + "p.ics");
  EXPECT_EQ(get.status, 403);
  EXPECT_FALSE(Has(get.body, kMarker));
}

}  // namespace
}  // namespace cartable
