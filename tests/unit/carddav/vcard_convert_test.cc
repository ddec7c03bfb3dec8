#include <gtest/gtest.h>

#include "dav/carddav/vcard.h"
#include "tests/unit/carddav/test_util.h"

namespace cartable::dav::carddav {
namespace {

using testing::Sample;

VCard Parsed(const std::string& text) {
  Result<VCard> card = ParseVCard(text);
  EXPECT_TRUE(card.ok()) << card.status().ToString();
  return card.ok() ? *card : VCard{};
}

std::string Convert(const std::string& text, const char* version) {
  Result<std::string> out = ConvertVCard(text, version);
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  return out.ok() ? *out : "";
}

TEST(ConvertVCard, SameVersionIsUnchanged) {
  std::string text = Sample("thunderbird30.vcf");
  EXPECT_EQ(Convert(text, "3.0"), text);
}

TEST(ConvertVCard, AppleGroupTo4AndBack) {
  std::string text = Sample("apple_group30.vcf");
  std::string v4 = Convert(text, "4.0");
  VCard card = Parsed(v4);
  EXPECT_EQ(card.version, "4.0");
  ASSERT_NE(card.Find("KIND"), nullptr);
  EXPECT_EQ(card.Find("KIND")->value, "group");
  int members = 0;
  for (const VCardProperty& p : card.properties) members += p.name == "MEMBER";
  EXPECT_EQ(members, 2);
  EXPECT_EQ(card.Find("MEMBER")->value, "urn:uuid:11111111-2222-3333-4444-555555555555");
  EXPECT_EQ(card.Find("X-ADDRESSBOOKSERVER-KIND"), nullptr);
  EXPECT_EQ(Convert(v4, "3.0"), text);
}

TEST(ConvertVCard, KindAndMemberTo3) {
  std::string v4 =
      "BEGIN:VCARD\r\nVERSION:4.0\r\nKIND:group\r\nFN:Team\r\nUID:g\r\n"
      "MEMBER:urn:uuid:a\r\nEND:VCARD\r\n";
  VCard card = Parsed(Convert(v4, "3.0"));
  EXPECT_EQ(card.Find("X-ADDRESSBOOKSERVER-KIND")->value, "group");
  EXPECT_EQ(card.Find("X-ADDRESSBOOKSERVER-MEMBER")->value, "urn:uuid:a");
  EXPECT_EQ(card.Find("KIND"), nullptr);
  EXPECT_EQ(Convert(Convert(v4, "3.0"), "4.0"), v4);
}

TEST(ConvertVCard, AppleOmitYearBirthday) {
  VCard v4 = Parsed(Convert(Sample("apple30.vcf"), "4.0"));
  const VCardProperty* bday = v4.Find("BDAY");
  ASSERT_NE(bday, nullptr);
  EXPECT_EQ(bday->value, "--0412");
  EXPECT_TRUE(bday->params.empty());

  VCard v3 = Parsed(Convert(Sample("cardbook40.vcf"), "3.0"));
  bday = v3.Find("BDAY");
  EXPECT_EQ(bday->value, "1604-04-12");
  EXPECT_EQ(bday->Param("X-APPLE-OMIT-YEAR"), "1604");
}

TEST(ConvertVCard, DatesBasicAndExtended) {
  std::string v4 =
      "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:x\r\nUID:1\r\nBDAY:19850412\r\n"
      "ANNIVERSARY:20090808T143000Z\r\nEND:VCARD\r\n";
  VCard v3 = Parsed(Convert(v4, "3.0"));
  EXPECT_EQ(v3.Find("BDAY")->value, "1985-04-12");
  EXPECT_EQ(v3.Find("X-ANNIVERSARY")->value, "2009-08-08T14:30:00Z");
  EXPECT_EQ(v3.Find("ANNIVERSARY"), nullptr);
  EXPECT_EQ(Convert(Convert(v4, "3.0"), "4.0"), v4);
  // Text birthdays are left alone.
  std::string text_bday =
      "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:x\r\nBDAY;VALUE=text:circa 1800\r\nEND:VCARD\r\n";
  EXPECT_EQ(Parsed(Convert(text_bday, "3.0")).Find("BDAY")->value, "circa 1800");
}

TEST(ConvertVCard, PrefBothWays) {
  VCard v4 = Parsed(Convert(Sample("apple30.vcf"), "4.0"));
  const VCardProperty* email = v4.Find("EMAIL");
  EXPECT_EQ(email->Param("PREF"), "1");
  ASSERT_EQ(email->params.size(), 2u);
  EXPECT_EQ(email->params[0].name, "TYPE");
  EXPECT_EQ(email->params[0].values, std::vector<std::string>{"INTERNET"});
  EXPECT_EQ(email->params[1].name, "PREF");

  std::string multi = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:x\r\nTEL;TYPE=cell,pref:1\r\nEND:VCARD\r\n";
  VCard multi4 = Parsed(Convert(multi, "4.0"));
  const VCardProperty* tel = multi4.Find("TEL");
  ASSERT_EQ(tel->params.size(), 2u);
  EXPECT_EQ(tel->params[0].name, "PREF");
  EXPECT_EQ(tel->params[1].values, std::vector<std::string>{"cell"});

  VCard v3 = Parsed(Convert(Sample("cardbook40.vcf"), "3.0"));
  email = v3.Find("EMAIL");
  EXPECT_EQ(email->params[0].name, "TYPE");
  EXPECT_EQ(email->params[0].values, std::vector<std::string>{"pref"});
  EXPECT_EQ(email->Param("PREF"), std::nullopt);
}

TEST(ConvertVCard, PhotoDataUriAndEncodingB) {
  VCard v4 = Parsed(Convert(Sample("apple30.vcf"), "4.0"));
  const VCardProperty* photo = v4.Find("PHOTO");
  EXPECT_TRUE(photo->value.starts_with("data:image/jpeg;base64,/9j/4AAQ"));
  EXPECT_TRUE(photo->params.empty());

  VCard v3 = Parsed(Convert(Sample("cardbook40.vcf"), "3.0"));
  photo = v3.Find("PHOTO");
  EXPECT_EQ(photo->value, "iVBORw0KGgo=");
  EXPECT_EQ(photo->Param("ENCODING"), "b");
  EXPECT_EQ(photo->Param("TYPE"), "PNG");

  std::string uri =
      "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:x\r\nPHOTO:https://example.com/a.jpg\r\nEND:VCARD\r\n";
  v3 = Parsed(Convert(uri, "3.0"));
  EXPECT_EQ(v3.Find("PHOTO")->Param("VALUE"), "uri");
  EXPECT_EQ(Convert(Convert(uri, "3.0"), "4.0"), uri);
}

// Found by tests/fuzz/vcard_fuzzer: a data: URI whose media type holds a DQUOTE and a colon
// became TYPE="PN"G:X", which no parser reads back. Such a URI now stays a URI in 3.0.
TEST(ConvertVCard, DataUriWithAnOddMediaTypeStaysAUri) {
  std::string odd =
      "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:x\r\nPHOTO:data:image/pn\"g:x\";base64,iVBORw0KGgo=\r\n"
      "END:VCARD\r\n";
  Result<std::string> v3 = ConvertVCard(odd, "3.0");
  ASSERT_TRUE(v3.ok()) << v3.status().ToString();
  VCard card = Parsed(*v3);
  ASSERT_NE(card.Find("PHOTO"), nullptr);
  EXPECT_EQ(card.Find("PHOTO")->value, "data:image/pn\"g:x\";base64,iVBORw0KGgo=");
  EXPECT_EQ(card.Find("PHOTO")->Param("ENCODING"), std::nullopt);
}

// Found by tests/fuzz/vcard_fuzzer: ENCODING=b and ENCODING=QUOTED-PRINTABLE on one PHOTO, whose
// value ends in a soft break that joins the next line. Made a data: URI, the joined line came out
// on its own, without ':', and the 4.0 card did not parse.
TEST(ConvertVCard, BinaryValueWithASoftBreakIsNotMadeADataUri) {
  std::string both =
      "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:x\r\n"
      "PHOTO;ENCODING=b;TYPE;ENCODING=QUOTED-PRINTABLE=JPEG:/9j/4AAQSkZJRg==\r\n"
      "TEL;type=CELL;type8V0\r\nEND:VCARD\r\n";
  ASSERT_TRUE(ParseVCard(both).ok());
  Result<std::string> v4 = ConvertVCard(both, "4.0");
  ASSERT_TRUE(v4.ok()) << v4.status().ToString();
  Result<VCard> card = ParseVCard(*v4);
  ASSERT_TRUE(card.ok()) << card.status().ToString() << "\n" << *v4;
  ASSERT_NE(card->Find("PHOTO"), nullptr);
  EXPECT_EQ(card->Find("PHOTO")->value.find("data:"), std::string::npos);
}

// Found by tests/fuzz/vcard_fuzzer: the only "QUOTED-PRINTABLE" of a PHOTO is inside a garbled
// CHARSET value; dropping CHARSET for 4.0 left the joined soft-break line on its own.
TEST(ConvertVCard, SoftBreakKeepsTheCharsetThatMarksItQuotedPrintable) {
  std::string card =
      "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:x\r\n"
      "PHOTO;ENCODING=b;CHARSET=UTF-8G=QUOTED-PRINTABLE=JPEG:/9j/4AAQSkZJRg==\r\n"
      "TEL;type8V0\r\nEND:VCARD\r\n";
  ASSERT_TRUE(ParseVCard(card).ok());
  Result<std::string> v4 = ConvertVCard(card, "4.0");
  ASSERT_TRUE(v4.ok()) << v4.status().ToString();
  Result<VCard> parsed = ParseVCard(*v4);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString() << "\n" << *v4;
  ASSERT_NE(parsed->Find("PHOTO"), nullptr);
  EXPECT_EQ(parsed->Find("TEL"), nullptr) << "the joined line stays inside the PHOTO value";
}

// Found by tests/fuzz/vcard_fuzzer (CI of issue 12): a BDAY whose garbled X-APPLE-OMIT-YEAR
// value is what says QUOTED-PRINTABLE, with a soft break that joins the next line. The 4.0 date
// conversion dropped that parameter and the joined line came out on its own. A property holding
// a soft break now crosses versions as it came, whichever parameter marks it.
TEST(ConvertVCard, SoftBreakPropertyCrossesVersionsAsItCame) {
  for (const char* from : {"3.0", "4.0"}) {
    std::string card = std::string("BEGIN:VCARD\r\nVERSION:") + from +
                       "\r\nFN:x\r\n"
                       "BDAY;X-APPLE-OMIT-YEAR=1604-UTF-8G=QUOTED-PRINTABLE=JPEG:/0/A4Aj=\r\n"
                       "TEL;ty\r\nEND:VCARD\r\n";
    ASSERT_TRUE(ParseVCard(card).ok()) << from;
    for (const char* to : {"3.0", "4.0"}) {
      Result<std::string> out = ConvertVCard(card, to);
      ASSERT_TRUE(out.ok()) << out.status().ToString();
      Result<VCard> parsed = ParseVCard(*out);
      ASSERT_TRUE(parsed.ok()) << from << " -> " << to << ": " << parsed.status().ToString() << "\n"
                               << *out;
      ASSERT_NE(parsed->Find("BDAY"), nullptr);
      EXPECT_EQ(parsed->Find("BDAY")->value, "/0/A4Aj=\r\nTEL;ty");
      EXPECT_EQ(parsed->Find("BDAY")->Param("X-APPLE-OMIT-YEAR"),
                "1604-UTF-8G=QUOTED-PRINTABLE=JPEG");
      EXPECT_EQ(parsed->Find("TEL"), nullptr) << "the joined line stays inside the BDAY value";
    }
  }
}

TEST(ConvertVCard, TelUriBecomesText) {
  VCard v3 = Parsed(Convert(Sample("cardbook40.vcf"), "3.0"));
  const VCardProperty* tel = v3.Find("TEL");
  EXPECT_EQ(tel->value, "+34-600-000-000");
  EXPECT_EQ(tel->Param("VALUE"), std::nullopt);
  EXPECT_EQ(tel->Param("TYPE"), "cell");
}

TEST(ConvertVCard, FourToThreeToFourKeepsWhatClientsRelyOn) {
  std::string v4 = Sample("cardbook40.vcf");
  VCard back = Parsed(Convert(Convert(v4, "3.0"), "4.0"));
  VCard orig = Parsed(v4);
  for (const char* name :
       {"UID", "FN", "N", "BDAY", "ANNIVERSARY", "GENDER", "PHOTO", "X-CARDBOOK-CUSTOM"}) {
    ASSERT_NE(back.Find(name), nullptr) << name;
    EXPECT_EQ(back.Find(name)->value, orig.Find(name)->value) << name;
  }
  EXPECT_EQ(back.Find("EMAIL")->Param("PREF"), "1");
  EXPECT_EQ(back.Find("EMAIL")->Param("TYPE"), "work");
  EXPECT_EQ(back.properties.size(), orig.properties.size());
}

TEST(ConvertVCard, AppleThreeToFourToThreeKeepsGroupsAndLabels) {
  std::string v3 = Sample("apple30.vcf");
  VCard back = Parsed(Convert(Convert(v3, "4.0"), "3.0"));
  VCard orig = Parsed(v3);
  ASSERT_EQ(back.properties.size(), orig.properties.size());
  for (size_t i = 0; i < orig.properties.size(); ++i) {
    EXPECT_EQ(back.properties[i].group, orig.properties[i].group);
    EXPECT_EQ(back.properties[i].name, orig.properties[i].name);
    EXPECT_EQ(back.properties[i].value, orig.properties[i].value) << orig.properties[i].name;
  }
  EXPECT_EQ(back.Find("BDAY")->Param("X-APPLE-OMIT-YEAR"), "1604");
}

TEST(ConvertVCard, ThreeOnlyPropertiesTravelAsX) {
  std::string v3 =
      "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:x\r\nLABEL;TYPE=home:1 Main St\r\n"
      "SORT-STRING:x\r\nTEL;CELL:1\r\nEND:VCARD\r\n";
  VCard v4 = Parsed(Convert(v3, "4.0"));
  EXPECT_EQ(v4.Find("X-LABEL")->value, "1 Main St");
  EXPECT_EQ(v4.Find("X-SORT-STRING")->value, "x");
  EXPECT_EQ(v4.Find("TEL")->Param("TYPE"), "cell");
}

TEST(ConvertVCard, Errors) {
  Result<std::string> bad = ConvertVCard("garbage", "4.0");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().precondition(), dav::Precondition::kValidAddressData);
  EXPECT_FALSE(ConvertVCard(Sample("apple30.vcf"), "2.1").ok());
}

}  // namespace
}  // namespace cartable::dav::carddav
