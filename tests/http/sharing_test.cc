// Sharing over HTTP (issue 12): the request sequences macOS/iOS Calendar send to share a
// calendar and to accept a share (CalendarServer's caldav-sharing: CS:share, CS:invite, the
// notification collection, CS:invite-reply), the WebDAV resource sharing sequence SabreDAV
// clients send (DAV:share-resource, DAV:invite, DAV:share-access, DAV:sharer-resource-uri),
// [sharing] auto_accept on and off, revoking, and the refusals.
// Users: jlabert (owner of /dav/calendars/jlabert/agenda/), mdupont and pmartin (sharees).
#include <gtest/gtest.h>

#include "tests/testlib/test_server.h"

namespace cartable {
namespace {

using testlib::MultiStatus;
using testlib::ParseMultiStatus;
using testlib::PropValue;
using testlib::Reply;
using testlib::TestServer;

using Headers = std::vector<std::pair<std::string, std::string>>;
const Headers kXml = {{"Content-Type", "application/xml; charset=utf-8"}};

constexpr const char* kAgenda = "/dav/calendars/jlabert/agenda/";
constexpr const char* kMarieHome = "/dav/calendars/mdupont/";
constexpr const char* kMarieNotes = "/dav/calendars/mdupont/notifications/";
constexpr const char* kCs = "{http://calendarserver.org/ns/}";

// What macOS sends to share a calendar (caldav-sharing §5.3.2.1).
std::string CsShare(const std::string& href, const std::string& access,
                    const std::string& summary = "Conseils de classe") {
  return R"(<?xml version="1.0" encoding="UTF-8"?>
<C:share xmlns:C="http://calendarserver.org/ns/" xmlns:D="DAV:">
  <C:set><D:href>)" +
         href + R"(</D:href><C:common-name>Marie Dupont</C:common-name><C:summary>)" + summary +
         "</C:summary><C:" + access + "/></C:set>\n</C:share>";
}

std::string CsUnshare(const std::string& href) {
  return R"(<C:share xmlns:C="http://calendarserver.org/ns/" xmlns:D="DAV:"><C:remove><D:href>)" +
         href + "</D:href></C:remove></C:share>";
}

// draft-pot-webdav-resource-sharing §5.3, as SabreDAV clients send it.
std::string ShareResource(const std::string& href, const std::string& access) {
  return R"(<D:share-resource xmlns:D="DAV:"><D:sharee><D:href>)" + href +
         R"(</D:href><D:prop><D:displayname>X</D:displayname></D:prop>)" +
         "<D:comment>Oraux</D:comment><D:share-access><D:" + access +
         "/></D:share-access></D:sharee></D:share-resource>";
}

std::string Propfind(const std::string& props) {
  return R"(<A:propfind xmlns:A="DAV:" xmlns:C="http://calendarserver.org/ns/" )"
         R"(xmlns:B="urn:ietf:params:xml:ns:caldav"><A:prop>)" +
         props + "</A:prop></A:propfind>";
}

std::string Between(const std::string& s, const std::string& open, const std::string& close) {
  size_t a = s.find(open);
  if (a == std::string::npos) return "";
  a += open.size();
  size_t b = s.find(close, a);
  return b == std::string::npos ? "" : s.substr(a, b - a);
}

class SharingTest : public ::testing::Test {
 protected:
  explicit SharingTest(void (*tweak)(server::Config&) = nullptr) : server_(tweak) {
    server_.AddUser("jlabert", "pw", "Jean Labert", "jean.labert@ac-orleans-tours.fr");
    server_.AddUser("mdupont", "pw", "Marie Dupont", "marie.dupont@ac-orleans-tours.fr");
    server_.AddUser("pmartin", "pw", "Paul Martin", "paul.martin@ac-orleans-tours.fr");
    // Every home exists, as after each person's first connection.
    for (const char* u : {"jlabert", "mdupont", "pmartin"}) {
      EXPECT_EQ(Do(u, "PROPFIND", std::string("/dav/calendars/") + u + "/",
                   Propfind("<A:getetag/>"), {{"Depth", "0"}})
                    .status,
                207);
    }
  }

  Reply Do(const std::string& user, const std::string& method, const std::string& path,
           const std::string& body = "", Headers headers = kXml) {
    return server_.Request(method, path, body, headers, user, "pw");
  }
  Reply Post(const std::string& user, const std::string& path, const std::string& body) {
    return Do(user, "POST", path, body);
  }
  MultiStatus Find(const std::string& user, const std::string& path, const std::string& props,
                   const std::string& depth = "0") {
    Headers h = kXml;
    h.push_back({"Depth", depth});
    Reply r = Do(user, "PROPFIND", path, Propfind(props), h);
    EXPECT_EQ(r.status, 207) << path << "\n" << r.body;
    return ParseMultiStatus(r.body);
  }
  // The sync-collection of `user` on `path` from `token` ("" = initial); `token` gets the new one.
  MultiStatus Sync(const std::string& user, const std::string& path, std::string& token,
                   const std::string& props = "<A:getetag/>") {
    Headers h = kXml;
    h.push_back({"Depth", "1"});
    Reply r = Do(user, "REPORT", path,
                 R"(<A:sync-collection xmlns:A="DAV:" xmlns:C="http://calendarserver.org/ns/">)"
                 "<A:sync-token>" +
                     token + "</A:sync-token><A:sync-level>1</A:sync-level><A:prop>" + props +
                     "</A:prop></A:sync-collection>",
                 h);
    EXPECT_EQ(r.status, 207) << r.body;
    token = Between(r.body, "<d:sync-token>", "</d:sync-token>");
    return ParseMultiStatus(r.body);
  }
  // The hrefs of the mounts (partage-N/) in `user`'s calendar home.
  std::vector<std::string> MountsOf(const std::string& user) {
    std::vector<std::string> out;
    for (const auto& [href, props] :
         Find(user, "/dav/calendars/" + user + "/", "<A:resourcetype/>", "1").props) {
      if (href.find("/partage-") != std::string::npos) out.push_back(href);
    }
    return out;
  }

  TestServer server_;
};

// [sharing] auto_accept = false: the invitation flow macOS and iOS show.
class SharingInviteTest : public SharingTest {
 protected:
  SharingInviteTest() : SharingTest([](server::Config& c) { c.share_auto_accept = false; }) {}
};

// macOS Calendar: "Partager le calendrier..." then the sharee accepts the invitation.
TEST_F(SharingInviteTest, MacOsShareAndAcceptSequence) {
  // 1. The owner's client sees sharing is offered (DAV header, CS:allowed-sharing-modes).
  Reply options = Do("jlabert", "OPTIONS", "/dav/calendars/jlabert/");
  EXPECT_NE(options.Header("dav").find("calendarserver-sharing"), std::string::npos);
  MultiStatus home = Find("jlabert", "/dav/calendars/jlabert/",
                          "<C:allowed-sharing-modes/><C:invite/><A:resourcetype/>", "1");
  EXPECT_NE(
      home.props[kAgenda][std::string(kCs) + "allowed-sharing-modes"].xml.find("can-be-shared"),
      std::string::npos);
  EXPECT_EQ(home.props[kAgenda][std::string(kCs) + "invite"].status, 404) << "not shared yet";
  EXPECT_EQ(home.props[kAgenda]["{DAV:}resourcetype"].xml.find("shared-owner"), std::string::npos);

  // 2. CS:share POST: 200, no body.
  Reply share =
      Post("jlabert", kAgenda, CsShare("mailto:marie.dupont@ac-orleans-tours.fr", "read"));
  ASSERT_EQ(share.status, 200) << share.body;

  // 3. The owner's PROPFIND: CS:invite lists Marie, not answered yet; CS:shared-owner.
  MultiStatus owner = Find("jlabert", kAgenda, "<C:invite/><A:resourcetype/><A:share-access/>");
  const std::string invite = owner.props[kAgenda][std::string(kCs) + "invite"].xml;
  EXPECT_NE(invite.find("mailto:marie.dupont@ac-orleans-tours.fr"), std::string::npos) << invite;
  EXPECT_NE(invite.find("invite-noresponse"), std::string::npos) << invite;
  EXPECT_NE(invite.find("Marie Dupont"), std::string::npos) << invite;
  EXPECT_NE(invite.find("Conseils de classe"), std::string::npos) << invite;
  EXPECT_NE(Between(invite, "access>", "access>").find("read"), std::string::npos) << invite;
  EXPECT_NE(owner.props[kAgenda]["{DAV:}resourcetype"].xml.find("shared-owner"), std::string::npos);
  EXPECT_NE(owner.props[kAgenda]["{DAV:}share-access"].xml.find("shared-owner"), std::string::npos);
  EXPECT_TRUE(MountsOf("mdupont").empty()) << "nothing in her home before she answers";

  // 4. The sharee's client finds the notification collection on her principal...
  MultiStatus principal =
      Find("mdupont", "/dav/principals/users/mdupont/", "<C:notification-URL/>");
  EXPECT_NE(principal.props["/dav/principals/users/mdupont/"][std::string(kCs) + "notification-URL"]
                .xml.find(kMarieNotes),
            std::string::npos);
  // ...polls it (Depth 1 PROPFIND, then sync-collection as OS X 10.11 does)...
  MultiStatus notes =
      Find("mdupont", kMarieNotes, "<A:getetag/><C:notificationtype/><A:resourcetype/>", "1");
  EXPECT_NE(notes.props[kMarieNotes]["{DAV:}resourcetype"].xml.find("notification"),
            std::string::npos);
  std::string note_href;
  for (const auto& [href, props] : notes.props) {
    if (href != kMarieNotes) note_href = href;
  }
  ASSERT_FALSE(note_href.empty());
  const PropValue& type = notes.props[note_href][std::string(kCs) + "notificationtype"];
  EXPECT_EQ(type.status, 200);
  EXPECT_NE(type.xml.find("invite-notification"), std::string::npos) << type.xml;
  EXPECT_NE(type.xml.find("shared-type=\"calendar\""), std::string::npos) << type.xml;
  std::string token;
  MultiStatus synced = Sync("mdupont", kMarieNotes, token, "<C:notificationtype/><A:getetag/>");
  EXPECT_EQ(synced.props.count(note_href), 1u);

  // 5. ...GETs the invitation...
  Reply note = Do("mdupont", "GET", note_href);
  ASSERT_EQ(note.status, 200);
  EXPECT_NE(note.Header("content-type").find("xml"), std::string::npos);
  const std::string uid = Between(note.body, "<cs:uid>", "</cs:uid>");
  ASSERT_FALSE(uid.empty()) << note.body;
  EXPECT_NE(note.body.find(kAgenda), std::string::npos) << "CS:hosturl";
  EXPECT_NE(note.body.find("Jean Labert"), std::string::npos) << "CS:organizer";
  // Nobody else reads it.
  EXPECT_EQ(Do("pmartin", "GET", note_href).status, 403);

  // 6. ...and accepts it: CS:invite-reply to her calendar home, answered with CS:shared-as.
  Reply reply =
      Post("mdupont", kMarieHome,
           R"(<C:invite-reply xmlns:C="http://calendarserver.org/ns/" xmlns:D="DAV:">)"
           "<D:href>mailto:marie.dupont@ac-orleans-tours.fr</D:href><C:invite-accepted/>"
           "<C:hosturl><D:href>/dav/calendars/jlabert/agenda/</D:href></C:hosturl>"
           "<C:in-reply-to>" +
               uid + "</C:in-reply-to><C:summary>Agenda de Jean</C:summary>" + "</C:invite-reply>");
  ASSERT_EQ(reply.status, 200) << reply.body;
  const std::string mount = Between(reply.body, "<d:href>", "</d:href>");
  EXPECT_EQ(mount.rfind("/dav/calendars/mdupont/partage-", 0), 0u) << reply.body;
  EXPECT_NE(reply.body.find("shared-as"), std::string::npos);
  EXPECT_EQ(Do("mdupont", "GET", note_href).status, 404) << "the answered invitation is gone";

  // 7. Her home lists the mount, a calendar shared with her, named as the owner named it.
  MultiStatus listed = Find("mdupont", kMarieHome,
                            "<A:resourcetype/><A:displayname/><C:invite/><C:shared-url/>"
                            "<A:current-user-privilege-set/>",
                            "1");
  ASSERT_EQ(listed.props.count(mount), 1u) << "home lists " << mount;
  const std::string rt = listed.props[mount]["{DAV:}resourcetype"].xml;
  EXPECT_NE(rt.find("calendar"), std::string::npos) << rt;
  EXPECT_NE(rt.find("shared"), std::string::npos) << rt;
  EXPECT_EQ(rt.find("shared-owner"), std::string::npos) << rt;
  EXPECT_NE(listed.props[mount]["{DAV:}displayname"].text.find("Agenda"), std::string::npos);
  EXPECT_NE(listed.props[mount][std::string(kCs) + "invite"].xml.find("organizer"),
            std::string::npos);
  EXPECT_NE(listed.props[mount][std::string(kCs) + "shared-url"].xml.find(kAgenda),
            std::string::npos);
  const std::string privs = listed.props[mount]["{DAV:}current-user-privilege-set"].xml;
  EXPECT_NE(privs.find("read"), std::string::npos) << privs;
  EXPECT_EQ(privs.find("write-content"), std::string::npos) << "read access: " << privs;

  // 8. The owner sees the answer.
  EXPECT_NE(Find("jlabert", kAgenda, "<C:invite/>")
                .props[kAgenda][std::string(kCs) + "invite"]
                .xml.find("invite-accepted"),
            std::string::npos);
}

TEST_F(SharingInviteTest, DeclineAndDavInviteReply) {
  ASSERT_EQ(Post("jlabert", kAgenda, CsShare("mdupont", "read-write")).status, 200);
  ASSERT_EQ(Post("jlabert", "/dav/addressbooks/jlabert/contacts/",
                 ShareResource("/dav/principals/users/mdupont/", "read"))
                .status,
            200);
  MultiStatus notes = Find("mdupont", kMarieNotes, "<C:notificationtype/>", "1");
  std::vector<std::string> hrefs;
  std::string book_note;
  for (const auto& [href, props] : notes.props) {
    if (href == kMarieNotes) continue;
    hrefs.push_back(href);
    if (props.at(std::string(kCs) + "notificationtype").xml.find("addressbook") !=
        std::string::npos) {
      book_note = href;
    }
  }
  ASSERT_EQ(hrefs.size(), 2u);
  ASSERT_FALSE(book_note.empty());
  const std::string cal_note = hrefs[0] == book_note ? hrefs[1] : hrefs[0];

  // A malformed answer changes nothing.
  EXPECT_EQ(Post("mdupont", cal_note,
                 R"(<D:invite-reply xmlns:D="DAV:"><D:invite-accepted/><D:invite-declined/>)"
                 "</D:invite-reply>")
                .status,
            400);
  // DAV:invite-reply to the invitation itself (WebDAV resource sharing).
  Reply accepted = Post("mdupont", book_note,
                        R"(<D:invite-reply xmlns:D="DAV:"><D:invite-accepted/></D:invite-reply>)");
  ASSERT_EQ(accepted.status, 200) << accepted.body;
  const std::string book_mount = accepted.Header("location");
  EXPECT_EQ(book_mount.rfind("/dav/addressbooks/mdupont/partage-", 0), 0u) << book_mount;
  // Declining the calendar: 200, nothing mounted, the invitation gone, the owner sees it.
  Reply declined = Post("mdupont", cal_note,
                        R"(<D:invite-reply xmlns:D="DAV:"><D:invite-declined/></D:invite-reply>)");
  EXPECT_EQ(declined.status, 200) << declined.body;
  EXPECT_TRUE(MountsOf("mdupont").empty());
  EXPECT_EQ(Do("mdupont", "GET", cal_note).status, 404);
  EXPECT_NE(Find("jlabert", kAgenda, "<C:invite/>")
                .props[kAgenda][std::string(kCs) + "invite"]
                .xml.find("invite-declined"),
            std::string::npos);
  // Answering again: there is no such invitation any more (403, the home exists).
  Reply again = Post("mdupont", kMarieHome,
                     R"(<C:invite-reply xmlns:C="http://calendarserver.org/ns/">)"
                     "<C:invite-accepted/><C:in-reply-to>nope</C:in-reply-to></C:invite-reply>");
  EXPECT_EQ(again.status, 403) << again.body;
  // Someone else cannot answer in her home.
  EXPECT_EQ(Post("pmartin", kMarieHome,
                 R"(<C:invite-reply xmlns:C="http://calendarserver.org/ns/">)"
                 "<C:invite-accepted/><C:in-reply-to>x</C:in-reply-to></C:invite-reply>")
                .status,
            403);
}

// auto_accept on (the default): Thunderbird and DAVx5 users see the share at once; revoking
// removes it and the sharee's next sync on her home says so.
TEST_F(SharingTest, AutoAcceptThenRevokeSeenBySync) {
  std::string token;
  Sync("mdupont", kMarieHome, token);
  ASSERT_FALSE(token.empty());
  ASSERT_EQ(Post("jlabert", kAgenda, CsShare("marie.dupont@ac-orleans-tours.fr", "read")).status,
            200);
  std::vector<std::string> mounts = MountsOf("mdupont");
  ASSERT_EQ(mounts.size(), 1u);
  MultiStatus added = Sync("mdupont", kMarieHome, token);
  EXPECT_EQ(added.props.count(mounts[0]), 1u) << "the sync reports the new mount";
  EXPECT_TRUE(Find("mdupont", kMarieNotes, "<A:getetag/>", "1").props.size() == 1u)
      << "no invitation to answer";
  EXPECT_NE(Find("jlabert", kAgenda, "<C:invite/>")
                .props[kAgenda][std::string(kCs) + "invite"]
                .xml.find("invite-accepted"),
            std::string::npos);

  ASSERT_EQ(Post("jlabert", kAgenda, CsUnshare("mailto:marie.dupont@ac-orleans-tours.fr")).status,
            200);
  EXPECT_TRUE(MountsOf("mdupont").empty());
  MultiStatus removed = Sync("mdupont", kMarieHome, token);
  EXPECT_EQ(removed.response_status[mounts[0]], 404) << "the sync reports the mount gone";
  EXPECT_EQ(Do("mdupont", "PROPFIND", mounts[0], Propfind("<A:getetag/>")).status / 100, 4);
  EXPECT_EQ(Find("jlabert", kAgenda, "<A:resourcetype/>")
                .props[kAgenda]["{DAV:}resourcetype"]
                .xml.find("shared-owner"),
            std::string::npos);
  // Removing someone it is not shared with changes nothing.
  EXPECT_EQ(Post("jlabert", kAgenda, CsUnshare("pmartin")).status, 200);
}

// The owner deletes a shared calendar: the sharee's next sync on her home reports the mount
// gone.
TEST_F(SharingTest, DeletingASharedCalendarTellsTheSharees) {
  ASSERT_EQ(Do("jlabert", "MKCALENDAR", "/dav/calendars/jlabert/oraux/").status, 201);
  ASSERT_EQ(Post("jlabert", "/dav/calendars/jlabert/oraux/", CsShare("mdupont", "read")).status,
            200);
  std::vector<std::string> mounts = MountsOf("mdupont");
  ASSERT_EQ(mounts.size(), 1u);
  std::string token;
  Sync("mdupont", kMarieHome, token);
  ASSERT_EQ(Do("jlabert", "DELETE", "/dav/calendars/jlabert/oraux/").status, 204);
  EXPECT_TRUE(MountsOf("mdupont").empty());
  EXPECT_EQ(Sync("mdupont", kMarieHome, token).response_status[mounts[0]], 404);
}

// WebDAV resource sharing (draft-pot-webdav-resource-sharing, as SabreDAV serves it).
TEST_F(SharingTest, DavShareResourceSequence) {
  Reply share =
      Post("jlabert", kAgenda, ShareResource("/dav/principals/users/mdupont/", "read-write"));
  ASSERT_EQ(share.status, 200) << share.body;
  MultiStatus owner = Find("jlabert", kAgenda, "<A:invite/><A:share-access/>");
  const std::string invite = owner.props[kAgenda]["{DAV:}invite"].xml;
  EXPECT_NE(invite.find("/dav/principals/users/jlabert/"), std::string::npos) << invite;
  EXPECT_NE(invite.find("shared-owner"), std::string::npos) << invite;
  EXPECT_NE(invite.find("/dav/principals/users/mdupont/"), std::string::npos) << invite;
  EXPECT_NE(invite.find("read-write"), std::string::npos) << invite;
  EXPECT_NE(invite.find("invite-accepted"), std::string::npos) << invite;
  EXPECT_NE(owner.props[kAgenda]["{DAV:}share-access"].xml.find("shared-owner"), std::string::npos);
  EXPECT_NE(Find("jlabert", "/dav/calendars/jlabert/taches/", "<A:share-access/>")
                .props["/dav/calendars/jlabert/taches/"]["{DAV:}share-access"]
                .xml.find("not-shared"),
            std::string::npos);

  std::vector<std::string> mounts = MountsOf("mdupont");
  ASSERT_EQ(mounts.size(), 1u);
  MultiStatus sharee =
      Find("mdupont", mounts[0], "<A:share-access/><A:sharer-resource-uri/><A:invite/><A:owner/>");
  auto& p = sharee.props[mounts[0]];
  EXPECT_NE(p["{DAV:}share-access"].xml.find("read-write"), std::string::npos);
  EXPECT_NE(p["{DAV:}sharer-resource-uri"].xml.find(kAgenda), std::string::npos);
  EXPECT_NE(p["{DAV:}owner"].xml.find("/dav/principals/users/jlabert/"), std::string::npos);
  EXPECT_EQ(p["{DAV:}invite"].xml.find("pmartin"), std::string::npos);

  // DAV:no-access revokes.
  ASSERT_EQ(Post("jlabert", kAgenda, ShareResource("mdupont", "no-access")).status, 200);
  EXPECT_TRUE(MountsOf("mdupont").empty());
}

TEST_F(SharingTest, RefusalsChangeNothing) {
  const std::string invite = std::string(kCs) + "invite";
  // An unknown sharee: 403 DAV:recognized-principal naming it, and nothing of the request is
  // applied (SabreDAV would keep it as invite-invalid; there is no one outside the accounts).
  Reply unknown =
      Post("jlabert", kAgenda,
           R"(<C:share xmlns:C="http://calendarserver.org/ns/" xmlns:D="DAV:">)"
           "<C:set><D:href>mdupont</D:href><C:read/></C:set>"
           "<C:set><D:href>mailto:personne@ac-orleans-tours.fr</D:href><C:read/></C:set>"
           "</C:share>");
  EXPECT_EQ(unknown.status, 403);
  EXPECT_NE(unknown.body.find("recognized-principal"), std::string::npos) << unknown.body;
  EXPECT_NE(unknown.body.find("personne@ac-orleans-tours.fr"), std::string::npos);
  EXPECT_EQ(Find("jlabert", kAgenda, "<C:invite/>").props[kAgenda][invite].status, 404);
  EXPECT_TRUE(MountsOf("mdupont").empty());

  // Malformed bodies: 400 naming what is missing; not XML: 415.
  Reply no_access = Post("jlabert", kAgenda,
                         R"(<C:share xmlns:C="http://calendarserver.org/ns/" xmlns:D="DAV:">)"
                         "<C:set><D:href>mdupont</D:href></C:set></C:share>");
  EXPECT_EQ(no_access.status, 400);
  EXPECT_NE(no_access.body.find("CS:read"), std::string::npos) << no_access.body;
  EXPECT_EQ(Post("jlabert", kAgenda, "<C:share xmlns:C=\"http://calendarserver.org/ns/\">").status,
            400);
  EXPECT_EQ(Post("jlabert", kAgenda, R"(<D:share-resource xmlns:D="DAV:"/>)").status, 400);
  EXPECT_EQ(Post("jlabert", kAgenda, R"(<D:propfind xmlns:D="DAV:"/>)").status, 400);
  EXPECT_EQ(Do("jlabert", "POST", kAgenda, "x", {{"Content-Type", "text/plain"}}).status, 415);
  // A sharing request where it does not apply.
  EXPECT_EQ(Post("jlabert", "/dav/calendars/jlabert/", CsShare("mdupont", "read")).status, 403);
  EXPECT_EQ(Post("jlabert", "/dav/files/jlabert/", CsShare("mdupont", "read")).status, 405);
  // Not the owner: 403 need-privileges.
  Reply other = Post("pmartin", kAgenda, CsShare("mdupont", "read"));
  EXPECT_EQ(other.status, 403);
  EXPECT_NE(other.body.find("need-privileges"), std::string::npos) << other.body;
  // With yourself.
  EXPECT_EQ(Post("jlabert", kAgenda, CsShare("jlabert", "read")).status, 403);
  EXPECT_EQ(Find("jlabert", kAgenda, "<C:invite/>").props[kAgenda][invite].status, 404);

  // A sharee may not share what was shared with her.
  ASSERT_EQ(Post("jlabert", kAgenda, CsShare("mdupont", "read-write")).status, 200);
  std::vector<std::string> mounts = MountsOf("mdupont");
  ASSERT_EQ(mounts.size(), 1u);
  Reply reshare = Post("mdupont", mounts[0], CsShare("pmartin", "read"));
  EXPECT_EQ(reshare.status, 403);
  EXPECT_NE(reshare.body.find("need-privileges"), std::string::npos);
  EXPECT_TRUE(MountsOf("pmartin").empty());
  // The outbox POST still works.
  EXPECT_EQ(Do("jlabert", "POST", "/dav/calendars/jlabert/outbox/", "x",
               {{"Content-Type", "text/calendar"}})
                    .status /
                100,
            4);
}

// [sharing] max_shares_per_collection: 409 with a message naming the key; the shares already
// made are kept.
class SharingBoundTest : public SharingTest {
 protected:
  SharingBoundTest() : SharingTest([](server::Config& c) { c.max_shares_per_collection = 1; }) {}
};

TEST_F(SharingBoundTest, SharesPerCollectionAreBounded) {
  ASSERT_EQ(Post("jlabert", kAgenda, CsShare("mdupont", "read")).status, 200);
  Reply second = Post("jlabert", kAgenda, CsShare("pmartin", "read"));
  EXPECT_EQ(second.status, 409);
  EXPECT_NE(second.body.find("max_shares_per_collection"), std::string::npos) << second.body;
  EXPECT_TRUE(MountsOf("pmartin").empty());
  EXPECT_EQ(MountsOf("mdupont").size(), 1u);
}

}  // namespace
}  // namespace cartable
