#include "server/http/path.h"

#include <gtest/gtest.h>

namespace cartable::http {
namespace {

TEST(DecodePathTest, DecodesPercentEscapes) {
  EXPECT_EQ(DecodePath("/dav/a%40b/x"), "/dav/a@b/x");
  EXPECT_EQ(DecodePath("/a%20b%c3%a9"), "/a b\xc3\xa9");
  EXPECT_EQ(DecodePath("/a+b"), "/a+b");
  EXPECT_EQ(DecodePath("/"), "/");
}

TEST(DecodePathTest, CollapsesDoubleSlashesAndKeepsTrailingSlash) {
  EXPECT_EQ(DecodePath("//a///b//"), "/a/b/");
  EXPECT_EQ(DecodePath("/a/b/"), "/a/b/");
  EXPECT_EQ(DecodePath("//"), "/");
}

TEST(DecodePathTest, RejectsTraversalAndEncodedSeparators) {
  EXPECT_EQ(DecodePath("/a/../b"), std::nullopt);
  EXPECT_EQ(DecodePath("/a/.."), std::nullopt);
  EXPECT_EQ(DecodePath("/./a"), std::nullopt);
  EXPECT_EQ(DecodePath("/a/%2e%2E/b"), std::nullopt);
  EXPECT_EQ(DecodePath("/a/%2e"), std::nullopt);
  EXPECT_EQ(DecodePath("/a%2Fb"), std::nullopt);
  EXPECT_EQ(DecodePath("/a%2fb"), std::nullopt);
  EXPECT_EQ(DecodePath("/a%5Cb"), std::nullopt);
  EXPECT_EQ(DecodePath("/a\\b"), std::nullopt);
  EXPECT_EQ(DecodePath("/a%00b"), std::nullopt);
  EXPECT_EQ(DecodePath(std::string_view("/a\0b", 4)), std::nullopt);
  EXPECT_EQ(DecodePath("/a...b/..c"), "/a...b/..c");
}

TEST(DecodePathTest, RejectsInvalidEscapesAndRelativePaths) {
  EXPECT_EQ(DecodePath("/a%"), std::nullopt);
  EXPECT_EQ(DecodePath("/a%4"), std::nullopt);
  EXPECT_EQ(DecodePath("/a%zz"), std::nullopt);
  EXPECT_EQ(DecodePath("a/b"), std::nullopt);
  EXPECT_EQ(DecodePath(""), std::nullopt);
}

TEST(EncodePathTest, KeepsSafeCharactersAndEncodesTheRest) {
  EXPECT_EQ(EncodePath("/dav/a@b/x:y!$&'()*+,;=-._~"), "/dav/a@b/x:y!$&'()*+,;=-._~");
  EXPECT_EQ(EncodePath("/a b%?#\"<>"), "/a%20b%25%3F%23%22%3C%3E");
  EXPECT_EQ(EncodePath("/\xc3\xa9t\xc3\xa9"), "/%C3%A9t%C3%A9");
}

TEST(EncodePathTest, AppendEncodedPathAppendsWhatEncodePathReturns) {
  std::string out = "/prefix/";
  AppendEncodedPath(out, "a b&\xc3\xa9%.ics");
  EXPECT_EQ(out, "/prefix/" + EncodePath("a b&\xc3\xa9%.ics"));
  EXPECT_EQ(out, "/prefix/a%20b&%C3%A9%25.ics");
}

TEST(EncodePathTest, RoundTripsThroughDecode) {
  for (std::string p : {"/a b/c@d/", "/\xe2\x82\xac%x", "/q?x#y/z", "/plus+sign"}) {
    EXPECT_EQ(DecodePath(EncodePath(p)), p);
  }
}

TEST(ParseRequestTargetTest, OriginForm) {
  auto t = ParseRequestTarget("/dav/x%40y?a=1&b");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->raw_path, "/dav/x%40y");
  EXPECT_EQ(t->query, "a=1&b");
  t = ParseRequestTarget("/p#frag");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->raw_path, "/p");
  EXPECT_EQ(t->query, "");
}

TEST(ParseRequestTargetTest, AbsoluteForm) {
  auto t = ParseRequestTarget("http://example.org:8008/dav/a?q=1");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->raw_path, "/dav/a");
  EXPECT_EQ(t->query, "q=1");
  t = ParseRequestTarget("HTTPS://example.org");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->raw_path, "/");
  t = ParseRequestTarget("http://example.org?x");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->raw_path, "/");
  EXPECT_EQ(t->query, "x");
}

TEST(ParseRequestTargetTest, AsteriskAndInvalid) {
  auto t = ParseRequestTarget("*");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->raw_path, "*");
  EXPECT_FALSE(ParseRequestTarget("relative/path"));
  EXPECT_FALSE(ParseRequestTarget("ftp://host/x"));
  EXPECT_FALSE(ParseRequestTarget(""));
}

TEST(ParseDestinationTest, AbsoluteUriAndPath) {
  EXPECT_EQ(ParseDestination("http://localhost:8008/dav/b%20c", "localhost:8008"), "/dav/b c");
  EXPECT_EQ(ParseDestination("http://LOCALHOST:8008/x/", "localhost:8008"), "/x/");
  EXPECT_EQ(ParseDestination("/dav/a%40b", "localhost"), "/dav/a@b");
  EXPECT_EQ(ParseDestination(" /dav/x ", ""), "/dav/x");
  EXPECT_EQ(ParseDestination("http://any/y", ""), "/y");
}

TEST(ParseDestinationTest, RejectsOtherHostsAndBadPaths) {
  EXPECT_EQ(ParseDestination("http://other:8008/x", "localhost:8008"), std::nullopt);
  EXPECT_EQ(ParseDestination("http://localhost/a/../b", "localhost"), std::nullopt);
  EXPECT_EQ(ParseDestination("/a%2Fb", "localhost"), std::nullopt);
  EXPECT_EQ(ParseDestination("", "localhost"), std::nullopt);
  EXPECT_EQ(ParseDestination("x/y", "localhost"), std::nullopt);
}

TEST(QueryParamTest, DecodesValues) {
  EXPECT_EQ(QueryParam("q=h%C3%A9l%C3%A8ne+le&limit=5", "q"), "hélène le");
  EXPECT_EQ(QueryParam("from=2026-11-23T00%3A00%3A00Z", "from"), "2026-11-23T00:00:00Z");
  EXPECT_EQ(QueryParam("limit=5", "lim"), "");
  EXPECT_EQ(QueryParam("", "q"), "");
  EXPECT_EQ(QueryParam("a=1&q=x%2Fy", "q"), "x/y");
}

}  // namespace
}  // namespace cartable::http
