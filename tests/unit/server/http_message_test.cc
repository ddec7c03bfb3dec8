#include "server/http/message.h"

#include <gtest/gtest.h>

namespace cartable::server {
namespace {

TEST(HeadersTest, LookupIgnoresCaseAndKeepsOrder) {
  http::Headers h;
  h.Add("Content-Type", "text/plain");
  h.Add("WWW-Authenticate", "Basic");
  h.Add("www-authenticate", "Digest");
  EXPECT_EQ(h.Get("content-type"), "text/plain");
  EXPECT_EQ(h.Get("WWW-AUTHENTICATE"), "Basic");
  EXPECT_TRUE(h.Has("Www-Authenticate"));
  EXPECT_FALSE(h.Has("Depth"));
  ASSERT_EQ(h.All().size(), 3u);
  EXPECT_EQ(h.All()[2].first, "www-authenticate");
}

TEST(HeadersTest, SetReplacesAllAndRemoveDeletesAll) {
  http::Headers h;
  h.Add("Vary", "a");
  h.Add("vary", "b");
  h.Set("VARY", "c");
  ASSERT_EQ(h.All().size(), 1u);
  EXPECT_EQ(h.Get("vary"), "c");
  h.Remove("Vary");
  EXPECT_TRUE(h.All().empty());
}

TEST(HttpMessageTest, http::EqualsIgnoreCase) {
  EXPECT_TRUE(http::EqualsIgnoreCase("Chunked", "cHUNKED"));
  EXPECT_FALSE(http::EqualsIgnoreCase("chunked", "chunke"));
}

TEST(HttpMessageTest, ReasonPhrases) {
  EXPECT_EQ(http::ReasonPhrase(207), "Multi-Status");
  EXPECT_EQ(http::ReasonPhrase(404), "Not Found");
  EXPECT_EQ(http::ReasonPhrase(431), "Request Header Fields Too Large");
  EXPECT_EQ(http::ReasonPhrase(799), "Unknown");
}

TEST(HttpMessageTest, TextResponse) {
  http::HttpResponse r = http::HttpResponse::Text(403, "no");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body, "no");
  EXPECT_EQ(r.headers.Get("Content-Type"), "text/plain; charset=utf-8");
}

TEST(HttpDateTest, FormatsImfFixdate) {
  auto t = std::chrono::system_clock::from_time_t(784111777);
  EXPECT_EQ(http::HttpDate(t), "Sun, 06 Nov 1994 08:49:37 GMT");
}

TEST(HttpDateTest, ParsesAndRoundTrips) {
  auto t = http::ParseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT");
  ASSERT_TRUE(t);
  EXPECT_EQ(std::chrono::system_clock::to_time_t(*t), 784111777);
  auto now = std::chrono::system_clock::from_time_t(1700000000);
  EXPECT_EQ(http::ParseHttpDate(http::HttpDate(now)), now);
}

TEST(HttpDateTest, RejectsMalformed) {
  EXPECT_FALSE(http::ParseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT"));
  EXPECT_FALSE(http::ParseHttpDate("Sun, 06 Foo 1994 08:49:37 GMT"));
  EXPECT_FALSE(http::ParseHttpDate("Sun, 31 Feb 1994 08:49:37 GMT"));
  EXPECT_FALSE(http::ParseHttpDate("Sun, 06 Nov 1994 25:49:37 GMT"));
  EXPECT_FALSE(http::ParseHttpDate("Sun, 06 Nov 1994 08:49:37 UTC"));
  EXPECT_FALSE(http::ParseHttpDate(""));
}

}  // namespace
}  // namespace cartable::server
