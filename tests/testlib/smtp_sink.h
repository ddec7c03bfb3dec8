// SMTP relays for tests, on loopback with ephemeral ports: a real one that stores what it
// accepts (tests/clients/smtp_sink.py, python3-aiosmtpd, as a child process) and a silent one
// that accepts connections and never answers.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace cartable::testlib {

// The sink as a child process: started in the constructor, terminated (SIGTERM, then SIGKILL)
// and its directory removed in the destructor, whatever the test did in between.
class SmtpSink {
 public:
  // `extra_args`: smtp_sink.py options ("--reject-rcpt", ADDR; "--tempfail").
  explicit SmtpSink(std::vector<std::string> extra_args = {});
  ~SmtpSink();
  SmtpSink(const SmtpSink&) = delete;
  SmtpSink& operator=(const SmtpSink&) = delete;

  // The port the sink listens on, once it says so (at most 20 s); 0 if it never does.
  unsigned WaitForPort();

  // Message n (1, 2, ...): its bytes (".eml") and envelope (".json").
  std::filesystem::path Message(int n, const char* ext) const;
  bool Stored(int n) const;

 private:
  // Waits up to `limit` for the child to exit; true once it has been reaped.
  bool Reap(std::chrono::milliseconds limit);

  pid_t pid_ = -1;
  std::filesystem::path dir_;
};

// A loopback listening socket that accepts connections (the kernel's backlog does) and never
// says a word: an SMTP relay that hangs until the client's timeout.
class SilentRelay {
 public:
  SilentRelay();   // port() is 0 when the socket could not be set up
  ~SilentRelay();  // closes everything: a client still waiting sees the connection drop
  SilentRelay(const SilentRelay&) = delete;
  SilentRelay& operator=(const SilentRelay&) = delete;

  unsigned port() const { return port_; }
  // Waits up to `limit` for a client to connect and keeps the connection open (silent).
  bool AwaitClient(std::chrono::milliseconds limit);

 private:
  int listener_ = -1;
  std::vector<int> clients_;
  unsigned port_ = 0;
};

std::string ReadFile(const std::filesystem::path& path);

}  // namespace cartable::testlib
