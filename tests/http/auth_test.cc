// Basic authentication over HTTP: challenge, login or email, disabled users, password changes.
#include <gtest/gtest.h>

#include "tests/testlib/test_server.h"

namespace cartable {
namespace {

using testlib::TestServer;

class AuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.AddUser("jlabert", "s3cret", "Jean Labert", "jean.labert@ac-orleans-tours.fr");
  }
  TestServer server_;
};

TEST_F(AuthTest, MissingCredentialsGetBasicChallenge) {
  auto r = server_.Request("PROPFIND", "/dav/files/jlabert/");
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(r.Header("www-authenticate").find("Basic realm=\"Cartable\""), std::string::npos);
}

TEST_F(AuthTest, WrongPasswordIsRefused) {
  auto r =
      server_.Request("PROPFIND", "/dav/files/jlabert/", "", {{"Depth", "0"}}, "jlabert", "nope");
  EXPECT_EQ(r.status, 401);
}

TEST_F(AuthTest, LoginOrEmailBothWork) {
  EXPECT_EQ(
      server_.Request("PROPFIND", "/dav/files/jlabert/", "", {{"Depth", "0"}}, "jlabert", "s3cret")
          .status,
      207);
  EXPECT_EQ(server_
                .Request("PROPFIND", "/dav/files/jlabert/", "", {{"Depth", "0"}},
                         "Jean.Labert@ac-orleans-tours.fr", "s3cret")
                .status,
            207);
}

TEST_F(AuthTest, DisabledUserGetsNoDataEvenWhenCached) {
  ASSERT_EQ(server_.Request("GET", "/dav/files/jlabert/", "", {}, "jlabert", "s3cret").status, 200);
  ASSERT_TRUE(server_.app().accounts().Disable("jlabert").ok());
  auto r = server_.Request("GET", "/dav/files/jlabert/", "", {}, "jlabert", "s3cret");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.body.find("jlabert/"), std::string::npos);
}

TEST_F(AuthTest, PasswordChangeDropsTheCachedCredential) {
  ASSERT_EQ(server_.Request("GET", "/dav/files/jlabert/", "", {}, "jlabert", "s3cret").status, 200);
  ASSERT_TRUE(server_.app().accounts().SetPassword("jlabert", "n3w").ok());
  EXPECT_EQ(server_.Request("GET", "/dav/files/jlabert/", "", {}, "jlabert", "s3cret").status, 401);
  EXPECT_EQ(server_.Request("GET", "/dav/files/jlabert/", "", {}, "jlabert", "n3w").status, 200);
}

TEST_F(AuthTest, UnauthenticatedOptionsAdvertisesDav) {
  auto r = server_.Request("OPTIONS", "/dav/");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.Header("dav").find("1, 3, access-control"), std::string::npos);
  EXPECT_NE(r.Header("allow").find("PROPFIND"), std::string::npos);
}

}  // namespace
}  // namespace cartable
