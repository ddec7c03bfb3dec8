#include "directory/identity.h"

#include <gtest/gtest.h>

namespace cartable::directory {
namespace {

TEST(IdentityTest, FoldsAccentsAndLigatures) {
  EXPECT_EQ(FoldName("Hélène Çœur-Ægir Straße"), "helene coeur-aegir strasse");
  EXPECT_EQ(FoldName("ÀÂÄÉÈÊËÎÏÔÖÙÛÜŸÇ"), "aaaeeeeiioouuuyc");
}

TEST(IdentityTest, LoginDropsAccentsSpacesHyphensApostrophes) {
  EXPECT_EQ(LoginBase("Hélène", "Le Gall-Dubois"), "hlegalldubois");
  EXPECT_EQ(LoginBase("Aïssata", "N'Diaye"), "andiaye");
  EXPECT_EQ(LoginBase("Aïssata",
                      "N\xE2\x80\x99"
                      "Diaye"),
            "andiaye");  // typographic apostrophe
  EXPECT_EQ(LoginBase("Jean-Pierre", "Martin"), "jmartin");
  EXPECT_EQ(LoginBase("Élodie", "D'Alembert"), "edalembert");
  EXPECT_EQ(LoginBase("", "Martin"), "");
  EXPECT_EQ(LoginBase("李", "Martin"), "");  // nothing foldable in the first name
}

TEST(IdentityTest, EmailKeepsHyphensAndTurnsSpacesIntoOne) {
  EXPECT_EQ(EmailLocalBase("Hélène", "Le Gall-Dubois"), "helene.le-gall-dubois");
  EXPECT_EQ(EmailLocalBase("Jean-Pierre", "N'Diaye"), "jean-pierre.ndiaye");
  EXPECT_EQ(EmailLocalBase("Marie  Anne", "de  La Tour "), "marie-anne.de-la-tour");
  EXPECT_EQ(EmailLocalBase("Zoé", "Saint - Just"), "zoe.saint-just");
}

TEST(IdentityTest, HomonymsGetTheNextFreeDigit) {
  IdentityAllocator a;
  a.Take("jmartin2");  // an existing account
  EXPECT_EQ(a.NextLogin("jmartin"), "jmartin");
  EXPECT_EQ(a.NextLogin("jmartin"), "jmartin3");
  EXPECT_EQ(a.NextLogin("jmartin"), "jmartin4");
  IdentityAllocator e;
  e.Take("jean.martin@ac-orleans-tours.fr");
  EXPECT_EQ(e.NextEmail("jean.martin", "ac-orleans-tours.fr"), "jean.martin2@ac-orleans-tours.fr");
  EXPECT_EQ(e.NextEmail("jean.martin", "ac-orleans-tours.fr"), "jean.martin3@ac-orleans-tours.fr");
}

TEST(IdentityTest, SourceKeyPrefersNumenThenUidThenEmailThenNames) {
  // The NUMEN's keyed hash (secret_key.h), never the NUMEN: the caller passes the hash.
  EXPECT_EQ(SourceKey("0f3a", "x", "a@b.fr", "N", "P", "0370001a"), "numen:0f3a");
  EXPECT_EQ(SourceKey("", "jdupont", "a@b.fr", "N", "P", ""), "uid:jdupont");
  EXPECT_EQ(SourceKey("", "", "A@B.fr", "N", "P", ""), "email:a@b.fr");
  EXPECT_EQ(SourceKey("", "", "", "Le Gall", "Hélène", "0370001a"), "name:legall|helene|0370001a");
}

}  // namespace
}  // namespace cartable::directory
