// The one Status -> HTTP seam (ResponseForStatus): kUnavailable answers 503 with Retry-After in
// DAV error bodies and in the JSON API alike; other codes carry no Retry-After.
#include <gtest/gtest.h>

#include "dav/api/json_response.h"
#include "dav/multistatus.h"

namespace cartable::dav {
namespace {

TEST(ErrorResponseTest, UnavailableIs503WithTheRetryHint) {
  const Status busy = Status::Unavailable("database is locked", 2);
  for (const http::HttpResponse& r :
       {ResponseForStatus(busy), ErrorResponse(busy), api::JsonError(busy)}) {
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.headers.Get("Retry-After").value_or(""), "2");
  }
  EXPECT_NE(api::JsonError(busy).body.find("database is locked"), std::string::npos);
  EXPECT_EQ(api::JsonError(busy).headers.Get("Content-Type").value_or(""),
            "application/json; charset=utf-8");
}

TEST(ErrorResponseTest, UnavailableWithoutAHintStillSaysWhenToRetry) {
  http::HttpResponse r = ErrorResponse(Status::Unavailable("no SMTP relay"));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.headers.Get("Retry-After").value_or(""), std::to_string(kDefaultRetryAfterSeconds));
}

TEST(ErrorResponseTest, OtherCodesHaveNoRetryAfter) {
  for (const Status& s : {Status::Internal("x"), Status::Conflict("x"), Status::NotFound("x")}) {
    http::HttpResponse r = ErrorResponse(s);
    EXPECT_EQ(r.status, s.HttpCode());
    EXPECT_FALSE(r.headers.Has("Retry-After")) << r.status;
    EXPECT_FALSE(api::JsonError(s).headers.Has("Retry-After"));
  }
}

}  // namespace
}  // namespace cartable::dav
