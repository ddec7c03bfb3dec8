// The self-service pages over HTTP (issue 11): activation, blocked account, forgotten login,
// forgotten password with the link received by a real SMTP server on loopback
// (tests/clients/smtp_sink.py), backup address confirmation, and the rate limit of every step
// (429 + Retry-After, per client address and per identity).
#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "directory/password.h"
#include "directory/secret_key.h"
#include "tests/testlib/raw_client.h"
#include "tests/testlib/smtp_sink.h"
#include "tests/testlib/test_server.h"

namespace cartable {
namespace {

using testlib::RawClient;
using testlib::RawResponse;
using testlib::TestServer;
using Fields = std::vector<std::pair<std::string, std::string>>;

constexpr const char* kNumen = "12E3456789ABC";
constexpr const char* kOld = "Ancienne phrase de passe 2025 !";
constexpr const char* kNew = "Quatre chevaux blancs courent vite !";
constexpr const char* kPublic = "http://agenda.ac-test.fr";

unsigned g_relay_port = 0;
void UseRelay(server::Config& c) {
  c.smtp.host = "127.0.0.1";
  c.smtp.port = g_relay_port;
  c.smtp.tls = server::SmtpSettings::Tls::kNone;
  c.smtp.connect_timeout_seconds = 5;
  c.smtp.timeout_seconds = 20;
  c.public_url = kPublic;
}
void TwoPerHour(server::Config& c) { c.self_service_per_hour = 2; }

bool WaitFor(const std::function<bool()>& pred, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

std::string FormEncode(const Fields& fields) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (const auto& [name, value] : fields) {
    if (!out.empty()) out += '&';
    for (const std::string* s : {&name, &value}) {
      for (unsigned char ch : *s) {
        if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
          out += static_cast<char>(ch);
        } else {
          out += '%';
          out += kHex[ch >> 4];
          out += kHex[ch & 15];
        }
      }
      if (s == &name) out += '=';
    }
  }
  return out;
}

// Quoted-printable undone (soft line breaks dropped, =XX decoded).
std::string DecodeQp(const std::string& in) {
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '=') {
      out.push_back(in[i]);
    } else if (in.compare(i + 1, 2, "\r\n") == 0) {
      i += 2;
    } else if (i + 2 < in.size() && std::isxdigit(static_cast<unsigned char>(in[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(in[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(in.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back('=');  // not an escape (an encoded-word in a header)
    }
  }
  return out;
}

// The local path of the link to kPublic in a mail ("" if none).
std::string LinkIn(const std::string& eml) {
  std::string body = DecodeQp(eml.substr(eml.find("\r\n\r\n") + 4));
  size_t at = body.find(kPublic);
  if (at == std::string::npos) return "";
  at += std::string(kPublic).size();
  return body.substr(at, body.find_first_of(" \r\n", at) - at);
}

// A browser without JavaScript: keeps cookies, sends the form's CSRF token, from one client
// address (127.0.0.x on the loopback).
class Browser {
 public:
  explicit Browser(TestServer& server, std::string source = "")
      : server_(server), source_(std::move(source)) {}

  RawResponse Get(const std::string& path) { return Send("GET", path, "", ""); }
  // POSTs `fields` plus the CSRF token of the last page shown.
  RawResponse Post(const std::string& path, Fields fields) {
    fields.emplace_back("csrf", csrf_);
    return Send("POST", path, FormEncode(fields), "application/x-www-form-urlencoded");
  }
  RawResponse PostJson(const std::string& path, const std::string& json) {
    return Send("POST", path, json, "application/json");
  }
  bool HasCookie(const std::string& name) const { return cookies_.count(name) > 0; }

 private:
  RawResponse Send(const std::string& method, const std::string& path, const std::string& body,
                   const std::string& type) {
    RawClient client(server_.port(), std::chrono::milliseconds(20000), "127.0.0.1", source_);
    std::string req = method + " " + path +
                      " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(server_.port()) +
                      "\r\nConnection: close\r\n";
    if (!type.empty()) req += "Content-Type: " + type + "\r\n";
    std::string jar;
    for (const auto& [name, value] : cookies_)
      jar += (jar.empty() ? "" : "; ") + name + "=" + value;
    if (!jar.empty()) req += "Cookie: " + jar + "\r\n";
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    std::optional<RawResponse> r = client.RoundTrip(req);
    if (!r) {
      ADD_FAILURE() << "no response to " << method << " " << path;
      return {};
    }
    for (const auto& [name, value] : r->headers) {
      if (!http::EqualsIgnoreCase(name, "Set-Cookie")) continue;
      std::string pair = value.substr(0, value.find(';'));
      size_t eq = pair.find('=');
      std::string cookie = pair.substr(0, eq), content = pair.substr(eq + 1);
      if (content.empty() || value.find("Max-Age=0") != std::string::npos) {
        cookies_.erase(cookie);
      } else {
        cookies_[cookie] = content;
      }
    }
    const std::string marker = "name=\"csrf\" value=\"";
    if (size_t at = r->body.find(marker); at != std::string::npos) {
      at += marker.size();
      csrf_ = r->body.substr(at, r->body.find('"', at) - at);
    }
    return *r;
  }

  TestServer& server_;
  std::string source_;
  std::map<std::string, std::string> cookies_;
  std::string csrf_;
};

class SelfServiceHttpTest : public ::testing::Test {
 protected:
  // The server's own key (the App created it in the data directory at start).
  directory::SecretKey Key(TestServer& s) {
    Result<directory::SecretKey> key =
        directory::SecretKey::LoadOrCreate(s.data_dir() + "/secret.key");
    EXPECT_TRUE(key.ok()) << key.status().ToString();
    return *key;
  }

  // An imported person without a password: a directory entry with the identity hashes.
  store::Id AddPerson(TestServer& s, const std::string& login, const std::string& nom,
                      const std::string& numen) {
    store::Session& session = s.store().ThreadSession();
    store::User u;
    u.login = login;
    u.email = login + "@ac-orleans-tours.fr";
    u.display_name = "Personne " + nom;
    Result<store::Id> id = session.CreateUser(u);
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    directory::SecretKey key = Key(s);
    store::DirectoryEntry e;
    e.source_key = "numen:" + key.Hash("numen", directory::NormalNumen(numen));
    e.user_id = *id;
    e.card_uid = "urn:uuid:" + login;
    e.nom = nom;
    e.prenom = "Personne";
    e.email = u.email;
    e.numen_hash = key.Hash("numen", directory::NormalNumen(numen));
    e.birth_hash = key.Hash("birth", "1980-05-17");
    EXPECT_TRUE(session.PutDirectoryEntry(e).ok());
    return *id;
  }

  size_t QueuedMail(TestServer& s) {
    auto q = s.store().ThreadSession().DueMail(std::numeric_limits<store::UnixTime>::max(), 100);
    return q.ok() ? q->size() : 0;
  }

  // The Basic credentials open the DAV root.
  int Propfind(TestServer& s, const std::string& login, const std::string& password) {
    return s.Request("PROPFIND", "/dav/", "", {{"Depth", "0"}}, login, password).status;
  }
};

TEST_F(SelfServiceHttpTest, ResetLinkArrivesByMailWorksOnceAndEndsSessions) {
  testlib::SmtpSink sink;
  g_relay_port = sink.WaitForPort();
  ASSERT_NE(g_relay_port, 0u) << "the SMTP sink did not start";
  TestServer s(UseRelay);
  s.AddUser("jlabert", kOld, "Jean Labert", "jean.labert@ac-orleans-tours.fr");

  // Jean signs in and registers a personal backup address.
  Browser jean(s);
  jean.Get("/connexion");
  RawResponse signed_in =
      jean.Post("/connexion", {{"identifiant", "jlabert"}, {"mot_de_passe", kOld}});
  ASSERT_EQ(signed_in.status, 303) << signed_in.body;
  Browser anonymous(s);
  RawResponse gated = anonymous.Get("/compte/adresse-secours");
  EXPECT_EQ(gated.status, 303);
  // Redirects name [server] public_url (server/forwarded.h).
  EXPECT_EQ(gated.Header("Location").value_or("").rfind(std::string(kPublic) + "/connexion", 0),
            0u);
  ASSERT_EQ(jean.Get("/compte/adresse-secours").status, 200);
  RawResponse invalid = jean.Post("/compte/adresse-secours", {{"adresse", "jean@perso"}});
  EXPECT_EQ(invalid.status, 400);
  EXPECT_NE(invalid.body.find("pas valide"), std::string::npos) << invalid.body;
  RawResponse asked = jean.Post("/compte/adresse-secours", {{"adresse", "Jean.Perso@Example.org"}});
  ASSERT_EQ(asked.status, 303) << asked.body;
  EXPECT_EQ(asked.Header("Location").value_or(""),
            std::string(kPublic) + "/compte/adresse-secours?info=backup-email-sent");
  RawResponse pending = jean.Get("/compte/adresse-secours?info=backup-email-sent");
  EXPECT_NE(pending.body.find("lien de confirmation a été envoyé"), std::string::npos)
      << pending.body;
  ASSERT_TRUE(WaitFor([&] { return sink.Stored(1); }, std::chrono::seconds(10)));
  const std::string confirmation = testlib::ReadFile(sink.Message(1, ".eml"));
  EXPECT_NE(testlib::ReadFile(sink.Message(1, ".json")).find("[\"jean.perso@example.org\"]"),
            std::string::npos);
  const std::string confirm_link = LinkIn(confirmation);
  ASSERT_EQ(confirm_link.rfind("/compte/adresse-secours/confirmer?jeton=", 0), 0u) << confirmation;

  // The link is opened from the mailbox, on another device.
  Browser phone(s);
  RawResponse confirmed = phone.Get(confirm_link);
  EXPECT_EQ(confirmed.status, 200) << confirmed.body;
  EXPECT_NE(confirmed.body.find("adresse de secours est confirmée"), std::string::npos);
  EXPECT_EQ(phone.Get(confirm_link).status, 400) << "a confirmation link works once";

  // Later, Jean has forgotten the password.
  Browser forgot(s);
  forgot.Get("/mot-de-passe-oublie");
  RawResponse requested = forgot.Post("/mot-de-passe-oublie", {{"identifiant", "JLabert"}});
  EXPECT_EQ(requested.status, 200) << requested.body;
  ASSERT_TRUE(WaitFor([&] { return sink.Stored(2); }, std::chrono::seconds(10)));
  const std::string eml = testlib::ReadFile(sink.Message(2, ".eml"));
  EXPECT_NE(testlib::ReadFile(sink.Message(2, ".json")).find("[\"jean.perso@example.org\"]"),
            std::string::npos);
  EXPECT_NE(eml.find("Subject: =?UTF-8?"), std::string::npos) << eml;
  EXPECT_NE(eml.find("Content-Type: text/plain; charset=utf-8"), std::string::npos);
  EXPECT_NE(eml.find("Date: "), std::string::npos);
  EXPECT_NE(eml.find("Message-Id: <"), std::string::npos);
  const std::string link = LinkIn(eml);
  ASSERT_EQ(link.rfind("/reinitialisation?jeton=", 0), 0u) << eml;

  Browser reset(s);
  RawResponse no_token = reset.Get("/reinitialisation");
  EXPECT_EQ(no_token.status, 400);
  EXPECT_EQ(no_token.body.find("name=\"jeton\""), std::string::npos);
  RawResponse form = reset.Get(link);
  ASSERT_EQ(form.status, 200) << form.body;
  const std::string token = link.substr(link.find('=') + 1);
  EXPECT_NE(form.body.find("value=\"" + token + "\""), std::string::npos) << "hidden jeton";
  RawResponse mismatch =
      reset.Post("/reinitialisation", {{"jeton", token}, {"nouveau", kNew}, {"confirmation", "x"}});
  EXPECT_EQ(mismatch.status, 400);
  RawResponse done = reset.Post("/reinitialisation",
                                {{"jeton", token}, {"nouveau", kNew}, {"confirmation", kNew}});
  ASSERT_EQ(done.status, 303) << done.body;
  EXPECT_EQ(done.Header("Location").value_or(""),
            std::string(kPublic) + "/connexion?info=password-reset");
  RawResponse again = reset.Post("/reinitialisation",
                                 {{"jeton", token}, {"nouveau", kOld}, {"confirmation", kOld}});
  EXPECT_EQ(again.status, 400);
  EXPECT_NE(again.body.find("plus valable"), std::string::npos) << again.body;
  EXPECT_EQ(again.body.find("name=\"jeton\""), std::string::npos) << "no form for a dead link";

  // The session opened before the reset is gone; the new password signs in, the old one not.
  EXPECT_EQ(jean.Get("/compte").status, 303);
  Browser after(s);
  after.Get("/connexion");
  EXPECT_EQ(after.Post("/connexion", {{"identifiant", "jlabert"}, {"mot_de_passe", kNew}}).status,
            303);
  EXPECT_EQ(Propfind(s, "jlabert", kNew), 207);
  EXPECT_EQ(Propfind(s, "jlabert", kOld), 401);
}

TEST_F(SelfServiceHttpTest, UnknownLoginGetsTheSameAnswerAndNoMail) {
  testlib::SmtpSink sink;
  g_relay_port = sink.WaitForPort();
  ASSERT_NE(g_relay_port, 0u) << "the SMTP sink did not start";
  TestServer s(UseRelay);
  s.AddUser("jlabert", kOld, "Jean Labert", "jean.labert@ac-orleans-tours.fr");  // no backup
  Browser b(s);
  b.Get("/mot-de-passe-oublie");
  RawResponse unknown = b.Post("/mot-de-passe-oublie", {{"identifiant", "personne"}});
  RawResponse known = b.Post("/mot-de-passe-oublie", {{"identifiant", "jlabert"}});
  EXPECT_EQ(unknown.status, 200);
  EXPECT_EQ(known.status, 200);
  EXPECT_EQ(unknown.body, known.body);
  EXPECT_NE(known.body.find("role=\"status\""), std::string::npos) << known.body;
  EXPECT_EQ(QueuedMail(s), 0u);
  EXPECT_FALSE(sink.Stored(1));
}

TEST_F(SelfServiceHttpTest, ActivationFormSetsThePassword) {
  TestServer s;
  AddPerson(s, "mlefevre", "Lefèvre", kNumen);
  Browser b(s);
  RawResponse page = b.Get("/activation");
  ASSERT_EQ(page.status, 200);
  for (const char* field : {"identifiant", "date_naissance", "nom", "nouveau", "confirmation"}) {
    EXPECT_NE(page.body.find("<label for=\"" + std::string(field) + "\""), std::string::npos)
        << field;
  }
  Fields wrong = {{"identifiant", "12e3456789abc"},
                  {"date_naissance", "17/05/1980"},
                  {"nom", "Lefebvre"},
                  {"nouveau", kNew},
                  {"confirmation", kNew}};
  RawResponse refused = b.Post("/activation", wrong);
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(refused.body.find("class=\"erreur\""), std::string::npos) << refused.body;
  EXPECT_NE(refused.body.find("ne correspondent"), std::string::npos) << refused.body;
  EXPECT_EQ(Propfind(s, "mlefevre", kNew), 401);

  Fields right = wrong;
  right[2].second = "LEFEVRE";
  RawResponse done = b.Post("/activation", right);
  ASSERT_EQ(done.status, 303) << done.body;
  EXPECT_EQ(done.Header("Location").value_or(""), "/connexion?info=activated");
  EXPECT_EQ(Propfind(s, "mlefevre", kNew), 207);
  RawResponse twice = b.Post("/activation", right);
  EXPECT_EQ(twice.status, 409);
  EXPECT_NE(twice.body.find("déjà un mot de passe personnel"), std::string::npos);
}

TEST_F(SelfServiceHttpTest, JsonActivation) {
  TestServer s;
  AddPerson(s, "mlefevre", "Lefèvre", kNumen);
  Browser b(s);
  RawResponse bad =
      b.PostJson("/api/v1/activation", "{\"numen\": \"" + std::string(kNumen) +
                                           "\", \"birth_date\": \"1980-05-18\", "
                                           "\"nom\": \"lefevre\", \"new_password\": \"" +
                                           kNew + "\"}");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("\"identity-mismatch\""), std::string::npos) << bad.body;
  RawResponse weak = b.PostJson("/api/v1/activation",
                                "{\"login\": \"mlefevre\", \"birth_date\": \"17/05/1980\", "
                                "\"nom\": \"lefevre\", \"new_password\": \"court\"}");
  EXPECT_EQ(weak.status, 400);
  EXPECT_NE(weak.body.find("\"too-short\""), std::string::npos) << weak.body;
  RawResponse ok = b.PostJson("/api/v1/activation",
                              "{\"login\": \"mlefevre\", \"birth_date\": \"17/05/1980\", "
                              "\"nom\": \"LEFÈVRE\", \"new_password\": \"" +
                                  std::string(kNew) + "\"}");
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_NE(ok.body.find("\"login\":\"mlefevre\""), std::string::npos) << ok.body;
  EXPECT_EQ(Propfind(s, "mlefevre", kNew), 207);
  RawResponse not_json = b.PostJson("/api/v1/activation", "not json");
  EXPECT_EQ(not_json.status, 400);
  EXPECT_NE(not_json.body.find("\"invalid-request\""), std::string::npos) << not_json.body;
  RawResponse not_a_date = b.PostJson("/api/v1/activation",
                                      "{\"login\": \"x\", \"birth_date\": \"hier\", "
                                      "\"nom\": \"x\", \"new_password\": \"y\"}");
  EXPECT_EQ(not_a_date.status, 400);
  EXPECT_NE(not_a_date.body.find("\"invalid-date\""), std::string::npos) << not_a_date.body;
}

TEST_F(SelfServiceHttpTest, BlockedAccountIsUnblockedByTheIdentityCheck) {
  TestServer s;
  store::Id id = AddPerson(s, "jlabert", "Labert", kNumen);
  store::Session& session = s.store().ThreadSession();
  ASSERT_TRUE(session.SetPasswordHash(id, directory::HashPassword(kOld), false).ok());
  store::UserSecurity security = *session.GetUserSecurity(id);
  security.blocked = true;
  security.temporary_locks = 4;
  ASSERT_TRUE(session.SetUserSecurity(id, security, true).ok());
  EXPECT_EQ(Propfind(s, "jlabert", kOld), 401) << "blocked";

  Browser b(s);
  ASSERT_EQ(b.Get("/compte-bloque").status, 200);
  RawResponse done = b.Post("/compte-bloque", {{"numen", kNumen},
                                               {"date_naissance", "17/05/1980"},
                                               {"nom", "labert"},
                                               {"nouveau", kNew},
                                               {"confirmation", kNew}});
  ASSERT_EQ(done.status, 303) << done.body;
  EXPECT_EQ(done.Header("Location").value_or(""), "/connexion?info=account-unblocked");
  EXPECT_FALSE(session.GetUserSecurity(id)->blocked);
  EXPECT_EQ(Propfind(s, "jlabert", kNew), 207);
}

TEST_F(SelfServiceHttpTest, ForgottenLoginPageShowsTheLogin) {
  TestServer s;
  AddPerson(s, "jlabert", "Labert", kNumen);
  Browser b(s);
  ASSERT_EQ(b.Get("/identifiant-oublie").status, 200);
  RawResponse found =
      b.Post("/identifiant-oublie", {{"numen", "12e3456789abc"}, {"date_naissance", "1980-05-17"}});
  EXPECT_EQ(found.status, 200);
  EXPECT_NE(found.body.find("<strong id=\"identifiant-retrouve\">jlabert</strong>"),
            std::string::npos)
      << found.body;
  RawResponse wrong =
      b.Post("/identifiant-oublie", {{"numen", kNumen}, {"date_naissance", "18/05/1980"}});
  EXPECT_EQ(wrong.status, 400);
  EXPECT_EQ(wrong.body.find("jlabert"), std::string::npos);
  RawResponse not_a_date =
      b.Post("/identifiant-oublie", {{"numen", kNumen}, {"date_naissance", "hier"}});
  EXPECT_EQ(not_a_date.status, 400);
  EXPECT_NE(not_a_date.body.find("JJ/MM/AAAA"), std::string::npos);
}

// [accounts] self_service_per_hour = 2: the third attempt of a step from one address gets 429
// with Retry-After, before any work (a right answer is refused too).
TEST_F(SelfServiceHttpTest, EveryStepIsRateLimitedPerAddress) {
  TestServer s(TwoPerHour);
  AddPerson(s, "jlabert", "Labert", kNumen);
  const Fields activation = {{"identifiant", "jlabert"},
                             {"date_naissance", "17/05/1980"},
                             {"nom", "Faux"},
                             {"nouveau", kNew},
                             {"confirmation", kNew}};
  struct Step {
    std::string path;
    std::vector<Fields> attempts;  // three, the last one right where it can be
  };
  const std::vector<Step> steps = {
      {"/mot-de-passe-oublie",
       {{{"identifiant", "a"}}, {{"identifiant", "b"}}, {{"identifiant", "c"}}}},
      {"/identifiant-oublie",
       {{{"numen", "X1"}, {"date_naissance", "01/01/1970"}},
        {{"numen", "X2"}, {"date_naissance", "01/01/1970"}},
        {{"numen", kNumen}, {"date_naissance", "17/05/1980"}}}},
      {"/reinitialisation",
       {{{"jeton", "a"}, {"nouveau", kNew}, {"confirmation", kNew}},
        {{"jeton", "b"}, {"nouveau", kNew}, {"confirmation", kNew}},
        {{"jeton", "c"}, {"nouveau", kNew}, {"confirmation", kNew}}}},
  };
  for (const Step& step : steps) {
    Browser b(s, "127.0.0.2");
    b.Get(step.path == "/reinitialisation" ? "/reinitialisation?jeton=a" : step.path);  // the form
    EXPECT_NE(b.Post(step.path, step.attempts[0]).status, 429) << step.path;
    EXPECT_NE(b.Post(step.path, step.attempts[1]).status, 429) << step.path;
    RawResponse third = b.Post(step.path, step.attempts[2]);
    EXPECT_EQ(third.status, 429) << step.path;
    int retry = std::stoi(third.Header("Retry-After").value_or("0"));
    EXPECT_GT(retry, 0) << step.path;
    EXPECT_LE(retry, 3600) << step.path;
    EXPECT_NE(third.body.find("Trop de tentatives"), std::string::npos) << step.path;
    EXPECT_EQ(third.body.find("identifiant-retrouve"), std::string::npos) << step.path;
  }
  // Another address is not affected.
  Browser other(s, "127.0.0.3");
  other.Get("/mot-de-passe-oublie");
  EXPECT_EQ(other.Post("/mot-de-passe-oublie", {{"identifiant", "d"}}).status, 200);
}

// The backup address: requests per account, confirmation links per address.
TEST_F(SelfServiceHttpTest, BackupAddressStepsAreRateLimited) {
  TestServer s(TwoPerHour);
  s.AddUser("jlabert", kOld, "Jean Labert", "jean.labert@ac-orleans-tours.fr");
  Browser jean(s, "127.0.0.9");
  jean.Get("/connexion");
  ASSERT_EQ(jean.Post("/connexion", {{"identifiant", "jlabert"}, {"mot_de_passe", kOld}}).status,
            303);
  jean.Get("/compte/adresse-secours");
  EXPECT_EQ(jean.Post("/compte/adresse-secours", {{"adresse", "un@example.org"}}).status, 303);
  EXPECT_EQ(jean.Post("/compte/adresse-secours", {{"adresse", "deux@example.org"}}).status, 303);
  RawResponse third = jean.Post("/compte/adresse-secours", {{"adresse", "trois@example.org"}});
  EXPECT_EQ(third.status, 429);
  EXPECT_GT(std::stoi(third.Header("Retry-After").value_or("0")), 0);
  store::Session& session = s.store().ThreadSession();
  store::Id id = session.GetUserByLogin("jlabert")->id;
  EXPECT_EQ(session.GetUserSecurity(id)->backup_email_pending, "deux@example.org");

  Browser mailbox(s, "127.0.0.10");
  EXPECT_EQ(mailbox.Get("/compte/adresse-secours/confirmer?jeton=a").status, 400);
  EXPECT_EQ(mailbox.Get("/compte/adresse-secours/confirmer?jeton=b").status, 400);
  RawResponse limited = mailbox.Get("/compte/adresse-secours/confirmer?jeton=c");
  EXPECT_EQ(limited.status, 429);
  EXPECT_GT(std::stoi(limited.Header("Retry-After").value_or("0")), 0);
}

// The identity checks count per NUMEN or login across addresses and across pages: guessing a
// birth date gets no more tries by changing address or page.
TEST_F(SelfServiceHttpTest, IdentityChecksAreRateLimitedPerIdentity) {
  TestServer s(TwoPerHour);
  store::Id id = AddPerson(s, "jlabert", "Labert", kNumen);
  Fields guess = {{"identifiant", kNumen},
                  {"date_naissance", "01/01/1970"},
                  {"nom", "Labert"},
                  {"nouveau", kNew},
                  {"confirmation", kNew}};
  Browser first(s, "127.0.0.4");
  first.Get("/activation");
  EXPECT_EQ(first.Post("/activation", guess).status, 400);
  Browser second(s, "127.0.0.5");
  second.Get("/identifiant-oublie");
  EXPECT_EQ(
      second.Post("/identifiant-oublie", {{"numen", kNumen}, {"date_naissance", "02/01/1970"}})
          .status,
      400);
  // The third try on this NUMEN, from a third address and page, with the right answers.
  Browser third(s, "127.0.0.6");
  third.Get("/compte-bloque");
  RawResponse limited = third.Post("/compte-bloque", {{"numen", kNumen},
                                                      {"date_naissance", "17/05/1980"},
                                                      {"nom", "Labert"},
                                                      {"nouveau", kNew},
                                                      {"confirmation", kNew}});
  EXPECT_EQ(limited.status, 429);
  EXPECT_GT(std::stoi(limited.Header("Retry-After").value_or("0")), 0);
  EXPECT_EQ(s.store().ThreadSession().GetUserById(id)->password_hash, "") << "nothing was set";
  // JSON gets the same limit as a code.
  Browser api(s, "127.0.0.7");
  RawResponse json = api.PostJson("/api/v1/activation",
                                  "{\"numen\": \"12e3456789abc\", \"birth_date\": \"17/05/1980\", "
                                  "\"nom\": \"Labert\", \"new_password\": \"" +
                                      std::string(kNew) + "\"}");
  EXPECT_EQ(json.status, 429);
  EXPECT_NE(json.body.find("\"rate-limited\""), std::string::npos) << json.body;
  EXPECT_GT(std::stoi(json.Header("Retry-After").value_or("0")), 0);
  // Another person is not affected.
  Browser other(s, "127.0.0.8");
  other.Get("/identifiant-oublie");
  EXPECT_EQ(other
                .Post("/identifiant-oublie",
                      {{"numen", "99X9999999XXX"}, {"date_naissance", "01/01/1970"}})
                .status,
            400);
}

}  // namespace
}  // namespace cartable
