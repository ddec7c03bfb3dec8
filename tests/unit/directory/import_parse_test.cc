#include "directory/import_parse.h"

#include <gtest/gtest.h>

namespace cartable::directory {
namespace {

TEST(CsvTest, SemicolonsBomCrlfAndOptionalNumen) {
  ParsedFile f = ParseCsv(
      "\xEF\xBB\xBFnom;prenom;email;fonction;etablissement;uai;departement;telephone\r\n"
      "Le Gall-Dubois;Hélène;;Professeure;Lycée Descartes;0370001A;37;02 47 00 00 00\r\n"
      "\r\n"
      "Martin;Jean;jean.martin@ac-orleans-tours.fr;CPE;Collège Jean Zay;0450002B;45;\r\n");
  ASSERT_TRUE(f.errors.empty()) << f.errors[0].message;
  ASSERT_EQ(f.records.size(), 2u);
  EXPECT_EQ(f.records[0].nom, "Le Gall-Dubois");
  EXPECT_EQ(f.records[0].prenom, "Hélène");
  EXPECT_EQ(f.records[0].telephone, "02 47 00 00 00");
  EXPECT_EQ(f.records[0].line, 2);
  EXPECT_EQ(f.records[1].line, 4);
  EXPECT_EQ(f.records[1].numen, "");
}

TEST(CsvTest, CommasQuotesAndColumnsInAnyOrder) {
  ParsedFile f = ParseCsv(
      "prenom,nom,email,fonction,etablissement,uai,departement,telephone,numen\n"
      "Jean,\"Dupont, dit \"\"Jo\"\"\",,\"Prof\nde maths\",X,0370001A,37,,12E3456789ABC\n"
      "Anne,Roy,,,,,18,,\n");
  ASSERT_TRUE(f.errors.empty()) << f.errors[0].message;
  ASSERT_EQ(f.records.size(), 2u);
  EXPECT_EQ(f.records[0].nom, "Dupont, dit \"Jo\"");
  EXPECT_EQ(f.records[0].fonction, "Prof\nde maths");
  EXPECT_EQ(f.records[0].numen, "12E3456789ABC");
  EXPECT_EQ(f.records[1].line, 4);  // the quoted newline counts
}

TEST(CsvTest, OptionalBirthDateColumn) {
  ParsedFile f = ParseCsv(
      "nom;prenom;email;fonction;etablissement;uai;departement;telephone;DATE_NAISSANCE\n"
      "Roy;Anne;;;;;18;; 15/03/1985 \n"
      "Roy;Paul;;;;;18;;1985-03-15\n"
      "Roy;Lise;;;;;18;;\n");
  ASSERT_TRUE(f.errors.empty()) << f.errors[0].message;
  ASSERT_EQ(f.records.size(), 3u);
  EXPECT_EQ(f.records[0].date_naissance, "15/03/1985");  // checked by the import, not here
  EXPECT_EQ(f.records[1].date_naissance, "1985-03-15");
  EXPECT_EQ(f.records[2].date_naissance, "");
}

TEST(CsvTest, ErrorsCarryLineNumbers) {
  ParsedFile f = ParseCsv(
      "nom;prenom;email;fonction;etablissement;uai;departement;telephone\n"
      "A;B;;;;;37;\n"
      "A;B;;;;37;\n"
      "C;D;;;;;37;;extra\n");
  ASSERT_EQ(f.errors.size(), 2u);
  EXPECT_EQ(f.errors[0].line, 3);
  EXPECT_NE(f.errors[0].message.find("column count"), std::string::npos);
  EXPECT_EQ(f.errors[1].line, 4);
  EXPECT_EQ(f.records.size(), 1u);
}

TEST(CsvTest, BadHeaderAndUnterminatedQuote) {
  ParsedFile f = ParseCsv("nom;prenom;courriel\n");
  ASSERT_FALSE(f.errors.empty());
  EXPECT_EQ(f.errors[0].line, 1);
  EXPECT_NE(f.errors[0].message.find("courriel"), std::string::npos);
  f = ParseCsv("nom;prenom;email;fonction;etablissement;uai;departement;telephone\nA;\"B;;;;;;\n");
  ASSERT_EQ(f.errors.size(), 1u);
  EXPECT_EQ(f.errors[0].line, 2);
}

TEST(LdifTest, Base64ContinuationsCommentsAndMapping) {
  ParsedFile f = ParseLdif(
      "version: 1\n"
      "# export annuaire\n"
      "\n"
      "dn: uid=hlegall,ou=people,dc=ac-orleans-tours,dc=fr\n"
      "uid: hlegall\n"
      "cn: H\xC3\xA9l\xC3\xA8ne Le Gall\n"
      "sn: Le Gall-\n"
      " Dubois\n"
      "givenName:: SMOpbMOobmU=\n"
      "mail: helene.le-gall@ac-orleans-tours.fr\n"
      "title: Professeure\n"
      "ou: Lyc\xC3\xA9"
      "e Descartes\n"
      "departmentNumber: 37\n"
      "telephoneNumber: 02 47 00 00 00\n"
      "\n"
      "# second\n"
      "dn: uid=jmartin,ou=people\r\n"
      "uid: jmartin\r\n"
      "sn: Martin\r\n"
      "givenName: Jean\r\n"
      "uai: 0450002b\r\n");
  ASSERT_TRUE(f.errors.empty()) << f.errors[0].message;
  ASSERT_EQ(f.records.size(), 2u);
  EXPECT_EQ(f.records[0].nom, "Le Gall-Dubois");
  EXPECT_EQ(f.records[0].prenom, "Hélène");
  EXPECT_EQ(f.records[0].ldif_uid, "hlegall");
  EXPECT_EQ(f.records[0].etablissement, "Lycée Descartes");
  EXPECT_EQ(f.records[0].departement, "37");
  EXPECT_EQ(f.records[0].uai, "");
  EXPECT_EQ(f.records[0].line, 4);
  EXPECT_EQ(f.records[1].uai, "0450002b");
  EXPECT_EQ(f.records[1].line, 17);
}

TEST(LdifTest, ErrorsCarryLineNumbers) {
  ParsedFile f = ParseLdif(
      "dn: uid=a\n"
      "uid: a\n"
      "sn:: ***\n"
      "\n"
      "dn: uid=b\n"
      "no colon here\n"
      "\n"
      "dn: uid=c\n"
      "changetype: delete\n");
  ASSERT_EQ(f.errors.size(), 3u);
  EXPECT_EQ(f.errors[0].line, 3);
  EXPECT_EQ(f.errors[1].line, 6);
  EXPECT_EQ(f.errors[2].line, 8);
  EXPECT_TRUE(f.records.empty());
}

TEST(LdifTest, BirthDateAcceptsGeneralizedTime) {
  ParsedFile f = ParseLdif(
      "dn: uid=a\nuid: a\nsn: A\ngivenName: A\ndateNaissance: 19850315000000Z\n\n"
      "dn: uid=b\nuid: b\nsn: B\ngivenName: B\ndatenaissance: 19850315\n\n"
      "dn: uid=c\nuid: c\nsn: C\ngivenName: C\ndateNaissance: 15/03/1985\n\n"
      "dn: uid=d\nuid: d\nsn: D\ngivenName: D\ndateNaissance: 1985031523+0100\n\n"
      "dn: uid=e\nuid: e\nsn: E\ngivenName: E\ndateNaissance: 198503\n\n"
      "dn: uid=f\nuid: f\nsn: F\ngivenName: F\ndateNaissance: 19850315T00\n");
  ASSERT_TRUE(f.errors.empty()) << f.errors[0].message;
  ASSERT_EQ(f.records.size(), 6u);
  EXPECT_EQ(f.records[0].date_naissance, "1985-03-15");
  EXPECT_EQ(f.records[1].date_naissance, "1985-03-15");
  EXPECT_EQ(f.records[2].date_naissance, "15/03/1985");
  EXPECT_EQ(f.records[3].date_naissance, "1985-03-15");  // the date as the directory wrote it
  EXPECT_EQ(f.records[4].date_naissance, "198503");      // not a date: the import refuses it
  EXPECT_EQ(f.records[5].date_naissance, "19850315T00");
}

TEST(LdifTest, Detection) {
  EXPECT_TRUE(LooksLikeLdif("# c\n\nversion: 1\ndn: x\n"));
  EXPECT_TRUE(LooksLikeLdif("dn: uid=a\n"));
  EXPECT_FALSE(LooksLikeLdif("nom;prenom\n"));
}

}  // namespace
}  // namespace cartable::directory
