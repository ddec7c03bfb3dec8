// The door of calendar data (ValidateCalendarObject, CheckCalendarText): bytes a client may not
// store are refused with the line they are on; valid data the server does not know (RFC 9073,
// X- and IANA properties and components) is accepted and kept byte for byte; real clients'
// shapes of a meeting inside a personal series pass the scheduling checks.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "dav/caldav/ical.h"
#include "dav/caldav/itip.h"
#include "tests/unit/caldav/test_util.h"

namespace cartable::dav::caldav {
namespace {

using testing::Cal;

std::string ClientFixture(const std::string& name) {
  std::ifstream in(std::string(CARTABLE_FIXTURE_DIR) + "/clients/" + name, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  EXPECT_FALSE(s.str().empty()) << name;
  return s.str();
}

Status Refusal(const std::string& ics) {
  Result<store::ObjectIndex> r = ValidateCalendarObject(ics, {});
  EXPECT_FALSE(r.ok()) << ics;
  return r.ok() ? Status::OK() : r.status();
}

TEST(CalendarDoor, ControlCharacterIsRefusedWithItsLine) {
  // Line 6 of the CRLF text Cal() builds: VCALENDAR, VERSION, PRODID, VEVENT, UID, SUMMARY.
  Status s =
      Refusal(Cal("BEGIN:VEVENT\nUID:c1\nSUMMARY:Conseil\x01 de classe\n"
                  "DTSTART:20261210T100000Z\nEND:VEVENT\n"));
  EXPECT_EQ(s.precondition(), Precondition::kValidCalendarData);
  EXPECT_EQ(s.HttpCode(), 403);
  EXPECT_NE(s.message().find("line 6: character U+0001"), std::string::npos) << s.message();
}

TEST(CalendarDoor, InvalidUtf8IsRefusedWithItsLine) {
  Status s =
      Refusal(Cal("BEGIN:VEVENT\nUID:c2\nDTSTART:20261210T100000Z\n"
                  "LOCATION:Coll\xE8ge Balzac\nEND:VEVENT\n"));  // Latin-1 è
  EXPECT_EQ(s.precondition(), Precondition::kValidCalendarData);
  EXPECT_NE(s.message().find("line 7: byte 0xE8 is not valid UTF-8"), std::string::npos)
      << s.message();
}

TEST(CalendarDoor, BareCrEscapeAndNulAreRefused) {
  EXPECT_EQ(Refusal(Cal("BEGIN:VEVENT\nUID:c3\nDTSTART:20261210T100000Z\n"
                        "DESCRIPTION:a\rb\nEND:VEVENT\n"))
                .precondition(),
            Precondition::kValidCalendarData);
  EXPECT_EQ(Refusal(Cal("BEGIN:VEVENT\nUID:c4\nDTSTART:20261210T100000Z\n"
                        "DESCRIPTION:\x1B[31mred\nEND:VEVENT\n"))
                .precondition(),
            Precondition::kValidCalendarData);
  std::string nul =
      Cal("BEGIN:VEVENT\nUID:c5\nDTSTART:20261210T100000Z\nSUMMARY:aZb\nEND:VEVENT\n");
  nul[nul.find("aZb") + 1] = '\0';
  EXPECT_EQ(Refusal(nul).precondition(), Precondition::kValidCalendarData);
}

TEST(CalendarDoor, TabsFoldingAndUnicodeAreAccepted) {
  std::string ics = Cal(
      "BEGIN:VEVENT\nUID:c6\nDTSTART:20261210T100000Z\nSUMMARY:R\xC3\xA9union\t\xF0\x9F\x93\x85\n"
      "DESCRIPTION:une longue description qui est repli\xC3\xA9\x65 sur deux lignes physiques\n"
      "\t suite\nEND:VEVENT\n");
  EXPECT_TRUE(CheckCalendarText(ics).ok());
  Result<store::ObjectIndex> r = ValidateCalendarObject(ics, {});
  EXPECT_TRUE(r.ok()) << r.status().ToString();
}

TEST(CalendarDoor, CheckCalendarTextIsAPlainFunctionOfTheBytes) {
  EXPECT_TRUE(CheckCalendarText("").ok());
  EXPECT_TRUE(CheckCalendarText("BEGIN:VCALENDAR\r\n").ok());
  EXPECT_EQ(CheckCalendarText("\xFF").precondition(), Precondition::kValidCalendarData);
}

// RFC 9073 properties and components, X- and IANA names: valid iCalendar that libical 3.0 does
// not know; it must neither be refused nor changed.
TEST(CalendarDoor, UnknownPropertiesAndComponentsAreAccepted) {
  const std::string ics = ClientFixture("rfc9073_structured.ics");
  Result<store::ObjectIndex> r = ValidateCalendarObject(ics, {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->uid, "9073-structured@example.org");
  CalendarObject parsed;
  ASSERT_TRUE(ValidateCalendarObject(ics, {}, &parsed).ok());
  EXPECT_EQ(parsed.Text(), ics) << "kept byte for byte";
}

TEST(CalendarDoor, EachUnknownPropertyAloneIsAccepted) {
  for (const char* line : {
           "STRUCTURED-DATA;VALUE=TEXT;FMTTYPE=application/ld+json;SCHEMA=\"https://schema.org/"
           "Event\":{\"a\":1}",
           "STRUCTURED-DATA;VALUE=BINARY;ENCODING=BASE64;FMTTYPE=application/json:eyJhIjoxfQ==",
           "STRUCTURED-DATA;VALUE=URI:https://example.org/x.json",
           "STRUCTURED-LOCATION;VALUE=URI:geo:47.39,0.69",
           "STYLED-DESCRIPTION;VALUE=TEXT;FMTTYPE=text/html:<b>x</b>",
           "STYLED-DESCRIPTION;VALUE=URI:https://example.org/d.html",
           "LOCATION-TYPE:classroom",
           "X-ANYTHING;X-P=\"quoted; value\":free text",
           "IANA-TOKEN-NOBODY-KNOWS:value",
       }) {
    std::string ics = Cal(std::string("BEGIN:VEVENT\nUID:u\nDTSTART:20261210T100000Z\n") + line +
                          "\nEND:VEVENT\n");
    Result<store::ObjectIndex> r = ValidateCalendarObject(ics, {});
    EXPECT_TRUE(r.ok()) << line << ": " << r.status().ToString();
  }
}

TEST(CalendarDoor, RealSyntaxErrorsAreStillRefused) {
  EXPECT_EQ(Refusal(Cal("BEGIN:VEVENT\nUID:u\nDTSTART:20261210T100000Z\nNO COLON HERE\n"
                        "END:VEVENT\n"))
                .precondition(),
            Precondition::kValidCalendarData);
  EXPECT_EQ(Refusal(Cal("BEGIN:VEVENT\nUID:u\nDTSTART:20261210T100000Z\nDTEND:garbage\n"
                        "END:VEVENT\n"))
                .precondition(),
            Precondition::kValidCalendarData);
  for (const char* bad_name : {"BAD NAME:x", "FOO_BAR:y"}) {  // not iana-tokens
    EXPECT_EQ(Refusal(Cal(std::string("BEGIN:VEVENT\nUID:u\nDTSTART:20261210T100000Z\n") +
                          bad_name + "\nEND:VEVENT\n"))
                  .precondition(),
              Precondition::kValidCalendarData)
        << bad_name;
  }
}

// Apple Calendar and Thunderbird: one occurrence of a personal series becomes a meeting; only
// that override has ORGANIZER and ATTENDEEs (RFC 6638 §3.2.4.1: the same ORGANIZER where
// present).
TEST(CalendarDoor, MeetingOverrideInPersonalSeries) {
  for (const char* name : {"apple_meeting_override.ics", "thunderbird_meeting_override.ics"}) {
    const std::string ics = ClientFixture(name);
    CalendarObject parsed;
    Result<store::ObjectIndex> r = ValidateCalendarObject(ics, {}, &parsed);
    ASSERT_TRUE(r.ok()) << name << ": " << r.status().ToString();
    Result<SchedulingInfo> info = InspectScheduling(parsed);
    ASSERT_TRUE(info.ok()) << name;
    EXPECT_TRUE(info->same_organizer) << name;
    EXPECT_EQ(info->organizer, "mailto:jean.labert@ac-orleans-tours.fr") << name;
    EXPECT_TRUE(info->IsSchedulingObject()) << name;
    EXPECT_EQ(info->OrganizerComponent().organizer_agent, "SERVER") << name;
    EXPECT_FALSE(info->OrganizerComponent().recurrence_key.empty()) << name;
  }
}

TEST(CalendarDoor, DifferentOrganizersAreStillDifferent) {
  std::string ics =
      Cal("BEGIN:VEVENT\nUID:o\nDTSTART:20261207T090000Z\nRRULE:FREQ=WEEKLY;COUNT=3\n"
          "ORGANIZER:mailto:a@example.com\nATTENDEE:mailto:b@example.com\nEND:VEVENT\n"
          "BEGIN:VEVENT\nUID:o\nRECURRENCE-ID:20261214T090000Z\nDTSTART:20261214T090000Z\n"
          "ORGANIZER:mailto:c@example.com\nATTENDEE:mailto:b@example.com\nEND:VEVENT\n"
          "BEGIN:VEVENT\nUID:o\nRECURRENCE-ID:20261221T090000Z\nDTSTART:20261221T090000Z\n"
          "END:VEVENT\n");
  CalendarObject parsed;
  ASSERT_TRUE(ValidateCalendarObject(ics, {}, &parsed).ok());
  Result<SchedulingInfo> info = InspectScheduling(parsed);
  ASSERT_TRUE(info.ok());
  EXPECT_FALSE(info->same_organizer);
  EXPECT_EQ(info->organizer, "mailto:a@example.com") << "the master's";
}

}  // namespace
}  // namespace cartable::dav::caldav
