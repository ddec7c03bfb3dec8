// RFC 4791 §9.9 time-range tables, case by case, with recurrence.
#include <gtest/gtest.h>

#include "tests/unit/caldav/test_util.h"

namespace cartable::dav::caldav {
namespace {

using testing::Cal;
using testing::InRange;

std::string Ev(const std::string& props) {
  return Cal("BEGIN:VEVENT\nUID:e\nDTSTAMP:20260101T000000Z\n" + props + "END:VEVENT\n");
}
std::string Todo(const std::string& props) {
  return Cal("BEGIN:VTODO\nUID:t\n" + props + "END:VTODO\n");
}

TEST(TimeRange, EventWithDtend) {
  std::string e = Ev("DTSTART:20260310T100000Z\nDTEND:20260310T110000Z\n");
  EXPECT_TRUE(InRange(e, "VEVENT", "20260310T103000Z", "20260310T104000Z"));
  EXPECT_FALSE(InRange(e, "VEVENT", "20260310T110000Z", "20260310T120000Z"));  // end exclusive
  EXPECT_FALSE(InRange(e, "VEVENT", "20260310T090000Z", "20260310T100000Z"));
  EXPECT_TRUE(InRange(e, "VEVENT", "20260310T090000Z", "20260310T100001Z"));
  EXPECT_TRUE(InRange(e, "VEVENT", nullptr, "20260310T100001Z"));
  EXPECT_FALSE(InRange(e, "VTODO", "20260310T000000Z", "20260311T000000Z"));
}

TEST(TimeRange, EventWithDuration) {
  std::string e = Ev("DTSTART:20260310T100000Z\nDURATION:PT2H\n");
  EXPECT_TRUE(InRange(e, "VEVENT", "20260310T115959Z", "20260310T130000Z"));
  EXPECT_FALSE(InRange(e, "VEVENT", "20260310T120000Z", "20260310T130000Z"));
  std::string zero = Ev("DTSTART:20260310T100000Z\nDURATION:PT0S\n");
  EXPECT_TRUE(InRange(zero, "VEVENT", "20260310T100000Z", "20260310T110000Z"));  // start <= DTSTART
  EXPECT_FALSE(InRange(zero, "VEVENT", "20260310T090000Z", "20260310T100000Z"));
}

TEST(TimeRange, EventWithoutEnd) {
  std::string dt = Ev("DTSTART:20260310T100000Z\n");
  EXPECT_TRUE(InRange(dt, "VEVENT", "20260310T100000Z", "20260310T100001Z"));
  EXPECT_FALSE(InRange(dt, "VEVENT", "20260310T100001Z", "20260310T110000Z"));
  std::string date = Ev("DTSTART;VALUE=DATE:20260310\n");
  EXPECT_TRUE(InRange(date, "VEVENT", "20260310T230000Z", "20260311T000000Z"));
  EXPECT_FALSE(InRange(date, "VEVENT", "20260311T000000Z", "20260311T010000Z"));
  // All-day events are floating: in New York the day is 05:00Z..05:00Z next day.
  EXPECT_TRUE(InRange(date, "VEVENT", "20260311T000000Z", "20260311T010000Z", "America/New_York"));
  EXPECT_FALSE(InRange(date, "VEVENT", "20260310T000000Z", "20260310T040000Z", "America/New_York"));
}

TEST(TimeRange, AllDayMultiDay) {
  std::string e = Ev("DTSTART;VALUE=DATE:20260310\nDTEND;VALUE=DATE:20260313\n");
  EXPECT_TRUE(InRange(e, "VEVENT", "20260312T120000Z", "20260312T130000Z"));
  EXPECT_FALSE(InRange(e, "VEVENT", "20260313T000000Z", "20260314T000000Z"));
}

TEST(TimeRange, TodoRows) {
  // DTSTART + DURATION: (start <= DTSTART+DURATION) AND ((end > DTSTART) OR (end >=
  // DTSTART+DURATION))
  std::string sd = Todo("DTSTART:20260310T100000Z\nDURATION:PT1H\n");
  EXPECT_TRUE(InRange(sd, "VTODO", "20260310T110000Z", "20260310T120000Z"));
  EXPECT_FALSE(InRange(sd, "VTODO", "20260310T110001Z", "20260310T120000Z"));
  EXPECT_FALSE(InRange(sd, "VTODO", "20260310T090000Z", "20260310T100000Z"));
  // DTSTART + DUE: ((start < DUE) OR (start <= DTSTART)) AND ((end > DTSTART) OR (end >= DUE))
  std::string due = Todo("DTSTART:20260310T100000Z\nDUE:20260310T110000Z\n");
  EXPECT_FALSE(InRange(due, "VTODO", "20260310T110000Z", "20260310T120000Z"));
  EXPECT_TRUE(InRange(due, "VTODO", "20260310T105959Z", "20260310T120000Z"));
  // DTSTART only: (start <= DTSTART) AND (end > DTSTART)
  std::string s = Todo("DTSTART:20260310T100000Z\n");
  EXPECT_TRUE(InRange(s, "VTODO", "20260310T100000Z", "20260310T100001Z"));
  EXPECT_FALSE(InRange(s, "VTODO", "20260310T100001Z", "20260311T000000Z"));
  // DUE only: (start < DUE) AND (end >= DUE)
  std::string d = Todo("DUE:20260310T100000Z\n");
  EXPECT_TRUE(InRange(d, "VTODO", "20260310T090000Z", "20260310T100000Z"));
  EXPECT_FALSE(InRange(d, "VTODO", "20260310T100000Z", "20260310T110000Z"));
  // COMPLETED + CREATED
  std::string cc = Todo("CREATED:20260301T000000Z\nCOMPLETED:20260305T000000Z\n");
  EXPECT_TRUE(InRange(cc, "VTODO", "20260305T000000Z", "20260306T000000Z"));
  EXPECT_TRUE(InRange(cc, "VTODO", "20260228T000000Z", "20260301T000000Z"));
  EXPECT_FALSE(InRange(cc, "VTODO", "20260305T000001Z", "20260306T000000Z"));
  // COMPLETED only: (start <= COMPLETED) AND (end >= COMPLETED)
  std::string c = Todo("COMPLETED:20260305T000000Z\n");
  EXPECT_TRUE(InRange(c, "VTODO", "20260304T000000Z", "20260305T000000Z"));
  EXPECT_FALSE(InRange(c, "VTODO", "20260305T000001Z", "20260306T000000Z"));
  // CREATED only: (end > CREATED)
  std::string cr = Todo("CREATED:20260301T000000Z\n");
  EXPECT_TRUE(InRange(cr, "VTODO", "20300101T000000Z", "20300102T000000Z"));
  EXPECT_FALSE(InRange(cr, "VTODO", "20260201T000000Z", "20260301T000000Z"));
  // Nothing: always.
  std::string none = Todo("SUMMARY:x\n");
  EXPECT_TRUE(InRange(none, "VTODO", "19990101T000000Z", "19990102T000000Z"));
}

TEST(TimeRange, Journal) {
  std::string dt = Cal("BEGIN:VJOURNAL\nUID:j\nDTSTART:20260310T100000Z\nEND:VJOURNAL\n");
  EXPECT_TRUE(InRange(dt, "VJOURNAL", "20260310T100000Z", "20260310T100001Z"));
  EXPECT_FALSE(InRange(dt, "VJOURNAL", "20260310T100001Z", "20260311T000000Z"));
  std::string date = Cal("BEGIN:VJOURNAL\nUID:j\nDTSTART;VALUE=DATE:20260310\nEND:VJOURNAL\n");
  EXPECT_TRUE(InRange(date, "VJOURNAL", "20260310T220000Z", "20260311T000000Z"));
  std::string none = Cal("BEGIN:VJOURNAL\nUID:j\nSUMMARY:x\nEND:VJOURNAL\n");
  EXPECT_FALSE(InRange(none, "VJOURNAL", "20000101T000000Z", "20300101T000000Z"));
}

TEST(TimeRange, FreeBusy) {
  std::string fb =
      Cal("BEGIN:VFREEBUSY\nUID:f\nFREEBUSY:20260310T100000Z/20260310T110000Z\n"
          "FREEBUSY:20260312T100000Z/PT1H\nEND:VFREEBUSY\n");
  EXPECT_TRUE(InRange(fb, "VFREEBUSY", "20260312T103000Z", "20260312T120000Z"));
  EXPECT_FALSE(InRange(fb, "VFREEBUSY", "20260311T000000Z", "20260312T000000Z"));
}

TEST(TimeRange, Alarm) {
  std::string e =
      Ev("DTSTART:20260310T100000Z\nDTEND:20260310T110000Z\n"
         "RRULE:FREQ=DAILY;COUNT=3\nBEGIN:VALARM\nACTION:DISPLAY\nDESCRIPTION:x\n"
         "TRIGGER:-PT15M\nREPEAT:2\nDURATION:PT5M\nEND:VALARM\n");
  CompFilter f;
  f.name = "VCALENDAR";
  CompFilter ev{"VEVENT", false, std::nullopt, {}, {}};
  CompFilter alarm{"VALARM", false, testing::Range("20260311T095000Z", "20260311T095001Z"), {}, {}};
  ev.comp_filters.push_back(alarm);
  f.comp_filters.push_back(ev);
  EXPECT_TRUE(*MatchesFilter(e, f));  // second repetition of the second instance's alarm
  f.comp_filters[0].comp_filters[0].time_range =
      testing::Range("20260311T095501Z", "20260311T100000Z");
  EXPECT_FALSE(*MatchesFilter(e, f));
  f.comp_filters[0].comp_filters[0].time_range =
      testing::Range("20260313T094500Z", "20260313T100000Z");
  EXPECT_FALSE(*MatchesFilter(e, f));  // COUNT=3: no fourth instance
}

const char kWeekly[] =
    "BEGIN:VEVENT\nUID:w\nDTSTART;TZID=Europe/Paris:20260302T100000\n"
    "DTEND;TZID=Europe/Paris:20260302T110000\nRRULE:FREQ=WEEKLY;COUNT=6\n"
    "EXDATE;TZID=Europe/Paris:20260309T100000\nRDATE;TZID=Europe/Paris:20260304T150000\n"
    "END:VEVENT\n"
    "BEGIN:VEVENT\nUID:w\nRECURRENCE-ID;TZID=Europe/Paris:20260316T100000\n"
    "DTSTART;TZID=Europe/Paris:20260501T100000\nDTEND;TZID=Europe/Paris:20260501T110000\n"
    "END:VEVENT\n";

TEST(TimeRange, RecurrenceExdateRdateAndMovedOverride) {
  std::string e = Cal(kWeekly);
  // 2 March 10:00 Paris (CET) = 09:00Z.
  EXPECT_TRUE(InRange(e, "VEVENT", "20260302T090000Z", "20260302T090001Z"));
  EXPECT_FALSE(InRange(e, "VEVENT", "20260309T080000Z", "20260309T110000Z"));  // EXDATE
  EXPECT_TRUE(InRange(e, "VEVENT", "20260304T140000Z", "20260304T140001Z"));   // RDATE
  // The 16 March instance moved out to 1 May (CEST: 08:00Z).
  EXPECT_FALSE(InRange(e, "VEVENT", "20260316T000000Z", "20260317T000000Z"));
  EXPECT_TRUE(InRange(e, "VEVENT", "20260501T080000Z", "20260501T080001Z"));
  // After the DST change (29 March) the 10:00 local instances are at 08:00Z.
  EXPECT_TRUE(InRange(e, "VEVENT", "20260330T080000Z", "20260330T080001Z"));
  EXPECT_FALSE(InRange(e, "VEVENT", "20260330T090000Z", "20260330T100000Z"));
  // Index soundness for the moved instance.
  Result<store::ObjectIndex> idx = ValidateCalendarObject(e, {});
  ASSERT_TRUE(idx.ok()) << idx.status().ToString();
  EXPECT_GE(idx->last_end, testing::T("20260501T090000Z"));
}

TEST(TimeRange, OverrideMovedIntoRange) {
  std::string e =
      Cal("BEGIN:VEVENT\nUID:m\nDTSTART:20260101T100000Z\nDURATION:PT1H\n"
          "RRULE:FREQ=MONTHLY;COUNT=3\nEND:VEVENT\nBEGIN:VEVENT\nUID:m\n"
          "RECURRENCE-ID:20260301T100000Z\nDTSTART:20251215T100000Z\nDURATION:PT1H\nEND:VEVENT\n");
  EXPECT_TRUE(InRange(e, "VEVENT", "20251215T000000Z", "20251216T000000Z"));
  EXPECT_FALSE(InRange(e, "VEVENT", "20260301T000000Z", "20260302T000000Z"));
  Result<store::ObjectIndex> idx = ValidateCalendarObject(e, {});
  ASSERT_TRUE(idx.ok());
  EXPECT_LE(idx->first_start, testing::T("20251215T100000Z"));
}

TEST(TimeRange, ThisAndFuture) {
  std::string e = Cal(
      "BEGIN:VEVENT\nUID:f\nDTSTART:20260101T100000Z\nDURATION:PT1H\nRRULE:FREQ=DAILY;COUNT=10\n"
      "SUMMARY:old\nEND:VEVENT\nBEGIN:VEVENT\nUID:f\n"
      "RECURRENCE-ID;RANGE=THISANDFUTURE:20260105T100000Z\nDTSTART:20260105T150000Z\n"
      "DURATION:PT1H\nSUMMARY:new\nEND:VEVENT\n");
  EXPECT_TRUE(InRange(e, "VEVENT", "20260104T100000Z", "20260104T100001Z"));
  EXPECT_FALSE(InRange(e, "VEVENT", "20260107T100000Z", "20260107T110000Z"));  // shifted
  EXPECT_TRUE(InRange(e, "VEVENT", "20260107T150000Z", "20260107T150001Z"));
  EXPECT_TRUE(InRange(e, "VEVENT", "20260110T150000Z", "20260110T150001Z"));
  Result<store::ObjectIndex> idx = ValidateCalendarObject(e, {});
  ASSERT_TRUE(idx.ok());
  EXPECT_GE(idx->last_end, testing::T("20260110T160000Z"));
}

TEST(TimeRange, UnboundedDailyRuleIsCappedAndSkipsAhead) {
  std::string e = Ev("DTSTART:19700101T100000Z\nDURATION:PT1H\nRRULE:FREQ=DAILY\n");
  // Far in the future: reached by skipping, not by iterating 20000+ instances.
  EXPECT_TRUE(InRange(e, "VEVENT", "21000101T100000Z", "21000101T100001Z"));
  EXPECT_FALSE(InRange(e, "VEVENT", "21000101T110000Z", "21000101T120000Z"));
  bool truncated = false;
  Result<std::vector<Occurrence>> occ = ExpandOccurrences(
      e, TimeRange{store::kNoLowerBound, store::kNoUpperBound}, 1000000, &truncated);
  ASSERT_TRUE(occ.ok());
  EXPECT_TRUE(truncated);
  EXPECT_LE(occ->size(), 20001u);
}

}  // namespace
}  // namespace cartable::dav::caldav
