#include "directory/password_policy.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace cartable::directory {
namespace {

std::vector<std::string> Codes(const std::vector<PasswordProblem>& problems) {
  std::vector<std::string> out;
  for (const PasswordProblem& p : problems) out.push_back(p.code);
  return out;
}

bool Has(const std::vector<PasswordProblem>& problems, const std::string& code) {
  std::vector<std::string> c = Codes(problems);
  return std::find(c.begin(), c.end(), code) != c.end();
}

PasswordContext Martin() {
  PasswordContext c;
  c.login = "hlegalldubois";
  c.names = {"Hélène", "Le Gall-Dubois"};
  c.numen = "12E3456789ABC";
  c.email = "helene.le-gall-dubois@ac-orleans-tours.fr";
  return c;
}

const PasswordPolicy kPolicy;

TEST(PasswordPolicyTest, AcceptsALongPassphrase) {
  EXPECT_TRUE(CheckPassword(kPolicy, "cheval-agrafe-tuile-nuage", Martin()).empty());
  EXPECT_TRUE(CheckPassword(kPolicy, "kq7#Lm2p!xZ9", Martin()).empty());
}

TEST(PasswordPolicyTest, CountsCharactersNotBytes) {
  PasswordPolicy p;
  p.min_guesses_log10 = 0;  // only the length here
  // 11 characters but 22 bytes: too short.
  std::vector<PasswordProblem> r = CheckPassword(p, "ééééééééééé", {});
  EXPECT_EQ(Codes(r), std::vector<std::string>{"too-short"});
  EXPECT_EQ(r[0].message, "Le mot de passe doit contenir au moins 12 caractères.");
  EXPECT_TRUE(CheckPassword(p, "éééééééééééé", {}).empty());  // 12 characters
  p.max_length = 12;
  EXPECT_TRUE(CheckPassword(p, "éééééééééééé", {}).empty());
  r = CheckPassword(p, "éééééééééééééé", {});
  EXPECT_EQ(Codes(r), std::vector<std::string>{"too-long"});
  EXPECT_EQ(r[0].message, "Le mot de passe doit contenir au plus 12 caractères.");
}

TEST(PasswordPolicyTest, RefusesInvalidUtf8Alone) {
  for (const char* bad :
       {"abcdefghijkl\xFF", "\xC3(abcdefghijklmnop", "abc\xED\xA0\x80xyzxyzxyz"}) {
    std::vector<PasswordProblem> r = CheckPassword(kPolicy, bad, Martin());
    EXPECT_EQ(Codes(r), std::vector<std::string>{"not-utf8"}) << bad;
  }
}

TEST(PasswordPolicyTest, RefusesTheLoginNamesEmailAndNumenFoldedAnywhere) {
  EXPECT_TRUE(Has(CheckPassword(kPolicy, "xx-HLegallDubois-91!zq", Martin()), "contains-login"));
  EXPECT_TRUE(Has(CheckPassword(kPolicy, "Hélène-de-Tours-9182-zq", Martin()), "contains-name"));
  EXPECT_TRUE(Has(CheckPassword(kPolicy, "ma-HELENE-a-moi-9182", Martin()), "contains-name"));
  EXPECT_TRUE(Has(CheckPassword(kPolicy, "qz!DUBOIS-xx-9182-vb", Martin()), "contains-name"));
  EXPECT_TRUE(Has(CheckPassword(kPolicy, "ab 12e3456789abc zz!", Martin()), "is-numen"));
  PasswordContext other = Martin();
  other.login = "zzlogin";
  EXPECT_TRUE(Has(CheckPassword(kPolicy, "helene.le-gall-dubois##9182", other), "contains-login"));
  // Words of fewer than 3 letters ("Le") are not refused on their own.
  std::vector<PasswordProblem> r = CheckPassword(kPolicy, "cheval-le-tuile-nuage", Martin());
  EXPECT_TRUE(r.empty()) << Codes(r).size();
  EXPECT_EQ(MakePasswordProblem("is-numen", kPolicy).message,
            "Le mot de passe ne doit pas contenir votre NUMEN.");
}

TEST(PasswordPolicyTest, RefusesWhatZxcvbnGuessesQuickly) {
  for (const char* weak : {"Azerty123!", "P@ssw0rd2024!", "aaaaaaaaaaaaaaa", "qwertyuiop12",
                           "Bonjour123456", "15/03/1985abc"}) {
    EXPECT_TRUE(Has(CheckPassword(kPolicy, weak, {}), "too-weak")) << weak;
  }
  // Common French passwords (zxcvbn's own lists are English): 10.06 without the French words.
  EXPECT_TRUE(Has(CheckPassword(kPolicy, "motdepasse2024", {}), "too-weak"));
  EXPECT_TRUE(Has(CheckPassword(kPolicy, "Academie!2024!", {}), "too-weak"));
  std::vector<PasswordProblem> r = CheckPassword(kPolicy, "Azerty123!", {});
  const auto weak = std::find_if(r.begin(), r.end(), [](auto& p) { return p.code == "too-weak"; });
  EXPECT_NE(weak->message.find("trop facile à deviner"), std::string::npos);
}

// The person's own words count as the most likely guesses: a password otherwise strong enough
// becomes weak with the user's surname in the user dictionary.
TEST(PasswordPolicyTest, UserWordsLowerTheEstimate) {
  PasswordPolicy p;
  p.min_guesses_log10 = 9;
  const char* candidate = "Kerbrat#Quimper";
  PasswordContext none;
  EXPECT_FALSE(Has(CheckPassword(p, candidate, none), "too-weak"));
  PasswordContext ctx;
  ctx.email = "kerbrat.quimper@example.org";  // words only from the e-mail's local part
  ctx.login = "zz";
  EXPECT_TRUE(Has(CheckPassword(p, candidate, ctx), "too-weak"));
}

TEST(PasswordPolicyTest, ReusedMessageNamesTheHistory) {
  PasswordPolicy p;
  p.history = 5;
  PasswordProblem r = MakePasswordProblem("reused", p);
  EXPECT_EQ(r.code, "reused");
  EXPECT_NE(r.message.find("5 derniers"), std::string::npos);
}

}  // namespace
}  // namespace cartable::directory
