#include "dav/precondition.h"

#include <gtest/gtest.h>

#include "dav/status.h"

namespace cartable::dav {
namespace {

TEST(PreconditionTest, EveryRowHasANameANamespaceAndAnErrorCode) {
  for (int i = 1; i < static_cast<int>(Precondition::kCount); ++i) {
    const PreconditionInfo& info = Describe(static_cast<Precondition>(i));
    EXPECT_FALSE(info.local_name.empty()) << i;
    EXPECT_FALSE(info.ns.empty()) << i;
    EXPECT_GE(info.http_code, 400) << i;
  }
}

TEST(PreconditionTest, StatusTakesItsCodeFromTheTable) {
  Status s = Status::Violates(Precondition::kNoUidConflict, "taken", "/dav/x.ics");
  EXPECT_EQ(s.HttpCode(), 403);
  EXPECT_EQ(s.href(), "/dav/x.ics");
  EXPECT_EQ(Status::Violates(Precondition::kQuotaNotExceeded, "").HttpCode(), 507);
  EXPECT_EQ(Status::NotFound("x").HttpCode(), 404);
  EXPECT_TRUE(Status().ok());
  EXPECT_EQ(Status().HttpCode(), 200);
}

}  // namespace
}  // namespace cartable::dav
