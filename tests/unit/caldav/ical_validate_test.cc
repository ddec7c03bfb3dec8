// ValidateCalendarObject: RFC 4791 §4.1/§5.3.2 preconditions and the index.
#include <gtest/gtest.h>

#include "tests/unit/caldav/test_util.h"

namespace cartable::dav::caldav {
namespace {

using dav::Precondition;
using testing::Cal;
using testing::T;

const char kEvent[] =
    "BEGIN:VEVENT\nUID:e1\nDTSTAMP:20260101T000000Z\nDTSTART:20260310T100000Z\n"
    "DTEND:20260310T110000Z\nSUMMARY:Meeting\nEND:VEVENT\n";

Precondition PreOf(const std::string& ics, ValidateOptions o = {}) {
  Result<store::ObjectIndex> r = ValidateCalendarObject(ics, o);
  EXPECT_FALSE(r.ok()) << ics;
  return r.ok() ? Precondition::kNone : r.status().precondition();
}

TEST(Validate, SimpleEventIndexIsExact) {
  Result<store::ObjectIndex> r = ValidateCalendarObject(Cal(kEvent), {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->uid, "e1");
  EXPECT_EQ(r->component, "VEVENT");
  EXPECT_EQ(r->first_start, T("20260310T100000Z"));
  EXPECT_EQ(r->last_end, T("20260310T110000Z"));
  EXPECT_FALSE(r->needs_expansion);
}

TEST(Validate, NotCalendarData) {
  EXPECT_EQ(PreOf("hello world"), Precondition::kValidCalendarData);
  EXPECT_EQ(PreOf("BEGIN:VCARD\r\nVERSION:3.0\r\nEND:VCARD\r\n"), Precondition::kValidCalendarData);
  EXPECT_EQ(PreOf("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\n"),
            Precondition::kValidCalendarData);
}

TEST(Validate, VersionRequired) {
  std::string ics =
      "BEGIN:VCALENDAR\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:a\r\n"
      "DTSTART:20260101T000000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
  EXPECT_EQ(PreOf(ics), Precondition::kValidCalendarData);
}

TEST(Validate, MissingUid) {
  EXPECT_EQ(PreOf(Cal("BEGIN:VEVENT\nDTSTART:20260101T000000Z\nEND:VEVENT\n")),
            Precondition::kValidCalendarData);
}

TEST(Validate, BadDateIsInvalid) {
  EXPECT_EQ(PreOf(Cal("BEGIN:VEVENT\nUID:a\nDTSTART:notadate\nEND:VEVENT\n")),
            Precondition::kValidCalendarData);
}

TEST(Validate, UnknownTzidWithoutVtimezone) {
  EXPECT_EQ(PreOf(Cal("BEGIN:VEVENT\nUID:a\nDTSTART;TZID=Mars/Olympus:20260101T100000\n"
                      "END:VEVENT\n")),
            Precondition::kValidCalendarData);
}

TEST(Validate, SeveralUids) {
  std::string two =
      std::string(kEvent) + "BEGIN:VEVENT\nUID:e2\nDTSTART:20260311T100000Z\nEND:VEVENT\n";
  EXPECT_EQ(PreOf(Cal(two)), Precondition::kValidCalendarObjectResource);
}

TEST(Validate, MixedComponents) {
  std::string mixed = std::string(kEvent) + "BEGIN:VTODO\nUID:e1\nEND:VTODO\n";
  EXPECT_EQ(PreOf(Cal(mixed)), Precondition::kValidCalendarObjectResource);
}

TEST(Validate, MethodForbidden) {
  EXPECT_EQ(PreOf(Cal("METHOD:REQUEST\n" + std::string(kEvent))),
            Precondition::kValidCalendarObjectResource);
}

TEST(Validate, TwoMastersForbidden) {
  EXPECT_EQ(PreOf(Cal(std::string(kEvent) + kEvent)), Precondition::kValidCalendarObjectResource);
}

TEST(Validate, OverrideSharesUid) {
  std::string ok =
      "BEGIN:VEVENT\nUID:r\nDTSTART:20260101T100000Z\nRRULE:FREQ=DAILY;COUNT=3\n"
      "END:VEVENT\nBEGIN:VEVENT\nUID:r\nRECURRENCE-ID:20260102T100000Z\n"
      "DTSTART:20260102T120000Z\nEND:VEVENT\n";
  Result<store::ObjectIndex> r = ValidateCalendarObject(Cal(ok), {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->needs_expansion);
  EXPECT_EQ(r->first_start, T("20260101T100000Z"));
  EXPECT_EQ(r->last_end, T("20260103T100001Z"));
  std::string other = ok;
  other.replace(other.find("UID:r\nRECURRENCE-ID"), 5, "UID:q");
  EXPECT_EQ(PreOf(Cal(other)), Precondition::kValidCalendarObjectResource);
}

TEST(Validate, NoComponent) {
  EXPECT_EQ(PreOf(Cal("")), Precondition::kValidCalendarObjectResource);
}

TEST(Validate, UnsupportedComponent) {
  ValidateOptions o;
  o.allowed_components = {"VTODO"};
  EXPECT_EQ(PreOf(Cal(kEvent), o), Precondition::kSupportedCalendarComponent);
}

TEST(Validate, MaxResourceSize) {
  ValidateOptions o;
  o.max_resource_size = 50;
  EXPECT_EQ(PreOf(Cal(kEvent), o), Precondition::kMaxResourceSize);
}

TEST(Validate, MinMaxDateTime) {
  ValidateOptions o;
  o.min_date_time = T("20270101T000000Z");
  EXPECT_EQ(PreOf(Cal(kEvent), o), Precondition::kMinDateTime);
  ValidateOptions p;
  p.max_date_time = T("20250101T000000Z");
  EXPECT_EQ(PreOf(Cal(kEvent), p), Precondition::kMaxDateTime);
}

TEST(Validate, DtendAndDurationTogether) {
  EXPECT_EQ(PreOf(Cal("BEGIN:VEVENT\nUID:a\nDTSTART:20260101T000000Z\nDTEND:20260101T010000Z\n"
                      "DURATION:PT1H\nEND:VEVENT\n")),
            Precondition::kValidCalendarData);
}

TEST(Validate, TzidWithoutVtimezoneResolvedFromSystem) {
  // Paris is UTC+1 in January and UTC+2 in July.
  std::string ics =
      Cal("BEGIN:VEVENT\nUID:p\nDTSTART;TZID=Europe/Paris:20260115T100000\n"
          "DTEND;TZID=Europe/Paris:20260715T100000\nEND:VEVENT\n");
  Result<store::ObjectIndex> r = ValidateCalendarObject(ics, {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->first_start, T("20260115T090000Z"));
  EXPECT_EQ(r->last_end, T("20260715T080000Z"));
  EXPECT_FALSE(r->needs_expansion);
}

TEST(Validate, VtimezoneInCalendarIsUsed) {
  std::string ics =
      Cal("BEGIN:VTIMEZONE\nTZID:Custom\nBEGIN:STANDARD\nDTSTART:19700101T000000\n"
          "TZOFFSETFROM:+0300\nTZOFFSETTO:+0300\nEND:STANDARD\nEND:VTIMEZONE\n"
          "BEGIN:VEVENT\nUID:c\nDTSTART;TZID=Custom:20260115T100000\nEND:VEVENT\n");
  Result<store::ObjectIndex> r = ValidateCalendarObject(ics, {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->first_start, T("20260115T070000Z"));
  EXPECT_EQ(r->last_end, T("20260115T070001Z"));
}

TEST(Validate, FloatingAndAllDayNeedExpansion) {
  ValidateOptions o;
  o.floating_tz = "America/New_York";
  Result<store::ObjectIndex> r = ValidateCalendarObject(
      Cal("BEGIN:VEVENT\nUID:f\nDTSTART:20260115T100000\nDTEND:20260115T110000\nEND:VEVENT\n"), o);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->needs_expansion);
  EXPECT_LE(r->first_start, T("20260115T150000Z"));
  EXPECT_GE(r->last_end, T("20260115T160000Z"));
  Result<store::ObjectIndex> d = ValidateCalendarObject(
      Cal("BEGIN:VEVENT\nUID:d\nDTSTART;VALUE=DATE:20260115\nEND:VEVENT\n"), {});
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->needs_expansion);
  EXPECT_LE(d->first_start, T("20260115T000000Z"));
  EXPECT_GE(d->last_end, T("20260116T000000Z"));
}

TEST(Validate, TodoWithEverything) {
  std::string ics =
      Cal("BEGIN:VTODO\nUID:t\nDTSTAMP:20260101T000000Z\nSUMMARY:Taxes\nSTATUS:IN-PROCESS\n"
          "DUE:20260415T170000Z\nCOMPLETED:20260410T120000Z\nPERCENT-COMPLETE:40\n"
          "RELATED-TO:parent-uid\nBEGIN:VALARM\nACTION:DISPLAY\nDESCRIPTION:due\n"
          "TRIGGER;RELATED=END:-PT1H\nEND:VALARM\nEND:VTODO\n");
  Result<store::ObjectIndex> r = ValidateCalendarObject(ics, {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->component, "VTODO");
  EXPECT_EQ(r->last_end, T("20260415T170000Z"));
}

TEST(Validate, TodoWithoutDatesIsUnbounded) {
  Result<store::ObjectIndex> r =
      ValidateCalendarObject(Cal("BEGIN:VTODO\nUID:t\nSUMMARY:x\nEND:VTODO\n"), {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->first_start, store::kNoLowerBound);
  EXPECT_EQ(r->last_end, store::kNoUpperBound);
}

TEST(Validate, UnboundedRuleIsOpenEnded) {
  Result<store::ObjectIndex> r = ValidateCalendarObject(
      Cal("BEGIN:VEVENT\nUID:u\nDTSTART:20260101T100000Z\nDURATION:PT1H\nRRULE:FREQ=DAILY\n"
          "END:VEVENT\n"),
      {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->first_start, T("20260101T100000Z"));
  EXPECT_EQ(r->last_end, store::kNoUpperBound);
  EXPECT_TRUE(r->needs_expansion);
}

TEST(Validate, BoundedRuleBeyondIndexCapIsOpenEnded) {
  ValidateOptions o;
  o.max_instances_for_index = 10;
  Result<store::ObjectIndex> r = ValidateCalendarObject(
      Cal("BEGIN:VEVENT\nUID:u\nDTSTART:20260101T100000Z\nRRULE:FREQ=DAILY;COUNT=100\n"
          "END:VEVENT\n"),
      o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->last_end, store::kNoUpperBound);
  Result<store::ObjectIndex> full = ValidateCalendarObject(
      Cal("BEGIN:VEVENT\nUID:u\nDTSTART:20260101T100000Z\nRRULE:FREQ=DAILY;COUNT=100\n"
          "END:VEVENT\n"),
      {});
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full->last_end, T("20260410T100001Z"));
}

}  // namespace
}  // namespace cartable::dav::caldav
