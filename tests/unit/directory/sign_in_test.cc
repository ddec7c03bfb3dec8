// AccountService::SignIn and VerifySecondFactor against the real store (design "Rules"):
// lockout (threshold, window, one count per distinct wrong password, doubling, blocking, the
// right password refused while locked), reset on success, initial and expired passwords,
// one-time codes, app passwords (Basic only), and the audit of each outcome.
#include <gtest/gtest.h>

#include "directory/otp.h"
#include "tests/unit/directory/account_fixture.h"

namespace cartable::directory {
namespace {

constexpr const char* kPassword = "Ciel-orageux-sur-Tours-1987";

class SignInTest : public AccountFixture {
 protected:
  void SetUp() override {
    options_.lockout_threshold = 3;
    options_.lockout_window_minutes = 15;
    options_.lockout_minutes = 15;
    options_.lockout_max_temporary = 3;
    jlabert_ = AddUser("jlabert", kPassword);
  }
  // `n` distinct wrong passwords.
  void Fail(int n, const std::string& prefix = "wrong") {
    for (int i = 0; i < n; ++i) {
      EXPECT_EQ(Web("jlabert", prefix + std::to_string(i)).outcome, SignInOutcome::kRefused);
    }
  }
  store::Id jlabert_ = 0;
};

TEST_F(SignInTest, RightPasswordSignsInByLoginOrEmail) {
  SignInResult r = Web("jlabert", kPassword);
  EXPECT_EQ(r.outcome, SignInOutcome::kOk);
  ASSERT_TRUE(r.user);
  EXPECT_EQ(r.user->id, jlabert_);
  EXPECT_EQ(Basic("JLabert@AC-Orleans-Tours.fr", kPassword).outcome, SignInOutcome::kOk);
  std::vector<std::string> events = Events(jlabert_);
  EXPECT_EQ(Count(events, "sign-in"), 2);
}

TEST_F(SignInTest, UnknownAndDisabledAreRefusedAndAudited) {
  EXPECT_EQ(Web("nobody", kPassword).outcome, SignInOutcome::kRefused);
  store::User u = User(jlabert_);
  u.state = store::UserState::kDisabled;
  {
    auto txn = s().Begin(true);
    ASSERT_TRUE(s().UpdateUser(u).ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  SignInResult r = Basic("jlabert", kPassword);
  EXPECT_EQ(r.outcome, SignInOutcome::kRefused);
  EXPECT_FALSE(r.user);
  std::vector<std::string> events = Events();
  EXPECT_EQ(Count(events, "sign-in-failed"), 2);
  EXPECT_EQ(Count(events, "sign-in"), 0);
}

// lockout_threshold distinct wrong passwords within the window lock the account for
// lockout_minutes; the lock is audited, bumps the credentials and ends the web sessions.
TEST_F(SignInTest, ThresholdLocks) {
  AddSession(jlabert_, "t1");
  int64_t version = User(jlabert_).credential_version;
  Fail(2);
  EXPECT_EQ(Security(jlabert_).locked_until, 0);
  EXPECT_FALSE(service().IsBlocked(jlabert_));
  Fail(1, "third");
  store::UserSecurity sec = Security(jlabert_);
  EXPECT_EQ(sec.locked_until, kStart + 15 * 60);
  EXPECT_EQ(sec.temporary_locks, 1);
  EXPECT_FALSE(sec.blocked);
  EXPECT_TRUE(service().IsBlocked(jlabert_));
  EXPECT_GT(User(jlabert_).credential_version, version) << "cached credentials must stop";
  EXPECT_TRUE(s().ListWebSessions(jlabert_)->empty()) << "a lock ends the sessions";
  EXPECT_TRUE(s().AuthFailuresSince(jlabert_, 0)->empty()) << "failures cleared at the lock";
  EXPECT_EQ(Count(Events(jlabert_), "locked"), 1);
}

// The right password while locked: the very answer of a wrong one (kRefused, no user), on both
// channels; audited as refused-locked. Once the lock is over it works again.
TEST_F(SignInTest, RightPasswordRefusedWhileLocked) {
  Fail(3);
  SignInResult wrong = Web("jlabert", "another-wrong");
  SignInResult right = Web("jlabert", kPassword);
  EXPECT_EQ(right.outcome, SignInOutcome::kRefused);
  EXPECT_EQ(right.outcome, wrong.outcome);
  EXPECT_FALSE(right.user);
  EXPECT_EQ(right.app_password_id, 0);
  EXPECT_EQ(Basic("jlabert", kPassword).outcome, SignInOutcome::kRefused);
  EXPECT_GE(Count(Events(jlabert_), "sign-in-refused-locked"), 3);
  now_ += 15 * 60 - 1;
  EXPECT_EQ(Web("jlabert", kPassword).outcome, SignInOutcome::kRefused) << "one second left";
  now_ += 1;
  EXPECT_EQ(Web("jlabert", kPassword).outcome, SignInOutcome::kOk);
}

// A phone repeating the same old password counts once: 20 tries, no lock.
TEST_F(SignInTest, SameWrongPasswordCountsOnce) {
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(Basic("jlabert", "old-password").outcome, SignInOutcome::kRefused);
  }
  EXPECT_EQ(s().AuthFailuresSince(jlabert_, 0)->size(), 1u);
  EXPECT_FALSE(service().IsBlocked(jlabert_));
  EXPECT_EQ(Basic("jlabert", kPassword).outcome, SignInOutcome::kOk);
}

// Failures older than the window no longer count (and a repeat outside it counts again).
TEST_F(SignInTest, WindowForgetsOldFailures) {
  Fail(2);
  now_ += 15 * 60 + 1;
  Fail(2, "later");
  EXPECT_FALSE(service().IsBlocked(jlabert_)) << "only two failures within the window";
  Fail(1, "last");
  EXPECT_TRUE(service().IsBlocked(jlabert_));
}

// Failures older than the window are forgotten when the next one comes: an account guessed at
// slowly, below the threshold per window, keeps a bounded number of rows.
TEST_F(SignInTest, OldFailuresArePruned) {
  for (int round = 0; round < 5; ++round) {
    Fail(2, "round" + std::to_string(round) + "-");
    now_ += 15 * 60 + 1;
  }
  EXPECT_FALSE(service().IsBlocked(jlabert_));
  EXPECT_LE(s().AuthFailuresSince(jlabert_, 0)->size(), 2u);
}

// Each further lock lasts twice as long; past lockout_max_temporary the account is blocked, and
// stays so whatever the time.
TEST_F(SignInTest, LocksDoubleThenBlock) {
  const int64_t expected[] = {15, 30, 60};
  for (int lock = 0; lock < 3; ++lock) {
    Fail(3, "round" + std::to_string(lock) + "-");
    store::UserSecurity sec = Security(jlabert_);
    EXPECT_EQ(sec.temporary_locks, lock + 1);
    EXPECT_EQ(sec.locked_until, now_ + expected[lock] * 60) << "lock " << lock + 1;
    EXPECT_FALSE(sec.blocked);
    now_ = sec.locked_until;
  }
  Fail(3, "final");
  store::UserSecurity sec = Security(jlabert_);
  EXPECT_TRUE(sec.blocked);
  EXPECT_EQ(Count(Events(jlabert_), "locked"), 3);
  EXPECT_EQ(Count(Events(jlabert_), "blocked"), 1);
  now_ += 365 * 86400;
  EXPECT_EQ(Web("jlabert", kPassword).outcome, SignInOutcome::kRefused);
  EXPECT_TRUE(service().IsBlocked(jlabert_));
}

// A successful sign-in forgets the failures and the temporary locks: the next lock is a first
// one again (15 minutes).
TEST_F(SignInTest, SuccessResetsCounters) {
  Fail(3);
  now_ = Security(jlabert_).locked_until;
  Fail(2, "again");
  ASSERT_EQ(s().AuthFailuresSince(jlabert_, 0)->size(), 2u);
  EXPECT_EQ(Web("jlabert", kPassword).outcome, SignInOutcome::kOk);
  EXPECT_TRUE(s().AuthFailuresSince(jlabert_, 0)->empty());
  EXPECT_EQ(Security(jlabert_).temporary_locks, 0);
  Fail(3, "fresh");
  EXPECT_EQ(Security(jlabert_).locked_until, now_ + 15 * 60) << "not doubled";
}

TEST_F(SignInTest, ThresholdZeroMeansNoLockout) {
  options_.lockout_threshold = 0;
  Fail(12);
  EXPECT_FALSE(service().IsBlocked(jlabert_));
  EXPECT_EQ(Web("jlabert", kPassword).outcome, SignInOutcome::kOk);
}

// An initial (NUMEN) password: right → kMustChange on both channels (the web then only offers
// the password change; Basic gets a 401 that says so), wrong → kRefused.
TEST_F(SignInTest, InitialPasswordMustBeChanged) {
  store::Id id = AddUser("jmartin", "12E3456789ABC", /*initial=*/true);
  SignInResult web = Web("jmartin", "12E3456789ABC");
  EXPECT_EQ(web.outcome, SignInOutcome::kMustChange);
  ASSERT_TRUE(web.user);
  EXPECT_EQ(web.user->id, id);
  EXPECT_EQ(Basic("jmartin", "12E3456789ABC").outcome, SignInOutcome::kMustChange);
  EXPECT_EQ(Basic("jmartin", "12E3456789ABD").outcome, SignInOutcome::kRefused);
}

// An account imported without a NUMEN has no password at all: nothing opens it.
TEST_F(SignInTest, AccountWithoutPasswordIsRefused) {
  store::User u;
  u.login = "hlegall";
  u.display_name = "Hélène Le Gall";
  u.created_at = now_;
  auto txn = s().Begin(true);
  ASSERT_TRUE(s().CreateUser(u).ok());
  ASSERT_TRUE((*txn)->Commit().ok());
  EXPECT_EQ(Web("hlegall", "").outcome, SignInOutcome::kRefused);
  EXPECT_EQ(Basic("hlegall", "anything").outcome, SignInOutcome::kRefused);
}

// password_expiry_days: a password older than that is treated like an initial one.
TEST_F(SignInTest, ExpiredPasswordMustBeChanged) {
  options_.password.expiry_days = 90;
  store::UserSecurity sec = Security(jlabert_);
  sec.password_changed_at = now_ - 89 * 86400;
  SetSecurity(jlabert_, sec);
  EXPECT_EQ(Web("jlabert", kPassword).outcome, SignInOutcome::kOk);
  now_ += 86400;
  EXPECT_EQ(Web("jlabert", kPassword).outcome, SignInOutcome::kMustChange);
  EXPECT_EQ(Basic("jlabert", kPassword).outcome, SignInOutcome::kMustChange);
  EXPECT_EQ(Web("jlabert", "wrong").outcome, SignInOutcome::kRefused);
}

TEST_F(SignInTest, NoExpiryByDefault) {
  now_ += 10 * 365 * 86400;
  EXPECT_EQ(Web("jlabert", kPassword).outcome, SignInOutcome::kOk);
}

// otp_required (or the admin role) without enrolment: the web asks to enrol, Basic refuses the
// password (app passwords only).
TEST_F(SignInTest, RequiredOneTimeCodeWithoutEnrolment) {
  store::UserSecurity sec = Security(jlabert_);
  sec.otp_required = true;
  SetSecurity(jlabert_, sec);
  EXPECT_TRUE(service().OtpRequired(jlabert_));
  EXPECT_EQ(Web("jlabert", kPassword).outcome, SignInOutcome::kNeedsEnrolment);
  EXPECT_EQ(Basic("jlabert", kPassword).outcome, SignInOutcome::kAppPasswordNeeded);
  EXPECT_EQ(Basic("jlabert", "wrong").outcome, SignInOutcome::kRefused);

  store::Id admin = AddUser("admin", kPassword);
  store::UserSecurity asec = Security(admin);
  asec.role = store::Role::kAdmin;
  SetSecurity(admin, asec);
  EXPECT_TRUE(service().OtpRequired(admin));
  EXPECT_EQ(Web("admin", kPassword).outcome, SignInOutcome::kNeedsEnrolment);
  EXPECT_EQ(Basic("admin", kPassword).outcome, SignInOutcome::kAppPasswordNeeded);
}

class OtpSignInTest : public SignInTest {
 protected:
  void SetUp() override {
    SignInTest::SetUp();
    secret_ = NewTotpSecret();
    store::UserSecurity sec = Security(jlabert_);
    sec.otp_secret = key_.Seal(secret_);
    sec.otp_enrolled_at = now_;
    SetSecurity(jlabert_, sec);
  }
  // A six-digit code that is none of the accepted ones now (one step either side).
  std::string WrongCode(int seed = 1) {
    for (int i = seed;; ++i) {
      std::string c = std::to_string(100000 + (i * 7919) % 900000);
      if (c != TotpCode(secret_, now_ - 30) && c != TotpCode(secret_, now_) &&
          c != TotpCode(secret_, now_ + 30)) {
        return c;
      }
    }
  }
  std::string secret_;
};

// An enrolled account: the password leads to the code; the code is accepted once (RFC 6238
// §5.2); Basic needs an app password.
TEST_F(OtpSignInTest, CodeAfterPasswordAcceptedOnce) {
  SignInResult first = Web("jlabert", kPassword);
  EXPECT_EQ(first.outcome, SignInOutcome::kNeedsOtp);
  ASSERT_TRUE(first.user);
  const std::string code = TotpCode(secret_, now_);
  EXPECT_TRUE(service().VerifySecondFactor(jlabert_, code, client_));
  EXPECT_FALSE(service().VerifySecondFactor(jlabert_, code, client_)) << "replayed";
  EXPECT_EQ(Basic("jlabert", kPassword).outcome, SignInOutcome::kAppPasswordNeeded);
  now_ += 60;
  EXPECT_EQ(Web("jlabert", kPassword, TotpCode(secret_, now_)).outcome, SignInOutcome::kOk)
      << "password and code in one call (the JSON session API)";
  SignInResult bad = Web("jlabert", kPassword, WrongCode());
  EXPECT_EQ(bad.outcome, SignInOutcome::kRefused);
  EXPECT_FALSE(bad.user);
  EXPECT_GE(Count(Events(jlabert_), "otp-failed"), 1);
}

// Wrong codes count towards the lockout like wrong passwords, and a right password does not
// reset them (else a guesser who knows the password could try codes without limit).
TEST_F(OtpSignInTest, WrongCodesLockAndPasswordDoesNotReset) {
  const std::string right = TotpCode(secret_, now_);
  auto wrong = [&](int i) { return WrongCode(i * 13); };
  EXPECT_FALSE(service().VerifySecondFactor(jlabert_, wrong(1), client_));
  EXPECT_EQ(Web("jlabert", kPassword).outcome, SignInOutcome::kNeedsOtp);
  EXPECT_EQ(Basic("jlabert", kPassword).outcome, SignInOutcome::kAppPasswordNeeded);
  EXPECT_FALSE(service().VerifySecondFactor(jlabert_, wrong(2), client_));
  EXPECT_FALSE(service().VerifySecondFactor(jlabert_, wrong(3), client_));
  EXPECT_TRUE(service().IsBlocked(jlabert_));
  EXPECT_FALSE(service().VerifySecondFactor(jlabert_, right, client_)) << "locked";
  EXPECT_EQ(Count(Events(jlabert_), "otp-failed"), 3);
}

// Recovery codes: each works once.
TEST_F(OtpSignInTest, RecoveryCodeUsableOnce) {
  const std::string code = "abcd-efgh-ij";
  {
    auto txn = s().Begin(true);
    ASSERT_TRUE(
        s().SetRecoveryCodes(jlabert_, {key_.Hash("recovery", NormalRecoveryCode(code))}).ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  EXPECT_TRUE(service().VerifySecondFactor(jlabert_, "ABCD EFGH-IJ", client_));
  EXPECT_FALSE(service().VerifySecondFactor(jlabert_, code, client_));
}

class AppPasswordSignInTest : public SignInTest {
 protected:
  void SetUp() override {
    SignInTest::SetUp();
    store::AppPassword app;
    app.user_id = jlabert_;
    app.name = "Téléphone";
    app.hash = key_.Hash("app-password", "abcdefghijkl2345");
    app.created_at = now_;
    auto txn = s().Begin(true);
    Result<store::Id> id = s().CreateAppPassword(app);
    ASSERT_TRUE(id.ok()) << id.status().ToString();
    ASSERT_TRUE((*txn)->Commit().ok());
    app_id_ = *id;
  }
  store::AppPassword App() {
    Result<std::vector<store::AppPassword>> apps = s().ListAppPasswords(jlabert_);
    EXPECT_TRUE(apps.ok());
    for (const store::AppPassword& a : apps.ok() ? *apps : std::vector<store::AppPassword>{}) {
      if (a.id == app_id_) return a;
    }
    ADD_FAILURE() << "app password gone";
    return {};
  }
  store::Id app_id_ = 0;
};

// Accepted on Basic (as typed, hyphens and case ignored), with its last use recorded at most
// once a minute; never on the web.
TEST_F(AppPasswordSignInTest, BasicOnlyWithLastUse) {
  SignInResult r = Basic("jlabert", "abcd-efgh-ijkl-2345");
  EXPECT_EQ(r.outcome, SignInOutcome::kOk);
  EXPECT_EQ(r.app_password_id, app_id_);
  EXPECT_EQ(App().last_used_at, now_);
  EXPECT_EQ(App().last_used_address, "192.0.2.10");
  const store::UnixTime first = now_;
  now_ += 30;
  client_.address = "192.0.2.11";
  EXPECT_EQ(Basic("jlabert", "ABCD-EFGH-IJKL-2345").outcome, SignInOutcome::kOk);
  EXPECT_EQ(App().last_used_at, first) << "not written again within a minute";
  now_ += 31;
  EXPECT_EQ(Basic("jlabert", "abcdefghijkl2345").outcome, SignInOutcome::kOk);
  EXPECT_EQ(App().last_used_at, now_);
  EXPECT_EQ(App().last_used_address, "192.0.2.11");

  EXPECT_EQ(Web("jlabert", "abcd-efgh-ijkl-2345").outcome, SignInOutcome::kRefused);
  store::Id other = AddUser("mdupont", kPassword);
  (void)other;
  EXPECT_EQ(Basic("mdupont", "abcd-efgh-ijkl-2345").outcome, SignInOutcome::kRefused)
      << "another person's app password";
}

// An account that requires a code: its password no longer opens Basic, its app passwords do.
TEST_F(AppPasswordSignInTest, WorksWhenOneTimeCodeRequired) {
  store::UserSecurity sec = Security(jlabert_);
  sec.otp_required = true;
  SetSecurity(jlabert_, sec);
  EXPECT_EQ(Basic("jlabert", kPassword).outcome, SignInOutcome::kAppPasswordNeeded);
  EXPECT_EQ(Basic("jlabert", "abcd-efgh-ijkl-2345").outcome, SignInOutcome::kOk);
}

TEST_F(AppPasswordSignInTest, RefusedWhileLocked) {
  Fail(3);
  EXPECT_EQ(Basic("jlabert", "abcd-efgh-ijkl-2345").outcome, SignInOutcome::kRefused);
}

// [auth] backend = ldap: personal passwords are asked to the verifier; an initial NUMEN
// password stays local.
TEST_F(SignInTest, ExternalVerifierForPersonalPasswords) {
  std::vector<std::string> asked;
  service().SetPasswordVerifier([&](const store::User& u, const std::string& pw) {
    asked.push_back(u.login);
    return pw == "ldap-secret";
  });
  EXPECT_EQ(Web("jlabert", "ldap-secret").outcome, SignInOutcome::kOk);
  EXPECT_EQ(Web("jlabert", kPassword).outcome, SignInOutcome::kRefused);
  AddUser("jmartin", "12E3456789ABC", /*initial=*/true);
  EXPECT_EQ(Web("jmartin", "12E3456789ABC").outcome, SignInOutcome::kMustChange);
  EXPECT_EQ(asked, (std::vector<std::string>{"jlabert", "jlabert"}));
}

// A group account (a department, issue 12) never signs in, even when an external directory
// would accept a password for its login: it is as unknown.
TEST_F(SignInTest, GroupAccountsNeverSignIn) {
  store::User group;
  group.login = "departement-37";
  group.display_name = "DSDEN 37";
  group.kind = store::UserKind::kGroup;
  group.group_key = "departement:37";
  {
    auto txn = s().Begin(true);
    ASSERT_TRUE(s().CreateUser(group).ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  std::vector<std::string> asked;
  service().SetPasswordVerifier([&](const store::User& u, const std::string&) {
    asked.push_back(u.login);
    return true;
  });
  EXPECT_EQ(Web("departement-37", "anything").outcome, SignInOutcome::kRefused);
  EXPECT_EQ(Basic("departement-37", "anything").outcome, SignInOutcome::kRefused);
  EXPECT_TRUE(asked.empty());
  EXPECT_EQ(Web("jlabert", "anything").outcome, SignInOutcome::kOk);
}

// The audit never holds the secret that was typed.
TEST_F(SignInTest, AuditHoldsNoSecret) {
  Web("jlabert", "my-wrong-Secret-42");
  Web("nobody", "other-Secret-43");
  Result<std::vector<store::AuditEntry>> all = s().ListAudit({});
  ASSERT_TRUE(all.ok());
  ASSERT_FALSE(all->empty());
  for (const store::AuditEntry& e : *all) {
    EXPECT_EQ(e.detail.find("Secret"), std::string::npos) << e.detail;
    EXPECT_EQ(e.login.find("Secret"), std::string::npos) << e.login;
    EXPECT_EQ(e.address, "192.0.2.10");
  }
}

}  // namespace
}  // namespace cartable::directory
