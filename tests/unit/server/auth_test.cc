// The authenticator's cache: the password hash runs once per credential, not per request, and a
// credential_version change or a disable invalidates the cached entry.
#include "server/auth.h"

#include <gtest/gtest.h>

namespace cartable::server {
namespace {

class FakeUsers : public UserDirectory {
 public:
  std::optional<AuthUser> FindByName(const std::string& name) override {
    if (name != "jlabert" && name != "jean.labert@ac-orleans-tours.fr") return std::nullopt;
    return user;
  }
  std::optional<AuthUser> FindById(int64_t id) override {
    if (id != user.id) return std::nullopt;
    return user;
  }
  bool VerifyPassword(const AuthUser&, std::string_view pw) override {
    ++verifications;
    return pw == password;
  }
  AuthUser user{7, "jlabert", "Jean Labert", "jean.labert@ac-orleans-tours.fr", 1, true};
  std::string password = "pw";
  int verifications = 0;
};

http::HttpRequest WithAuth(const std::string& value) {
  http::HttpRequest r;
  r.headers.Set("Authorization", value);
  return r;
}

// "jlabert:pw"
constexpr const char* kGood = "Basic amxhYmVydDpwdw==";

TEST(AuthTest, ParseBasic) {
  std::string u, p;
  EXPECT_TRUE(Authenticator::ParseBasic(kGood, &u, &p));
  EXPECT_EQ(u, "jlabert");
  EXPECT_EQ(p, "pw");
  EXPECT_TRUE(Authenticator::ParseBasic("basic  amxhYmVydDpwdw== ", &u, &p));
  EXPECT_FALSE(Authenticator::ParseBasic("Bearer x", &u, &p));
  EXPECT_FALSE(Authenticator::ParseBasic("Basic !!!", &u, &p));
  EXPECT_FALSE(Authenticator::ParseBasic("Basic bm9jb2xvbg==", &u, &p)) << "no colon";
}

TEST(AuthTest, CacheAvoidsRehashing) {
  FakeUsers users;
  Authenticator auth(users, "Cartable", 300);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(auth.Authenticate(WithAuth(kGood)));
  EXPECT_EQ(users.verifications, 1);
  EXPECT_FALSE(auth.Authenticate(WithAuth("Basic amxhYmVydDp4")));  // jlabert:x
  EXPECT_EQ(users.verifications, 2) << "wrong passwords are never cached";
}

TEST(AuthTest, CredentialVersionChangeInvalidates) {
  FakeUsers users;
  Authenticator auth(users, "Cartable", 300);
  ASSERT_TRUE(auth.Authenticate(WithAuth(kGood)));
  users.user.credential_version = 2;
  users.password = "new";
  EXPECT_FALSE(auth.Authenticate(WithAuth(kGood)));
  users.user.credential_version = 3;
  users.password = "pw";
  users.user.active = false;
  EXPECT_FALSE(auth.Authenticate(WithAuth(kGood))) << "disabled users never pass";
}

TEST(AuthTest, NoCacheMeansHashEveryTime) {
  FakeUsers users;
  Authenticator auth(users, "Cartable", 0);
  ASSERT_TRUE(auth.Authenticate(WithAuth(kGood)));
  ASSERT_TRUE(auth.Authenticate(WithAuth(kGood)));
  EXPECT_EQ(users.verifications, 2);
  http::HttpResponse c = auth.Challenge();
  EXPECT_EQ(c.status, 401);
  EXPECT_EQ(*c.headers.Get("WWW-Authenticate"), "Basic realm=\"Cartable\", charset=\"UTF-8\"");
}

}  // namespace
}  // namespace cartable::server
