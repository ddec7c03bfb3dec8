// Departments and establishments over HTTP (issue 12): group principals made by the directory
// import (calendar-user-type GROUP, group-member-set, their address, the groups/ collection),
// found by the principal searches, and invited as CUTYPE=GROUP attendees (expanded into their
// members up to [scheduling] max_group_members, else SCHEDULE-STATUS 5.3).
// People: Hélène and Jean (Indre-et-Loire, Lycée Descartes), Julie (Loiret, Collège Jean Zay).
#include <gtest/gtest.h>

#include "directory/import.h"
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

constexpr const char* kHelene = "helene.le-gall-dubois@ac-orleans-tours.fr";
constexpr const char* kJean = "jean.martin@ac-orleans-tours.fr";
constexpr const char* kJulie = "julie.martin@ac-orleans-tours.fr";
constexpr const char* kDep37 = "/dav/principals/groups/departement-37/";
const std::string kCal = "{urn:ietf:params:xml:ns:caldav}";

constexpr const char* kStaff =
    "nom;prenom;email;fonction;etablissement;uai;departement;telephone\n"
    "Le Gall-Dubois;Hélène;helene.le-gall-dubois@ac-orleans-tours.fr;Professeure;"
    "Lycée Descartes;0370001A;37;\n"
    "Martin;Jean;jean.martin@ac-orleans-tours.fr;CPE;Lycée Descartes;0370001A;37;\n"
    "Martin;Julie;julie.martin@ac-orleans-tours.fr;Professeure;Collège Jean Zay;0450002B;45;\n";

// A meeting Julie organises, inviting `attendee_lines`.
std::string Meeting(const std::string& uid, const std::string& attendee_lines) {
  return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Tests//FR\r\nBEGIN:VEVENT\r\nUID:" + uid +
         "\r\nDTSTAMP:20261120T080000Z\r\nDTSTART:20261201T160000Z\r\n"
         "DTEND:20261201T170000Z\r\nSUMMARY:Réunion académique\r\n"
         "ORGANIZER;CN=Julie Martin:mailto:" +
         kJulie + "\r\nATTENDEE;PARTSTAT=ACCEPTED:mailto:" + kJulie + "\r\n" + attendee_lines +
         "END:VEVENT\r\nEND:VCALENDAR\r\n";
}

const std::string kInviteDep37 =
    "ATTENDEE;CUTYPE=GROUP;CN=DSDEN 37;RSVP=TRUE:urn:x-cartable:group:departement-37\r\n";

void OneMember(server::Config& c) { c.max_group_members = 1; }

class GroupsTest : public ::testing::Test {
 protected:
  explicit GroupsTest(void (*tweak)(server::Config&) = nullptr) : server_(tweak) {}
  void SetUp() override {
    // Accounts made by hand first: the import adopts them by e-mail (and their passwords).
    server_.AddUser("hlegalldubois", "pw", "Hélène Le Gall-Dubois", kHelene);
    server_.AddUser("jmartin", "pw", "Jean Martin", kJean);
    server_.AddUser("jmartin2", "pw", "Julie Martin", kJulie);
    auto key = directory::SecretKey::LoadOrCreate(server_.data_dir() + "/secret.key");
    ASSERT_TRUE(key.ok());
    auto report = directory::ImportDirectory(server_.store(), kStaff, *key, {});
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    ASSERT_TRUE(report->errors.empty()) << report->errors[0].message;
    ASSERT_EQ(report->counts.groups_added, 4u);
  }
  Reply Do(const std::string& user, const std::string& method, const std::string& path,
           const std::string& body = "", const Headers& headers = {}) {
    return server_.Request(method, path, body, headers, user, "pw");
  }
  Reply Propfind(const std::string& user, const std::string& path, const std::string& props,
                 const std::string& depth = "0") {
    return Do(user, "PROPFIND", path,
              R"(<D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop>)" +
                  props + "</D:prop></D:propfind>",
              {{"Depth", depth}});
  }
  Reply Report(const std::string& user, const std::string& path, const std::string& body) {
    return Do(user, "REPORT", path, body, {{"Depth", "0"}});
  }
  std::string Get(const std::string& user, const std::string& path) {
    Reply r = Do(user, "GET", path);
    EXPECT_EQ(r.status, 200) << path;
    return Unfold(r.body);
  }
  // The bodies of `login`'s inbox messages.
  std::vector<std::string> Inbox(const std::string& login) {
    const std::string path = "/dav/calendars/" + login + "/inbox/";
    Reply r = Propfind(login, path, "<D:getetag/>", "1");
    EXPECT_EQ(r.status, 207);
    std::vector<std::string> out;
    for (const auto& [href, props] : ParseMultiStatus(r.body).props) {
      if (href != path) out.push_back(Get(login, href));
    }
    return out;
  }

  TestServer server_;
};

class GroupsBoundTest : public GroupsTest {
 protected:
  GroupsBoundTest() : GroupsTest(OneMember) {}
};

TEST_F(GroupsTest, GroupPrincipalProperties) {
  Reply r = Propfind("jmartin2", kDep37,
                     "<D:displayname/><D:resourcetype/><C:calendar-user-type/><D:group-member-set/>"
                     "<C:calendar-user-address-set/><D:principal-URL/><C:calendar-home-set/>"
                     "<C:schedule-inbox-URL/>");
  ASSERT_EQ(r.status, 207) << r.body;
  auto props = ParseMultiStatus(r.body).props[kDep37];
  EXPECT_EQ(props["{DAV:}displayname"].text, "DSDEN 37 \xE2\x80\x94 Indre-et-Loire");
  EXPECT_NE(props["{DAV:}resourcetype"].xml.find("principal"), std::string::npos);
  EXPECT_EQ(props[kCal + "calendar-user-type"].text, "GROUP");
  const std::string members = props["{DAV:}group-member-set"].xml;
  EXPECT_EQ(props["{DAV:}group-member-set"].status, 200);
  EXPECT_NE(members.find(">/dav/principals/users/hlegalldubois/<"), std::string::npos) << members;
  EXPECT_NE(members.find(">/dav/principals/users/jmartin/<"), std::string::npos) << members;
  EXPECT_EQ(members.find("jmartin2"), std::string::npos) << members;  // Julie is in the Loiret
  const std::string addresses = props[kCal + "calendar-user-address-set"].xml;
  EXPECT_NE(addresses.find(">urn:x-cartable:group:departement-37<"), std::string::npos)
      << addresses;
  EXPECT_NE(addresses.find(std::string(">") + kDep37 + "<"), std::string::npos) << addresses;
  EXPECT_EQ(addresses.find("mailto:"), std::string::npos) << addresses;
  EXPECT_NE(props["{DAV:}principal-URL"].xml.find(kDep37), std::string::npos);
  EXPECT_NE(props[kCal + "calendar-home-set"].xml.find("/dav/calendars/departement-37/"),
            std::string::npos);
  EXPECT_EQ(props[kCal + "schedule-inbox-URL"].status, 404);  // a group receives nothing itself

  // A person stays an INDIVIDUAL with no members; every principal names both collections.
  Reply p = Propfind("jmartin2", "/dav/principals/users/jmartin/",
                     "<C:calendar-user-type/><D:group-member-set/><D:principal-collection-set/>");
  auto person = ParseMultiStatus(p.body).props["/dav/principals/users/jmartin/"];
  EXPECT_EQ(person[kCal + "calendar-user-type"].text, "INDIVIDUAL");
  EXPECT_EQ(person["{DAV:}group-member-set"].status, 404);
  const std::string set = person["{DAV:}principal-collection-set"].xml;
  EXPECT_NE(set.find(">/dav/principals/users/<"), std::string::npos) << set;
  EXPECT_NE(set.find(">/dav/principals/groups/<"), std::string::npos) << set;
}

TEST_F(GroupsTest, GroupsCollectionListsTheRequestersOwnGroups) {
  Reply r = Propfind("jmartin", "/dav/principals/groups/", "<D:displayname/>", "1");
  ASSERT_EQ(r.status, 207) << r.body;
  auto ms = ParseMultiStatus(r.body);
  EXPECT_EQ(ms.props.count(kDep37), 1u);
  EXPECT_EQ(ms.props.count("/dav/principals/groups/etablissement-0370001a/"), 1u);
  EXPECT_EQ(ms.props.count("/dav/principals/groups/departement-45/"), 0u);
  Reply root = Propfind("jmartin", "/dav/principals/", "<D:resourcetype/>", "1");
  EXPECT_EQ(ParseMultiStatus(root.body).props.count("/dav/principals/groups/"), 1u);
  // Upper case in the URL names the same group; persons are no groups.
  EXPECT_EQ(
      Propfind("jmartin", "/dav/principals/groups/Departement-37/", "<D:displayname/>").status,
      207);
  EXPECT_EQ(Propfind("jmartin", "/dav/principals/groups/jmartin/", "<D:displayname/>").status, 404);
  EXPECT_EQ(
      Propfind("jmartin", "/dav/principals/groups/departement-99/", "<D:displayname/>").status,
      404);
}

TEST_F(GroupsTest, PrincipalSearchesFindGroupsByNameCodeAndUai) {
  Reply r = Report("jmartin", "/dav/principals/",
                   R"(<D:principal-property-search xmlns:D="DAV:"><D:property-search><D:prop>
                      <D:displayname/></D:prop><D:match>Indre-et-Loire</D:match>
                      </D:property-search><D:prop><D:displayname/></D:prop>
                      </D:principal-property-search>)");
  ASSERT_EQ(r.status, 207) << r.body;
  auto ms = ParseMultiStatus(r.body);
  ASSERT_EQ(ms.props.count(kDep37), 1u) << r.body;
  EXPECT_EQ(ms.props[kDep37]["{DAV:}displayname"].text, "DSDEN 37 \xE2\x80\x94 Indre-et-Loire");
  EXPECT_EQ(ms.props.size(), 1u) << r.body;

  Reply uai = Report("jmartin", "/dav/principals/",
                     R"(<CS:calendarserver-principal-search xmlns:D="DAV:"
                        xmlns:CS="http://calendarserver.org/ns/"><CS:search-token>0450002b
                        </CS:search-token><D:prop><D:displayname/></D:prop>
                        </CS:calendarserver-principal-search>)");
  ASSERT_EQ(uai.status, 207) << uai.body;
  auto found = ParseMultiStatus(uai.body);
  ASSERT_EQ(found.props.count("/dav/principals/groups/etablissement-0450002b/"), 1u) << uai.body;
  EXPECT_EQ(found.props["/dav/principals/groups/etablissement-0450002b/"]["{DAV:}displayname"].text,
            "Collège Jean Zay");
}

TEST_F(GroupsTest, AnInvitedDepartmentBecomesItsMembersAndTheirAnswersComeBack) {
  const std::string path = "/dav/calendars/jmartin2/agenda/reunion.ics";
  Reply put = Do("jmartin2", "PUT", path, Meeting("reunion-37", kInviteDep37), kIcs);
  ASSERT_EQ(put.status, 201) << put.body;
  const std::string mine = Get("jmartin2", path);
  const std::string group = AttendeeLine(mine, "urn:x-cartable:group:departement-37");
  EXPECT_NE(group.find("SCHEDULE-STATUS=2.0"), std::string::npos) << group;
  for (const char* who : {kHelene, kJean}) {
    const std::string line = AttendeeLine(mine, who);
    EXPECT_NE(line.find("MEMBER=\"urn:x-cartable:group:departement-37\""), std::string::npos)
        << line;
    EXPECT_NE(line.find("SCHEDULE-STATUS=1.2"), std::string::npos) << line;
  }
  // Each member got the invitation.
  for (const char* login : {"hlegalldubois", "jmartin"}) {
    std::vector<std::string> inbox = Inbox(login);
    ASSERT_EQ(inbox.size(), 1u) << login;
    EXPECT_FALSE(Lines(inbox[0], "METHOD:REQUEST").empty());
    EXPECT_FALSE(Lines(inbox[0], "UID:reunion-37").empty());
  }
  // Hélène accepts in her calendar: the organizer's copy shows it.
  const std::string copy = "/dav/calendars/hlegalldubois/agenda/reunion-37.ics";
  std::string accepted = Get("hlegalldubois", copy);
  const std::string before = AttendeeLine(accepted, kHelene);
  ASSERT_FALSE(before.empty()) << accepted;
  std::string after = before;
  after.replace(after.find("PARTSTAT=NEEDS-ACTION"), 21, "PARTSTAT=ACCEPTED");
  accepted.replace(accepted.find(before), before.size(), after);
  Reply answer = Do("hlegalldubois", "PUT", copy, accepted, kIcs);
  ASSERT_EQ(answer.status, 204) << answer.body;
  EXPECT_NE(AttendeeLine(Get("jmartin2", path), kHelene).find("PARTSTAT=ACCEPTED"),
            std::string::npos);
}

TEST_F(GroupsTest, UnknownGroupAddressesStayAsTheyAre) {
  const std::string path = "/dav/calendars/jmartin2/agenda/inconnu.ics";
  Reply put =
      Do("jmartin2", "PUT", path,
         Meeting("inconnu", "ATTENDEE;CUTYPE=GROUP:urn:x-cartable:group:departement-99\r\n"), kIcs);
  ASSERT_EQ(put.status, 201) << put.body;
  const std::string mine = Get("jmartin2", path);
  EXPECT_TRUE(Lines(mine, "ATTENDEE", "MEMBER=").empty()) << mine;
  EXPECT_EQ(AttendeeLine(mine, "departement-99").find("SCHEDULE-STATUS=2.0"), std::string::npos);
}

TEST_F(GroupsBoundTest, AGroupLargerThanTheBoundIsNotExpanded) {
  const std::string path = "/dav/calendars/jmartin2/agenda/trop.ics";
  Reply put = Do("jmartin2", "PUT", path, Meeting("trop", kInviteDep37), kIcs);
  ASSERT_EQ(put.status, 201) << put.body;
  const std::string mine = Get("jmartin2", path);
  EXPECT_NE(AttendeeLine(mine, "urn:x-cartable:group:departement-37").find("SCHEDULE-STATUS=5.3"),
            std::string::npos)
      << mine;
  EXPECT_TRUE(AttendeeLine(mine, kHelene).empty()) << mine;
  EXPECT_TRUE(Inbox("hlegalldubois").empty());
  EXPECT_TRUE(Inbox("jmartin").empty());
  // The member list is bounded too: 507 with the precondition, naming the key.
  Reply members = Propfind("jmartin2", kDep37, "<D:group-member-set/>");
  EXPECT_EQ(members.status, 507) << members.body;
  EXPECT_NE(members.body.find("number-of-matches-within-limits"), std::string::npos);
  EXPECT_NE(members.body.find("max_group_members"), std::string::npos) << members.body;
}

}  // namespace
}  // namespace cartable
