// An attendee's copy of an invitation, over HTTP (RFC 6638 §3.2.2.1): the attendee may change
// only their own participation. Removing their own ATTENDEE line (or replacing it with an
// address that is not theirs) is refused with CALDAV:allowed-attendee-scheduling-object-change
// (as CalendarServer does) and the stored copy stays as it was; listing themselves under another
// of their own addresses is the same attendee, whose answer reaches the organizer.
// Users: jlabert (organizer), mdupont (attendee).
#include <gtest/gtest.h>

#include "tests/testlib/ics_text.h"
#include "tests/testlib/test_server.h"

namespace cartable {
namespace {

using testlib::AttendeeLine;
using testlib::Lines;
using testlib::ParseMultiStatus;
using testlib::Reply;
using testlib::TestServer;
using testlib::Unfold;

using Headers = std::vector<std::pair<std::string, std::string>>;
const Headers kIcs = {{"Content-Type", "text/calendar; charset=utf-8"}};

constexpr const char* kJean = "jean.labert@ac-orleans-tours.fr";
constexpr const char* kMarie = "marie.dupont@ac-orleans-tours.fr";
constexpr const char* kOrgPath = "/dav/calendars/jlabert/agenda/conseil.ics";
constexpr const char* kCopyPath = "/dav/calendars/mdupont/agenda/conseil.ics";

std::string Meeting() {
  return std::string(
             "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Tests//FR\r\nBEGIN:VEVENT\r\n"
             "UID:conseil\r\nDTSTAMP:20261120T080000Z\r\nSEQUENCE:0\r\n"
             "DTSTART:20261201T160000Z\r\nDTEND:20261201T170000Z\r\nSUMMARY:Conseil\r\n"
             "ORGANIZER;CN=Jean Labert:mailto:") +
         kJean + "\r\nATTENDEE;CN=Jean Labert;PARTSTAT=ACCEPTED:mailto:" + kJean +
         "\r\nATTENDEE;CN=Marie Dupont;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:" + kMarie +
         "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
}

class AttendeeCopyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.AddUser("jlabert", "pw", "Jean Labert", kJean);
    server_.AddUser("mdupont", "pw", "Marie Dupont", kMarie);
    ASSERT_EQ(Do("jlabert", "PUT", kOrgPath, Meeting(), kIcs).status, 201);
    Reply copy = Do("mdupont", "GET", kCopyPath);
    ASSERT_EQ(copy.status, 200);
    copy_ = Unfold(copy.body);
    marie_line_ = AttendeeLine(copy_, kMarie);
    ASSERT_FALSE(marie_line_.empty());
  }

  Reply Do(const std::string& user, const std::string& method, const std::string& path,
           const std::string& body = "", const Headers& headers = {}) {
    return server_.Request(method, path, body, headers, user, "pw");
  }

  // Marie's copy with her ATTENDEE line replaced by `line` ("" removes it).
  std::string CopyWithMarieAs(const std::string& line) {
    std::string out = copy_;
    size_t at = out.find(marie_line_ + "\r\n");
    EXPECT_NE(at, std::string::npos);
    out.replace(at, marie_line_.size() + 2, line.empty() ? "" : line + "\r\n");
    return out;
  }

  // How many REPLY messages Jean's inbox holds.
  int RepliesToJean() {
    const std::string inbox = "/dav/calendars/jlabert/inbox/";
    Reply r = Do("jlabert", "PROPFIND", inbox,
                 R"(<D:propfind xmlns:D="DAV:"><D:prop><D:getetag/></D:prop></D:propfind>)",
                 {{"Depth", "1"}});
    EXPECT_EQ(r.status, 207);
    int n = 0;
    for (const auto& [href, props] : ParseMultiStatus(r.body).props) {
      if (href == inbox) continue;
      if (!Lines(Do("jlabert", "GET", href).body, "METHOD:REPLY").empty()) ++n;
    }
    return n;
  }

  void ExpectRefusedAndUnchanged(const Reply& put, const std::string& what) {
    EXPECT_EQ(put.status, 403) << what << ": " << put.body;
    EXPECT_NE(put.body.find("allowed-attendee-scheduling-object-change"), std::string::npos)
        << what << ": " << put.body;
    EXPECT_EQ(Unfold(Do("mdupont", "GET", kCopyPath).body), copy_) << what;
    EXPECT_NE(AttendeeLine(Do("jlabert", "GET", kOrgPath).body, kMarie).find("NEEDS-ACTION"),
              std::string::npos)
        << what;
    EXPECT_EQ(RepliesToJean(), 0) << what;
  }

  TestServer server_;
  std::string copy_;        // Marie's copy as delivered, unfolded
  std::string marie_line_;  // her ATTENDEE line in it
};

TEST_F(AttendeeCopyTest, RemovingOneselfIsRefused) {
  ExpectRefusedAndUnchanged(Do("mdupont", "PUT", kCopyPath, CopyWithMarieAs(""), kIcs),
                            "ATTENDEE line removed");
}

TEST_F(AttendeeCopyTest, AnAddressThatIsNotTheirsIsRefused) {
  std::string elsewhere = marie_line_;
  elsewhere.replace(elsewhere.find("mailto:"), std::string::npos,
                    "mailto:marie.dupont@ac-creteil.fr");
  ExpectRefusedAndUnchanged(Do("mdupont", "PUT", kCopyPath, CopyWithMarieAs(elsewhere), kIcs),
                            "another person's address");
}

TEST_F(AttendeeCopyTest, TurningTheInvitationIntoAPersonalEventIsRefused) {
  std::string personal = CopyWithMarieAs("");
  for (const std::string& line : Lines(personal, "ORGANIZER")) {
    personal.erase(personal.find(line + "\r\n"), line.size() + 2);
  }
  for (const std::string& line : Lines(personal, "ATTENDEE")) {
    personal.erase(personal.find(line + "\r\n"), line.size() + 2);
  }
  ExpectRefusedAndUnchanged(Do("mdupont", "PUT", kCopyPath, personal, kIcs),
                            "ORGANIZER and ATTENDEEs dropped");
}

TEST_F(AttendeeCopyTest, AnotherOfTheirOwnAddressesIsTheSameAttendee) {
  // Her client lists her by principal URL and accepts: the organizer hears ACCEPTED for the
  // address he invited, and her stored copy keeps that address.
  std::string by_principal = marie_line_;
  by_principal.replace(by_principal.find("mailto:"), std::string::npos,
                       "/dav/principals/users/mdupont/");
  by_principal.replace(by_principal.find("PARTSTAT=NEEDS-ACTION"), 21, "PARTSTAT=ACCEPTED");
  Reply put = Do("mdupont", "PUT", kCopyPath, CopyWithMarieAs(by_principal), kIcs);
  ASSERT_EQ(put.status / 100, 2) << put.body;
  EXPECT_NE(AttendeeLine(Do("jlabert", "GET", kOrgPath).body, kMarie).find("PARTSTAT=ACCEPTED"),
            std::string::npos);
  EXPECT_EQ(RepliesToJean(), 1);
  std::string stored = Do("mdupont", "GET", kCopyPath).body;
  EXPECT_NE(AttendeeLine(stored, kMarie).find("PARTSTAT=ACCEPTED"), std::string::npos) << stored;
  EXPECT_TRUE(Lines(stored, "ATTENDEE", "/dav/principals/users/mdupont/").empty()) << stored;
}

}  // namespace
}  // namespace cartable
