// The authenticator's cache: the password hash runs once per credential, not per request, and a
// credential_version change or a disable invalidates the cached entry. The hash pool: bounded,
// off the caller's thread; unknown logins cost a hash too.
#include "server/auth.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>

namespace cartable::server {
namespace {

class FakeUsers : public UserDirectory {
 public:
  std::optional<AuthUser> Recheck(int64_t id, int64_t app_password_id) override {
    if (id != user.id || (app_password_id != 0 && revoked)) return std::nullopt;
    return user;
  }
  // Hashes (counted) whatever the login, as AccountService::SignIn does.
  AuthResult SignIn(const Credentials& c) override {
    ++verifications;
    const bool known = c.name == "jlabert" || c.name == "jean.labert@ac-orleans-tours.fr";
    if (!known || !user.active) ++dummy_verifications;
    while (gate_closed.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (!known || !user.active || c.password != password) return AuthResult{};
    if (must_change) return AuthResult{AuthOutcome::kMustChange, std::nullopt, 0};
    return AuthResult{AuthOutcome::kOk, user, app_password_id};
  }
  AuthUser user{7, "jlabert", "Jean Labert", "jean.labert@ac-orleans-tours.fr", 1, true};
  std::string password = "pw";
  bool must_change = false;
  int64_t app_password_id = 0;  // what a success reports (an app password when not 0)
  bool revoked = false;         // Recheck refuses that app password
  std::atomic<int> verifications{0};
  std::atomic<int> dummy_verifications{0};
  std::atomic<bool> gate_closed{false};  // holds every verification while true
};

bool Ok(const AuthResult& r) { return r.outcome == AuthOutcome::kOk && r.user.has_value(); }

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
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(Ok(auth.Authenticate(WithAuth(kGood))));
  EXPECT_EQ(users.verifications.load(), 1);
  EXPECT_FALSE(Ok(auth.Authenticate(WithAuth("Basic amxhYmVydDp4"))));  // jlabert:x
  EXPECT_EQ(users.verifications.load(), 2) << "wrong passwords are never cached";
}

TEST(AuthTest, CredentialVersionChangeInvalidates) {
  FakeUsers users;
  Authenticator auth(users, "Cartable", 300);
  ASSERT_TRUE(Ok(auth.Authenticate(WithAuth(kGood))));
  users.user.credential_version = 2;
  users.password = "new";
  EXPECT_FALSE(Ok(auth.Authenticate(WithAuth(kGood))));
  users.user.credential_version = 3;
  users.password = "pw";
  users.user.active = false;
  EXPECT_FALSE(Ok(auth.Authenticate(WithAuth(kGood)))) << "disabled users never pass";
}

TEST(AuthTest, NoCacheMeansHashEveryTime) {
  FakeUsers users;
  Authenticator auth(users, "Cartable", 0);
  ASSERT_TRUE(Ok(auth.Authenticate(WithAuth(kGood))));
  ASSERT_TRUE(Ok(auth.Authenticate(WithAuth(kGood))));
  EXPECT_EQ(users.verifications.load(), 2);
  http::HttpResponse c = auth.Challenge();
  EXPECT_EQ(c.status, 401);
  EXPECT_EQ(*c.headers.Get("WWW-Authenticate"), "Basic realm=\"Cartable\", charset=\"UTF-8\"");
}

// An unknown login and a disabled account go through a (dummy) verification, as a wrong password
// does: same cost, so the time taken does not tell which logins exist.
TEST(AuthTest, UnknownAndDisabledLoginsAreHashedToo) {
  FakeUsers users;
  Authenticator auth(users, "Cartable", 300);
  EXPECT_FALSE(Ok(auth.Authenticate(WithAuth("Basic bm9ib2R5OnB3"))));  // nobody:pw
  EXPECT_EQ(users.verifications.load(), 1);
  EXPECT_EQ(users.dummy_verifications.load(), 1);
  EXPECT_FALSE(Ok(auth.Authenticate(WithAuth("Basic amxhYmVydDp4"))));  // jlabert:x
  EXPECT_EQ(users.verifications.load(), 2);
  EXPECT_EQ(users.dummy_verifications.load(), 1);
  users.user.active = false;
  EXPECT_FALSE(Ok(auth.Authenticate(WithAuth(kGood))));
  EXPECT_EQ(users.verifications.load(), 3);
  EXPECT_EQ(users.dummy_verifications.load(), 2) << "a disabled account never sees its hash";
  EXPECT_EQ(auth.verifications(), 3u);
}

TEST(AuthTest, CachedNeverHashes) {
  FakeUsers users;
  Authenticator auth(users, "Cartable", 300);
  Credentials good{"jlabert", "pw"};
  EXPECT_FALSE(auth.Cached(good));
  EXPECT_EQ(users.verifications.load(), 0);
  ASSERT_TRUE(Ok(auth.Verify(good)));
  ASSERT_TRUE(auth.Cached(good));
  EXPECT_FALSE(auth.Cached(Credentials{"jlabert", "x"}));
  EXPECT_EQ(users.verifications.load(), 1);
}

TEST(AuthTest, VerifyAsyncRunsOnThePool) {
  FakeUsers users;
  Authenticator auth(users, "Cartable", 300, HashPoolOptions{1, 4});
  std::promise<std::pair<bool, std::thread::id>> result;
  ASSERT_TRUE(auth.VerifyAsync(Credentials{"jlabert", "pw"}, [&](AuthResult r) {
    result.set_value({Ok(r), std::this_thread::get_id()});
  }));
  auto future = result.get_future();
  ASSERT_EQ(future.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  auto [ok, thread] = future.get();
  EXPECT_TRUE(ok);
  EXPECT_NE(thread, std::this_thread::get_id());
  EXPECT_TRUE(auth.Cached(Credentials{"jlabert", "pw"})) << "a success is cached";
}

// hash_threads busy and hash_queue waiting: the next verification is refused at once (503 for
// the client), not queued without bound.
TEST(AuthTest, FullHashQueueRefusesMore) {
  FakeUsers users;
  users.gate_closed = true;
  std::atomic<int> done{0};
  {
    Authenticator auth(users, "Cartable", 300, HashPoolOptions{1, 2});
    auto count = [&](AuthResult) { done.fetch_add(1); };
    ASSERT_TRUE(auth.VerifyAsync(Credentials{"jlabert", "a"}, count));
    // The first job leaves the queue for the thread, where it blocks.
    for (int i = 0; i < 5000 && users.verifications.load() == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ASSERT_EQ(users.verifications.load(), 1);
    EXPECT_TRUE(auth.VerifyAsync(Credentials{"jlabert", "b"}, count));
    EXPECT_TRUE(auth.VerifyAsync(Credentials{"jlabert", "c"}, count));
    EXPECT_FALSE(auth.VerifyAsync(Credentials{"jlabert", "d"}, count));
    http::HttpResponse busy = Authenticator::Busy();
    EXPECT_EQ(busy.status, 503);
    EXPECT_EQ(*busy.headers.Get("Retry-After"), "1");
    users.gate_closed = false;
    for (int i = 0; i < 5000 && done.load() < 3; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    EXPECT_EQ(done.load(), 3);
    EXPECT_TRUE(auth.VerifyAsync(Credentials{"jlabert", "e"}, count)) << "room again";
  }
  EXPECT_LE(users.verifications.load(), 4);
}

// A herd of requests with the same credentials (a busy client whose cached entry just expired,
// one miss per connection) runs one hash, not one each: each Argon2id hash holds 19 MiB. The
// joined calls share the success; other credentials still get their own hash.
TEST(AuthTest, SameCredentialsInFlightShareOneHash) {
  FakeUsers users;
  users.gate_closed = true;
  Authenticator auth(users, "Cartable", 300, HashPoolOptions{2, 64});
  std::atomic<int> ok{0}, refused{0};
  auto count = [&](AuthResult r) { (Ok(r) ? ok : refused).fetch_add(1); };
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(auth.VerifyAsync(Credentials{"jlabert", "pw"}, count));
  ASSERT_TRUE(auth.VerifyAsync(Credentials{"jlabert", "other"}, count));
  users.gate_closed = false;
  for (int i = 0; i < 5000 && ok.load() + refused.load() < 9; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(ok.load(), 8);
  EXPECT_EQ(refused.load(), 1);
  EXPECT_EQ(users.verifications.load(), 2) << "one hash for the eight, one for the other";
  EXPECT_TRUE(auth.Cached(Credentials{"jlabert", "pw"}));
}

// A refusal is not shared: each joined attempt with a wrong password is hashed (and counted by
// the sign-in rules) on its own, as it was before joining existed.
TEST(AuthTest, RefusalsInFlightAreEachVerified) {
  FakeUsers users;
  users.gate_closed = true;
  Authenticator auth(users, "Cartable", 300, HashPoolOptions{1, 64});
  std::atomic<int> refused{0};
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(auth.VerifyAsync(Credentials{"jlabert", "wrong"}, [&](AuthResult r) {
      if (r.outcome == AuthOutcome::kRefused) refused.fetch_add(1);
    }));
  }
  users.gate_closed = false;
  for (int i = 0; i < 5000 && refused.load() < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(refused.load(), 3);
  EXPECT_EQ(users.verifications.load(), 3);
}

// A right initial password gives kMustChange (not a user) and is never cached: the person must
// choose a new password on the web first, and each request says so again.
TEST(AuthTest, MustChangeIsPassedOnAndNeverCached) {
  FakeUsers users;
  users.must_change = true;
  Authenticator auth(users, "Cartable", 300);
  for (int i = 0; i < 2; ++i) {
    AuthResult r = auth.Authenticate(WithAuth(kGood));
    EXPECT_EQ(r.outcome, AuthOutcome::kMustChange);
    EXPECT_FALSE(r.user);
  }
  EXPECT_EQ(users.verifications.load(), 2);
  EXPECT_FALSE(auth.Cached(Credentials{"jlabert", "pw"}));
}

// A credential cached through an app password stops working once that app password is revoked,
// without waiting for the cache entry to expire.
TEST(AuthTest, RevokedAppPasswordDropsTheCachedEntry) {
  FakeUsers users;
  users.app_password_id = 42;
  Authenticator auth(users, "Cartable", 300);
  ASSERT_TRUE(Ok(auth.Verify(Credentials{"jlabert", "pw"})));
  ASSERT_TRUE(auth.Cached(Credentials{"jlabert", "pw"}));
  users.revoked = true;
  EXPECT_FALSE(auth.Cached(Credentials{"jlabert", "pw"}));
  users.revoked = false;
  EXPECT_FALSE(auth.Cached(Credentials{"jlabert", "pw"})) << "the entry is gone, not hidden";
}

// The credentials carry who sent them: the account service audits the address and the device.
TEST(AuthTest, FromRequestCarriesAddressAndDevice) {
  http::HttpRequest r = WithAuth(kGood);
  r.remote_addr = "192.0.2.7";
  r.headers.Set("User-Agent", std::string(300, 'u'));
  std::optional<Credentials> c = Authenticator::FromRequest(r);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->address, "192.0.2.7");
  EXPECT_EQ(c->device, std::string(200, 'u')) << "bounded as store::WebSession::device";
}

}  // namespace
}  // namespace cartable::server
