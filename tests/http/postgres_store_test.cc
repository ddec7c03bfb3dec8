// The whole server on the PostgreSQL store ([store] backend = postgresql, issue 15), through
// HTTP: a CalDAV client's round (PUT, GET, conditional writes, calendar-query, sync-collection
// with changes and deletions), and a database restart answered 503 with Retry-After, then
// served again without restarting Cartable.
#include <gtest/gtest.h>

#include <string>

#include "dav/store/pg_store.h"
#include "tests/testlib/pg_server.h"
#include "tests/testlib/test_server.h"

namespace cartable {
namespace {

using testlib::ParseMultiStatus;
using testlib::Reply;
using testlib::TestServer;

constexpr const char* kCal = "/dav/calendars/jlabert/agenda/";
const std::vector<std::pair<std::string, std::string>> kIcsType = {
    {"Content-Type", "text/calendar; charset=utf-8"}};

std::string Event(const std::string& uid, const std::string& start, const std::string& summary) {
  return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Cartable//Tests//FR\r\nBEGIN:VEVENT\r\nUID:" +
         uid + "\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:" + start +
         "\r\nDURATION:PT1H\r\nSUMMARY:" + summary + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
}

class PostgresStoreHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.AddUser("jlabert", "pw", "Jean Labert", "jean.labert@ac-orleans-tours.fr");
    server_.SetDefaultUser("jlabert", "pw");
  }
  Reply Put(const std::string& name, const std::string& body,
            std::vector<std::pair<std::string, std::string>> headers = kIcsType) {
    return server_.As("PUT", std::string(kCal) + name, body, headers);
  }
  Reply Sync(const std::string& token) {
    return server_.As("REPORT", kCal,
                      R"(<D:sync-collection xmlns:D="DAV:"><D:sync-token>)" + token +
                          R"(</D:sync-token><D:sync-level>1</D:sync-level><D:prop><D:getetag/>
                          </D:prop></D:sync-collection>)",
                      {{"Depth", "1"}});
  }
  static std::string TokenOf(const Reply& r) {
    const size_t a = r.body.find("sync-token>");
    if (a == std::string::npos) return "";
    const size_t start = a + 11;
    return r.body.substr(start, r.body.find("</", start) - start);
  }
  TestServer server_{testlib::UsePostgresql};
};

TEST_F(PostgresStoreHttpTest, CalDavRoundOnPostgresql) {
  // The server really runs on PostgreSQL.
  ASSERT_NE(dynamic_cast<store::PgStore*>(&server_.store()), nullptr);

  const std::string a = Event("a@cartable", "20261124T080000Z", "Conseil de classe");
  Reply put = Put("a.ics", a);
  ASSERT_EQ(put.status, 201) << put.body;
  const std::string etag = put.Header("etag");
  ASSERT_FALSE(etag.empty());
  Reply get = server_.As("GET", std::string(kCal) + "a.ics");
  ASSERT_EQ(get.status, 200);
  EXPECT_EQ(get.body, a);  // the bytes stored
  EXPECT_EQ(get.Header("etag"), etag);

  // Initial sync: one member and a token.
  Reply first = Sync("");
  ASSERT_EQ(first.status, 207) << first.body;
  const std::string token1 = TokenOf(first);
  ASSERT_FALSE(token1.empty()) << first.body;
  EXPECT_EQ(ParseMultiStatus(first.body).props.count(std::string(kCal) + "a.ics"), 1u);

  // Conditional writes keep their meaning (the write lock serialises read-check-write).
  EXPECT_EQ(Put("a.ics", a, {kIcsType[0], {"If-None-Match", "*"}}).status, 412);
  EXPECT_EQ(Put("a.ics", a, {kIcsType[0], {"If-Match", "\"stale\""}}).status, 412);
  const std::string a2 = Event("a@cartable", "20261124T090000Z", "Conseil de classe (décalé)");
  EXPECT_EQ(Put("a.ics", a2, {kIcsType[0], {"If-Match", etag}}).status, 204);
  ASSERT_EQ(Put("b.ics", Event("b@cartable", "20270315T080000Z", "Réunion")).status, 201);
  // A second object with the same UID in the collection: 403 CALDAV:no-uid-conflict.
  Reply dup = Put("dup.ics", a2);
  EXPECT_EQ(dup.status, 403) << dup.body;
  EXPECT_NE(dup.body.find("no-uid-conflict"), std::string::npos) << dup.body;

  // calendar-query by time range: only the November event.
  Reply query =
      server_.As("REPORT", kCal,
                 R"(<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop><D:getetag/><C:calendar-data/></D:prop>
  <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">
    <C:time-range start="20261101T000000Z" end="20261201T000000Z"/>
  </C:comp-filter></C:comp-filter></C:filter>
</C:calendar-query>)",
                 {{"Depth", "1"}});
  ASSERT_EQ(query.status, 207) << query.body;
  auto found = ParseMultiStatus(query.body).props;
  EXPECT_EQ(found.count(std::string(kCal) + "a.ics"), 1u) << query.body;
  EXPECT_EQ(found.count(std::string(kCal) + "b.ics"), 0u) << query.body;
  EXPECT_NE(query.body.find("(décalé)"), std::string::npos);

  // Sync since token1: the changed and the new member, nothing else.
  Reply second = Sync(token1);
  ASSERT_EQ(second.status, 207) << second.body;
  auto changed = ParseMultiStatus(second.body).props;
  EXPECT_EQ(changed.size(), 2u) << second.body;
  EXPECT_EQ(changed.count(std::string(kCal) + "a.ics"), 1u);
  EXPECT_EQ(changed.count(std::string(kCal) + "b.ics"), 1u);
  const std::string token2 = TokenOf(second);
  EXPECT_NE(token2, token1);

  // A deletion shows as a 404 response in the next sync.
  EXPECT_EQ(server_.As("DELETE", std::string(kCal) + "b.ics").status, 204);
  EXPECT_EQ(server_.As("GET", std::string(kCal) + "b.ics").status, 404);
  Reply third = Sync(token2);
  ASSERT_EQ(third.status, 207) << third.body;
  auto gone = ParseMultiStatus(third.body);
  EXPECT_EQ(gone.response_status[std::string(kCal) + "b.ics"], 404) << third.body;
  EXPECT_EQ(gone.props.count(std::string(kCal) + "a.ics"), 0u) << third.body;
}

TEST_F(PostgresStoreHttpTest, DatabaseRestartAnswers503WithRetryAfterThenRecovers) {
  ASSERT_EQ(Put("a.ics", Event("a@cartable", "20261124T080000Z", "Conseil")).status, 201);
  Result<testlib::PgServer*> pg = testlib::PgServer::Get();
  ASSERT_TRUE(pg.ok());
  ASSERT_TRUE((*pg)->Stop().ok());
  Reply down = server_.As("GET", std::string(kCal) + "a.ics");
  EXPECT_EQ(down.status, 503) << down.body;
  EXPECT_EQ(down.Header("retry-after"), std::to_string(store::kBusyRetryAfterSeconds));
  Reply write = Put("b.ics", Event("b@cartable", "20261125T080000Z", "Réunion"));
  EXPECT_EQ(write.status, 503) << write.body;
  ASSERT_TRUE((*pg)->Start().ok());
  // Back by itself: what was acknowledged is there, the refused write is not, writes work.
  Reply get = server_.As("GET", std::string(kCal) + "a.ics");
  EXPECT_EQ(get.status, 200) << get.body;
  EXPECT_EQ(server_.As("GET", std::string(kCal) + "b.ics").status, 404);
  EXPECT_EQ(Put("b.ics", Event("b@cartable", "20261125T080000Z", "Réunion")).status, 201);
}

}  // namespace
}  // namespace cartable
