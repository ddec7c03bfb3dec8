// One-time-code enrolment, app passwords and the administration calls of AccountService
// (directory/otp_enrolment.cc, app_passwords.cc, account_admin.cc) against the real store.
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "directory/account_service.h"
#include "directory/accounts.h"
#include "directory/otp.h"
#include "directory/secret_key.h"
#include "tests/testlib/temp_store.h"

namespace cartable::directory {
namespace {

constexpr store::UnixTime kNow = 1'800'000'000;  // a multiple of 30: step kNow / 30

class AccountOpsTest : public ::testing::Test {
 protected:
  AccountOpsTest() {
    Result<store::Id> id = Accounts(*store_).AddUser("jmartin", "Jean Martin", "", "pw");
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    if (id.ok()) user_id_ = *id;
  }

  AccountService& service() {
    if (!service_) {
      service_ = std::make_unique<AccountService>(*store_, key_, options_, [this] { return now_; });
    }
    return *service_;
  }
  store::Session& session() { return store_->ThreadSession(); }
  store::User User() { return *session().GetUserById(user_id_); }
  store::UserSecurity Security() { return *session().GetUserSecurity(user_id_); }
  std::vector<store::AuditEntry> AuditLog() {
    Result<std::vector<store::AuditEntry>> log = session().ListAudit({});
    EXPECT_TRUE(log.ok()) << log.status().ToString();
    return log.ok() ? *log : std::vector<store::AuditEntry>{};
  }
  // The events of the audit log, in order.
  std::vector<std::string> Events() {
    std::vector<std::string> events;
    for (const store::AuditEntry& e : AuditLog()) events.push_back(e.event);
    return events;
  }
  bool AuditMentions(const std::string& text) {
    for (const store::AuditEntry& e : AuditLog()) {
      if ((e.detail + e.login + e.event + e.address).find(text) != std::string::npos) return true;
    }
    return false;
  }
  // Enrols a fresh secret; returns it and fills `codes`.
  std::string Enrol(std::vector<std::string>* codes) {
    OtpEnrolment e = service().BeginOtpEnrolment(User());
    Result<std::vector<std::string>> r =
        service().ConfirmOtp(user_id_, e.secret, TotpCode(e.secret, now_), client_);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (r.ok() && codes) *codes = *r;
    return e.secret;
  }

  testlib::TempStore store_;
  SecretKey key_ = SecretKey::FromBytes(std::string(32, 'k'));
  AccountOptions options_;
  store::UnixTime now_ = kNow;
  std::unique_ptr<AccountService> service_;
  store::Id user_id_ = 0;
  ClientInfo client_{"192.0.2.7", "Firefox"};
};

// ---- one-time codes ----

TEST_F(AccountOpsTest, BeginEnrolmentStoresNothing) {
  OtpEnrolment e = service().BeginOtpEnrolment(User());
  EXPECT_FALSE(e.secret.empty());
  EXPECT_NE(e.uri.find("otpauth://totp/"), std::string::npos) << e.uri;
  EXPECT_NE(e.uri.find("jmartin"), std::string::npos) << e.uri;
  EXPECT_NE(e.uri.find("secret=" + e.secret), std::string::npos) << e.uri;
  EXPECT_NE(e.qr_svg.find("<svg"), std::string::npos);
  EXPECT_NE(service().BeginOtpEnrolment(User()).secret, e.secret);
  EXPECT_TRUE(Security().otp_secret.empty());
  EXPECT_TRUE(AuditLog().empty());
}

TEST_F(AccountOpsTest, ConfirmStoresTheSealedSecretTheStepAndTenHashedRecoveryCodes) {
  const int64_t v0 = User().credential_version;
  std::vector<std::string> codes;
  const std::string secret = Enrol(&codes);

  store::UserSecurity sec = Security();
  EXPECT_NE(sec.otp_secret, secret) << "stored sealed, not in clear";
  EXPECT_EQ(sec.otp_secret.find(secret), std::string::npos);
  EXPECT_EQ(key_.Open(sec.otp_secret), secret);
  EXPECT_EQ(sec.otp_enrolled_at, kNow);
  EXPECT_EQ(sec.otp_last_step, kNow / 30);
  EXPECT_GT(User().credential_version, v0);

  ASSERT_EQ(codes.size(), 10u);
  EXPECT_EQ(std::set<std::string>(codes.begin(), codes.end()).size(), 10u);
  EXPECT_EQ(*session().UnusedRecoveryCodes(user_id_), 10);
  // Stored as key.Hash("recovery", NormalRecoveryCode(code)): the code typed in upper case with
  // blanks is the same code, and each one is usable once.
  std::string typed = codes[3];
  for (char& c : typed) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  typed = " " + typed + " ";
  const std::string hash = key_.Hash("recovery", NormalRecoveryCode(typed));
  EXPECT_TRUE(*session().UseRecoveryCode(user_id_, hash, kNow));
  EXPECT_FALSE(*session().UseRecoveryCode(user_id_, hash, kNow)) << "single use";
  EXPECT_EQ(*session().UnusedRecoveryCodes(user_id_), 9);
  EXPECT_FALSE(*session().UseRecoveryCode(user_id_, key_.Hash("recovery", codes[3]), kNow))
      << "never stored in clear form";
  // At the sign-in's second step, a recovery code works once.
  EXPECT_TRUE(service().VerifySecondFactor(user_id_, codes[5], client_));
  EXPECT_FALSE(service().VerifySecondFactor(user_id_, codes[5], client_)) << "single use";
  EXPECT_EQ(*session().UnusedRecoveryCodes(user_id_), 8);

  EXPECT_EQ(Events().front(), "otp-enrolled");
  EXPECT_FALSE(AuditMentions(secret));
  for (const std::string& c : codes) EXPECT_FALSE(AuditMentions(c));
}

TEST_F(AccountOpsTest, WrongCodeStoresNothingAndIsAudited) {
  OtpEnrolment e = service().BeginOtpEnrolment(User());
  const std::string right = TotpCode(e.secret, kNow);
  const std::string wrong = right == "000000" ? "111111" : "000000";
  Result<std::vector<std::string>> r = service().ConfirmOtp(user_id_, e.secret, wrong, client_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kBadRequest);
  EXPECT_EQ(r.status().message(), AccountError::kWrongCode);
  // A code of another time far away is wrong too (only one step of drift either way).
  EXPECT_FALSE(
      service().ConfirmOtp(user_id_, e.secret, TotpCode(e.secret, kNow - 600), client_).ok());
  EXPECT_FALSE(service().ConfirmOtp(user_id_, "not base32!", right, client_).ok());
  EXPECT_TRUE(Security().otp_secret.empty());
  EXPECT_EQ(*session().UnusedRecoveryCodes(user_id_), 0);
  std::vector<std::string> events = Events();
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events[0], "otp-failed");
  EXPECT_FALSE(AuditMentions(wrong));
}

TEST_F(AccountOpsTest, AnAcceptedCodeIsNotAcceptedAgain) {
  std::vector<std::string> first;
  const std::string secret = Enrol(&first);
  const std::string code = TotpCode(secret, kNow);
  // The same enrolment posted again (same secret, same code): a replay.
  Result<std::vector<std::string>> again = service().ConfirmOtp(user_id_, secret, code, client_);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().message(), AccountError::kWrongCode);
  // Nothing changed: the recovery codes shown first still work.
  EXPECT_EQ(*session().UnusedRecoveryCodes(user_id_), 10);
  EXPECT_TRUE(*session().UseRecoveryCode(
      user_id_, key_.Hash("recovery", NormalRecoveryCode(first[0])), kNow));
  // Nor at the sign-in that follows (VerifySecondFactor shares otp_last_step).
  EXPECT_FALSE(service().VerifySecondFactor(user_id_, code, client_));
  // The next time step's code is a new code.
  now_ = kNow + 30;
  EXPECT_TRUE(service().ConfirmOtp(user_id_, secret, TotpCode(secret, now_), client_).ok());
  EXPECT_EQ(Security().otp_last_step, now_ / 30);
  // A new secret (a new phone) is enrolled even within the same step.
  std::vector<std::string> renewed;
  const std::string other = Enrol(&renewed);
  EXPECT_EQ(key_.Open(Security().otp_secret), other);
  EXPECT_EQ(*session().UnusedRecoveryCodes(user_id_), 10);
}

TEST_F(AccountOpsTest, RemoveIsRefusedWhileRequired) {
  Enrol(nullptr);
  ASSERT_TRUE(service().SetOtpRequired("jmartin", true, client_).ok());
  Status s = service().RemoveOtp(user_id_, client_);
  EXPECT_EQ(s.code(), Status::Code::kBadRequest);
  EXPECT_EQ(s.message(), AccountError::kOtpStillRequired);
  ASSERT_TRUE(service().SetOtpRequired("jmartin", false, client_).ok());
  ASSERT_TRUE(service().SetRole("jmartin", store::Role::kAdmin, client_).ok());
  EXPECT_EQ(service().RemoveOtp(user_id_, client_).message(), AccountError::kOtpStillRequired);
  EXPECT_FALSE(Security().otp_secret.empty());
  EXPECT_EQ(*session().UnusedRecoveryCodes(user_id_), 10);

  ASSERT_TRUE(service().SetRole("jmartin", store::Role::kUser, client_).ok());
  const int64_t v = User().credential_version;
  ASSERT_TRUE(service().RemoveOtp(user_id_, client_).ok());
  store::UserSecurity sec = Security();
  EXPECT_TRUE(sec.otp_secret.empty());
  EXPECT_EQ(sec.otp_enrolled_at, 0);
  EXPECT_EQ(*session().UnusedRecoveryCodes(user_id_), 0);
  EXPECT_GT(User().credential_version, v);
  EXPECT_EQ(Events().back(), "otp-removed");
}

// ---- app passwords ----

TEST_F(AccountOpsTest, AppPasswordFormatAndKeyedHash) {
  const int64_t v0 = User().credential_version;
  Result<std::string> pw = service().AddAppPassword(user_id_, "Téléphone", client_);
  ASSERT_TRUE(pw.ok()) << pw.status().ToString();
  EXPECT_TRUE(std::regex_match(*pw, std::regex("[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}")))
      << *pw;
  std::string raw = *pw;
  raw.erase(std::remove(raw.begin(), raw.end(), '-'), raw.end());
  Result<store::AppPassword> found =
      session().FindAppPasswordByHash(key_.Hash("app-password", raw));
  ASSERT_TRUE(found.ok()) << "stored as key.Hash(\"app-password\", 16 characters)";
  EXPECT_EQ(found->user_id, user_id_);
  EXPECT_EQ(found->name, "Téléphone");
  EXPECT_EQ(found->created_at, kNow);
  EXPECT_EQ(found->last_used_at, 0);
  EXPECT_EQ(User().credential_version, v0) << "adding changes nothing that signed in";

  Result<std::string> second = service().AddAppPassword(user_id_, "Thunderbird", client_);
  ASSERT_TRUE(second.ok());
  EXPECT_NE(*second, *pw);
  Result<std::vector<store::AppPassword>> list = service().ListAppPasswords(user_id_);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ(Events(), (std::vector<std::string>{"app-password-added", "app-password-added"}));
  EXPECT_TRUE(AuditMentions("Thunderbird"));
  EXPECT_FALSE(AuditMentions(*pw));
  EXPECT_FALSE(AuditMentions(raw));
}

TEST_F(AccountOpsTest, AppPasswordNamesAreCheckedAndUniquePerUser) {
  ASSERT_TRUE(service().AddAppPassword(user_id_, "Phone", client_).ok());
  for (const char* taken : {"Phone", "  Phone "}) {
    Result<std::string> r = service().AddAppPassword(user_id_, taken, client_);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().message(), AccountError::kNameTaken) << taken;
  }
  for (const std::string& bad :
       {std::string(), std::string("   "), std::string("a\nb"), std::string("a\x7f"),
        std::string(65, 'x'), std::string("\xff\xfe"), std::string("tab\there")}) {
    Result<std::string> r = service().AddAppPassword(user_id_, bad, client_);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().message(), AccountError::kInvalidName) << bad;
  }
  std::string sixty_four;  // 64 characters, 128 bytes
  for (int i = 0; i < 64; ++i) sixty_four += "é";
  EXPECT_TRUE(service().AddAppPassword(user_id_, sixty_four, client_).ok());
  EXPECT_TRUE(service().AddAppPassword(user_id_, std::string(64, 'x'), client_).ok());
  // Another user may use the same name.
  Result<store::Id> other = Accounts(*store_).AddUser("adupont", "Anne Dupont", "", "pw");
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(service().AddAppPassword(*other, "Phone", client_).ok());
  EXPECT_EQ(service().ListAppPasswords(user_id_)->size(), 3u);
}

TEST_F(AccountOpsTest, AppPasswordsPerAccountAreBounded) {
  options_.max_app_passwords = 3;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(service().AddAppPassword(user_id_, "d" + std::to_string(i), client_).ok());
  }
  Result<std::string> r = service().AddAppPassword(user_id_, "d3", client_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), AccountError::kTooMany);
  EXPECT_EQ(service().ListAppPasswords(user_id_)->size(), 3u);
  ASSERT_TRUE(service().RevokeAppPassword(user_id_, "d0", client_).ok());
  EXPECT_TRUE(service().AddAppPassword(user_id_, "d3", client_).ok());
}

TEST_F(AccountOpsTest, RevokeDeletesAndBumpsTheCredentialVersion) {
  Result<std::string> pw = service().AddAppPassword(user_id_, "Phone", client_);
  ASSERT_TRUE(pw.ok());
  ASSERT_TRUE(service().AddAppPassword(user_id_, "Laptop", client_).ok());
  const int64_t v0 = User().credential_version;
  ASSERT_TRUE(service().RevokeAppPassword(user_id_, "Phone", client_).ok());
  std::string raw = *pw;
  raw.erase(std::remove(raw.begin(), raw.end(), '-'), raw.end());
  EXPECT_EQ(session().FindAppPasswordByHash(key_.Hash("app-password", raw)).status().code(),
            Status::Code::kNotFound);
  EXPECT_GT(User().credential_version, v0) << "cached Basic credentials stop working";
  Result<std::vector<store::AppPassword>> list = service().ListAppPasswords(user_id_);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].name, "Laptop");
  EXPECT_EQ(service().RevokeAppPassword(user_id_, "Phone", client_).code(),
            Status::Code::kNotFound);
  EXPECT_EQ(Events().back(), "app-password-revoked");
}

// ---- administration ----

TEST_F(AccountOpsTest, UnlockClearsLockBlockAndFailures) {
  store::UserSecurity sec = Security();
  sec.locked_until = kNow + 900;
  sec.temporary_locks = 3;
  sec.blocked = true;
  ASSERT_TRUE(session().SetUserSecurity(user_id_, sec, true).ok());
  ASSERT_TRUE(session().AddAuthFailure(user_id_, {kNow - 10, "f1", "192.0.2.1"}).ok());
  const int64_t v0 = User().credential_version;

  ASSERT_TRUE(service().Unlock("JMartin", client_).ok());
  sec = Security();
  EXPECT_EQ(sec.locked_until, 0);
  EXPECT_EQ(sec.temporary_locks, 0);
  EXPECT_FALSE(sec.blocked);
  EXPECT_TRUE(session().AuthFailuresSince(user_id_, 0)->empty());
  EXPECT_GT(User().credential_version, v0);
  EXPECT_EQ(Events(), std::vector<std::string>{"unlocked"});
  // Nothing to unlock: nothing written, nothing audited.
  const int64_t v1 = User().credential_version;
  ASSERT_TRUE(service().Unlock("jmartin", client_).ok());
  EXPECT_EQ(User().credential_version, v1);
  EXPECT_EQ(Events().size(), 1u);
  EXPECT_EQ(service().Unlock("nobody", client_).code(), Status::Code::kNotFound);
}

TEST_F(AccountOpsTest, MakingAnUnenrolledUserAdminEndsTheirSessions) {
  store::WebSession ws;
  ws.token_hash = "h1";
  ws.user_id = user_id_;
  ws.csrf_token = "c";
  ws.created_at = ws.last_seen_at = kNow;
  ASSERT_TRUE(session().CreateWebSession(ws).ok());
  const int64_t v0 = User().credential_version;

  ASSERT_TRUE(service().SetRole("jmartin", store::Role::kAdmin, client_).ok());
  EXPECT_EQ(Security().role, store::Role::kAdmin);
  EXPECT_GT(User().credential_version, v0);
  EXPECT_TRUE(session().ListWebSessions(user_id_)->empty())
      << "a session opened with the password alone must not stay an admin's session";
  ASSERT_FALSE(AuditLog().empty());
  EXPECT_EQ(AuditLog().back().event, "role-changed");
  EXPECT_EQ(AuditLog().back().detail.rfind("admin", 0), 0u) << AuditLog().back().detail;

  // Same role again: no change, no audit, no bump.
  const int64_t v1 = User().credential_version;
  ASSERT_TRUE(service().SetRole("jmartin", store::Role::kAdmin, client_).ok());
  EXPECT_EQ(User().credential_version, v1);
  EXPECT_EQ(Events().size(), 1u);
  ASSERT_TRUE(service().SetRole("jmartin", store::Role::kUser, client_).ok());
  EXPECT_EQ(Security().role, store::Role::kUser);
  EXPECT_EQ(service().SetRole("nobody", store::Role::kAdmin, client_).code(),
            Status::Code::kNotFound);
}

TEST_F(AccountOpsTest, RequiringACodeKeepsTheSessionsOfAnEnrolledUser) {
  Enrol(nullptr);
  store::WebSession ws;
  ws.token_hash = "h1";
  ws.user_id = user_id_;
  ws.csrf_token = "c";
  ws.created_at = ws.last_seen_at = kNow;
  ASSERT_TRUE(session().CreateWebSession(ws).ok());
  const int64_t v0 = User().credential_version;
  ASSERT_TRUE(service().SetOtpRequired("jmartin", true, client_).ok());
  EXPECT_TRUE(Security().otp_required);
  EXPECT_GT(User().credential_version, v0);
  EXPECT_EQ(session().ListWebSessions(user_id_)->size(), 1u) << "signed in with a code";
  EXPECT_EQ(AuditLog().back().event, "otp-required");
  EXPECT_EQ(AuditLog().back().detail, "required");

  ASSERT_TRUE(service().SetOtpRequired("jmartin", false, client_).ok());
  EXPECT_FALSE(Security().otp_required);
  EXPECT_EQ(AuditLog().back().detail, "optional");
}

TEST_F(AccountOpsTest, RequiringACodeEndsTheSessionsOfAnUnenrolledUser) {
  store::WebSession ws;
  ws.token_hash = "h1";
  ws.user_id = user_id_;
  ws.csrf_token = "c";
  ws.created_at = ws.last_seen_at = kNow;
  ASSERT_TRUE(session().CreateWebSession(ws).ok());
  ASSERT_TRUE(service().SetOtpRequired("jmartin", true, client_).ok());
  EXPECT_TRUE(session().ListWebSessions(user_id_)->empty());
}

}  // namespace
}  // namespace cartable::directory
