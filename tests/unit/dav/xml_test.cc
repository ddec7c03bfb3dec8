#include "dav/xml.h"

#include <gtest/gtest.h>

namespace cartable::dav {
namespace {

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

}  // namespace
}  // namespace cartable::dav
