// iMIP mail leaves after the commit (a transactional outbox, dav/scheduling/mail_queue.h): a
// PUT inviting outside people only queues the mail and answers SCHEDULE-STATUS 1.0; the mail
// worker sends it at once and the organizer's copy then says 1.1 (or 5.1 when refused). No
// request waits on the relay, and a PUT that rolls back sends nothing. Loopback relays only:
// a silent one (accepts, never answers) and tests/clients/smtp_sink.py.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <functional>
#include <limits>
#include <optional>
#include <thread>

#include "tests/testlib/ics_text.h"
#include "tests/testlib/smtp_sink.h"
#include "tests/testlib/test_server.h"

namespace cartable {
namespace {

using testlib::AttendeeLine;
using testlib::Reply;
using testlib::TestServer;
using Clock = std::chrono::steady_clock;
using Headers = std::vector<std::pair<std::string, std::string>>;

const Headers kIcs = {{"Content-Type", "text/calendar; charset=utf-8"}};
constexpr const char* kJean = "jean.labert@ac-orleans-tours.fr";
constexpr const char* kMarie = "marie.dupont@ac-orleans-tours.fr";
constexpr const char* kPaul = "paul.martin@ac-orleans-tours.fr";
constexpr unsigned kRelayTimeout = 20;  // seconds: what a stuck relay may cost the worker

// The relay the next TestServer uses (TestServer takes a plain function to adjust its config).
unsigned g_relay_port = 0;
void UseRelay(server::Config& c) {
  c.smtp.host = "127.0.0.1";
  c.smtp.port = g_relay_port;
  c.smtp.tls = server::SmtpSettings::Tls::kNone;
  c.smtp.connect_timeout_seconds = 5;
  c.smtp.timeout_seconds = kRelayTimeout;
}

std::string Attendee(const std::string& email) {
  return "ATTENDEE;CN=" + email.substr(0, email.find('@')) +
         ";PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:" + email + "\r\n";
}

// An event organised by `organizer` with `attendees` (ATTENDEE lines).
std::string Meeting(const std::string& uid, const std::string& organizer,
                    const std::string& attendees) {
  return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Tests//FR\r\nBEGIN:VEVENT\r\nUID:" + uid +
         "\r\nDTSTAMP:20261120T080000Z\r\nSEQUENCE:0\r\nDTSTART:20261201T160000Z\r\n"
         "DTEND:20261201T170000Z\r\nSUMMARY:Conseil de classe\r\nORGANIZER:mailto:" +
         organizer + "\r\nATTENDEE;PARTSTAT=ACCEPTED:mailto:" + organizer + "\r\n" + attendees +
         "END:VEVENT\r\nEND:VCALENDAR\r\n";
}

std::string Path(const std::string& login, const std::string& name) {
  return "/dav/calendars/" + login + "/agenda/" + name;
}

void AddUsers(TestServer& server) {
  server.AddUser("jlabert", "pw", "Jean Labert", kJean);
  server.AddUser("mdupont", "pw", "Marie Dupont", kMarie);
  server.AddUser("pmartin", "pw", "Paul Martin", kPaul);
}

Reply Put(TestServer& server, const std::string& login, const std::string& name,
          const std::string& ics) {
  return server.Request("PUT", Path(login, name), ics, kIcs, login, "pw");
}

// The SCHEDULE-STATUS=... parameter of `address` in `login`'s object `name` ("" = none).
std::string StatusOf(TestServer& server, const std::string& login, const std::string& name,
                     const std::string& address) {
  Reply r = server.Request("GET", Path(login, name), "", {}, login, "pw");
  std::string line = AttendeeLine(r.body, address);
  size_t at = line.find("SCHEDULE-STATUS=");
  if (at == std::string::npos) return "";
  return line.substr(at + 16, 3);
}

// Polls `pred` every 20 ms for at most `limit`.
bool WaitFor(const std::function<bool()>& pred, std::chrono::milliseconds limit) {
  auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

size_t QueuedMail(TestServer& server) {
  Result<std::vector<store::QueuedMail>> q =
      server.store().ThreadSession().DueMail(std::numeric_limits<store::UnixTime>::max(), 1000);
  EXPECT_TRUE(q.ok());
  return q.ok() ? q->size() : 0;
}

// The worker polls every min(retry_seconds = 300, 30) s: mail that leaves within this bound
// left because the commit woke the worker.
constexpr std::chrono::seconds kWoken(10);

TEST(MailOutboxTest, StuckRelayDelaysNoRequest) {
  // Declared before the relay, so destroyed after it: the relay going away drops the worker's
  // connection, and the server then stops without waiting out the relay's timeout.
  std::optional<TestServer> server;
  testlib::SilentRelay relay;
  ASSERT_NE(relay.port(), 0u);
  g_relay_port = relay.port();
  server.emplace(UseRelay);
  TestServer& s = *server;
  AddUsers(s);
  auto start = Clock::now();
  Reply put = Put(s, "jlabert", "parents.ics",
                  Meeting("parents-1", kJean, Attendee("parent@example.org") + Attendee(kMarie)));
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(2)) << "the PUT waited on the relay";
  ASSERT_EQ(put.status, 201) << put.body;
  EXPECT_EQ(StatusOf(s, "jlabert", "parents.ics", "parent@"), "1.0");
  EXPECT_EQ(StatusOf(s, "jlabert", "parents.ics", kMarie), "1.2");

  // The worker is now connected to the relay, which says nothing for kRelayTimeout seconds.
  ASSERT_TRUE(relay.AwaitClient(std::chrono::seconds(5))) << "the worker never tried the relay";
  const std::vector<std::pair<std::string, std::string>> writes = {
      {"mdupont", Meeting("m-1", kMarie, Attendee(kPaul))},  // invites a colleague
      {"pmartin", Meeting("p-1", kPaul, "")},                // a plain event
      {"mdupont", Meeting("m-2", kMarie, Attendee(kJean))},
      {"jlabert", Meeting("j-2", kJean, Attendee("autre@example.org"))},  // more mail
  };
  int n = 0;
  for (const auto& [login, ics] : writes) {
    auto t0 = Clock::now();
    Reply r = Put(s, login, "w" + std::to_string(++n) + ".ics", ics);
    auto took = Clock::now() - t0;
    EXPECT_EQ(r.status, 201) << login << ": " << r.body;
    EXPECT_LT(took, std::chrono::seconds(2))
        << login << "'s PUT took " << std::chrono::duration<double>(took).count()
        << " s while the worker was stuck on the relay";
  }
  EXPECT_EQ(StatusOf(s, "jlabert", "w4.ics", "autre@"), "1.0");
  // Still stuck: nothing was sent, the statuses still say queued.
  EXPECT_EQ(StatusOf(s, "jlabert", "parents.ics", "parent@"), "1.0");
  EXPECT_EQ(QueuedMail(s), 2u);
}

TEST(MailOutboxTest, StatusBecomes11OnceTheWorkerSent) {
  testlib::SmtpSink sink;
  g_relay_port = sink.WaitForPort();
  ASSERT_NE(g_relay_port, 0u) << "the SMTP sink did not start";
  TestServer s(UseRelay);
  AddUsers(s);
  ASSERT_EQ(
      Put(s, "jlabert", "parents.ics", Meeting("parents-1", kJean, Attendee("parent@example.org")))
          .status,
      201);
  std::string at_once = StatusOf(s, "jlabert", "parents.ics", "parent@");
  EXPECT_TRUE(at_once == "1.0" || at_once == "1.1") << at_once;  // the worker may be quick
  EXPECT_TRUE(WaitFor([&] { return sink.Stored(1); }, kWoken)) << "no mail at the relay";
  EXPECT_TRUE(
      WaitFor([&] { return StatusOf(s, "jlabert", "parents.ics", "parent@") == "1.1"; }, kWoken));
  EXPECT_NE(testlib::ReadFile(sink.Message(1, ".json")).find("[\"parent@example.org\"]"),
            std::string::npos);
  EXPECT_EQ(QueuedMail(s), 0u);
  EXPECT_FALSE(sink.Stored(2));
}

TEST(MailOutboxTest, StatusIs10AtCommitWhileTheWorkerIsAway) {
  testlib::SmtpSink sink;
  g_relay_port = sink.WaitForPort();
  ASSERT_NE(g_relay_port, 0u) << "the SMTP sink did not start";
  TestServer s(UseRelay);
  AddUsers(s);
  s.app().mail_queue().Stop();  // deterministic: nothing can send before we look
  ASSERT_EQ(
      Put(s, "jlabert", "parents.ics", Meeting("parents-1", kJean, Attendee("parent@example.org")))
          .status,
      201);
  EXPECT_EQ(StatusOf(s, "jlabert", "parents.ics", "parent@"), "1.0");
  EXPECT_EQ(QueuedMail(s), 1u);
  EXPECT_FALSE(sink.Stored(1));
  EXPECT_EQ(s.app().mail_queue().RunOnce(), 1);
  EXPECT_TRUE(sink.Stored(1));
  EXPECT_EQ(StatusOf(s, "jlabert", "parents.ics", "parent@"), "1.1");
}

TEST(MailOutboxTest, PermanentlyRefusedRecipientEndsAt51) {
  testlib::SmtpSink sink({"--reject-rcpt", "refuse@example.org"});
  g_relay_port = sink.WaitForPort();
  ASSERT_NE(g_relay_port, 0u) << "the SMTP sink did not start";
  TestServer s(UseRelay);
  AddUsers(s);
  ASSERT_EQ(
      Put(s, "jlabert", "refused.ics", Meeting("refused-1", kJean, Attendee("refuse@example.org")))
          .status,
      201);
  EXPECT_TRUE(
      WaitFor([&] { return StatusOf(s, "jlabert", "refused.ics", "refuse@") == "5.1"; }, kWoken));
  EXPECT_EQ(QueuedMail(s), 0u) << "a refused mail is not retried";
  EXPECT_FALSE(sink.Stored(1));
}

TEST(MailOutboxTest, RolledBackPutSendsNothing) {
  testlib::SmtpSink sink;
  g_relay_port = sink.WaitForPort();
  ASSERT_NE(g_relay_port, 0u) << "the SMTP sink did not start";
  TestServer s(UseRelay);
  AddUsers(s);
  // Storing the organizer's object fails after scheduling queued the mail: the PUT answers an
  // error and its transaction rolls back.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((s.data_dir() + "/cartable.db").c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  ASSERT_EQ(sqlite3_exec(db,
                         "CREATE TRIGGER test_refuse BEFORE INSERT ON objects "
                         "WHEN NEW.name = 'rollback.ics' "
                         "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END",
                         nullptr, nullptr, &err),
            SQLITE_OK)
      << (err ? err : "");
  sqlite3_close(db);

  Reply put = Put(s, "jlabert", "rollback.ics",
                  Meeting("rollback-1", kJean, Attendee("parent@example.org")));
  EXPECT_GE(put.status, 500) << put.body;
  EXPECT_EQ(QueuedMail(s), 0u);
  EXPECT_EQ(s.app().mail_queue().RunOnce(), 0);
  EXPECT_FALSE(sink.Stored(1));

  // The same invitation under another name commits, and its mail is the first the relay sees.
  ASSERT_EQ(Put(s, "jlabert", "committed.ics",
                Meeting("rollback-1", kJean, Attendee("parent@example.org")))
                .status,
            201);
  EXPECT_TRUE(WaitFor([&] { return sink.Stored(1); }, kWoken));
  EXPECT_FALSE(sink.Stored(2));
}

// `cartable imip deliver` and the other CLI commands run no mail worker: what such a process
// commits to the queue (here: through a store handle of its own) is sent by the running
// server's worker on its poll (every min(retry_seconds, 30) s), though nothing woke it.
void UseRelayPollingEverySecond(server::Config& c) {
  UseRelay(c);
  c.mail_retry_seconds = 1;
}

TEST(MailOutboxTest, MailQueuedByAnotherProcessIsSentOnThePoll) {
  testlib::SmtpSink sink;
  g_relay_port = sink.WaitForPort();
  ASSERT_NE(g_relay_port, 0u) << "the SMTP sink did not start";
  TestServer s(UseRelayPollingEverySecond);
  Result<std::unique_ptr<store::Store>> other = store::OpenSqliteStore(s.data_dir());
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  store::Session& session = (*other)->ThreadSession();
  {
    Result<std::unique_ptr<store::Transaction>> txn = session.Begin(true);
    ASSERT_TRUE(txn.ok());
    store::QueuedMail mail;
    mail.envelope_from = kMarie;
    mail.recipient = "orga@example.org";
    mail.message = "From: <marie.dupont@ac-orleans-tours.fr>\r\nSubject: x\r\n\r\nx\r\n";
    mail.next_attempt = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    ASSERT_TRUE(session.EnqueueMail(mail).ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  EXPECT_TRUE(WaitFor([&] { return sink.Stored(1); }, std::chrono::seconds(10)));
  EXPECT_TRUE(WaitFor([&] { return QueuedMail(s) == 0; }, std::chrono::seconds(5)));
}

}  // namespace
}  // namespace cartable
