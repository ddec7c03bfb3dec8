// The store seen through HTTP: a database locked by another connection answers writes 503 with
// Retry-After (never 500) while reads go on, and a sync token below a collection's pruned change
// log gets 403 DAV:valid-sync-token (RFC 6578 §3.2).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>

#include "tests/testlib/test_server.h"

namespace cartable {
namespace {

using testlib::ParseMultiStatus;
using testlib::Reply;
using testlib::TestServer;

constexpr const char* kFile = "/dav/files/jlabert/note.txt";
constexpr const char* kCal = "/dav/calendars/jlabert/agenda/";

void ShortBusyTimeoutAndSmallLog(server::Config& c) {
  c.store_busy_timeout_ms = 50;
  c.change_log_max_entries = 3;
}

class StoreSeamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.AddUser("jlabert", "pw", "Jean Labert", "jean.labert@ac-orleans-tours.fr");
    server_.SetDefaultUser("jlabert", "pw");
  }
  Reply PutEvent(const std::string& uid) {
    const std::string ics =
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Cartable//Tests//FR\r\nBEGIN:VEVENT\r\n"
        "UID:" +
        uid +
        "\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:20261124T080000Z\r\n"
        "DTEND:20261124T090000Z\r\nSUMMARY:Conseil\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    return server_.As("PUT", std::string(kCal) + uid + ".ics", ics,
                      {{"Content-Type", "text/calendar; charset=utf-8"}});
  }
  Reply Sync(const std::string& token) {
    return server_.As("REPORT", kCal,
                      R"(<D:sync-collection xmlns:D="DAV:"><D:sync-token>)" + token +
                          R"(</D:sync-token><D:sync-level>1</D:sync-level><D:prop><D:getetag/>
                          </D:prop></D:sync-collection>)",
                      {{"Depth", "1"}});
  }
  // The calendar's current sync token (from an initial sync).
  std::string Token() {
    Reply r = Sync("");
    EXPECT_EQ(r.status, 207) << r.body;
    size_t a = r.body.find("<d:sync-token>") + 14;
    return r.body.substr(a, r.body.find("</d:sync-token>") - a);
  }
  TestServer server_{ShortBusyTimeoutAndSmallLog};
};

// A second connection on the database file, as another process would open it.
struct OtherConnection {
  sqlite3* db = nullptr;
  explicit OtherConnection(const std::string& file) {
    EXPECT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  }
  ~OtherConnection() { sqlite3_close(db); }
  int Exec(const char* sql) { return sqlite3_exec(db, sql, nullptr, nullptr, nullptr); }
};

TEST_F(StoreSeamTest, HeldWriteLockAnswers503WithRetryAfterThenThePutSucceeds) {
  ASSERT_EQ(server_.As("PUT", kFile, "v1").status, 201);
  OtherConnection other(server_.data_dir() + "/cartable.db");
  ASSERT_EQ(other.Exec("BEGIN IMMEDIATE"), SQLITE_OK);

  Reply busy = server_.As("PUT", kFile, "v2");
  EXPECT_EQ(busy.status, 503) << busy.body;
  const std::string retry = busy.Header("retry-after");
  ASSERT_FALSE(retry.empty());
  EXPECT_GT(std::stoi(retry), 0);
  EXPECT_LE(std::stoi(retry), 10) << "a few seconds";
  // Reads go on while the write lock is held (WAL), and see the unchanged data.
  Reply get = server_.As("GET", kFile);
  EXPECT_EQ(get.status, 200);
  EXPECT_EQ(get.body, "v1");
  Reply list = server_.As(
      "PROPFIND", "/dav/files/jlabert/",
      R"(<D:propfind xmlns:D="DAV:"><D:prop><D:getetag/></D:prop></D:propfind>)", {{"Depth", "1"}});
  EXPECT_EQ(list.status, 207);
  EXPECT_EQ(ParseMultiStatus(list.body).props.count(kFile), 1u) << list.body;
  // Other writes meet the same answer, DELETE and MKCOL included.
  EXPECT_EQ(server_.As("DELETE", kFile).status, 503);
  EXPECT_EQ(server_.As("MKCOL", "/dav/files/jlabert/d/").status, 503);

  ASSERT_EQ(other.Exec("ROLLBACK"), SQLITE_OK);
  EXPECT_EQ(server_.As("PUT", kFile, "v2").status, 204);
  EXPECT_EQ(server_.As("GET", kFile).body, "v2");
}

TEST_F(StoreSeamTest, TokenBelowThePrunedFloorIs403ValidSyncToken) {
  ASSERT_EQ(PutEvent("a").status, 201);
  const std::string after_a = Token();  // seq 1
  ASSERT_EQ(PutEvent("b").status, 201);
  const std::string after_b = Token();  // seq 2
  ASSERT_EQ(PutEvent("c").status, 201);
  ASSERT_EQ(PutEvent("d").status, 201);
  // Still 3 entries retained (2..4 above floor 1): after_a is still good.
  EXPECT_EQ(Sync(after_a).status, 207);
  ASSERT_EQ(PutEvent("e").status, 201);  // seq 5: the log keeps 3..5, floor 2

  Reply old = Sync(after_a);
  EXPECT_EQ(old.status, 403) << old.body;
  EXPECT_NE(old.body.find("valid-sync-token"), std::string::npos) << old.body;

  // A token at the floor still returns exactly what changed after it.
  Reply at_floor = Sync(after_b);
  ASSERT_EQ(at_floor.status, 207) << at_floor.body;
  auto ms = ParseMultiStatus(at_floor.body);
  EXPECT_EQ(ms.props.size(), 3u) << at_floor.body;
  for (const char* uid : {"c", "d", "e"}) {
    EXPECT_EQ(ms.props.count(std::string(kCal) + uid + ".ics"), 1u) << uid;
  }
  // And a fresh sync from an empty token sees everything.
  EXPECT_EQ(ParseMultiStatus(Sync("").body).props.size(), 5u);
}

}  // namespace
}  // namespace cartable
