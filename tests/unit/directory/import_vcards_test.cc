#include "directory/import_vcards.h"

#include <gtest/gtest.h>

namespace cartable::directory {
namespace {

const std::map<std::string, std::string> kDepts = {{"37", "Indre-et-Loire"}};

TEST(VCardsTest, EscapesAndFoldsWithoutSplittingUtf8) {
  EXPECT_EQ(EscapeVCardText("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
  std::string line = "FN:" + std::string(71, 'x') + "ééééé";
  std::string folded = FoldVCardLine(line);
  size_t crlf = folded.find("\r\n");
  ASSERT_NE(crlf, std::string::npos);
  EXPECT_LE(crlf, 75u);
  EXPECT_EQ(crlf, 74u) << "the cut moves back before the 2-byte é";
  EXPECT_EQ(folded.substr(crlf, 3), "\r\n ");
  std::string unfolded = folded;
  for (size_t p; (p = unfolded.find("\r\n ")) != std::string::npos;) unfolded.erase(p, 3);
  EXPECT_EQ(unfolded, line + "\r\n");
}

TEST(VCardsTest, PersonCard) {
  store::DirectoryEntry e;
  e.card_uid = "urn:uuid:0f0e0d0c-0b0a-4908-8706-050403020100";
  e.nom = "Le Gall-Dubois";
  e.prenom = "Hélène";
  e.email = "helene.le-gall-dubois@ac-orleans-tours.fr";
  e.telephone = "02 47 00 00 00";
  e.etablissement = "Lycée Descartes; site Nord";
  e.fonction = "Professeure";
  e.uai = "0370001A";
  e.departement = "37";
  EXPECT_EQ(PersonVCard(e, kDepts),
            "BEGIN:VCARD\r\nVERSION:4.0\r\n"
            "UID:urn:uuid:0f0e0d0c-0b0a-4908-8706-050403020100\r\n"
            "FN:Hélène Le Gall-Dubois\r\n"
            "N:Le Gall-Dubois;Hélène;;;\r\n"
            "EMAIL;TYPE=work:helene.le-gall-dubois@ac-orleans-tours.fr\r\n"
            "TEL;TYPE=work:02 47 00 00 00\r\n"
            "ORG:Lycée Descartes\\; site Nord;DSDEN 37 — Indre-et-Loire\r\n"
            "TITLE:Professeure\r\n"
            "CATEGORIES:DSDEN 37 — Indre-et-Loire,Lycée Descartes\\; site Nord\r\n"
            "X-CARTABLE-UAI:0370001A\r\n"
            "X-CARTABLE-DEPARTEMENT:37\r\n"
            "END:VCARD\r\n");
}

TEST(VCardsTest, GroupsPerDepartmentAndEstablishment) {
  std::vector<store::DirectoryEntry> entries(3);
  for (int i = 0; i < 3; ++i) {
    entries[i].card_uid = NewCardUid();
    entries[i].nom = "N" + std::to_string(i);
    entries[i].prenom = "P";
    entries[i].departement = "37";
    entries[i].uai = "0370001A";
    entries[i].etablissement = "Lycée Descartes";
  }
  entries[2].active = false;
  std::vector<DirectoryCard> cards = DirectoryCards(entries, kDepts);
  ASSERT_EQ(cards.size(), 4u);  // 2 people, 1 department, 1 establishment
  EXPECT_EQ(cards[0].name, entries[0].card_uid.substr(9) + ".vcf");
  EXPECT_EQ(cards[2].name, "dsden-37.vcf");
  EXPECT_EQ(cards[3].name, "etab-0370001a.vcf");
  EXPECT_NE(cards[2].data.find("KIND:group\r\n"), std::string::npos);
  EXPECT_NE(cards[2].data.find("FN:DSDEN 37 — Indre-et-Loire\r\n"), std::string::npos);
  EXPECT_NE(cards[3].data.find("FN:Lycée Descartes\r\n"), std::string::npos);
  EXPECT_NE(cards[3].data.find("MEMBER:" + entries[1].card_uid), std::string::npos);
  EXPECT_EQ(cards[3].data.find("MEMBER:" + entries[2].card_uid), std::string::npos);
  EXPECT_EQ(cards[2].uid, GroupUid("dsden-37")) << "stable";
  EXPECT_EQ(cards[2].uid.size(), 45u);
  EXPECT_EQ(NewCardUid()[23], '4');  // version nibble
}

}  // namespace
}  // namespace cartable::directory
