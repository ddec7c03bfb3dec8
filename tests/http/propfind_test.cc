// PROPFIND: depths, prop/allprop/propname/include, per-property status, minimal answers,
// canonical hrefs, errors.
#include <gtest/gtest.h>

#include "tests/testlib/test_server.h"

namespace cartable {
namespace {

using testlib::ParseMultiStatus;
using testlib::TestServer;

constexpr const char* kHome = "/dav/files/jlabert/";

std::string Prop(const std::string& inner) {
  return R"(<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:"><d:prop>)" + inner +
         "</d:prop></d:propfind>";
}

class PropfindTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.AddUser("jlabert", "pw", "Jean Labert", "jean.labert@ac-orleans-tours.fr");
    server_.SetDefaultUser("jlabert", "pw");
    ASSERT_EQ(server_.As("MKCOL", "/dav/files/jlabert/docs/").status, 201);
    ASSERT_EQ(server_
                  .As("PUT", "/dav/files/jlabert/docs/a%20b.txt", "hello",
                      {{"Content-Type", "text/plain"}})
                  .status,
              201);
  }
  TestServer server_;
};

TEST_F(PropfindTest, DepthInfinityIsRefusedWithPrecondition) {
  auto r = server_.As("PROPFIND", kHome, "", {{"Depth", "infinity"}});
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("propfind-finite-depth"), std::string::npos);
  EXPECT_EQ(server_.As("PROPFIND", kHome).status, 403) << "no Depth header means infinity";
}

TEST_F(PropfindTest, MissingResourceIsPlain404) {
  auto r =
      server_.As("PROPFIND", "/dav/files/jlabert/nothing", Prop("<d:getetag/>"), {{"Depth", "0"}});
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body.find("multistatus"), std::string::npos);
}

TEST_F(PropfindTest, DepthOneListsMembersWithCanonicalHrefs) {
  auto r = server_.As("PROPFIND", "/dav/files/jlabert/docs", Prop("<d:getetag/><d:resourcetype/>"),
                      {{"Depth", "1"}});
  ASSERT_EQ(r.status, 207);
  auto ms = ParseMultiStatus(r.body);
  ASSERT_EQ(ms.props.size(), 2u) << r.body;
  EXPECT_EQ(ms.props.count("/dav/files/jlabert/docs/"), 1u) << "collections end with a slash";
  ASSERT_EQ(ms.props.count("/dav/files/jlabert/docs/a%20b.txt"), 1u);
  auto& file = ms.props["/dav/files/jlabert/docs/a%20b.txt"];
  EXPECT_EQ(file["{DAV:}getetag"].status, 200);
  EXPECT_EQ(file["{DAV:}getetag"].text.front(), '"') << "strong ETag";
  EXPECT_EQ(ms.props["/dav/files/jlabert/docs/"]["{DAV:}getetag"].status, 404);
}

TEST_F(PropfindTest, FoundAndMissingPropertiesGetTheirOwnStatus) {
  auto r = server_.As("PROPFIND", "/dav/files/jlabert/docs/a%20b.txt",
                      Prop("<d:getcontentlength/><d:getcontenttype/><x:nope xmlns:x=\"urn:x\"/>"),
                      {{"Depth", "0"}});
  ASSERT_EQ(r.status, 207);
  auto p = ParseMultiStatus(r.body).props["/dav/files/jlabert/docs/a%20b.txt"];
  EXPECT_EQ(p["{DAV:}getcontentlength"].text, "5");
  EXPECT_EQ(p["{DAV:}getcontenttype"].text, "text/plain");
  EXPECT_EQ(p["{urn:x}nope"].status, 404);
}

TEST_F(PropfindTest, PreferMinimalAndBriefDrop404s) {
  for (auto header : std::vector<std::pair<std::string, std::string>>{{"Prefer", "return=minimal"},
                                                                      {"Brief", "t"}}) {
    auto r = server_.As("PROPFIND", kHome, Prop("<d:resourcetype/><d:getetag/>"),
                        {{"Depth", "0"}, header});
    ASSERT_EQ(r.status, 207);
    EXPECT_EQ(r.body.find("404"), std::string::npos) << header.first;
    EXPECT_NE(r.body.find("resourcetype"), std::string::npos);
  }
}

TEST_F(PropfindTest, AllpropWithIncludeAndPropname) {
  const std::string allprop = R"(<d:propfind xmlns:d="DAV:"><d:allprop/><d:include>
      <d:current-user-principal/></d:include></d:propfind>)";
  auto r = server_.As("PROPFIND", "/dav/files/jlabert/docs/a%20b.txt", allprop, {{"Depth", "0"}});
  ASSERT_EQ(r.status, 207);
  auto p = ParseMultiStatus(r.body).props["/dav/files/jlabert/docs/a%20b.txt"];
  EXPECT_EQ(p["{DAV:}getetag"].status, 200);
  EXPECT_EQ(p["{DAV:}getlastmodified"].status, 200);
  EXPECT_EQ(p["{DAV:}creationdate"].status, 200);
  EXPECT_EQ(p["{DAV:}current-user-principal"].status, 200);
  EXPECT_EQ(p.count("{DAV:}current-user-privilege-set"), 0u) << "not part of allprop";

  auto n = server_.As("PROPFIND", kHome, R"(<d:propfind xmlns:d="DAV:"><d:propname/></d:propfind>)",
                      {{"Depth", "0"}});
  auto names = ParseMultiStatus(n.body).props[kHome];
  EXPECT_EQ(names["{DAV:}quota-used-bytes"].xml, "");
  EXPECT_EQ(names["{DAV:}quota-used-bytes"].status, 200);
  EXPECT_EQ(names.count("{DAV:}getetag"), 0u);
}

TEST_F(PropfindTest, EmptyBodyMeansAllprop) {
  auto r = server_.As("PROPFIND", "/dav/files/jlabert/docs/a%20b.txt", "", {{"Depth", "0"}});
  ASSERT_EQ(r.status, 207);
  EXPECT_NE(r.body.find("getcontentlength"), std::string::npos);
}

TEST_F(PropfindTest, MalformedXmlIs400WithAMessage) {
  auto r = server_.As("PROPFIND", kHome, "<d:propfind xmlns:d=\"DAV:\"><d:prop>", {{"Depth", "0"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("malformed XML"), std::string::npos) << r.body;
  auto wrong = server_.As("PROPFIND", kHome, "<d:foo xmlns:d=\"DAV:\"/>", {{"Depth", "0"}});
  EXPECT_EQ(wrong.status, 400);
  EXPECT_NE(wrong.body.find("DAV:propfind"), std::string::npos);
  auto undeclared = server_.As("PROPFIND", kHome, "<x:propfind/>", {{"Depth", "0"}});
  EXPECT_EQ(undeclared.status, 400);
}

TEST_F(PropfindTest, PrivilegesAndQuota) {
  auto r = server_.As("PROPFIND", kHome,
                      Prop("<d:current-user-privilege-set/><d:quota-used-bytes/>"
                           "<d:quota-available-bytes/><d:owner/>"),
                      {{"Depth", "0"}});
  auto p = ParseMultiStatus(r.body).props[kHome];
  EXPECT_NE(p["{DAV:}current-user-privilege-set"].xml.find("write-content"), std::string::npos);
  EXPECT_EQ(p["{DAV:}quota-used-bytes"].text, "5");
  EXPECT_EQ(p["{DAV:}quota-available-bytes"].text, std::to_string((50ll << 20) - 5));
  EXPECT_NE(p["{DAV:}owner"].xml.find("/dav/principals/users/jlabert/"), std::string::npos);

  auto principal = server_.As("PROPFIND", "/dav/principals/users/jlabert/",
                              Prop("<d:current-user-privilege-set/>"), {{"Depth", "0"}});
  auto pp = ParseMultiStatus(principal.body).props["/dav/principals/users/jlabert/"];
  EXPECT_NE(pp["{DAV:}current-user-privilege-set"].xml.find("read"), std::string::npos);
  EXPECT_EQ(pp["{DAV:}current-user-privilege-set"].xml.find("write"), std::string::npos);
}

TEST_F(PropfindTest, LargeMultistatusIsGzippedWhenAsked) {
  for (int i = 0; i < 60; ++i) {
    ASSERT_EQ(server_.As("PUT", "/dav/files/jlabert/docs/f" + std::to_string(i), "x").status, 201);
  }
  auto r = server_.As("PROPFIND", "/dav/files/jlabert/docs/", Prop("<d:getetag/>"),
                      {{"Depth", "1"}, {"Accept-Encoding", "gzip"}});
  ASSERT_EQ(r.status, 207);
  EXPECT_EQ(r.Header("content-encoding"), "gzip");
  EXPECT_EQ(static_cast<unsigned char>(r.body[0]), 0x1f);
  auto plain =
      server_.As("PROPFIND", "/dav/files/jlabert/docs/", Prop("<d:getetag/>"), {{"Depth", "1"}});
  EXPECT_EQ(plain.Header("content-encoding"), "");
  EXPECT_EQ(ParseMultiStatus(plain.body).props.size(), 62u);
}

}  // namespace
}  // namespace cartable
