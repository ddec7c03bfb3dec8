// CardDAV over HTTP: the personal address book (validation, versions, reports) and the homes.
#include <gtest/gtest.h>

#include "tests/testlib/test_server.h"

namespace cartable {
namespace {

using testlib::ParseMultiStatus;
using testlib::Reply;
using testlib::TestServer;

constexpr const char* kBook = "/dav/addressbooks/jlabert/contacts/";
constexpr const char* kCard = "{urn:ietf:params:xml:ns:carddav}";

std::string Card3(const std::string& uid, const std::string& fn, const std::string& extra = "") {
  return "BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:-//Apple Inc.//iOS 18.4//EN\r\nUID:" + uid +
         "\r\nFN:" + fn + "\r\nN:" + fn + ";;;;\r\n" + extra + "END:VCARD\r\n";
}

std::string Card4(const std::string& uid, const std::string& fn, const std::string& extra = "") {
  return "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:" + uid + "\r\nFN:" + fn + "\r\n" + extra +
         "END:VCARD\r\n";
}

class CardDavTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.AddUser("jlabert", "pw", "Jean Labert", "jean.labert@ac-orleans-tours.fr");
    server_.SetDefaultUser("jlabert", "pw");
  }
  Reply Put(const std::string& name, const std::string& body,
            const std::string& type = "text/vcard; charset=utf-8") {
    return server_.As("PUT", std::string(kBook) + name, body, {{"Content-Type", type}});
  }
  TestServer server_;
};

TEST_F(CardDavTest, HomeListsContactsBeforeTheDirectory) {
  auto r =
      server_.As("PROPFIND", "/dav/addressbooks/jlabert/",
                 R"(<D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav"><D:prop>
                         <D:resourcetype/><D:displayname/><C:supported-address-data/>
                         <C:directory-gateway/></D:prop></D:propfind>)",
                 {{"Depth", "1"}});
  ASSERT_EQ(r.status, 207) << r.body;
  size_t contacts = r.body.find("<d:response><d:href>/dav/addressbooks/jlabert/contacts/</d:href>");
  size_t directory =
      r.body.find("<d:response><d:href>/dav/addressbooks/jlabert/annuaire/</d:href>");
  ASSERT_NE(contacts, std::string::npos) << r.body;
  ASSERT_NE(directory, std::string::npos) << r.body;
  EXPECT_LT(contacts, directory) << "macOS syncs only the first address book";
  auto ms = ParseMultiStatus(r.body);
  auto& book = ms.props[kBook];
  EXPECT_NE(book["{DAV:}resourcetype"].xml.find("addressbook"), std::string::npos);
  EXPECT_EQ(book["{DAV:}displayname"].text, "Contacts");
  EXPECT_NE(book[std::string(kCard) + "supported-address-data"].xml.find("4.0"), std::string::npos);
  auto& dir = ms.props["/dav/addressbooks/jlabert/annuaire/"];
  EXPECT_EQ(dir["{DAV:}displayname"].text, "Annuaire académique");
  EXPECT_NE(dir["{DAV:}resourcetype"].xml.find("directory"), std::string::npos);
  EXPECT_NE(
      ms.props["/dav/addressbooks/jlabert/"][std::string(kCard) + "directory-gateway"].xml.find(
          "/dav/addressbooks/jlabert/annuaire/"),
      std::string::npos);
}

TEST_F(CardDavTest, PrincipalAdvertisesTheDirectoryGateway) {
  auto r =
      server_.As("PROPFIND", "/dav/principals/users/jlabert/",
                 R"(<D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav"><D:prop>
                         <C:directory-gateway/><C:addressbook-home-set/></D:prop></D:propfind>)",
                 {{"Depth", "0"}});
  EXPECT_NE(r.body.find("/dav/addressbooks/jlabert/annuaire/"), std::string::npos) << r.body;
  EXPECT_NE(server_.As("OPTIONS", kBook).Header("dav").find("addressbook"), std::string::npos);
}

TEST_F(CardDavTest, PutValidationAndUidConflict) {
  auto put = Put("a.vcf", Card3("a", "Marie Dupont",
                                "item1.EMAIL;type=INTERNET:marie@x.fr\r\n"
                                "item1.X-ABLabel:_$!<Other>!$_\r\n"));
  ASSERT_EQ(put.status, 201) << put.body;
  EXPECT_FALSE(put.Header("etag").empty());
  struct Case {
    std::string body, type, precondition;
  } cases[] = {
      {"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:x\r\n", "text/vcard", "valid-address-data"},
      {"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:No UID\r\nEND:VCARD\r\n", "text/vcard",
       "valid-address-data"},
      {Card3("b", "Bob"), "text/plain", "supported-address-data"},
      {Card3("a", "Same UID"), "text/vcard", "no-uid-conflict"},
  };
  for (const Case& c : cases) {
    auto r = Put("b.vcf", c.body, c.type);
    EXPECT_EQ(r.status, 403) << c.precondition << r.body;
    EXPECT_NE(r.body.find(c.precondition), std::string::npos) << r.body;
  }
  EXPECT_EQ(server_.As("GET", std::string(kBook) + "b.vcf").status, 404);
  auto big = Put("big.vcf", Card4("big", "Big", "NOTE:" + std::string(2 << 20, 'x') + "\r\n"));
  EXPECT_EQ(big.status, 403);
  EXPECT_NE(big.body.find("max-resource-size"), std::string::npos);
}

TEST_F(CardDavTest, VersionNegotiationOnGet) {
  std::string v4 =
      Card4("g", "Conseil pédagogique", "KIND:group\r\nMEMBER:urn:uuid:0001\r\nBDAY:--0412\r\n");
  ASSERT_EQ(Put("g.vcf", v4).status, 201);
  auto same = server_.As("GET", std::string(kBook) + "g.vcf");
  EXPECT_EQ(same.body, v4) << "stored bytes by default";
  auto v3 =
      server_.As("GET", std::string(kBook) + "g.vcf", "", {{"Accept", "text/vcard; version=3.0"}});
  EXPECT_NE(v3.body.find("VERSION:3.0"), std::string::npos) << v3.body;
  EXPECT_NE(v3.body.find("X-ADDRESSBOOKSERVER-KIND:group"), std::string::npos) << v3.body;
  EXPECT_NE(v3.body.find("X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:0001"), std::string::npos);
  EXPECT_NE(v3.body.find("X-APPLE-OMIT-YEAR"), std::string::npos);
}

TEST_F(CardDavTest, AddressbookQueryAndMultiget) {
  ASSERT_EQ(Put("a.vcf", Card3("a", "Hélène Le Gall", "EMAIL;TYPE=work:helene@x.fr\r\n")).status,
            201);
  ASSERT_EQ(Put("b.vcf", Card4("b", "Bernard Lefèvre", "EMAIL:bernard@x.fr\r\n")).status, 201);
  auto q = server_.As("REPORT", kBook, R"(<C:addressbook-query xmlns:D="DAV:"
    xmlns:C="urn:ietf:params:xml:ns:carddav"><D:prop><D:getetag/><C:address-data/></D:prop>
    <C:filter><C:prop-filter name="FN"><C:text-match collation="i;unicode-casemap"
    match-type="contains">hélène</C:text-match></C:prop-filter></C:filter></C:addressbook-query>)",
                      {{"Depth", "1"}});
  ASSERT_EQ(q.status, 207) << q.body;
  auto ms = ParseMultiStatus(q.body);
  EXPECT_EQ(ms.props.size(), 1u) << q.body;
  EXPECT_NE(ms.props[std::string(kBook) + "a.vcf"][std::string(kCard) + "address-data"].text.find(
                "FN:Hélène"),
            std::string::npos);
  auto limited = server_.As("REPORT", kBook, R"(<C:addressbook-query xmlns:D="DAV:"
    xmlns:C="urn:ietf:params:xml:ns:carddav"><D:prop><D:getetag/></D:prop><C:filter/>
    <C:limit><C:nresults>1</C:nresults></C:limit></C:addressbook-query>)",
                            {{"Depth", "1"}});
  auto lm = ParseMultiStatus(limited.body);
  EXPECT_EQ(lm.response_status[kBook], 507) << limited.body;
  EXPECT_NE(limited.body.find("number-of-matches-within-limits"), std::string::npos);
  auto mg = server_.As("REPORT", kBook, R"(<C:addressbook-multiget xmlns:D="DAV:"
    xmlns:C="urn:ietf:params:xml:ns:carddav"><D:prop><D:getetag/>
    <C:address-data content-type="text/vcard" version="4.0"/></D:prop>
    <D:href>/dav/addressbooks/jlabert/contacts/a.vcf</D:href>
    <D:href>/dav/addressbooks/jlabert/contacts/none.vcf</D:href></C:addressbook-multiget>)",
                       {{"Depth", "1"}});
  auto mm = ParseMultiStatus(mg.body);
  EXPECT_NE(mm.props[std::string(kBook) + "a.vcf"][std::string(kCard) + "address-data"].text.find(
                "VERSION:4.0"),
            std::string::npos)
      << mg.body;
  EXPECT_EQ(mm.response_status[std::string(kBook) + "none.vcf"], 404);
  auto bad = server_.As("REPORT", kBook, R"(<C:addressbook-query xmlns:D="DAV:"
    xmlns:C="urn:ietf:params:xml:ns:carddav"><D:prop><D:getetag/></D:prop><C:filter>
    <C:prop-filter name="FN"><C:text-match collation="i;klingon">x</C:text-match></C:prop-filter>
    </C:filter></C:addressbook-query>)",
                        {{"Depth", "1"}});
  EXPECT_EQ(bad.status, 403);
  EXPECT_NE(bad.body.find("supported-collation"), std::string::npos);
}

TEST_F(CardDavTest, MoreBooksAndSync) {
  auto mk = server_.As("MKCOL", "/dav/addressbooks/jlabert/classe/", R"(<D:mkcol xmlns:D="DAV:"
    xmlns:C="urn:ietf:params:xml:ns:carddav"><D:set><D:prop><D:resourcetype><D:collection/>
    <C:addressbook/></D:resourcetype><D:displayname>Parents 4e B</D:displayname></D:prop></D:set>
    </D:mkcol>)",
                       {{"Content-Type", "application/xml"}});
  ASSERT_EQ(mk.status, 201) << mk.body;
  ASSERT_EQ(server_
                .As("PUT", "/dav/addressbooks/jlabert/classe/p.vcf", Card4("p", "Parent"),
                    {{"Content-Type", "text/vcard"}})
                .status,
            201);
  auto sync =
      server_.As("REPORT", "/dav/addressbooks/jlabert/classe/",
                 R"(<D:sync-collection xmlns:D="DAV:"><D:sync-token/><D:sync-level>1</D:sync-level>
                            <D:prop><D:getetag/></D:prop></D:sync-collection>)",
                 {{"Depth", "1"}});
  EXPECT_EQ(ParseMultiStatus(sync.body).props.size(), 1u) << sync.body;
  EXPECT_EQ(server_.As("MKCOL", "/dav/addressbooks/jlabert/plain/").status, 403);
}

}  // namespace
}  // namespace cartable
