// AccountService::ChangePassword and CheckNewPassword against the real store: the current
// password (counted by the lockout when wrong), the policy, the NUMEN, the history, and what a
// change does (standard-cost hash, must-change cleared, other sessions ended, audited).
#include <gtest/gtest.h>

#include "tests/unit/directory/account_fixture.h"

namespace cartable::directory {
namespace {

constexpr const char* kOld = "Ciel-orageux-sur-Tours-1987";
constexpr const char* kNew = "Quatre-chevaux-dansent-sur-la-Loire";
constexpr const char* kThird = "Vingt-mille-lieues-sous-le-Cher-2031";
constexpr const char* kNumen = "12E3456789ABC";

std::string Codes(const std::vector<PasswordProblem>& problems) {
  std::string out;
  for (const PasswordProblem& p : problems) out += p.code + " ";
  return out;
}

class PasswordChangeTest : public AccountFixture {
 protected:
  void SetUp() override { jlabert_ = AddUser("jlabert", kOld); }
  Status Change(const std::string& current, const std::string& next, store::Id keep = 0) {
    return service().ChangePassword(jlabert_, current, next, client_, keep);
  }
  store::Id jlabert_ = 0;
};

TEST_F(PasswordChangeTest, ChangesThePasswordAndEndsOtherSessions) {
  store::Id mine = AddSession(jlabert_, "mine");
  AddSession(jlabert_, "phone");
  AddSession(jlabert_, "laptop");
  int64_t version = User(jlabert_).credential_version;
  now_ += 100;
  Status st = Change(kOld, kNew, mine);
  ASSERT_TRUE(st.ok()) << st.ToString();
  store::User u = User(jlabert_);
  EXPECT_TRUE(VerifyPassword(u.password_hash, kNew));
  EXPECT_EQ(u.password_hash.rfind("$argon2id$v=19$m=19456,t=2,", 0), 0u) << "standard cost";
  EXPECT_GT(u.credential_version, version);
  EXPECT_EQ(Security(jlabert_).password_changed_at, now_);
  Result<std::vector<store::WebSession>> left = s().ListWebSessions(jlabert_);
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ(left->front().id, mine);
  std::vector<std::string> events = Events(jlabert_);
  EXPECT_EQ(Count(events, "password-changed"), 1);
  EXPECT_EQ(Count(events, "sessions-ended"), 1);
  EXPECT_EQ(Web("jlabert", kNew).outcome, SignInOutcome::kOk);
  EXPECT_EQ(Web("jlabert", kOld).outcome, SignInOutcome::kRefused);
}

// A wrong current password: refused with "wrong-password", nothing changed, and counted by the
// lockout (a stolen session must not guess the password without limit).
TEST_F(PasswordChangeTest, WrongCurrentPasswordIsRefusedAndCounted) {
  options_.lockout_threshold = 2;
  Status st = Change("not-it", kNew);
  EXPECT_EQ(st.code(), Status::Code::kBadRequest);
  EXPECT_EQ(st.message(), AccountError::kWrongPassword);
  EXPECT_TRUE(VerifyPassword(User(jlabert_).password_hash, kOld));
  EXPECT_EQ(s().AuthFailuresSince(jlabert_, 0)->size(), 1u);
  EXPECT_EQ(Change("not-it-either", kNew).message(), AccountError::kWrongPassword);
  EXPECT_TRUE(service().IsBlocked(jlabert_));
  EXPECT_EQ(Change(kOld, kNew).message(), AccountError::kWrongPassword) << "locked";
  EXPECT_TRUE(VerifyPassword(User(jlabert_).password_hash, kOld));
}

TEST_F(PasswordChangeTest, PolicyProblemsRefuse) {
  std::vector<PasswordProblem> problems = service().CheckNewPassword(User(jlabert_), "court");
  ASSERT_FALSE(problems.empty());
  EXPECT_NE(Codes(problems).find("too-short"), std::string::npos) << Codes(problems);
  EXPECT_FALSE(problems.front().message.empty()) << "French text for the pages";
  Status st = Change(kOld, "court");
  EXPECT_EQ(st.code(), Status::Code::kBadRequest);
  EXPECT_EQ(st.message(), problems.front().code) << "the first problem's code";
  problems = service().CheckNewPassword(User(jlabert_), "jlabert-Jlabert-JLABERT-2027");
  EXPECT_NE(Codes(problems).find("contains-login"), std::string::npos) << Codes(problems);
  EXPECT_FALSE(Change(kOld, "jlabert-Jlabert-JLABERT-2027").ok());
  EXPECT_TRUE(VerifyPassword(User(jlabert_).password_hash, kOld)) << "nothing changed";
  problems = service().CheckNewPassword(User(jlabert_), kNew);
  EXPECT_TRUE(problems.empty()) << Codes(problems);
}

// Not one of the last `history` passwords (the current one included).
TEST_F(PasswordChangeTest, HistoryRefusesRecentPasswords) {
  options_.password.history = 2;
  EXPECT_EQ(Change(kOld, kOld).message(), "reused");
  ASSERT_TRUE(Change(kOld, kNew).ok());
  ASSERT_TRUE(Change(kNew, kThird).ok());
  EXPECT_EQ(Change(kThird, kNew).message(), "reused");
  std::vector<PasswordProblem> problems = service().CheckNewPassword(User(jlabert_), kThird);
  EXPECT_NE(Codes(problems).find("reused"), std::string::npos);
  EXPECT_EQ(s().PasswordHistory(jlabert_, 10)->size(), 2u) << "only `history` kept";
}

TEST_F(PasswordChangeTest, NoHistoryAllowsReuse) {
  options_.password.history = 0;
  EXPECT_TRUE(Change(kOld, kOld).ok());
}

// The first login: the current password is the NUMEN; the change clears must-change, and the
// NUMEN itself is refused as the new one (also when it is only known as the directory's keyed
// hash).
TEST_F(PasswordChangeTest, InitialPasswordReplaced) {
  store::Id id = AddUser("jmartin", kNumen, /*initial=*/true);
  store::DirectoryEntry e;
  e.source_key = "test:jmartin";
  e.user_id = id;
  e.card_uid = "urn:uuid:00000000-0000-0000-0000-000000000001";
  e.nom = "Martin";
  e.prenom = "Jean";
  e.numen_hash = key_.Hash("numen", NormalNumen(kNumen));
  {
    auto txn = s().Begin(true);
    ASSERT_TRUE(s().PutDirectoryEntry(e).ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  EXPECT_NE(Codes(service().CheckNewPassword(User(id), "12e3456789abc")).find("is-numen"),
            std::string::npos)
      << "the NUMEN typed in lower case";
  Status numen = service().ChangePassword(id, kNumen, kNumen, client_, 0);
  EXPECT_FALSE(numen.ok());
  Status st = service().ChangePassword(id, kNumen, kNew, client_, 0);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_FALSE(User(id).must_change_password);
  EXPECT_EQ(Web("jmartin", kNew).outcome, SignInOutcome::kOk);
  EXPECT_EQ(Web("jmartin", kNumen).outcome, SignInOutcome::kRefused);
}

// Expired password: after the change the account opens again.
TEST_F(PasswordChangeTest, ChangeEndsExpiry) {
  options_.password.expiry_days = 30;
  now_ += 31 * 86400;
  ASSERT_EQ(Web("jlabert", kOld).outcome, SignInOutcome::kMustChange);
  ASSERT_TRUE(Change(kOld, kNew).ok());
  EXPECT_EQ(Web("jlabert", kNew).outcome, SignInOutcome::kOk);
}

// [auth] backend = ldap: the directory owns personal passwords.
TEST_F(PasswordChangeTest, ManagedByDirectory) {
  service().SetPasswordVerifier([](const store::User&, const std::string&) { return true; });
  EXPECT_EQ(Change(kOld, kNew).message(), AccountError::kManagedByDirectory);
}

}  // namespace
}  // namespace cartable::directory
