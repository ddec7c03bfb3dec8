// Delegation over HTTP (issue 12): the calendar-proxy-read / calendar-proxy-write sub-principals
// as macOS Calendar sets and reads them (PROPPATCH group-member-set, expand-property over
// calendar-proxy-*-for), and scheduling as the owner with SENT-BY when a delegate or a
// read-write sharee writes in the owner's calendar.
// Users: jlabert (the principal whose agenda is managed), mdupont (his secretary), pmartin and
// cdurand (colleagues).
#include <gtest/gtest.h>

#include <string>

#include "dav/store/store.h"
#include "tests/testlib/ics_text.h"
#include "tests/testlib/test_server.h"

namespace cartable {
namespace {

using testlib::AttendeeLine;
using testlib::Lines;
using testlib::MultiStatus;
using testlib::ParseMultiStatus;
using testlib::Reply;
using testlib::TestServer;
using testlib::Unfold;

using Headers = std::vector<std::pair<std::string, std::string>>;
const Headers kIcs = {{"Content-Type", "text/calendar; charset=utf-8"}};

constexpr const char* kJean = "jean.labert@ac-orleans-tours.fr";
constexpr const char* kMarie = "marie.dupont@ac-orleans-tours.fr";
constexpr const char* kPaul = "paul.martin@ac-orleans-tours.fr";
constexpr const char* kJeanPrincipal = "/dav/principals/users/jlabert/";
constexpr const char* kMariePrincipal = "/dav/principals/users/mdupont/";
constexpr const char* kWriteProxy = "/dav/principals/users/jlabert/calendar-proxy-write/";
constexpr const char* kReadProxy = "/dav/principals/users/jlabert/calendar-proxy-read/";
const std::string kCs = "{http://calendarserver.org/ns/}";

// What macOS sends to set the members of a proxy group (Calendar > Settings > Accounts >
// Delegation > Edit), one DAV:href per delegate.
std::string SetMembers(const std::vector<std::string>& hrefs) {
  std::string body =
      R"(<?xml version="1.0" encoding="UTF-8"?>
<A:propertyupdate xmlns:A="DAV:"><A:set><A:prop><A:group-member-set>)";
  for (const std::string& h : hrefs) body += "<A:href>" + h + "</A:href>";
  return body + "</A:group-member-set></A:prop></A:set></A:propertyupdate>";
}

// apple/ccs-calendarserver contrib/performance/loadtest/request-data/OS_X_10_11/
// startup_principal_expand.request: what macOS asks at every launch.
constexpr const char* kMacExpand = R"(<?xml version="1.0" encoding="UTF-8"?>
<A:expand-property xmlns:A="DAV:">
  <A:property name="calendar-proxy-read-for" namespace="http://calendarserver.org/ns/">
    <A:property name="calendar-user-address-set" namespace="urn:ietf:params:xml:ns:caldav"/>
    <A:property name="email-address-set" namespace="http://calendarserver.org/ns/"/>
    <A:property name="displayname" namespace="DAV:"/>
  </A:property>
  <A:property name="calendar-proxy-write-for" namespace="http://calendarserver.org/ns/">
    <A:property name="calendar-user-address-set" namespace="urn:ietf:params:xml:ns:caldav"/>
    <A:property name="email-address-set" namespace="http://calendarserver.org/ns/"/>
    <A:property name="displayname" namespace="DAV:"/>
  </A:property>
</A:expand-property>
)";

// The responses nested in a property value (expand-property), parsed like a multistatus.
MultiStatus Nested(const std::string& property_xml) {
  return ParseMultiStatus(
      R"(<d:multistatus xmlns:d="DAV:" xmlns:cal="urn:ietf:params:xml:ns:caldav" )"
      R"(xmlns:card="urn:ietf:params:xml:ns:carddav" xmlns:cs="http://calendarserver.org/ns/" )"
      R"(xmlns:ical="http://apple.com/ns/ical/">)" +
      property_xml + "</d:multistatus>");
}

std::string Event(const std::string& uid, const std::string& organizer_line,
                  const std::string& attendees, const std::string& extra = "") {
  return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Tests//FR\r\nBEGIN:VEVENT\r\nUID:" + uid +
         "\r\nDTSTAMP:20261120T080000Z\r\nSEQUENCE:0\r\nDTSTART:20261201T160000Z\r\n"
         "DTEND:20261201T170000Z\r\nSUMMARY:Conseil pédagogique\r\n" +
         organizer_line + attendees + extra + "END:VEVENT\r\nEND:VCALENDAR\r\n";
}

std::string Attendee(const std::string& email, const std::string& partstat = "NEEDS-ACTION") {
  return "ATTENDEE;CN=" + email.substr(0, email.find('@')) + ";PARTSTAT=" + partstat +
         ";RSVP=TRUE:mailto:" + email + "\r\n";
}

class DelegationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.AddUser("jlabert", "pw", "Jean Labert", kJean);
    server_.AddUser("mdupont", "pw", "Marie Dupont", kMarie);
    server_.AddUser("pmartin", "pw", "Paul Martin", kPaul);
    server_.AddUser("cdurand", "pw", "Claire Durand", "claire.durand@ac-orleans-tours.fr");
  }

  Reply Do(const std::string& user, const std::string& method, const std::string& path,
           const std::string& body = "", const Headers& headers = {}) {
    return server_.Request(method, path, body, headers, user, "pw");
  }
  // The members of a proxy group as its owner reads them.
  std::string Members(const std::string& path) {
    Reply r =
        Do("jlabert", "PROPFIND", path,
           R"(<D:propfind xmlns:D="DAV:"><D:prop><D:group-member-set/></D:prop></D:propfind>)",
           {{"Depth", "0"}});
    EXPECT_EQ(r.status, 207) << r.body;
    return ParseMultiStatus(r.body).props[path]["{DAV:}group-member-set"].xml;
  }
  // jlabert makes `login` his delegate of `proxy`.
  void Delegate(const std::string& proxy, const std::string& login) {
    Reply r =
        Do("jlabert", "PROPPATCH", proxy, SetMembers({"/dav/principals/users/" + login + "/"}));
    ASSERT_EQ(r.status, 207) << r.body;
    ASSERT_EQ(ParseMultiStatus(r.body).props[proxy]["{DAV:}group-member-set"].status, 200)
        << r.body;
  }
  // The inbox messages of `login` (bodies), read by `login`.
  std::vector<std::string> Inbox(const std::string& login) {
    std::string path = "/dav/calendars/" + login + "/inbox/";
    Reply r = Do(login, "PROPFIND", path,
                 R"(<D:propfind xmlns:D="DAV:"><D:prop><D:getetag/></D:prop></D:propfind>)",
                 {{"Depth", "1"}});
    EXPECT_EQ(r.status, 207);
    std::vector<std::string> out;
    for (const auto& [href, props] : ParseMultiStatus(r.body).props) {
      if (href != path) out.push_back(Do(login, "GET", href).body);
    }
    return out;
  }

  TestServer server_;
};

TEST_F(DelegationTest, PrincipalListsItsProxyGroups) {
  Reply r = Do("jlabert", "PROPFIND", kJeanPrincipal,
               R"(<D:propfind xmlns:D="DAV:"><D:prop><D:resourcetype/><D:displayname/>
                  <D:principal-URL/></D:prop></D:propfind>)",
               {{"Depth", "1"}});
  ASSERT_EQ(r.status, 207) << r.body;
  MultiStatus ms = ParseMultiStatus(r.body);
  for (const char* proxy : {kReadProxy, kWriteProxy}) {
    ASSERT_TRUE(ms.props.count(proxy)) << r.body;
    auto& p = ms.props[proxy];
    EXPECT_NE(p["{DAV:}resourcetype"].xml.find("principal"), std::string::npos);
    EXPECT_EQ(p["{DAV:}resourcetype"].xml.find("collection"), std::string::npos);
    EXPECT_NE(p["{DAV:}principal-URL"].xml.find(proxy), std::string::npos);
  }
  EXPECT_NE(ms.props[kWriteProxy]["{DAV:}resourcetype"].xml.find("calendar-proxy-write"),
            std::string::npos);
  EXPECT_NE(ms.props[kReadProxy]["{DAV:}resourcetype"].xml.find("calendar-proxy-read"),
            std::string::npos);
  EXPECT_EQ(ms.props[kWriteProxy]["{DAV:}displayname"].text,
            "Délégués de Jean Labert (lecture et écriture)");
  // Unknown sub-principals stay 404.
  EXPECT_EQ(Do("jlabert", "PROPFIND", "/dav/principals/users/jlabert/calendar-proxy-admin/", "",
               {{"Depth", "0"}})
                .status,
            404);
}

// The macOS sequence: the owner PROPPATCHes the write proxy group with his secretary; the
// secretary's next launch (expand-property over calendar-proxy-*-for) finds his principal with
// its name and addresses.
TEST_F(DelegationTest, MacOsSetsAWriteDelegateAndTheDelegateFindsTheOwner) {
  EXPECT_EQ(Members(kWriteProxy), "");
  Reply r = Do("jlabert", "PROPPATCH", kWriteProxy, SetMembers({kMariePrincipal}));
  ASSERT_EQ(r.status, 207) << r.body;
  EXPECT_EQ(ParseMultiStatus(r.body).props[kWriteProxy]["{DAV:}group-member-set"].status, 200);
  EXPECT_NE(Members(kWriteProxy).find(kMariePrincipal), std::string::npos);
  EXPECT_EQ(Members(kReadProxy), "");

  r = Do("mdupont", "REPORT", kMariePrincipal, kMacExpand, {{"Depth", "0"}});
  ASSERT_EQ(r.status, 207) << r.body;
  auto props = ParseMultiStatus(r.body).props[kMariePrincipal];
  ASSERT_EQ(props[kCs + "calendar-proxy-write-for"].status, 200) << r.body;
  MultiStatus owners = Nested(props[kCs + "calendar-proxy-write-for"].xml);
  ASSERT_EQ(owners.props.size(), 1u) << r.body;
  auto& jean = owners.props[kJeanPrincipal];
  EXPECT_EQ(jean["{DAV:}displayname"].text, "Jean Labert");
  EXPECT_NE(jean["{urn:ietf:params:xml:ns:caldav}calendar-user-address-set"].xml.find(
                std::string("mailto:") + kJean),
            std::string::npos);
  EXPECT_NE(jean[kCs + "email-address-set"].xml.find(kJean), std::string::npos);
  // Read-for is present and empty.
  EXPECT_EQ(props[kCs + "calendar-proxy-read-for"].status, 200);
  EXPECT_EQ(Nested(props[kCs + "calendar-proxy-read-for"].xml).props.size(), 0u);

  // Her principal says which group she belongs to; his does not list her proxies.
  r = Do("mdupont", "PROPFIND", kMariePrincipal,
         R"(<D:propfind xmlns:D="DAV:"><D:prop><D:group-membership/></D:prop></D:propfind>)",
         {{"Depth", "0"}});
  EXPECT_NE(ParseMultiStatus(r.body).props[kMariePrincipal]["{DAV:}group-membership"].xml.find(
                kWriteProxy),
            std::string::npos)
      << r.body;

  // The owner reads his group with its members expanded (macOS's delegation panel).
  r = Do("jlabert", "REPORT", kWriteProxy,
         R"(<A:expand-property xmlns:A="DAV:"><A:property name="group-member-set">
              <A:property name="displayname"/><A:property name="principal-URL"/>
            </A:property></A:expand-property>)",
         {{"Depth", "0"}});
  ASSERT_EQ(r.status, 207) << r.body;
  MultiStatus members =
      Nested(ParseMultiStatus(r.body).props[kWriteProxy]["{DAV:}group-member-set"].xml);
  EXPECT_EQ(members.props[kMariePrincipal]["{DAV:}displayname"].text, "Marie Dupont") << r.body;
}

TEST_F(DelegationTest, MembersMoveBetweenGroupsAndRemoveEmpties) {
  Delegate(kReadProxy, "mdupont");
  EXPECT_NE(Members(kReadProxy).find(kMariePrincipal), std::string::npos);
  // Absolute URLs and mailto: name colleagues too; a delegate has one access.
  Reply r = Do("jlabert", "PROPPATCH", kWriteProxy,
               SetMembers({std::string("http://127.0.0.1/dav/principals/users/mdupont/"),
                           std::string("mailto:") + kPaul}));
  ASSERT_EQ(r.status, 207) << r.body;
  std::string write = Members(kWriteProxy);
  EXPECT_NE(write.find(kMariePrincipal), std::string::npos);
  EXPECT_NE(write.find("/dav/principals/users/pmartin/"), std::string::npos);
  EXPECT_EQ(Members(kReadProxy), "");

  r = Do("jlabert", "PROPPATCH", kWriteProxy,
         R"(<A:propertyupdate xmlns:A="DAV:"><A:remove><A:prop><A:group-member-set/>
            </A:prop></A:remove></A:propertyupdate>)");
  ASSERT_EQ(r.status, 207) << r.body;
  EXPECT_EQ(Members(kWriteProxy), "");
}

TEST_F(DelegationTest, RefusedMemberSetsChangeNothing) {
  Delegate(kWriteProxy, "mdupont");
  struct Case {
    std::string href;
    int code;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"/dav/principals/users/nobody/", 409, "no colleague"},
      {"/dav/calendars/pmartin/", 409, "no colleague"},
      {"mailto:stranger@example.org", 409, "no colleague"},
      {kJeanPrincipal, 409, "your own delegate"},
      {"/dav/principals/groups/departement-37/", 403, "only colleagues"},
  };
  for (const Case& c : cases) {
    Reply r = Do("jlabert", "PROPPATCH", kWriteProxy,
                 SetMembers({"/dav/principals/users/pmartin/", c.href}));
    ASSERT_EQ(r.status, 207) << c.href;
    EXPECT_EQ(ParseMultiStatus(r.body).props[kWriteProxy]["{DAV:}group-member-set"].status, c.code)
        << c.href << "\n"
        << r.body;
    EXPECT_NE(r.body.find(c.message), std::string::npos) << r.body;
    std::string members = Members(kWriteProxy);
    EXPECT_NE(members.find(kMariePrincipal), std::string::npos) << c.href;
    EXPECT_EQ(members.find("pmartin"), std::string::npos) << c.href;
  }
  // Another property in the same update: 403, and the member set 424 (nothing applied).
  Reply r = Do("jlabert", "PROPPATCH", kWriteProxy,
               R"(<A:propertyupdate xmlns:A="DAV:"><A:set><A:prop>
                    <A:group-member-set><A:href>/dav/principals/users/pmartin/</A:href></A:group-member-set>
                    <A:displayname>Mes délégués</A:displayname></A:prop></A:set></A:propertyupdate>)");
  ASSERT_EQ(r.status, 207);
  auto props = ParseMultiStatus(r.body).props[kWriteProxy];
  EXPECT_EQ(props["{DAV:}displayname"].status, 403);
  EXPECT_EQ(props["{DAV:}group-member-set"].status, 424);
  EXPECT_EQ(Members(kWriteProxy).find("pmartin"), std::string::npos);
}

TEST_F(DelegationTest, OnlyTheOwnerChangesHisProxyGroups) {
  Delegate(kWriteProxy, "mdupont");
  // Even his write delegate may not add herself colleagues: DAV:write-acl is his alone.
  for (const char* who : {"mdupont", "pmartin"}) {
    Reply r = Do(who, "PROPPATCH", kWriteProxy, SetMembers({"/dav/principals/users/cdurand/"}));
    EXPECT_EQ(r.status, 403) << who << " " << r.body;
    EXPECT_NE(r.body.find("need-privileges"), std::string::npos) << r.body;
  }
  std::string members = Members(kWriteProxy);
  EXPECT_NE(members.find(kMariePrincipal), std::string::npos);
  EXPECT_EQ(members.find("cdurand"), std::string::npos);
  // Everyone signed in may read it (principals are public to colleagues).
  Reply r = Do("pmartin", "PROPFIND", kWriteProxy,
               R"(<D:propfind xmlns:D="DAV:"><D:prop><D:group-member-set/></D:prop></D:propfind>)",
               {{"Depth", "0"}});
  EXPECT_EQ(r.status, 207);
}

// [sharing] max_delegates (default 50): a longer list is refused before any lookup.
TEST_F(DelegationTest, MemberSetBeyondMaxDelegatesIsRefused) {
  std::vector<std::string> hrefs;
  for (int i = 0; i < 51; ++i) hrefs.push_back("/dav/principals/users/user" + std::to_string(i));
  Reply r = Do("jlabert", "PROPPATCH", kWriteProxy, SetMembers(hrefs));
  ASSERT_EQ(r.status, 207) << r.body;
  EXPECT_EQ(ParseMultiStatus(r.body).props[kWriteProxy]["{DAV:}group-member-set"].status, 409);
  EXPECT_NE(r.body.find("max_delegates"), std::string::npos) << r.body;
  EXPECT_EQ(Members(kWriteProxy), "");
}

// expand-property resolves every href as a request of its own: nothing of a tree the principal
// may not read comes back.
TEST_F(DelegationTest, ExpandPropertyDoesNotOpenOtherUsersTrees) {
  ASSERT_EQ(Do("jlabert", "PROPFIND", "/dav/calendars/jlabert/", "", {{"Depth", "0"}}).status, 207);
  Reply r = Do("pmartin", "REPORT", kJeanPrincipal,
               R"(<A:expand-property xmlns:A="DAV:">
                    <A:property name="calendar-home-set" namespace="urn:ietf:params:xml:ns:caldav">
                      <A:property name="displayname"/><A:property name="resourcetype"/>
                    </A:property><A:property name="displayname"/><A:property name="nothing-here"/>
                  </A:expand-property>)",
               {{"Depth", "0"}});
  ASSERT_EQ(r.status, 207) << r.body;
  auto props = ParseMultiStatus(r.body).props[kJeanPrincipal];
  EXPECT_EQ(props["{DAV:}displayname"].text, "Jean Labert");
  EXPECT_EQ(props["{DAV:}nothing-here"].status, 404);
  MultiStatus home = Nested(props["{urn:ietf:params:xml:ns:caldav}calendar-home-set"].xml);
  EXPECT_EQ(home.response_status["/dav/calendars/jlabert/"], 403) << r.body;
  EXPECT_TRUE(home.props["/dav/calendars/jlabert/"].empty()) << r.body;
  // The owner gets his own home expanded.
  r = Do("jlabert", "REPORT", kJeanPrincipal,
         R"(<A:expand-property xmlns:A="DAV:">
              <A:property name="calendar-home-set" namespace="urn:ietf:params:xml:ns:caldav">
                <A:property name="resourcetype"/></A:property></A:expand-property>)",
         {{"Depth", "0"}});
  ASSERT_EQ(r.status, 207) << r.body;
  home = Nested(ParseMultiStatus(r.body)
                    .props[kJeanPrincipal]["{urn:ietf:params:xml:ns:caldav}calendar-home-set"]
                    .xml);
  EXPECT_NE(home.props["/dav/calendars/jlabert/"]["{DAV:}resourcetype"].xml.find("collection"),
            std::string::npos)
      << r.body;
  // Listed in supported-report-set of principals.
  r = Do("jlabert", "PROPFIND", kJeanPrincipal,
         R"(<D:propfind xmlns:D="DAV:"><D:prop><D:supported-report-set/></D:prop></D:propfind>)",
         {{"Depth", "0"}});
  EXPECT_NE(r.body.find("expand-property"), std::string::npos);
}

// [limits] max_expand_property_depth: DAV:property elements nested deeper than the bound are
// answered with their plain value (hrefs), not expanded.
TEST(DelegationBoundsTest, ExpandPropertyDepthIsBounded) {
  const std::string body = R"(<A:expand-property xmlns:A="DAV:">
      <A:property name="calendar-proxy-write-for" namespace="http://calendarserver.org/ns/">
        <A:property name="principal-URL"><A:property name="displayname"/></A:property>
      </A:property></A:expand-property>)";
  auto nested_url = [&](TestServer& server) {
    server.AddUser("jlabert", "pw", "Jean Labert", kJean);
    server.AddUser("mdupont", "pw", "Marie Dupont", kMarie);
    Reply r = server.Request("PROPPATCH", kWriteProxy, SetMembers({kMariePrincipal}), {}, "jlabert",
                             "pw");
    EXPECT_EQ(r.status, 207);
    r = server.Request("REPORT", kMariePrincipal, body, {{"Depth", "0"}}, "mdupont", "pw");
    EXPECT_EQ(r.status, 207) << r.body;
    MultiStatus owners = Nested(
        ParseMultiStatus(r.body).props[kMariePrincipal][kCs + "calendar-proxy-write-for"].xml);
    return owners.props[kJeanPrincipal]["{DAV:}principal-URL"].xml;
  };
  TestServer deep;  // default 3: the principal-URL is expanded into a response too
  EXPECT_NE(nested_url(deep).find("Jean Labert"), std::string::npos);
  TestServer shallow([](server::Config& c) { c.max_expand_property_depth = 1; });
  std::string plain = nested_url(shallow);
  EXPECT_NE(plain.find(kJeanPrincipal), std::string::npos) << plain;
  EXPECT_EQ(plain.find("Jean Labert"), std::string::npos) << plain;
  EXPECT_EQ(plain.find("response"), std::string::npos) << plain;
}

// [limits] max_response_bytes bounds the expanded values as they are produced: 507
// number-of-matches-within-limits, not a truncated answer.
TEST(DelegationBoundsTest, ExpandPropertyOutputIsBounded) {
  TestServer server([](server::Config& c) { c.max_response_bytes = 1500; });
  server.AddUser("jlabert", "pw", "Jean Labert", kJean);
  server.AddUser("mdupont", "pw", "Marie Dupont", kMarie);
  ASSERT_EQ(
      server.Request("PROPPATCH", kWriteProxy, SetMembers({kMariePrincipal}), {}, "jlabert", "pw")
          .status,
      207);
  const std::string big = R"(<A:property name="supported-report-set"/>)";
  const std::string body =
      R"(<A:expand-property xmlns:A="DAV:">)" + big +
      R"(<A:property name="calendar-proxy-write-for" namespace="http://calendarserver.org/ns/">)" +
      big + big + "</A:property>" + big + "</A:expand-property>";
  Reply r = server.Request("REPORT", kMariePrincipal, body, {{"Depth", "0"}}, "mdupont", "pw");
  EXPECT_EQ(r.status, 507) << r.body;
  EXPECT_NE(r.body.find("number-of-matches-within-limits"), std::string::npos) << r.body;
  // Refused while walking, before the document was built.
  EXPECT_NE(r.body.find("expand-property answer would exceed"), std::string::npos) << r.body;
}

// A write delegate creates a meeting in the owner's agenda: it is the owner's (ORGANIZER), sent
// by her (SENT-BY), and the attendee's invitation says so.
TEST_F(DelegationTest, WriteDelegateOrganisesAsTheOwnerWithSentBy) {
  Delegate(kWriteProxy, "mdupont");
  // His agenda exists once he has connected.
  ASSERT_EQ(
      Do("jlabert", "PROPFIND", "/dav/calendars/jlabert/agenda/", "", {{"Depth", "0"}}).status,
      207);
  // macOS writes ORGANIZER as the delegate herself here when it does not know better.
  std::string body =
      Event("deleg-orga-1", std::string("ORGANIZER;CN=Marie Dupont:mailto:") + kMarie + "\r\n",
            Attendee(kMarie, "ACCEPTED") + Attendee(kPaul));
  Reply r = Do("mdupont", "PUT", "/dav/calendars/jlabert/agenda/deleg-orga-1.ics", body, kIcs);
  ASSERT_EQ(r.status, 201) << r.body;
  std::string stored =
      Unfold(Do("jlabert", "GET", "/dav/calendars/jlabert/agenda/deleg-orga-1.ics").body);
  ASSERT_EQ(Lines(stored, "ORGANIZER").size(), 1u) << stored;
  const std::string organizer = Lines(stored, "ORGANIZER").front();
  EXPECT_NE(organizer.find(std::string("mailto:") + kJean), std::string::npos) << organizer;
  EXPECT_NE(organizer.find(std::string("SENT-BY=\"mailto:") + kMarie + "\""), std::string::npos)
      << organizer;
  EXPECT_NE(organizer.find("CN=Jean Labert"), std::string::npos) << organizer;
  // Her attendee line became the owner's.
  EXPECT_NE(AttendeeLine(stored, kJean), "") << stored;
  EXPECT_EQ(AttendeeLine(stored, kMarie), "") << stored;

  bool invited = false;
  for (const std::string& m : Inbox("pmartin")) {
    std::string u = Unfold(m);
    if (Lines(u, "UID:deleg-orga-1").empty() || Lines(u, "METHOD:REQUEST").empty()) continue;
    invited = true;
    EXPECT_NE(u.find(std::string("SENT-BY=\"mailto:") + kMarie), std::string::npos) << u;
    EXPECT_NE(Lines(u, "ORGANIZER").front().find(kJean), std::string::npos) << u;
  }
  EXPECT_TRUE(invited);
}

// Paul invites Jean; Jean's secretary accepts in Jean's agenda: the REPLY is Jean's, sent by
// her, and Paul's copy shows Jean accepted.
TEST_F(DelegationTest, WriteDelegateAnswersAnInvitationOnTheOwnersBehalf) {
  Delegate(kWriteProxy, "mdupont");
  std::string invite =
      Event("deleg-reply-1", std::string("ORGANIZER;CN=Paul Martin:mailto:") + kPaul + "\r\n",
            Attendee(kPaul, "ACCEPTED") + Attendee(kJean));
  ASSERT_EQ(
      Do("pmartin", "PUT", "/dav/calendars/pmartin/agenda/deleg-reply-1.ics", invite, kIcs).status,
      201);
  const std::string copy_path = "/dav/calendars/jlabert/agenda/deleg-reply-1.ics";
  // The invitation landed in the owner's inbox and agenda, and the delegate reads them.
  bool in_inbox = false;
  for (const std::string& m : Inbox("jlabert")) {
    if (!Lines(Unfold(m), "UID:deleg-reply-1").empty()) in_inbox = true;
  }
  EXPECT_TRUE(in_inbox);
  Reply copy = Do("mdupont", "GET", copy_path);
  ASSERT_EQ(copy.status, 200) << copy.body;
  // The delegate's client saves the copy with the owner's answer changed.
  std::string accepted =
      Event("deleg-reply-1", std::string("ORGANIZER;CN=Paul Martin:mailto:") + kPaul + "\r\n",
            Attendee(kPaul, "ACCEPTED") + Attendee(kJean, "ACCEPTED"));
  Reply put = Do("mdupont", "PUT", copy_path, accepted, kIcs);
  ASSERT_LT(put.status, 300) << put.body;

  bool replied = false;
  for (const std::string& m : Inbox("pmartin")) {
    std::string u = Unfold(m);
    if (Lines(u, "UID:deleg-reply-1").empty() || Lines(u, "METHOD:REPLY").empty()) continue;
    replied = true;
    std::string line = AttendeeLine(u, kJean);
    EXPECT_NE(line.find("PARTSTAT=ACCEPTED"), std::string::npos) << u;
    EXPECT_NE(line.find(std::string("SENT-BY=\"mailto:") + kMarie + "\""), std::string::npos) << u;
  }
  EXPECT_TRUE(replied);
  std::string paul =
      Unfold(Do("pmartin", "GET", "/dav/calendars/pmartin/agenda/deleg-reply-1.ics").body);
  EXPECT_NE(AttendeeLine(paul, kJean).find("PARTSTAT=ACCEPTED"), std::string::npos) << paul;
}

// Deleting an invitation in the owner's agenda declines it as the owner, sent by the delegate.
TEST_F(DelegationTest, WriteDelegateDeletingAnInvitationDeclinesWithSentBy) {
  Delegate(kWriteProxy, "mdupont");
  ASSERT_EQ(Do("pmartin", "PUT", "/dav/calendars/pmartin/agenda/deleg-decline-1.ics",
               Event("deleg-decline-1", std::string("ORGANIZER:mailto:") + kPaul + "\r\n",
                     Attendee(kPaul, "ACCEPTED") + Attendee(kJean)),
               kIcs)
                .status,
            201);
  Reply r = Do("mdupont", "DELETE", "/dav/calendars/jlabert/agenda/deleg-decline-1.ics");
  ASSERT_EQ(r.status, 204) << r.body;
  bool declined = false;
  for (const std::string& m : Inbox("pmartin")) {
    std::string u = Unfold(m);
    if (Lines(u, "UID:deleg-decline-1").empty() || Lines(u, "METHOD:REPLY").empty()) continue;
    declined = true;
    std::string line = AttendeeLine(u, kJean);
    EXPECT_NE(line.find("PARTSTAT=DECLINED"), std::string::npos) << u;
    EXPECT_NE(line.find(std::string("SENT-BY=\"mailto:") + kMarie), std::string::npos) << u;
  }
  EXPECT_TRUE(declined);
}

TEST_F(DelegationTest, ReadDelegateReadsButMayNotWrite) {
  Delegate(kReadProxy, "mdupont");
  std::string mine = Event("deleg-read-1", "", "");
  ASSERT_EQ(
      Do("jlabert", "PUT", "/dav/calendars/jlabert/agenda/deleg-read-1.ics", mine, kIcs).status,
      201);
  EXPECT_EQ(Do("mdupont", "GET", "/dav/calendars/jlabert/agenda/deleg-read-1.ics").status, 200);
  Reply r = Do("mdupont", "PUT", "/dav/calendars/jlabert/agenda/deleg-read-2.ics",
               Event("deleg-read-2", "", ""), kIcs);
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_NE(r.body.find("need-privileges"), std::string::npos) << r.body;
  EXPECT_EQ(Do("jlabert", "GET", "/dav/calendars/jlabert/agenda/deleg-read-2.ics").status, 404);
  // Not a delegate: nothing.
  EXPECT_EQ(Do("pmartin", "GET", "/dav/calendars/jlabert/agenda/deleg-read-1.ics").status, 403);
}

// A write delegate handles the owner's inbox (reads and deletes messages) and asks free/busy
// through the owner's outbox (macOS does both as the delegate).
TEST_F(DelegationTest, WriteDelegateHandlesTheOwnersInboxAndOutbox) {
  Delegate(kWriteProxy, "mdupont");
  ASSERT_EQ(Do("pmartin", "PUT", "/dav/calendars/pmartin/agenda/deleg-inbox-1.ics",
               Event("deleg-inbox-1", std::string("ORGANIZER:mailto:") + kPaul + "\r\n",
                     Attendee(kPaul, "ACCEPTED") + Attendee(kJean)),
               kIcs)
                .status,
            201);
  Reply r = Do("mdupont", "PROPFIND", "/dav/calendars/jlabert/inbox/",
               R"(<D:propfind xmlns:D="DAV:"><D:prop><D:getetag/></D:prop></D:propfind>)",
               {{"Depth", "1"}});
  ASSERT_EQ(r.status, 207) << r.body;
  std::string message;
  for (const auto& [href, props] : ParseMultiStatus(r.body).props) {
    if (href != "/dav/calendars/jlabert/inbox/") message = href;
  }
  ASSERT_FALSE(message.empty()) << r.body;
  EXPECT_EQ(Do("mdupont", "GET", message).status, 200);
  EXPECT_EQ(Do("mdupont", "DELETE", message).status, 204);
  EXPECT_EQ(Do("jlabert", "GET", message).status, 404);

  const std::string fb =
      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Tests//FR\r\nMETHOD:REQUEST\r\n"
      "BEGIN:VFREEBUSY\r\nUID:fb-deleg-1\r\nDTSTAMP:20261120T080000Z\r\n"
      "DTSTART:20261201T000000Z\r\nDTEND:20261202T000000Z\r\nORGANIZER:mailto:" +
      std::string(kJean) + "\r\nATTENDEE:mailto:" + kPaul +
      "\r\nEND:VFREEBUSY\r\nEND:VCALENDAR\r\n";
  r = Do("mdupont", "POST", "/dav/calendars/jlabert/outbox/", fb, kIcs);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("2.0;Success"), std::string::npos) << r.body;
  // A read delegate may not (schedule-send is the write delegates').
  Delegate(kReadProxy, "cdurand");
  r = Do("cdurand", "POST", "/dav/calendars/jlabert/outbox/", fb, kIcs);
  EXPECT_EQ(r.status, 403) << r.body;
}

// A read-write sharee creating a meeting in the sharer's calendar through their mount schedules
// as the sharer (issue 12: ORGANIZER the owner, SENT-BY the sharee).
TEST_F(DelegationTest, ReadWriteShareeOrganisesAsTheOwner) {
  // The owner's calendar exists once he connected.
  ASSERT_EQ(
      Do("jlabert", "PROPFIND", "/dav/calendars/jlabert/agenda/", "", {{"Depth", "0"}}).status,
      207);
  store::Session& s = server_.store().ThreadSession();
  Result<store::Collection> agenda = s.GetCollection("/dav/calendars/jlabert/agenda/");
  ASSERT_TRUE(agenda.ok());
  Result<store::User> marie = s.GetUserByLogin("mdupont");
  ASSERT_TRUE(marie.ok());
  store::Share share;
  share.collection_id = agenda->id;
  share.sharee_user_id = marie->id;
  share.access = store::ShareAccess::kReadWrite;
  share.status = store::ShareStatus::kAccepted;
  share.invite_uid = "deleg-share-invite-1";
  store::Id id = 0;
  {
    Result<std::unique_ptr<store::Transaction>> txn = s.Begin(true);
    ASSERT_TRUE(txn.ok());
    Result<store::Id> created = s.CreateShare(share);
    ASSERT_TRUE(created.ok()) << created.status().message();
    id = *created;
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  const std::string mount = "/dav/calendars/mdupont/partage-" + std::to_string(id) + "/";
  Reply r = Do("mdupont", "PUT", mount + "shared-orga-1.ics",
               Event("shared-orga-1", std::string("ORGANIZER:mailto:") + kMarie + "\r\n",
                     Attendee(kMarie, "ACCEPTED") + Attendee(kPaul)),
               kIcs);
  ASSERT_EQ(r.status, 201) << r.body;
  std::string stored =
      Unfold(Do("jlabert", "GET", "/dav/calendars/jlabert/agenda/shared-orga-1.ics").body);
  ASSERT_FALSE(Lines(stored, "ORGANIZER").empty()) << stored;
  EXPECT_NE(Lines(stored, "ORGANIZER").front().find(kJean), std::string::npos) << stored;
  EXPECT_NE(stored.find(std::string("SENT-BY=\"mailto:") + kMarie), std::string::npos) << stored;
  bool invited = false;
  for (const std::string& m : Inbox("pmartin")) {
    if (!Lines(Unfold(m), "UID:shared-orga-1").empty()) invited = true;
  }
  EXPECT_TRUE(invited);
}

}  // namespace
}  // namespace cartable
