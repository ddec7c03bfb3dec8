// Self-service steps of AccountService (directory/self_service.cc) on the real SQLite store
// with an injected clock: activation and the "compte bloqué" identity check, forgotten login,
// reset links (single use, expiry, replacement, same answer for unknown accounts), backup
// address confirmation, and what the queued mail and the audit log hold.
#include <gtest/gtest.h>

#include <cctype>
#include <limits>
#include <string>
#include <vector>

#include "directory/account_mail.h"
#include "directory/account_service.h"
#include "directory/password.h"
#include "directory/secret_key.h"
#include "tests/testlib/temp_store.h"

namespace cartable::directory {
namespace {

constexpr const char* kNumen = "12E3456789ABC";
constexpr const char* kBirth = "1980-05-17";
constexpr const char* kStrong = "Quatre chevaux blancs courent vite !";
constexpr const char* kStronger = "Le héron au long bec emmanché d'un long cou";

// Quoted-printable (RFC 2045 §6.7) undone: soft line breaks dropped, =XX decoded.
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

// The token of the first "jeton=" link in a mail's decoded body ("" if none).
std::string TokenIn(const std::string& message) {
  std::string body = DecodeQp(message.substr(message.find("\r\n\r\n") + 4));
  size_t at = body.find("jeton=");
  if (at == std::string::npos) return "";
  size_t end = body.find_first_of(" \r\n", at);
  return body.substr(at + 6, end - at - 6);
}

class SelfServiceTest : public ::testing::Test {
 protected:
  SelfServiceTest() : service_(*store_, key_, Options(), [this] { return now_; }) {
    service_.SetMailCommitted([this] { ++woken_; });
  }

  static AccountOptions Options() {
    AccountOptions o;
    o.public_url = "https://agenda.ac-test.fr/";
    o.mail_domain = "ac-test.fr";
    return o;
  }

  store::Session& session() { return store_->ThreadSession(); }

  // An account with its directory entry: identity hashes as the import stores them. `password`
  // "" = none; `initial` = an imported NUMEN password that must be changed.
  store::Id AddPerson(const std::string& login, const std::string& nom, const std::string& numen,
                      const std::string& birth_iso, const std::string& password, bool initial) {
    store::User u;
    u.login = login;
    u.email = login + "@ac-test.fr";
    u.display_name = "Personne " + nom;
    u.password_hash = password.empty() ? "" : HashPassword(password, HashStrength::kTemporary);
    u.must_change_password = initial;
    u.created_at = now_;
    Result<store::Id> id = session().CreateUser(u);
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    store::DirectoryEntry e;
    e.source_key = "numen:" + key_.Hash("numen", NormalNumen(numen));
    e.user_id = *id;
    e.card_uid = "urn:uuid:" + login;
    e.nom = nom;
    e.prenom = "Personne";
    e.email = u.email;
    e.updated_at = now_;
    e.numen_hash = key_.Hash("numen", NormalNumen(numen));
    e.birth_hash = key_.Hash("birth", *NormalBirthDate(birth_iso));
    EXPECT_TRUE(session().PutDirectoryEntry(e).ok());
    return *id;
  }

  store::User User(store::Id id) { return *session().GetUserById(id); }
  store::UserSecurity Security(store::Id id) { return *session().GetUserSecurity(id); }

  void SetBackup(store::Id id, const std::string& address) {
    store::UserSecurity s = Security(id);
    s.backup_email = address;
    ASSERT_TRUE(session().SetUserSecurity(id, s, false).ok());
  }

  std::vector<store::QueuedMail> Mail() {
    Result<std::vector<store::QueuedMail>> q =
        session().DueMail(std::numeric_limits<store::UnixTime>::max(), 1000);
    EXPECT_TRUE(q.ok());
    return q.ok() ? *q : std::vector<store::QueuedMail>{};
  }

  std::vector<store::AuditEntry> AuditLog() {
    store::AuditQuery q;
    return *session().ListAudit(q);
  }
  std::vector<std::string> Events(store::Id user_id) {
    std::vector<std::string> out;
    for (const store::AuditEntry& e : AuditLog()) {
      if (e.user_id == user_id) out.push_back(e.event);
    }
    return out;
  }

  // The reset link token of the newest queued mail.
  std::string NewestToken() {
    std::vector<store::QueuedMail> mail = Mail();
    return mail.empty() ? "" : TokenIn(mail.back().message);
  }

  testlib::TempStore store_;
  SecretKey key_ = SecretKey::FromBytes(std::string(32, 'k'));
  store::UnixTime now_ = 1'800'000'000;
  int woken_ = 0;
  AccountService service_;
  const ClientInfo client_{"192.0.2.7", "Firefox"};
};

TEST_F(SelfServiceTest, ActivatesIgnoringAccentsCaseAndDateFormat) {
  store::Id id = AddPerson("mlefevre", "Lefèvre-Dupré", kNumen, kBirth, "", false);
  Result<store::User> user =
      service_.Activate(" 12e3 4567 89abc ", "17/05/1980", "LEFEVRE dupre", kStrong, client_);
  ASSERT_TRUE(user.ok()) << user.status().ToString();
  EXPECT_EQ(user->id, id);
  EXPECT_TRUE(VerifyPassword(User(id).password_hash, kStrong));
  EXPECT_FALSE(User(id).must_change_password);
  EXPECT_EQ(Security(id).password_changed_at, now_);
  EXPECT_EQ(Events(id), std::vector<std::string>{"activated"});
}

TEST_F(SelfServiceTest, ActivatesByLoginAndReplacesTheInitialPassword) {
  store::Id id = AddPerson("jlabert", "Labert", kNumen, kBirth, kNumen, true);
  Result<store::User> user = service_.Activate("JLabert", "1980-05-17", "labert", kStrong, client_);
  ASSERT_TRUE(user.ok()) << user.status().ToString();
  EXPECT_TRUE(VerifyPassword(User(id).password_hash, kStrong));
  EXPECT_FALSE(VerifyPassword(User(id).password_hash, kNumen));
  EXPECT_FALSE(User(id).must_change_password);
}

TEST_F(SelfServiceTest, WrongBirthDateOrNameIsRefusedAndChangesNothing) {
  store::Id id = AddPerson("jlabert", "Labert", kNumen, kBirth, "", false);
  for (auto [date, nom] :
       std::vector<std::pair<std::string, std::string>>{{"18/05/1980", "Labert"},   // wrong day
                                                        {"31/02/1980", "Labert"},   // not a date
                                                        {"", "Labert"},             // missing
                                                        {"17/05/1980", "Lambert"},  // wrong name
                                                        {"17/05/1980", ""}}) {
    Result<store::User> user = service_.Activate(kNumen, date, nom, kStrong, client_);
    ASSERT_FALSE(user.ok()) << date << " " << nom;
    EXPECT_EQ(user.status().code(), Status::Code::kBadRequest);
    EXPECT_EQ(user.status().message(), AccountError::kIdentityMismatch) << date << " " << nom;
  }
  EXPECT_FALSE(service_.Activate("99X9999999XXX", "17/05/1980", "Labert", kStrong, client_).ok());
  EXPECT_EQ(User(id).password_hash, "");
  EXPECT_EQ(Events(id), std::vector<std::string>(5, "activation-failed"));
  // Never the typed NUMEN or birth date in the log, even for an unknown NUMEN.
  for (const store::AuditEntry& e : AuditLog()) {
    for (const std::string& field : {e.login, e.detail}) {
      EXPECT_EQ(field.find("9999"), std::string::npos) << field;
      EXPECT_EQ(field.find("3456789"), std::string::npos) << field;
      EXPECT_EQ(field.find("1980"), std::string::npos) << field;
    }
  }
}

TEST_F(SelfServiceTest, DisabledAccountIsNotActivated) {
  store::Id id = AddPerson("jlabert", "Labert", kNumen, kBirth, "", false);
  store::User u = User(id);
  u.state = store::UserState::kDisabled;
  ASSERT_TRUE(session().UpdateUser(u).ok());
  Result<store::User> user = service_.Activate(kNumen, kBirth, "Labert", kStrong, client_);
  ASSERT_FALSE(user.ok());
  EXPECT_EQ(user.status().message(), AccountError::kIdentityMismatch);
}

TEST_F(SelfServiceTest, AccountWithPersonalPasswordIsAlreadyActive) {
  store::Id id = AddPerson("jlabert", "Labert", kNumen, kBirth, "", false);
  ASSERT_TRUE(session().SetPasswordHash(id, HashPassword(kStronger), false).ok());
  const std::string before = User(id).password_hash;
  Result<store::User> user = service_.Activate(kNumen, kBirth, "Labert", kStrong, client_);
  ASSERT_FALSE(user.ok());
  EXPECT_EQ(user.status().message(), AccountError::kAlreadyActive);
  EXPECT_EQ(User(id).password_hash, before);
}

TEST_F(SelfServiceTest, PolicyRefusalStoresNothing) {
  store::Id id = AddPerson("jlabert", "Labert", kNumen, kBirth, "", false);
  Result<store::User> user = service_.Activate(kNumen, kBirth, "Labert", "court", client_);
  ASSERT_FALSE(user.ok());
  EXPECT_EQ(user.status().message(), "too-short");
  EXPECT_EQ(User(id).password_hash, "");
  EXPECT_EQ(Events(id), std::vector<std::string>{"activation-failed"});
}

TEST_F(SelfServiceTest, BlockedAccountIsUnblockedByTheIdentityCheck) {
  store::Id id = AddPerson("jlabert", "Labert", kNumen, kBirth, "", false);
  ASSERT_TRUE(session().SetPasswordHash(id, HashPassword(kStronger), false).ok());
  store::UserSecurity s = Security(id);
  s.blocked = true;
  s.temporary_locks = 4;
  s.locked_until = now_ + 600;
  ASSERT_TRUE(session().SetUserSecurity(id, s, true).ok());
  ASSERT_TRUE(session().AddAuthFailure(id, {now_ - 10, "f1", "198.51.100.1"}).ok());
  store::WebSession web;
  web.token_hash = "old-session";
  web.user_id = id;
  web.csrf_token = "c";
  web.created_at = web.last_seen_at = now_;
  ASSERT_TRUE(session().CreateWebSession(web).ok());
  const int64_t version = User(id).credential_version;

  Result<store::User> user = service_.Activate(kNumen, "17/5/1980", "LABERT", kStrong, client_);
  ASSERT_TRUE(user.ok()) << user.status().ToString();
  store::UserSecurity after = Security(id);
  EXPECT_FALSE(after.blocked);
  EXPECT_EQ(after.temporary_locks, 0);
  EXPECT_EQ(after.locked_until, 0);
  EXPECT_TRUE(session().AuthFailuresSince(id, 0)->empty());
  EXPECT_TRUE(session().ListWebSessions(id)->empty());
  EXPECT_GT(User(id).credential_version, version);
  EXPECT_TRUE(VerifyPassword(User(id).password_hash, kStrong));
  EXPECT_EQ(Events(id), (std::vector<std::string>{"unlocked", "activated", "sessions-ended"}));
}

TEST_F(SelfServiceTest, ForgottenLoginNeedsNumenAndBirthDate) {
  AddPerson("jlabert", "Labert", kNumen, kBirth, "", false);
  Result<std::string> login = service_.ForgottenLogin("12e3456789abc", "17/05/1980", client_);
  ASSERT_TRUE(login.ok()) << login.status().ToString();
  EXPECT_EQ(*login, "jlabert");
  Result<std::string> wrong = service_.ForgottenLogin(kNumen, "17/05/1981", client_);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().message(), AccountError::kIdentityMismatch);
  // The login itself does not stand in for the NUMEN here.
  EXPECT_FALSE(service_.ForgottenLogin("jlabert", "17/05/1980", client_).ok());
}

TEST_F(SelfServiceTest, ResetLinkIsMailedAndWorksOnce) {
  store::Id id = AddPerson("jlabert", "Labert", kNumen, kBirth, kStronger, false);
  SetBackup(id, "jean.perso@example.org");
  ASSERT_TRUE(service_.RequestPasswordReset("JLabert", client_).ok());
  std::vector<store::QueuedMail> mail = Mail();
  ASSERT_EQ(mail.size(), 1u);
  EXPECT_EQ(mail[0].recipient, "jean.perso@example.org");
  EXPECT_EQ(mail[0].envelope_from, "noreply@ac-test.fr");
  EXPECT_EQ(woken_, 1);
  const std::string token = TokenIn(mail[0].message);
  ASSERT_GE(token.size(), 32u);
  EXPECT_NE(
      DecodeQp(mail[0].message).find("https://agenda.ac-test.fr/reinitialisation?jeton=" + token),
      std::string::npos);
  EXPECT_EQ(mail[0].message.find(token), std::string::npos)
      << "quoted-printable encodes the '=' before the token";

  // Signed-in devices and locks go with the reset.
  store::UserSecurity s = Security(id);
  s.locked_until = now_ + 900;
  s.temporary_locks = 1;
  ASSERT_TRUE(session().SetUserSecurity(id, s, true).ok());
  now_ += 60;
  ASSERT_TRUE(service_.ResetPassword(token, kStrong, client_).ok());
  EXPECT_TRUE(VerifyPassword(User(id).password_hash, kStrong));
  EXPECT_EQ(Security(id).locked_until, 0);
  EXPECT_EQ(Security(id).temporary_locks, 0);
  Status again = service_.ResetPassword(token, "Encore un autre mot de passe solide", client_);
  EXPECT_EQ(again.message(), AccountError::kInvalidLink);
  EXPECT_TRUE(VerifyPassword(User(id).password_hash, kStrong));
  EXPECT_EQ(Events(id),
            (std::vector<std::string>{"password-reset-requested", "unlocked", "password-reset"}));
  // The token is stored only as its keyed hash: the audit log never shows it.
  for (const store::AuditEntry& e : AuditLog()) {
    EXPECT_EQ(e.detail.find(token), std::string::npos);
  }
}

TEST_F(SelfServiceTest, ResetLinkExpiresAfterItsLifetime) {
  store::Id id = AddPerson("jlabert", "Labert", kNumen, kBirth, kStronger, false);
  SetBackup(id, "jean.perso@example.org");
  ASSERT_TRUE(service_.RequestPasswordReset("jlabert", client_).ok());
  const std::string late = NewestToken();
  now_ += 30 * 60 + 1;
  EXPECT_EQ(service_.ResetPassword(late, kStrong, client_).message(), AccountError::kInvalidLink);

  ASSERT_TRUE(service_.RequestPasswordReset("jlabert", client_).ok());
  const std::string in_time = NewestToken();
  now_ += 29 * 60;
  EXPECT_TRUE(service_.ResetPassword(in_time, kStrong, client_).ok());
}

TEST_F(SelfServiceTest, NewRequestReplacesOlderLinksAndRefusedPasswordKeepsTheLink) {
  store::Id id = AddPerson("jlabert", "Labert", kNumen, kBirth, kStronger, false);
  SetBackup(id, "jean.perso@example.org");
  ASSERT_TRUE(service_.RequestPasswordReset("jlabert", client_).ok());
  const std::string first = NewestToken();
  ASSERT_TRUE(service_.RequestPasswordReset("jlabert@ac-test.fr", client_).ok());  // by e-mail
  const std::string second = NewestToken();
  ASSERT_NE(first, second);
  EXPECT_EQ(service_.ResetPassword(first, kStrong, client_).message(), AccountError::kInvalidLink);
  // The policy refuses: the link is still good for another try.
  EXPECT_EQ(service_.ResetPassword(second, "court", client_).message(), "too-short");
  EXPECT_TRUE(service_.ResetPassword(second, kStrong, client_).ok());
}

TEST_F(SelfServiceTest, UnknownOrUnreachableAccountGetsTheSameAnswerAndNoMail) {
  store::Id id = AddPerson("jlabert", "Labert", kNumen, kBirth, kStronger, false);
  EXPECT_TRUE(service_.RequestPasswordReset("nobody", client_).ok());
  EXPECT_TRUE(service_.RequestPasswordReset("nobody@ac-test.fr", client_).ok());
  EXPECT_TRUE(service_.RequestPasswordReset("jlabert", client_).ok());  // no backup address
  store::UserSecurity s = Security(id);
  s.backup_email_pending = "jean.perso@example.org";  // never confirmed: not used
  ASSERT_TRUE(session().SetUserSecurity(id, s, false).ok());
  EXPECT_TRUE(service_.RequestPasswordReset("jlabert", client_).ok());
  EXPECT_TRUE(Mail().empty());
  EXPECT_EQ(woken_, 0);
  std::vector<store::AuditEntry> log = AuditLog();
  ASSERT_EQ(log.size(), 4u);
  EXPECT_EQ(log[0].event, "password-reset-requested");
  EXPECT_EQ(log[0].user_id, 0);
  EXPECT_EQ(log[0].login, "nobody");
}

TEST_F(SelfServiceTest, BackupAddressIsUsedOnceConfirmed) {
  store::Id id = AddPerson("jlabert", "Labert", kNumen, kBirth, kStronger, false);
  EXPECT_EQ(service_.RequestBackupEmail(id, "pas une adresse", client_).message(),
            AccountError::kInvalidAddress);
  EXPECT_EQ(service_.RequestBackupEmail(id, "a@b", client_).message(),
            AccountError::kInvalidAddress);
  ASSERT_TRUE(service_.RequestBackupEmail(id, " Jean.Perso@Example.ORG ", client_).ok());
  EXPECT_EQ(Security(id).backup_email, "");
  EXPECT_EQ(Security(id).backup_email_pending, "jean.perso@example.org");
  std::vector<store::QueuedMail> mail = Mail();
  ASSERT_EQ(mail.size(), 1u);
  EXPECT_EQ(mail[0].recipient, "jean.perso@example.org");
  EXPECT_NE(DecodeQp(mail[0].message)
                .find("https://agenda.ac-test.fr/compte/adresse-secours/confirmer?jeton="),
            std::string::npos);
  const std::string token = TokenIn(mail[0].message);

  // Not yet confirmed: no reset mail.
  ASSERT_TRUE(service_.RequestPasswordReset("jlabert", client_).ok());
  EXPECT_EQ(Mail().size(), 1u);

  EXPECT_EQ(service_.ConfirmBackupEmail("faux", client_).message(), AccountError::kInvalidLink);
  ASSERT_TRUE(service_.ConfirmBackupEmail(token, client_).ok());
  EXPECT_EQ(Security(id).backup_email, "jean.perso@example.org");
  EXPECT_EQ(Security(id).backup_email_pending, "");
  EXPECT_EQ(service_.ConfirmBackupEmail(token, client_).message(), AccountError::kInvalidLink);

  ASSERT_TRUE(service_.RequestPasswordReset("jlabert", client_).ok());
  EXPECT_EQ(Mail().size(), 2u);
  EXPECT_EQ(Mail().back().recipient, "jean.perso@example.org");
}

TEST_F(SelfServiceTest, ConfirmationLinkExpiresAndOnlyTheNewestWorks) {
  store::Id id = AddPerson("jlabert", "Labert", kNumen, kBirth, kStronger, false);
  ASSERT_TRUE(service_.RequestBackupEmail(id, "un@example.org", client_).ok());
  const std::string first = NewestToken();
  ASSERT_TRUE(service_.RequestBackupEmail(id, "deux@example.org", client_).ok());
  const std::string second = NewestToken();
  EXPECT_EQ(service_.ConfirmBackupEmail(first, client_).message(), AccountError::kInvalidLink);
  now_ += 31 * 60;
  EXPECT_EQ(service_.ConfirmBackupEmail(second, client_).message(), AccountError::kInvalidLink);
  EXPECT_EQ(Security(id).backup_email, "");
}

TEST(AccountMailTest, HeadersAreRfc5322WithAnEncodedSubject) {
  AccountMail mail;
  mail.from = "noreply@ac-test.fr";
  mail.to = "jean.perso@example.org";
  mail.subject = "Réinitialisation\r\nBcc: x@example.org";
  mail.text = "Bonjour Hélène,\nvoici le lien.\n";
  mail.date = 1'800'000'000;  // 2027-01-15T08:00:00Z
  Result<std::string> message = BuildAccountMail(mail);
  ASSERT_TRUE(message.ok()) << message.status().ToString();
  const std::string& m = *message;
  std::string headers = m.substr(0, m.find("\r\n\r\n") + 2);
  EXPECT_NE(headers.find("From: noreply@ac-test.fr\r\n"), std::string::npos) << headers;
  EXPECT_NE(headers.find("To: jean.perso@example.org\r\n"), std::string::npos) << headers;
  EXPECT_NE(headers.find("Subject: =?UTF-8?Q?R=C3=A9initialisation?="), std::string::npos)
      << headers;
  EXPECT_EQ(headers.find("\r\nBcc:"), std::string::npos) << "no header injection";
  EXPECT_NE(headers.find("Date: Fri, 15 Jan 2027 08:00:00 +0000\r\n"), std::string::npos)
      << headers;
  EXPECT_NE(headers.find("Message-Id: <"), std::string::npos) << headers;
  EXPECT_NE(headers.find("@ac-test.fr>\r\n"), std::string::npos) << headers;
  EXPECT_NE(headers.find("Content-Type: text/plain; charset=utf-8\r\n"), std::string::npos)
      << headers;
  EXPECT_NE(headers.find("Content-Transfer-Encoding: quoted-printable\r\n"), std::string::npos);
  EXPECT_NE(m.find("Bonjour H=C3=A9l=C3=A8ne,\r\nvoici le lien."), std::string::npos) << m;
  for (char ch : m) EXPECT_LT(static_cast<unsigned char>(ch), 0x80) << "7-bit only";

  mail.to = "jean perso@example.org";
  EXPECT_FALSE(BuildAccountMail(mail).ok());
  EXPECT_FALSE(IsMailAddress("x@localhost"));
  EXPECT_FALSE(IsMailAddress("<x@example.org>"));
  EXPECT_TRUE(IsMailAddress("prenom.nom+agenda@example.org"));
}

}  // namespace
}  // namespace cartable::directory
