// calendar-query time ranges answered from the occurrence index (issue 14) over HTTP: weeks far
// in the past and the future (no time window), open-ended rules past the index horizon,
// overrides and EXDATEs, floating events when the calendar-timezone changes after they were
// stored, and a store from before the index (backfilled at start, exact meanwhile).
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <set>
#include <thread>

#include "dav/store/sqlite_util.h"
#include "tests/testlib/temp_store.h"
#include "tests/testlib/test_server.h"

namespace cartable {
namespace {

using testlib::ParseMultiStatus;
using testlib::Reply;
using testlib::TestServer;
using Headers = std::vector<std::pair<std::string, std::string>>;
using Names = std::set<std::string>;

const Headers kIcs = {{"Content-Type", "text/calendar; charset=utf-8"}};
constexpr const char* kCal = "/dav/calendars/jlabert/agenda/";

std::string Event(const std::string& uid, const std::string& lines, const std::string& more = "") {
  return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Tests//FR\r\nBEGIN:VEVENT\r\nUID:" + uid +
         "\r\nDTSTAMP:20261101T000000Z\r\nSUMMARY:Cours " + uid + "\r\n" + lines +
         "END:VEVENT\r\n" + more + "END:VCALENDAR\r\n";
}

void Put(TestServer& server, const std::string& name, const std::string& ics) {
  Reply r = server.Request("PUT", std::string(kCal) + name + ".ics", ics, kIcs, "jlabert", "pw");
  ASSERT_TRUE(r.status == 201 || r.status == 204) << name << "\n" << r.body;
}

Names Matches(TestServer& server, const std::string& start, const std::string& end) {
  Reply r = server.Request(
      "REPORT", kCal,
      R"(<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
      <D:prop><D:getetag/></D:prop><C:filter><C:comp-filter name="VCALENDAR">
      <C:comp-filter name="VEVENT"><C:time-range start=")" +
          start + "\" end=\"" + end + R"("/></C:comp-filter></C:comp-filter></C:filter>
      </C:calendar-query>)",
      {{"Depth", "1"}}, "jlabert", "pw");
  EXPECT_EQ(r.status, 207) << r.body;
  Names out;
  for (const auto& [href, props] : ParseMultiStatus(r.body).props) {
    std::string name = href.substr(href.rfind('/') + 1);
    out.insert(name.substr(0, name.find(".ics")));
  }
  return out;
}

// Weekly on Mondays 09:00 Paris from 2018 without end; EXDATE on 2019-01-07; the instance of
// 2019-01-14 moved to Wednesday 2019-01-16. A one-off in 2045. Daily from 2030, open-ended.
void PutSeries(TestServer& server) {
  Put(server, "weekly",
      Event("weekly",
            "DTSTART;TZID=Europe/Paris:20180101T090000\r\nDTEND;TZID=Europe/Paris:20180101T100000"
            "\r\nRRULE:FREQ=WEEKLY\r\nEXDATE;TZID=Europe/Paris:20190107T090000\r\n",
            "BEGIN:VEVENT\r\nUID:weekly\r\nDTSTAMP:20261101T000000Z\r\n"
            "RECURRENCE-ID;TZID=Europe/Paris:20190114T090000\r\n"
            "DTSTART;TZID=Europe/Paris:20190116T090000\r\nDTEND;TZID=Europe/Paris:20190116T100000"
            "\r\nEND:VEVENT\r\n"));
  Put(server, "far", Event("far", "DTSTART:20450612T080000Z\r\nDTEND:20450612T090000Z\r\n"));
  Put(server, "daily",
      Event("daily",
            "DTSTART:20300101T120000Z\r\nDURATION:PT1H\r\n"
            "RRULE:FREQ=DAILY\r\n"));
}

void ExpectSeriesAnswers(TestServer& server) {
  // 2019: the EXDATE week, the week the instance left (Monday) and got (Wednesday).
  EXPECT_EQ(Matches(server, "20190107T000000Z", "20190108T000000Z"), Names{});
  EXPECT_EQ(Matches(server, "20190114T000000Z", "20190115T000000Z"), Names{});
  EXPECT_EQ(Matches(server, "20190116T080000Z", "20190116T081000Z"), Names{"weekly"});
  // Winter 08:00Z, summer 07:00Z (Paris local time).
  EXPECT_EQ(Matches(server, "20190121T080000Z", "20190121T081000Z"), Names{"weekly"});
  EXPECT_EQ(Matches(server, "20190617T070000Z", "20190617T071000Z"), Names{"weekly"});
  EXPECT_EQ(Matches(server, "20190617T080000Z", "20190617T081000Z"), Names{});
  // 2017, before every series.
  EXPECT_EQ(Matches(server, "20170102T000000Z", "20170109T000000Z"), Names{});
  // 2045 (past the ten-year horizon of open-ended rules: parsed), a Monday.
  EXPECT_EQ(Matches(server, "20450612T000000Z", "20450619T000000Z"),
            (Names{"weekly", "far", "daily"}));
  EXPECT_EQ(Matches(server, "20450613T000000Z", "20450613T110000Z"), Names{});
  EXPECT_EQ(Matches(server, "20450613T120000Z", "20450613T121000Z"), Names{"daily"});
  // 2031, inside the horizon.
  EXPECT_EQ(Matches(server, "20310106T080000Z", "20310106T081000Z"), Names{"weekly"});
  EXPECT_EQ(Matches(server, "20310106T000000Z", "20310113T000000Z"), (Names{"weekly", "daily"}));
}

TEST(CalDavOccurrenceTest, AnyWeekPastOrFutureIsExact) {
  TestServer server;
  server.AddUser("jlabert", "pw", "Jean Labert", "jean.labert@ac-orleans-tours.fr");
  PutSeries(server);
  ExpectSeriesAnswers(server);
  // An override replaced by one without the move: the Monday instance is back.
  Put(server, "weekly",
      Event("weekly",
            "DTSTART;TZID=Europe/Paris:20180101T090000\r\nDTEND;TZID=Europe/Paris:20180101T100000"
            "\r\nRRULE:FREQ=WEEKLY\r\n"));
  EXPECT_EQ(Matches(server, "20190114T000000Z", "20190115T000000Z"), Names{"weekly"});
  EXPECT_EQ(Matches(server, "20190107T000000Z", "20190108T000000Z"), Names{"weekly"});
  EXPECT_EQ(Matches(server, "20190116T000000Z", "20190117T000000Z"), Names{});
}

TEST(CalDavOccurrenceTest, FloatingEventsFollowACalendarTimezoneSetAfterThem) {
  TestServer server;
  server.AddUser("jlabert", "pw", "Jean Labert", "jean.labert@ac-orleans-tours.fr");
  Put(server, "float",
      Event("float",
            "DTSTART:20251208T090000\r\nDTEND:20251208T100000\r\n"
            "RRULE:FREQ=WEEKLY;COUNT=3\r\n"));
  Put(server, "day", Event("day", "DTSTART;VALUE=DATE:20251209\r\n"));
  EXPECT_EQ(Matches(server, "20251215T090000Z", "20251215T091000Z"), Names{"float"});  // UTC
  EXPECT_EQ(Matches(server, "20251208T230000Z", "20251208T233000Z"), Names{});
  Reply r =
      server.Request("PROPPATCH", kCal,
                     R"(<D:propertyupdate xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
      <D:set><D:prop><C:calendar-timezone><![CDATA[BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Tests//FR
BEGIN:VTIMEZONE
TZID:Europe/Paris
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
END:VTIMEZONE
END:VCALENDAR
]]></C:calendar-timezone></D:prop></D:set></D:propertyupdate>)",
                     {}, "jlabert", "pw");
  ASSERT_EQ(r.status, 207) << r.body;
  // 09:00 floating is 08:00Z in Paris; 9 December starts at 2025-12-08T23:00Z.
  EXPECT_EQ(Matches(server, "20251215T090000Z", "20251215T091000Z"), Names{});
  EXPECT_EQ(Matches(server, "20251215T080000Z", "20251215T081000Z"), Names{"float"});
  EXPECT_EQ(Matches(server, "20251208T230000Z", "20251208T233000Z"), Names{"day"});
  EXPECT_EQ(Matches(server, "20251209T233000Z", "20251210T000000Z"), Names{});
}

TEST(CalDavOccurrenceTest, StoreFromBeforeTheIndexIsExactAndGetsBackfilled) {
  testlib::TempDir dir;
  const std::string data = dir.path() + "/data";
  {
    TestServer server(nullptr, data);
    server.AddUser("jlabert", "pw", "Jean Labert", "jean.labert@ac-orleans-tours.fr");
    PutSeries(server);
  }
  {  // As a version-9 server left it: no occurrence rows, the calendar listed for backfill.
    Result<std::unique_ptr<store::Db>> db = store::Db::Open(data + "/cartable.db");
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)
                    ->Exec("DELETE FROM occurrences; DELETE FROM occurrence_sets; "
                           "DELETE FROM occurrence_classes; INSERT INTO occurrence_backfill "
                           "SELECT DISTINCT collection_id FROM objects "
                           "WHERE component = 'VEVENT'")
                    .ok());
  }
  TestServer server(nullptr, data);
  ExpectSeriesAnswers(server);  // while (or after) the backfill runs
  store::Session& s = server.store().ThreadSession();
  bool done = false;
  for (int i = 0; i < 300 && !done; ++i) {  // bounded: 30 s
    Result<std::vector<store::Id>> left = s.OccurrenceBackfillCollections();
    ASSERT_TRUE(left.ok());
    done = left->empty();
    if (!done) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(done) << "the backfill did not finish within 30 s";
  Result<std::unique_ptr<store::Db>> db = store::Db::Open(data + "/cartable.db");
  ASSERT_TRUE(db.ok());
  Result<int64_t> sets = (*db)->QueryInt("SELECT count(*) FROM occurrence_sets");
  ASSERT_TRUE(sets.ok());
  EXPECT_EQ(*sets, 3);
  ExpectSeriesAnswers(server);
}

}  // namespace
}  // namespace cartable
