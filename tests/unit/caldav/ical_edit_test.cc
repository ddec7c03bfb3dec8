// dav/caldav/ical_edit.h: events and tasks built from typed fields, and the recurrence scopes
// of edits and deletions, checked through the occurrences the engine expands afterwards and
// through the validation of a PUT.
#include "dav/caldav/ical_edit.h"

#include <gtest/gtest.h>

#include "tests/unit/caldav/test_util.h"

namespace cartable::dav::caldav {
namespace {

using testing::T;

constexpr Seconds kNow = 1796000000;  // 2026-11-30
const Party kMe{"mailto:jean.labert@ac-orleans-tours.fr", "Jean Labert"};

TimeValue At(const char* text) { return *ParseTimeValue(text); }

// The occurrences of `ics` in [from, to) (UTC compact forms).
std::vector<Occurrence> Occ(const std::string& ics, const char* from, const char* to) {
  bool cut = false;
  Result<std::vector<Occurrence>> r = ExpandOccurrences(ics, {T(from), T(to)}, 1000, &cut);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? *r : std::vector<Occurrence>{};
}

std::vector<std::string> Starts(const std::vector<Occurrence>& list) {
  std::vector<std::string> out;
  for (const Occurrence& o : list) out.push_back(FormatUtcDateTime(o.start));
  return out;
}

void ExpectValid(const std::string& ics) {
  Result<store::ObjectIndex> r = ValidateCalendarObject(ics, ValidateOptions{});
  EXPECT_TRUE(r.ok()) << r.status().message() << "\n" << ics;
}

// Weekly on Mondays 10:00-11:00 Paris from 2026-11-02, every two weeks ("semaine A").
std::string WeekA(int count = 0) {
  EventFields f;
  f.summary = "Conseil pédagogique";
  f.location = "Salle 12";
  f.start = At("2026-11-02T10:00:00");
  f.end = At("2026-11-02T11:00:00");
  RecurrenceRule r;
  r.freq = "WEEKLY";
  r.interval = 2;
  r.byday = {"MO"};
  r.count = count;
  f.rrule = r;
  f.alarms = std::vector<int>{15};
  Result<std::string> ics = NewEvent(f, "week-a", kMe, kNow);
  EXPECT_TRUE(ics.ok()) << ics.status().message();
  return *ics;
}

TEST(ParseTimeValue, ThreeForms) {
  EXPECT_EQ(At("2026-12-07").kind, TimeValue::Kind::kDate);
  TimeValue local = At("2026-12-07T15:30:00");
  EXPECT_EQ(local.kind, TimeValue::Kind::kLocal);
  EXPECT_EQ(local.hour, 15);
  EXPECT_EQ(At("2026-12-07T14:30:00Z").utc, T("20261207T143000Z"));
  EXPECT_EQ(At("2026-12-07T15:30:00+01:00").utc, T("20261207T143000Z"));
  EXPECT_FALSE(ParseTimeValue("2026-02-30"));
  EXPECT_FALSE(ParseTimeValue("07/12/2026"));
  EXPECT_FALSE(ParseTimeValue("2026-12-07T25:00:00Z"));
}

TEST(NewEvent, TimedInParisWithZoneAlarmAndRule) {
  std::string ics = WeekA();
  ExpectValid(ics);
  EXPECT_NE(ics.find("DTSTART;TZID=Europe/Paris:20261102T100000"), std::string::npos) << ics;
  EXPECT_NE(ics.find("BEGIN:VTIMEZONE"), std::string::npos);
  EXPECT_NE(ics.find("TZID:Europe/Paris"), std::string::npos);
  EXPECT_NE(ics.find("RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO"), std::string::npos) << ics;
  EXPECT_NE(ics.find("TRIGGER:-PT15M"), std::string::npos) << ics;
  EXPECT_NE(ics.find("DTSTAMP:"), std::string::npos);
  std::vector<Occurrence> o = Occ(ics, "20261101T000000Z", "20261201T000000Z");
  // Semaine A: 2, 16 and 30 November, 09:00 UTC (CET).
  EXPECT_EQ(Starts(o),
            (std::vector<std::string>{"20261102T090000Z", "20261116T090000Z", "20261130T090000Z"}));
  ASSERT_FALSE(o.empty());
  EXPECT_EQ(o[0].timezone, "Europe/Paris");
  ASSERT_TRUE(o[0].rrule);
  EXPECT_EQ(o[0].rrule->interval, 2);
  EXPECT_EQ(o[0].rrule->byday, std::vector<std::string>{"MO"});
  EXPECT_EQ(o[0].alarms, std::vector<int>{15});
  EXPECT_TRUE(o[0].recurring);
  EXPECT_EQ(o[0].location, "Salle 12");
}

TEST(NewEvent, AllDayIsDateWithExclusiveEnd) {
  EventFields f;
  f.summary = "Journée banalisée";
  f.start = At("2026-12-07");
  f.klass = "PRIVATE";
  f.transparent = true;
  Result<std::string> ics = NewEvent(f, "allday", kMe, kNow);
  ASSERT_TRUE(ics.ok()) << ics.status().message();
  ExpectValid(*ics);
  EXPECT_NE(ics->find("DTSTART;VALUE=DATE:20261207"), std::string::npos) << *ics;
  EXPECT_NE(ics->find("DTEND;VALUE=DATE:20261208"), std::string::npos) << *ics;
  EXPECT_EQ(ics->find("VTIMEZONE"), std::string::npos);
  std::vector<Occurrence> o = Occ(*ics, "20261201T000000Z", "20261231T000000Z");
  ASSERT_EQ(o.size(), 1u);
  EXPECT_TRUE(o[0].all_day);
  EXPECT_EQ(o[0].klass, "PRIVATE");
  EXPECT_TRUE(o[0].transparent);
  EXPECT_FALSE(o[0].rrule);
}

TEST(NewEvent, AttendeesMakeMeOrganizer) {
  EventFields f;
  f.summary = "Réunion";
  f.start = At("2026-12-07T14:00:00Z");
  f.duration_minutes = 90;
  f.attendees = std::vector<Party>{{"marie.dupont@ac-orleans-tours.fr", "Marie Dupont"}};
  Result<std::string> ics = NewEvent(f, "meet", kMe, kNow);
  ASSERT_TRUE(ics.ok());
  ExpectValid(*ics);
  EXPECT_NE(ics->find("ORGANIZER;CN=Jean Labert:mailto:jean.labert@ac-orleans-tours.fr"),
            std::string::npos)
      << *ics;
  EXPECT_NE(ics->find("mailto:marie.dupont@ac-orleans-tours.fr"), std::string::npos);
  std::vector<Occurrence> o = Occ(*ics, "20261201T000000Z", "20261231T000000Z");
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(o[0].end - o[0].start, 90 * 60);
  EXPECT_EQ(o[0].attendees.size(), 2u);
}

TEST(CheckEventFields, BoundsAndNames) {
  std::string field;
  EventFields f;
  f.alarms = std::vector<int>(kMaxAlarms + 1, 5);
  EXPECT_FALSE(CheckEventFields(f, 50, &field).ok());
  EXPECT_EQ(field, "alarms");
  f = {};
  f.alarms = std::vector<int>{kMaxAlarmMinutes + 1};
  EXPECT_FALSE(CheckEventFields(f, 50, &field).ok());
  EXPECT_EQ(field, "alarms");
  f = {};
  f.klass = "SECRET";
  EXPECT_FALSE(CheckEventFields(f, 50, &field).ok());
  EXPECT_EQ(field, "class");
  f = {};
  f.attendees = std::vector<Party>(3, Party{"a@b.fr", ""});
  EXPECT_FALSE(CheckEventFields(f, 2, &field).ok());
  EXPECT_EQ(field, "attendees");
  f = {};
  RecurrenceRule r;
  r.freq = "HOURLY";
  f.rrule = r;
  EXPECT_FALSE(CheckEventFields(f, 50, &field).ok());
  EXPECT_EQ(field, "rrule.freq");
  r.freq = "DAILY";
  r.count = kMaxRuleCount + 1;
  f.rrule = r;
  EXPECT_FALSE(CheckEventFields(f, 50, &field).ok());
  EXPECT_EQ(field, "rrule.count");
  r.count = 0;
  r.interval = kMaxRuleInterval + 1;
  f.rrule = r;
  EXPECT_FALSE(CheckEventFields(f, 50, &field).ok());
  EXPECT_EQ(field, "rrule.interval");
  r.interval = 1;
  r.until = "2027-01-01";
  r.count = 3;
  f.rrule = r;
  EXPECT_FALSE(CheckEventFields(f, 50, &field).ok());
  EXPECT_EQ(field, "rrule.until");
  f = {};
  f.timezone = "Mars/Olympus";
  EXPECT_FALSE(CheckEventFields(f, 50, &field).ok());
  EXPECT_EQ(field, "timezone");
  EventFields no_start;
  no_start.summary = "x";
  EXPECT_FALSE(NewEvent(no_start, "u", kMe, kNow, &field).ok());
  EXPECT_EQ(field, "start");
  EventFields backwards;
  backwards.summary = "x";
  backwards.start = At("2026-12-07T10:00:00Z");
  backwards.end = At("2026-12-07T09:00:00Z");
  EXPECT_FALSE(NewEvent(backwards, "u", kMe, kNow, &field).ok());
  EXPECT_EQ(field, "end");
}

TEST(EditEvent, OneOccurrenceBecomesAnOverride) {
  std::string ics = WeekA();
  EventFields f;
  f.start = At("2026-11-17T14:00:00");  // moved from Monday 16 to Tuesday 17, 14:00 Paris
  f.location = "CDI";
  Result<EditedEvent> e =
      EditEvent(ics, f, Scope::kOne, T("20261116T090000Z"), "unused", kMe, kNow);
  ASSERT_TRUE(e.ok()) << e.status().message();
  ExpectValid(e->ics);
  EXPECT_TRUE(e->new_series.empty());
  EXPECT_NE(e->ics.find("RECURRENCE-ID;TZID=Europe/Paris:20261116T100000"), std::string::npos)
      << e->ics;
  std::vector<Occurrence> o = Occ(e->ics, "20261101T000000Z", "20261201T000000Z");
  EXPECT_EQ(Starts(o),
            (std::vector<std::string>{"20261102T090000Z", "20261117T130000Z", "20261130T090000Z"}));
  EXPECT_EQ(o[1].location, "CDI");
  EXPECT_EQ(o[1].end - o[1].start, 3600);
  EXPECT_EQ(o[1].recurrence_id, "20261116T090000Z");
  EXPECT_EQ(o[2].location, "Salle 12");
  // The same occurrence edited again changes its override, not a second one.
  EventFields again;
  again.summary = "Conseil (déplacé)";
  Result<EditedEvent> e2 =
      EditEvent(e->ics, again, Scope::kOne, T("20261116T090000Z"), "unused", kMe, kNow);
  ASSERT_TRUE(e2.ok());
  size_t overrides = 0;
  for (size_t p = e2->ics.find("RECURRENCE-ID"); p != std::string::npos;
       p = e2->ics.find("RECURRENCE-ID", p + 1)) {
    ++overrides;
  }
  EXPECT_EQ(overrides, 1u);
  o = Occ(e2->ics, "20261101T000000Z", "20261201T000000Z");
  EXPECT_EQ(o[1].summary, "Conseil (déplacé)");
  EXPECT_EQ(FormatUtcDateTime(o[1].start), "20261117T130000Z");
}

TEST(EditEvent, NoSuchOccurrenceIsABadField) {
  std::string field;
  Result<EditedEvent> e =
      EditEvent(WeekA(), EventFields{}, Scope::kOne, T("20261109T090000Z"), "x", kMe, kNow, &field);
  EXPECT_FALSE(e.ok());
  EXPECT_EQ(field, "occurrence");
  e = EditEvent(WeekA(), EventFields{}, Scope::kOne, std::nullopt, "x", kMe, kNow, &field);
  EXPECT_FALSE(e.ok());
}

TEST(EditEvent, FollowingCutsTheSeriesAndStartsANewOne) {
  std::string ics = WeekA();
  // An override after the cut disappears with the old part.
  EventFields moved;
  moved.summary = "Exception";
  ics = EditEvent(ics, moved, Scope::kOne, T("20261214T090000Z"), "", kMe, kNow)->ics;
  EventFields f;
  f.start = At("2026-11-30T11:00:00");  // from 10:00 to 11:00 Paris from 30 November on
  f.summary = "Conseil (nouvel horaire)";
  Result<EditedEvent> e =
      EditEvent(ics, f, Scope::kFollowing, T("20261130T090000Z"), "week-a-2", kMe, kNow);
  ASSERT_TRUE(e.ok()) << e.status().message();
  ExpectValid(e->ics);
  ExpectValid(e->new_series);
  EXPECT_NE(e->ics.find("UNTIL=20261130T085959Z"), std::string::npos) << e->ics;
  EXPECT_EQ(e->ics.find("Exception"), std::string::npos) << "later overrides go";
  EXPECT_EQ(Starts(Occ(e->ics, "20261101T000000Z", "20270101T000000Z")),
            (std::vector<std::string>{"20261102T090000Z", "20261116T090000Z"}));
  EXPECT_NE(e->new_series.find("UID:week-a-2"), std::string::npos);
  EXPECT_NE(e->new_series.find("INTERVAL=2"), std::string::npos);
  std::vector<Occurrence> next = Occ(e->new_series, "20261101T000000Z", "20270101T000000Z");
  EXPECT_EQ(Starts(next),
            (std::vector<std::string>{"20261130T100000Z", "20261214T100000Z", "20261228T100000Z"}));
  EXPECT_EQ(next[0].summary, "Conseil (nouvel horaire)");
  EXPECT_EQ(next[0].alarms, std::vector<int>{15});
}

TEST(EditEvent, FollowingSharesTheCount) {
  std::string ics = WeekA(5);  // 2, 16, 30 Nov, 14, 28 Dec
  Result<EditedEvent> e =
      EditEvent(ics, EventFields{}, Scope::kFollowing, T("20261130T090000Z"), "next", kMe, kNow);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(Occ(e->ics, "20261101T000000Z", "20280101T000000Z").size(), 2u);
  EXPECT_EQ(Occ(e->new_series, "20261101T000000Z", "20280101T000000Z").size(), 3u);
  EXPECT_NE(e->new_series.find("COUNT=3"), std::string::npos) << e->new_series;
}

TEST(EditEvent, AllShiftsTheSeriesByTheMoveAcrossDst) {
  // Weekly Mondays 10:00 Paris from 19 October (CEST, 08:00 UTC) to after 25 October (CET).
  EventFields n;
  n.summary = "Cours";
  n.start = At("2026-10-19T10:00:00");
  n.end = At("2026-10-19T11:00:00");
  RecurrenceRule r;
  r.freq = "WEEKLY";
  r.until = "2026-11-09";
  n.rrule = r;
  std::string ics = *NewEvent(n, "dst", kMe, kNow);
  EXPECT_EQ(Starts(Occ(ics, "20261001T000000Z", "20261201T000000Z")),
            (std::vector<std::string>{"20261019T080000Z", "20261026T090000Z", "20261102T090000Z",
                                      "20261109T090000Z"}));
  // The occurrence of 2 November moved to 11:30: the whole series moves to 11:30 local.
  EventFields f;
  f.start = At("2026-11-02T11:30:00");
  f.end = At("2026-11-02T12:00:00");
  Result<EditedEvent> e = EditEvent(ics, f, Scope::kAll, T("20261102T090000Z"), "", kMe, kNow);
  ASSERT_TRUE(e.ok()) << e.status().message();
  ExpectValid(e->ics);
  std::vector<Occurrence> o = Occ(e->ics, "20261001T000000Z", "20261201T000000Z");
  EXPECT_EQ(Starts(o), (std::vector<std::string>{"20261019T093000Z", "20261026T103000Z",
                                                 "20261102T103000Z", "20261109T103000Z"}));
  EXPECT_EQ(o[0].end - o[0].start, 1800);
  EXPECT_NE(e->ics.find("SEQUENCE:1"), std::string::npos) << e->ics;
  // Sending the rule back as shown keeps its UNTIL exactly.
  ASSERT_TRUE(o[0].rrule);
  EXPECT_EQ(o[0].rrule->until, "2026-11-09");
  EventFields same;
  same.rrule = *o[0].rrule;
  same.summary = "Cours de 3e";
  Result<EditedEvent> e2 = EditEvent(e->ics, same, Scope::kAll, std::nullopt, "", kMe, kNow);
  ASSERT_TRUE(e2.ok());
  EXPECT_EQ(Occ(e2->ics, "20261001T000000Z", "20261201T000000Z").size(), 4u);
  EXPECT_NE(e2->ics.find("SEQUENCE:1"), std::string::npos) << "a new title is no move";
}

TEST(EditEvent, KeepsUnknownPropertiesAndRemovesTheRule) {
  std::string ics = testing::Cal(
      "BEGIN:VEVENT\nUID:x1\nDTSTAMP:20261101T000000Z\nDTSTART:20261102T090000Z\n"
      "DTEND:20261102T100000Z\nRRULE:FREQ=DAILY;COUNT=3\nEXDATE:20261103T090000Z\n"
      "SUMMARY:A\nX-CLIENT-THING:garde-moi\nEND:VEVENT\n");
  EventFields f;
  f.rrule = std::optional<RecurrenceRule>();
  f.description = "Détails";
  Result<EditedEvent> e = EditEvent(ics, f, Scope::kAll, std::nullopt, "", kMe, kNow);
  ASSERT_TRUE(e.ok()) << e.status().message();
  ExpectValid(e->ics);
  EXPECT_NE(e->ics.find("X-CLIENT-THING:garde-moi"), std::string::npos);
  EXPECT_EQ(e->ics.find("RRULE"), std::string::npos);
  EXPECT_EQ(e->ics.find("EXDATE"), std::string::npos);
  std::vector<Occurrence> o = Occ(e->ics, "20261101T000000Z", "20261201T000000Z");
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(o[0].description, "Détails");
}

TEST(DeleteOccurrences, OneAddsExdateFollowingCutsAllRemoves) {
  std::string ics = WeekA();
  Result<EditedEvent> one = DeleteOccurrences(ics, Scope::kOne, T("20261116T090000Z"), kNow);
  ASSERT_TRUE(one.ok()) << one.status().message();
  ExpectValid(one->ics);
  EXPECT_NE(one->ics.find("EXDATE;TZID=Europe/Paris:20261116T100000"), std::string::npos)
      << one->ics;
  EXPECT_EQ(Starts(Occ(one->ics, "20261101T000000Z", "20261201T000000Z")),
            (std::vector<std::string>{"20261102T090000Z", "20261130T090000Z"}));
  Result<EditedEvent> following =
      DeleteOccurrences(ics, Scope::kFollowing, T("20261130T090000Z"), kNow);
  ASSERT_TRUE(following.ok());
  EXPECT_EQ(Starts(Occ(following->ics, "20261101T000000Z", "20270301T000000Z")),
            (std::vector<std::string>{"20261102T090000Z", "20261116T090000Z"}));
  // From the first occurrence on: nothing is left.
  Result<EditedEvent> first =
      DeleteOccurrences(ics, Scope::kFollowing, T("20261102T090000Z"), kNow);
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(first->ics.empty());
  EXPECT_TRUE(DeleteOccurrences(ics, Scope::kAll, std::nullopt, kNow)->ics.empty());
}

TEST(EditEvent, AllDaySeriesOneAndFollowing) {
  EventFields n;
  n.summary = "Permanence";
  n.start = At("2026-12-01");
  RecurrenceRule r;
  r.freq = "DAILY";
  r.count = 5;
  n.rrule = r;
  std::string ics = *NewEvent(n, "perm", kMe, kNow);
  ExpectValid(ics);
  Result<EditedEvent> one = DeleteOccurrences(ics, Scope::kOne, T("20261203T000000Z"), kNow);
  ASSERT_TRUE(one.ok()) << one.status().message();
  EXPECT_NE(one->ics.find("EXDATE;VALUE=DATE:20261203"), std::string::npos) << one->ics;
  EXPECT_EQ(Occ(one->ics, "20261101T000000Z", "20270101T000000Z").size(), 4u);
  Result<EditedEvent> cut =
      EditEvent(ics, EventFields{}, Scope::kFollowing, T("20261204T000000Z"), "perm2", kMe, kNow);
  ASSERT_TRUE(cut.ok()) << cut.status().message();
  ExpectValid(cut->ics);
  EXPECT_NE(cut->ics.find("UNTIL=20261203"), std::string::npos) << cut->ics;
  EXPECT_EQ(Occ(cut->ics, "20261101T000000Z", "20270101T000000Z").size(), 3u);
  EXPECT_EQ(Starts(Occ(cut->new_series, "20261101T000000Z", "20270101T000000Z")),
            (std::vector<std::string>{"20261204T000000Z", "20261205T000000Z"}));
}

TEST(EditEvent, UntilIsTheLastDayInclusive) {
  EventFields n;
  n.summary = "Soutien";
  n.start = At("2026-12-01T17:00:00");
  RecurrenceRule r;
  r.freq = "DAILY";
  r.until = "2026-12-03";
  n.rrule = r;
  std::string ics = *NewEvent(n, "u", kMe, kNow);
  ExpectValid(ics);
  std::vector<Occurrence> o = Occ(ics, "20261101T000000Z", "20270101T000000Z");
  EXPECT_EQ(o.size(), 3u);
  ASSERT_FALSE(o.empty());
  EXPECT_EQ(o[0].rrule->until, "2026-12-03");
}

TEST(Tasks, CreateCompleteReopen) {
  TaskFields f;
  f.summary = "Corriger les copies";
  f.due = At("2026-12-10");
  f.priority = 1;
  Result<std::string> ics = NewTask(f, "t1", kNow);
  ASSERT_TRUE(ics.ok()) << ics.status().message();
  ExpectValid(*ics);
  std::optional<TaskInfo> t = ReadTask(*ics);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->due, "2026-12-10");
  EXPECT_EQ(t->priority, 1);
  EXPECT_EQ(t->status, "NEEDS-ACTION");
  EXPECT_TRUE(t->completed.empty());
  TaskFields done;
  done.done = true;
  Result<std::string> closed = EditTask(*ics, done, kNow + 60);
  ASSERT_TRUE(closed.ok());
  ExpectValid(*closed);
  t = ReadTask(*closed);
  EXPECT_EQ(t->status, "COMPLETED");
  EXPECT_EQ(t->percent, 100);
  EXPECT_EQ(t->completed, Rfc3339Utc(kNow + 60));
  TaskFields reopen;
  reopen.done = false;
  Result<std::string> open = EditTask(*closed, reopen, kNow + 120);
  ASSERT_TRUE(open.ok());
  t = ReadTask(*open);
  EXPECT_EQ(t->status, "NEEDS-ACTION");
  EXPECT_TRUE(t->completed.empty());
  EXPECT_EQ(open->find("PERCENT-COMPLETE"), std::string::npos);
  EXPECT_EQ(open->find("COMPLETED:"), std::string::npos);
  // A timed due date in Paris, then none.
  TaskFields timed;
  timed.due = At("2026-12-10T18:00:00");
  t = ReadTask(*EditTask(*open, timed, kNow));
  EXPECT_EQ(t->due, "2026-12-10T17:00:00Z");
  TaskFields none;
  none.due = std::optional<TimeValue>();
  t = ReadTask(*EditTask(*open, none, kNow));
  EXPECT_TRUE(t->due.empty());
  std::string field;
  TaskFields bad;
  bad.priority = 12;
  EXPECT_FALSE(EditTask(*open, bad, kNow, &field).ok());
  EXPECT_EQ(field, "priority");
}

}  // namespace
}  // namespace cartable::dav::caldav
