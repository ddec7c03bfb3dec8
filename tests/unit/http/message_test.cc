#include "server/http/message.h"

#include <gtest/gtest.h>

namespace cartable::http {
namespace {

TEST(HeadersTest, LookupIgnoresCaseAndKeepsOrder) {
  Headers h;
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
  Headers h;
  h.Add("Vary", "a");
  h.Add("vary", "b");
  h.Set("VARY", "c");
  ASSERT_EQ(h.All().size(), 1u);
  EXPECT_EQ(h.Get("vary"), "c");
  h.Remove("Vary");
  EXPECT_TRUE(h.All().empty());
}

TEST(HttpMessageTest, EqualsIgnoreCase) {
  EXPECT_TRUE(EqualsIgnoreCase("Chunked", "cHUNKED"));
  EXPECT_FALSE(EqualsIgnoreCase("chunked", "chunke"));
}

TEST(HttpMessageTest, ReasonPhrases) {
  EXPECT_EQ(ReasonPhrase(207), "Multi-Status");
  EXPECT_EQ(ReasonPhrase(404), "Not Found");
  EXPECT_EQ(ReasonPhrase(431), "Request Header Fields Too Large");
  EXPECT_EQ(ReasonPhrase(799), "Unknown");
}

TEST(HttpMessageTest, TextResponse) {
  HttpResponse r = HttpResponse::Text(403, "no");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body, "no");
  EXPECT_EQ(r.headers.Get("Content-Type"), "text/plain; charset=utf-8");
}

TEST(HttpDateTest, FormatsImfFixdate) {
  auto t = std::chrono::system_clock::from_time_t(784111777);
  EXPECT_EQ(HttpDate(t), "Sun, 06 Nov 1994 08:49:37 GMT");
}

TEST(HttpDateTest, ParsesAndRoundTrips) {
  auto t = ParseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT");
  ASSERT_TRUE(t);
  EXPECT_EQ(std::chrono::system_clock::to_time_t(*t), 784111777);
  auto now = std::chrono::system_clock::from_time_t(1700000000);
  EXPECT_EQ(ParseHttpDate(HttpDate(now)), now);
}

TEST(HttpDateTest, RejectsMalformed) {
  EXPECT_FALSE(ParseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT"));
  EXPECT_FALSE(ParseHttpDate("Sun, 06 Foo 1994 08:49:37 GMT"));
  EXPECT_FALSE(ParseHttpDate("Sun, 31 Feb 1994 08:49:37 GMT"));
  EXPECT_FALSE(ParseHttpDate("Sun, 06 Nov 1994 25:49:37 GMT"));
  EXPECT_FALSE(ParseHttpDate("Sun, 06 Nov 1994 08:49:37 UTC"));
  EXPECT_FALSE(ParseHttpDate(""));
}

// Found by tests/fuzz/http_fuzzer: years the clock cannot represent overflowed (signed, UB)
// in system_clock::from_time_t; they are invalid dates, so If-Modified-Since is ignored.
TEST(HttpDateTest, RejectsYearsOutsideTheClock) {
  EXPECT_FALSE(ParseHttpDate("Sun, 06 Nov 0997 08:49:37 GMT"));
  EXPECT_FALSE(ParseHttpDate("Fri, 31 Dec 9999 23:59:59 GMT"));
  EXPECT_TRUE(ParseHttpDate("Wed, 31 Dec 2200 23:59:59 GMT"));
  EXPECT_TRUE(ParseHttpDate("Mon, 01 Jan 1900 00:00:00 GMT"));
}

}  // namespace
}  // namespace cartable::http
