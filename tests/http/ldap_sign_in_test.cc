// The server with [auth] backend = ldap against a real slapd (tests/testlib/slapd.h): a person
// whose account is in the store and whose password is only in the directory syncs with it,
// the verified-credential cache spares the directory a bind per request, and what stays local
// (initial NUMEN passwords, password changes refused) stays local.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>

#include "directory/account_service.h"
#include "directory/password.h"
#include "tests/testlib/slapd.h"
#include "tests/testlib/test_server.h"

namespace cartable {
namespace {

using testlib::Slapd;
using testlib::TestServer;

constexpr const char* kJeanPassword = "Annuaire-Academique-7";
constexpr const char* kLocalPassword = "mot-de-passe-local";

// The tweak of TestServer is a plain function: the directory's URL reaches it through here.
std::string& DirectoryUrl() {
  static std::string url;
  return url;
}

void LdapBackend(server::Config& c) {
  c.auth_backend = "ldap";
  c.ldap_url = DirectoryUrl();
  c.ldap_search_base = Slapd::kPeopleBase;
  c.ldap_bind_dn = Slapd::kServiceDn;
  c.ldap_bind_password = Slapd::kServicePassword;
  c.ldap_timeout_seconds = 2;
}

class LdapSignInTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testlib::SlapdOptions options;
    options.people = {{"jmartin", kJeanPassword}, {"ldaponly", "Seulement-Annuaire-1"}};
    std::string error;
    slapd_ = Slapd::Start(options, &error);
    // The directory must start: a sandbox that cannot run slapd is a failure, not a skip.
    ASSERT_NE(slapd_, nullptr) << error;
    DirectoryUrl() = slapd_->url();
    server_ = std::make_unique<TestServer>(&LdapBackend);
    // The account exists in the store (the import made it) with a stored password that the
    // directory backend must ignore.
    server_->AddUser("jmartin", kLocalPassword, "Jean Martin", "jean.martin@ac-orleans-tours.fr");
  }

  testlib::Reply Propfind(const std::string& user, const std::string& password) {
    return server_->Request("PROPFIND", "/dav/calendars/jmartin/", "", {{"Depth", "0"}}, user,
                            password);
  }
  uint64_t Verifications() { return server_->app().authenticator().verifications(); }

  std::unique_ptr<Slapd> slapd_;
  std::unique_ptr<TestServer> server_;
};

TEST_F(LdapSignInTest, DirectoryPasswordOpensDavAndIsCached) {
  const uint64_t before = Verifications();
  EXPECT_EQ(Propfind("jmartin", kJeanPassword).status, 207);
  EXPECT_EQ(Verifications(), before + 1);
  // The next requests (a DAV client sends the credentials every time) are served from the
  // verified-credential cache: no bind.
  EXPECT_EQ(Propfind("jmartin", kJeanPassword).status, 207);
  EXPECT_EQ(Propfind("jmartin", kJeanPassword).status, 207);
  EXPECT_EQ(Verifications(), before + 1);
  // Signing in with the e-mail address binds as the account's login (the directory's uid).
  EXPECT_EQ(Propfind("jean.martin@ac-orleans-tours.fr", kJeanPassword).status, 207);
  EXPECT_EQ(Verifications(), before + 2);
}

TEST_F(LdapSignInTest, WrongPasswordsAreRefused) {
  const uint64_t before = Verifications();
  testlib::Reply wrong = Propfind("jmartin", "Annuaire-Academique-8");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_NE(wrong.Header("www-authenticate").find("Basic"), std::string::npos);
  EXPECT_EQ(Verifications(), before + 1);
  // The password stored in Cartable does not open the account: the directory decides.
  EXPECT_EQ(Propfind("jmartin", kLocalPassword).status, 401);
  // Someone the directory knows but who has no account here.
  EXPECT_EQ(server_
                ->Request("PROPFIND", "/dav/calendars/ldaponly/", "", {{"Depth", "0"}}, "ldaponly",
                          "Seulement-Annuaire-1")
                .status,
            401);
  EXPECT_EQ(Propfind("jmartin", kJeanPassword).status, 207);
}

TEST_F(LdapSignInTest, DirectoryDownRefusesWithinTheTimeout) {
  slapd_->Stop();
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(Propfind("jmartin", kJeanPassword).status, 401);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

TEST_F(LdapSignInTest, PasswordChangesAreManagedByTheDirectory) {
  Result<store::User> user = server_->app().accounts().Find("jmartin");
  ASSERT_TRUE(user.ok());
  Status st = server_->app().account_service().ChangePassword(
      user->id, kJeanPassword, "Un-Autre-Mot-De-Passe-9", directory::ClientInfo{"127.0.0.1", "t"},
      0);
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.message(), directory::AccountError::kManagedByDirectory);
  EXPECT_EQ(Propfind("jmartin", kJeanPassword).status, 207);
}

// Initial NUMEN passwords and app passwords are Cartable's own: checked locally, whatever
// the directory says (the design: "initial NUMEN passwords and app passwords stay local").
TEST_F(LdapSignInTest, InitialAndAppPasswordsStayLocal) {
  constexpr const char* kNumen = "12E3456789ABC";
  store::Session& s = server_->store().ThreadSession();
  Result<store::User> user = s.GetUserByLogin("jmartin");
  ASSERT_TRUE(user.ok());
  {
    auto txn = s.Begin(true);
    ASSERT_TRUE(txn.ok());
    store::AppPassword app;
    app.user_id = user->id;
    app.name = "Thunderbird";
    app.hash = server_->app().secret_key().Hash("app-password", "abcdefghijkl2345");
    app.created_at = 1;
    ASSERT_TRUE(s.CreateAppPassword(app).ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  // The directory does not know the app password; it opens DAV all the same.
  EXPECT_EQ(Propfind("jmartin", "abcd-efgh-ijkl-2345").status, 207);

  // An imported account still on its NUMEN: the NUMEN is checked here (and only lets the person
  // choose a password on the web: 401 with where to go), the directory password is not asked.
  {
    auto txn = s.Begin(true);
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE(s.SetPasswordHash(
                     user->id, directory::HashPassword(kNumen, directory::HashStrength::kTemporary),
                     /*must_change=*/true)
                    .ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  testlib::Reply numen = Propfind("jmartin", kNumen);
  EXPECT_EQ(numen.status, 401);
  EXPECT_NE(numen.body.find("/connexion"), std::string::npos) << numen.body;
  testlib::Reply directory_password = Propfind("jmartin", kJeanPassword);
  EXPECT_EQ(directory_password.status, 401);
  EXPECT_EQ(directory_password.body.find("/connexion"), std::string::npos)
      << directory_password.body;
}

}  // namespace
}  // namespace cartable
