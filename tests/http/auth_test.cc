// Basic authentication over HTTP: challenge, login or email, disabled users, password changes;
// authentication before the body is read; password hashes on the bounded pool, off the reactors.
#include <gtest/gtest.h>

#include <memory>
#include <regex>
#include <vector>

#include "tests/testlib/raw_client.h"
#include "tests/testlib/test_server.h"

namespace cartable {
namespace {

using std::chrono::milliseconds;
using testlib::BasicAuth;
using testlib::RawClient;
using testlib::TestServer;

std::string PutHead(uint16_t port, const std::string& path, size_t length, const std::string& auth,
                    bool expect_continue = false) {
  std::string head =
      "PUT " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
      "\r\nContent-Type: application/octet-stream\r\nContent-Length: " + std::to_string(length) +
      "\r\n";
  if (!auth.empty()) head += "Authorization: Basic " + auth + "\r\n";
  if (expect_continue) head += "Expect: 100-continue\r\n";
  return head + "\r\n";
}

std::string Propfind(uint16_t port, const std::string& auth, bool close = false) {
  return "PROPFIND /dav/files/jlabert/ HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
         "\r\nDepth: 0\r\nContent-Length: 0\r\nAuthorization: Basic " + auth + "\r\n" +
         (close ? "Connection: close\r\n" : "") + "\r\n";
}

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

// A DAV request on a cached credential confirms it inside its own transaction (issue 14). When
// the account changed meanwhile (disabled, then enabled again: the credential version moved) the
// cached credential no longer holds, and the request is not refused for that: its password is
// verified again (one more hash, off the reactor), and it is served.
TEST_F(AuthTest, CachedCredentialThatNoLongerHoldsIsVerifiedAgain) {
  ASSERT_EQ(server_.Request("GET", "/dav/files/jlabert/", "", {}, "jlabert", "s3cret").status, 200);
  uint64_t hashes = server_.app().authenticator().verifications();
  ASSERT_EQ(server_.Request("GET", "/dav/files/jlabert/", "", {}, "jlabert", "s3cret").status, 200);
  EXPECT_EQ(server_.app().authenticator().verifications(), hashes) << "served from the cache";
  ASSERT_TRUE(server_.app().accounts().Disable("jlabert").ok());
  ASSERT_TRUE(server_.app().accounts().Enable("jlabert").ok());
  auto r = server_.Request("GET", "/dav/files/jlabert/", "", {}, "jlabert", "s3cret");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("/dav/files/jlabert/"), std::string::npos) << r.body;
  EXPECT_EQ(server_.app().authenticator().verifications(), hashes + 1) << "verified again";
  EXPECT_EQ(server_.Request("GET", "/dav/files/jlabert/", "", {}, "jlabert", "s3cret").status, 200);
  EXPECT_EQ(server_.app().authenticator().verifications(), hashes + 1) << "cached again";
}

TEST_F(AuthTest, UnauthenticatedOptionsAdvertisesDav) {
  auto r = server_.Request("OPTIONS", "/dav/");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.Header("dav").find("1, 3, access-control"), std::string::npos);
  EXPECT_NE(r.Header("allow").find("PROPFIND"), std::string::npos);
}

// The finding: bodies were read before authentication. Now a 10 MB PUT without credentials is
// answered 401 while most of its body is still unsent, and the connection closes.
TEST_F(AuthTest, UnauthenticatedLargePutIsRefusedBeforeItsBody) {
  constexpr size_t kLength = 10u << 20;
  RawClient c(server_.port(), milliseconds(5000));
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.Send(PutHead(server_.port(), "/dav/files/jlabert/big.bin", kLength, "")));
  ASSERT_TRUE(c.Send(std::string(256u << 10, 'x')));  // 2.5 % of the body, then nothing more
  auto r = c.ReadResponse();
  ASSERT_TRUE(r) << "the answer must not wait for the body";
  EXPECT_EQ(r->status, 401);
  EXPECT_TRUE(r->Header("WWW-Authenticate"));
  EXPECT_EQ(r->Header("Connection").value_or(""), "close");
  EXPECT_TRUE(c.WaitForClose(milliseconds(5000)));
}

// Wrong credentials need a hash first (on the pool); the body still waits unread and the answer
// comes without it.
TEST_F(AuthTest, WrongPasswordLargePutIsRefusedBeforeItsBody) {
  RawClient c(server_.port(), milliseconds(5000));
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.Send(PutHead(server_.port(), "/dav/files/jlabert/big.bin", 10u << 20,
                             BasicAuth("jlabert", "wrong"))));
  ASSERT_TRUE(c.Send(std::string(256u << 10, 'x')));
  auto r = c.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  EXPECT_TRUE(c.WaitForClose(milliseconds(5000)));
}

// RFC 9110 §10.1.1: 100 Continue only once the credentials are good; otherwise the final status
// and no 100.
TEST_F(AuthTest, ExpectContinueOnlyAfterAuthentication) {
  for (bool cached : {false, true}) {  // the first PUT hashes (pool), the second hits the cache
    RawClient good(server_.port());
    std::string path = "/dav/files/jlabert/c" + std::to_string(cached) + ".txt";
    ASSERT_TRUE(good.Send(PutHead(server_.port(), path, 5, BasicAuth("jlabert", "s3cret"), true)));
    auto interim = good.ReadResponse();
    ASSERT_TRUE(interim);
    EXPECT_EQ(interim->status, 100);
    auto r = good.RoundTrip("hello");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 201);
  }
  for (const std::string& auth : {BasicAuth("jlabert", "nope"), std::string()}) {
    RawClient bad(server_.port());
    ASSERT_TRUE(
        bad.Send(PutHead(server_.port(), "/dav/files/jlabert/bad.txt", 5, auth, /*expect=*/true)));
    auto r = bad.ReadResponse();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 401) << "no 100 Continue before the final status";
    EXPECT_TRUE(bad.WaitForClose(milliseconds(5000)));
  }
  EXPECT_EQ(
      server_.Request("GET", "/dav/files/jlabert/bad.txt", "", {}, "jlabert", "s3cret").status,
      404);
}

// A client's first request usually carries no credentials: a small body is read and discarded so
// that its connection stays open for the retry.
TEST_F(AuthTest, SmallUnauthenticatedBodyKeepsTheConnection) {
  RawClient c(server_.port());
  std::string body = "<propfind xmlns=\"DAV:\"><allprop/></propfind>";
  auto r = c.RoundTrip(
      "PROPFIND /dav/files/jlabert/ HTTP/1.1\r\nHost: x\r\nDepth: 0\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  r = c.RoundTrip(Propfind(server_.port(), BasicAuth("jlabert", "s3cret")));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 207);
}

// The whole response, Date and the request id removed.
std::string RawAnswer(uint16_t port, const std::string& request) {
  RawClient c(port);
  if (!c.Send(request)) return "";
  return std::regex_replace(c.ReadAll(), std::regex("(Date|X-Request-Id): [^\r]*\r\n"), "");
}

// Unknown login, wrong password and disabled account: byte-identical answers, and each costs one
// verification (a dummy hash for the first and last), so timing tells nothing either.
TEST_F(AuthTest, UnknownLoginAnswersExactlyAsAWrongPassword) {
  server_.AddUser("mdupont", "s3cret", "Marie Dupont", "marie.dupont@ac-orleans-tours.fr");
  ASSERT_TRUE(server_.app().accounts().Disable("mdupont").ok());
  const auto& auth = server_.app().authenticator();
  uint16_t port = server_.port();
  uint64_t before = auth.verifications();
  std::string wrong = RawAnswer(port, Propfind(port, BasicAuth("jlabert", "guess"), true));
  EXPECT_EQ(auth.verifications(), before + 1);
  std::string unknown = RawAnswer(port, Propfind(port, BasicAuth("nobody", "guess"), true));
  EXPECT_EQ(auth.verifications(), before + 2);
  std::string disabled = RawAnswer(port, Propfind(port, BasicAuth("mdupont", "s3cret"), true));
  EXPECT_EQ(auth.verifications(), before + 3);
  EXPECT_NE(wrong.find("HTTP/1.1 401"), std::string::npos);
  EXPECT_EQ(unknown, wrong);
  EXPECT_EQ(disabled, wrong);
}

void OneHashThread(server::Config& c) {
  c.workers = 1;
  c.hash_threads = 1;
}

// The finding: hashing on the reactors let 8 guessers slow everybody. Now, with one reactor and
// one hash thread, a user with cached credentials is answered while the guesses still queue
// for the pool (on the old code the reactor hashed them all first).
TEST(AuthPoolTest, CachedUserIsServedWhileGuessesWaitForThePool) {
  TestServer server(&OneHashThread);
  server.AddUser("jlabert", "s3cret", "Jean Labert", "jean.labert@ac-orleans-tours.fr");
  server.AddUser("mdupont", "m0t", "Marie Dupont", "marie.dupont@ac-orleans-tours.fr");
  uint16_t port = server.port();
  RawClient marie(port, milliseconds(5000));
  std::string marie_propfind =
      "PROPFIND /dav/files/mdupont/ HTTP/1.1\r\nHost: x\r\nDepth: 0\r\n"
      "Content-Length: 0\r\nAuthorization: Basic " +
      BasicAuth("mdupont", "m0t") + "\r\n\r\n";
  auto first = marie.RoundTrip(marie_propfind);  // now cached
  ASSERT_TRUE(first);
  ASSERT_EQ(first->status, 207);
  uint64_t hashes = server.app().authenticator().verifications();

  constexpr int kGuesses = 30;
  std::vector<std::unique_ptr<RawClient>> guessers;
  for (int i = 0; i < kGuesses; ++i) {
    guessers.push_back(std::make_unique<RawClient>(port, milliseconds(10000)));
    ASSERT_TRUE(
        guessers.back()->Send(Propfind(port, BasicAuth("jlabert", "guess" + std::to_string(i)))));
  }
  auto start = std::chrono::steady_clock::now();
  auto r = marie.RoundTrip(marie_propfind);
  ASSERT_TRUE(r) << "not answered within 5 s";
  EXPECT_EQ(r->status, 207);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  int unanswered = 0;
  for (auto& g : guessers) {
    g->set_timeout(milliseconds(0));
    if (!g->ReadResponse()) ++unanswered;
  }
  EXPECT_GT(unanswered, 0) << "Marie waited for every guess to be hashed";
  for (auto& g : guessers) g->set_timeout(milliseconds(20000));
  int refused = 0;
  for (auto& g : guessers) {
    g->set_timeout(milliseconds(20000));
    if (auto answer = g->ReadResponse(); answer && answer->status == 401) ++refused;
  }
  EXPECT_EQ(refused + (kGuesses - unanswered), kGuesses);
  EXPECT_EQ(server.app().authenticator().verifications(), hashes + kGuesses)
      << "Marie's cached credentials never reached the pool";
}

void TinyHashQueue(server::Config& c) {
  c.hash_threads = 1;
  c.hash_queue = 1;
}

// More logins to check than hash_threads + hash_queue: the rest get 503 + Retry-After at once.
TEST(AuthPoolTest, FullHashQueueGets503WithRetryAfter) {
  TestServer server(&TinyHashQueue);
  server.AddUser("jlabert", "s3cret", "Jean Labert", "jean.labert@ac-orleans-tours.fr");
  uint16_t port = server.port();
  constexpr int kGuesses = 40;
  std::vector<std::unique_ptr<RawClient>> guessers;
  for (int i = 0; i < kGuesses; ++i) {
    guessers.push_back(std::make_unique<RawClient>(port, milliseconds(20000)));
    ASSERT_TRUE(
        guessers.back()->Send(Propfind(port, BasicAuth("jlabert", "guess" + std::to_string(i)))));
  }
  int busy = 0, refused = 0;
  for (auto& g : guessers) {
    auto r = g->ReadResponse();
    ASSERT_TRUE(r);
    if (r->status == 503) {
      ++busy;
      EXPECT_EQ(r->Header("Retry-After").value_or(""), "1");
    } else {
      EXPECT_EQ(r->status, 401);
      ++refused;
    }
  }
  EXPECT_GT(busy, 0);
  EXPECT_GE(refused, 1);
  EXPECT_EQ(server.app().authenticator().verifications(), static_cast<uint64_t>(refused));
}

}  // namespace
}  // namespace cartable
