// Expanding a CUTYPE=GROUP attendee into MEMBER attendees (dav/caldav/group_attendees.h).
#include "dav/caldav/group_attendees.h"

#include <gtest/gtest.h>

#include "dav/caldav/itip.h"
#include "tests/testlib/ics_text.h"

namespace cartable::dav::caldav {
namespace {

using testlib::AttendeeLine;
using testlib::Unfold;

const std::string kGroup = "urn:x-cartable:group:departement-37";

// A meeting inviting the group (master) and one override without it.
std::string Meeting() {
  return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
         "BEGIN:VEVENT\r\nUID:g1\r\nDTSTAMP:20261201T100000Z\r\n"
         "DTSTART:20261210T100000Z\r\nDTEND:20261210T110000Z\r\nRRULE:FREQ=DAILY;COUNT=3\r\n"
         "SUMMARY:Conseil\r\nORGANIZER:mailto:chef@ac-orleans-tours.fr\r\n"
         "ATTENDEE;CUTYPE=GROUP;CN=DSDEN 37:urn:x-cartable:group:departement-37\r\n"
         "ATTENDEE;PARTSTAT=ACCEPTED:mailto:jean.martin@ac-orleans-tours.fr\r\n"
         "END:VEVENT\r\n"
         "BEGIN:VEVENT\r\nUID:g1\r\nDTSTAMP:20261201T100000Z\r\n"
         "RECURRENCE-ID:20261211T100000Z\r\n"
         "DTSTART:20261211T120000Z\r\nDTEND:20261211T130000Z\r\n"
         "SUMMARY:Conseil\r\nORGANIZER:mailto:chef@ac-orleans-tours.fr\r\n"
         "ATTENDEE:mailto:jean.martin@ac-orleans-tours.fr\r\n"
         "END:VEVENT\r\nEND:VCALENDAR\r\n";
}

TEST(GroupAttendeesTest, MembersJoinEveryComponentListingTheGroup) {
  Result<CalendarObject> cal = CalendarObject::Parse(Meeting());
  ASSERT_TRUE(cal.ok());
  const std::vector<GroupMember> members = {
      {"mailto:helene.le-gall-dubois@ac-orleans-tours.fr", "Hélène Le Gall-Dubois"},
      {"mailto:jean.martin@ac-orleans-tours.fr", "Jean Martin"}};  // already invited
  EXPECT_EQ(AddGroupMembers(*cal, kGroup, members), 1u);
  ASSERT_TRUE(cal->changed());
  const std::string text = Unfold(cal->Text());
  const std::string line = AttendeeLine(text, "helene.le-gall-dubois");
  EXPECT_NE(line.find("MEMBER=\"urn:x-cartable:group:departement-37\""), std::string::npos) << line;
  EXPECT_NE(line.find("CUTYPE=INDIVIDUAL"), std::string::npos) << line;
  EXPECT_NE(line.find("PARTSTAT=NEEDS-ACTION"), std::string::npos) << line;
  EXPECT_NE(line.find("RSVP=TRUE"), std::string::npos) << line;
  EXPECT_NE(line.find("CN=Hélène Le Gall-Dubois"), std::string::npos) << line;
  // Jean keeps his own listing and answer; the override without the group gets nobody.
  Result<SchedulingInfo> info = InspectScheduling(*cal);
  ASSERT_TRUE(info.ok());
  ASSERT_EQ(info->components.size(), 2u);
  EXPECT_EQ(info->components[0].attendees.size(), 3u);
  EXPECT_EQ(info->components[1].attendees.size(), 1u);
  EXPECT_EQ(info->components[0].FindAttendee("mailto:jean.martin@ac-orleans-tours.fr")->partstat,
            "ACCEPTED");
  EXPECT_EQ(info->components[0].FindAttendee(kGroup)->cutype, "GROUP");
}

TEST(GroupAttendeesTest, NothingToAddLeavesTheBytes) {
  Result<CalendarObject> cal = CalendarObject::Parse(Meeting());
  ASSERT_TRUE(cal.ok());
  EXPECT_EQ(AddGroupMembers(*cal, kGroup, {{"mailto:jean.martin@ac-orleans-tours.fr", ""}}), 0u);
  EXPECT_EQ(AddGroupMembers(*cal, "urn:x-cartable:group:autre", {{"mailto:x@y.fr", ""}}), 0u);
  EXPECT_FALSE(cal->changed());
  EXPECT_EQ(cal->Text(), Meeting());
}

}  // namespace
}  // namespace cartable::dav::caldav
