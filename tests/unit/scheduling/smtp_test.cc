// The libcurl SMTP client against a real relay on loopback (tests/clients/smtp_sink.py), and
// the [mail]/[scheduling] configuration that feeds it.
#include "server/smtp.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "server/config.h"
#include "tests/testlib/smtp_sink.h"

namespace cartable::server {
namespace {

using Clock = std::chrono::steady_clock;

using testlib::ReadFile;
using testlib::SmtpSink;
using MailSender = dav::scheduling::MailSender;

SmtpSettings Loopback(unsigned port) {
  SmtpSettings s;
  s.host = "127.0.0.1";
  s.port = port;
  s.tls = SmtpSettings::Tls::kNone;
  s.connect_timeout_seconds = 5;
  s.timeout_seconds = 20;
  return s;
}

const char kMessage[] =
    "From: Jean Labert <jean.labert@ac-orleans-tours.fr>\r\n"
    "To: parent@example.com, marie.curie@ac-orleans-tours.fr\r\n"
    "Subject: Invitation\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "Bonjour,\r\n"
    ".une ligne qui commence par un point\r\n"
    ".\r\n"
    "fin\r\n";

TEST(SmtpTest, DeliversMessageAndEnvelope) {
  SmtpSink sink;
  unsigned port = sink.WaitForPort();
  ASSERT_NE(port, 0u) << "the SMTP sink did not start";
  std::unique_ptr<MailSender> sender = MakeSmtpSender(Loopback(port));
  Status s = sender->Send("jean.labert@ac-orleans-tours.fr",
                          {"parent@example.com", "marie.curie@ac-orleans-tours.fr"}, kMessage);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_TRUE(sink.Stored(1));
  EXPECT_EQ(ReadFile(sink.Message(1, ".eml")), kMessage);  // dot-stuffing undone, CRLF kept
  EXPECT_EQ(ReadFile(sink.Message(1, ".json")),
            "{\"mail_from\": \"jean.labert@ac-orleans-tours.fr\", \"rcpt_tos\": "
            "[\"parent@example.com\", \"marie.curie@ac-orleans-tours.fr\"]}");

  // The same sender again, several threads at once (each Send has its own handle).
  std::vector<std::thread> threads;
  std::vector<Status> results(3);
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&, i] { results[i] = sender->Send("a@b.fr", {"c@d.fr"}, kMessage); });
  }
  for (std::thread& t : threads) t.join();
  for (const Status& r : results) EXPECT_TRUE(r.ok()) << r.ToString();
  EXPECT_TRUE(sink.Stored(4));
}

TEST(SmtpTest, OpportunisticStartTlsFallsBackToPlain) {
  SmtpSink sink;
  unsigned port = sink.WaitForPort();
  ASSERT_NE(port, 0u);
  SmtpSettings settings = Loopback(port);
  settings.tls = SmtpSettings::Tls::kStartTls;  // the sink offers no STARTTLS
  Status s = MakeSmtpSender(settings)->Send("a@b.fr", {"c@d.fr"}, kMessage);
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(sink.Stored(1));
}

TEST(SmtpTest, RequiredStartTlsMissingIsUnavailable) {
  SmtpSink sink;
  unsigned port = sink.WaitForPort();
  ASSERT_NE(port, 0u);
  SmtpSettings settings = Loopback(port);
  settings.tls = SmtpSettings::Tls::kRequireStartTls;
  Status s = MakeSmtpSender(settings)->Send("a@b.fr", {"c@d.fr"}, kMessage);
  EXPECT_EQ(s.code(), Status::Code::kUnavailable) << s.ToString();
  EXPECT_FALSE(sink.Stored(1)) << "nothing may be sent in clear text";
}

TEST(SmtpTest, RejectedRecipientIsPermanent) {
  SmtpSink sink({"--reject-rcpt", "inconnu@example.com"});
  unsigned port = sink.WaitForPort();
  ASSERT_NE(port, 0u);
  Status s = MakeSmtpSender(Loopback(port))
                 ->Send("a@b.fr", {"parent@example.com", "inconnu@example.com"}, kMessage);
  EXPECT_EQ(s.code(), Status::Code::kBadRequest) << s.ToString();
  EXPECT_NE(s.message().find("550"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("User unknown"), std::string::npos) << s.message();
  EXPECT_FALSE(sink.Stored(1)) << "a partly refused message must not be sent";
}

TEST(SmtpTest, TemporaryFailureIsUnavailable) {
  SmtpSink sink({"--tempfail"});
  unsigned port = sink.WaitForPort();
  ASSERT_NE(port, 0u);
  Status s = MakeSmtpSender(Loopback(port))->Send("a@b.fr", {"c@d.fr"}, kMessage);
  EXPECT_EQ(s.code(), Status::Code::kUnavailable) << s.ToString();
  EXPECT_NE(s.message().find("451"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("try again later"), std::string::npos) << s.message();
}

// A loopback port nobody listens on: bound by us, then released.
unsigned ClosedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  unsigned port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

TEST(SmtpTest, ClosedPortIsUnavailable) {
  unsigned port = ClosedPort();
  ASSERT_NE(port, 0u);
  auto start = Clock::now();
  Status s = MakeSmtpSender(Loopback(port))->Send("a@b.fr", {"c@d.fr"}, kMessage);
  EXPECT_EQ(s.code(), Status::Code::kUnavailable) << s.ToString();
  EXPECT_NE(s.message().find("127.0.0.1:" + std::to_string(port)), std::string::npos)
      << s.message();
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
}

TEST(SmtpTest, SilentRelayTimesOut) {
  // Accepts connections (the kernel's backlog does) but never says hello.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(fd, 4), 0);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  SmtpSettings settings = Loopback(ntohs(addr.sin_port));
  settings.timeout_seconds = 1;
  auto start = Clock::now();
  Status s = MakeSmtpSender(settings)->Send("a@b.fr", {"c@d.fr"}, kMessage);
  close(fd);
  EXPECT_EQ(s.code(), Status::Code::kUnavailable) << s.ToString();
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(4));
}

TEST(SmtpTest, NoRelayConfigured) {
  Status s = MakeSmtpSender(SmtpSettings{})->Send("a@b.fr", {"c@d.fr"}, kMessage);
  EXPECT_EQ(s.code(), Status::Code::kUnavailable);
  EXPECT_EQ(s.message(), "no SMTP relay configured");
}

TEST(SmtpTest, RefusesUnsafeAddressesWithoutConnecting) {
  std::unique_ptr<MailSender> sender = MakeSmtpSender(Loopback(ClosedPort()));
  EXPECT_EQ(sender->Send("a@b.fr", {}, kMessage).code(), Status::Code::kBadRequest);
  EXPECT_EQ(sender->Send("a@b.fr", {"c@d.fr>\r\nRCPT TO:<x@y.fr"}, kMessage).code(),
            Status::Code::kBadRequest);
  EXPECT_EQ(sender->Send("a@b.fr\r\nDATA", {"c@d.fr"}, kMessage).code(), Status::Code::kBadRequest);
}

TEST(MailConfigTest, ParseRelay) {
  SmtpSettings s;
  EXPECT_EQ(ParseRelay("smtp.ac-orleans-tours.fr", s), "");
  EXPECT_EQ(s.host, "smtp.ac-orleans-tours.fr");
  EXPECT_EQ(s.port, 25u);
  EXPECT_EQ(ParseRelay("127.0.0.1:2525", s), "");
  EXPECT_EQ(s.host, "127.0.0.1");
  EXPECT_EQ(s.port, 2525u);
  EXPECT_EQ(ParseRelay("[::1]:587", s), "");
  EXPECT_EQ(s.host, "::1");
  EXPECT_EQ(s.port, 587u);
  EXPECT_EQ(ParseRelay("[::1]", s), "");
  EXPECT_EQ(s.port, 25u);
  SmtpSettings untouched;
  for (const char* bad : {"", ":25", "host:", "[::1]:", "host:0", "host:70000", "host:2x", "::1:25",
                          "[::1", "[::1]x25"}) {
    EXPECT_NE(ParseRelay(bad, untouched), "") << bad;
  }
  EXPECT_EQ(untouched.host, "");
}

TEST(MailConfigTest, ReadsMailAndSchedulingSections) {
  std::string path =
      ::testing::TempDir() + "/cartable_mail_config_" + std::to_string(getpid()) + ".ini";
  std::ofstream(path) << "[scheduling]\nenabled = false\n"
                         "internal_domains = AC-Orleans-Tours.fr, , ac-paris.fr\n"
                         "[mail]\nrelay = [::1]:2525\ntls = require-starttls\n"
                         "username = agenda\npassword = s3cret\nverify_peer = no\n"
                         "timeout_seconds = 7\nfrom = agenda@ac-orleans-tours.fr\n"
                         "retry_seconds = 60\nexpire_hours = 48\n";
  Config c;
  EXPECT_EQ(c.LoadFile(path), "");
  EXPECT_FALSE(c.scheduling);
  EXPECT_EQ(c.internal_domains, (std::vector<std::string>{"ac-orleans-tours.fr", "ac-paris.fr"}));
  EXPECT_EQ(c.smtp.host, "::1");
  EXPECT_EQ(c.smtp.port, 2525u);
  EXPECT_EQ(c.smtp.tls, SmtpSettings::Tls::kRequireStartTls);
  EXPECT_EQ(c.smtp.username, "agenda");
  EXPECT_EQ(c.smtp.password, "s3cret");
  EXPECT_FALSE(c.smtp.verify_peer);
  EXPECT_EQ(c.smtp.timeout_seconds, 7u);
  EXPECT_EQ(c.mail_from, "agenda@ac-orleans-tours.fr");
  EXPECT_EQ(c.mail_retry_seconds, 60u);
  EXPECT_EQ(c.mail_expire_hours, 48u);

  Config defaults;
  EXPECT_TRUE(defaults.scheduling);
  EXPECT_EQ(defaults.smtp.host, "");
  EXPECT_EQ(defaults.smtp.tls, SmtpSettings::Tls::kStartTls);

  std::ofstream(path) << "[mail]\ntls = ssl\n";
  Config bad;
  EXPECT_NE(bad.LoadFile(path).find("invalid tls"), std::string::npos);
  std::ofstream(path) << "[mail]\nrelay = host:99999\n";
  EXPECT_NE(Config().LoadFile(path), "");
  std::ofstream(path) << "[scheduling]\nenabled = maybe\n";
  EXPECT_NE(Config().LoadFile(path), "");
  unlink(path.c_str());
}

}  // namespace
}  // namespace cartable::server
