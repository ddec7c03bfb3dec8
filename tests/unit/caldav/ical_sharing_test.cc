// What sharees see of calendar objects: CLASS reduction and per-user data (split, merge, copy,
// comparison), on fixtures with recurrences and overrides.
#include <gtest/gtest.h>

#include "tests/unit/caldav/test_util.h"

namespace cartable::dav::caldav {
namespace {

using testing::Cal;

const std::string kParis =
    "BEGIN:VTIMEZONE\nTZID:Europe/Paris\nBEGIN:STANDARD\nDTSTART:19701025T030000\n"
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\nTZOFFSETFROM:+0200\nTZOFFSETTO:+0100\nEND:STANDARD\n"
    "BEGIN:DAYLIGHT\nDTSTART:19700329T020000\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\n"
    "TZOFFSETFROM:+0100\nTZOFFSETTO:+0200\nEND:DAYLIGHT\nEND:VTIMEZONE\n";

// A weekly private series with an override, alarms on both, and every property a sharee must
// not see.
std::string PrivateSeries(const std::string& cls = "PRIVATE") {
  return Cal("X-WR-CALNAME:Secret calendar\n" + kParis +
             "BEGIN:VEVENT\nUID:s1\nDTSTAMP:20260101T000000Z\nCLASS:" + cls +
             "\nDTSTART;TZID=Europe/Paris:20260302T100000\n"
             "DTEND;TZID=Europe/Paris:20260302T110000\nRRULE:FREQ=WEEKLY;COUNT=10\n"
             "EXDATE;TZID=Europe/Paris:20260309T100000\nSUMMARY:Rendez-vous medical SECRET\n"
             "LOCATION:Cabinet SECRET\nDESCRIPTION:SECRET details\nCATEGORIES:SECRET\n"
             "URL:http://secret.example/\nCONTACT:SECRET\nCOMMENT:SECRET\nATTACH:http://s/SECRET\n"
             "ORGANIZER:mailto:secret-org@example.com\nATTENDEE:mailto:secret-att@example.com\n"
             "X-SECRET:SECRET\nTRANSP:OPAQUE\nSTATUS:CONFIRMED\nSEQUENCE:2\n"
             "BEGIN:VALARM\nACTION:DISPLAY\nDESCRIPTION:SECRET alarm\nTRIGGER:-PT15M\nEND:VALARM\n"
             "END:VEVENT\n"
             "BEGIN:VEVENT\nUID:s1\nDTSTAMP:20260101T000000Z\n"
             "RECURRENCE-ID;TZID=Europe/Paris:20260316T100000\n"
             "DTSTART;TZID=Europe/Paris:20260316T140000\nDTEND;TZID=Europe/Paris:20260316T150000\n"
             "SUMMARY:Moved SECRET\nLOCATION:Other SECRET\nEND:VEVENT\n");
}

CalendarObject Parse(const std::string& ics) {
  Result<CalendarObject> o = CalendarObject::Parse(ics);
  EXPECT_TRUE(o.ok()) << o.status().message();
  return std::move(o.value());
}

int Count(const std::string& s, const std::string& needle) {
  int n = 0;
  for (size_t p = s.find(needle); p != std::string::npos; p = s.find(needle, p + 1)) ++n;
  return n;
}

TEST(Privacy, ScanFindsClassifiedObjectsOnly) {
  EXPECT_TRUE(MayBeClassified(PrivateSeries()));
  EXPECT_TRUE(MayBeClassified(PrivateSeries("CONFIDENTIAL")));
  EXPECT_TRUE(MayBeClassified(PrivateSeries("X-TEAM-ONLY")));
  EXPECT_FALSE(MayBeClassified(PrivateSeries("PUBLIC")));
  EXPECT_FALSE(MayBeClassified(Cal("BEGIN:VEVENT\nUID:a\nSUMMARY:CLASS:PRIVATE\nEND:VEVENT\n")));
  // Folded property name and value (RFC 5545 §3.1), lower case.
  EXPECT_TRUE(MayBeClassified(Cal("BEGIN:VEVENT\nUID:a\nCLA\n SS:pri\n vate\nEND:VEVENT\n")));
}

TEST(Privacy, LevelIsTheMostRestrictiveComponent) {
  EXPECT_EQ(PrivacyOf(Parse(PrivateSeries())), Privacy::kPrivate);
  EXPECT_EQ(PrivacyOf(Parse(PrivateSeries("CONFIDENTIAL"))), Privacy::kConfidential);
  EXPECT_EQ(PrivacyOf(Parse(PrivateSeries("PUBLIC"))), Privacy::kPublic);
  // Unknown values count as PRIVATE (RFC 5545 §3.8.1.3).
  EXPECT_EQ(PrivacyOf(Parse(PrivateSeries("X-TEAM-ONLY"))), Privacy::kPrivate);
  // A private override makes the whole series private.
  std::string mixed =
      Cal("BEGIN:VEVENT\nUID:m\nDTSTAMP:20260101T000000Z\nDTSTART:20260302T100000Z\n"
          "RRULE:FREQ=DAILY;COUNT=3\nSUMMARY:Public\nEND:VEVENT\n"
          "BEGIN:VEVENT\nUID:m\nDTSTAMP:20260101T000000Z\nRECURRENCE-ID:20260303T100000Z\n"
          "DTSTART:20260303T120000Z\nCLASS:PRIVATE\nSUMMARY:Hidden\nEND:VEVENT\n");
  EXPECT_EQ(PrivacyOf(Parse(mixed)), Privacy::kPrivate);
}

TEST(Privacy, PrivateKeepsTimeOnly) {
  CalendarObject o = Parse(PrivateSeries());
  ReduceForPrivacy(o, Privacy::kPrivate);
  const std::string& text = o.Text();
  EXPECT_EQ(Count(text, "SECRET"), 0) << text;
  EXPECT_EQ(Count(text, "Secret"), 0) << text;
  EXPECT_EQ(Count(text, "BEGIN:VALARM"), 0);
  EXPECT_EQ(Count(text, "SUMMARY:Occupé"), 2) << text;
  for (const char* kept :
       {"UID:s1", "DTSTART;TZID=Europe/Paris:20260302T100000", "DTEND;TZID=Europe/Paris",
        "RRULE:FREQ=WEEKLY;COUNT=10", "EXDATE;TZID=Europe/Paris:20260309T100000",
        "RECURRENCE-ID;TZID=Europe/Paris:20260316T100000", "TRANSP:OPAQUE", "STATUS:CONFIRMED",
        "CLASS:PRIVATE", "SEQUENCE:2", "DTSTAMP:", "BEGIN:VTIMEZONE", "VERSION:2.0"}) {
    EXPECT_NE(text.find(kept), std::string::npos) << kept << "\n" << text;
  }
  // Still a valid calendar object, with the same instances.
  EXPECT_TRUE(ValidateCalendarObject(text, ValidateOptions{}).ok());
  bool complete = true;
  Result<std::vector<InstanceSpan>> after =
      InstanceSpans(text, "VEVENT", testing::Range(nullptr, nullptr), &complete);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->size(), 9u);
}

TEST(Privacy, ConfidentialSaysConfidentiel) {
  CalendarObject o = Parse(PrivateSeries("CONFIDENTIAL"));
  ReduceForPrivacy(o, PrivacyOf(o));
  EXPECT_EQ(Count(o.Text(), "SECRET"), 0);
  EXPECT_EQ(Count(o.Text(), "SUMMARY:Confidentiel"), 2);
}

TEST(Privacy, PublicIsUntouched) {
  std::string ics = PrivateSeries("PUBLIC");
  CalendarObject o = Parse(ics);
  ReduceForPrivacy(o, Privacy::kPublic);
  EXPECT_EQ(o.Text(), ics);
  EXPECT_FALSE(o.changed());
}

// The owner's copy with the owner's alarm and the sharee's PUT with their own alarms.
const std::string kOwnerCopy = Cal(
    kParis +
    "BEGIN:VEVENT\nUID:r1\nDTSTAMP:20260101T000000Z\nDTSTART;TZID=Europe/Paris:20260302T100000\n"
    "DTEND;TZID=Europe/Paris:20260302T110000\nRRULE:FREQ=WEEKLY;COUNT=5\nSUMMARY:Conseil\n"
    "TRANSP:TRANSPARENT\n"
    "BEGIN:VALARM\nACTION:DISPLAY\nDESCRIPTION:owner alarm\nTRIGGER:-PT10M\nEND:VALARM\n"
    "END:VEVENT\n"
    "BEGIN:VEVENT\nUID:r1\nDTSTAMP:20260101T000000Z\n"
    "RECURRENCE-ID;TZID=Europe/Paris:20260316T100000\n"
    "DTSTART;TZID=Europe/Paris:20260316T140000\nDTEND;TZID=Europe/Paris:20260316T150000\n"
    "SUMMARY:Conseil moved\n"
    "BEGIN:VALARM\nACTION:DISPLAY\nDESCRIPTION:owner override alarm\nTRIGGER:-PT5M\n"
    "END:VALARM\nEND:VEVENT\n");

// The sharee's version: same event, their alarms, RECURRENCE-ID in UTC, DTSTAMP rewritten,
// properties in another order, Thunderbird's alarm state.
const std::string kShareeCopy =
    Cal(kParis +
        "BEGIN:VEVENT\nUID:r1\nDTSTAMP:20261201T000000Z\nSUMMARY:Conseil\n"
        "DTSTART;TZID=Europe/Paris:20260302T100000\n"
        "DTEND;TZID=Europe/Paris:20260302T110000\nRRULE:FREQ=WEEKLY;COUNT=5\n"
        "X-MOZ-LASTACK:20261201T000000Z\n"
        "BEGIN:VALARM\nACTION:DISPLAY\nDESCRIPTION:sharee alarm\nTRIGGER:-PT1H\nEND:VALARM\n"
        "END:VEVENT\n"
        "BEGIN:VEVENT\nUID:r1\nDTSTAMP:20261201T000000Z\nRECURRENCE-ID:20260316T090000Z\n"
        "DTSTART;TZID=Europe/Paris:20260316T140000\nDTEND;TZID=Europe/Paris:20260316T150000\n"
        "SUMMARY:Conseil moved\nTRANSP:TRANSPARENT\n"
        "BEGIN:VALARM\nACTION:AUDIO\nTRIGGER:-PT2H\nEND:VALARM\nEND:VEVENT\n");

TEST(PerUser, SplitTakesAlarmsAndTransp) {
  CalendarObject o = Parse(kShareeCopy);
  std::string data = SplitPerUser(o);
  EXPECT_EQ(Count(o.Text(), "BEGIN:VALARM"), 0);
  EXPECT_EQ(Count(o.Text(), "TRANSP"), 0);
  EXPECT_EQ(Count(o.Text(), "X-MOZ-LASTACK"), 0);
  EXPECT_EQ(Count(data, "BEGIN:VALARM"), 2) << data;
  EXPECT_NE(data.find("sharee alarm"), std::string::npos);
  EXPECT_NE(data.find("TRANSP:TRANSPARENT"), std::string::npos);
  EXPECT_NE(data.find("X-MOZ-LASTACK"), std::string::npos);
  EXPECT_NE(data.find("RECURRENCE-ID:20260316T090000Z"), std::string::npos) << data;
  EXPECT_EQ(data.find("SUMMARY"), std::string::npos) << data;
  EXPECT_EQ(data.find("DTSTART"), std::string::npos) << data;

  CalendarObject none = Parse(Cal("BEGIN:VEVENT\nUID:a\nDTSTART:20260101T100000Z\nEND:VEVENT\n"));
  EXPECT_EQ(SplitPerUser(none), "");
  EXPECT_FALSE(none.changed());
}

TEST(PerUser, MergeReplacesOwnersPartsWithSharees) {
  CalendarObject sharee = Parse(kShareeCopy);
  std::string data = SplitPerUser(sharee);

  CalendarObject view = Parse(kOwnerCopy);
  StripPerUser(view);
  MergePerUser(view, data);
  const std::string& text = view.Text();
  EXPECT_EQ(text.find("owner alarm"), std::string::npos) << text;
  EXPECT_EQ(text.find("owner override alarm"), std::string::npos);
  EXPECT_NE(text.find("sharee alarm"), std::string::npos);
  EXPECT_NE(text.find("ACTION:AUDIO"), std::string::npos);  // the override's (TZID vs UTC rid)
  EXPECT_EQ(Count(text, "TRANSP:TRANSPARENT"), 1);          // only the override's, the sharee's
  EXPECT_NE(text.find("X-MOZ-LASTACK"), std::string::npos);
  EXPECT_TRUE(ValidateCalendarObject(text, ValidateOptions{}).ok());

  // A sharee without data sees no alarm and no TRANSP at all.
  CalendarObject bare = Parse(kOwnerCopy);
  StripPerUser(bare);
  MergePerUser(bare, "");
  EXPECT_EQ(Count(bare.Text(), "VALARM"), 0);
  EXPECT_EQ(Count(bare.Text(), "TRANSP"), 0);
  // Garbage per-user data merges nothing.
  MergePerUser(bare, "not a calendar");
  EXPECT_EQ(Count(bare.Text(), "VALARM"), 0);
}

TEST(PerUser, CopyKeepsOwnersPartsOnASharersWrite) {
  CalendarObject written = Parse(kShareeCopy);
  SplitPerUser(written);
  CopyPerUser(Parse(kOwnerCopy), written);
  const std::string& text = written.Text();
  EXPECT_NE(text.find("owner alarm"), std::string::npos);
  EXPECT_NE(text.find("owner override alarm"), std::string::npos) << text;
  EXPECT_EQ(text.find("sharee alarm"), std::string::npos);
  EXPECT_EQ(Count(text, "TRANSP:TRANSPARENT"), 1);  // the owner's master TRANSP
}

TEST(PerUser, SharedContentIgnoresPerUserPartsAndStamps) {
  EXPECT_TRUE(SameSharedContent(Parse(kOwnerCopy), Parse(kShareeCopy)));
  std::string changed = kShareeCopy;
  changed.replace(changed.find("SUMMARY:Conseil\r\n"), 17, "SUMMARY:Autre\r\n");
  EXPECT_FALSE(SameSharedContent(Parse(kOwnerCopy), Parse(changed)));
  // A dropped override is a change.
  std::string master_only =
      Cal(kParis +
          "BEGIN:VEVENT\nUID:r1\nDTSTAMP:20261201T000000Z\nSUMMARY:Conseil\n"
          "DTSTART;TZID=Europe/Paris:20260302T100000\n"
          "DTEND;TZID=Europe/Paris:20260302T110000\nRRULE:FREQ=WEEKLY;COUNT=5\nEND:VEVENT\n");
  EXPECT_FALSE(SameSharedContent(Parse(kOwnerCopy), Parse(master_only)));
  // A moved instance is a change.
  std::string moved = kShareeCopy;
  moved.replace(moved.find("20260316T140000"), 15, "20260316T160000");
  EXPECT_FALSE(SameSharedContent(Parse(kOwnerCopy), Parse(moved)));
}

}  // namespace
}  // namespace cartable::dav::caldav
