// PROPPATCH: dead properties in any namespace kept byte-faithfully, protected properties,
// all-or-nothing.
#include <gtest/gtest.h>

#include "dav/xml.h"
#include "tests/testlib/test_server.h"

namespace cartable {
namespace {

using testlib::ParseMultiStatus;
using testlib::TestServer;

constexpr const char* kColl = "/dav/files/jlabert/c/";

class ProppatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.AddUser("jlabert", "pw", "Jean Labert", "jean.labert@ac-orleans-tours.fr");
    server_.SetDefaultUser("jlabert", "pw");
    ASSERT_EQ(server_.As("MKCOL", kColl).status, 201);
  }
  testlib::PropValue Get(const std::string& ns, const std::string& local) {
    auto r = server_.As("PROPFIND", kColl,
                        "<d:propfind xmlns:d=\"DAV:\"><d:prop><x:" + local + " xmlns:x=\"" + ns +
                            "\"/></d:prop></d:propfind>",
                        {{"Depth", "0"}});
    return ParseMultiStatus(r.body).props[kColl]["{" + ns + "}" + local];
  }
  TestServer server_;
};

TEST_F(ProppatchTest, DeadPropertyRoundTripsWithNamespaces) {
  auto r = server_.As("PROPPATCH", kColl, R"(<?xml version="1.0" encoding="utf-8"?>
<D:propertyupdate xmlns:D="DAV:" xmlns:Z="http://example.com/z" xmlns:Y="urn:y">
  <D:set><D:prop><Z:color>bleu <Y:shade level="2">clair</Y:shade> é😀</Z:color></D:prop></D:set>
</D:propertyupdate>)");
  ASSERT_EQ(r.status, 207);
  EXPECT_EQ(ParseMultiStatus(r.body).props[kColl]["{http://example.com/z}color"].status, 200);
  auto v = Get("http://example.com/z", "color");
  EXPECT_EQ(v.status, 200);
  EXPECT_NE(v.xml.find("bleu "), std::string::npos);
  EXPECT_NE(v.xml.find("clair"), std::string::npos);
  EXPECT_NE(v.xml.find("é😀"), std::string::npos);
  // The inner element's namespace must still resolve to urn:y in the PROPFIND answer.
  auto raw = server_.As("PROPFIND", kColl, R"(<d:propfind xmlns:d="DAV:"><d:prop>
      <x:color xmlns:x="http://example.com/z"/></d:prop></d:propfind>)",
                        {{"Depth", "0"}});
  auto doc = dav::ParseXml(raw.body);
  ASSERT_TRUE(doc.ok());
  pugi::xml_node shade = (*doc)->find_node(
      [](pugi::xml_node n) { return std::string_view(n.name()).ends_with("shade"); });
  ASSERT_TRUE(shade);
  EXPECT_EQ(dav::NameOf(shade).ns, "urn:y") << raw.body;
  EXPECT_NE(v.xml.find("level=\"2\""), std::string::npos);
}

TEST_F(ProppatchTest, ProtectedPropertyFailsEverything) {
  auto r = server_.As("PROPPATCH", kColl, R"(<D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:z">
  <D:set><D:prop><Z:a>1</Z:a><D:getetag>"x"</D:getetag></D:prop></D:set></D:propertyupdate>)");
  ASSERT_EQ(r.status, 207);
  auto p = ParseMultiStatus(r.body).props[kColl];
  EXPECT_EQ(p["{DAV:}getetag"].status, 403);
  EXPECT_EQ(p["{urn:z}a"].status, 424);
  EXPECT_NE(r.body.find("cannot-modify-protected-property"), std::string::npos);
  EXPECT_EQ(Get("urn:z", "a").status, 404) << "nothing applied";
}

TEST_F(ProppatchTest, RemoveAndDisplayname) {
  ASSERT_EQ(server_
                .As("PROPPATCH", kColl, R"(<D:propertyupdate xmlns:D="DAV:">
    <D:set><D:prop><D:displayname>Mes cours</D:displayname></D:prop></D:set></D:propertyupdate>)")
                .status,
            207);
  EXPECT_EQ(Get("DAV:", "displayname").text, "Mes cours");
  ASSERT_EQ(server_
                .As("PROPPATCH", kColl, R"(<D:propertyupdate xmlns:D="DAV:">
    <D:remove><D:prop><D:displayname/></D:prop></D:remove></D:propertyupdate>)")
                .status,
            207);
  EXPECT_EQ(Get("DAV:", "displayname").status, 404);
}

TEST_F(ProppatchTest, PrincipalDisplaynameIsProtected) {
  auto r =
      server_.As("PROPPATCH", "/dav/principals/users/jlabert/", R"(<D:propertyupdate xmlns:D="DAV:">
    <D:set><D:prop><D:displayname>X</D:displayname></D:prop></D:set></D:propertyupdate>)");
  EXPECT_EQ(r.status, 405);
}

TEST_F(ProppatchTest, BadBodiesAre400AndChangeNothing) {
  EXPECT_EQ(server_.As("PROPPATCH", kColl, "<D:propertyupdate xmlns:D=\"DAV:\"><D:set>").status,
            400);
  EXPECT_EQ(server_.As("PROPPATCH", kColl, "<D:propfind xmlns:D=\"DAV:\"/>").status, 400);
  EXPECT_EQ(server_
                .As("PROPPATCH", kColl,
                    "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>"
                    "<D:propertyupdate xmlns:D=\"DAV:\"/>")
                .status,
            403);
}

}  // namespace
}  // namespace cartable
