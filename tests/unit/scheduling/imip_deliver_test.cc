// `cartable imip deliver` without the CLI: real messages built by GMime (test_mail.h) applied to
// a real store. A message changes a calendar only when our MTA's Authentication-Results vouches
// for its From address, and From is the organizer (or the answering attendee) of the event.
#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>
#include <sstream>
#include <streambuf>

#include "dav/caldav/calendar_collection.h"
#include "dav/scheduling/delivery.h"
#include "dav/scheduling/imip_in.h"
#include "tests/testlib/ics_text.h"
#include "tests/testlib/temp_store.h"
#include "tests/unit/dav/dav_test_util.h"
#include "tests/unit/scheduling/test_mail.h"

namespace cartable::dav::scheduling {
namespace {

using testing::BuildTestMail;
using testing::TestMail;

constexpr char kMx[] = "mx.ac-orleans-tours.fr";
constexpr char kJean[] = "jean.labert@ac-orleans-tours.fr";
constexpr char kMarie[] = "marie.dupont@ac-orleans-tours.fr";
constexpr char kOrga[] = "orga@example.org";
constexpr char kParent[] = "parent@example.org";

// What our MTA prepends after checking DKIM and DMARC for `domain` (GMime folds it).
std::string Pass(const std::string& domain) {
  return std::string(kMx) + "; dkim=pass (2048-bit key) header.d=" + domain +
         " header.s=sel header.b=AbCd+/e; spf=pass smtp.mailfrom=" + domain +
         "; dmarc=pass (p=reject dis=none) header.from=" + domain;
}

// An outside organizer's REQUEST/CANCEL inviting Marie (Outlook's shape, trimmed).
std::string OutsideEvent(const std::string& method, const std::string& start,
                         const std::string& organizer = kOrga, const std::string& extra = "") {
  return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\nMETHOD:" + method +
         "\r\nBEGIN:VEVENT\r\nUID:reunion-externe\r\nDTSTAMP:20261121T080000Z\r\nSEQUENCE:" +
         (method == "CANCEL" ? "1\r\nSTATUS:CANCELLED" : "0") + "\r\nDTSTART:" + start +
         "\r\nDURATION:PT1H\r\nSUMMARY:Réunion partenaires\r\n" + extra +
         "ORGANIZER;CN=Organisatrice:mailto:" + organizer +
         "\r\nATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:" + kMarie +
         "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
}

std::string Reply(const std::string& attendee, const std::string& partstat) {
  return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Other//EN\r\nMETHOD:REPLY\r\n"
         "BEGIN:VEVENT\r\nUID:conseil\r\nDTSTAMP:20261121T080000Z\r\nSEQUENCE:0\r\n"
         "ORGANIZER:mailto:" +
         std::string(kJean) + "\r\nATTENDEE;PARTSTAT=" + partstat + ":mailto:" + attendee +
         "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
}

TestMail Mail(const std::string& from, const std::string& method, const std::string& ics,
              std::vector<std::string> auth = {}) {
  TestMail m;
  m.from = {from};
  m.method = method;
  m.ics = ics;
  m.authentication_results = std::move(auth);
  return m;
}

class ImipDeliverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dav::testing::AddJeanLabert(session());
    dav::testing::AddUser(session(), "mdupont", "Marie Dupont", kMarie);
    options_.sender.trusted_authserv_ids = {kMx};
    options_.max_message_bytes = 1 << 20;
  }

  store::Session& session() { return store_->ThreadSession(); }

  DeliveryOutcome Deliver(const std::string& recipient, const TestMail& mail) {
    return DeliverImip(ctx_, recipient, BuildTestMail(mail), options_);
  }

  // `login`'s copy of `uid`, "" when they have none.
  std::string Copy(const std::string& login, const std::string& uid) {
    Result<store::User> user = session().GetUserByLogin(login);
    EXPECT_TRUE(user.ok());
    auto txn = session().Begin(true);
    Result<internal::Copy> copy = internal::FindCopy(session(), *user, uid);
    EXPECT_TRUE(copy.ok());
    return copy.ok() && copy->found ? *copy->object.data : "";
  }

  // Jean's own meeting "conseil", the outside parent and Marie invited.
  void StoreJeansMeeting() {
    const std::string ics =
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:conseil\r\n"
        "DTSTAMP:20261201T080000Z\r\nDTSTART:20270112T160000Z\r\nDURATION:PT1H\r\n"
        "SUMMARY:Conseil de classe\r\nORGANIZER:mailto:" +
        std::string(kJean) + "\r\nATTENDEE;PARTSTAT=ACCEPTED:mailto:" + kJean +
        "\r\nATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:" + kParent +
        "\r\nATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:" + kMarie +
        "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    Result<store::User> jean = session().GetUserByLogin("jlabert");
    ASSERT_TRUE(jean.ok());
    auto txn = session().Begin(true);
    Result<std::vector<store::Collection>> calendars = internal::Calendars(session(), *jean);
    ASSERT_TRUE(calendars.ok() && !calendars->empty());
    Result<store::ObjectIndex> index =
        caldav::ValidateForCalendar(session(), calendars->front(), "conseil.ics", ics);
    ASSERT_TRUE(index.ok()) << index.status().ToString();
    ASSERT_TRUE(
        session()
            .PutObject(calendars->front().id, "conseil.ics", internal::kCalendarType, ics, *index)
            .ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }

  testlib::TempStore store_;
  DavContext ctx_{*store_, {}, [] { return std::chrono::system_clock::now(); }};
  ImipInboundOptions options_;
};

TEST_F(ImipDeliverTest, ForgedOrganizerWithoutAuthenticationChangesNothing) {
  DeliveryOutcome out = Deliver(
      kMarie,
      Mail(kOrga, "REQUEST", OutsideEvent("REQUEST", "20270115T090000Z"), {Pass("example.org")}));
  ASSERT_EQ(out.exit_code, kExOk) << out.message;
  const std::string before = Copy("mdupont", "reunion-externe");
  ASSERT_NE(before.find("20270115T090000Z"), std::string::npos);

  // The same organizer's address typed by anyone: no Authentication-Results at all.
  out = Deliver(kMarie, Mail(kOrga, "REQUEST", OutsideEvent("REQUEST", "20270116T090000Z")));
  EXPECT_EQ(out.exit_code, kExNoPerm) << out.message;
  EXPECT_NE(out.message.find("not authenticated"), std::string::npos) << out.message;
  out = Deliver(kMarie, Mail(kOrga, "CANCEL", OutsideEvent("CANCEL", "20270115T090000Z")));
  EXPECT_EQ(out.exit_code, kExNoPerm) << out.message;
  EXPECT_EQ(Copy("mdupont", "reunion-externe"), before) << "neither rescheduled nor cancelled";

  // Sender: and Return-Path: vouch for nothing either.
  TestMail with_sender = Mail(kOrga, "CANCEL", OutsideEvent("CANCEL", "20270115T090000Z"));
  std::string raw = "Return-Path: <orga@example.org>\r\nSender: orga@example.org\r\n" +
                    BuildTestMail(with_sender);
  EXPECT_EQ(DeliverImip(ctx_, kMarie, raw, options_).exit_code, kExNoPerm);
  EXPECT_EQ(Copy("mdupont", "reunion-externe"), before);

  // The organizer's real CANCEL, vouched for by our MTA, applies.
  out = Deliver(kMarie, Mail(kOrga, "CANCEL", OutsideEvent("CANCEL", "20270115T090000Z"),
                             {Pass("example.org")}));
  EXPECT_EQ(out.exit_code, kExOk) << out.message;
  EXPECT_NE(Copy("mdupont", "reunion-externe").find("STATUS:CANCELLED"), std::string::npos);
}

TEST_F(ImipDeliverTest, OnlyATrustedPassVouches) {
  const std::string ics = OutsideEvent("REQUEST", "20270115T090000Z");
  const std::vector<std::pair<std::string, std::string>> refused = {
      {"untrusted authserv-id", "mx.evil.example; dmarc=pass header.from=example.org"},
      {"dmarc=fail", std::string(kMx) + "; dmarc=fail (p=reject) header.from=example.org"},
      {"dmarc=none", std::string(kMx) + "; dmarc=none header.from=example.org"},
      {"pass for another domain", Pass("evil.example")},
      {"none", std::string(kMx) + "; none"},
  };
  for (const auto& [what, field] : refused) {
    DeliveryOutcome out = Deliver(kMarie, Mail(kOrga, "REQUEST", ics, {field}));
    EXPECT_EQ(out.exit_code, kExNoPerm) << what << ": " << out.message;
    EXPECT_EQ(Copy("mdupont", "reunion-externe"), "") << what;
  }
  // Our MTA's verdict on top, a forged "pass" with our id further down: the top one counts.
  DeliveryOutcome out = Deliver(
      kMarie,
      Mail(kOrga, "REQUEST", ics,
           {std::string(kMx) + "; dmarc=fail header.from=example.org", Pass("example.org")}));
  EXPECT_EQ(out.exit_code, kExNoPerm) << out.message;
  EXPECT_EQ(Copy("mdupont", "reunion-externe"), "");

  out = Deliver(
      kMarie, Mail(kOrga, "REQUEST", ics, {"relay.example.net; dmarc=fail", Pass("example.org")}));
  EXPECT_EQ(out.exit_code, kExOk) << out.message;
  EXPECT_NE(Copy("mdupont", "reunion-externe"), "");
}

TEST_F(ImipDeliverTest, NothingTrustedRefusesEverything) {
  options_.sender.trusted_authserv_ids.clear();  // the default
  DeliveryOutcome out = Deliver(
      kMarie,
      Mail(kOrga, "REQUEST", OutsideEvent("REQUEST", "20270115T090000Z"), {Pass("example.org")}));
  EXPECT_EQ(out.exit_code, kExNoPerm) << out.message;
  EXPECT_NE(out.message.find("trusted_authserv_ids"), std::string::npos) << out.message;
}

TEST_F(ImipDeliverTest, RequireDkimWantsAnAlignedSignature) {
  options_.sender.require = SenderCheck::kDkim;
  const std::string ics = OutsideEvent("REQUEST", "20270115T090000Z");
  DeliveryOutcome out =
      Deliver(kMarie, Mail(kOrga, "REQUEST", ics,
                           {std::string(kMx) + "; dkim=pass header.d=mailer.example.net; "
                                               "dmarc=pass header.from=example.org"}));
  EXPECT_EQ(out.exit_code, kExNoPerm) << "a third party's signature: " << out.message;
  EXPECT_EQ(Copy("mdupont", "reunion-externe"), "");
  out = Deliver(
      kMarie, Mail(kOrga, "REQUEST", ics, {std::string(kMx) + "; dkim=pass header.d=example.org"}));
  EXPECT_EQ(out.exit_code, kExOk) << out.message;
  EXPECT_NE(Copy("mdupont", "reunion-externe"), "");
}

TEST_F(ImipDeliverTest, ForgedReplyFromAnAttendeeIsRefusedARealOneApplies) {
  StoreJeansMeeting();
  const std::string before = Copy("jlabert", "conseil");
  ASSERT_NE(before, "");
  // "From the parent", typed by anyone: refused, Jean's event unchanged.
  DeliveryOutcome out = Deliver(kJean, Mail(kParent, "REPLY", Reply(kParent, "DECLINED")));
  EXPECT_EQ(out.exit_code, kExNoPerm) << out.message;
  EXPECT_EQ(Copy("jlabert", "conseil"), before);
  // A forged colleague follows the same rule (our own domain is no exception).
  out = Deliver(kJean, Mail(kMarie, "REPLY", Reply(kMarie, "DECLINED")));
  EXPECT_EQ(out.exit_code, kExNoPerm) << out.message;
  EXPECT_EQ(Copy("jlabert", "conseil"), before);
  // Someone authenticated for example.org, answering for the parent: still refused.
  out = Deliver(kJean, Mail("mallory@example.org", "REPLY", Reply(kParent, "DECLINED"),
                            {Pass("example.org")}));
  EXPECT_EQ(out.exit_code, kExNoPerm) << out.message;
  EXPECT_EQ(Copy("jlabert", "conseil"), before);

  out = Deliver(kJean, Mail(kParent, "REPLY", Reply(kParent, "ACCEPTED"), {Pass("example.org")}));
  EXPECT_EQ(out.exit_code, kExOk) << out.message;
  const std::string after = testlib::AttendeeLine(Copy("jlabert", "conseil"), kParent);
  EXPECT_NE(after.find("PARTSTAT=ACCEPTED"), std::string::npos) << after;
}

TEST_F(ImipDeliverTest, TheAuthenticatedSenderMustBeTheOrganizer) {
  const std::string ics = OutsideEvent("REQUEST", "20270115T090000Z");
  ASSERT_EQ(Deliver(kMarie, Mail(kOrga, "REQUEST", ics, {Pass("example.org")})).exit_code, kExOk);
  const std::string before = Copy("mdupont", "reunion-externe");
  DeliveryOutcome out =
      Deliver(kMarie, Mail("mallory@example.org", "CANCEL",
                           OutsideEvent("CANCEL", "20270115T090000Z"), {Pass("example.org")}));
  EXPECT_EQ(out.exit_code, kExNoPerm) << out.message;
  // An override naming another ORGANIZER than the sender's: one person per message.
  const std::string two_organizers =
      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\nMETHOD:REQUEST\r\n"
      "BEGIN:VEVENT\r\nUID:reunion-externe\r\nDTSTAMP:20261121T080000Z\r\nSEQUENCE:2\r\n"
      "DTSTART:20270115T090000Z\r\nDURATION:PT1H\r\nRRULE:FREQ=DAILY;COUNT=3\r\n"
      "SUMMARY:Réunion\r\nORGANIZER:mailto:orga@example.org\r\n"
      "ATTENDEE:mailto:marie.dupont@ac-orleans-tours.fr\r\nEND:VEVENT\r\n"
      "BEGIN:VEVENT\r\nUID:reunion-externe\r\nDTSTAMP:20261121T080000Z\r\nSEQUENCE:2\r\n"
      "RECURRENCE-ID:20270116T090000Z\r\nDTSTART:20270116T150000Z\r\nDURATION:PT1H\r\n"
      "SUMMARY:Réunion\r\nORGANIZER:mailto:jean.labert@ac-orleans-tours.fr\r\n"
      "ATTENDEE:mailto:marie.dupont@ac-orleans-tours.fr\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
  out = Deliver(kMarie, Mail(kOrga, "REQUEST", two_organizers, {Pass("example.org")}));
  EXPECT_EQ(out.exit_code, kExNoPerm) << out.message;
  EXPECT_EQ(Copy("mdupont", "reunion-externe"), before);
}

TEST_F(ImipDeliverTest, OneAuthorOnly) {
  const std::string ics = OutsideEvent("REQUEST", "20270115T090000Z");
  TestMail two_mailboxes =
      Mail("orga@example.org, mallory@evil.example", "REQUEST", ics, {Pass("example.org")});
  EXPECT_EQ(Deliver(kMarie, two_mailboxes).exit_code, kExNoPerm);
  TestMail two_fields = Mail(kOrga, "REQUEST", ics, {Pass("example.org")});
  two_fields.from.push_back("mallory@evil.example");
  EXPECT_EQ(Deliver(kMarie, two_fields).exit_code, kExNoPerm);
  EXPECT_EQ(Copy("mdupont", "reunion-externe"), "");
}

TEST_F(ImipDeliverTest, RequireNoneAppliesButWarnsEveryTime) {
  options_.sender.require = SenderCheck::kNone;
  DeliveryOutcome out =
      Deliver(kMarie, Mail(kOrga, "REQUEST", OutsideEvent("REQUEST", "20270115T090000Z")));
  EXPECT_EQ(out.exit_code, kExOk) << out.message;
  EXPECT_NE(out.warning.find("NOT authenticated"), std::string::npos) << out.warning;
}

TEST_F(ImipDeliverTest, TooLargeMessagesAreDataErrorsBeforeParsing) {
  options_.max_message_bytes = 4096;
  TestMail big =
      Mail(kOrga, "REQUEST", OutsideEvent("REQUEST", "20270115T090000Z"), {Pass("example.org")});
  big.text = std::string(100000, 'x');
  DeliveryOutcome out = Deliver(kMarie, big);
  EXPECT_EQ(out.exit_code, kExDataErr) << out.message;
  EXPECT_NE(out.message.find("max_message_bytes"), std::string::npos) << out.message;
  EXPECT_EQ(Copy("mdupont", "reunion-externe"), "");
}

TEST_F(ImipDeliverTest, ACalendarObjectOverTheResourceSizeIsADataError) {
  // max-resource-size (caldav::kMaxCalendarResourceSize) is a 403 precondition over HTTP; for
  // the MTA the message is bad: 65, not 77 (which would say the sender is not allowed).
  options_.max_message_bytes = 4 << 20;
  const std::string description =
      "DESCRIPTION:" + std::string(caldav::kMaxCalendarResourceSize, 'x') + "\r\n";
  DeliveryOutcome out =
      Deliver(kMarie, Mail(kOrga, "REQUEST",
                           OutsideEvent("REQUEST", "20270115T090000Z", kOrga, description),
                           {Pass("example.org")}));
  EXPECT_EQ(out.exit_code, kExDataErr) << out.message;
  EXPECT_EQ(Copy("mdupont", "reunion-externe"), "");
}

// An endless input that counts what was taken from it.
class EndlessBuf : public std::streambuf {
 public:
  uint64_t taken = 0;

 protected:
  int_type underflow() override {
    std::fill(std::begin(buf_), std::end(buf_), 'x');
    setg(buf_, buf_, buf_ + sizeof buf_);
    taken += sizeof buf_;
    return 'x';
  }

 private:
  char buf_[4096];
};

TEST(ReadImipMessageTest, StopsReadingPastTheBound) {
  EndlessBuf endless;
  std::istream in(&endless);
  std::string raw;
  DeliveryOutcome out = ReadImipMessage(in, 1 << 20, &raw);
  EXPECT_EQ(out.exit_code, kExDataErr) << out.message;
  EXPECT_LE(endless.taken, (1u << 20) + (128u << 10)) << "read past the bound";
  EXPECT_TRUE(raw.empty());

  std::istringstream small("From: a@example.org\r\n\r\nbody");
  out = ReadImipMessage(small, 1 << 20, &raw);
  EXPECT_EQ(out.exit_code, kExOk);
  EXPECT_EQ(raw, "From: a@example.org\r\n\r\nbody");
  std::istringstream exact(std::string(100, 'x'));
  EXPECT_EQ(ReadImipMessage(exact, 100, &raw).exit_code, kExOk) << "the bound itself is allowed";
  std::istringstream over(std::string(101, 'x'));
  EXPECT_EQ(ReadImipMessage(over, 100, &raw).exit_code, kExDataErr);
}

// A calendar part that would break its recipient's sync (a control character, bytes that are not
// UTF-8) is refused at the door like a PUT, even from an authenticated organizer.
TEST_F(ImipDeliverTest, CalendarTextIsCheckedLikeAPut) {
  for (const std::string& extra :
       {std::string("DESCRIPTION:bip\x01\r\n"), std::string("DESCRIPTION:caf\xe9\r\n")}) {
    DeliveryOutcome out = Deliver(
        kMarie, Mail(kOrga, "REQUEST", OutsideEvent("REQUEST", "20270115T090000Z", kOrga, extra),
                     {Pass("example.org")}));
    EXPECT_EQ(out.exit_code, kExDataErr) << out.message;
    EXPECT_NE(out.message.find("line"), std::string::npos) << out.message;
    EXPECT_EQ(Copy("mdupont", "reunion-externe"), "");
  }
}

}  // namespace
}  // namespace cartable::dav::scheduling
