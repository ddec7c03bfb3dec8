// Discovery (RFC 6764, RFC 5397) and principals, as Thunderbird, iOS and DAVx5 use them.
#include <gtest/gtest.h>

#include "tests/testlib/test_server.h"

namespace cartable {
namespace {

using testlib::ParseMultiStatus;
using testlib::TestServer;

constexpr const char* kPrincipalProps = R"(<?xml version="1.0"?>
<d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"
    xmlns:card="urn:ietf:params:xml:ns:carddav" xmlns:cs="http://calendarserver.org/ns/">
  <d:prop><d:displayname/><d:principal-URL/><d:current-user-principal/><d:resourcetype/>
    <c:calendar-home-set/><card:addressbook-home-set/><c:calendar-user-address-set/>
    <d:principal-collection-set/><cs:email-address-set/></d:prop></d:propfind>)";

class DiscoveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.AddUser("jlabert", "pw", "Jean Labert", "jean.labert@ac-orleans-tours.fr");
    server_.SetDefaultUser("jlabert", "pw");
  }
  TestServer server_;
};

TEST_F(DiscoveryTest, WellKnownRedirectsToDavRoot) {
  for (const char* p : {"/.well-known/caldav", "/.well-known/carddav"}) {
    auto r = server_.Request("GET", p);
    EXPECT_EQ(r.status, 301) << p;
    EXPECT_EQ(r.Header("location"), "/dav/") << p;
  }
}

TEST_F(DiscoveryTest, PropfindOnWellKnownAnswersCurrentUserPrincipal) {
  const std::string body = R"(<d:propfind xmlns:d="DAV:"><d:prop><d:current-user-principal/>
      </d:prop></d:propfind>)";
  for (const char* p : {"/.well-known/caldav", "/.well-known/carddav", "/"}) {
    EXPECT_EQ(server_.Request("PROPFIND", p, body, {{"Depth", "0"}}).status, 401) << p;
    auto r = server_.As("PROPFIND", p, body, {{"Depth", "0"}});
    ASSERT_EQ(r.status, 207) << p;
    auto ms = ParseMultiStatus(r.body);
    // The well-known URIs stand for the context root (RFC 6764 §5); `/` answers for itself.
    const std::string href = std::string(p) == "/" ? "/" : "/dav/";
    ASSERT_EQ(ms.props.size(), 1u) << p << r.body;
    EXPECT_EQ(ms.props[href]["{DAV:}current-user-principal"].text, "")
        << "the value is an href element";
    EXPECT_NE(
        ms.props[href]["{DAV:}current-user-principal"].xml.find("/dav/principals/users/jlabert/"),
        std::string::npos);
  }
}

TEST_F(DiscoveryTest, PropfindOnServerRootAnswersForItselfOnly) {
  const std::string body = R"(<d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
      <d:prop><d:current-user-principal/><d:resourcetype/><c:calendar-home-set/></d:prop>
      </d:propfind>)";
  auto r = server_.As("PROPFIND", "/", body, {{"Depth", "1"}});
  ASSERT_EQ(r.status, 207) << r.body;
  auto ms = ParseMultiStatus(r.body);
  ASSERT_EQ(ms.props.size(), 1u) << "no members, and not the DAV root's: " << r.body;
  auto& root = ms.props["/"];
  EXPECT_NE(root["{DAV:}current-user-principal"].xml.find("/dav/principals/users/jlabert/"),
            std::string::npos);
  EXPECT_EQ(root["{DAV:}resourcetype"].status, 200);
  EXPECT_EQ(root["{DAV:}resourcetype"].xml.find("collection"), std::string::npos)
      << "/ is the home page, not a collection";
  EXPECT_EQ(root["{urn:ietf:params:xml:ns:caldav}calendar-home-set"].status, 404)
      << "found through the principal";
  EXPECT_EQ(server_.As("GET", "/").status, 200) << "the home page stays";
}

TEST_F(DiscoveryTest, PrincipalHasEverythingClientsRead) {
  auto r =
      server_.As("PROPFIND", "/dav/principals/users/jlabert/", kPrincipalProps, {{"Depth", "0"}});
  ASSERT_EQ(r.status, 207);
  auto ms = ParseMultiStatus(r.body);
  auto& p = ms.props["/dav/principals/users/jlabert/"];
  EXPECT_EQ(p["{DAV:}displayname"].text, "Jean Labert");
  EXPECT_NE(p["{DAV:}principal-URL"].xml.find("/dav/principals/users/jlabert/"), std::string::npos);
  EXPECT_NE(p["{DAV:}resourcetype"].xml.find("principal"), std::string::npos);
  EXPECT_NE(
      p["{urn:ietf:params:xml:ns:caldav}calendar-home-set"].xml.find("/dav/calendars/jlabert/"),
      std::string::npos);
  EXPECT_NE(p["{urn:ietf:params:xml:ns:carddav}addressbook-home-set"].xml.find(
                "/dav/addressbooks/jlabert/"),
            std::string::npos);
  const std::string& cuas = p["{urn:ietf:params:xml:ns:caldav}calendar-user-address-set"].xml;
  size_t mailto = cuas.find("mailto:jean.labert@ac-orleans-tours.fr");
  ASSERT_NE(mailto, std::string::npos);
  EXPECT_LT(mailto, cuas.find("/dav/principals/users/jlabert/")) << "mailto: must come first";
  EXPECT_NE(p["{DAV:}principal-collection-set"].xml.find("/dav/principals/users/"),
            std::string::npos);
  EXPECT_EQ(p["{http://calendarserver.org/ns/}email-address-set"].status, 200);
}

TEST_F(DiscoveryTest, PercentEncodedEmailNamesTheSamePrincipal) {
  auto r = server_.As("PROPFIND", "/dav/principals/users/jean.labert%40ac-orleans-tours.fr/",
                      kPrincipalProps, {{"Depth", "0"}});
  ASSERT_EQ(r.status, 207);
  auto ms = ParseMultiStatus(r.body);
  EXPECT_EQ(ms.props.count("/dav/principals/users/jlabert/"), 1u) << r.body;
}

TEST_F(DiscoveryTest, HomesExistFromFirstAccessAndCurrentUserPrincipalEverywhere) {
  const std::string body = R"(<d:propfind xmlns:d="DAV:"><d:prop><d:current-user-principal/>
      <d:resourcetype/></d:prop></d:propfind>)";
  for (const char* p : {"/dav/calendars/jlabert/", "/dav/addressbooks/jlabert/",
                        "/dav/files/jlabert/", "/dav/", "/dav/principals/"}) {
    auto r = server_.As("PROPFIND", p, body, {{"Depth", "0"}});
    ASSERT_EQ(r.status, 207) << p;
    auto ms = ParseMultiStatus(r.body);
    EXPECT_EQ(ms.props[p]["{DAV:}current-user-principal"].status, 200) << p;
    EXPECT_NE(ms.props[p]["{DAV:}resourcetype"].xml.find("collection"), std::string::npos) << p;
  }
}

TEST_F(DiscoveryTest, DavHeaderOnEveryCollectionKind) {
  for (const char* p : {"/dav/", "/dav/principals/users/jlabert/", "/dav/calendars/jlabert/",
                        "/dav/addressbooks/jlabert/", "/dav/files/jlabert/"}) {
    auto r = server_.As("OPTIONS", p);
    EXPECT_EQ(r.status, 200) << p;
    EXPECT_NE(r.Header("dav").find("access-control"), std::string::npos) << p;
    // docs/clients.md #1: Thunderbird leaves scheduling to the server only when it sees this.
    EXPECT_NE(r.Header("dav").find("calendar-auto-schedule"), std::string::npos) << p;
    EXPECT_NE(r.Header("allow").find("PROPFIND"), std::string::npos) << p;
  }
  // Unauthenticated setup probes too.
  auto anonymous = server_.Request("OPTIONS", "/dav/");
  EXPECT_NE(anonymous.Header("dav").find("calendar-auto-schedule"), std::string::npos);
}

TEST_F(DiscoveryTest, OtherUsersTreesAreForbidden) {
  server_.AddUser("mdupont", "pw2", "Marie Dupont", "marie.dupont@ac-orleans-tours.fr");
  ASSERT_EQ(server_.Request("PUT", "/dav/files/mdupont/x.txt", "x", {}, "mdupont", "pw2").status,
            201);
  auto r = server_.As("GET", "/dav/files/mdupont/x.txt");
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("need-privileges"), std::string::npos);
  EXPECT_EQ(server_.As("PUT", "/dav/files/mdupont/y.txt", "y").status, 403);
  EXPECT_EQ(server_.As("DELETE", "/dav/files/mdupont/x.txt").status, 403);
  EXPECT_EQ(server_.Request("GET", "/dav/files/mdupont/x.txt", "", {}, "mdupont", "pw2").body, "x");
}

}  // namespace
}  // namespace cartable
