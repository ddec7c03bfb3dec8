// calendar-data rendering, free-busy and occurrences.
#include <gtest/gtest.h>

#include "tests/unit/caldav/test_util.h"

namespace cartable::dav::caldav {
namespace {

using testing::Cal;
using testing::Range;

const std::string kWeekly = Cal(
    "BEGIN:VTIMEZONE\nTZID:Europe/Paris\nBEGIN:STANDARD\nDTSTART:19701025T030000\n"
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\nTZOFFSETFROM:+0200\nTZOFFSETTO:+0100\nEND:STANDARD\n"
    "BEGIN:DAYLIGHT\nDTSTART:19700329T020000\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\n"
    "TZOFFSETFROM:+0100\nTZOFFSETTO:+0200\nEND:DAYLIGHT\nEND:VTIMEZONE\n"
    "BEGIN:VEVENT\nUID:w\nDTSTAMP:20260101T000000Z\nDTSTART;TZID=Europe/Paris:20260302T100000\n"
    "DTEND;TZID=Europe/Paris:20260302T110000\nRRULE:FREQ=WEEKLY\nSUMMARY:Weekly\n"
    "EXDATE;TZID=Europe/Paris:20260309T100000\n"
    "ATTENDEE;CN=Bob;PARTSTAT=TENTATIVE:mailto:bob@example.com\n"
    "ORGANIZER:mailto:ann@example.com\nEND:VEVENT\n"
    "BEGIN:VEVENT\nUID:w\nDTSTAMP:20260101T000000Z\nRECURRENCE-ID;TZID=Europe/"
    "Paris:20260316T100000\n"
    "DTSTART;TZID=Europe/Paris:20260316T140000\nDTEND;TZID=Europe/Paris:20260316T150000\n"
    "SUMMARY:Moved\nEND:VEVENT\n"
    "BEGIN:VEVENT\nUID:w\nDTSTAMP:20260101T000000Z\nRECURRENCE-ID;TZID=Europe/"
    "Paris:20260601T100000\n"
    "DTSTART;TZID=Europe/Paris:20260601T120000\nDTEND;TZID=Europe/Paris:20260601T130000\n"
    "END:VEVENT\n");

int Count(const std::string& s, const std::string& needle) {
  int n = 0;
  for (size_t p = s.find(needle); p != std::string::npos; p = s.find(needle, p + 1)) ++n;
  return n;
}

TEST(Render, NoOptionsIsByteIdentical) {
  std::string odd =
      "BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nUID:a\nDTSTART:20260101T000000Z\n"
      "END:VEVENT\nEND:VCALENDAR\n";  // LF only: still returned as is
  EXPECT_EQ(*RenderCalendarData(odd, {}), odd);
  EXPECT_EQ(*RenderCalendarData(kWeekly, {}), kWeekly);
}

TEST(Render, Partial) {
  CalendarDataRequest req;
  CompSelector cal{"VCALENDAR", true, {}, false, {}};
  cal.comps.push_back(CompSelector{"VEVENT", false, {"UID", "DTSTART", "SUMMARY"}, true, {}});
  req.comp = cal;
  Result<std::string> out = RenderCalendarData(kWeekly, req);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(Count(*out, "BEGIN:VEVENT"), 3);
  EXPECT_EQ(Count(*out, "VTIMEZONE"), 0);
  EXPECT_EQ(Count(*out, "ATTENDEE"), 0);
  EXPECT_EQ(Count(*out, "DTEND"), 0);
  EXPECT_EQ(Count(*out, "SUMMARY:Weekly"), 1);
  EXPECT_NE(out->find("\r\n"), std::string::npos);
  EXPECT_EQ(out->rfind("BEGIN:VCALENDAR\r\n", 0), 0u);
  req.comp->comps.push_back(CompSelector{"VTIMEZONE"});
  EXPECT_EQ(Count(*RenderCalendarData(kWeekly, req), "BEGIN:VTIMEZONE"), 1);
}

TEST(Render, ExpandWeeklyWithOverrideAndExdate) {
  CalendarDataRequest req;
  req.expand = Range("20260301T000000Z", "20260323T000000Z");
  Result<std::string> out = RenderCalendarData(kWeekly, req);
  ASSERT_TRUE(out.ok());
  // 2 March, (9 March excluded), 16 March moved to 14:00 (13:00Z): two instances.
  EXPECT_EQ(Count(*out, "BEGIN:VEVENT"), 2) << *out;
  EXPECT_EQ(Count(*out, "RRULE"), 0);
  EXPECT_EQ(Count(*out, "EXDATE"), 0);
  EXPECT_EQ(Count(*out, "VTIMEZONE"), 0);
  EXPECT_NE(out->find("DTSTART:20260302T090000Z"), std::string::npos) << *out;
  EXPECT_NE(out->find("RECURRENCE-ID:20260302T090000Z"), std::string::npos);
  EXPECT_NE(out->find("DTSTART:20260316T130000Z"), std::string::npos);
  EXPECT_NE(out->find("RECURRENCE-ID:20260316T090000Z"), std::string::npos);
  EXPECT_NE(out->find("SUMMARY:Moved"), std::string::npos);
  for (size_t p = 0; (p = out->find('\n', p)) != std::string::npos; ++p) {
    ASSERT_EQ((*out)[p - 1], '\r');
  }
}

TEST(Render, LimitRecurrenceSet) {
  CalendarDataRequest req;
  req.limit_recurrence = Range("20260301T000000Z", "20260401T000000Z");
  Result<std::string> out = RenderCalendarData(kWeekly, req);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(Count(*out, "BEGIN:VEVENT"), 2);  // master + March override; June dropped
  EXPECT_EQ(Count(*out, "RRULE:FREQ=WEEKLY"), 1);
  EXPECT_EQ(Count(*out, "20260601"), 0);
}

TEST(Render, LongLinesAreFolded) {
  std::string ics =
      Cal("BEGIN:VEVENT\nUID:l\nDTSTART:20260101T000000Z\nDESCRIPTION:" + std::string(300, 'x') +
          "\nEND:VEVENT\n");
  CalendarDataRequest req;
  req.comp = CompSelector{"VCALENDAR"};
  std::string out = *RenderCalendarData(ics, req);
  size_t start = 0;
  for (size_t p; (p = out.find("\r\n", start)) != std::string::npos; start = p + 2) {
    EXPECT_LE(p - start, 75u);
  }
}

TEST(FreeBusy, BusyPeriodsAndRender) {
  std::string ics =
      Cal("BEGIN:VEVENT\nUID:a\nDTSTART:20260310T100000Z\nDTEND:20260310T110000Z\nEND:VEVENT\n");
  TimeRange r = Range("20260310T000000Z", "20260311T000000Z");
  Result<std::vector<BusyPeriod>> p = BusyPeriods(ics, r);
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->size(), 1u);
  EXPECT_EQ((*p)[0].fbtype, "BUSY");
  std::string transparent =
      Cal("BEGIN:VEVENT\nUID:a\nDTSTART:20260310T100000Z\nDTEND:20260310T110000Z\n"
          "TRANSP:TRANSPARENT\nEND:VEVENT\n");
  EXPECT_TRUE(BusyPeriods(transparent, r)->empty());
  std::string cancelled =
      Cal("BEGIN:VEVENT\nUID:a\nDTSTART:20260310T100000Z\nDTEND:20260310T110000Z\n"
          "STATUS:CANCELLED\nEND:VEVENT\n");
  EXPECT_TRUE(BusyPeriods(cancelled, r)->empty());
  std::string tentative =
      Cal("BEGIN:VEVENT\nUID:a\nDTSTART:20260310T103000Z\nDTEND:20260310T120000Z\n"
          "STATUS:TENTATIVE\nEND:VEVENT\n");
  EXPECT_EQ((*BusyPeriods(tentative, r))[0].fbtype, "BUSY-TENTATIVE");
  std::vector<BusyPeriod> all = *p;
  all.push_back(BusyPeriod{testing::T("20260310T103000Z"), testing::T("20260310T113000Z"), "BUSY"});
  all.push_back((*BusyPeriods(tentative, r))[0]);
  std::string fb = RenderFreeBusy(all, r);
  EXPECT_NE(fb.find("FREEBUSY:20260310T100000Z/20260310T113000Z\r\n"), std::string::npos) << fb;
  EXPECT_NE(fb.find("FREEBUSY;FBTYPE=BUSY-TENTATIVE:20260310T103000Z/20260310T120000Z"),
            std::string::npos);
  EXPECT_NE(fb.find("DTSTART:20260310T000000Z"), std::string::npos);
}

TEST(FreeBusy, DeclinedInstancesAreNotBusyForWhoDeclined) {
  std::string ics =
      Cal("BEGIN:VEVENT\nUID:w\nDTSTART:20260302T100000Z\nDTEND:20260302T110000Z\n"
          "RRULE:FREQ=WEEKLY;COUNT=3\nORGANIZER:mailto:a@x.fr\n"
          "ATTENDEE;PARTSTAT=ACCEPTED:mailto:b@x.fr\nEND:VEVENT\n"
          "BEGIN:VEVENT\nUID:w\nRECURRENCE-ID:20260309T100000Z\nDTSTART:20260309T100000Z\n"
          "DTEND:20260309T110000Z\nORGANIZER:mailto:a@x.fr\n"
          "ATTENDEE;PARTSTAT=DECLINED:MAILTO:B@X.FR\nEND:VEVENT\n");
  TimeRange r = Range("20260301T000000Z", "20260401T000000Z");
  EXPECT_EQ(BusyPeriods(ics, r)->size(), 3u) << "the calendar's own free/busy keeps everything";
  std::vector<BusyPeriod> b = *BusyPeriods(ics, r, "UTC", {"mailto:b@x.fr"});
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0].start, testing::T("20260302T100000Z"));
  EXPECT_EQ(b[1].start, testing::T("20260316T100000Z"));
  EXPECT_EQ(BusyPeriods(ics, r, "UTC", {"mailto:c@x.fr"})->size(), 3u);
}

TEST(Occurrences, Basics) {
  bool truncated = true;
  Result<std::vector<Occurrence>> occ =
      ExpandOccurrences(kWeekly, Range("20260301T000000Z", "20260401T000000Z"), 100, &truncated);
  ASSERT_TRUE(occ.ok());
  EXPECT_FALSE(truncated);
  // 2, 16 (moved), 23, 30 March.
  ASSERT_EQ(occ->size(), 4u);
  EXPECT_EQ((*occ)[0].start, testing::T("20260302T090000Z"));
  EXPECT_EQ((*occ)[0].end, testing::T("20260302T100000Z"));
  EXPECT_EQ((*occ)[0].summary, "Weekly");
  EXPECT_EQ((*occ)[0].organizer, "mailto:ann@example.com");
  ASSERT_EQ((*occ)[0].attendees.size(), 1u);
  EXPECT_EQ((*occ)[0].attendees[0].name, "Bob");
  EXPECT_EQ((*occ)[0].attendees[0].partstat, "TENTATIVE");
  EXPECT_EQ((*occ)[1].summary, "Moved");
  EXPECT_EQ((*occ)[1].recurrence_id, "20260316T090000Z");
  EXPECT_EQ((*occ)[3].start, testing::T("20260330T080000Z"));  // after DST
  Result<std::vector<Occurrence>> two =
      ExpandOccurrences(kWeekly, Range("20260301T000000Z", "20260401T000000Z"), 2, &truncated);
  EXPECT_EQ(two->size(), 2u);
  EXPECT_TRUE(truncated);
  std::string allday = Cal("BEGIN:VEVENT\nUID:d\nDTSTART;VALUE=DATE:20260310\nEND:VEVENT\n");
  Result<std::vector<Occurrence>> d =
      ExpandOccurrences(allday, Range("20260301T000000Z", "20260401T000000Z"), 10, &truncated);
  ASSERT_EQ(d->size(), 1u);
  EXPECT_TRUE((*d)[0].all_day);
  EXPECT_EQ((*d)[0].recurrence_id, "");
}

}  // namespace
}  // namespace cartable::dav::caldav
