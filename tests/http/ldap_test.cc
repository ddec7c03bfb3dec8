// [auth] backend = ldap against a real OpenLDAP server (tests/testlib/slapd.h) on loopback:
// the verifier in both modes (DN template, search + bind), its refusals (wrong password,
// unknown login, empty password, injection attempts), a directory that is down or silent,
// StartTLS; then the server signing a DAV client in with its directory password.
#include <gtest/gtest.h>
#include <ldap.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "directory/ldap_auth.h"
#include "tests/testlib/slapd.h"
#include "tests/testlib/smtp_sink.h"

namespace cartable {
namespace {

// libldap writes with plain write(): a directory that drops the connection (the silent-server
// tests shut the socket down under it) raises SIGPIPE. `cartable serve` ignores SIGPIPE
// (server/main.cc); so must every process using LdapVerifier, this test included.
const bool kSigpipeIgnored = [] {
  signal(SIGPIPE, SIG_IGN);
  return true;
}();

using directory::LdapOptions;
using directory::LdapVerifier;
using testlib::Slapd;

constexpr const char* kJeanPassword = "Motdepasse-LDAP-1";
constexpr const char* kCommaPassword = "virgule-secrete";

// Log lines a verifier wrote (thread-safe).
struct Lines {
  LdapVerifier::Log sink() {
    return [this](const std::string& line) {
      std::lock_guard<std::mutex> lock(mu);
      lines.push_back(line);
    };
  }
  std::string All() {
    std::lock_guard<std::mutex> lock(mu);
    std::string out;
    for (const std::string& l : lines) out += l + "\n";
    return out;
  }
  size_t size() {
    std::lock_guard<std::mutex> lock(mu);
    return lines.size();
  }
  std::mutex mu;
  std::vector<std::string> lines;
};

// The result code of a simple bind, made directly with libldap (not through the verifier).
int RawBind(const std::string& url, const std::string& dn, const std::string& password) {
  LDAP* ld = nullptr;
  if (ldap_initialize(&ld, url.c_str()) != LDAP_SUCCESS) return -1;
  const int version = LDAP_VERSION3;
  ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version);
  berval cred{static_cast<ber_len_t>(password.size()), const_cast<char*>(password.data())};
  int rc = ldap_sasl_bind_s(ld, dn.c_str(), LDAP_SASL_SIMPLE, &cred, nullptr, nullptr, nullptr);
  ldap_unbind_ext_s(ld, nullptr, nullptr);
  return rc;
}

LdapOptions TemplateOptions(const std::string& url, unsigned timeout_seconds = 5) {
  LdapOptions o;
  o.url = url;
  o.user_dn = "uid={login},ou=people,dc=academie,dc=test";
  o.timeout_seconds = timeout_seconds;
  return o;
}

// A directory with jmartin alone.
std::unique_ptr<Slapd> StartWithJean(std::string* error, bool tls = false) {
  testlib::SlapdOptions options;
  options.people = {{"jmartin", kJeanPassword}};
  options.tls = tls;
  return Slapd::Start(options, error);
}

class LdapVerifierTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string error;
    testlib::SlapdOptions options;
    options.people = {{"jmartin", kJeanPassword},
                      {"a,b", kCommaPassword},
                      {"double", "premier"},
                      {"double", "second", "anciens"}};
    server_ = Slapd::Start(options, &error).release();
    start_error_ = new std::string(error);
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    delete start_error_;
  }
  void SetUp() override {
    // The directory must start: a sandbox that cannot run slapd is a failure, not a skip.
    ASSERT_NE(server_, nullptr) << *start_error_;
  }

  LdapOptions TemplateMode() const { return TemplateOptions(server_->url()); }
  LdapOptions SearchMode() const {
    LdapOptions o;
    o.url = server_->url();
    o.search_base = Slapd::kSuffix;
    o.bind_dn = Slapd::kServiceDn;
    o.bind_password = Slapd::kServicePassword;
    return o;
  }

  // What every mode must answer (`options` finds people under the whole suffix or ou=people).
  void ExpectTheRules(const LdapOptions& options) {
    Lines log;
    LdapVerifier v(options, log.sink());
    EXPECT_TRUE(v.Verify("jmartin", kJeanPassword));
    EXPECT_FALSE(v.Verify("jmartin", "Motdepasse-LDAP-2"));
    EXPECT_FALSE(v.Verify("jmartin", std::string(kJeanPassword) + " "));
    EXPECT_FALSE(v.Verify("inconnu", kJeanPassword));
    // The directory itself accepts a DN with an empty password (an unauthenticated bind,
    // RFC 4513 §5.1.2): the verifier must never ask it.
    ASSERT_EQ(RawBind(options.url, "uid=jmartin,ou=people,dc=academie,dc=test", ""), LDAP_SUCCESS);
    EXPECT_FALSE(v.Verify("jmartin", ""));
    // Injection: a filter or DN built from the raw login would match jmartin's entry.
    EXPECT_FALSE(v.Verify("*)(uid=*", kJeanPassword));
    EXPECT_FALSE(v.Verify("jmart*", kJeanPassword));
    EXPECT_FALSE(v.Verify("*", kJeanPassword));
    EXPECT_FALSE(v.Verify("jmartin)(|(uid=*", kJeanPassword));
    // A login with a DN-special character is an ordinary login.
    EXPECT_TRUE(v.Verify("a,b", kCommaPassword));
    EXPECT_FALSE(v.Verify("a,b", kJeanPassword));
    EXPECT_FALSE(v.Verify("a", kCommaPassword));
    // None of these is an error worth a log line.
    EXPECT_EQ(log.All(), "");
  }

  static Slapd* server_;
  static std::string* start_error_;
};
Slapd* LdapVerifierTest::server_ = nullptr;
std::string* LdapVerifierTest::start_error_ = nullptr;

TEST_F(LdapVerifierTest, DnTemplateModeBindsAsThePerson) { ExpectTheRules(TemplateMode()); }

TEST_F(LdapVerifierTest, SearchModeFindsThenBinds) { ExpectTheRules(SearchMode()); }

TEST_F(LdapVerifierTest, SearchModeWithAnAnonymousSearch) {
  LdapOptions options = SearchMode();
  options.bind_dn.clear();
  options.bind_password.clear();
  options.search_base = Slapd::kPeopleBase;
  ExpectTheRules(options);
}

TEST_F(LdapVerifierTest, SearchModeRefusesALoginThatMatchesSeveralEntries) {
  Lines log;
  LdapVerifier v(SearchMode(), log.sink());
  EXPECT_FALSE(v.Verify("double", "premier"));
  EXPECT_FALSE(v.Verify("double", "second"));
  EXPECT_NE(log.All().find("several entries match (uid=double)"), std::string::npos) << log.All();
  // Under ou=people alone the login is unique again.
  LdapOptions people = SearchMode();
  people.search_base = Slapd::kPeopleBase;
  EXPECT_TRUE(LdapVerifier(people, log.sink()).Verify("double", "premier"));
}

TEST_F(LdapVerifierTest, SearchModeFilterCanBeCustomised) {
  LdapOptions options = SearchMode();
  options.search_filter = "(&(objectClass=inetOrgPerson)(uid={login}))";
  Lines log;
  LdapVerifier v(options, log.sink());
  EXPECT_TRUE(v.Verify("jmartin", kJeanPassword));
  EXPECT_FALSE(v.Verify("*", kJeanPassword));
  EXPECT_EQ(log.All(), "");
}

TEST_F(LdapVerifierTest, AWrongServiceAccountPasswordRefusesAndIsLogged) {
  LdapOptions options = SearchMode();
  options.bind_password = "pas-le-bon";
  Lines log;
  EXPECT_FALSE(LdapVerifier(options, log.sink()).Verify("jmartin", kJeanPassword));
  EXPECT_NE(log.All().find("service bind as 'cn=cartable,ou=services,dc=academie,dc=test'"),
            std::string::npos)
      << log.All();
  EXPECT_EQ(log.All().find("pas-le-bon"), std::string::npos);  // never a password in the log
  EXPECT_EQ(log.All().find(kJeanPassword), std::string::npos);
}

TEST_F(LdapVerifierTest, ConcurrentChecksEachGetTheirAnswer) {
  Lines log;
  LdapVerifier v(SearchMode(), log.sink());
  std::atomic<int> right{0}, wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        bool good = (t + i) % 2 == 0;
        if (v.Verify("jmartin", good ? kJeanPassword : "faux") == good) {
          (good ? right : wrong).fetch_add(1);
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(right.load() + wrong.load(), 40);
  EXPECT_EQ(log.All(), "");
}

// A directory that is down, or that never answers, refuses everybody within the timeout (and
// says why in the log): never a success, never a hang.
TEST(LdapDirectoryDown, StoppedServerRefusesQuickly) {
  std::string error;
  std::unique_ptr<Slapd> server = StartWithJean(&error);
  ASSERT_NE(server, nullptr) << error;
  Lines log;
  LdapVerifier v(TemplateOptions(server->url(), 2), log.sink());
  ASSERT_TRUE(v.Verify("jmartin", kJeanPassword));
  server->Stop();
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(v.Verify("jmartin", kJeanPassword));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_NE(log.All().find("Can't contact LDAP server"), std::string::npos) << log.All();
}

TEST(LdapDirectoryDown, SilentServerRefusesWithinTheTimeout) {
  testlib::SilentRelay silent;  // accepts the connection, never says a word
  ASSERT_NE(silent.port(), 0u);
  const std::string port = std::to_string(silent.port());
  enum Step { kBind, kSearch, kStartTls, kLdaps };
  for (Step step : {kBind, kSearch, kStartTls, kLdaps}) {
    Lines log;
    LdapOptions options = TemplateOptions("ldap://127.0.0.1:" + port + "/", 1);
    if (step == kSearch) {
      options.user_dn.clear();
      options.search_base = Slapd::kSuffix;
    }
    options.starttls = step == kStartTls;
    if (step == kLdaps) options.url = "ldaps://127.0.0.1:" + port + "/";
    auto start = std::chrono::steady_clock::now();
    EXPECT_FALSE(LdapVerifier(options, log.sink()).Verify("jmartin", kJeanPassword)) << step;
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(6)) << step;
    EXPECT_NE(log.All(), "") << step;
  }
}

TEST(LdapStartTls, ChecksTheServerCertificate) {
  std::string error;
  std::unique_ptr<Slapd> server = StartWithJean(&error, /*tls=*/true);
  ASSERT_NE(server, nullptr) << error;
  LdapOptions options = TemplateOptions(server->url());
  options.starttls = true;
  options.ca_file = server->ca_file();
  Lines log;
  LdapVerifier v(options, log.sink());
  EXPECT_TRUE(v.Verify("jmartin", kJeanPassword));
  EXPECT_FALSE(v.Verify("jmartin", "faux"));
  // Each check sets up its own TLS context: concurrent ones too.
  std::atomic<int> accepted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 3; ++i) accepted += v.Verify("jmartin", kJeanPassword) ? 1 : 0;
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(accepted.load(), 12);
  EXPECT_EQ(log.All(), "");
  // Without the CA that signed it, the certificate is not trusted: refused before any bind.
  options.ca_file.clear();
  EXPECT_FALSE(LdapVerifier(options, log.sink()).Verify("jmartin", kJeanPassword));
  EXPECT_NE(log.All().find("StartTLS"), std::string::npos) << log.All();
  EXPECT_NE(log.All().find("certificate"), std::string::npos) << log.All();
  // A CA file that cannot be read: refused, and said.
  options.ca_file = "/nonexistent/ca.pem";
  EXPECT_FALSE(LdapVerifier(options, log.sink()).Verify("jmartin", kJeanPassword));
  EXPECT_NE(log.All().find("/nonexistent/ca.pem"), std::string::npos) << log.All();
}

TEST(LdapStartTls, LdapsUrlChecksTheServerCertificateToo) {
  std::string error;
  std::unique_ptr<Slapd> server = StartWithJean(&error, /*tls=*/true);
  ASSERT_NE(server, nullptr) << error;
  LdapOptions options = TemplateOptions(server->ldaps_url());
  options.ca_file = server->ca_file();
  Lines log;
  EXPECT_TRUE(LdapVerifier(options, log.sink()).Verify("jmartin", kJeanPassword));
  EXPECT_FALSE(LdapVerifier(options, log.sink()).Verify("jmartin", "faux"));
  EXPECT_EQ(log.All(), "");
  options.ca_file.clear();
  EXPECT_FALSE(LdapVerifier(options, log.sink()).Verify("jmartin", kJeanPassword));
  EXPECT_NE(log.All().find("certificate"), std::string::npos) << log.All();
}

}  // namespace
}  // namespace cartable
