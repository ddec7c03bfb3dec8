// Typed contact fields over real clients' vCards (dav/carddav/vcard_edit.h): reading both group
// spellings, edits that keep everything they do not change, new cards as iOS writes them.
#include "dav/carddav/vcard_edit.h"

#include <gtest/gtest.h>

#include "tests/unit/carddav/test_util.h"

namespace cartable::dav::carddav {
namespace {

using testing::Crlf;
using testing::Sample;

VCard Parse(const std::string& text) {
  Result<VCard> card = ParseVCard(text);
  EXPECT_TRUE(card.ok()) << card.status().ToString();
  return card.ok() ? *card : VCard{};
}

// The serialised lines of `card` named `name` (group and parameters included).
std::vector<std::string> Lines(const std::string& text, const std::string& prefix) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find("\r\n", pos);
    std::string line = text.substr(pos, eol - pos);
    if (line.rfind(prefix, 0) == 0) out.push_back(line);
    pos = eol == std::string::npos ? text.size() : eol + 2;
  }
  return out;
}

TEST(VCardEdit, ReadsAnAppleCard) {
  ContactFields f = ReadContact(Parse(Sample("apple30.vcf")));
  EXPECT_EQ(f.uid, "7C7C4E4A-1B5B-4C4C-9C9C-0A0A0A0A0A0A");
  EXPECT_EQ(f.kind, "individual");
  EXPECT_EQ(f.fn, "Johnny Appleseed");
  EXPECT_EQ(f.family, "Appleseed");
  EXPECT_EQ(f.given, "Johnny");
  EXPECT_EQ(f.org, "Apple Inc.");
  ASSERT_EQ(f.emails.size(), 1u);
  EXPECT_EQ(f.emails[0], (TypedValue{"other", "johnny@example.com"}));
  ASSERT_EQ(f.phones.size(), 1u);
  EXPECT_EQ(f.phones[0], (TypedValue{"cell", "+1 555 0100"}));
}

TEST(VCardEdit, ReadsGroupsInBothSpellings) {
  ContactFields apple = ReadContact(Parse(Sample("apple_group30.vcf")));
  EXPECT_EQ(apple.kind, "group");
  EXPECT_EQ(apple.fn, "Friends");
  EXPECT_EQ(apple.members, (std::vector<std::string>{"11111111-2222-3333-4444-555555555555",
                                                     "66666666-7777-8888-9999-000000000000"}));
  ContactFields v4 =
      ReadContact(Parse("BEGIN:VCARD\r\nVERSION:4.0\r\nKIND:group\r\nFN:Équipe\r\nUID:g4\r\n"
                        "MEMBER:urn:uuid:aaaa\r\nMEMBER:mailto:x@example.com\r\nEND:VCARD\r\n"));
  EXPECT_EQ(v4.kind, "group");
  EXPECT_EQ(v4.members, (std::vector<std::string>{"aaaa", "mailto:x@example.com"}));
}

TEST(VCardEdit, EditKeepsUnknownPropertiesAndUntouchedValues) {
  const std::string original = Crlf(Sample("apple30.vcf"));
  VCard card = Parse(original);
  ContactFields before = ReadContact(card);
  ContactFields after = before;
  after.title = "Proviseur";
  after.note = "Ligne 1\nLigne 2; avec, ponctuation";
  after.phones.push_back({"work", "02 47 00 00 00"});
  ApplyContact(before, after, &card);
  const std::string out = SerializeVCard(card);
  // Everything that was there is still there: groups, parameters and values as they were (the
  // parser upper-cases property and parameter names, RFC 6350 §3.3).
  for (const char* kept :
       {"PHOTO;ENCODING=b;TYPE=JPEG:", "X-ADDRESSBOOKSERVER-X-SOCIAL;X-USER=\"jo;hn\":x",
        "item1.EMAIL;TYPE=INTERNET;TYPE=pref:johnny@example.com", "item1.X-ABLABEL:_$!<Other>!$_",
        "TEL;TYPE=CELL;TYPE=VOICE;TYPE=pref:+1 555 0100", "item2.ADR;TYPE=HOME;TYPE=pref:",
        "BDAY;X-APPLE-OMIT-YEAR=1604:1604-04-12", "N:Appleseed;Johnny;;;", "FN:Johnny Appleseed",
        "X-UNKNOWN-PROP;X-FOO=bar,\"b,az\";X-EMPTY=:value\\, with\\; escapes"}) {
    EXPECT_NE(out.find(kept), std::string::npos) << kept << "\n" << out;
  }
  EXPECT_NE(out.find("TITLE:Proviseur"), std::string::npos) << out;
  EXPECT_NE(out.find("NOTE:Ligne 1\\nLigne 2\\; avec\\, ponctuation"), std::string::npos) << out;
  EXPECT_EQ(Lines(out, "TEL").size(), 2u) << out;
  EXPECT_NE(out.find("TEL;TYPE=work:02 47 00 00 00"), std::string::npos) << out;
  ASSERT_TRUE(ValidateVCard(out, 1 << 20).ok());
  // Read back: the edit is what was asked, nothing else moved.
  EXPECT_EQ(ReadContact(Parse(out)), after);
}

TEST(VCardEdit, NoChangeMeansTheSameBytes) {
  const std::string original = Crlf(Sample("apple30.vcf"));
  VCard card = Parse(original);
  ContactFields f = ReadContact(card);
  ApplyContact(f, f, &card);
  EXPECT_EQ(SerializeVCard(card), SerializeVCard(Parse(original)));
}

TEST(VCardEdit, RenamingAndRemovingAnEmailRewritesOnlyThoseProperties) {
  VCard card = Parse(Crlf(Sample("apple30.vcf")));
  ContactFields before = ReadContact(card);
  ContactFields after = before;
  after.given = "John";
  after.fn = "";  // made from the names
  after.emails = {{"work", "john@apple.example"}};
  ApplyContact(before, after, &card);
  const std::string out = SerializeVCard(card);
  EXPECT_NE(out.find("N:Appleseed;John;;;"), std::string::npos) << out;
  EXPECT_NE(out.find("FN:John Appleseed"), std::string::npos) << out;
  EXPECT_EQ(out.find("johnny@example.com"), std::string::npos) << out;
  EXPECT_NE(out.find("EMAIL;TYPE=work:john@apple.example"), std::string::npos) << out;
}

TEST(VCardEdit, NewGroupIsWrittenTheAppleWay) {
  ContactFields g;
  g.kind = "group";
  g.fn = "Conseil pédagogique";
  g.members = {"m-1", "urn:uuid:m-2"};
  VCard card = NewContact("g-1", g);
  const std::string out = SerializeVCard(card);
  EXPECT_NE(out.find("VERSION:3.0"), std::string::npos);
  EXPECT_NE(out.find("X-ADDRESSBOOKSERVER-KIND:group"), std::string::npos) << out;
  EXPECT_NE(out.find("X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:m-1"), std::string::npos) << out;
  EXPECT_NE(out.find("X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:m-2"), std::string::npos) << out;
  EXPECT_EQ(out.find("\r\nKIND:"), std::string::npos) << out;
  ASSERT_TRUE(ValidateVCard(out, 1 << 20).ok());
  // A vCard 4 client reads the same group after conversion.
  Result<std::string> v4 = ConvertVCard(out, "4.0");
  ASSERT_TRUE(v4.ok());
  ContactFields back = ReadContact(Parse(*v4));
  EXPECT_EQ(back.kind, "group");
  EXPECT_EQ(back.members, (std::vector<std::string>{"m-1", "m-2"}));
}

TEST(VCardEdit, GroupEditKeepsTheCardsVersionSpelling) {
  VCard card = Parse(
      "BEGIN:VCARD\r\nVERSION:4.0\r\nKIND:group\r\nFN:Équipe\r\nUID:g4\r\n"
      "MEMBER:urn:uuid:aaaa\r\nX-CUSTOM:garde\r\nEND:VCARD\r\n");
  ContactFields before = ReadContact(card);
  ContactFields after = before;
  after.members.push_back("bbbb");
  after.fn = "Équipe B";
  ApplyContact(before, after, &card);
  const std::string out = SerializeVCard(card);
  EXPECT_NE(out.find("MEMBER:urn:uuid:aaaa\r\nMEMBER:urn:uuid:bbbb"), std::string::npos) << out;
  EXPECT_EQ(out.find("X-ADDRESSBOOKSERVER"), std::string::npos) << out;
  EXPECT_NE(out.find("FN:Équipe B"), std::string::npos);
  EXPECT_NE(out.find("X-CUSTOM:garde"), std::string::npos);
  // And an Apple group keeps the Apple spelling.
  VCard apple = Parse(Crlf(Sample("apple_group30.vcf")));
  ContactFields a = ReadContact(apple);
  ContactFields b = a;
  b.members.erase(b.members.begin());
  ApplyContact(a, b, &apple);
  const std::string aout = SerializeVCard(apple);
  EXPECT_EQ(Lines(aout, "X-ADDRESSBOOKSERVER-MEMBER").size(), 1u) << aout;
  EXPECT_EQ(aout.find("\r\nMEMBER"), std::string::npos) << aout;
}

TEST(VCardEdit, RenamingAnAppleGroupRenamesItsNToo) {
  VCard card = Parse(Crlf(Sample("apple_group30.vcf")));
  ContactFields before = ReadContact(card);
  ContactFields after = before;
  after.fn = "Amis; proches";
  ApplyContact(before, after, &card);
  const std::string out = SerializeVCard(card);
  EXPECT_NE(out.find("\r\nFN:Amis\\; proches\r\n"), std::string::npos) << out;
  EXPECT_NE(out.find("\r\nN:Amis\\; proches;;;;\r\n"), std::string::npos) << out;
  EXPECT_EQ(ReadContact(Parse(out)).fn, "Amis; proches");
}

TEST(VCardEdit, TurningAGroupIntoAPersonDropsItsMembers) {
  VCard card = Parse(Crlf(Sample("apple_group30.vcf")));
  ContactFields before = ReadContact(card);
  ContactFields after = before;
  after.kind = "individual";
  after.members.clear();
  ApplyContact(before, after, &card);
  const std::string out = SerializeVCard(card);
  EXPECT_EQ(out.find("X-ADDRESSBOOKSERVER"), std::string::npos) << out;
}

TEST(VCardEdit, ChecksNameTheField) {
  std::string field;
  ContactFields f;
  EXPECT_EQ(CheckContact(f, &field).code(), Status::Code::kBadRequest);
  EXPECT_EQ(field, "fn");
  f.given = "Anne";
  EXPECT_TRUE(CheckContact(f, &field).ok());
  f.emails = {{"bureau", "a@b.fr"}};
  EXPECT_FALSE(CheckContact(f, &field).ok());
  EXPECT_EQ(field, "emails");
  f.emails = {{"work", "pas-une-adresse"}};
  EXPECT_FALSE(CheckContact(f, &field).ok());
  EXPECT_EQ(field, "emails");
  f.emails.clear();
  f.phones = {{"cell", "06\r\n"}};
  EXPECT_FALSE(CheckContact(f, &field).ok());
  EXPECT_EQ(field, "phones");
  f.phones.clear();
  f.family = std::string("Nom\x01");
  EXPECT_FALSE(CheckContact(f, &field).ok());
  EXPECT_EQ(field, "family");
  f.family.clear();
  f.kind = "robot";
  EXPECT_FALSE(CheckContact(f, &field).ok());
  EXPECT_EQ(field, "kind");
  f.kind = "individual";
  f.members = {"x"};
  EXPECT_FALSE(CheckContact(f, &field).ok());
  EXPECT_EQ(field, "members");
  ContactFields g;
  g.kind = "group";
  g.given = "nom";
  EXPECT_FALSE(CheckContact(g, &field).ok()) << "a group needs its own name";
  EXPECT_EQ(field, "fn");
}

TEST(VCardEdit, SplitsAnExportIntoCardsWithABound) {
  const std::string two =
      "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:a\r\nFN:A\r\nEND:VCARD\r\n"
      "\r\nbegin:vcard\nVERSION:4.0\nUID:b\nFN:B\nend:vcard\n";
  bool truncated = true;
  std::vector<std::string> cards = SplitVCards(two, 10, &truncated);
  ASSERT_EQ(cards.size(), 2u);
  EXPECT_FALSE(truncated);
  EXPECT_EQ(cards[0], "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:a\r\nFN:A\r\nEND:VCARD\r\n");
  EXPECT_TRUE(ValidateVCard(cards[1], 1 << 20).ok());
  cards = SplitVCards(two, 1, &truncated);
  EXPECT_EQ(cards.size(), 1u);
  EXPECT_TRUE(truncated);
  cards = SplitVCards("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:x\r\n", 10, &truncated);
  ASSERT_EQ(cards.size(), 1u) << "an unfinished card is returned, for validation to refuse";
  EXPECT_FALSE(ValidateVCard(cards[0], 1 << 20).ok());
}

TEST(VCardEdit, NewUidsAreVersion4Uuids) {
  std::string a = NewContactUid(), b = NewContactUid();
  EXPECT_NE(a, b);
  ASSERT_EQ(a.size(), 36u);
  EXPECT_EQ(a[14], '4');
  EXPECT_EQ(MemberUid("urn:uuid:" + a), a);
  EXPECT_EQ(MemberUid("URN:UUID:" + a), a);
}

}  // namespace
}  // namespace cartable::dav::carddav
