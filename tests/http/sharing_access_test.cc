// Access through share mounts over HTTP (issue 12, dav/sharing/access.h, mount.h): the mount in
// the sharee's home listing, current-user-privilege-set, DAV:owner and DAV:acl, the method
// privileges (read, read-write and free/busy sharees, other users), DELETE of a mount leaving
// the share, reserved names, COPY/MOVE at both ends, multiget hrefs, and the sharee's home sync
// reporting mounts that appear and go. Shares are made with the store calls (accepted), and the
// home Touched as the sharing service does, so these tests do not depend on the POST protocols.
// Users: jlabert (owner of /dav/calendars/jlabert/agenda/), mdupont, pmartin.
#include <gtest/gtest.h>

#include "tests/testlib/test_server.h"

namespace cartable {
namespace {

using testlib::MultiStatus;
using testlib::ParseMultiStatus;
using testlib::Reply;
using testlib::TestServer;

using Headers = std::vector<std::pair<std::string, std::string>>;
const Headers kXml = {{"Content-Type", "application/xml; charset=utf-8"}};

constexpr const char* kAgenda = "/dav/calendars/jlabert/agenda/";
constexpr const char* kNeedPrivileges = "need-privileges";

std::string Event(const std::string& uid, const std::string& summary) {
  return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:" + uid +
         "\r\nDTSTAMP:20261201T080000Z\r\nDTSTART:20261210T080000Z\r\nDTEND:20261210T090000Z\r\n"
         "SUMMARY:" +
         summary + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
}

std::string Propfind(const std::string& props) {
  return R"(<A:propfind xmlns:A="DAV:" xmlns:B="urn:ietf:params:xml:ns:caldav"><A:prop>)" + props +
         "</A:prop></A:propfind>";
}

std::string Between(const std::string& s, const std::string& open, const std::string& close) {
  size_t a = s.find(open);
  if (a == std::string::npos) return "";
  a += open.size();
  size_t b = s.find(close, a);
  return b == std::string::npos ? "" : s.substr(a, b - a);
}

class SharingAccessTest : public ::testing::Test {
 protected:
  SharingAccessTest() {
    server_.AddUser("jlabert", "pw", "Jean Labert", "jean.labert@ac-orleans-tours.fr");
    server_.AddUser("mdupont", "pw", "Marie Dupont", "marie.dupont@ac-orleans-tours.fr");
    server_.AddUser("pmartin", "pw", "Paul Martin", "paul.martin@ac-orleans-tours.fr");
    for (const char* u : {"jlabert", "mdupont", "pmartin"}) {
      EXPECT_EQ(Do(u, "PROPFIND", std::string("/dav/calendars/") + u + "/",
                   Propfind("<A:resourcetype/>"), {{"Depth", "0"}})
                    .status,
                207);
    }
    EXPECT_EQ(Do("jlabert", "PUT", std::string(kAgenda) + "e1.ics", Event("e1", "Conseil 3e B"),
                 {{"Content-Type", "text/calendar"}})
                  .status,
              201);
  }

  Reply Do(const std::string& user, const std::string& method, const std::string& path,
           const std::string& body = "", Headers headers = kXml) {
    return server_.Request(method, path, body, headers, user, "pw");
  }
  MultiStatus Find(const std::string& user, const std::string& path, const std::string& props,
                   const std::string& depth = "0") {
    Reply r = Do(user, "PROPFIND", path, Propfind(props),
                 {{"Content-Type", "application/xml"}, {"Depth", depth}});
    EXPECT_EQ(r.status, 207) << path << "\n" << r.body;
    return ParseMultiStatus(r.body);
  }

  store::Id UserId(const std::string& login) {
    return server_.store().ThreadSession().GetUserByLogin(login)->id;
  }

  // Shares jlabert's `collection` (the agenda by default) with `login` at `access`, accepted,
  // and Touches the sharee's home with the mount's name as the sharing service does. Returns
  // the mount path.
  std::string Share(const std::string& login, store::ShareAccess access,
                    const std::string& collection = kAgenda) {
    const std::string area =
        collection.rfind("/dav/addressbooks/", 0) == 0 ? "/dav/addressbooks/" : "/dav/calendars/";
    store::Session& s = server_.store().ThreadSession();
    auto txn = s.Begin(true);
    EXPECT_TRUE(txn.ok());
    store::Share sh;
    sh.collection_id = s.GetCollection(collection)->id;
    sh.sharee_user_id = UserId(login);
    sh.access = access;
    sh.status = store::ShareStatus::kAccepted;
    sh.invite_uid = "invite-" + login + collection;
    Result<store::Id> id = s.CreateShare(sh);
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    std::string name = "partage-" + std::to_string(id.ok() ? *id : 0) + "/";
    EXPECT_TRUE(s.Touch(s.GetCollection(area + login + "/")->id, name, false).ok());
    EXPECT_TRUE((*txn)->Commit().ok());
    return area + login + "/" + name;
  }

  // Revokes it as the sharing service does: the share goes, the home learns the mount went.
  void Revoke(const std::string& login, const std::string& mount) {
    store::Session& s = server_.store().ThreadSession();
    auto txn = s.Begin(true);
    std::string name = mount.substr(mount.rfind('/', mount.size() - 2) + 1);
    store::Id id = std::stoll(name.substr(std::string("partage-").size()));
    EXPECT_TRUE(s.DeleteShare(id).ok());
    EXPECT_TRUE(s.Touch(s.GetCollection("/dav/calendars/" + login + "/")->id, name, true).ok());
    EXPECT_TRUE((*txn)->Commit().ok());
  }

  std::string Sync(const std::string& user, const std::string& path, std::string& token,
                   int expect = 207) {
    Reply r = Do(user, "REPORT", path,
                 R"(<A:sync-collection xmlns:A="DAV:"><A:sync-token>)" + token +
                     "</A:sync-token><A:sync-level>1</A:sync-level><A:prop><A:displayname/>"
                     "<A:resourcetype/></A:prop></A:sync-collection>",
                 {{"Content-Type", "application/xml"}, {"Depth", "1"}});
    EXPECT_EQ(r.status, expect) << r.body;
    token = Between(r.body, "<d:sync-token>", "</d:sync-token>");
    return r.body;
  }

  TestServer server_;
};

TEST_F(SharingAccessTest, TheShareesHomeListsTheMountWithTheSharersNameAndOwner) {
  std::string mount = Share("mdupont", store::ShareAccess::kRead);
  MultiStatus ms = Find("mdupont", "/dav/calendars/mdupont/",
                        "<A:displayname/><A:owner/><A:resourcetype/>", "1");
  ASSERT_TRUE(ms.props.count(mount)) << "the mount is listed in the home";
  EXPECT_EQ(ms.props[mount]["{DAV:}displayname"].text, "Agenda") << "the owner's name for it";
  EXPECT_NE(ms.props[mount]["{DAV:}owner"].xml.find("/dav/principals/users/jlabert/"),
            std::string::npos);
  EXPECT_NE(ms.props[mount]["{DAV:}resourcetype"].xml.find("calendar"), std::string::npos);
  // Paul's home does not list it.
  MultiStatus paul = Find("pmartin", "/dav/calendars/pmartin/", "<A:resourcetype/>", "1");
  for (const auto& [href, props] : paul.props) {
    EXPECT_EQ(href.find("partage-"), std::string::npos) << href;
  }
}

TEST_F(SharingAccessTest, ReadShareIsReadOnlyInCurrentUserPrivilegeSet) {
  std::string mount = Share("mdupont", store::ShareAccess::kRead);
  MultiStatus ms = Find("mdupont", mount, "<A:current-user-privilege-set/>");
  const std::string& privs = ms.props[mount]["{DAV:}current-user-privilege-set"].xml;
  EXPECT_NE(privs.find("read"), std::string::npos);
  EXPECT_NE(privs.find("read-free-busy"), std::string::npos);
  EXPECT_EQ(privs.find("write"), std::string::npos) << privs;
  EXPECT_EQ(privs.find("bind"), std::string::npos) << privs;

  EXPECT_EQ(Do("mdupont", "GET", mount + "e1.ics").status, 200);
  Reply put =
      Do("mdupont", "PUT", mount + "e2.ics", Event("e2", "x"), {{"Content-Type", "text/calendar"}});
  EXPECT_EQ(put.status, 403);
  EXPECT_NE(put.body.find(kNeedPrivileges), std::string::npos);
  EXPECT_EQ(Do("mdupont", "DELETE", mount + "e1.ics").status, 403);
  EXPECT_EQ(Do("jlabert", "GET", std::string(kAgenda) + "e1.ics").status, 200) << "still there";
}

TEST_F(SharingAccessTest, ReadWriteShareWritesIntoTheOwnersCalendar) {
  std::string mount = Share("mdupont", store::ShareAccess::kReadWrite);
  MultiStatus ms = Find("mdupont", mount, "<A:current-user-privilege-set/>");
  const std::string& privs = ms.props[mount]["{DAV:}current-user-privilege-set"].xml;
  EXPECT_NE(privs.find("write-content"), std::string::npos) << privs;
  EXPECT_NE(privs.find("bind"), std::string::npos) << privs;
  EXPECT_EQ(privs.find("write-acl"), std::string::npos) << "sharing stays the owner's";

  EXPECT_EQ(Do("mdupont", "PUT", mount + "e2.ics", Event("e2", "Oraux"),
               {{"Content-Type", "text/calendar"}})
                .status,
            201);
  Reply owner = Do("jlabert", "GET", std::string(kAgenda) + "e2.ics");
  EXPECT_EQ(owner.status, 200);
  EXPECT_NE(owner.body.find("Oraux"), std::string::npos);
  EXPECT_EQ(Do("mdupont", "DELETE", mount + "e2.ics").status, 204);
  EXPECT_EQ(Do("jlabert", "GET", std::string(kAgenda) + "e2.ics").status, 404);
}

TEST_F(SharingAccessTest, OnlyTheShareeReachesTheMountAndNobodyTheSharersUrl) {
  std::string mount = Share("mdupont", store::ShareAccess::kReadWrite);
  for (const char* who : {"pmartin", "jlabert"}) {
    Reply r = Do(who, "GET", mount + "e1.ics");
    EXPECT_EQ(r.status, 403) << who;
    EXPECT_EQ(r.body.find("Conseil"), std::string::npos) << "no byte of the event";
  }
  Reply sharer_url = Do("mdupont", "GET", std::string(kAgenda) + "e1.ics");
  EXPECT_EQ(sharer_url.status, 403);
  EXPECT_NE(sharer_url.body.find(kNeedPrivileges), std::string::npos);
  EXPECT_EQ(sharer_url.body.find("Conseil"), std::string::npos);
}

TEST_F(SharingAccessTest, FreeBusyShareSeesTheCalendarButNoEvent) {
  std::string mount = Share("pmartin", store::ShareAccess::kFreeBusy);
  MultiStatus ms = Find("pmartin", mount, "<A:current-user-privilege-set/>");
  const std::string& privs = ms.props[mount]["{DAV:}current-user-privilege-set"].xml;
  EXPECT_NE(privs.find("read-free-busy"), std::string::npos) << privs;
  EXPECT_EQ(privs.find("<d:read/>"), std::string::npos) << privs;
  Reply get = Do("pmartin", "GET", mount + "e1.ics");
  EXPECT_EQ(get.status, 403);
  EXPECT_EQ(get.body.find("Conseil"), std::string::npos);
  Reply query =
      Do("pmartin", "REPORT", mount,
         R"(<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">)"
         R"(<D:prop><C:calendar-data/></D:prop><C:filter><C:comp-filter name="VCALENDAR"/>)"
         R"(</C:filter></C:calendar-query>)",
         {{"Content-Type", "application/xml"}, {"Depth", "1"}});
  EXPECT_EQ(query.status, 403);
  EXPECT_NE(query.body.find(kNeedPrivileges), std::string::npos);
  EXPECT_EQ(query.body.find("Conseil"), std::string::npos);
  Reply fb = Do("pmartin", "REPORT", mount,
                R"(<C:free-busy-query xmlns:C="urn:ietf:params:xml:ns:caldav">)"
                R"(<C:time-range start="20261201T000000Z" end="20261231T000000Z"/>)"
                R"(</C:free-busy-query>)",
                {{"Content-Type", "application/xml"}, {"Depth", "1"}});
  EXPECT_EQ(fb.status, 200) << fb.body;
  EXPECT_NE(fb.body.find("FREEBUSY"), std::string::npos);
  EXPECT_EQ(fb.body.find("Conseil"), std::string::npos);
}

TEST_F(SharingAccessTest, DeleteOfTheMountLeavesTheShareAndKeepsTheCalendar) {
  std::string mount = Share("mdupont", store::ShareAccess::kRead);
  EXPECT_EQ(Do("mdupont", "DELETE", mount).status, 204);
  EXPECT_EQ(Do("jlabert", "GET", std::string(kAgenda) + "e1.ics").status, 200);
  MultiStatus ms = Find("mdupont", "/dav/calendars/mdupont/", "<A:resourcetype/>", "1");
  EXPECT_EQ(ms.props.count(mount), 0u) << "gone from the home";
  EXPECT_EQ(Do("mdupont", "GET", mount + "e1.ics").status, 404);
  // Someone else may not make her leave.
  std::string rw = Share("pmartin", store::ShareAccess::kReadWrite);
  EXPECT_EQ(Do("mdupont", "DELETE", rw).status, 403);
  EXPECT_EQ(Do("jlabert", "DELETE", rw).status, 403);
  EXPECT_EQ(Do("pmartin", "GET", rw + "e1.ics").status, 200);
}

TEST_F(SharingAccessTest, MountsAreNeitherMovedNorReplaced) {
  std::string mount = Share("mdupont", store::ShareAccess::kReadWrite);
  Reply move = Do("mdupont", "MOVE", mount, "", {{"Destination", "/dav/calendars/mdupont/moved/"}});
  EXPECT_EQ(move.status, 403);
  // Her own calendar copied over the mount would replace the sharer's collection.
  Reply over = Do("mdupont", "COPY", "/dav/calendars/mdupont/agenda/", "",
                  {{"Destination", mount}, {"Overwrite", "T"}});
  EXPECT_EQ(over.status, 403);
  EXPECT_EQ(Do("jlabert", "GET", std::string(kAgenda) + "e1.ics").status, 200);
}

TEST_F(SharingAccessTest, CopyAndMoveNeedPrivilegesAtBothEnds) {
  std::string read = Share("mdupont", store::ShareAccess::kRead);
  std::string rw = Share("pmartin", store::ShareAccess::kReadWrite);
  // Out of a read share into one's own calendar: read there, bind here.
  EXPECT_EQ(Do("mdupont", "COPY", read + "e1.ics", "",
               {{"Destination", "/dav/calendars/mdupont/agenda/copy.ics"}})
                .status,
            201);
  // Moving out of a read share needs unbind there.
  EXPECT_EQ(Do("mdupont", "MOVE", read + "e1.ics", "",
               {{"Destination", "/dav/calendars/mdupont/agenda/moved.ics"}})
                .status,
            403);
  EXPECT_EQ(Do("jlabert", "GET", std::string(kAgenda) + "e1.ics").status, 200);
  // Into a read share: no bind.
  EXPECT_EQ(Do("mdupont", "PUT", "/dav/calendars/mdupont/agenda/mine.ics", Event("m1", "Mien"),
               {{"Content-Type", "text/calendar"}})
                .status,
            201);
  EXPECT_EQ(Do("mdupont", "COPY", "/dav/calendars/mdupont/agenda/mine.ics", "",
               {{"Destination", read + "mine.ics"}})
                .status,
            403);
  // A read-write sharee may.
  EXPECT_EQ(Do("pmartin", "PUT", "/dav/calendars/pmartin/agenda/his.ics", Event("h1", "Sien"),
               {{"Content-Type", "text/calendar"}})
                .status,
            201);
  EXPECT_EQ(Do("pmartin", "COPY", "/dav/calendars/pmartin/agenda/his.ics", "",
               {{"Destination", rw + "his.ics"}})
                .status,
            201);
  EXPECT_EQ(Do("jlabert", "GET", std::string(kAgenda) + "his.ics").status, 200);
}

TEST_F(SharingAccessTest, MountNamesAreReservedInHomes) {
  Reply mk = Do("jlabert", "MKCALENDAR", "/dav/calendars/jlabert/partage-42/");
  EXPECT_EQ(mk.status, 403);
  EXPECT_NE(mk.body.find("reserved"), std::string::npos) << mk.body;
  EXPECT_EQ(Do("jlabert", "MKCOL", "/dav/addressbooks/jlabert/partage-7/",
               R"(<D:mkcol xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav"><D:set><D:prop>)"
               R"(<D:resourcetype><D:collection/><C:addressbook/></D:resourcetype>)"
               R"(</D:prop></D:set></D:mkcol>)")
                .status,
            403);
  EXPECT_EQ(
      Do("jlabert", "COPY", kAgenda, "", {{"Destination", "/dav/calendars/jlabert/partage-9/"}})
          .status,
      403);
  EXPECT_EQ(Do("jlabert", "MKCALENDAR", "/dav/calendars/jlabert/partage-du-lundi/").status, 201);
}

TEST_F(SharingAccessTest, MultigetResolvesHrefsInMountsWithTheirAccess) {
  std::string mount = Share("mdupont", store::ShareAccess::kRead);
  std::string body =
      R"(<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">)"
      R"(<D:prop><D:getetag/><C:calendar-data/></D:prop><D:href>)" +
      mount + "e1.ics</D:href><D:href>" + kAgenda + "e1.ics</D:href></C:calendar-multiget>";
  Reply r = Do("mdupont", "REPORT", "/dav/calendars/mdupont/agenda/", body,
               {{"Content-Type", "application/xml"}, {"Depth", "1"}});
  ASSERT_EQ(r.status, 207) << r.body;
  MultiStatus ms = ParseMultiStatus(r.body);
  EXPECT_EQ(ms.props[mount + "e1.ics"]["{urn:ietf:params:xml:ns:caldav}calendar-data"].status, 200);
  EXPECT_EQ(ms.response_status[std::string(kAgenda) + "e1.ics"], 403);
  // On the mount itself, the batch path.
  Reply own = Do("mdupont", "REPORT", mount,
                 R"(<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">)"
                 R"(<D:prop><D:getetag/></D:prop><D:href>)" +
                     mount + "e1.ics</D:href></C:calendar-multiget>",
                 {{"Content-Type", "application/xml"}, {"Depth", "1"}});
  EXPECT_EQ(ParseMultiStatus(own.body).props[mount + "e1.ics"]["{DAV:}getetag"].status, 200);
}

TEST_F(SharingAccessTest, AclIsTheOwnersToRead) {
  std::string mount = Share("mdupont", store::ShareAccess::kRead);
  MultiStatus owner = Find("jlabert", kAgenda, "<A:acl/><A:acl-restrictions/>");
  const testlib::PropValue& acl = owner.props[kAgenda]["{DAV:}acl"];
  EXPECT_EQ(acl.status, 200);
  EXPECT_NE(acl.xml.find("/dav/principals/users/jlabert/"), std::string::npos) << acl.xml;
  EXPECT_NE(acl.xml.find("/dav/principals/users/mdupont/"), std::string::npos) << acl.xml;
  EXPECT_EQ(owner.props[kAgenda]["{DAV:}acl-restrictions"].status, 200);
  MultiStatus sharee = Find("mdupont", mount, "<A:acl/><A:owner/><A:supported-privilege-set/>");
  EXPECT_EQ(sharee.props[mount]["{DAV:}acl"].status, 403);
  EXPECT_EQ(sharee.props[mount]["{DAV:}owner"].status, 200);
  const testlib::PropValue& sps = sharee.props[mount]["{DAV:}supported-privilege-set"];
  EXPECT_NE(sps.xml.find("read-free-busy"), std::string::npos) << sps.xml;
  EXPECT_NE(sps.xml.find("write-content"), std::string::npos) << sps.xml;
}

TEST_F(SharingAccessTest, SyncOfTheShareesHomeReportsMountsComingAndGoing) {
  std::string token;
  Sync("mdupont", "/dav/calendars/mdupont/", token);
  ASSERT_FALSE(token.empty());
  std::string mount = Share("mdupont", store::ShareAccess::kRead);
  MultiStatus added = ParseMultiStatus(Sync("mdupont", "/dav/calendars/mdupont/", token));
  ASSERT_TRUE(added.props.count(mount)) << "the new mount is reported";
  EXPECT_EQ(added.props[mount]["{DAV:}displayname"].text, "Agenda");
  Revoke("mdupont", mount);
  MultiStatus gone = ParseMultiStatus(Sync("mdupont", "/dav/calendars/mdupont/", token));
  EXPECT_EQ(gone.response_status[mount], 404) << "the mount went";
  // The mount itself syncs like the calendar it shows.
  std::string again = Share("pmartin", store::ShareAccess::kRead);
  std::string t2;
  MultiStatus first = ParseMultiStatus(Sync("pmartin", again, t2));
  EXPECT_TRUE(first.props.count(again + "e1.ics"));
}

TEST_F(SharingAccessTest, AnAddressBookMountsInTheAddressBookHome) {
  const std::string book = "/dav/addressbooks/jlabert/contacts/";
  EXPECT_EQ(Do("jlabert", "PUT", book + "c1.vcf",
               "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:c1\r\nFN:Agent comptable\r\nEND:VCARD\r\n",
               {{"Content-Type", "text/vcard"}})
                .status,
            201);
  EXPECT_EQ(Do("mdupont", "PROPFIND", "/dav/addressbooks/mdupont/", Propfind("<A:getetag/>"),
               {{"Depth", "0"}})
                .status,
            207);
  std::string mount = Share("mdupont", store::ShareAccess::kRead, book);
  MultiStatus home = Find("mdupont", "/dav/addressbooks/mdupont/",
                          "<A:displayname/><A:current-user-privilege-set/>", "1");
  ASSERT_TRUE(home.props.count(mount)) << "listed in the address-book home";
  EXPECT_EQ(home.props[mount]["{DAV:}displayname"].text, "Contacts");
  const std::string& privs = home.props[mount]["{DAV:}current-user-privilege-set"].xml;
  EXPECT_EQ(privs.find("write"), std::string::npos) << privs;
  EXPECT_EQ(privs.find("read-free-busy"), std::string::npos) << "no free-busy in address books";
  Reply card = Do("mdupont", "GET", mount + "c1.vcf");
  EXPECT_EQ(card.status, 200);
  EXPECT_NE(card.body.find("Agent comptable"), std::string::npos);
  EXPECT_EQ(Do("mdupont", "PUT", mount + "c2.vcf",
               "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:c2\r\nFN:X\r\nEND:VCARD\r\n",
               {{"Content-Type", "text/vcard"}})
                .status,
            403);
  // Not in the calendar home.
  MultiStatus cal = Find("mdupont", "/dav/calendars/mdupont/", "<A:resourcetype/>", "1");
  for (const auto& [href, props] : cal.props) {
    EXPECT_EQ(href.find("partage-"), std::string::npos) << href;
  }
}

}  // namespace
}  // namespace cartable
