#include <gtest/gtest.h>

#include "dav/carddav/vcard.h"
#include "tests/unit/carddav/test_util.h"

namespace cartable::dav::carddav {
namespace {

using testing::Crlf;
using testing::Sample;

TEST(ParseVCard, AppleGroupsPhotoAndUnknownsRoundTrip) {
  std::string text = Sample("apple30.vcf");
  Result<VCard> card = ParseVCard(text);
  ASSERT_TRUE(card.ok()) << card.status().ToString();
  EXPECT_EQ(card->version, "3.0");
  const VCardProperty* email = card->Find("EMAIL");
  ASSERT_NE(email, nullptr);
  EXPECT_EQ(email->group, "item1");
  ASSERT_EQ(email->params.size(), 2u);
  EXPECT_EQ(email->params[0].name, "TYPE");
  EXPECT_EQ(email->params[1].values, std::vector<std::string>{"pref"});
  const VCardProperty* label = card->Find("X-ABLABEL");
  ASSERT_NE(label, nullptr);
  EXPECT_EQ(label->value, "_$!<Other>!$_");
  const VCardProperty* photo = card->Find("PHOTO");
  ASSERT_NE(photo, nullptr);
  EXPECT_EQ(photo->Param("encoding"), "b");
  EXPECT_TRUE(photo->value.ends_with("/9oACAEBAAA/APn+v//Z"));
  EXPECT_EQ(photo->value.find(' '), std::string::npos);
  const VCardProperty* social = card->Find("X-ADDRESSBOOKSERVER-X-SOCIAL");
  ASSERT_NE(social, nullptr);
  EXPECT_EQ(social->Param("X-USER"), "jo;hn");
  const VCardProperty* unknown = card->Find("X-UNKNOWN-PROP");
  ASSERT_NE(unknown, nullptr);
  EXPECT_EQ(unknown->params[0].values, (std::vector<std::string>{"bar", "b,az"}));
  EXPECT_EQ(unknown->params[1].values, std::vector<std::string>{""});
  EXPECT_EQ(unknown->value, "value\\, with\\; escapes");

  // Serialising gives the same bytes except for name case (case-insensitive by RFC 6350 §3.3)
  // and refolding; parsing again gives the same card.
  std::string out = SerializeVCard(*card);
  EXPECT_NE(out.find("item1.X-ABLABEL:_$!<Other>!$_\r\n"), std::string::npos);
  EXPECT_NE(out.find("X-UNKNOWN-PROP;X-FOO=bar,\"b,az\";X-EMPTY=:value\\, with\\; escapes\r\n"),
            std::string::npos);
  EXPECT_NE(out.find("X-ADDRESSBOOKSERVER-X-SOCIAL;X-USER=\"jo;hn\":x\r\n"), std::string::npos);
  Result<VCard> again = ParseVCard(out);
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->properties.size(), card->properties.size());
  for (size_t i = 0; i < card->properties.size(); ++i) {
    EXPECT_EQ(again->properties[i].group, card->properties[i].group);
    EXPECT_EQ(again->properties[i].name, card->properties[i].name);
    EXPECT_EQ(again->properties[i].value, card->properties[i].value);
    ASSERT_EQ(again->properties[i].params.size(), card->properties[i].params.size());
    for (size_t k = 0; k < card->properties[i].params.size(); ++k) {
      EXPECT_EQ(again->properties[i].params[k].name, card->properties[i].params[k].name);
      EXPECT_EQ(again->properties[i].params[k].values, card->properties[i].params[k].values);
    }
  }
  EXPECT_EQ(SerializeVCard(*again), out);
}

TEST(ParseVCard, ThunderbirdLfAndTabFolding) {
  Result<VCard> card = ParseVCard(Sample("thunderbird30.vcf"));
  ASSERT_TRUE(card.ok()) << card.status().ToString();
  EXPECT_EQ(card->Find("FN")->value, "M\xc3\xbcller, J\xc3\xbcrgen");
  const VCardProperty* note = card->Find("NOTE");
  ASSERT_NE(note, nullptr);
  EXPECT_NE(note->value.find("the serializer must fold it"), std::string::npos);
  EXPECT_EQ(card->Find("TEL")->params[0].values, (std::vector<std::string>{"work", "voice"}));
}

TEST(ParseVCard, Version4WithPrefAnniversaryYearlessBday) {
  std::string text = Sample("cardbook40.vcf");
  Result<VCard> card = ParseVCard(text);
  ASSERT_TRUE(card.ok()) << card.status().ToString();
  EXPECT_EQ(card->version, "4.0");
  EXPECT_EQ(card->Find("EMAIL")->Param("PREF"), "1");
  EXPECT_EQ(card->Find("BDAY")->value, "--0412");
  EXPECT_EQ(card->Find("ANNIVERSARY")->value, "20090808");
  const VCardProperty* custom = card->Find("X-CARDBOOK-CUSTOM");  // sent in lower case
  ASSERT_NE(custom, nullptr);
  EXPECT_EQ(custom->Param("X-PARAM"), "1");
  // Every line is shorter than 75 octets and was upper case already except the custom one.
  std::string out = SerializeVCard(*card);
  std::string expected = text;
  expected.replace(expected.find("x-cardbook-custom;x-param"), 25, "X-CARDBOOK-CUSTOM;X-PARAM");
  EXPECT_EQ(out, expected);
}

TEST(ParseVCard, LowerCaseNamesAndBlankLines) {
  Result<VCard> card =
      ParseVCard("\r\nbegin:vcard\r\nversion:4.0\r\nfn:x\r\nuid:1\r\nend:vcard\r\n\r\n");
  ASSERT_TRUE(card.ok()) << card.status().ToString();
  EXPECT_EQ(card->Find("FN")->value, "x");
}

TEST(ParseVCard, BareParameterAndQuotedPrintableKeptRaw) {
  std::string text =
      "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:x\r\nTEL;CELL:123\r\n"
      "NOTE;ENCODING=QUOTED-PRINTABLE:first=\r\nsecond\r\nEND:VCARD\r\n";
  Result<VCard> card = ParseVCard(text);
  ASSERT_TRUE(card.ok()) << card.status().ToString();
  EXPECT_EQ(card->Find("TEL")->params[0].name, "CELL");
  EXPECT_TRUE(card->Find("TEL")->params[0].values.empty());
  EXPECT_EQ(card->Find("NOTE")->value, "first=\r\nsecond");
  EXPECT_EQ(SerializeVCard(*card), text);
}

TEST(ParseVCard, Errors) {
  struct Case {
    const char* text;
    const char* why;
  } cases[] = {
      {"", "first line"},
      {"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "first line"},
      {"BEGIN:VCARD\r\nFN:x\r\nEND:VCARD\r\n", "without VERSION"},
      {"BEGIN:VCARD\r\nVERSION:2.1\r\nFN:x\r\nEND:VCARD\r\n", "version 2.1"},
      {"BEGIN:VCARD\r\nVERSION:4.0\r\nFN:x\r\n", "without END"},
      {"BEGIN:VCARD\r\nVERSION:4.0\r\nFN x\r\nEND:VCARD\r\n", "without ':'"},
      {"BEGIN:VCARD\r\nVERSION:4.0\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:4.0\r\nEND:VCARD\r\n",
       "more than one"},
      {"BEGIN:VCARD\r\nVERSION:4.0\r\nX-A;X-B=\"open:v\r\nEND:VCARD\r\n", "unterminated"},
      {"BEGIN:VCARD\r\nVERSION:4.0\r\n:novalue\r\nEND:VCARD\r\n", "without a name"},
      // Found by tests/fuzz/vcard_fuzzer: the empty group was dropped when written, and the
      // line "  X:v" then read as a continuation of the previous one.
      {"BEGIN:VCARD\r\nVERSION:4.0\r\n.  X:v\r\nEND:VCARD\r\n", "empty group"},
      // Found by tests/fuzz/vcard_fuzzer: an empty VERSION was not counted, so the card was
      // accepted and written with VERSION twice.
      {"BEGIN:VCARD\r\nVERSION:\r\nVERSION:4.0\r\nFN:x\r\nEND:VCARD\r\n", "twice"},
  };
  for (const Case& c : cases) {
    Result<VCard> card = ParseVCard(c.text);
    ASSERT_FALSE(card.ok()) << c.text;
    EXPECT_EQ(card.status().precondition(), dav::Precondition::kValidAddressData);
    EXPECT_NE(card.status().message().find(c.why), std::string::npos) << card.status().message();
  }
}

// Found by tests/fuzz/vcard_fuzzer: a bare parameter named "b,az" (quotes included) was
// accepted, and its conversion to 4.0 wrote TYPE=""b,az"", which no parser reads back. Such a
// name is refused at the door; a quoted value with a comma is still fine.
TEST(ParseVCard, RefusesParameterNamesThatCannotBeWrittenBack) {
  std::string text =
      "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:x\r\nBDAY;\"b,az\";X-Y=:value\r\nEND:VCARD\r\n";
  Result<VCard> card = ParseVCard(text);
  ASSERT_FALSE(card.ok());
  EXPECT_EQ(card.status().precondition(), dav::Precondition::kValidAddressData);
  EXPECT_NE(card.status().message().find("parameter name"), std::string::npos);
  EXPECT_FALSE(ConvertVCard(text, "4.0").ok());
  EXPECT_FALSE(
      ParseVCard("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:x\r\nTEL;CE,LL:1\r\nEND:VCARD\r\n").ok());
  std::string quoted = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:x\r\nTEL;TYPE=\"a,b\":1\r\nEND:VCARD\r\n";
  Result<std::string> v4 = ConvertVCard(quoted, "4.0");
  ASSERT_TRUE(v4.ok()) << v4.status().ToString();
  EXPECT_TRUE(ParseVCard(*v4).ok()) << *v4;
}

// Found by tests/fuzz/vcard_fuzzer: a quoted-printable soft break ('=' at the end of a line
// whose parameters name QUOTED-PRINTABLE) before the value's ':' put a CRLF inside a parameter
// value; serialised, the card no longer parsed.
TEST(ParseVCard, RefusesLineBreaksBeforeTheValue) {
  std::string text =
      "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:x\r\nEMAIL;ENCODING=QUOTED-PRINTABLEo=\r\n"
      "ADR;X-A=1:v\r\nEND:VCARD\r\n";
  Result<VCard> card = ParseVCard(text);
  ASSERT_FALSE(card.ok()) << SerializeVCard(*card);
  EXPECT_EQ(card.status().precondition(), dav::Precondition::kValidAddressData);
  EXPECT_NE(card.status().message().find("line break"), std::string::npos);
}

TEST(SerializeVCard, FoldsAt75OctetsWithoutSplittingUtf8) {
  VCard card;
  card.version = "4.0";
  std::string note;
  for (int i = 0; i < 60; ++i) note += "\xc3\xa9\xe2\x82\xac";  // é€: 2 + 3 octets
  card.properties.push_back({"", "VERSION", {}, "4.0"});
  card.properties.push_back({"", "NOTE", {}, note});
  std::string out = SerializeVCard(card);
  size_t start = 0;
  int lines = 0;
  while (start < out.size()) {
    size_t end = out.find("\r\n", start);
    ASSERT_NE(end, std::string::npos);
    EXPECT_LE(end - start, 75u);
    if (start > 0 && out[start] == ' ') {
      // A continuation never begins inside a multi-byte sequence.
      EXPECT_NE(static_cast<unsigned char>(out[start + 1]) & 0xC0, 0x80);
    }
    start = end + 2;
    ++lines;
  }
  EXPECT_GT(lines, 5);
  Result<VCard> back = ParseVCard(out);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->Find("NOTE")->value, note);
}

// Found by tests/fuzz/vcard_fuzzer: a quoted-printable line of 74 octets before its soft break
// was folded between '=' and the embedded CRLF, and a fold right after a '=' (or inside a run
// of them) read back as a soft break; both changed or broke the card on the next parse.
TEST(SerializeVCard, FoldingKeepsQuotedPrintableBreaks) {
  const std::string head = "NOTE;ENCODING=QUOTED-PRINTABLE:";
  for (const std::string& value :
       {std::string(42, 'a') + "=\r\nsecond", std::string(43, 'b') + "=3D" + std::string(40, 'c'),
        std::string(100, '=') + "3D"}) {
    std::string text =
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:x\r\n" + head + value + "\r\nEND:VCARD\r\n";
    Result<VCard> card = ParseVCard(text);
    ASSERT_TRUE(card.ok()) << card.status().ToString();
    ASSERT_EQ(card->Find("NOTE")->value, value);
    std::string out = SerializeVCard(*card);
    Result<VCard> again = ParseVCard(out);
    ASSERT_TRUE(again.ok()) << again.status().ToString() << "\n" << out;
    EXPECT_EQ(again->Find("NOTE")->value, value) << out;
  }
}

TEST(SerializeVCard, WritesVersionWhenMissing) {
  VCard card;
  card.version = "3.0";
  card.properties.push_back({"", "FN", {}, "x"});
  EXPECT_EQ(SerializeVCard(card), "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:x\r\nEND:VCARD\r\n");
}

TEST(Escaping, RoundTrip) {
  EXPECT_EQ(UnescapeText("a\\,b\\;c\\\\d\\ne\\Nf"), "a,b;c\\d\ne\nf");
  EXPECT_EQ(EscapeText("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
  EXPECT_EQ(EscapeText("a\r\nb"), "a\\nb");
  EXPECT_EQ(UnescapeText("trailing\\"), "trailing\\");
  EXPECT_EQ(UnescapeText("odd\\x"), "odd\\x");
  std::string text = "semi; comma, back\\slash\nnew";
  EXPECT_EQ(UnescapeText(EscapeText(text)), text);
}

TEST(ValidateVCard, IndexesUid) {
  Result<store::ObjectIndex> index = ValidateVCard(Sample("apple30.vcf"), 1 << 20);
  ASSERT_TRUE(index.ok()) << index.status().ToString();
  EXPECT_EQ(index->uid, "7C7C4E4A-1B5B-4C4C-9C9C-0A0A0A0A0A0A");
  EXPECT_EQ(index->component, "VCARD");
  EXPECT_EQ(index->first_start, store::kNoLowerBound);
  EXPECT_EQ(index->last_end, store::kNoUpperBound);
  EXPECT_FALSE(index->needs_expansion);
  EXPECT_TRUE(ValidateVCard(Sample("thunderbird30.vcf"), 1 << 20).ok());
  EXPECT_TRUE(ValidateVCard(Sample("cardbook40.vcf"), 1 << 20).ok());
}

TEST(ValidateVCard, Errors) {
  std::string card = "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:x\r\nUID:1\r\nEND:VCARD\r\n";
  Result<store::ObjectIndex> big = ValidateVCard(card, 10);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().precondition(), dav::Precondition::kCardMaxResourceSize);
  EXPECT_TRUE(ValidateVCard(card, card.size()).ok());

  Result<store::ObjectIndex> no_uid =
      ValidateVCard("BEGIN:VCARD\r\nVERSION:4.0\r\nFN:x\r\nEND:VCARD\r\n", 1000);
  ASSERT_FALSE(no_uid.ok());
  EXPECT_EQ(no_uid.status().precondition(), dav::Precondition::kValidAddressData);
  EXPECT_NE(no_uid.status().message().find("UID"), std::string::npos);

  Result<store::ObjectIndex> no_fn =
      ValidateVCard("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:1\r\nEND:VCARD\r\n", 1000);
  ASSERT_FALSE(no_fn.ok());
  EXPECT_EQ(no_fn.status().precondition(), dav::Precondition::kValidAddressData);
  EXPECT_NE(no_fn.status().message().find("FN"), std::string::npos);

  Result<store::ObjectIndex> bad =
      ValidateVCard("BEGIN:VCARD\r\nVERSION:2.1\r\nFN:x\r\nUID:1\r\nEND:VCARD\r\n", 1000);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().precondition(), dav::Precondition::kValidAddressData);
  EXPECT_FALSE(ValidateVCard("not a card", 1000).ok());
}

}  // namespace
}  // namespace cartable::dav::carddav
