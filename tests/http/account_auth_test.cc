// Basic authentication under the account rules (issue 11), over HTTP: an imported person's
// NUMEN opens nothing but the web page that replaces it (401 + a body that says where to go,
// JSON on /api), the lockout (the right password after ten wrong ones gets exactly the answer
// of a wrong one), the per-address limit (429 + Retry-After before any hashing), and accounts
// that require a one-time code (their password is refused, their app passwords work).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <stdexcept>

#include "directory/import.h"
#include "tests/testlib/raw_client.h"
#include "tests/testlib/test_server.h"

namespace cartable {
namespace {

using testlib::BasicAuth;
using testlib::RawClient;
using testlib::TestServer;

constexpr const char* kNumen = "12E3456789ABC";
constexpr const char* kPassword = "Ciel-orageux-sur-Tours-1987";
constexpr const char* kCsv =
    "nom;prenom;email;fonction;etablissement;uai;departement;telephone;numen\n"
    "Martin;Jean;;CPE;Lycée Descartes;0370001A;37;02 47 00 00 02;12E3456789ABC\n";

// The whole response to one PROPFIND (Connection: close), Date and the request id removed.
std::string RawPropfind(uint16_t port, const std::string& login, const std::string& password) {
  RawClient c(port);
  std::string request = "PROPFIND /dav/files/" + login +
                        "/ HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                        "\r\nDepth: 0\r\nContent-Length: 0\r\nConnection: close\r\n"
                        "Authorization: Basic " +
                        BasicAuth(login, password) + "\r\n\r\n";
  if (!c.Send(request)) return "";
  return std::regex_replace(c.ReadAll(), std::regex("(Date|X-Request-Id): [^\r]*\r\n"), "");
}

testlib::Reply Propfind(TestServer& server, const std::string& login, const std::string& password) {
  return server.Request("PROPFIND", "/dav/files/" + login + "/", "", {{"Depth", "0"}}, login,
                        password);
}

void ImportJeanMartin(TestServer& server) {
  Result<directory::ImportReport> report = directory::ImportDirectory(
      server.store(), kCsv, server.app().secret_key(), directory::ImportOptions{});
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_TRUE(report->errors.empty());
  Result<store::User> u = server.app().accounts().Find("jmartin");
  ASSERT_TRUE(u.ok()) << "the import names Jean Martin jmartin";
  ASSERT_TRUE(u->must_change_password);
}

// The issue: "jmartin syncs with Thunderbird using his NUMEN indefinitely". Now his NUMEN gets
// 401 on DAV with a French body naming the page where he chooses his password, and on the JSON
// API {"error": "password-change-required", "url": ...}. A wrong NUMEN gets the plain 401.
TEST(AccountAuthTest, ImportedNumenGets401WithWhereToGo) {
  TestServer server;
  ImportJeanMartin(server);
  const std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/connexion";
  testlib::Reply dav = Propfind(server, "jmartin", kNumen);
  EXPECT_EQ(dav.status, 401);
  EXPECT_NE(dav.Header("www-authenticate").find("Basic realm="), std::string::npos);
  EXPECT_NE(dav.body.find(url), std::string::npos) << dav.body;
  EXPECT_NE(dav.body.find("mot de passe"), std::string::npos) << dav.body;

  testlib::Reply api = server.Request("GET", "/api/v1/calendars", "", {}, "jmartin", kNumen);
  EXPECT_EQ(api.status, 401);
  nlohmann::json j = nlohmann::json::parse(api.body, nullptr, false);
  ASSERT_TRUE(j.is_object()) << api.body;
  EXPECT_EQ(j.value("error", ""), "password-change-required");
  EXPECT_EQ(j.value("url", ""), url);

  testlib::Reply wrong = Propfind(server, "jmartin", "12E3456789ABD");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.body.find("/connexion"), std::string::npos) << "nothing learnt when wrong";
  // Every request says so again: the refusal is never cached as a success.
  EXPECT_EQ(Propfind(server, "jmartin", kNumen).status, 401);
}

void PublicUrl(server::Config& c) { c.public_url = "https://agenda.ac-orleans-tours.fr/"; }

TEST(AccountAuthTest, RefusalLinksToThePublicUrl) {
  TestServer server(&PublicUrl);
  ImportJeanMartin(server);
  testlib::Reply api = server.Request("GET", "/api/v1/calendars", "", {}, "jmartin", kNumen);
  nlohmann::json j = nlohmann::json::parse(api.body, nullptr, false);
  ASSERT_TRUE(j.is_object()) << api.body;
  EXPECT_EQ(j.value("url", ""), "https://agenda.ac-orleans-tours.fr/connexion");
}

// Ten wrong passwords lock the account ([accounts] lockout_threshold): the right one then gets
// byte for byte the answer of a wrong one, including for a credential verified (and cached)
// before the lock.
TEST(AccountAuthTest, TenWrongPasswordsThenTheRightOneIs401) {
  TestServer server;
  server.AddUser("jlabert", kPassword, "Jean Labert", "jean.labert@ac-orleans-tours.fr");
  const uint16_t port = server.port();
  ASSERT_EQ(Propfind(server, "jlabert", kPassword).status, 207);  // cached from now on
  std::string wrong;
  for (int i = 0; i < 10; ++i) {
    wrong = RawPropfind(port, "jlabert", "guess" + std::to_string(i));
    ASSERT_NE(wrong.find("HTTP/1.1 401"), std::string::npos) << wrong;
  }
  std::string right = RawPropfind(port, "jlabert", kPassword);
  EXPECT_EQ(right, wrong);
  std::string again = RawPropfind(port, "jlabert", "guess-again");
  EXPECT_EQ(again, wrong);
  EXPECT_EQ(server.Request("GET", "/api/v1/calendars", "", {}, "jlabert", kPassword).status, 401);
}

// The same wrong password sent again and again (a phone with an old password) never locks.
TEST(AccountAuthTest, RepeatedOldPasswordDoesNotLock) {
  TestServer server;
  server.AddUser("jlabert", kPassword, "Jean Labert", "jean.labert@ac-orleans-tours.fr");
  for (int i = 0; i < 15; ++i) ASSERT_EQ(Propfind(server, "jlabert", "old-one").status, 401);
  EXPECT_EQ(Propfind(server, "jlabert", kPassword).status, 207);
}

void FewAddressFailures(server::Config& c) {
  c.address_max_failures = 3;
  c.address_window_minutes = 10;
}

// Past address_max_failures failed sign-ins from one address, its sign-ins get 429 with
// Retry-After, before any hashing (on DAV and, in JSON, on the API); a credential verified
// before keeps working (the cache needs no hashing).
TEST(AccountAuthTest, TooManyFailuresFromOneAddressGet429) {
  TestServer server(&FewAddressFailures);
  server.AddUser("jlabert", kPassword, "Jean Labert", "jean.labert@ac-orleans-tours.fr");
  server.AddUser("mdupont", kPassword, "Marie Dupont", "marie.dupont@ac-orleans-tours.fr");
  ASSERT_EQ(Propfind(server, "mdupont", kPassword).status, 207);
  for (const char* login : {"nobody", "jlabert", "someone"}) {
    ASSERT_EQ(Propfind(server, login, "wrong").status, 401);
  }
  const uint64_t hashes = server.app().authenticator().verifications();
  testlib::Reply r = Propfind(server, "jlabert", kPassword);
  EXPECT_EQ(r.status, 429);
  int retry = std::atoi(r.Header("retry-after").c_str());
  EXPECT_GT(retry, 0);
  EXPECT_LE(retry, 600);
  EXPECT_NE(r.body.find("Réessayez"), std::string::npos) << r.body;
  testlib::Reply api = server.Request("GET", "/api/v1/calendars", "", {}, "jlabert", kPassword);
  EXPECT_EQ(api.status, 429);
  EXPECT_FALSE(api.Header("retry-after").empty());
  nlohmann::json j = nlohmann::json::parse(api.body, nullptr, false);
  ASSERT_TRUE(j.is_object()) << api.body;
  EXPECT_EQ(j.value("error", ""), "rate-limited");
  EXPECT_EQ(server.app().authenticator().verifications(), hashes) << "no hashing once limited";
  EXPECT_EQ(Propfind(server, "mdupont", kPassword).status, 207) << "cached credentials";
}

void FewAddressFailuresManyLockouts(server::Config& c) {
  c.address_max_failures = 1000;
  c.lockout_threshold = 3;
}

// An account that requires a one-time code: its password no longer opens DAV (401 with a body
// that explains app passwords; JSON "app-password-required" on the API), an app password does;
// once revoked, the cached credential stops at once.
TEST(AccountAuthTest, OneTimeCodeAccountUsesAppPasswords) {
  TestServer server(&FewAddressFailuresManyLockouts);
  server.AddUser("jlabert", kPassword, "Jean Labert", "jean.labert@ac-orleans-tours.fr");
  store::Session& s = server.store().ThreadSession();
  Result<store::User> u = s.GetUserByLogin("jlabert");
  ASSERT_TRUE(u.ok());
  {
    auto txn = s.Begin(true);
    ASSERT_TRUE(txn.ok());
    Result<store::UserSecurity> sec = s.GetUserSecurity(u->id);
    ASSERT_TRUE(sec.ok());
    sec->otp_required = true;
    ASSERT_TRUE(s.SetUserSecurity(u->id, *sec, true).ok());
    store::AppPassword app;
    app.user_id = u->id;
    app.name = "Thunderbird";
    app.hash = server.app().secret_key().Hash("app-password", "abcdefghijkl2345");
    app.created_at = 1;
    ASSERT_TRUE(s.CreateAppPassword(app).ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  testlib::Reply dav = Propfind(server, "jlabert", kPassword);
  EXPECT_EQ(dav.status, 401);
  EXPECT_NE(dav.body.find("mot de passe d'application"), std::string::npos) << dav.body;
  EXPECT_NE(dav.body.find("/connexion"), std::string::npos) << dav.body;
  testlib::Reply api = server.Request("GET", "/api/v1/calendars", "", {}, "jlabert", kPassword);
  EXPECT_EQ(api.status, 401);
  nlohmann::json j = nlohmann::json::parse(api.body, nullptr, false);
  ASSERT_TRUE(j.is_object()) << api.body;
  EXPECT_EQ(j.value("error", ""), "app-password-required");

  EXPECT_EQ(Propfind(server, "jlabert", "abcd-efgh-ijkl-2345").status, 207);
  EXPECT_EQ(Propfind(server, "jlabert", "abcd-efgh-ijkl-2345").status, 207) << "cached";
  EXPECT_EQ(
      server.Request("GET", "/api/v1/calendars", "", {}, "jlabert", "abcd-efgh-ijkl-2345").status,
      200);
  {
    auto txn = s.Begin(true);
    ASSERT_TRUE(s.DeleteAppPassword(u->id, "Thunderbird").ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  EXPECT_EQ(Propfind(server, "jlabert", "abcd-efgh-ijkl-2345").status, 401) << "revoked";
}

// Every Basic sign-in is in the audit log, with the client's address and no secret.
TEST(AccountAuthTest, SignInsAreAudited) {
  TestServer server;
  server.AddUser("jlabert", kPassword, "Jean Labert", "jean.labert@ac-orleans-tours.fr");
  ASSERT_EQ(Propfind(server, "jlabert", "Mauvais-Secret").status, 401);
  ASSERT_EQ(Propfind(server, "jlabert", kPassword).status, 207);
  Result<std::vector<store::AuditEntry>> log =
      server.store().ThreadSession().ListAudit(store::AuditQuery{});
  ASSERT_TRUE(log.ok());
  std::vector<std::string> events;
  for (const store::AuditEntry& e : *log) {
    events.push_back(e.event);
    EXPECT_EQ(e.address, "127.0.0.1");
    EXPECT_EQ(e.login, "jlabert");
    EXPECT_EQ(e.detail.find("Secret"), std::string::npos);
    EXPECT_EQ(e.detail.find(kPassword), std::string::npos);
  }
  EXPECT_EQ(events, (std::vector<std::string>{"sign-in-failed", "sign-in"}));
}

// The App owns the server's key: <data_dir>/secret.key by default (created 0600), and a key
// file it cannot use stops the start with a message naming the file.
TEST(AccountAuthTest, SecretKeyFileIsLoadedOrTheStartFails) {
  {
    TestServer server;
    struct stat st {};
    ASSERT_EQ(stat((server.data_dir() + "/secret.key").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
  }
  char tmpl[] = "/tmp/cartable-key-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  const std::string bad = dir + "/short.key";
  std::ofstream(bad) << "too short";
  server::Config config;
  config.data_dir = dir + "/data";
  config.secret_key_file = bad;
  Result<std::unique_ptr<store::Store>> store =
      store::OpenSqliteStore(config.data_dir, server::StoreOptionsFrom(config));
  ASSERT_TRUE(store.ok());
  try {
    server::App app(config, **store);
    ADD_FAILURE() << "started with an unusable key file";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
  }
  store->reset();
  std::filesystem::remove_all(dir);
}

void ExpiryInAYear(server::Config& c) { c.password_expiry_days = 365; }

// [accounts] password_expiry_days: a password older than that opens nothing over Basic until
// it is changed on the web (401 + where to go), as an initial one.
TEST(AccountAuthTest, ExpiredPasswordGets401WithWhereToGo) {
  TestServer server(&ExpiryInAYear);
  server.AddUser("jlabert", kPassword, "Jean Labert", "jean.labert@ac-orleans-tours.fr");
  ASSERT_EQ(Propfind(server, "jlabert", kPassword).status, 207);
  store::Session& s = server.store().ThreadSession();
  Result<store::User> u = s.GetUserByLogin("jlabert");
  ASSERT_TRUE(u.ok());
  {
    auto txn = s.Begin(true);
    ASSERT_TRUE(txn.ok());
    Result<store::UserSecurity> sec = s.GetUserSecurity(u->id);
    ASSERT_TRUE(sec.ok());
    sec->password_changed_at = std::time(nullptr) - 366 * 86400;
    ASSERT_TRUE(s.SetUserSecurity(u->id, *sec, true).ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  testlib::Reply dav = Propfind(server, "jlabert", kPassword);
  EXPECT_EQ(dav.status, 401);
  EXPECT_NE(dav.body.find("/connexion"), std::string::npos) << dav.body;
  testlib::Reply api = server.Request("GET", "/api/v1/calendars", "", {}, "jlabert", kPassword);
  nlohmann::json j = nlohmann::json::parse(api.body, nullptr, false);
  ASSERT_TRUE(j.is_object()) << api.body;
  EXPECT_EQ(j.value("error", ""), "password-change-required");
}

}  // namespace
}  // namespace cartable
