#include <gtest/gtest.h>

#include "dav/carddav/vcard.h"
#include "dav/xml.h"
#include "tests/unit/carddav/test_util.h"

namespace cartable::dav::carddav {
namespace {

using testing::Sample;

constexpr char kNs[] = "xmlns:C=\"urn:ietf:params:xml:ns:carddav\"";

Result<CardFilter> FilterFrom(const std::string& inner, const std::string& test = "") {
  std::string xml = std::string("<C:filter ") + kNs +
                    (test.empty() ? "" : " test=\"" + test + "\"") + ">" + inner + "</C:filter>";
  auto doc = dav::ParseXml(xml);
  if (!doc.ok()) return doc.status();
  return ParseCardFilter((*doc)->document_element());
}

bool Match(const std::string& card, const std::string& inner, const std::string& test = "") {
  Result<CardFilter> f = FilterFrom(inner, test);
  EXPECT_TRUE(f.ok()) << f.status().ToString();
  return f.ok() && MatchesCardFilter(card, *f);
}

std::string TextMatch(const std::string& prop, const std::string& value,
                      const std::string& attrs = "") {
  return "<C:prop-filter name=\"" + prop + "\"><C:text-match " + attrs + ">" + value +
         "</C:text-match></C:prop-filter>";
}

TEST(CardFilter, EmptyMatchesEverythingButGarbage) {
  EXPECT_TRUE(Match(Sample("apple30.vcf"), ""));
  EXPECT_FALSE(Match("not a vcard", ""));
}

TEST(CardFilter, MatchTypes) {
  std::string card = Sample("apple30.vcf");
  EXPECT_TRUE(Match(card, TextMatch("FN", "apple")));  // contains is the default
  EXPECT_TRUE(Match(card, TextMatch("FN", "johnny appleseed", "match-type=\"equals\"")));
  EXPECT_FALSE(Match(card, TextMatch("FN", "johnny", "match-type=\"equals\"")));
  EXPECT_TRUE(Match(card, TextMatch("FN", "JOHN", "match-type=\"starts-with\"")));
  EXPECT_FALSE(Match(card, TextMatch("FN", "seed", "match-type=\"starts-with\"")));
  EXPECT_TRUE(Match(card, TextMatch("FN", "SEED", "match-type=\"ends-with\"")));
  EXPECT_FALSE(Match(card, TextMatch("FN", "john", "match-type=\"ends-with\"")));
}

TEST(CardFilter, Collations) {
  std::string card = Sample("thunderbird30.vcf");              // FN:Müller, Jürgen
  EXPECT_TRUE(Match(card, TextMatch("FN", "M\xc3\x9cLLER")));  // unicode-casemap default
  EXPECT_FALSE(Match(card, TextMatch("FN", "M\xc3\x9cLLER", "collation=\"i;ascii-casemap\"")));
  EXPECT_TRUE(Match(card, TextMatch("FN", "M\xc3\xbcLLER", "collation=\"i;ascii-casemap\"")));
  EXPECT_FALSE(Match(card, TextMatch("FN", "muller")));  // accents are not removed
  EXPECT_TRUE(Match(card, TextMatch("FN", "M\xc3\xbcller", "collation=\"i;octet\"")));
  EXPECT_FALSE(Match(card, TextMatch("FN", "m\xc3\xbcller", "collation=\"i;octet\"")));
  Result<CardFilter> bad = FilterFrom(TextMatch("FN", "x", "collation=\"i;klingon\""));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().precondition(), dav::Precondition::kCardSupportedCollation);
}

TEST(CardFilter, MatchesUnescapedValueAndAnyOccurrence) {
  std::string card = Sample("apple30.vcf");
  EXPECT_TRUE(
      Match(card, TextMatch("X-UNKNOWN-PROP", "value, with; escapes", "match-type=\"equals\"")));
  std::string tb = Sample("thunderbird30.vcf");  // two EMAILs
  EXPECT_TRUE(Match(tb, TextMatch("EMAIL", "j@example.net", "match-type=\"equals\"")));
  EXPECT_TRUE(Match(tb, TextMatch("EMAIL", "juergen@", "match-type=\"starts-with\"")));
  // Grouped properties match by name; a group-qualified name selects the group.
  EXPECT_TRUE(Match(card, TextMatch("EMAIL", "johnny")));
  EXPECT_TRUE(Match(card, TextMatch("item1.EMAIL", "johnny")));
  EXPECT_FALSE(Match(card, TextMatch("item2.EMAIL", "johnny")));
  // Structured values match on the whole value.
  EXPECT_TRUE(Match(card, TextMatch("ADR", "Cupertino;CA")));
}

TEST(CardFilter, Negate) {
  std::string tb = Sample("thunderbird30.vcf");
  // Any occurrence not containing "juergen" satisfies the negated match.
  EXPECT_TRUE(Match(tb, TextMatch("EMAIL", "juergen", "negate-condition=\"yes\"")));
  EXPECT_FALSE(Match(tb, TextMatch("EMAIL", "example", "negate-condition=\"yes\"")));
  EXPECT_FALSE(Match(tb, TextMatch("FN", "jürgen", "negate-condition=\"yes\"")));
  // A negated match on an absent property does not match: the property must exist.
  EXPECT_FALSE(Match(tb, TextMatch("NICKNAME", "x", "negate-condition=\"yes\"")));
}

TEST(CardFilter, IsNotDefinedAndExistence) {
  std::string tb = Sample("thunderbird30.vcf");
  EXPECT_TRUE(Match(tb, "<C:prop-filter name=\"PHOTO\"><C:is-not-defined/></C:prop-filter>"));
  EXPECT_FALSE(Match(tb, "<C:prop-filter name=\"EMAIL\"><C:is-not-defined/></C:prop-filter>"));
  EXPECT_TRUE(Match(tb, "<C:prop-filter name=\"email\"/>"));
  EXPECT_FALSE(Match(tb, "<C:prop-filter name=\"PHOTO\"/>"));
}

TEST(CardFilter, AnyOfAllOfOverPropFilters) {
  std::string tb = Sample("thunderbird30.vcf");
  std::string both = TextMatch("FN", "jürgen") + TextMatch("EMAIL", "nobody");
  EXPECT_TRUE(Match(tb, both));
  EXPECT_TRUE(Match(tb, both, "anyof"));
  EXPECT_FALSE(Match(tb, both, "allof"));
  EXPECT_TRUE(Match(tb, TextMatch("FN", "jürgen") + TextMatch("EMAIL", "example"), "allof"));
}

TEST(CardFilter, AnyOfAllOfInsidePropFilter) {
  std::string tb = Sample("thunderbird30.vcf");
  std::string inner =
      "<C:text-match>juergen</C:text-match><C:text-match>example.org</C:text-match>"
      "<C:text-match>nobody</C:text-match>";
  EXPECT_TRUE(Match(tb, "<C:prop-filter name=\"EMAIL\">" + inner + "</C:prop-filter>"));
  EXPECT_FALSE(
      Match(tb, "<C:prop-filter name=\"EMAIL\" test=\"allof\">" + inner + "</C:prop-filter>"));
  EXPECT_TRUE(Match(tb,
                    "<C:prop-filter name=\"EMAIL\" test=\"allof\"><C:text-match>juergen"
                    "</C:text-match><C:text-match>example.org</C:text-match></C:prop-filter>"));
  // allof applies per occurrence: no single EMAIL is both juergen@ and .net.
  EXPECT_FALSE(Match(tb,
                     "<C:prop-filter name=\"EMAIL\" test=\"allof\"><C:text-match>juergen"
                     "</C:text-match><C:text-match>.net</C:text-match></C:prop-filter>"));
}

TEST(CardFilter, ParamFilterOnType) {
  std::string tb = Sample("thunderbird30.vcf");
  auto pf = [](const std::string& inner, const std::string& test = "") {
    return "<C:prop-filter name=\"TEL\"" + (test.empty() ? "" : " test=\"" + test + "\"") +
           "><C:param-filter name=\"TYPE\">" + inner + "</C:param-filter></C:prop-filter>";
  };
  EXPECT_TRUE(Match(tb, pf("<C:text-match match-type=\"equals\">VOICE</C:text-match>")));
  EXPECT_TRUE(Match(tb, pf("<C:text-match match-type=\"equals\">work</C:text-match>")));
  EXPECT_FALSE(Match(tb, pf("<C:text-match match-type=\"equals\">cell</C:text-match>")));
  EXPECT_TRUE(Match(tb, pf("<C:text-match negate-condition=\"yes\">cell</C:text-match>")));
  EXPECT_FALSE(Match(tb, pf("<C:text-match negate-condition=\"yes\">work</C:text-match>")));
  EXPECT_TRUE(Match(tb, pf("")));
  EXPECT_FALSE(Match(tb, pf("<C:is-not-defined/>")));
  EXPECT_TRUE(Match(tb,
                    "<C:prop-filter name=\"TEL\"><C:param-filter name=\"PREF\">"
                    "<C:is-not-defined/></C:param-filter></C:prop-filter>"));
  // Apple sends TYPE as repeated parameters; 2.1-style bare parameters count as TYPE.
  std::string apple = Sample("apple30.vcf");
  EXPECT_TRUE(Match(apple,
                    "<C:prop-filter name=\"EMAIL\"><C:param-filter name=\"type\">"
                    "<C:text-match match-type=\"equals\">pref</C:text-match>"
                    "</C:param-filter></C:prop-filter>"));
  std::string bare = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:x\r\nTEL;CELL:1\r\nEND:VCARD\r\n";
  EXPECT_TRUE(Match(bare,
                    "<C:prop-filter name=\"TEL\"><C:param-filter name=\"TYPE\">"
                    "<C:text-match>cell</C:text-match></C:param-filter></C:prop-filter>"));
  // Text and param tests combined with allof.
  EXPECT_TRUE(Match(tb,
                    "<C:prop-filter name=\"TEL\" test=\"allof\"><C:text-match>+49"
                    "</C:text-match><C:param-filter name=\"TYPE\"><C:text-match>work"
                    "</C:text-match></C:param-filter></C:prop-filter>"));
  EXPECT_FALSE(Match(tb,
                     "<C:prop-filter name=\"TEL\" test=\"allof\"><C:text-match>+33"
                     "</C:text-match><C:param-filter name=\"TYPE\"><C:text-match>work"
                     "</C:text-match></C:param-filter></C:prop-filter>"));
}

TEST(CardFilter, ParseErrors) {
  auto precondition = [](const Result<CardFilter>& r) {
    return r.ok() ? dav::Precondition::kNone : r.status().precondition();
  };
  EXPECT_EQ(precondition(FilterFrom("", "sometimes")), dav::Precondition::kCardSupportedFilter);
  EXPECT_EQ(precondition(FilterFrom("<C:comp-filter name=\"x\"/>")),
            dav::Precondition::kCardSupportedFilter);
  EXPECT_EQ(precondition(FilterFrom(TextMatch("FN", "x", "match-type=\"regex\""))),
            dav::Precondition::kCardSupportedFilter);
  EXPECT_EQ(precondition(FilterFrom("<C:prop-filter name=\"FN\"><C:time-range/></C:prop-filter>")),
            dav::Precondition::kCardSupportedFilter);
  Result<CardFilter> no_name = FilterFrom("<C:prop-filter/>");
  ASSERT_FALSE(no_name.ok());
  EXPECT_EQ(no_name.status().code(), Status::Code::kBadRequest);
  Result<CardFilter> negate = FilterFrom(TextMatch("FN", "x", "negate-condition=\"maybe\""));
  ASSERT_FALSE(negate.ok());
  EXPECT_EQ(negate.status().code(), Status::Code::kBadRequest);
}

Result<AddressDataRequest> RequestFrom(const std::string& attrs, const std::string& inner) {
  std::string xml =
      std::string("<C:address-data ") + kNs + " " + attrs + ">" + inner + "</C:address-data>";
  auto doc = dav::ParseXml(xml);
  if (!doc.ok()) return doc.status();
  return ParseAddressDataRequest((*doc)->document_element());
}

TEST(AddressData, ParseRequest) {
  Result<AddressDataRequest> all = RequestFrom("", "");
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->all_props);
  EXPECT_EQ(all->version, "");
  Result<AddressDataRequest> some = RequestFrom("content-type=\"text/vcard\" version=\"4.0\"",
                                                "<C:prop name=\"fn\"/><C:prop name=\"EMAIL\"/>");
  ASSERT_TRUE(some.ok());
  EXPECT_FALSE(some->all_props);
  EXPECT_EQ(some->version, "4.0");
  EXPECT_EQ(some->props, (std::vector<std::string>{"FN", "EMAIL"}));
  Result<AddressDataRequest> bad_type = RequestFrom("content-type=\"application/vcard+json\"", "");
  ASSERT_FALSE(bad_type.ok());
  EXPECT_EQ(bad_type.status().precondition(), dav::Precondition::kSupportedAddressData);
  Result<AddressDataRequest> bad_version = RequestFrom("version=\"2.1\"", "");
  ASSERT_FALSE(bad_version.ok());
  EXPECT_EQ(bad_version.status().precondition(), dav::Precondition::kSupportedAddressData);
  EXPECT_FALSE(RequestFrom("", "<C:allprop/><C:prop name=\"FN\"/>").ok());
}

TEST(AddressData, Render) {
  std::string apple = Sample("apple30.vcf");
  AddressDataRequest all;
  EXPECT_EQ(*RenderAddressData(apple, all), apple);
  all.version = "3.0";
  EXPECT_EQ(*RenderAddressData(apple, all), apple);

  AddressDataRequest some;
  some.all_props = false;
  some.props = {"FN", "EMAIL"};
  Result<std::string> out = RenderAddressData(apple, some);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out,
            "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Johnny Appleseed\r\n"
            "item1.EMAIL;TYPE=INTERNET;TYPE=pref:johnny@example.com\r\n"
            "UID:7C7C4E4A-1B5B-4C4C-9C9C-0A0A0A0A0A0A\r\nEND:VCARD\r\n");

  some.version = "4.0";
  some.props = {"BDAY"};
  out = RenderAddressData(apple, some);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out,
            "BEGIN:VCARD\r\nVERSION:4.0\r\nBDAY:--0412\r\n"
            "UID:7C7C4E4A-1B5B-4C4C-9C9C-0A0A0A0A0A0A\r\nEND:VCARD\r\n");

  AddressDataRequest convert;
  convert.version = "4.0";
  out = RenderAddressData(apple, convert);
  ASSERT_TRUE(out.ok());
  EXPECT_NE(out->find("VERSION:4.0"), std::string::npos);
  EXPECT_FALSE(RenderAddressData("garbage", convert).ok());
}

TEST(VersionFromAccept, Negotiation) {
  EXPECT_EQ(VersionFromAccept(""), "");
  EXPECT_EQ(VersionFromAccept("*/*"), "");
  EXPECT_EQ(VersionFromAccept("text/vcard"), "");
  EXPECT_EQ(VersionFromAccept("text/vcard; version=4.0"), "4.0");
  EXPECT_EQ(VersionFromAccept("text/vcard;version=3.0"), "3.0");
  EXPECT_EQ(VersionFromAccept("text/x-vcard"), "3.0");
  EXPECT_EQ(VersionFromAccept("text/vcard; version=4.0, text/vcard;version=3.0;q=0.5"), "4.0");
  EXPECT_EQ(VersionFromAccept("text/vcard;version=3.0;q=0.5, text/vcard; version=4.0"), "4.0");
  EXPECT_EQ(VersionFromAccept("text/vcard;version=4.0;q=0.2,text/vcard;version=3.0;q=0.9"), "3.0");
  EXPECT_EQ(VersionFromAccept("TEXT/VCARD; Version=\"4.0\""), "4.0");
  EXPECT_EQ(VersionFromAccept("text/vcard;version=4.0;q=0, text/vcard;version=3.0;q=0.1"), "3.0");
  EXPECT_EQ(VersionFromAccept("text/html, text/vcard;version=4.0;q=0.8"), "4.0");
  EXPECT_EQ(VersionFromAccept("text/vcard;version=2.1"), "");
}

}  // namespace
}  // namespace cartable::dav::carddav
