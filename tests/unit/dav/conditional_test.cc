#include "dav/conditional.h"

#include <gtest/gtest.h>

namespace cartable::dav {
namespace {

http::HttpRequest With(std::initializer_list<std::pair<const char*, const char*>> headers) {
  http::HttpRequest r;
  for (auto [k, v] : headers) r.headers.Add(k, v);
  return r;
}

TEST(ConditionalTest, Depth) {
  EXPECT_EQ(*ParseDepth(With({}), Depth::kInfinity), Depth::kInfinity);
  EXPECT_EQ(*ParseDepth(With({{"Depth", "0"}}), Depth::kInfinity), Depth::kZero);
  EXPECT_EQ(*ParseDepth(With({{"depth", " 1 "}}), Depth::kZero), Depth::kOne);
  EXPECT_EQ(*ParseDepth(With({{"Depth", "Infinity"}}), Depth::kZero), Depth::kInfinity);
  EXPECT_FALSE(ParseDepth(With({{"Depth", "2"}}), Depth::kZero).ok());
}

TEST(ConditionalTest, IfMatchAndIfNoneMatch) {
  bool nm = false;
  std::optional<std::string> etag = "\"abc\"";
  EXPECT_TRUE(CheckConditions(With({{"If-Match", "\"x\", \"abc\""}}), etag, false, &nm).ok());
  EXPECT_FALSE(CheckConditions(With({{"If-Match", "\"x\""}}), etag, false, &nm).ok());
  EXPECT_FALSE(CheckConditions(With({{"If-Match", "W/\"abc\""}}), etag, false, &nm).ok())
      << "If-Match uses strong comparison";
  EXPECT_FALSE(CheckConditions(With({{"If-Match", "*"}}), std::nullopt, false, &nm).ok());
  EXPECT_TRUE(CheckConditions(With({{"If-None-Match", "*"}}), std::nullopt, false, &nm).ok());
  Status s = CheckConditions(With({{"If-None-Match", "*"}}), etag, false, &nm);
  EXPECT_EQ(s.code(), Status::Code::kPreconditionFailed);
  EXPECT_TRUE(CheckConditions(With({{"If-None-Match", "W/\"abc\""}}), etag, true, &nm).ok());
  EXPECT_TRUE(nm) << "GET with a matching If-None-Match is 304";
}

TEST(ConditionalTest, OverwriteAndMinimal) {
  EXPECT_TRUE(*ParseOverwrite(With({})));
  EXPECT_FALSE(*ParseOverwrite(With({{"Overwrite", "F"}})));
  EXPECT_FALSE(ParseOverwrite(With({{"Overwrite", "maybe"}})).ok());
  EXPECT_TRUE(WantsMinimal(With({{"Brief", "t"}})));
  EXPECT_TRUE(WantsMinimal(With({{"Prefer", "return=minimal"}})));
  EXPECT_FALSE(WantsMinimal(With({{"Prefer", "return=representation"}})));
}

}  // namespace
}  // namespace cartable::dav
