// The escaping that keeps a login from changing the meaning of the DN or filter it is put in
// (RFC 4514 §2.4, RFC 4515 §3). The binds themselves are tested against a real slapd
// (tests/http/ldap_test.cc).
#include <gtest/gtest.h>

#include "directory/ldap_auth.h"

namespace cartable::directory {
namespace {

TEST(LdapEscape, DnValueEscapesSpecialCharacters) {
  EXPECT_EQ(EscapeDnValue("jmartin"), "jmartin");
  EXPECT_EQ(EscapeDnValue("a,b"), "a\\,b");
  EXPECT_EQ(EscapeDnValue("a+b=c"), "a\\+b\\=c");
  EXPECT_EQ(EscapeDnValue("\"x\"<y>;z\\"), "\\\"x\\\"\\<y\\>\\;z\\\\");
  // Leading '#' or space and a trailing space are special only there.
  EXPECT_EQ(EscapeDnValue("#a#"), "\\#a#");
  EXPECT_EQ(EscapeDnValue(" a b "), "\\ a b\\ ");
  EXPECT_EQ(EscapeDnValue(std::string("a\0b", 3)), "a\\00b");
  EXPECT_EQ(EscapeDnValue("a\nb"), "a\\0ab");
  EXPECT_EQ(EscapeDnValue("élève"), "élève");  // UTF-8 is allowed as is
}

TEST(LdapEscape, FilterValueEscapesSpecialCharacters) {
  EXPECT_EQ(EscapeFilterValue("jmartin"), "jmartin");
  EXPECT_EQ(EscapeFilterValue("*)(uid=*"), "\\2a\\29\\28uid=\\2a");
  EXPECT_EQ(EscapeFilterValue("a\\b"), "a\\5cb");
  EXPECT_EQ(EscapeFilterValue(std::string("a\0b", 3)), "a\\00b");
  EXPECT_EQ(EscapeFilterValue("a,b"), "a,b");  // a comma means nothing in a filter value
}

TEST(LdapEscape, ExpandLoginReplacesEveryPlaceholder) {
  EXPECT_EQ(ExpandLogin("uid={login},ou=people,dc=a", "x\\,y"), "uid=x\\,y,ou=people,dc=a");
  EXPECT_EQ(ExpandLogin("(|(uid={login})(mail={login}))", "j"), "(|(uid=j)(mail=j))");
  EXPECT_EQ(ExpandLogin("(uid=x)", "j"), "(uid=x)");
  // The login's own text is not expanded again.
  EXPECT_EQ(ExpandLogin("uid={login}", "{login}"), "uid={login}");
}

// The constructor warns (no network involved) when passwords would cross the network in clear.
TEST(LdapVerifierOptions, WarnsAboutCleartextToAnotherHost) {
  auto warnings = [](const std::string& url, bool starttls) {
    std::vector<std::string> lines;
    LdapOptions o;
    o.url = url;
    o.user_dn = "uid={login},dc=a";
    o.starttls = starttls;
    LdapVerifier v(o, [&](const std::string& line) { lines.push_back(line); });
    return lines.size();
  };
  EXPECT_EQ(warnings("ldap://ldap.ac-test.fr/", false), 1u);
  EXPECT_EQ(warnings("ldaps://ldap.ac-test.fr ldap://ldap2.ac-test.fr:389", false), 1u);
  EXPECT_EQ(warnings("ldap://ldap.ac-test.fr/", true), 0u);
  EXPECT_EQ(warnings("ldaps://ldap.ac-test.fr/", false), 0u);
  EXPECT_EQ(warnings("ldap://127.0.0.1:3389/", false), 0u);
  EXPECT_EQ(warnings("ldap://localhost", false), 0u);
  EXPECT_EQ(warnings("ldap://[::1]:389/", false), 0u);
}

}  // namespace
}  // namespace cartable::directory
