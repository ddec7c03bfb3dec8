// The iTIP engine (dav/caldav/itip.h) on the RFC 5546 examples (tests/fixtures/itip) and on the
// cases Cartable's scheduling relies on: per-instance answers, significant changes, messages
// fit for mail.
#include "dav/caldav/itip.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "tests/testlib/ics_text.h"
#include "tests/unit/caldav/itip_bytes.h"
#include "tests/unit/caldav/test_util.h"

namespace cartable::dav::caldav {
namespace {

using testing::Cal;
using testing::T;
using testlib::AttendeeLine;
using testlib::Unfold;

std::string Fixture(const std::string& name) {
  std::ifstream in(std::string(CARTABLE_FIXTURE_DIR) + "/itip/" + name, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  EXPECT_FALSE(s.str().empty()) << name;
  return s.str();
}

// The stored form of an RFC example: the iTIP message without METHOD.
std::string Stored(const std::string& name) { return *WithMethod(Fixture(name), ""); }

size_t Count(const std::string& hay, const std::string& needle) {
  size_t n = 0;
  for (size_t p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + 1)) ++n;
  return n;
}

const std::string kA = "mailto:a@example.com", kB = "mailto:b@example.com",
                  kC = "mailto:c@example.com";

TEST(ItipTest, AddressesAreComparedNormalised) {
  EXPECT_EQ(NormalizeAddress(" MAILTO:B@Example.COM "), kB);
  EXPECT_EQ(NormalizeAddress("mailto:b@example.com"), kB);
  EXPECT_EQ(NormalizeAddress("/dav/principals/users/jlabert/"), "/dav/principals/users/jlabert/");
  EXPECT_EQ(MailAddress("MAILTO:B@Example.com"), "b@example.com");
  EXPECT_EQ(MailAddress("urn:uuid:1"), "");
}

TEST(ItipTest, InspectsTheRfcGroupRequest) {
  Result<SchedulingInfo> info = InspectScheduling(Fixture("rfc5546_4.2.2_request.ics"));
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->method, "REQUEST");
  EXPECT_EQ(info->uid, "calsrv.example.com-873970198738777@example.com");
  EXPECT_EQ(info->component, "VEVENT");
  EXPECT_EQ(info->organizer, kA);
  EXPECT_TRUE(info->same_organizer);
  EXPECT_TRUE(info->IsSchedulingObject());
  EXPECT_EQ(info->AttendeeAddresses(),
            (std::vector<std::string>{kA, kB, "mailto:c@example.com", "mailto:d@example.com"}));
  const ItipAttendee* b = info->components[0].FindAttendee(kB);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->partstat, "NEEDS-ACTION");
  EXPECT_EQ(b->schedule_agent, "SERVER");
  EXPECT_EQ(info->components[0].FindAttendee(kA)->partstat, "ACCEPTED");
  EXPECT_FALSE(InspectScheduling("garbage").ok());
}

TEST(ItipTest, SignatureIgnoresAnswersAlarmsAndStamps) {
  std::string base = Stored("rfc5546_4.2.2_request.ics");
  auto sig = [](const std::string& ics) { return InspectScheduling(ics)->components[0].signature; };
  std::string answered = *SetPartstat(base, kB, "ACCEPTED");
  std::string alarm = base;
  alarm.insert(
      alarm.find("END:VEVENT"),
      "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT5M\r\nDESCRIPTION:x\r\nEND:VALARM\r\n");
  std::string stamped = base;
  stamped.replace(stamped.find("DTSTAMP:19970611T190000Z"), 24, "DTSTAMP:19990101T000000Z");
  EXPECT_EQ(sig(base), sig(answered));
  EXPECT_EQ(sig(base), sig(alarm));
  EXPECT_EQ(sig(base), sig(stamped));
  std::string moved = base;
  moved.replace(moved.find("DTSTART:19970701T200000Z"), 24, "DTSTART:19970701T190000Z");
  EXPECT_NE(sig(base), sig(moved));
  // The same instant written in another zone is no change (a client re-serialising it).
  std::string rezoned = base;
  rezoned.replace(rezoned.find("DTSTART:19970701T200000Z"), 24,
                  "DTSTART;TZID=Europe/Paris:19970701T220000");
  EXPECT_EQ(sig(base), sig(rezoned));
  std::string relocated = base;
  relocated.insert(relocated.find("END:VEVENT"), "LOCATION:Salle 3\r\n");
  EXPECT_NE(sig(base), sig(relocated));
  std::string more = base;
  more.insert(more.find("END:VEVENT"), "ATTENDEE:mailto:e@example.com\r\n");
  EXPECT_NE(sig(base), sig(more));
}

TEST(ItipTest, RequestForOneAttendeeCarriesNoPrivateData) {
  std::string stored = Stored("rfc5546_4.2.2_request.ics");
  stored.insert(
      stored.find("END:VEVENT"),
      "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT5M\r\nDESCRIPTION:x\r\nEND:VALARM\r\n");
  stored = *SetScheduleStatus(stored, {{kB, "1.2"}});
  stored.insert(stored.find("END:VEVENT"), "ATTENDEE;CN=Dup:MAILTO:B@EXAMPLE.COM\r\n");
  Result<std::string> req = BuildRequest(stored, kB);
  ASSERT_TRUE(req.ok());
  EXPECT_EQ(Count(*req, "METHOD:REQUEST"), 1u);
  EXPECT_EQ(Count(*req, "VALARM"), 0u);
  EXPECT_EQ(Count(*req, "SCHEDULE-STATUS"), 0u);
  EXPECT_EQ(Count(Unfold(*req), "b@example.com"), 1u) << "attendees deduplicated";
  EXPECT_EQ(BuildRequest(stored, "mailto:e@example.com").status().code(), Status::Code::kNotFound);
}

TEST(ItipTest, ReplyUpdatesTheOrganizerCopy) {
  std::string organizer = Stored("rfc5546_4.2.2_request.ics");
  bool changed = false;
  Result<std::string> updated =
      ApplyReply(organizer, Fixture("rfc5546_4.2.3_reply.ics"), kB, &changed);
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_TRUE(changed);
  EXPECT_NE(AttendeeLine(*updated, "b@example.com").find("PARTSTAT=ACCEPTED"), std::string::npos);
  EXPECT_NE(AttendeeLine(*updated, "b@example.com").find("SCHEDULE-STATUS=2.0"), std::string::npos);
  EXPECT_NE(AttendeeLine(*updated, "c@example.com").find("RSVP=TRUE"), std::string::npos);
  EXPECT_EQ(AttendeeLine(*updated, "c@example.com").find("ACCEPTED"), std::string::npos);
  ApplyReply(*updated, Fixture("rfc5546_4.2.3_reply.ics"), kB, &changed);
  EXPECT_FALSE(changed) << "the same answer twice";
  // A reply only speaks for its own attendee, and only invited ones.
  EXPECT_EQ(ApplyReply(organizer, Fixture("rfc5546_4.2.3_reply.ics"), kC, &changed).status().code(),
            Status::Code::kForbidden);
  std::string stranger = Fixture("rfc5546_4.2.3_reply.ics");
  stranger.replace(stranger.find("b@example.com"), 13, "z@example.com");
  EXPECT_EQ(ApplyReply(organizer, stranger, "mailto:z@example.com", &changed).status().code(),
            Status::Code::kForbidden);
}

TEST(ItipTest, BuiltReplyNamesOrganizerAndOnlyTheReplier) {
  std::string copy = *SetPartstat(Stored("rfc5546_4.2.2_request.ics"), kB, "TENTATIVE");
  Result<std::string> reply = BuildReply(copy, kB);
  ASSERT_TRUE(reply.ok());
  Result<SchedulingInfo> info = InspectScheduling(*reply);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->method, "REPLY");
  EXPECT_EQ(info->organizer, kA) << "Exchange needs ORGANIZER in a REPLY (docs/clients.md #8)";
  EXPECT_EQ(info->AttendeeAddresses(), std::vector<std::string>{kB});
  EXPECT_EQ(info->components[0].FindAttendee(kB)->partstat, "TENTATIVE");
}

TEST(ItipTest, StaleOrganizerCopyKeepsAnswersUnlessRescheduled) {
  std::string server = *SetPartstat(Stored("rfc5546_4.2.2_request.ics"), kB, "ACCEPTED");
  std::string client = Stored("rfc5546_4.2.2_request.ics");  // b still NEEDS-ACTION there
  client.insert(client.find("END:VEVENT"), "X-CLIENT-FLAG:1\r\n");
  bool changed = false;
  Result<std::string> merged = CarryAnswers(server, client, kA, &changed);
  ASSERT_TRUE(merged.ok());
  EXPECT_TRUE(changed);
  EXPECT_NE(AttendeeLine(*merged, "b@example.com").find("PARTSTAT=ACCEPTED"), std::string::npos);
  EXPECT_NE(merged->find("X-CLIENT-FLAG:1"), std::string::npos);
  // A new time: answers are the client's (which resets them).
  std::string moved = client;
  moved.replace(moved.find("DTSTART:19970701T200000Z"), 24, "DTSTART:19970702T200000Z");
  merged = CarryAnswers(server, moved, kA, &changed);
  EXPECT_FALSE(changed);
  EXPECT_EQ(*merged, moved);
}

TEST(ItipTest, CancelOfTheWholeEvent) {
  std::string copy = Stored("rfc5546_4.2.2_request.ics");
  Result<std::string> cancelled = ApplyCancel(copy, Fixture("rfc5546_4.2.10_cancel.ics"));
  ASSERT_TRUE(cancelled.ok());
  EXPECT_EQ(InspectScheduling(*cancelled)->components[0].cancelled, true);
  Result<std::string> message = BuildCancel(copy, kB);
  ASSERT_TRUE(message.ok());
  EXPECT_EQ(Count(*message, "METHOD:CANCEL"), 1u);
  EXPECT_EQ(Count(*message, "STATUS:CANCELLED"), 1u);
}

TEST(ItipTest, InstancesOfARecurringEvent) {
  std::string organizer = Stored("rfc5546_4.4.1_recurring_request.ics");
  // b declines the meeting of 5 August 1997 (14:00 New York = 18:00 UTC) only.
  bool changed = false;
  Result<std::string> updated =
      ApplyReply(organizer, Fixture("rfc5546_4.4_instance_reply.ics"), kB, &changed);
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_TRUE(changed);
  Result<SchedulingInfo> info = InspectScheduling(*updated);
  ASSERT_EQ(info->components.size(), 2u);
  EXPECT_EQ(info->components[0].recurrence_key, "");
  EXPECT_EQ(info->components[0].FindAttendee(kB)->partstat, "NEEDS-ACTION");
  EXPECT_EQ(info->components[1].recurrence_key, "19970805T180000Z");
  EXPECT_EQ(info->components[1].FindAttendee(kB)->partstat, "DECLINED");
  EXPECT_NE(Unfold(*updated).find("DTSTART;TZID=America/New_York:19970805T140000"),
            std::string::npos);
  EXPECT_NE(Unfold(*updated).find("DTEND;TZID=America/New_York:19970805T150000"),
            std::string::npos);

  // SetPartstat on an instance makes the override; a time outside the set is refused.
  Result<std::string> tentative = SetPartstat(organizer, kC, "TENTATIVE", "19970902T180000Z");
  ASSERT_TRUE(tentative.ok());
  EXPECT_EQ(InspectScheduling(*tentative)->Find("19970902T180000Z")->FindAttendee(kC)->partstat,
            "TENTATIVE");
  EXPECT_EQ(SetPartstat(organizer, kC, "TENTATIVE", "19970903T180000Z").status().code(),
            Status::Code::kNotFound);
  EXPECT_EQ(RecurrenceKeyAt(organizer, T("19970902T180000Z")), "19970902T180000Z");

  // One instance cancelled: the attendee's copy loses it (EXDATE), the rest stays.
  Result<std::string> without =
      ApplyCancel(organizer, Fixture("rfc5546_4.4.3_cancel_instance.ics"));
  ASSERT_TRUE(without.ok());
  EXPECT_NE(Unfold(*without).find("EXDATE;TZID=America/New_York:19970902T140000"),
            std::string::npos);
  EXPECT_FALSE(InspectScheduling(*without)->components[0].cancelled);
  Result<std::string> cancel = BuildCancel(organizer, kB, {"19970902T180000Z"});
  ASSERT_TRUE(cancel.ok());
  EXPECT_NE(Unfold(*cancel).find("RECURRENCE-ID;TZID=America/New_York:19970902T140000"),
            std::string::npos);
  std::string event = cancel->substr(cancel->find("BEGIN:VEVENT"));
  EXPECT_EQ(Count(event, "RRULE"), 0u);
  // The message names its zone although the stored object relied on the tz database.
  EXPECT_EQ(Count(*cancel, "BEGIN:VTIMEZONE"), 1u);
  EXPECT_NE(cancel->find("\r\nTZID:America/New_York\r\n"), std::string::npos) << *cancel;
}

TEST(ItipTest, AttendeesOfSomeInstancesOnly) {
  std::string ics =
      Cal("BEGIN:VEVENT\nUID:u\nDTSTAMP:20261101T000000Z\nDTSTART:20261201T160000Z\n"
          "DTEND:20261201T170000Z\nRRULE:FREQ=DAILY;COUNT=3\nORGANIZER:mailto:a@example.com\n"
          "ATTENDEE:mailto:b@example.com\nEND:VEVENT\n"
          "BEGIN:VEVENT\nUID:u\nDTSTAMP:20261101T000000Z\nRECURRENCE-ID:20261202T160000Z\n"
          "DTSTART:20261202T160000Z\nDTEND:20261202T170000Z\nORGANIZER:mailto:a@example.com\n"
          "ATTENDEE:mailto:c@example.com\nEND:VEVENT\n");
  // b is in the series but not on 2 December: their request excludes it.
  std::string for_b = Unfold(*BuildRequest(ics, kB));
  EXPECT_NE(for_b.find("EXDATE:20261202T160000Z"), std::string::npos) << for_b;
  EXPECT_EQ(for_b.find("RECURRENCE-ID"), std::string::npos);
  // c only comes on 2 December: only that instance.
  std::string for_c = Unfold(*BuildRequest(ics, kC));
  EXPECT_NE(for_c.find("RECURRENCE-ID:20261202T160000Z"), std::string::npos);
  EXPECT_EQ(for_c.find("RRULE"), std::string::npos);
}

TEST(ItipTest, RequestAppliedKeepsTheAttendeesAlarms) {
  std::string mine = Stored("rfc5546_4.2.2_request.ics");
  mine.insert(mine.find("END:VEVENT"),
              "TRANSP:TRANSPARENT\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT30M\r\n"
              "DESCRIPTION:mine\r\nEND:VALARM\r\n");
  std::string update = Fixture("rfc5546_4.2.2_request.ics");
  update.replace(update.find("SUMMARY:Conference"), 18, "SUMMARY:Conference (salle 2)");
  Result<std::string> applied = ApplyRequest(mine, update);
  ASSERT_TRUE(applied.ok());
  EXPECT_NE(applied->find("SUMMARY:Conference (salle 2)"), std::string::npos);
  EXPECT_NE(applied->find("TRIGGER:-PT30M"), std::string::npos);
  EXPECT_NE(applied->find("TRANSP:TRANSPARENT"), std::string::npos);
  EXPECT_EQ(applied->find("METHOD"), std::string::npos);
}

TEST(ItipTest, FreeBusyRequestAndReply) {
  std::string req =
      Cal("METHOD:REQUEST\nBEGIN:VFREEBUSY\nUID:fb\nDTSTAMP:20261101T000000Z\n"
          "DTSTART:20261201T000000Z\nDTEND:20261202T000000Z\nORGANIZER:mailto:a@example.com\n"
          "ATTENDEE:mailto:b@example.com\nATTENDEE:MAILTO:B@example.com\nEND:VFREEBUSY\n");
  Result<FreeBusyRequest> fb = ParseFreeBusyRequest(req);
  ASSERT_TRUE(fb.ok()) << fb.status().ToString();
  EXPECT_EQ(fb->organizer, kA);
  EXPECT_EQ(fb->attendees, std::vector<std::string>{kB});
  EXPECT_EQ(fb->start, T("20261201T000000Z"));
  std::string reply =
      Unfold(FreeBusyReply(*fb, kB, {{T("20261201T080000Z"), T("20261201T090000Z"), "BUSY"}}));
  EXPECT_NE(reply.find("METHOD:REPLY"), std::string::npos);
  EXPECT_NE(reply.find("ORGANIZER:mailto:a@example.com"), std::string::npos);
  EXPECT_NE(reply.find("ATTENDEE:mailto:b@example.com"), std::string::npos);
  EXPECT_NE(reply.find("20261201T080000Z/20261201T090000Z"), std::string::npos);
  EXPECT_EQ(reply.find("VTIMEZONE"), std::string::npos);
  std::string no_method = req;
  no_method.erase(no_method.find("METHOD:REQUEST\r\n"), 16);
  EXPECT_EQ(ParseFreeBusyRequest(no_method).status().precondition(),
            Precondition::kValidSchedulingMessage);
  std::string backwards = req;
  backwards.replace(backwards.find("DTEND:20261202T000000Z"), 22, "DTEND:20261130T000000Z");
  EXPECT_FALSE(ParseFreeBusyRequest(backwards).ok());
}

// Scheduling on the owner's behalf (issue 12 delegation): ORGANIZER becomes the owner with
// SENT-BY the writer, an attendee's answer carries SENT-BY, and a copy that already says so
// keeps its bytes (no rewrite, so the client keeps its ETag).
TEST(ItipTest, SentByOnOrganizerAndAttendee) {
  const std::string ics =
      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//T//FR\r\nBEGIN:VEVENT\r\nUID:sb-1\r\n"
      "DTSTAMP:20261120T080000Z\r\nDTSTART:20261201T160000Z\r\nDTEND:20261201T170000Z\r\n"
      "ORGANIZER;CN=Bea:mailto:b@example.com\r\nATTENDEE;PARTSTAT=ACCEPTED:mailto:b@example.com"
      "\r\nATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:c@example.com\r\nEND:VEVENT\r\n"
      "END:VCALENDAR\r\n";
  Result<CalendarObject> cal = CalendarObject::Parse(ics);
  ASSERT_TRUE(cal.ok());
  ASSERT_TRUE(SetOrganizer(*cal, kA, "Alice", kB).ok());
  EXPECT_TRUE(cal->changed());
  std::string text = Unfold(cal->Text());
  EXPECT_NE(text.find("ORGANIZER;CN=Alice;SENT-BY=\"mailto:b@example.com\":mailto:a@example.com"),
            std::string::npos)
      << text;
  Result<SchedulingInfo> info = InspectScheduling(*cal);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->organizer, kA);

  // Already the owner's, sent by the same writer: untouched.
  Result<CalendarObject> again = CalendarObject::Parse(cal->Text());
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE(SetOrganizer(*again, kA, "Alice", kB).ok());
  EXPECT_FALSE(again->changed());
  // The owner writing himself drops the SENT-BY.
  ASSERT_TRUE(SetOrganizer(*again, kA, "Alice", "").ok());
  EXPECT_EQ(Unfold(again->Text()).find("SENT-BY"), std::string::npos);

  ASSERT_TRUE(SetAttendeeSentBy(*cal, kC, kB).ok());
  EXPECT_NE(AttendeeLine(Unfold(cal->Text()), "c@example.com").find("SENT-BY="), std::string::npos);
  ASSERT_TRUE(SetAttendeeSentBy(*cal, kC, "").ok());
  EXPECT_EQ(AttendeeLine(Unfold(cal->Text()), "c@example.com").find("SENT-BY"), std::string::npos);
  EXPECT_EQ(SetAttendeeSentBy(*cal, "mailto:z@example.com", kB).code(), Status::Code::kNotFound);
}

}  // namespace
}  // namespace cartable::dav::caldav
