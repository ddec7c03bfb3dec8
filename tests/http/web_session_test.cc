// The web front door over real sockets (issue 11): sign-in and the session cookie, idle timeout
// and absolute lifetime (injected clock), CSRF refusals, stage gating of a NUMEN sign-in,
// sign-out, sign out everywhere, the JSON session API, slow rows under concurrency, and that no
// page shows a secret.
#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "directory/otp.h"
#include "directory/password.h"
#include "tests/testlib/test_server.h"
#include "tests/testlib/web_client.h"

namespace cartable {
namespace {

using testlib::Fields;
using testlib::TestServer;
using testlib::WebClient;
using testlib::WebPage;

constexpr const char* kPassword = "Lapin-Vert-Sous-La-Pluie-1987";
constexpr const char* kNewPassword = "Trois-Chevaux-Bleus-Dansent-Au-Matin-42";

// The App's clock: the real time plus an offset the tests move forward.
std::atomic<int64_t> g_offset_seconds{0};
std::chrono::system_clock::time_point TestNow() {
  return std::chrono::system_clock::now() + std::chrono::seconds(g_offset_seconds.load());
}
void Advance(int64_t seconds) { g_offset_seconds += seconds; }

class WebSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    g_offset_seconds = 0;
    Start(nullptr);
  }
  void Start(void (*tweak)(server::Config&)) {
    server_.reset();
    server_ = std::make_unique<TestServer>(tweak, "", TestNow);
    server_->AddUser("alice", kPassword, "Alice Martin", "alice.martin@ac-orleans-tours.fr");
    server_->AddUser("bob", kPassword, "Bob Durand", "bob.durand@ac-orleans-tours.fr");
  }
  WebClient Browser() { return WebClient(server_->port()); }
  // Opens the sign-in page, then signs in; returns the answer to the POST.
  WebPage SignIn(WebClient& b, const std::string& login, const std::string& password,
                 const std::string& path = "/connexion") {
    WebPage form = b.Get("/connexion");
    EXPECT_EQ(form.status, 200);
    return b.Post(path, {{"identifiant", login}, {"mot_de_passe", password}});
  }
  store::User User(const std::string& login) {
    auto u = server_->store().ThreadSession().GetUserByLogin(login);
    EXPECT_TRUE(u.ok());
    return u.ok() ? u.value() : store::User{};
  }

  std::unique_ptr<TestServer> server_;
};

TEST_F(WebSessionTest, SignInSetsAStrictSessionCookie) {
  WebClient b = Browser();
  WebPage form = b.Get("/connexion");
  ASSERT_EQ(form.status, 200);
  EXPECT_NE(form.body.find("<label for=\"identifiant\">"), std::string::npos);
  EXPECT_NE(form.body.find("<label for=\"mot_de_passe\">"), std::string::npos);
  EXPECT_NE(form.body.find("<main id=\"contenu\""), std::string::npos);
  EXPECT_NE(form.body.find("href=\"#contenu\""), std::string::npos) << "skip link";
  std::string anon = form.SetCookie("cartable_csrf");
  EXPECT_NE(anon.find("; HttpOnly"), std::string::npos) << anon;
  EXPECT_NE(anon.find("; SameSite=Lax"), std::string::npos) << anon;
  EXPECT_FALSE(b.csrf().empty());
  EXPECT_EQ(b.csrf(), b.Cookie("cartable_csrf")) << "double submit: the form carries the cookie";

  WebPage r = b.Post("/connexion", {{"identifiant", "alice"}, {"mot_de_passe", kPassword}});
  ASSERT_EQ(r.status, 303) << r.body;
  EXPECT_EQ(r.Location(), "/compte");
  std::string cookie = r.SetCookie("cartable_session");
  ASSERT_FALSE(cookie.empty());
  EXPECT_NE(cookie.find("; HttpOnly"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("; SameSite=Lax"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("; Path=/"), std::string::npos) << cookie;
  EXPECT_EQ(cookie.find("Secure"), std::string::npos) << "plain http: " << cookie;
  EXPECT_GE(b.Cookie("cartable_session").size(), 50u) << "32 random bytes in base32";

  WebPage account = b.Get("/compte");
  ASSERT_EQ(account.status, 200);
  EXPECT_NE(account.body.find("Alice Martin"), std::string::npos);
  EXPECT_NE(account.body.find("alice.martin@ac-orleans-tours.fr"), std::string::npos);
  EXPECT_EQ(account.Header("Cache-Control"), "no-store");
  EXPECT_EQ(account.Header("X-Frame-Options"), "DENY");
  EXPECT_EQ(account.Header("Referrer-Policy"), "same-origin");
  EXPECT_EQ(account.Header("X-Content-Type-Options"), "nosniff");
  std::string csp = account.Header("Content-Security-Policy");
  EXPECT_NE(csp.find("default-src 'self'"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << csp;
  EXPECT_EQ(account.body.find("<script"), std::string::npos);
  EXPECT_EQ(account.body.find("style=\""), std::string::npos) << "nothing inline for the CSP";
}

TEST_F(WebSessionTest, CookieIsSecureBehindHttps) {
  Start([](server::Config& c) { c.public_url = "https://agenda.ac-orleans-tours.fr"; });
  WebClient b = Browser();
  WebPage r = SignIn(b, "alice", kPassword);
  ASSERT_EQ(r.status, 303) << r.body;
  EXPECT_NE(r.SetCookie("cartable_session").find("; Secure"), std::string::npos);
}

TEST_F(WebSessionTest, WrongPasswordIsRefusedWithoutACookie) {
  WebClient b = Browser();
  WebPage r = SignIn(b, "alice", "not-her-password");
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(r.body.find("Identifiant ou mot de passe incorrect."), std::string::npos);
  EXPECT_NE(r.body.find("class=\"erreur\" role=\"alert\""), std::string::npos);
  EXPECT_NE(r.body.find("value=\"alice\""), std::string::npos) << "the login is kept";
  EXPECT_TRUE(r.SetCookie("cartable_session").empty());
  // An unknown login gets the same page.
  WebPage unknown = SignIn(b, "nobody", "not-her-password");
  EXPECT_EQ(unknown.status, 401);
  EXPECT_NE(unknown.body.find("Identifiant ou mot de passe incorrect."), std::string::npos);
}

TEST_F(WebSessionTest, SignInReturnsToTheRequestedLocalPage) {
  WebClient b = Browser();
  WebPage r = b.Get("/compte/appareils");
  ASSERT_EQ(r.status, 303);
  EXPECT_EQ(r.Location(), "/connexion?suite=/compte/appareils");
  r = SignIn(b, "alice", kPassword, "/connexion?suite=/compte/appareils");
  ASSERT_EQ(r.status, 303);
  EXPECT_EQ(r.Location(), "/compte/appareils");
  // Never to another site.
  WebClient c = Browser();
  r = SignIn(c, "alice", kPassword, "/connexion?suite=//evil.example/x");
  ASSERT_EQ(r.status, 303);
  EXPECT_EQ(r.Location(), "/compte");
}

// [accounts] session_idle_minutes (30): a session unused for longer is gone; one in use lives on.
TEST_F(WebSessionTest, IdleTimeoutEndsTheSession) {
  WebClient b = Browser();
  ASSERT_EQ(SignIn(b, "alice", kPassword).status, 303);
  for (int i = 0; i < 3; ++i) {
    Advance(29 * 60);
    EXPECT_EQ(b.Get("/compte").status, 200) << "used every 29 minutes: alive (" << i << ")";
  }
  Advance(31 * 60);
  WebPage r = b.Get("/compte");
  ASSERT_EQ(r.status, 303);
  EXPECT_EQ(r.Location(), "/connexion?suite=/compte&info=session-expired");
  EXPECT_NE(r.SetCookie("cartable_session").find("Max-Age=0"), std::string::npos)
      << "the dead cookie is cleared";
  WebPage page = b.Get(r.Location());
  EXPECT_NE(page.body.find("Votre session a expiré."), std::string::npos);
}

// [accounts] session_max_hours (12): even a session in constant use ends.
TEST_F(WebSessionTest, AbsoluteLifetimeEndsTheSession) {
  Start([](server::Config& c) { c.session_max_hours = 2; });
  WebClient b = Browser();
  ASSERT_EQ(SignIn(b, "alice", kPassword).status, 303);
  for (int i = 0; i < 5; ++i) {
    Advance(20 * 60);
    ASSERT_EQ(b.Get("/compte").status, 200) << i;
  }
  Advance(19 * 60);  // 1 h 59
  ASSERT_EQ(b.Get("/compte").status, 200);
  Advance(2 * 60);  // 2 h 01
  EXPECT_EQ(b.Get("/compte").status, 303);
}

// Browsing does not write on every request: last_seen_at moves at most once a minute.
TEST_F(WebSessionTest, LastSeenIsWrittenAtMostOncePerMinute) {
  WebClient b = Browser();
  ASSERT_EQ(SignIn(b, "alice", kPassword).status, 303);
  auto seen = [&] {
    auto list = server_->store().ThreadSession().ListWebSessions(User("alice").id);
    EXPECT_TRUE(list.ok() && list.value().size() == 1);
    return list.ok() && !list.value().empty() ? list.value().front().last_seen_at : 0;
  };
  const store::UnixTime first = seen();
  Advance(30);
  ASSERT_EQ(b.Get("/compte").status, 200);
  EXPECT_EQ(seen(), first) << "30 s later: not written";
  Advance(31);
  ASSERT_EQ(b.Get("/compte").status, 200);
  EXPECT_GE(seen(), first + 61) << "61 s later: written";
}

// A password change ends the person's other sessions, not the one that made it.
TEST_F(WebSessionTest, PasswordChangeEndsOtherSessions) {
  WebClient here = Browser(), there = Browser();
  ASSERT_EQ(SignIn(here, "alice", kPassword).status, 303);
  ASSERT_EQ(SignIn(there, "alice", kPassword).status, 303);
  ASSERT_EQ(here.Get("/compte/mot-de-passe").status, 200);
  WebPage r = here.Post(
      "/compte/mot-de-passe",
      {{"actuel", "pas le bon"}, {"nouveau", kNewPassword}, {"confirmation", kNewPassword}});
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_NE(r.body.find("class=\"erreur\""), std::string::npos);
  EXPECT_EQ(there.Get("/compte").status, 200) << "a refused change ends nothing";
  r = here.Post("/compte/mot-de-passe",
                {{"actuel", kPassword}, {"nouveau", kNewPassword}, {"confirmation", kNewPassword}});
  ASSERT_EQ(r.status, 303) << r.body;
  EXPECT_EQ(r.Location(), "/compte?info=password-changed");
  EXPECT_EQ(here.Get("/compte").status, 200);
  EXPECT_EQ(there.Get("/compte").status, 303);
  // JSON: the same change with the cookie, the token and the current password.
  WebClient w = Browser();
  ASSERT_EQ(w.Json("POST", "/api/v1/session",
                   nlohmann::json{{"login", "alice"}, {"password", kNewPassword}}.dump())
                .status,
            200);
  WebPage j =
      w.Json("POST", "/api/v1/me/password",
             nlohmann::json{{"current", "faux"}, {"new", kPassword + std::string("x")}}.dump());
  EXPECT_EQ(j.status, 403);
  EXPECT_EQ(nlohmann::json::parse(j.body)["error"], "wrong-password");
  j = w.Json("POST", "/api/v1/me/password",
             nlohmann::json{{"current", kNewPassword}, {"new", "court"}}.dump());
  EXPECT_EQ(j.status, 400);
  EXPECT_EQ(nlohmann::json::parse(j.body)["error"], "too-short");
  j = w.Json(
      "POST", "/api/v1/me/password",
      nlohmann::json{{"current", kNewPassword}, {"new", kPassword + std::string("x")}}.dump(), {},
      /*with_csrf=*/false);
  EXPECT_EQ(j.status, 403) << "the token is needed with the cookie";
  j = w.Json(
      "POST", "/api/v1/me/password",
      nlohmann::json{{"current", kNewPassword}, {"new", kPassword + std::string("x")}}.dump());
  EXPECT_EQ(j.status, 204) << j.body;
  EXPECT_EQ(here.Get("/compte").status, 303) << "the JSON change ended the page's session";
  EXPECT_EQ(w.Json("GET", "/api/v1/me").status, 200);
}

// [accounts] max_sessions_per_user: a new sign-in beyond it ends the least recently used session.
TEST_F(WebSessionTest, SessionsPerUserAreBounded) {
  Start([](server::Config& c) { c.max_sessions_per_user = 2; });
  WebClient first = Browser(), second = Browser(), third = Browser();
  ASSERT_EQ(SignIn(first, "alice", kPassword).status, 303);
  Advance(120);
  ASSERT_EQ(SignIn(second, "alice", kPassword).status, 303);
  Advance(120);
  ASSERT_EQ(first.Get("/compte").status, 200);  // first is now the most recently used
  Advance(120);
  ASSERT_EQ(SignIn(third, "alice", kPassword).status, 303);
  EXPECT_EQ(first.Get("/compte").status, 200);
  EXPECT_EQ(third.Get("/compte").status, 200);
  EXPECT_EQ(second.Get("/compte").status, 303) << "the least recently used went";
  auto list = server_->store().ThreadSession().ListWebSessions(User("alice").id);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list.value().size(), 2u);
}

TEST_F(WebSessionTest, StateChangingFormsNeedTheSessionToken) {
  WebClient b = Browser();
  ASSERT_EQ(SignIn(b, "alice", kPassword).status, 303);
  ASSERT_EQ(b.Get("/compte/appareils").status, 200);
  const std::string path = "/compte/appareils/deconnecter-partout";
  WebPage r = b.Post(path, {}, {}, /*with_csrf=*/false);
  EXPECT_EQ(r.status, 403) << "missing token";
  EXPECT_NE(r.body.find("Requête refusée"), std::string::npos);
  r = b.Post(path, {{"csrf", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}});
  EXPECT_EQ(r.status, 403) << "wrong token";
  r = b.Post(path, {{"csrf", b.Cookie("cartable_csrf")}});
  EXPECT_EQ(r.status, 403) << "the anonymous token does not replace the session's";
  r = b.Post(path, {}, {{"Sec-Fetch-Site", "cross-site"}});
  EXPECT_EQ(r.status, 403) << "another site, even with the token";
  r = b.Post(path, {}, {{"Origin", "https://evil.example"}});
  EXPECT_EQ(r.status, 403) << "a foreign Origin";
  EXPECT_EQ(b.Get("/compte").status, 200) << "nothing happened";
  r = b.Post(path, {},
             {{"Origin", "http://127.0.0.1:" + std::to_string(server_->port())},
              {"Sec-Fetch-Site", "same-origin"}});
  EXPECT_EQ(r.status, 303) << "our own origin with the token";
  EXPECT_EQ(b.Get("/compte").status, 303) << "signed out everywhere";
}

TEST_F(WebSessionTest, AnonymousFormsNeedTheDoubleSubmitToken) {
  WebClient b = Browser();
  ASSERT_EQ(b.Get("/connexion").status, 200);
  WebPage r = b.Post("/connexion", {{"identifiant", "alice"}, {"mot_de_passe", kPassword}}, {},
                     /*with_csrf=*/false);
  EXPECT_EQ(r.status, 403);
  r = b.Post("/connexion",
             {{"identifiant", "alice"}, {"mot_de_passe", kPassword}, {"csrf", "BBBBBBBBBBBBBBBB"}});
  EXPECT_EQ(r.status, 403);
  WebClient fresh = Browser();  // a token in the form but no cookie (a forged form)
  r = fresh.Post(
      "/connexion",
      {{"identifiant", "alice"}, {"mot_de_passe", kPassword}, {"csrf", b.Cookie("cartable_csrf")}});
  EXPECT_EQ(r.status, 403);
  EXPECT_TRUE(r.SetCookie("cartable_session").empty());
  // Login CSRF from another site is refused even with a matching pair.
  r = b.Post("/connexion", {{"identifiant", "alice"}, {"mot_de_passe", kPassword}},
             {{"Sec-Fetch-Site", "cross-site"}});
  EXPECT_EQ(r.status, 403);
}

// A NUMEN sign-in (must_change_password) opens only the password change, which explains why.
TEST_F(WebSessionTest, InitialPasswordSessionCanOnlyChangeThePassword) {
  store::User alice = User("alice");
  const std::string numen = "12E3456789ABC";
  ASSERT_TRUE(
      server_->store()
          .ThreadSession()
          .SetPasswordHash(
              alice.id, directory::HashPassword(numen, directory::HashStrength::kTemporary), true)
          .ok());
  WebClient b = Browser();
  WebPage r = SignIn(b, "alice", numen);
  ASSERT_EQ(r.status, 303) << r.body;
  EXPECT_EQ(r.Location(), "/compte/mot-de-passe");
  std::string first_cookie = b.Cookie("cartable_session");
  for (const char* path : {"/compte", "/compte/appareils"}) {
    WebPage p = b.Get(path);
    EXPECT_EQ(p.status, 303) << path;
    EXPECT_EQ(p.Location(), "/compte/mot-de-passe") << path;
  }
  WebPage blocked = b.Post("/compte/appareils/deconnecter-partout", {});
  EXPECT_EQ(blocked.status, 303);
  EXPECT_EQ(blocked.Location(), "/compte/mot-de-passe");
  WebPage me = b.Json("GET", "/api/v1/me");
  EXPECT_EQ(me.status, 403);
  EXPECT_NE(me.body.find("password-change-required"), std::string::npos);
  WebPage form = b.Get("/compte/mot-de-passe");
  ASSERT_EQ(form.status, 200);
  EXPECT_NE(form.body.find("id=\"changement-obligatoire\""), std::string::npos);
  EXPECT_NE(form.body.find("NUMEN"), std::string::npos);
  EXPECT_EQ(form.body.find("href=\"/compte\">"), std::string::npos)
      << "no link the session could not follow";
  // Mismatched confirmation: nothing changes.
  r = b.Post("/compte/mot-de-passe",
             {{"actuel", numen}, {"nouveau", kNewPassword}, {"confirmation", "autre chose"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("diffèrent"), std::string::npos);
  r = b.Post("/compte/mot-de-passe",
             {{"actuel", numen}, {"nouveau", kNewPassword}, {"confirmation", kNewPassword}});
  ASSERT_EQ(r.status, 303) << r.body;
  EXPECT_EQ(r.Location(), "/compte?info=password-changed");
  EXPECT_NE(b.Cookie("cartable_session"), first_cookie) << "a new session for the new stage";
  WebPage account = b.Get(r.Location());
  ASSERT_EQ(account.status, 200);
  EXPECT_NE(account.body.find("Votre mot de passe a été changé."), std::string::npos);
  EXPECT_NE(account.body.find("class=\"info\" role=\"status\""), std::string::npos);
  WebClient old = Browser();
  old.SetCookie("cartable_session", first_cookie);
  EXPECT_EQ(old.Get("/compte").status, 303) << "the NUMEN session is gone";
  WebClient again = Browser();
  EXPECT_EQ(SignIn(again, "alice", numen).status, 401) << "the NUMEN no longer opens anything";
  EXPECT_EQ(SignIn(again, "alice", kNewPassword).status, 303);
}

// An account with a one-time code: the password opens only the code step (kNeedsOtp), and the
// right code gives a new, full session; JSON takes both at once.
TEST_F(WebSessionTest, OneTimeCodeIsTheSecondStep) {
  store::User alice = User("alice");
  const std::string secret = directory::NewTotpSecret();
  auto security = server_->store().ThreadSession().GetUserSecurity(alice.id);
  ASSERT_TRUE(security.ok());
  security.value().otp_secret = server_->app().secret_key().Seal(secret);
  security.value().otp_enrolled_at = 1;
  ASSERT_TRUE(
      server_->store().ThreadSession().SetUserSecurity(alice.id, security.value(), true).ok());
  auto now = [] {
    return std::chrono::duration_cast<std::chrono::seconds>(TestNow().time_since_epoch()).count();
  };

  WebClient b = Browser();
  WebPage r = SignIn(b, "alice", kPassword);
  ASSERT_EQ(r.status, 303) << r.body;
  EXPECT_EQ(r.Location(), "/connexion/code");
  std::string step_cookie = b.Cookie("cartable_session");
  WebPage blocked = b.Get("/compte");
  EXPECT_EQ(blocked.status, 303);
  EXPECT_EQ(blocked.Location(), "/connexion/code");
  WebPage form = b.Get("/connexion/code");
  ASSERT_EQ(form.status, 200);
  EXPECT_NE(form.body.find("<label for=\"code\">"), std::string::npos);
  std::string wrong = directory::TotpCode(secret, now()) == "000000" ? "111111" : "000000";
  r = b.Post("/connexion/code", {{"code", wrong}});
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(r.body.find("Code incorrect"), std::string::npos);
  r = b.Post("/connexion/code", {{"code", directory::TotpCode(secret, now())}});
  ASSERT_EQ(r.status, 303) << r.body;
  EXPECT_EQ(r.Location(), "/compte");
  EXPECT_NE(b.Cookie("cartable_session"), step_cookie) << "a new session once the code is right";
  EXPECT_EQ(b.Get("/compte").status, 200);
  WebClient old = Browser();
  old.SetCookie("cartable_session", step_cookie);
  EXPECT_EQ(old.Get("/connexion/code").status, 303) << "the first step's session is gone";

  Advance(90);  // a code is accepted once: the next one is of a later time step
  WebClient w = Browser();
  r = w.Json("POST", "/api/v1/session",
             nlohmann::json{{"login", "alice"}, {"password", kPassword}}.dump());
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(nlohmann::json::parse(r.body)["error"], "otp-required");
  EXPECT_TRUE(r.SetCookie("cartable_session").empty());
  r = w.Json(
      "POST", "/api/v1/session",
      nlohmann::json{
          {"login", "alice"}, {"password", kPassword}, {"otp", directory::TotpCode(secret, now())}}
          .dump());
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(w.Json("GET", "/api/v1/me").status, 200);
}

TEST_F(WebSessionTest, SignOutEndsTheSession) {
  WebClient b = Browser();
  ASSERT_EQ(SignIn(b, "alice", kPassword).status, 303);
  std::string cookie = b.Cookie("cartable_session");
  WebPage account = b.Get("/compte");
  ASSERT_EQ(account.status, 200);
  WebPage r = b.Post("/deconnexion", {});
  ASSERT_EQ(r.status, 303);
  EXPECT_EQ(r.Location(), "/connexion?info=signed-out");
  EXPECT_NE(r.SetCookie("cartable_session").find("Max-Age=0"), std::string::npos);
  WebClient replay = Browser();
  replay.SetCookie("cartable_session", cookie);
  EXPECT_EQ(replay.Get("/compte").status, 303) << "the old cookie opens nothing";
  auto audit = server_->store().ThreadSession().ListAudit({});
  ASSERT_TRUE(audit.ok());
  bool signed_out = false;
  for (const auto& e : audit.value()) signed_out = signed_out || e.event == "sign-out";
  EXPECT_TRUE(signed_out);
}

TEST_F(WebSessionTest, DevicesAreNamedAsPeopleKnowThem) {
  WebClient firefox = Browser(), phone = Browser();
  ASSERT_EQ(firefox.Get("/connexion").status, 200);
  const char* kFirefox =
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
  ASSERT_EQ(firefox
                .Post("/connexion", {{"identifiant", "alice"}, {"mot_de_passe", kPassword}},
                      {{"User-Agent", kFirefox}})
                .status,
            303);
  ASSERT_EQ(phone.Get("/connexion").status, 200);
  const char* kIphone =
      "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
      "like Gecko) Version/18.0 Mobile/15E148 Safari/604.1";
  ASSERT_EQ(phone
                .Post("/connexion", {{"identifiant", "alice"}, {"mot_de_passe", kPassword}},
                      {{"User-Agent", kIphone}})
                .status,
            303);
  WebPage devices = firefox.Get("/compte/appareils");
  ASSERT_EQ(devices.status, 200);
  EXPECT_NE(devices.body.find(">Firefox sur Windows <strong"), std::string::npos) << devices.body;
  EXPECT_NE(devices.body.find(">Safari sur iPhone</td>"), std::string::npos) << devices.body;
  // The whole User-Agent stays available (title attribute), escaped.
  EXPECT_NE(devices.body.find("title=\"Mozilla/5.0 (iPhone;"), std::string::npos);
}

TEST_F(WebSessionTest, SignOutEverywhereEndsEverySessionAndOptionallyAppPasswords) {
  store::User alice = User("alice");
  store::AppPassword app;
  app.user_id = alice.id;
  app.name = "Thunderbird";
  app.hash = server_->app().secret_key().Hash("app-password", "abcdabcdabcdabcd");
  app.created_at = 1;
  ASSERT_TRUE(server_->store().ThreadSession().CreateAppPassword(app).ok());
  WebClient phone = Browser(), laptop = Browser(), bob = Browser();
  ASSERT_EQ(SignIn(phone, "alice", kPassword).status, 303);
  ASSERT_EQ(SignIn(laptop, "alice", kPassword).status, 303);
  ASSERT_EQ(SignIn(bob, "bob", kPassword).status, 303);
  WebPage devices = laptop.Get("/compte/appareils");
  ASSERT_EQ(devices.status, 200);
  EXPECT_NE(devices.body.find("Thunderbird"), std::string::npos);
  EXPECT_NE(devices.body.find("cette session"), std::string::npos);
  EXPECT_NE(devices.body.find("Vérifiez régulièrement les appareils connectés"), std::string::npos);

  // Without the box: sessions only.
  WebPage r = laptop.Post("/compte/appareils/deconnecter-partout", {});
  ASSERT_EQ(r.status, 303);
  EXPECT_EQ(r.Location(), "/connexion?info=signed-out-everywhere");
  EXPECT_EQ(phone.Get("/compte").status, 303);
  EXPECT_EQ(laptop.Get("/compte").status, 303);
  EXPECT_EQ(bob.Get("/compte").status, 200) << "another person's session stays";
  auto apps = server_->store().ThreadSession().ListAppPasswords(alice.id);
  ASSERT_TRUE(apps.ok());
  EXPECT_EQ(apps.value().size(), 1u);

  // With the box: the app passwords go too.
  ASSERT_EQ(SignIn(laptop, "alice", kPassword).status, 303);
  ASSERT_EQ(laptop.Get("/compte/appareils").status, 200);
  r = laptop.Post("/compte/appareils/deconnecter-partout", {{"mots_de_passe_applications", "1"}});
  ASSERT_EQ(r.status, 303);
  apps = server_->store().ThreadSession().ListAppPasswords(alice.id);
  ASSERT_TRUE(apps.ok());
  EXPECT_TRUE(apps.value().empty());
}

TEST_F(WebSessionTest, EndOneSessionOnlyOfYourOwn) {
  WebClient phone = Browser(), laptop = Browser(), bob = Browser();
  ASSERT_EQ(SignIn(phone, "alice", kPassword).status, 303);
  ASSERT_EQ(SignIn(laptop, "alice", kPassword).status, 303);
  ASSERT_EQ(SignIn(bob, "bob", kPassword).status, 303);
  auto sessions = server_->store().ThreadSession().ListWebSessions(User("alice").id);
  auto bobs = server_->store().ThreadSession().ListWebSessions(User("bob").id);
  ASSERT_TRUE(sessions.ok() && bobs.ok());
  ASSERT_EQ(sessions.value().size(), 2u);
  ASSERT_EQ(laptop.Get("/compte/appareils").status, 200);
  WebPage r =
      laptop.Post("/compte/appareils/session", {{"id", std::to_string(bobs.value().front().id)}});
  EXPECT_EQ(r.status, 404) << "bob's session is not alice's to end";
  EXPECT_EQ(bob.Get("/compte").status, 200);
  // The phone's session is the one made first (smaller id).
  store::Id phone_id = std::min(sessions.value()[0].id, sessions.value()[1].id);
  r = laptop.Post("/compte/appareils/session", {{"id", std::to_string(phone_id)}});
  ASSERT_EQ(r.status, 303);
  EXPECT_EQ(r.Location(), "/compte/appareils?info=session-ended");
  EXPECT_EQ(phone.Get("/compte").status, 303);
  EXPECT_EQ(laptop.Get("/compte").status, 200);
}

TEST_F(WebSessionTest, JsonSessionApi) {
  WebClient w = Browser();
  WebPage r = w.Json("POST", "/api/v1/session", R"({"login":"alice","password":"nope"})");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(nlohmann::json::parse(r.body)["error"], "invalid-credentials");
  r = w.Send("POST", "/api/v1/session", "login=alice",
             {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(r.status, 415) << "JSON only: a cross-site form cannot post JSON";
  r = w.Json("POST", "/api/v1/session", "[1,2]");
  EXPECT_EQ(r.status, 400);
  r = w.Json("POST", "/api/v1/session",
             nlohmann::json{{"login", "Alice.Martin@ac-orleans-tours.fr"}, {"password", kPassword}}
                 .dump());
  ASSERT_EQ(r.status, 200) << r.body;
  nlohmann::json body = nlohmann::json::parse(r.body);
  EXPECT_EQ(body["login"], "alice");
  EXPECT_EQ(body["display_name"], "Alice Martin");
  EXPECT_FALSE(body["csrf_token"].get<std::string>().empty());
  EXPECT_NE(r.SetCookie("cartable_session").find("HttpOnly"), std::string::npos);

  WebPage me = w.Json("GET", "/api/v1/me");
  ASSERT_EQ(me.status, 200);
  nlohmann::json mej = nlohmann::json::parse(me.body);
  EXPECT_EQ(mej["login"], "alice");
  EXPECT_EQ(mej["email"], "alice.martin@ac-orleans-tours.fr");
  EXPECT_EQ(mej["role"], "user");
  EXPECT_EQ(mej["otp_enrolled"], false);
  EXPECT_EQ(mej["csrf_token"], body["csrf_token"]);

  // Basic works for the API, without a token and without csrf_token in the answer.
  auto basic = server_->Request("GET", "/api/v1/me", "", {}, "alice", kPassword);
  ASSERT_EQ(basic.status, 200) << basic.body;
  EXPECT_EQ(basic.body.find("csrf_token"), std::string::npos);
  auto wrong = server_->Request("GET", "/api/v1/me", "", {}, "alice", "wrong");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(server_->Request("GET", "/api/v1/me").status, 401);

  WebClient other = Browser();
  ASSERT_EQ(other
                .Json("POST", "/api/v1/session",
                      nlohmann::json{{"login", "alice"}, {"password", kPassword}}.dump())
                .status,
            200);
  WebPage list = w.Json("GET", "/api/v1/me/sessions");
  ASSERT_EQ(list.status, 200);
  nlohmann::json sessions = nlohmann::json::parse(list.body)["sessions"];
  ASSERT_EQ(sessions.size(), 2u);
  int current = 0;
  for (const auto& s : sessions) current += s["current"].get<bool>() ? 1 : 0;
  EXPECT_EQ(current, 1);
  EXPECT_EQ(w.Json("DELETE", "/api/v1/me/sessions?id=999999").status, 404);
  WebPage ended = w.Json("DELETE", "/api/v1/me/sessions");
  ASSERT_EQ(ended.status, 200);
  EXPECT_EQ(nlohmann::json::parse(ended.body)["ended"], 1);
  EXPECT_EQ(other.Json("GET", "/api/v1/me").status, 401) << "the other session ended";
  EXPECT_EQ(w.Json("GET", "/api/v1/me").status, 200) << "this one stays";

  // Sign-out with the cookie needs the token.
  EXPECT_EQ(w.Json("DELETE", "/api/v1/session", "", {}, /*with_csrf=*/false).status, 403);
  WebPage out = w.Json("DELETE", "/api/v1/session");
  EXPECT_EQ(out.status, 204);
  EXPECT_EQ(w.Json("GET", "/api/v1/me").status, 401);
}

TEST_F(WebSessionTest, JsonSignInOfAnInitialPasswordSaysWhereToGo) {
  store::User alice = User("alice");
  ASSERT_TRUE(server_->store()
                  .ThreadSession()
                  .SetPasswordHash(
                      alice.id,
                      directory::HashPassword("12E3456789ABC", directory::HashStrength::kTemporary),
                      true)
                  .ok());
  WebClient w = Browser();
  WebPage r = w.Json("POST", "/api/v1/session", R"({"login":"alice","password":"12E3456789ABC"})");
  EXPECT_EQ(r.status, 401);
  nlohmann::json body = nlohmann::json::parse(r.body);
  EXPECT_EQ(body["error"], "password-change-required");
  EXPECT_NE(body["url"].get<std::string>().find("/connexion"), std::string::npos);
  EXPECT_TRUE(r.SetCookie("cartable_session").empty());
}

// [accounts] address_max_failures: past it, sign-ins from the address get 429 + Retry-After before
// any hashing, on the page and in JSON.
TEST_F(WebSessionTest, TooManyFailuresFromOneAddressAre429) {
  Start([](server::Config& c) { c.address_max_failures = 3; });
  WebClient b = Browser();
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(SignIn(b, "alice", "wrong" + std::to_string(i)).status, 401);
  uint64_t hashes = server_->app().authenticator().verifications();
  WebPage r = SignIn(b, "alice", kPassword);
  EXPECT_EQ(r.status, 429);
  EXPECT_FALSE(r.Header("Retry-After").empty());
  EXPECT_NE(r.body.find("Trop de tentatives"), std::string::npos);
  WebPage j = b.Json("POST", "/api/v1/session",
                     nlohmann::json{{"login", "alice"}, {"password", kPassword}}.dump());
  EXPECT_EQ(j.status, 429);
  EXPECT_FALSE(j.Header("Retry-After").empty());
  EXPECT_EQ(server_->app().authenticator().verifications(), hashes);
}

// Slow rows run on the hash pool (one thread here) and answer later: concurrent sign-ins each get
// their own session, and the reactor keeps serving meanwhile.
TEST_F(WebSessionTest, ConcurrentSignInsOnTheHashPool) {
  Start([](server::Config& c) {
    c.hash_threads = 1;
    c.hash_queue = 64;
  });
  constexpr int kClients = 6;
  std::vector<std::string> names(kClients), cookies(kClients);
  std::vector<int> statuses(kClients);
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      WebClient b = Browser();
      const char* login = i % 2 ? "bob" : "alice";
      WebPage r = SignIn(b, login, kPassword);
      statuses[i] = r.status;
      cookies[i] = b.Cookie("cartable_session");
      WebPage page = b.Get("/compte");
      names[i] = page.body.find(i % 2 ? "Bob Durand" : "Alice Martin") != std::string::npos
                     ? "ok"
                     : page.body;
    });
  }
  WebClient during = Browser();
  EXPECT_EQ(during.Get("/connexion").status, 200) << "pages that do not hash are not held up";
  for (auto& t : threads) t.join();
  for (int i = 0; i < kClients; ++i) {
    EXPECT_EQ(statuses[i], 303) << i;
    EXPECT_EQ(names[i], "ok") << i;
    for (int j = 0; j < i; ++j) EXPECT_NE(cookies[i], cookies[j]);
  }
}

// Pages never show a secret: not the password, not the session cookie, not a stored hash (the
// CSRF token, which the forms must carry, aside).
TEST_F(WebSessionTest, NoSecretInAnyPage) {
  WebClient b = Browser();
  ASSERT_EQ(SignIn(b, "alice", kPassword).status, 303);
  const std::string token = b.Cookie("cartable_session");
  const std::string token_hash = server_->app().secret_key().Hash("session", token);
  const std::string password_hash = User("alice").password_hash;
  for (const char* path : {"/compte", "/compte/appareils", "/compte/mot-de-passe", "/connexion",
                           "/api/v1/me", "/api/v1/me/sessions", "/"}) {
    WebPage p = b.Get(path);
    EXPECT_LT(p.status, 400) << path;
    for (const std::string& secret : {std::string(kPassword), token, token_hash, password_hash}) {
      EXPECT_EQ(p.body.find(secret), std::string::npos) << path << " shows " << secret;
    }
  }
}

TEST_F(WebSessionTest, StaticFilesAreCachedLongWithAnETag) {
  WebClient b = Browser();
  WebPage page = b.Get("/connexion");
  size_t at = page.body.find("/static/cartable.css?v=");
  ASSERT_NE(at, std::string::npos);
  WebPage css = b.Get("/static/cartable.css");
  ASSERT_EQ(css.status, 200);
  EXPECT_EQ(css.Header("Content-Type"), "text/css; charset=utf-8");
  EXPECT_NE(css.Header("Cache-Control").find("max-age=31536000"), std::string::npos);
  EXPECT_NE(css.body.find("@media print"), std::string::npos);
  EXPECT_NE(css.body.find("@media (max-width"), std::string::npos);
  std::string etag = css.Header("ETag");
  ASSERT_FALSE(etag.empty());
  WebPage again = b.Get("/static/cartable.css", {{"If-None-Match", etag}});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(b.Get("/static/absent.css").status, 404);
  int traversal = b.Get("/static/../web.h").status;
  EXPECT_TRUE(traversal == 400 || traversal == 404) << traversal;
}

TEST_F(WebSessionTest, HomePageLinksToSignIn) {
  WebClient b = Browser();
  WebPage home = b.Get("/");
  ASSERT_EQ(home.status, 200);
  EXPECT_NE(home.body.find("href=\"/connexion\""), std::string::npos);
}

}  // namespace
}  // namespace cartable
