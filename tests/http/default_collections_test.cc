// The collections an account depends on stay: the default calendar (RFC 6638 §9.2
// CALDAV:default-calendar-needed) and the personal address book contacts/ (ours:
// {urn:cartable}default-addressbook-needed). Other calendars and address books come and go, and
// the default calendar can be changed, after which the former one may be deleted.
#include <gtest/gtest.h>

#include "tests/testlib/test_server.h"

namespace cartable {
namespace {

using testlib::ParseMultiStatus;
using testlib::Reply;
using testlib::TestServer;

constexpr const char* kAgenda = "/dav/calendars/jlabert/agenda/";
constexpr const char* kInbox = "/dav/calendars/jlabert/inbox/";
constexpr const char* kContacts = "/dav/addressbooks/jlabert/contacts/";

class DefaultCollectionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.AddUser("jlabert", "pw", "Jean Labert", "jean.labert@ac-orleans-tours.fr");
    server_.SetDefaultUser("jlabert", "pw");
  }
  Reply SetDefault(const std::string& calendar) {
    return server_.As(
        "PROPPATCH", kInbox,
        R"(<D:propertyupdate xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set>)"
        R"(<D:prop><C:schedule-default-calendar-URL><D:href>)" +
            calendar + "</D:href></C:schedule-default-calendar-URL></D:prop></D:set>" +
            "</D:propertyupdate>");
  }
  std::string DefaultCalendar() {
    Reply r =
        server_.As("PROPFIND", kInbox,
                   R"(<D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop>)"
                   R"(<C:schedule-default-calendar-URL/></D:prop></D:propfind>)",
                   {{"Depth", "0"}});
    return ParseMultiStatus(r.body)
        .props[kInbox]["{urn:ietf:params:xml:ns:caldav}schedule-default-calendar-URL"]
        .xml;
  }
  Reply Move(const std::string& from, const std::string& to) {
    return server_.As("MOVE", from, "", {{"Destination", to}, {"Overwrite", "T"}});
  }
  TestServer server_;
};

TEST_F(DefaultCollectionsTest, DefaultCalendarCannotBeDeleted) {
  Reply del = server_.As("DELETE", kAgenda);
  EXPECT_EQ(del.status, 403) << del.body;
  EXPECT_NE(del.body.find("<cal:default-calendar-needed"), std::string::npos) << del.body;
  // Replacing it by MOVE or COPY with Overwrite deletes it too.
  ASSERT_EQ(server_.As("MKCALENDAR", "/dav/calendars/jlabert/autre/").status, 201);
  EXPECT_EQ(Move("/dav/calendars/jlabert/autre/", kAgenda).status, 403);
  EXPECT_EQ(server_.As("PROPFIND", kAgenda, "", {{"Depth", "0"}}).status, 207) << "still there";
  EXPECT_NE(DefaultCalendar().find(kAgenda), std::string::npos) << "and still the default";
  // A MOVE keeps it: the default follows the calendar (SettingsTest), and stays protected.
  const std::string moved = "/dav/calendars/jlabert/ailleurs/";
  ASSERT_EQ(SetDefault(kAgenda).status, 207);
  ASSERT_EQ(Move(kAgenda, moved).status, 201);
  EXPECT_NE(DefaultCalendar().find(moved), std::string::npos) << DefaultCalendar();
  EXPECT_EQ(server_.As("DELETE", moved).status, 403);
  // Another calendar, and the task list, may go.
  EXPECT_EQ(server_.As("DELETE", "/dav/calendars/jlabert/autre/").status, 204);
  EXPECT_EQ(server_.As("DELETE", "/dav/calendars/jlabert/taches/").status, 204);
}

TEST_F(DefaultCollectionsTest, ChangingTheDefaultFreesTheFormerOne) {
  const std::string travail = "/dav/calendars/jlabert/travail/";
  ASSERT_EQ(server_.As("MKCALENDAR", travail).status, 201);
  ASSERT_EQ(SetDefault(travail).status, 207);
  EXPECT_EQ(server_.As("DELETE", kAgenda).status, 204);
  EXPECT_NE(DefaultCalendar().find(travail), std::string::npos) << DefaultCalendar();
  Reply del = server_.As("DELETE", travail);
  EXPECT_EQ(del.status, 403);
  EXPECT_NE(del.body.find("default-calendar-needed"), std::string::npos) << del.body;
}

TEST_F(DefaultCollectionsTest, PersonalAddressBookStays) {
  Reply del = server_.As("DELETE", kContacts);
  EXPECT_EQ(del.status, 403) << del.body;
  EXPECT_NE(del.body.find("default-addressbook-needed"), std::string::npos) << del.body;
  EXPECT_NE(del.body.find("urn:cartable"), std::string::npos) << del.body;
  EXPECT_EQ(Move(kContacts, "/dav/addressbooks/jlabert/ailleurs/").status, 403);
  EXPECT_EQ(server_.As("PROPFIND", kContacts, "", {{"Depth", "0"}}).status, 207) << "still there";
  // Another address book may go.
  const std::string other = "/dav/addressbooks/jlabert/club/";
  ASSERT_EQ(server_
                .As("MKCOL", other,
                    R"(<D:mkcol xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav"><D:set>)"
                    R"(<D:prop><D:resourcetype><D:collection/><C:addressbook/></D:resourcetype>)"
                    R"(</D:prop></D:set></D:mkcol>)",
                    {{"Content-Type", "application/xml"}})
                .status,
            201);
  EXPECT_EQ(server_.As("DELETE", other).status, 204);
}

}  // namespace
}  // namespace cartable
