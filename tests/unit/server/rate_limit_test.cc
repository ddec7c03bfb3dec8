#include "server/rate_limit.h"

#include <gtest/gtest.h>

namespace cartable::server {
namespace {

using std::chrono::seconds;

TEST(RateLimiterTest, AllowsTheBoundThenSaysHowLongToWait) {
  RateLimiter limiter(3, seconds(60));
  auto t0 = RateLimiter::Clock::time_point{} + seconds(1000);
  EXPECT_EQ(limiter.Take("a", t0), 0u);
  EXPECT_EQ(limiter.Take("a", t0 + seconds(10)), 0u);
  EXPECT_EQ(limiter.Take("a", t0 + seconds(20)), 0u);
  // The fourth within the minute waits until the first leaves the window (t0 + 60).
  EXPECT_EQ(limiter.Take("a", t0 + seconds(30)), 30u);
  EXPECT_EQ(limiter.RetryAfter("a", t0 + seconds(59)), 1u);
  EXPECT_EQ(limiter.RetryAfter("b", t0 + seconds(30)), 0u);  // keys are independent
  EXPECT_EQ(limiter.Take("a", t0 + seconds(60)), 0u);
  EXPECT_EQ(limiter.RetryAfter("a", t0 + seconds(61)), 9u);  // now the second one is oldest
}

TEST(RateLimiterTest, RecordCountsWithoutCheckingAndClearForgets) {
  RateLimiter limiter(2, seconds(60));
  auto t0 = RateLimiter::Clock::time_point{} + seconds(1000);
  limiter.Record("a", t0);
  limiter.Record("a", t0);
  limiter.Record("a", t0);  // beyond the bound: still only what matters is kept
  EXPECT_EQ(limiter.RetryAfter("a", t0), 60u);
  limiter.Clear("a");
  EXPECT_EQ(limiter.RetryAfter("a", t0), 0u);
}

TEST(RateLimiterTest, ZeroDisablesAndKeysAreBounded) {
  RateLimiter off(0, seconds(60));
  auto t0 = RateLimiter::Clock::time_point{} + seconds(1000);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(off.Take("a", t0), 0u);

  RateLimiter small(1, seconds(60), 2);
  small.Record("a", t0);
  small.Record("b", t0);
  EXPECT_EQ(small.RetryAfter("a", t0), 60u);
  small.Record("c", t0);  // "a" is the least recently touched: forgotten
  EXPECT_EQ(small.RetryAfter("a", t0), 0u);
  EXPECT_EQ(small.RetryAfter("b", t0), 60u);
  EXPECT_EQ(small.RetryAfter("c", t0), 60u);
}

// A reload lowers (or raises) the bound: the events already recorded count against it.
TEST(RateLimiterTest, SetLimitsAppliesToRecordedEvents) {
  RateLimiter limiter(5, seconds(60));
  auto t0 = RateLimiter::Clock::time_point{} + seconds(1000);
  limiter.Record("a", t0);
  limiter.Record("a", t0);
  EXPECT_EQ(limiter.RetryAfter("a", t0), 0u);
  limiter.SetLimits(2, seconds(30));
  EXPECT_EQ(limiter.RetryAfter("a", t0), 30u);
  limiter.SetLimits(0, seconds(30));  // 0: off
  EXPECT_EQ(limiter.Take("a", t0), 0u);
}

}  // namespace
}  // namespace cartable::server
