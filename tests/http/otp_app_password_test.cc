// The one-time-code and app-password pages and JSON API over real sockets (issue 11):
// enrolment with a code computed like an authenticator app (TotpCode), the ten recovery codes
// shown once, a kNeedsEnrolment session that may only enrol, removal refused while required,
// app passwords shown once and then used by a CalDAV client (Basic), revocation, the JSON API
// with its CSRF token. Sessions are made with AccountService::CreateSession at the stage a test
// needs, and their cookie sent as a browser would.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>
#include <regex>

#include "directory/otp.h"
#include "tests/testlib/test_server.h"
#include "tests/testlib/web_client.h"

namespace cartable {
namespace {

using store::SessionStage;
using testlib::TestServer;
using testlib::WebClient;
using testlib::WebPage;

constexpr const char* kPassword = "Lapin-Vert-Sous-La-Pluie-1987";
constexpr const char* kEnrol = "/compte/double-authentification";
constexpr const char* kApps = "/compte/mots-de-passe-applications";

// What a browser makes of an attribute value or text.
std::string Unescape(std::string s) {
  static const std::pair<const char*, const char*> kEntities[] = {
      {"&quot;", "\""}, {"&apos;", "'"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}};
  for (const auto& [entity, text] : kEntities) {
    for (size_t at = s.find(entity); at != std::string::npos; at = s.find(entity, at + 1)) {
      s.replace(at, std::strlen(entity), text);
    }
  }
  return s;
}

std::string Capture(const std::string& body, const std::string& pattern) {
  std::smatch m;
  return std::regex_search(body, m, std::regex(pattern)) ? Unescape(m[1].str()) : "";
}

size_t Count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

int64_t Now() { return static_cast<int64_t>(std::time(nullptr)); }

class OtpAppPasswordTest : public ::testing::Test {
 protected:
  void SetUp() override { Start(nullptr); }
  void Start(void (*tweak)(server::Config&)) {
    server_.reset();
    server_ = std::make_unique<TestServer>(tweak);
    server_->AddUser("alice", kPassword, "Alice Martin", "alice.martin@ac-orleans-tours.fr");
  }
  directory::AccountService& accounts() { return server_->app().account_service(); }
  store::Session& db() { return server_->store().ThreadSession(); }
  store::User Alice() { return *db().GetUserByLogin("alice"); }
  store::UserSecurity Security() { return *db().GetUserSecurity(Alice().id); }

  // A browser holding a session of `stage` for alice (cookie and CSRF token set).
  WebClient SignedIn(SessionStage stage = SessionStage::kFull) {
    Result<directory::NewSession> s =
        accounts().CreateSession(Alice(), stage, {"127.0.0.1", "test browser"});
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    WebClient b(server_->port());
    if (s.ok()) {
      b.SetCookie("cartable_session", s->token);
      b.set_csrf(s->session.csrf_token);
      b.set_json_csrf(s->session.csrf_token);
    }
    return b;
  }
  int Propfind(const std::string& password) {
    return server_
        ->Request("PROPFIND", "/dav/calendars/alice/", "", {{"Depth", "0"}}, "alice", password)
        .status;
  }

  std::unique_ptr<TestServer> server_;
};

// ---- one-time codes ----

TEST_F(OtpAppPasswordTest, EnrolmentWithACodeShowsTenRecoveryCodesOnce) {
  WebClient b = SignedIn();
  WebPage page = b.Get(kEnrol);
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(page.Header("Cache-Control"), "no-store");
  EXPECT_NE(page.body.find("<div id=\"qr\"><svg"), std::string::npos);
  EXPECT_EQ(page.body.find("style=\""), std::string::npos) << "the CSP allows no inline style";
  const std::string svg_tag = Capture(page.body, "<div id=\"qr\">(<svg[^>]*>)");
  EXPECT_EQ(Count(svg_tag, " width="), 1u) << "well-formed: each attribute once: " << svg_tag;
  const std::string secret = Capture(page.body, "<code id=\"secret\"[^>]*>([A-Z2-7]+)</code>");
  ASSERT_FALSE(secret.empty()) << page.body;
  const std::string sealed = Capture(page.body, "name=\"secret_scelle\" value=\"([^\"]+)\"");
  ASSERT_FALSE(sealed.empty());
  EXPECT_EQ(sealed.find(secret), std::string::npos) << "the hidden field is sealed";
  EXPECT_NE(page.body.find("<label for=\"code\">"), std::string::npos);
  EXPECT_TRUE(Security().otp_secret.empty()) << "nothing stored before a code";

  WebPage done =
      b.Post(kEnrol, {{"secret_scelle", sealed}, {"code", directory::TotpCode(secret, Now())}});
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(done.Header("Cache-Control"), "no-store");
  const std::string list = Capture(done.body, "<ul id=\"codes-secours\">([\\s\\S]*?)</ul>");
  EXPECT_EQ(Count(list, "<li>"), 10u) << done.body;
  EXPECT_NE(done.body.find("une seule fois"), std::string::npos) << "explained in French";
  const std::string first = Capture(list, "<code[^>]*>([a-z2-7-]+)</code>");
  ASSERT_FALSE(first.empty()) << list;

  store::UserSecurity sec = Security();
  EXPECT_EQ(accounts().key().Open(sec.otp_secret), secret);
  EXPECT_EQ(*db().UnusedRecoveryCodes(Alice().id), 10);

  WebPage again = b.Get(kEnrol);
  ASSERT_EQ(again.status, 200);
  EXPECT_NE(again.body.find("activée"), std::string::npos);
  EXPECT_EQ(again.body.find("codes-secours"), std::string::npos) << "shown once";
  EXPECT_EQ(again.body.find(first), std::string::npos);
  EXPECT_NE(again.body.find("id=\"codes-restants\">10<"), std::string::npos);
}

TEST_F(OtpAppPasswordTest, WrongOrTamperedFormsStoreNothing) {
  WebClient b = SignedIn();
  WebPage page = b.Get(kEnrol);
  const std::string secret = Capture(page.body, "<code id=\"secret\"[^>]*>([A-Z2-7]+)</code>");
  const std::string sealed = Capture(page.body, "name=\"secret_scelle\" value=\"([^\"]+)\"");
  ASSERT_FALSE(secret.empty());

  const std::string right = directory::TotpCode(secret, Now());
  WebPage wrong = b.Post(
      kEnrol, {{"secret_scelle", sealed}, {"code", directory::TotpCode(secret, Now() - 3600)}});
  EXPECT_EQ(wrong.status, 400);
  EXPECT_NE(wrong.body.find("class=\"erreur\" role=\"alert\""), std::string::npos);
  EXPECT_NE(wrong.body.find(">" + secret + "</code>"), std::string::npos)
      << "the same secret again: the phone already set up keeps working";

  // A sealed secret that is not ours (the key of another server) does not open.
  directory::SecretKey other = directory::SecretKey::FromBytes(std::string(32, 'x'));
  WebPage forged = b.Post(kEnrol, {{"secret_scelle", other.Seal(secret)}, {"code", right}});
  EXPECT_EQ(forged.status, 400);
  std::string altered = sealed;
  altered[altered.size() / 2] = altered[altered.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_EQ(b.Post(kEnrol, {{"secret_scelle", altered}, {"code", right}}).status, 400);
  // Without the session's CSRF token.
  WebPage no_csrf =
      b.Post(kEnrol, {{"secret_scelle", sealed}, {"code", right}}, {}, /*with_csrf=*/false);
  EXPECT_EQ(no_csrf.status, 403);
  EXPECT_TRUE(Security().otp_secret.empty());
  EXPECT_EQ(*db().UnusedRecoveryCodes(Alice().id), 0);
}

TEST_F(OtpAppPasswordTest, AnEnrolmentSessionMayOnlyEnrolThenBecomesFull) {
  ASSERT_TRUE(accounts().SetOtpRequired("alice", true, {}).ok());
  WebClient b = SignedIn(SessionStage::kNeedsEnrolment);
  for (const char* path : {"/compte", kApps, "/compte/appareils"}) {
    WebPage r = b.Get(path);
    EXPECT_EQ(r.status, 303) << path;
    EXPECT_EQ(r.Location(), kEnrol) << path;
  }
  EXPECT_EQ(b.Json("GET", "/api/v1/me/app-passwords").status, 403);
  WebPage page = b.Get(kEnrol);
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("exige un code"), std::string::npos) << "says why";
  const std::string secret = Capture(page.body, "<code id=\"secret\"[^>]*>([A-Z2-7]+)</code>");
  const std::string sealed = Capture(page.body, "name=\"secret_scelle\" value=\"([^\"]+)\"");
  const std::string old_cookie = b.Cookie("cartable_session");

  WebPage done =
      b.Post(kEnrol, {{"secret_scelle", sealed}, {"code", directory::TotpCode(secret, Now())}});
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_NE(done.body.find("<ul id=\"codes-secours\">"), std::string::npos);
  EXPECT_FALSE(done.SetCookie("cartable_session").empty()) << "a new session, fully signed in";
  EXPECT_NE(b.Cookie("cartable_session"), old_cookie);
  EXPECT_EQ(b.Get("/compte").status, 200);
  EXPECT_EQ(b.Get(kApps).status, 200);

  WebClient old(server_->port());
  old.SetCookie("cartable_session", old_cookie);
  WebPage r = old.Get("/compte");
  EXPECT_EQ(r.status, 303) << "the token seen before the code opens nothing";
  EXPECT_EQ(r.Location().rfind("/connexion", 0), 0u) << r.Location();
}

TEST_F(OtpAppPasswordTest, OtherStagesAreSentWhereTheyBelong) {
  WebClient otp = SignedIn(SessionStage::kNeedsOtp);
  WebPage r = otp.Get(kEnrol);
  EXPECT_EQ(r.status, 303);
  EXPECT_EQ(r.Location(), "/connexion/code");
  EXPECT_EQ(otp.Post(kEnrol, {{"code", "123456"}}).status, 303);
  WebClient change = SignedIn(SessionStage::kMustChange);
  r = change.Get(kEnrol);
  EXPECT_EQ(r.status, 303);
  EXPECT_EQ(r.Location(), "/compte/mot-de-passe");
  WebClient nobody(server_->port());
  r = nobody.Get(kEnrol);
  EXPECT_EQ(r.status, 303);
  EXPECT_EQ(r.Location().rfind("/connexion", 0), 0u);
}

TEST_F(OtpAppPasswordTest, RemovalIsRefusedWhileRequired) {
  directory::OtpEnrolment e = accounts().BeginOtpEnrolment(Alice());
  ASSERT_TRUE(
      accounts().ConfirmOtp(Alice().id, e.secret, directory::TotpCode(e.secret, Now()), {}).ok());
  ASSERT_TRUE(accounts().SetOtpRequired("alice", true, {}).ok());
  WebClient b = SignedIn();
  WebPage page = b.Get(kEnrol);
  EXPECT_EQ(page.body.find("/retirer"), std::string::npos) << "no removal form while required";
  WebPage refused = b.Post(std::string(kEnrol) + "/retirer", {});
  EXPECT_EQ(refused.status, 409);
  EXPECT_NE(refused.body.find("class=\"erreur\""), std::string::npos);
  EXPECT_FALSE(Security().otp_secret.empty());

  ASSERT_TRUE(accounts().SetOtpRequired("alice", false, {}).ok());
  EXPECT_NE(b.Get(kEnrol).body.find("/retirer"), std::string::npos);
  WebPage removed = b.Post(std::string(kEnrol) + "/retirer", {});
  EXPECT_EQ(removed.status, 303);
  EXPECT_EQ(removed.Location(), std::string(kEnrol) + "?info=otp-removed");
  EXPECT_TRUE(Security().otp_secret.empty());
  EXPECT_EQ(*db().UnusedRecoveryCodes(Alice().id), 0);
  EXPECT_NE(b.Get(removed.Location()).body.find("class=\"info\""), std::string::npos);
}

// ---- app passwords ----

TEST_F(OtpAppPasswordTest, AppPasswordShownOnceOpensCalDavUntilRevoked) {
  WebClient b = SignedIn();
  WebPage page = b.Get(kApps);
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_NE(page.body.find("Vérifiez régulièrement les appareils connectés"), std::string::npos);
  EXPECT_NE(page.body.find("<label for=\"nom\">"), std::string::npos);

  WebPage created = b.Post(kApps, {{"nom", "Thunderbird du bureau"}});
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_EQ(created.Header("Cache-Control"), "no-store");
  const std::string password =
      Capture(created.body, "<code id=\"nouveau-mot-de-passe\"[^>]*>([^<]+)</code>");
  EXPECT_TRUE(std::regex_match(password, std::regex("([a-z2-7]{4}-){3}[a-z2-7]{4}"))) << password;
  for (const char* client : {"Thunderbird", "iPhone", "DAVx5"}) {
    EXPECT_NE(created.body.find(client), std::string::npos) << "instructions for " << client;
  }
  EXPECT_NE(created.body.find(">Thunderbird du bureau</td>"), std::string::npos);

  EXPECT_EQ(Propfind(password), 207) << "a CalDAV client signs in with it";
  std::string compact = password;
  compact.erase(std::remove(compact.begin(), compact.end(), '-'), compact.end());
  EXPECT_EQ(Propfind(compact), 207) << "typed without hyphens";

  WebPage listed = b.Get(kApps);
  EXPECT_EQ(listed.body.find(password), std::string::npos) << "shown once";
  EXPECT_EQ(listed.body.find("nouveau-mot-de-passe"), std::string::npos);
  EXPECT_NE(listed.body.find(">127.0.0.1</td>"), std::string::npos) << "last use address";
  EXPECT_EQ(Count(listed.body, "<td>jamais</td>"), 0u) << "last use date shown";

  WebPage taken = b.Post(kApps, {{"nom", "Thunderbird du bureau"}});
  EXPECT_EQ(taken.status, 409);
  EXPECT_NE(taken.body.find("class=\"erreur\""), std::string::npos);
  EXPECT_EQ(b.Post(kApps, {{"nom", "   "}}).status, 400);

  WebPage revoked = b.Post(std::string(kApps) + "/revoquer", {{"nom", "Thunderbird du bureau"}});
  EXPECT_EQ(revoked.status, 303);
  EXPECT_EQ(revoked.Location(), std::string(kApps) + "?info=app-password-revoked");
  EXPECT_EQ(Propfind(password), 401) << "revoked: refused at once";
  WebPage after = b.Get(revoked.Location());
  EXPECT_EQ(after.body.find(">Thunderbird du bureau</td>"), std::string::npos);
  EXPECT_NE(after.body.find("class=\"info\""), std::string::npos);
  EXPECT_EQ(b.Post(std::string(kApps) + "/revoquer", {{"nom", "Thunderbird du bureau"}}).status,
            404);
}

TEST_F(OtpAppPasswordTest, AppPasswordsPerAccountAreBoundedByConfig) {
  Start([](server::Config& c) { c.max_app_passwords = 2; });
  WebClient b = SignedIn();
  EXPECT_EQ(b.Post(kApps, {{"nom", "a"}}).status, 200);
  EXPECT_EQ(b.Post(kApps, {{"nom", "b"}}).status, 200);
  WebPage third = b.Post(kApps, {{"nom", "c"}});
  EXPECT_EQ(third.status, 409);
  EXPECT_NE(third.body.find("nombre maximal"), std::string::npos);
  EXPECT_EQ(accounts().ListAppPasswords(Alice().id)->size(), 2u);
  nlohmann::json j = nlohmann::json::parse(
      b.Json("POST", "/api/v1/me/app-passwords", R"({"name":"c"})").body, nullptr, false);
  EXPECT_EQ(j.value("error", ""), "too-many");
}

TEST_F(OtpAppPasswordTest, JsonApiListsCreatesAndRevokes) {
  WebClient b = SignedIn();
  const std::string api = "/api/v1/me/app-passwords";
  WebPage empty = b.Json("GET", api);
  ASSERT_EQ(empty.status, 200) << empty.body;
  EXPECT_EQ(nlohmann::json::parse(empty.body)["app_passwords"].size(), 0u);

  WebPage no_token = b.Json("POST", api, R"({"name":"Téléphone"})", {}, /*with_csrf=*/false);
  EXPECT_EQ(no_token.status, 403) << "a cookie request changing state needs X-CSRF-Token";
  WebPage created = b.Json("POST", api, R"({"name":"Téléphone"})");
  ASSERT_EQ(created.status, 201) << created.body;
  nlohmann::json c = nlohmann::json::parse(created.body);
  EXPECT_EQ(c["name"], "Téléphone");
  const std::string password = c["password"];
  EXPECT_TRUE(std::regex_match(password, std::regex("([a-z2-7]{4}-){3}[a-z2-7]{4}")));
  EXPECT_TRUE(c["last_used_at"].is_null());
  EXPECT_EQ(Propfind(password), 207);

  WebPage list = b.Json("GET", api);
  nlohmann::json l = nlohmann::json::parse(list.body);
  ASSERT_EQ(l["app_passwords"].size(), 1u);
  EXPECT_EQ(l["app_passwords"][0]["name"], "Téléphone");
  EXPECT_EQ(l["app_passwords"][0]["last_used_address"], "127.0.0.1");
  EXPECT_TRUE(l["app_passwords"][0]["last_used_at"].is_string());
  EXPECT_EQ(list.body.find(password), std::string::npos);

  WebPage taken = b.Json("POST", api, R"({"name":"Téléphone"})");
  EXPECT_EQ(taken.status, 409);
  EXPECT_EQ(nlohmann::json::parse(taken.body)["error"], "name-taken");
  WebPage bad = b.Json("POST", api, R"({"name":"a\nb"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(nlohmann::json::parse(bad.body)["error"], "invalid-name");
  EXPECT_EQ(b.Json("POST", api, R"({"nom":"x"})").status, 400);

  // HTTP Basic (the webmail's other way in) needs no CSRF token.
  testlib::Reply basic = server_->Request("GET", api, "", {}, "alice", kPassword);
  EXPECT_EQ(basic.status, 200) << basic.body;

  EXPECT_EQ(b.Json("DELETE", api + "?name=T%C3%A9l%C3%A9phone").status, 204);
  EXPECT_EQ(Propfind(password), 401);
  EXPECT_EQ(b.Json("DELETE", api + "?name=T%C3%A9l%C3%A9phone").status, 404);
  EXPECT_EQ(b.Json("DELETE", api).status, 400);
}

}  // namespace
}  // namespace cartable
