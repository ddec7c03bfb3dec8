#include "directory/accounts.h"

#include <gtest/gtest.h>

#include "directory/password.h"
#include "tests/testlib/temp_store.h"

namespace cartable::directory {
namespace {

TEST(PasswordTest, TemporaryStrengthIsCheaperArgon2id) {
  std::string h = HashPassword("12E3456789ABC", HashStrength::kTemporary);
  EXPECT_EQ(h.rfind("$argon2id$v=19$m=2048,t=1,", 0), 0u) << h;
  EXPECT_TRUE(VerifyPassword(h, "12E3456789ABC"));
  EXPECT_EQ(HashPassword("x").rfind("$argon2id$v=19$m=19456,t=2,", 0), 0u);
}

TEST(PasswordTest, Argon2idHashVerifies) {
  std::string h = HashPassword("correct horse");
  EXPECT_EQ(h.rfind("$argon2id$", 0), 0u) << h;
  EXPECT_TRUE(VerifyPassword(h, "correct horse"));
  EXPECT_FALSE(VerifyPassword(h, "wrong"));
  EXPECT_FALSE(VerifyPassword("", "x"));
  EXPECT_NE(HashPassword("correct horse"), h) << "salted";
}

// Unknown logins are verified against the dummy hash: it must cost what a real one costs, so it
// has the kStandard parameters; it is made once per process.
TEST(PasswordTest, DummyHashHasStandardParameters) {
  const std::string& dummy = DummyPasswordHash();
  EXPECT_EQ(dummy.rfind("$argon2id$v=19$m=19456,t=2,", 0), 0u) << dummy;
  EXPECT_EQ(&DummyPasswordHash(), &dummy);
  EXPECT_EQ(DummyPasswordHash(), dummy);
  VerifyDummyPassword("anything");  // always fails, returns nothing
  std::string temporary = HashPassword("12E3456789ABC", HashStrength::kTemporary);
  EXPECT_TRUE(VerifyPasswordEvenly(temporary, "12E3456789ABC"));
  EXPECT_FALSE(VerifyPasswordEvenly(temporary, "x"));
  EXPECT_TRUE(VerifyPasswordEvenly(HashPassword("pw"), "pw"));
}

class AccountsTest : public ::testing::Test {
 protected:
  testlib::TempStore store_;
  Accounts accounts_{*store_};
};

TEST_F(AccountsTest, AddFindVerify) {
  auto id = accounts_.AddUser("jlabert", "Jean Labert", "Jean.Labert@ac-orleans-tours.fr", "pw");
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  auto by_email = accounts_.Find("jean.labert@AC-orleans-tours.fr");
  ASSERT_TRUE(by_email.ok());
  EXPECT_EQ(by_email->login, "jlabert");
  EXPECT_EQ(by_email->id, *id);
  EXPECT_TRUE(accounts_.VerifyPassword(by_email->id, "pw"));
  EXPECT_FALSE(accounts_.VerifyPassword(by_email->id, "pW"));
  EXPECT_FALSE(accounts_.VerifyPassword(*id + 1000, "pw"));
  EXPECT_TRUE(accounts_.Find("JLABERT").ok());
  EXPECT_TRUE(accounts_.FindById(*id).ok());
  EXPECT_EQ(accounts_.Find("nobody").status().code(), Status::Code::kNotFound);
}

TEST_F(AccountsTest, RefusesBadInputAndDuplicates) {
  EXPECT_EQ(accounts_.AddUser("J Labert", "X", "", "pw").status().code(),
            Status::Code::kBadRequest);
  EXPECT_EQ(accounts_.AddUser("jlabert", "", "", "pw").status().code(), Status::Code::kBadRequest);
  EXPECT_EQ(accounts_.AddUser("jlabert", "X", "not-an-email", "pw").status().code(),
            Status::Code::kBadRequest);
  EXPECT_EQ(accounts_.AddUser("jlabert", "X", "", "").status().code(), Status::Code::kBadRequest);
  ASSERT_TRUE(accounts_.AddUser("jlabert", "X", "a@b.fr", "pw").ok());
  EXPECT_EQ(accounts_.AddUser("jlabert", "Y", "", "pw").status().code(), Status::Code::kConflict);
  EXPECT_EQ(accounts_.AddUser("jlabert2", "Y", "a@b.fr", "pw").status().code(),
            Status::Code::kConflict);
}

TEST_F(AccountsTest, PasswordChangeAndDisableBumpTheCredentialVersion) {
  ASSERT_TRUE(accounts_.AddUser("jlabert", "X", "", "pw").ok());
  int64_t v0 = accounts_.Find("jlabert")->credential_version;
  ASSERT_TRUE(accounts_.SetPassword("jlabert", "new").ok());
  auto u = accounts_.Find("jlabert");
  EXPECT_GT(u->credential_version, v0);
  EXPECT_TRUE(accounts_.VerifyPassword(u->id, "new"));
  ASSERT_TRUE(accounts_.Disable("jlabert").ok());
  auto d = accounts_.Find("jlabert");
  EXPECT_EQ(d->state, store::UserState::kDisabled);
  EXPECT_GT(d->credential_version, u->credential_version);
  EXPECT_EQ(accounts_.SetPassword("nobody", "x").code(), Status::Code::kNotFound);
}

}  // namespace
}  // namespace cartable::directory
