#include "dav/xml.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "dav/text_check.h"

namespace cartable::dav {
namespace {

// The rules of AppendXmlText (dav/text_check.h) spelled out one character at a time: the oracle
// of the bulk escaper.
std::string ReferenceEscape(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      uint32_t cp = 0;
      const size_t len = DecodeUtf8Strict(text, i, &cp);
      if (len == 0 || cp == 0xFFFE || cp == 0xFFFF) {
        out += "\xEF\xBF\xBD";
      } else {
        out += text.substr(i, len);
      }
      i += len == 0 ? 1 : len;
      continue;
    }
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\r': out += "&#13;"; break;
      default: out += (c < 0x20 && c != '\t' && c != '\n') ? "\xEF\xBF\xBD" : std::string(1, c);
    }
    ++i;
  }
  return out;
}

// The bulk escaper writes exactly what the rules say, on clean text, markup, CR, controls, DEL,
// accents, U+FFFE/U+FFFF, astral characters, invalid and truncated UTF-8, and on random bytes.
TEST(XmlEscapeTest, BulkEscaperMatchesTheReference) {
  std::vector<std::string> cases = {
      "",
      "plain ascii 0123 /dav/calendars/bench/x.ics",
      "\"etag-1234\"",
      "a&b<c>d\"e'f",
      "line\r\nnext\tTAB\x01\x1f\x7f end",
      "Hélène Françoise Gaëlle Jérôme, réunion à l'école",
      "\xEF\xBF\xBE \xEF\xBF\xBF \xEF\xBF\xBD \xF0\x9F\x8E\x89 \xE6\x97\xA5",
      "\xC0\xAF \xED\xA0\x80 \xF5\x80\x80\x80 \xFF trailing \xC3",
      "\xE2\x82",
      std::string("nul\0inside", 11),
  };
  std::mt19937 rng(14);
  for (int n = 0; n < 2000; ++n) {
    std::string s(rng() % 64, '\0');
    for (char& c : s) {
      // Mostly ASCII, with enough high bytes to build valid and invalid sequences.
      const unsigned r = rng() % 10;
      c = static_cast<char>(r < 6   ? 0x20 + rng() % 0x60
                            : r < 8 ? rng() % 0x20
                                    : 0x80 + rng() % 0x80);
    }
    cases.push_back(s);
  }
  for (const std::string& text : cases) {
    const std::string want = "<x>" + ReferenceEscape(text);
    std::string got = "<x>";
    AppendEscaped(got, text);
    EXPECT_EQ(got, want) << testing::PrintToString(text);
  }
}

TEST(XmlTest, NamesResolveThroughAncestorsAndDefaultNamespace) {
  auto doc = ParseXml(R"(<a:root xmlns:a="DAV:" xmlns="urn:def"><child/><a:x/></a:root>)");
  ASSERT_TRUE(doc.ok());
  pugi::xml_node root = (*doc)->document_element();
  EXPECT_EQ(NameOf(root).Clark(), "{DAV:}root");
  EXPECT_EQ(NameOf(root.first_child()).Clark(), "{urn:def}child");
  EXPECT_TRUE(Is(root.last_child(), ns::kDav, "x"));
  EXPECT_FALSE(Is(root.first_child(), ns::kDav, "child"));
}

TEST(XmlTest, RefusesDoctypeUndeclaredPrefixesAndGarbage) {
  auto dtd = ParseXml("<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>&e;</x>");
  ASSERT_FALSE(dtd.ok());
  EXPECT_EQ(dtd.status().precondition(), Precondition::kNoExternalEntities);
  EXPECT_EQ(ParseXml("<x:a/>").status().code(), Status::Code::kBadRequest);
  EXPECT_EQ(ParseXml("<a xmlns:b=\"\"><b:c/></a>").status().code(), Status::Code::kBadRequest);
  EXPECT_EQ(ParseXml("").status().code(), Status::Code::kBadRequest);
  EXPECT_EQ(ParseXml("<a>").status().code(), Status::Code::kBadRequest);
}

TEST(XmlTest, SelfContainedFragmentCarriesInheritedNamespaces) {
  auto doc = ParseXml(R"(<D:p xmlns:D="DAV:" xmlns:Z="urn:z"><D:prop><Z:v a="1">t <Z:w/></Z:v>)"
                      R"(<plain/></D:prop></D:p>)");
  ASSERT_TRUE(doc.ok());
  pugi::xml_node prop = (*doc)->document_element().first_child();
  std::string v = SelfContainedXml(prop.first_child());
  EXPECT_NE(v.find("xmlns:Z=\"urn:z\""), std::string::npos) << v;
  EXPECT_NE(v.find("t <Z:w/>"), std::string::npos) << v;
  auto again = ParseXml(v);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(NameOf((*again)->document_element()).Clark(), "{urn:z}v");
  std::string plain = SelfContainedXml(prop.last_child());
  EXPECT_NE(plain.find("xmlns=\"\""), std::string::npos) << "no-namespace element stays so";
}

TEST(XmlTest, WriterUsesFixedPrefixesAndDeclaresUnknownNamespaces) {
  std::string out;
  XmlWriter w(out);
  w.OpenRoot(ns::kDav, "multistatus");
  w.TextElement(ns::kCalDav, "x", "a<b&\"c\"");
  w.Empty("urn:other", "y");
  w.Finish();
  EXPECT_NE(out.find("<cal:x>a&lt;b&amp;&quot;c&quot;</cal:x>"), std::string::npos) << out;
  EXPECT_NE(out.find("<x:y xmlns:x=\"urn:other\"/>"), std::string::npos) << out;
  EXPECT_NE(out.find("</d:multistatus>"), std::string::npos);
  EXPECT_TRUE(ParseXml(out).ok());
}

// Nested elements <e><e>...</e></e>, each declaring nothing (so resolution must look further up).
std::string Nested(size_t depth) {
  std::string body = "<d:r xmlns:d=\"DAV:\">";
  for (size_t i = 1; i < depth; ++i) body += "<d:e>";
  for (size_t i = 1; i < depth; ++i) body += "</d:e>";
  return body + "</d:r>";
}

TEST(XmlLimitsTest, DeepBodyIsRefusedBeforeAnyTreeWalk) {
  XmlLimits limits;  // the configuration's defaults: 64 levels
  EXPECT_TRUE(ParseXml(Nested(64), limits).ok());
  auto deep = ParseXml(Nested(65), limits);
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(deep.status().code(), Status::Code::kBadRequest);
  EXPECT_NE(deep.status().message().find("max_xml_depth"), std::string::npos)
      << deep.status().message();
  // The 210 KB body of the finding (about 23,000 levels): refused by the byte scan, so no
  // namespace lookup runs at all (the old walk took one lookup per ancestor per element).
  const uint64_t before = NamespaceLookupSteps();
  auto hostile = ParseXml(Nested(23000), limits);
  EXPECT_EQ(hostile.status().code(), Status::Code::kBadRequest);
  EXPECT_EQ(NamespaceLookupSteps(), before);
}

TEST(XmlLimitsTest, ElementCountIsBounded) {
  XmlLimits limits{.max_depth = 64, .max_elements = 100};
  std::string body = "<d:r xmlns:d=\"DAV:\">";
  for (int i = 0; i < 99; ++i) body += "<d:href>x</d:href>";
  EXPECT_TRUE(ParseXml(body + "</d:r>", limits).ok()) << "100 elements";
  auto many = ParseXml(body + "<d:href/></d:r>", limits);
  ASSERT_FALSE(many.ok());
  EXPECT_EQ(many.status().code(), Status::Code::kTooLarge);
  EXPECT_NE(many.status().message().find("max_xml_elements"), std::string::npos);
}

TEST(XmlLimitsTest, ScanIgnoresMarkupInCommentsCdataAndAttributes) {
  XmlLimits limits{.max_depth = 2, .max_elements = 3};
  auto doc = ParseXml(
      "<?xml version=\"1.0\"?><a x=\"1>2\" y='/'><!-- <b><b><b> --><![CDATA[<c><c>]]>"
      "<?pi <d><d>?><b/><b></b></a>",
      limits);
  EXPECT_TRUE(doc.ok()) << doc.status().message();
}

TEST(XmlLimitsTest, NamespaceResolutionIsLinearInDeepAndWideBodies) {
  // Deep: 64 levels, each element resolved once against the bindings in scope. The old walk
  // up to the root took 64 * 65 / 2 = 2080 steps.
  uint64_t before = NamespaceLookupSteps();
  ASSERT_TRUE(ParseXml(Nested(64)).ok());
  EXPECT_LE(NamespaceLookupSteps() - before, 64u);
  // Wide: 20,000 siblings under one root, one step each.
  std::string wide = "<d:r xmlns:d=\"DAV:\" xmlns=\"urn:x\">";
  for (int i = 0; i < 20000; ++i) wide += (i % 2) ? "<d:href/>" : "<v/>";
  wide += "</d:r>";
  before = NamespaceLookupSteps();
  auto doc = ParseXml(wide);
  ASSERT_TRUE(doc.ok());
  EXPECT_LE(NamespaceLookupSteps() - before, 20001u);
  // Resolution through the stack is the same as through the ancestors.
  pugi::xml_node root = (*doc)->document_element();
  EXPECT_EQ(NameOf(root.first_child()).Clark(), "{urn:x}v");
  EXPECT_EQ(NameOf(root.last_child()).Clark(), "{DAV:}href");
}

TEST(XmlLimitsTest, PrefixesGoOutOfScopeWithTheirElement) {
  // b is declared on the first child only: using it in the second is undeclared.
  EXPECT_TRUE(ParseXml("<a><x xmlns:b=\"urn:b\"><b:c/></x><b:c xmlns:b=\"urn:b\"/></a>").ok());
  auto out = ParseXml("<a><x xmlns:b=\"urn:b\"><b:c/></x><b:d/></a>");
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("<b:d>"), std::string::npos) << out.status().message();
  // Redeclared inside and restored outside.
  auto doc = ParseXml("<b:a xmlns:b=\"urn:1\"><b:x xmlns:b=\"urn:2\"><b:y/></b:x><b:z/></b:a>");
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(NameOf((*doc)->document_element().last_child()).Clark(), "{urn:1}z");
}

}  // namespace
}  // namespace cartable::dav
