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

// The scheduling fast path: a plain event has no ORGANIZER, found with or without a parse.
TEST(CalendarObjectTest, TellsWhetherThereIsAnOrganizer) {
  const std::string plain =
      Cal("BEGIN:VEVENT\nUID:p\nDTSTAMP:20261120T080000Z\nDTSTART:20261201T160000Z\n"
          "DESCRIPTION:ORGANIZER:mailto:a@example.com\\nORGANIZER;CN=x:y\n"
          "X-ORGANIZER:mailto:a@example.com\nORGANIZERS:no\nEND:VEVENT\n");
  Result<CalendarObject> p = CalendarObject::Parse(plain);
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(HasOrganizer(*p));
  EXPECT_FALSE(MayHaveOrganizer(plain)) << "a value, an X- name, a longer name: no ORGANIZER";
  Result<CalendarObject> o = CalendarObject::Parse(kEvent);
  ASSERT_TRUE(o.ok());
  EXPECT_TRUE(HasOrganizer(*o));
  EXPECT_TRUE(MayHaveOrganizer(kEvent));
  // Any case, parameters, and folds anywhere in the name (RFC 5545 §3.1), LF or CRLF.
  EXPECT_TRUE(MayHaveOrganizer("BEGIN:VEVENT\r\norganizer;CN=A:mailto:a@example.com\r\n"));
  EXPECT_TRUE(MayHaveOrganizer("BEGIN:VEVENT\r\nORGA\r\n NIZER:mailto:a@example.com\r\n"));
  EXPECT_TRUE(MayHaveOrganizer("BEGIN:VEVENT\nORGANIZER\n\t:mailto:a@example.com\n"));
  EXPECT_TRUE(MayHaveOrganizer("ORGANIZER:mailto:a@example.com"));
  // A folded line whose continuation starts with the name is not an ORGANIZER line.
  EXPECT_FALSE(MayHaveOrganizer("SUMMARY:x\r\n ORGANIZER:mailto:a@example.com\r\n"));
  EXPECT_FALSE(MayHaveOrganizer(""));
}

// A body validated at the door (dav/prepared_body.h, before the write transaction) is not
// validated again inside it, and gives the same answers as validating its bytes there would.
TEST(CalendarObjectTest, AValidationIsReusedUntilTheObjectChanges) {
  ValidateOptions every;
  CalendarObject obj;
  Result<store::ObjectIndex> door = ValidateCalendarObject(kEvent, every, &obj);
  ASSERT_TRUE(door.ok());
  ValidateOptions todos;
  todos.allowed_components = {"VTODO"};
  Result<store::ObjectIndex> reused = ValidateCalendarObject(obj, todos);
  Result<store::ObjectIndex> fresh = ValidateCalendarObject(kEvent, todos);
  ASSERT_FALSE(reused.ok());
  ASSERT_FALSE(fresh.ok());
  EXPECT_EQ(reused.status().precondition(), Precondition::kSupportedCalendarComponent);
  EXPECT_EQ(reused.status().message(), fresh.status().message());
  Result<store::ObjectIndex> again = ValidateCalendarObject(obj, every);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->uid, "o1");
  EXPECT_EQ(again->first_start, door->first_start);
  EXPECT_EQ(again->last_end, door->last_end);
  // Changed after the door: validated again, and still valid.
  ASSERT_TRUE(SetPartstat(obj, "mailto:b@example.com", "ACCEPTED").ok());
  EXPECT_TRUE(ValidateCalendarObject(obj, every).ok());
  ValidateOptions small;
  small.max_resource_size = 10;
  EXPECT_EQ(ValidateCalendarObject(obj, small).status().precondition(),
            Precondition::kMaxResourceSize);
}

}  // namespace
}  // namespace cartable::dav::caldav
