// The staff directory over HTTP: the read-only address book every user sees, its search-backed
// addressbook-query, group cards in both vCard versions, sync, attendee search from calendar
// clients, and the webmail's JSON search.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "directory/import.h"
#include "tests/testlib/test_server.h"

namespace cartable {
namespace {

using testlib::ParseMultiStatus;
using testlib::TestServer;

constexpr const char* kDir = "/dav/addressbooks/jlabert/annuaire/";

std::string ReadFixture(const std::string& name) {
  std::ifstream in(std::string(CARTABLE_FIXTURE_DIR) + "/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class DirectoryTest : public ::testing::Test {
 protected:
  // The key file the server's data directory holds (secret_key.h).
  directory::SecretKey Key() {
    return *directory::SecretKey::LoadOrCreate(server_.data_dir() + "/secret.key");
  }
  void SetUp() override {
    server_.AddUser("jlabert", "pw", "Jean Labert", "jean.labert@ac-orleans-tours.fr");
    server_.SetDefaultUser("jlabert", "pw");
    auto report = directory::ImportDirectory(server_.store(), ReadFixture("staff.csv"), Key(), {});
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    ASSERT_TRUE(report->errors.empty());
  }
  // The name of the person card whose FN is `fn`, from a PROPFIND of the directory.
  std::string CardOf(const std::string& fn) {
    auto r =
        server_.As("REPORT", kDir,
                   R"(<C:addressbook-query xmlns:D="DAV:"
      xmlns:C="urn:ietf:params:xml:ns:carddav"><D:prop><D:getetag/></D:prop><C:filter>
      <C:prop-filter name="FN"><C:text-match match-type="equals">)" +
                       fn + R"(</C:text-match></C:prop-filter></C:filter></C:addressbook-query>)",
                   {{"Depth", "1"}});
    auto ms = ParseMultiStatus(r.body);
    return ms.props.empty() ? "" : ms.props.begin()->first;
  }
  TestServer server_;
};

TEST_F(DirectoryTest, EveryUserSeesTheSameReadOnlyBook) {
  std::string card = CardOf("Hélène Le Gall-Dubois");
  ASSERT_EQ(card.rfind(kDir, 0), 0u) << card;
  auto get = server_.As("GET", card);
  EXPECT_EQ(get.status, 200);
  EXPECT_NE(get.body.find("EMAIL;TYPE=work:helene.le-gall-dubois@ac-orleans-tours.fr"),
            std::string::npos)
      << get.body;
  EXPECT_NE(get.body.find("CATEGORIES:DSDEN 37 — Indre-et-Loire,Lycée Descartes"),
            std::string::npos)
      << "groups also as categories (docs/clients.md #16)";
  // Writes are refused with need-privileges.
  for (const auto& [method, path] :
       std::vector<std::pair<std::string, std::string>>{{"PUT", card},
                                                        {"DELETE", card},
                                                        {"PUT", std::string(kDir) + "new.vcf"},
                                                        {"PROPPATCH", kDir},
                                                        {"DELETE", kDir}}) {
    auto r = server_.As(method, path,
                        method == "PROPPATCH"
                            ? R"(<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><D:displayname>x
                                 </D:displayname></D:prop></D:set></D:propertyupdate>)"
                            : "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:x\r\nFN:x\r\nEND:VCARD\r\n",
                        {{"Content-Type", "text/vcard"}});
    EXPECT_EQ(r.status, 403) << method << " " << path;
    EXPECT_NE(r.body.find("need-privileges"), std::string::npos) << method << r.body;
  }
  EXPECT_EQ(server_.As("GET", card).status, 200) << "still there";
}

TEST_F(DirectoryTest, QueryIsAccentAndCaseInsensitive) {
  auto r = server_.As("REPORT", kDir, R"(<C:addressbook-query xmlns:D="DAV:"
    xmlns:C="urn:ietf:params:xml:ns:carddav"><D:prop><C:address-data><C:prop name="FN"/>
    <C:prop name="EMAIL"/></C:address-data></D:prop><C:filter test="anyof"><C:prop-filter name="FN">
    <C:text-match collation="i;unicode-casemap" match-type="contains">GALL</C:text-match>
    </C:prop-filter></C:filter></C:addressbook-query>)",
                      {{"Depth", "1"}});
  ASSERT_EQ(r.status, 207) << r.body;
  auto ms = ParseMultiStatus(r.body);
  ASSERT_EQ(ms.props.size(), 1u) << r.body;
  std::string data = ms.props.begin()->second["{urn:ietf:params:xml:ns:carddav}address-data"].text;
  EXPECT_NE(data.find("FN:Hélène Le Gall-Dubois"), std::string::npos) << data;
  EXPECT_EQ(data.find("TITLE"), std::string::npos) << "only FN and EMAIL were asked for";
  EXPECT_FALSE(CardOf("Jean Martin").empty());
}

TEST_F(DirectoryTest, DepartmentGroupInBothVersions) {
  auto v4 = server_.As("GET", std::string(kDir) + "dsden-37.vcf");
  ASSERT_EQ(v4.status, 200) << v4.body;
  EXPECT_NE(v4.body.find("KIND:group"), std::string::npos);
  EXPECT_NE(v4.body.find("FN:DSDEN 37 — Indre-et-Loire"), std::string::npos) << v4.body;
  EXPECT_NE(v4.body.find("MEMBER:urn:uuid:"), std::string::npos);
  auto v3 = server_.As("GET", std::string(kDir) + "dsden-37.vcf", "",
                       {{"Accept", "text/vcard;version=3.0"}});
  EXPECT_NE(v3.body.find("X-ADDRESSBOOKSERVER-KIND:group"), std::string::npos) << v3.body;
  EXPECT_NE(v3.body.find("X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:"), std::string::npos);
}

TEST_F(DirectoryTest, SyncAndCtagFollowReimports) {
  const std::string sync = R"(<D:sync-collection xmlns:D="DAV:"><D:sync-token>%</D:sync-token>
    <D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>)";
  auto with = [&](const std::string& t) {
    std::string b = sync;
    b.replace(b.find('%'), 1, t);
    return server_.As("REPORT", kDir, b, {{"Depth", "1"}});
  };
  auto first = with("");
  ASSERT_EQ(first.status, 207);
  auto all = ParseMultiStatus(first.body);
  EXPECT_GE(all.props.size(), 4u) << "people and group cards";
  size_t a = first.body.find("<d:sync-token>") + 14;
  std::string token = first.body.substr(a, first.body.find("</d:sync-token>") - a);
  std::string csv = ReadFixture("staff.csv");
  csv.replace(csv.find("Professeure de lettres"), 22, "Professeure de philosophie");
  auto report = directory::ImportDirectory(server_.store(), csv, Key(), {});
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->counts.updated, 1u);
  auto next = with(token);
  auto changed = ParseMultiStatus(next.body);
  EXPECT_EQ(changed.props.size(), 1u) << next.body;
}

TEST_F(DirectoryTest, AttendeeSearchFromCalendarClients) {
  // Thunderbird / Evolution: principal-property-search over names and addresses.
  auto pps = server_.As("REPORT", "/dav/principals/users/", R"(<D:principal-property-search
    xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" test="anyof"><D:property-search><D:prop>
    <D:displayname/></D:prop><D:match match-type="starts-with">hél</D:match></D:property-search>
    <D:property-search><D:prop><C:calendar-user-address-set/></D:prop><D:match>hel</D:match>
    </D:property-search><D:prop><D:displayname/><C:calendar-user-address-set/></D:prop>
    </D:principal-property-search>)",
                        {{"Depth", "0"}});
  ASSERT_EQ(pps.status, 207) << pps.body;
  auto ms = ParseMultiStatus(pps.body);
  ASSERT_EQ(ms.props.count("/dav/principals/users/hlegalldubois/"), 1u) << pps.body;
  EXPECT_EQ(ms.props["/dav/principals/users/hlegalldubois/"]["{DAV:}displayname"].text,
            "Hélène Le Gall-Dubois");
  // macOS: calendarserver-principal-search with tokens.
  auto cs = server_.As("REPORT", "/dav/principals/", R"(<B:calendarserver-principal-search
    xmlns:A="DAV:" xmlns:B="http://calendarserver.org/ns/" context="attendee"><B:search-token>martin
    </B:search-token><B:search-token>jul</B:search-token><B:limit><B:nresults>10</B:nresults>
    </B:limit><A:prop><A:displayname/></A:prop></B:calendarserver-principal-search>)",
                       {{"Depth", "0"}});
  ASSERT_EQ(cs.status, 207) << cs.body;
  auto csm = ParseMultiStatus(cs.body);
  ASSERT_EQ(csm.props.size(), 1u) << cs.body;
  EXPECT_EQ(csm.props.begin()->second["{DAV:}displayname"].text, "Julie Martin");
  auto set = server_.As("REPORT", "/dav/principals/",
                        R"(<D:principal-search-property-set xmlns:D="DAV:"/>)", {{"Depth", "0"}});
  EXPECT_EQ(set.status, 200);
  EXPECT_NE(set.body.find("calendar-user-address-set"), std::string::npos);
  auto none = server_.As("REPORT", "/dav/principals/users/", R"(<D:principal-property-search
    xmlns:D="DAV:"><D:property-search><D:prop><D:displayname/></D:prop><D:match>zzzz</D:match>
    </D:property-search><D:prop><D:displayname/></D:prop></D:principal-property-search>)",
                         {{"Depth", "0"}});
  EXPECT_EQ(none.status, 207);
  EXPECT_TRUE(ParseMultiStatus(none.body).props.empty());
}

// A search answers at most 50 principals (the first ones, in directory order) and the
// calendarserver search at most its nresults; the search stops reading accounts once it has
// them (principal_search.cc), which must not change which principals are answered.
TEST_F(DirectoryTest, AttendeeSearchStopsAtItsLimit) {
  std::string csv = ReadFixture("staff.csv");  // the people already there stay
  for (int i = 0; i < 120; ++i) {
    csv += "Delaunay;Prénom" + std::to_string(1000 + i) + ";;Professeur;Collège Ronsard " +
           std::to_string(i / 40) + ";037010" + std::to_string(i / 40) + "A;37;;\n";
  }
  auto report = directory::ImportDirectory(server_.store(), csv, Key(), {});
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_TRUE(report->errors.empty()) << report->errors.front().message;
  auto search = [&](const std::string& test) {
    auto r = server_.As("REPORT", "/dav/principals/users/",
                        R"(<D:principal-property-search xmlns:D="DAV:"
      xmlns:C="urn:ietf:params:xml:ns:caldav" test=")" +
                            test +
                            R"("><D:property-search><D:prop><D:displayname/></D:prop>
      <D:match match-type="starts-with">DELAU</D:match></D:property-search><D:property-search>
      <D:prop><C:calendar-user-address-set/></D:prop><D:match>delaunay</D:match>
      </D:property-search><D:prop><D:displayname/></D:prop></D:principal-property-search>)",
                        {{"Depth", "0"}});
    EXPECT_EQ(r.status, 207) << r.body;
    return ParseMultiStatus(r.body);
  };
  for (const char* test : {"anyof", "allof"}) {
    auto ms = search(test);
    ASSERT_EQ(ms.props.size(), 50u) << test;
    // The first 50 in import order: Prénom1000 to Prénom1049.
    std::set<std::string> names;
    for (auto& [href, props] : ms.props) names.insert(props["{DAV:}displayname"].text);
    EXPECT_EQ(*names.begin(), "Prénom1000 Delaunay") << test;
    EXPECT_EQ(*names.rbegin(), "Prénom1049 Delaunay") << test;
  }
  auto cs = server_.As("REPORT", "/dav/principals/", R"(<B:calendarserver-principal-search
    xmlns:A="DAV:" xmlns:B="http://calendarserver.org/ns/"><B:search-token>delaunay
    </B:search-token><B:search-token>prénom10</B:search-token><B:limit><B:nresults>7</B:nresults>
    </B:limit><A:prop><A:displayname/></A:prop></B:calendarserver-principal-search>)",
                       {{"Depth", "0"}});
  ASSERT_EQ(cs.status, 207) << cs.body;
  EXPECT_EQ(ParseMultiStatus(cs.body).props.size(), 7u);
}

TEST_F(DirectoryTest, JsonSearchAndGroups) {
  auto r = server_.As("GET", "/api/v1/directory?q=helene&limit=5");
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = nlohmann::json::parse(r.body);
  ASSERT_EQ(j["people"].size(), 1u) << r.body;
  EXPECT_EQ(j["people"][0]["login"], "hlegalldubois");
  EXPECT_EQ(j["people"][0]["uai"], "0370001A");
  EXPECT_EQ(j["people"][0]["departement"], "37");
  auto dep =
      nlohmann::json::parse(server_.As("GET", "/api/v1/directory?q=martin&departement=45").body);
  ASSERT_EQ(dep["people"].size(), 1u);
  EXPECT_EQ(dep["people"][0]["prenom"], "Julie");
  auto groups = nlohmann::json::parse(server_.As("GET", "/api/v1/directory/groups").body);
  bool found = false;
  for (const auto& g : groups["departements"]) {
    if (g["code"] == "37") {
      found = true;
      EXPECT_EQ(g["name"], "DSDEN 37 — Indre-et-Loire");
      EXPECT_EQ(g["members"], 2);
    }
  }
  EXPECT_TRUE(found) << groups.dump();
  EXPECT_EQ(server_.As("GET", "/api/v1/directory").status, 400);
  EXPECT_EQ(server_.As("GET", "/api/v1/directory?q=x&limit=zero").status, 400);
}

}  // namespace
}  // namespace cartable
