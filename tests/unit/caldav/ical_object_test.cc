// CalendarObject (dav/caldav/ical_object.h): parsed once, bytes kept until changed, serialised
// once; the parse counter the HTTP tests rely on.
#include "dav/caldav/ical_object.h"

#include <gtest/gtest.h>

#include "dav/caldav/itip.h"
#include "tests/unit/caldav/test_util.h"

namespace cartable::dav::caldav {
namespace {

using testing::Cal;

const std::string kEvent =
    Cal("BEGIN:VEVENT\nUID:o1\nDTSTAMP:20261120T080000Z\nDTSTART:20261201T160000Z\n"
        "ORGANIZER:mailto:a@example.com\nATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:b@example.com\n"
        "END:VEVENT\n");

TEST(CalendarObjectTest, KeepsTheBytesUntilChanged) {
  // Not how libical would write it (lower-case scheme, no folding): the bytes stay as sent.
  Result<CalendarObject> cal = CalendarObject::Parse(kEvent);
  ASSERT_TRUE(cal.ok());
  EXPECT_EQ(cal->Text(), kEvent);
  EXPECT_FALSE(cal->changed());
  ASSERT_TRUE(SetPartstat(*cal, "mailto:b@example.com", "ACCEPTED").ok());
  EXPECT_TRUE(cal->changed());
  EXPECT_NE(cal->Text().find("PARTSTAT=ACCEPTED"), std::string::npos);
  EXPECT_EQ(cal->Text(), cal->Text()) << "serialised once, then kept";
}

TEST(CalendarObjectTest, CountsParsesNotClonesOrMessages) {
  const uint64_t before = ParseCount();
  Result<CalendarObject> cal = CalendarObject::Parse(kEvent);
  ASSERT_TRUE(cal.ok());
  EXPECT_EQ(ParseCount() - before, 1u);
  CalendarObject copy = cal->Clone();
  EXPECT_EQ(copy.Text(), kEvent);
  Result<CalendarObject> request = BuildRequest(*cal, "mailto:b@example.com");
  ASSERT_TRUE(request.ok());
  ASSERT_TRUE(InspectScheduling(*request).ok());
  EXPECT_NE(request->Text().find("METHOD:REQUEST"), std::string::npos);
  Result<CalendarObject> applied = ApplyRequest(&copy, *request);
  ASSERT_TRUE(applied.ok());
  EXPECT_EQ(applied->Text().find("METHOD"), std::string::npos);
  EXPECT_EQ(ParseCount() - before, 1u) << "only the first Parse parsed";
  // The clone is independent of the original.
  ASSERT_TRUE(SetPartstat(copy, "mailto:b@example.com", "DECLINED").ok());
  EXPECT_EQ(cal->Text(), kEvent);
}

TEST(CalendarObjectTest, RefusesWhatIsNotOneVcalendar) {
  EXPECT_FALSE(CalendarObject::Parse("garbage").ok());
  EXPECT_FALSE(CalendarObject::Parse("BEGIN:VEVENT\r\nUID:x\r\nEND:VEVENT\r\n").ok());
  CalendarObject empty;
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(empty.Text(), "");
  EXPECT_FALSE(InspectScheduling(empty).ok());
}

}  // namespace
}  // namespace cartable::dav::caldav
