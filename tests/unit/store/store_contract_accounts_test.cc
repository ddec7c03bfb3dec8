// The Store contract for account security (0008_accounts.sql): security state and credential
// versions, password history, failed sign-ins, app passwords, web sessions, single-use tokens,
// recovery codes and the audit log. Run against every implementation.
#include <string>
#include <vector>

#include "tests/unit/store/store_test_fixture.h"

namespace cartable::store {
namespace {

using Code = Status::Code;

template <typename Impl>
class StoreAccountsTest : public StoreTest<Impl> {};
TYPED_TEST_SUITE(StoreAccountsTest, StoreImplementations);

TYPED_TEST(StoreAccountsTest, SecurityStateRoundTripsAndBumpsCredentialsOnRequest) {
  Session& s = this->session();
  Id a = this->MakeUser("a");
  Result<UserSecurity> fresh = s.GetUserSecurity(a);
  ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
  EXPECT_EQ(fresh->role, Role::kUser);
  EXPECT_FALSE(fresh->otp_required);
  EXPECT_FALSE(fresh->blocked);
  EXPECT_EQ(fresh->locked_until, 0);
  int64_t version = s.GetUserById(a)->credential_version;

  UserSecurity u;
  u.role = Role::kAdmin;
  u.otp_required = true;
  u.otp_secret = "sealed";
  u.otp_enrolled_at = 100;
  u.otp_last_step = 7;
  u.locked_until = 200;
  u.temporary_locks = 2;
  u.blocked = true;
  u.password_changed_at = 300;
  u.backup_email = "perso@example.org";
  u.backup_email_pending = "new@example.org";
  ASSERT_TRUE(s.SetUserSecurity(a, u, false).ok());
  EXPECT_EQ(s.GetUserById(a)->credential_version, version);
  Result<UserSecurity> got = s.GetUserSecurity(a);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->role, Role::kAdmin);
  EXPECT_TRUE(got->otp_required);
  EXPECT_EQ(got->otp_secret, "sealed");
  EXPECT_EQ(got->otp_enrolled_at, 100);
  EXPECT_EQ(got->otp_last_step, 7);
  EXPECT_EQ(got->locked_until, 200);
  EXPECT_EQ(got->temporary_locks, 2);
  EXPECT_TRUE(got->blocked);
  EXPECT_EQ(got->password_changed_at, 300);
  EXPECT_EQ(got->backup_email, "perso@example.org");
  EXPECT_EQ(got->backup_email_pending, "new@example.org");
  ASSERT_TRUE(s.SetUserSecurity(a, u, true).ok());
  EXPECT_EQ(s.GetUserById(a)->credential_version, version + 1);

  EXPECT_EQ(s.GetUserSecurity(999).status().code(), Code::kNotFound);
  EXPECT_EQ(s.SetUserSecurity(999, u, true).code(), Code::kNotFound);
}

TYPED_TEST(StoreAccountsTest, PasswordHistoryKeepsTheNewest) {
  Session& s = this->session();
  Id a = this->MakeUser("a");
  Id b = this->MakeUser("b");
  for (int i = 1; i <= 4; ++i) {
    ASSERT_TRUE(s.AddPasswordHistory(a, "h" + std::to_string(i), i, 3).ok());
  }
  ASSERT_TRUE(s.AddPasswordHistory(b, "other", 1, 3).ok());
  EXPECT_EQ(*s.PasswordHistory(a, 10), (std::vector<std::string>{"h4", "h3", "h2"}));
  EXPECT_EQ(*s.PasswordHistory(a, 2), (std::vector<std::string>{"h4", "h3"}));
  EXPECT_EQ(*s.PasswordHistory(b, 10), (std::vector<std::string>{"other"}));
  EXPECT_EQ(s.AddPasswordHistory(999, "x", 1, 3).code(), Code::kNotFound);
}

TYPED_TEST(StoreAccountsTest, FailuresAreListedFromATimeAndCleared) {
  Session& s = this->session();
  Id a = this->MakeUser("a");
  Id b = this->MakeUser("b");
  ASSERT_TRUE(s.AddAuthFailure(a, {10, "f1", "192.0.2.1"}).ok());
  ASSERT_TRUE(s.AddAuthFailure(a, {20, "f2", "192.0.2.2"}).ok());
  ASSERT_TRUE(s.AddAuthFailure(b, {20, "f3", ""}).ok());
  Result<std::vector<AuthFailure>> since = s.AuthFailuresSince(a, 15);
  ASSERT_TRUE(since.ok());
  ASSERT_EQ(since->size(), 1u);
  EXPECT_EQ((*since)[0].fingerprint, "f2");
  EXPECT_EQ((*since)[0].address, "192.0.2.2");
  EXPECT_EQ(s.AuthFailuresSince(a, 0)->size(), 2u);
  ASSERT_TRUE(s.ClearAuthFailures(a).ok());
  EXPECT_TRUE(s.AuthFailuresSince(a, 0)->empty());
  EXPECT_EQ(s.AuthFailuresSince(b, 0)->size(), 1u);
}

TYPED_TEST(StoreAccountsTest, AppPasswordsAreUniquePerUserAndFoundByHash) {
  Session& s = this->session();
  Id a = this->MakeUser("a");
  Id b = this->MakeUser("b");
  AppPassword p{0, a, "Téléphone", "hash-1", 50, 0, ""};
  Result<Id> id = s.CreateAppPassword(p);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_EQ(s.CreateAppPassword({0, a, "Téléphone", "hash-2", 50, 0, ""}).status().code(),
            Code::kConflict);
  EXPECT_EQ(s.CreateAppPassword({0, b, "Other", "hash-1", 50, 0, ""}).status().code(),
            Code::kConflict);
  ASSERT_TRUE(s.CreateAppPassword({0, b, "Téléphone", "hash-3", 50, 0, ""}).ok());
  ASSERT_TRUE(s.CreateAppPassword({0, a, "Agenda Thunderbird", "hash-4", 60, 0, ""}).ok());

  Result<std::vector<AppPassword>> list = s.ListAppPasswords(a);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "Agenda Thunderbird");
  EXPECT_EQ((*list)[1].name, "Téléphone");
  EXPECT_EQ((*list)[1].created_at, 50);
  EXPECT_EQ((*list)[1].last_used_at, 0);

  Result<AppPassword> found = s.FindAppPasswordByHash("hash-1");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->id, *id);
  EXPECT_EQ(found->user_id, a);
  ASSERT_TRUE(s.TouchAppPassword(*id, 70, "192.0.2.9").ok());
  found = s.FindAppPasswordByHash("hash-1");
  EXPECT_EQ(found->last_used_at, 70);
  EXPECT_EQ(found->last_used_address, "192.0.2.9");
  EXPECT_EQ(s.FindAppPasswordByHash("nope").status().code(), Code::kNotFound);

  ASSERT_TRUE(s.DeleteAppPassword(a, "Téléphone").ok());
  EXPECT_EQ(s.FindAppPasswordByHash("hash-1").status().code(), Code::kNotFound);
  EXPECT_EQ(s.DeleteAppPassword(a, "Téléphone").code(), Code::kNotFound);
  EXPECT_TRUE(s.FindAppPasswordByHash("hash-3").ok());  // b's device of the same name stays
}

TYPED_TEST(StoreAccountsTest, WebSessionsLiveUntilDeletedOrExpired) {
  Session& s = this->session();
  Id a = this->MakeUser("a");
  Id b = this->MakeUser("b");
  WebSession w;
  w.token_hash = "t1";
  w.user_id = a;
  w.stage = SessionStage::kNeedsOtp;
  w.csrf_token = "c1";
  w.created_at = 100;
  w.last_seen_at = 100;
  w.address = "192.0.2.1";
  w.device = "Firefox";
  Result<Id> s1 = s.CreateWebSession(w);
  ASSERT_TRUE(s1.ok()) << s1.status().ToString();
  EXPECT_EQ(s.CreateWebSession(w).status().code(), Code::kConflict);
  w.token_hash = "t2";
  w.created_at = w.last_seen_at = 200;
  Result<Id> s2 = s.CreateWebSession(w);
  ASSERT_TRUE(s2.ok());
  w.token_hash = "t3";
  w.user_id = b;
  ASSERT_TRUE(s.CreateWebSession(w).ok());

  Result<WebSession> got = s.FindWebSession("t1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->id, *s1);
  EXPECT_EQ(got->stage, SessionStage::kNeedsOtp);
  EXPECT_EQ(got->csrf_token, "c1");
  EXPECT_EQ(got->device, "Firefox");
  got->stage = SessionStage::kFull;
  got->csrf_token = "c2";
  got->last_seen_at = 150;
  ASSERT_TRUE(s.UpdateWebSession(*got).ok());
  got = s.FindWebSession("t1");
  EXPECT_EQ(got->stage, SessionStage::kFull);
  EXPECT_EQ(got->csrf_token, "c2");
  EXPECT_EQ(got->last_seen_at, 150);
  Result<WebSession> by_id = s.GetWebSession(*s1);
  ASSERT_TRUE(by_id.ok());
  EXPECT_EQ(by_id->token_hash, "t1");
  EXPECT_EQ(by_id->csrf_token, "c2");
  EXPECT_EQ(s.GetWebSession(*s1 + 1000).status().code(), Code::kNotFound);

  Result<std::vector<WebSession>> list = s.ListWebSessions(a);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].id, *s2);  // last seen first

  EXPECT_EQ(*s.DeleteWebSessions(a, *s2), 1);
  EXPECT_EQ(s.FindWebSession("t1").status().code(), Code::kNotFound);
  EXPECT_TRUE(s.FindWebSession("t2").ok());
  // Idle before 250 or created before 0: both remaining sessions were last seen at 200.
  EXPECT_EQ(*s.DeleteExpiredWebSessions(250, 0), 2);
  EXPECT_TRUE(s.ListWebSessions(b)->empty());
  ASSERT_TRUE(s.DeleteWebSession(*s2).ok());  // already gone: OK
}

TYPED_TEST(StoreAccountsTest, TokensAreSingleUseAndExpire) {
  Session& s = this->session();
  Id a = this->MakeUser("a");
  ASSERT_TRUE(s.CreateAccountToken({"k1", a, "reset", "", 100, 200}).ok());
  ASSERT_TRUE(s.CreateAccountToken({"k2", a, "confirm-email", "x@example.org", 100, 200}).ok());
  ASSERT_TRUE(s.CreateAccountToken({"k3", a, "reset", "", 100, 150}).ok());
  EXPECT_EQ(s.CreateAccountToken({"k1", a, "reset", "", 100, 200}).code(), Code::kConflict);

  // Another purpose's token is not taken (nor consumed).
  EXPECT_EQ(s.TakeAccountToken("k2", "reset", 120).status().code(), Code::kNotFound);
  Result<AccountToken> t = s.TakeAccountToken("k2", "confirm-email", 120);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->payload, "x@example.org");
  EXPECT_EQ(t->user_id, a);
  EXPECT_EQ(s.TakeAccountToken("k2", "confirm-email", 120).status().code(), Code::kNotFound);
  // Expired: refused, and gone.
  EXPECT_EQ(s.TakeAccountToken("k3", "reset", 150).status().code(), Code::kNotFound);
  ASSERT_TRUE(s.CreateAccountToken({"k3", a, "reset", "", 100, 300}).ok());

  ASSERT_TRUE(s.DeleteAccountTokens(a, "reset").ok());
  EXPECT_EQ(s.TakeAccountToken("k1", "reset", 120).status().code(), Code::kNotFound);
  EXPECT_EQ(s.TakeAccountToken("k3", "reset", 120).status().code(), Code::kNotFound);
  EXPECT_EQ(s.CreateAccountToken({"k4", 999, "reset", "", 100, 200}).code(), Code::kNotFound);
}

TYPED_TEST(StoreAccountsTest, RecoveryCodesAreUsedOnce) {
  Session& s = this->session();
  Id a = this->MakeUser("a");
  Id b = this->MakeUser("b");
  ASSERT_TRUE(s.SetRecoveryCodes(a, {"r1", "r2", "r3"}).ok());
  ASSERT_TRUE(s.SetRecoveryCodes(b, {"r1"}).ok());
  EXPECT_EQ(*s.UnusedRecoveryCodes(a), 3);
  EXPECT_TRUE(*s.UseRecoveryCode(a, "r2", 10));
  EXPECT_FALSE(*s.UseRecoveryCode(a, "r2", 11));
  EXPECT_FALSE(*s.UseRecoveryCode(a, "zz", 11));
  EXPECT_EQ(*s.UnusedRecoveryCodes(a), 2);
  EXPECT_EQ(*s.UnusedRecoveryCodes(b), 1);  // b's identical code is b's own
  ASSERT_TRUE(s.SetRecoveryCodes(a, {"n1"}).ok());
  EXPECT_EQ(*s.UnusedRecoveryCodes(a), 1);
  EXPECT_FALSE(*s.UseRecoveryCode(a, "r1", 12));
}

TYPED_TEST(StoreAccountsTest, AuditIsFilteredAndKeepsTheNewest) {
  Session& s = this->session();
  Id a = this->MakeUser("a");
  ASSERT_TRUE(s.AppendAudit({0, 10, a, "a", "sign-in", "192.0.2.1", ""}).ok());
  ASSERT_TRUE(s.AppendAudit({0, 20, 0, "inconnu", "sign-in-failed", "192.0.2.2", ""}).ok());
  ASSERT_TRUE(s.AppendAudit({0, 30, a, "a", "password-changed", "", "web"}).ok());
  Result<std::vector<AuditEntry>> all = s.ListAudit({});
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].event, "sign-in");
  EXPECT_EQ((*all)[2].detail, "web");
  AuditQuery mine;
  mine.user_id = a;
  EXPECT_EQ(s.ListAudit(mine)->size(), 2u);
  mine.since = 15;
  ASSERT_EQ(s.ListAudit(mine)->size(), 1u);
  EXPECT_EQ((*s.ListAudit(mine))[0].event, "password-changed");
  AuditQuery newest;
  newest.limit = 2;
  Result<std::vector<AuditEntry>> two = s.ListAudit(newest);
  ASSERT_EQ(two->size(), 2u);
  EXPECT_EQ((*two)[0].at, 20);
  EXPECT_EQ((*two)[1].at, 30);
}

// Keys come from clients (a login typed at sign-in, an address in the forgotten-password form, a
// cookie). One that no stored row can equal, because it holds a NUL byte or is not UTF-8 (a
// Latin-1 login), finds nothing on every backend: not a 400, and never the row named by the
// bytes before the NUL (PostgreSQL's libpq sends text parameters as C strings).
TYPED_TEST(StoreAccountsTest, KeysNoRowCanHoldFindNothing) {
  using namespace std::string_literals;
  Session& s = this->session();
  Id a = this->MakeUser("ann", "ann@x.fr");
  ASSERT_TRUE(s.CreateAppPassword({0, a, "Agenda", "hash", 50, 0, ""}).ok());
  ASSERT_TRUE(s.CreateWebSession({0, "tok", a, SessionStage::kFull, "csrf", 50, 50, "", ""}).ok());
  ASSERT_TRUE(s.CreateAccountToken({"link", a, "reset", "", 100, 200}).ok());
  ASSERT_TRUE(s.SetRecoveryCodes(a, {"r1"}).ok());
  for (const std::string& suffix : {"\0x"s, "\xE9"s}) {
    SCOPED_TRACE(suffix.size());
    EXPECT_EQ(s.GetUserByLogin("ann" + suffix).status().code(), Code::kNotFound);
    EXPECT_EQ(s.GetUserByEmail("ann@x.fr" + suffix).status().code(), Code::kNotFound);
    EXPECT_EQ(s.FindAppPasswordByHash("hash" + suffix).status().code(), Code::kNotFound);
    EXPECT_EQ(s.FindWebSession("tok" + suffix).status().code(), Code::kNotFound);
    EXPECT_EQ(s.TakeAccountToken("link" + suffix, "reset", 120).status().code(), Code::kNotFound);
    EXPECT_EQ(s.DeleteAppPassword(a, "Agenda" + suffix).code(), Code::kNotFound);
    Result<bool> used = s.UseRecoveryCode(a, "r1" + suffix, 10);
    ASSERT_TRUE(used.ok()) << used.status().ToString();
    EXPECT_FALSE(*used);
  }
  // Nothing was taken or used by those lookups.
  EXPECT_TRUE(s.FindAppPasswordByHash("hash").ok());
  EXPECT_TRUE(s.TakeAccountToken("link", "reset", 120).ok());
  EXPECT_EQ(*s.UnusedRecoveryCodes(a), 1);
}

}  // namespace
}  // namespace cartable::store
