// The occurrence rows of calendar objects (dav/caldav/occurrences.h, issue 14): every instance,
// without a time window; open-ended rules up to a horizon; overrides, EXDATE, DST, floating
// values; the iteration cap and the row bound.
#include "dav/caldav/occurrences.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/unit/caldav/test_util.h"

namespace cartable::dav::caldav {
namespace {

constexpr Seconds kH = 3600, kD = 86400;

Seconds T(const char* utc) { return *ParseUtcDateTime(utc); }

std::string Cal(const std::string& body) {
  return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n" + body + "END:VCALENDAR\r\n";
}

OccurrenceOptions Opts(const char* horizon, size_t max_rows = 2000, std::string tz = "UTC") {
  OccurrenceOptions o;
  o.horizon = T(horizon);
  o.max_rows = max_rows;
  o.floating_tz = std::move(tz);
  return o;
}

bool AnyOverlap(const store::OccurrenceSet& s, Seconds start, Seconds end) {
  for (const store::OccurrenceSpan& sp : s.spans) {
    if (start < sp.hi && end > sp.lo) return true;
  }
  return false;
}

TEST(Occurrences, OpenEndedRuleIsCompleteUntilTheHorizon) {
  std::string ics =
      Cal("BEGIN:VEVENT\r\nUID:w\r\nDTSTAMP:20200101T000000Z\r\nDTSTART:20200106T100000Z\r\n"
          "DTEND:20200106T110000Z\r\nRRULE:FREQ=WEEKLY\r\nEND:VEVENT\r\n");
  Result<store::OccurrenceSet> s = OccurrenceRows(ics, "VEVENT", Opts("20300101T000000Z"));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->complete_until, T("20300101T000000Z"));
  EXPECT_EQ(s->zone, "");
  ASSERT_FALSE(s->spans.empty());
  EXPECT_EQ(s->spans.front().lo, T("20200106T100000Z"));
  EXPECT_EQ(s->spans.front().hi, T("20200106T110000Z"));
  EXPECT_LT(s->spans.back().lo, T("20300101T000000Z"));
  EXPECT_GT(s->spans.back().lo, T("20291220T000000Z"));  // the last Monday before the horizon
  // A week of 2015 (before the series), of 2029: exact answers.
  EXPECT_FALSE(AnyOverlap(*s, T("20150105T000000Z"), T("20150112T000000Z")));
  EXPECT_TRUE(AnyOverlap(*s, T("20290101T000000Z"), T("20290108T000000Z")));
  EXPECT_FALSE(AnyOverlap(*s, T("20290102T000000Z"), T("20290108T000000Z")));  // Tue..Mon
}

TEST(Occurrences, BoundedRuleFarInTheFutureIsCompleteEverywhere) {
  std::string ics =
      Cal("BEGIN:VEVENT\r\nUID:y\r\nDTSTAMP:20200101T000000Z\r\nDTSTART:20250601T080000Z\r\n"
          "DURATION:PT1H\r\nRRULE:FREQ=YEARLY;COUNT=100\r\nEND:VEVENT\r\n");
  Result<store::OccurrenceSet> s = OccurrenceRows(ics, "VEVENT", Opts("20300101T000000Z"));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->complete_until, store::kNoUpperBound);
  ASSERT_EQ(s->spans.size(), 100u);
  EXPECT_TRUE(AnyOverlap(*s, T("21240601T000000Z"), T("21240602T000000Z")));
  EXPECT_FALSE(AnyOverlap(*s, T("21250601T000000Z"), T("21250602T000000Z")));
}

TEST(Occurrences, OverrideMovesAnInstanceAndExdateRemovesOne) {
  std::string ics =
      Cal("BEGIN:VEVENT\r\nUID:m\r\nDTSTAMP:20240101T000000Z\r\nDTSTART:20240902T080000Z\r\n"
          "DTEND:20240902T090000Z\r\nRRULE:FREQ=WEEKLY;COUNT=10\r\nEXDATE:20240916T080000Z\r\n"
          "END:VEVENT\r\n"
          "BEGIN:VEVENT\r\nUID:m\r\nDTSTAMP:20240101T000000Z\r\nRECURRENCE-ID:20240923T080000Z\r\n"
          "DTSTART:20241225T080000Z\r\nDTEND:20241225T090000Z\r\nEND:VEVENT\r\n");
  Result<store::OccurrenceSet> s = OccurrenceRows(ics, "VEVENT", Opts("20300101T000000Z"));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->complete_until, store::kNoUpperBound);
  EXPECT_EQ(s->spans.size(), 9u);  // 10 - EXDATE; the moved one counts once
  EXPECT_FALSE(AnyOverlap(*s, T("20240916T000000Z"), T("20240917T000000Z")));  // EXDATE
  EXPECT_FALSE(AnyOverlap(*s, T("20240923T000000Z"), T("20240924T000000Z")));  // moved out
  EXPECT_TRUE(AnyOverlap(*s, T("20241225T000000Z"), T("20241226T000000Z")));   // moved in
  // The answers agree with the filter evaluation on every week of the period.
  for (Seconds w = T("20240826T000000Z"); w < T("20250106T000000Z"); w += 7 * kD) {
    Result<bool> m = MatchesFilter(ics, testing::CompRange("VEVENT", {w, w + 7 * kD}));
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(AnyOverlap(*s, w, w + 7 * kD), *m) << FormatUtcDateTime(w);
  }
}

TEST(Occurrences, LocalTimesFollowDaylightSavingTime) {
  std::string ics =
      Cal("BEGIN:VEVENT\r\nUID:d\r\nDTSTAMP:20250101T000000Z\r\n"
          "DTSTART;TZID=Europe/Paris:20250324T090000\r\nDTEND;TZID=Europe/Paris:20250324T100000\r\n"
          "RRULE:FREQ=WEEKLY;COUNT=2\r\nEND:VEVENT\r\n");
  Result<store::OccurrenceSet> s = OccurrenceRows(ics, "VEVENT", Opts("20300101T000000Z"));
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->spans.size(), 2u);
  EXPECT_EQ(s->spans[0].lo, T("20250324T080000Z"));  // CET
  EXPECT_EQ(s->spans[1].lo, T("20250331T070000Z"));  // CEST from March 30
  EXPECT_EQ(s->zone, "");
}

TEST(Occurrences, FloatingAndDateValuesRecordTheirZone) {
  std::string floating =
      Cal("BEGIN:VEVENT\r\nUID:f\r\nDTSTAMP:20250101T000000Z\r\nDTSTART:20250310T090000\r\n"
          "DTEND:20250310T100000\r\nEND:VEVENT\r\n");
  Result<store::OccurrenceSet> utc = OccurrenceRows(floating, "VEVENT", Opts("20300101T000000Z"));
  Result<store::OccurrenceSet> paris =
      OccurrenceRows(floating, "VEVENT", Opts("20300101T000000Z", 2000, "Europe/Paris"));
  ASSERT_TRUE(utc.ok() && paris.ok());
  EXPECT_EQ(utc->zone, "UTC");
  EXPECT_EQ(paris->zone, "Europe/Paris");
  ASSERT_EQ(utc->spans.size(), 1u);
  ASSERT_EQ(paris->spans.size(), 1u);
  EXPECT_EQ(utc->spans[0].lo, T("20250310T090000Z"));
  EXPECT_EQ(paris->spans[0].lo, T("20250310T080000Z"));
  std::string all_day =
      Cal("BEGIN:VEVENT\r\nUID:a\r\nDTSTAMP:20250101T000000Z\r\nDTSTART;VALUE=DATE:20250310\r\n"
          "END:VEVENT\r\n");
  Result<store::OccurrenceSet> day = OccurrenceRows(all_day, "VEVENT", Opts("20300101T000000Z"));
  ASSERT_TRUE(day.ok());
  EXPECT_EQ(day->zone, "UTC");
  ASSERT_EQ(day->spans.size(), 1u);
  EXPECT_EQ(day->spans[0].hi - day->spans[0].lo, kD);
}

TEST(Occurrences, TheIterationCapLeavesTheObjectToParsing) {
  std::string ics =
      Cal("BEGIN:VEVENT\r\nUID:c\r\nDTSTAMP:20250101T000000Z\r\nDTSTART:20250101T000000Z\r\n"
          "RRULE:FREQ=MINUTELY\r\nEND:VEVENT\r\n");
  Result<store::OccurrenceSet> s = OccurrenceRows(ics, "VEVENT", Opts("20300101T000000Z"));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->complete_until, store::kNoLowerBound);
  EXPECT_TRUE(s->spans.empty());
}

TEST(Occurrences, RowBoundCutsTheSetShort) {
  std::string ics =
      Cal("BEGIN:VEVENT\r\nUID:r\r\nDTSTAMP:20250101T000000Z\r\nDTSTART:20250101T100000Z\r\n"
          "DTEND:20250101T110000Z\r\nRRULE:FREQ=DAILY;COUNT=500\r\nEND:VEVENT\r\n");
  Result<store::OccurrenceSet> s = OccurrenceRows(ics, "VEVENT", Opts("20300101T000000Z", 100));
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->spans.size(), 100u);
  EXPECT_EQ(s->complete_until, T("20250101T100000Z") + 100 * kD);             // the 101st instance
  EXPECT_TRUE(AnyOverlap(*s, T("20250410T000000Z"), T("20250411T000000Z")));  // day 100
  EXPECT_EQ(s->spans.back().hi, T("20250410T110000Z"));
  (void)kH;
}

TEST(Occurrences, ValidationComputesTheRowsOfAPut) {
  std::string ics =
      Cal("BEGIN:VEVENT\r\nUID:v\r\nDTSTAMP:20250101T000000Z\r\nDTSTART:20250101T100000Z\r\n"
          "DTEND:20250101T110000Z\r\nRRULE:FREQ=WEEKLY;COUNT=3\r\nEND:VEVENT\r\n");
  Result<store::ObjectIndex> idx = ValidateCalendarObject(ics, ValidateOptions{});
  ASSERT_TRUE(idx.ok());
  ASSERT_TRUE(idx->occurrences.has_value());
  EXPECT_EQ(idx->occurrences->spans.size(), 3u);
  EXPECT_EQ(idx->occurrences->complete_until, store::kNoUpperBound);
}

}  // namespace
}  // namespace cartable::dav::caldav
