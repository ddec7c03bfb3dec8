// Expanding invited departments and establishments into their members
// (dav/scheduling/group_expand.h) against a real store: which addresses name a group, the
// members added (never the organizer, never twice), and the max_group_members bound.
#include "dav/scheduling/group_expand.h"

#include <gtest/gtest.h>

#include "tests/testlib/ics_text.h"
#include "tests/testlib/temp_store.h"

namespace cartable::dav::scheduling {
namespace {

using testlib::AttendeeLine;
using testlib::Lines;
using testlib::Unfold;

constexpr char kOrganizer[] = "mailto:chef@ac-orleans-tours.fr";

std::string Event(const std::string& attendees) {
  return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:e1\r\n"
         "DTSTAMP:20261201T100000Z\r\nDTSTART:20261210T100000Z\r\nDTEND:20261210T110000Z\r\n"
         "SUMMARY:Réunion\r\nORGANIZER:" +
         std::string(kOrganizer) + "\r\n" + attendees + "END:VEVENT\r\nEND:VCALENDAR\r\n";
}

class GroupExpandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto txn = S().Begin(true);
    chef_ = Person("chef", "Chef Service", "chef@ac-orleans-tours.fr", "37");
    Person("alice", "Alice Roy", "alice.roy@ac-orleans-tours.fr", "37");
    Person("bruno", "Bruno Roy", "bruno.roy@ac-orleans-tours.fr", "37");
    Person("carla", "Carla Roy", "carla.roy@ac-orleans-tours.fr", "45");
    store::User group;
    group.login = "departement-37";
    group.display_name = "DSDEN 37";
    group.kind = store::UserKind::kGroup;
    group.group_key = "departement:37";
    ASSERT_TRUE(S().CreateUser(group).ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  store::Session& S() { return store_->ThreadSession(); }
  store::Id Person(const std::string& login, const std::string& name, const std::string& email,
                   const std::string& dep) {
    store::User u;
    u.login = login;
    u.display_name = name;
    u.email = email;
    store::Id id = *S().CreateUser(u);
    store::DirectoryEntry e;
    e.source_key = "test:" + login;
    e.user_id = id;
    e.card_uid = "urn:uuid:" + login;
    e.nom = name;
    e.prenom = name;
    e.email = email;
    e.departement = dep;
    EXPECT_TRUE(S().PutDirectoryEntry(e).ok());
    return id;
  }
  // Expands `ics` as chef's organizer copy; returns the statuses, `ics` rewritten in *out.
  std::map<std::string, std::string> Expand(const std::string& ics, std::string* out) {
    Result<caldav::CalendarObject> cal = caldav::CalendarObject::Parse(ics);
    EXPECT_TRUE(cal.ok());
    Result<caldav::SchedulingInfo> info = caldav::InspectScheduling(*cal);
    EXPECT_TRUE(info.ok());
    Result<std::map<std::string, std::string>> st =
        ExpandGroupAttendees(S(), ctx_, *cal, *info, {kOrganizer, "/dav/principals/users/chef/"});
    EXPECT_TRUE(st.ok()) << st.status().ToString();
    *out = Unfold(cal->Text());
    return st.ok() ? *st : std::map<std::string, std::string>{};
  }

  testlib::TempStore store_;
  DavContext ctx_{*store_, DavOptions{}, {}};
  store::Id chef_ = 0;
};

TEST_F(GroupExpandTest, TheUrnAndThePrincipalUrlNameTheGroup) {
  for (const std::string address :
       {"urn:x-cartable:group:departement-37", "URN:X-Cartable:Group:Departement-37",
        "/dav/principals/groups/departement-37/",
        "https://cartable.example/dav/principals/groups/departement-37/"}) {
    std::string out;
    std::map<std::string, std::string> st =
        Expand(Event("ATTENDEE;CUTYPE=GROUP:" + address + "\r\n"), &out);
    ASSERT_EQ(st.size(), 1u) << address;
    EXPECT_EQ(st.begin()->second, "2.0") << address;
    EXPECT_NE(AttendeeLine(out, "alice.roy").find("MEMBER="), std::string::npos) << out;
    EXPECT_NE(AttendeeLine(out, "bruno.roy").find("CN=Bruno Roy"), std::string::npos) << out;
    EXPECT_TRUE(AttendeeLine(out, "carla.roy").empty()) << "Carla is in the Loiret";
    // The organizer, a member of the group, is not invited to their own meeting.
    EXPECT_TRUE(AttendeeLine(out, "chef@").empty()) << out;
  }
}

TEST_F(GroupExpandTest, OthersStayAsTheyAre) {
  std::string out;
  const std::string ics = Event(
      "ATTENDEE;CUTYPE=GROUP:mailto:dsden37@ac-orleans-tours.fr\r\n"   // no group mail
      "ATTENDEE;CUTYPE=GROUP:urn:x-cartable:group:departement-99\r\n"  // no such group
      "ATTENDEE;CUTYPE=GROUP:urn:x-cartable:group:alice\r\n"           // a person
      "ATTENDEE:urn:x-cartable:group:departement-37\r\n"               // not CUTYPE=GROUP
      "ATTENDEE;CUTYPE=GROUP;SCHEDULE-AGENT=CLIENT:/dav/principals/groups/departement-37/\r\n");
  EXPECT_TRUE(Expand(ics, &out).empty());
  EXPECT_TRUE(Lines(out, "ATTENDEE", "MEMBER=").empty()) << out;
}

TEST_F(GroupExpandTest, MembersAlreadyInvitedAreNotAddedTwice) {
  std::string out;
  Expand(Event("ATTENDEE;CUTYPE=GROUP:urn:x-cartable:group:departement-37\r\n"
               "ATTENDEE;PARTSTAT=ACCEPTED:mailto:Alice.Roy@ac-orleans-tours.fr\r\n"),
         &out);
  EXPECT_EQ(Lines(out, "ATTENDEE", "alice.roy").size(), 1u) << out;
  EXPECT_NE(AttendeeLine(out, "alice.roy").find("PARTSTAT=ACCEPTED"), std::string::npos);
  EXPECT_EQ(Lines(out, "ATTENDEE", "bruno.roy").size(), 1u) << out;
}

TEST_F(GroupExpandTest, AboveTheBoundNothingIsExpanded) {
  ctx_.options.max_group_members = 2;  // chef, alice and bruno: three members
  std::string out;
  const std::string ics = Event("ATTENDEE;CUTYPE=GROUP:urn:x-cartable:group:departement-37\r\n");
  std::map<std::string, std::string> st = Expand(ics, &out);
  ASSERT_EQ(st.size(), 1u);
  EXPECT_EQ(st.begin()->second, "5.3");
  EXPECT_TRUE(Lines(out, "ATTENDEE", "MEMBER=").empty()) << out;
  ctx_.options.max_group_members = 3;
  EXPECT_EQ(Expand(ics, &out).begin()->second, "2.0");
}

}  // namespace
}  // namespace cartable::dav::scheduling
