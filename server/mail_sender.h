// Outgoing mail transport: hands one RFC 5322 message to an SMTP relay. No calendar knowledge.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "dav/status.h"

namespace cartable::server {

// Sends mail. Implementations are thread-safe (one call may run on several threads at once).
class MailSender {
 public:
  virtual ~MailSender() = default;
  // Submits `message` (RFC 5322 bytes, CRLF line ends) for `recipients` (bare addresses,
  // "a@b.fr") with envelope sender `envelope_from` (bare address). OK: the relay accepted the
  // message for every recipient.
  // Errors: kUnavailable when the relay cannot be reached or answered a temporary (4xx) failure
  // (the caller queues and retries); kBadRequest when the relay refused permanently (5xx), with
  // the relay's reply text in the message.
  // kUnavailable also for TLS/AUTH trouble without a 5xx reply and for an empty `host`.
  // kBadRequest too when `recipients` is empty or an address holds CR, LF, '<', '>' or other
  // control characters (nothing is sent then).
  virtual Status Send(const std::string& envelope_from,
                      const std::vector<std::string>& recipients,
                      const std::string& message) = 0;
};

struct SmtpSettings {
  std::string host;          // "" = no relay configured: Send() answers kUnavailable
  unsigned port = 25;
  enum class Tls { kNone, kStartTls, kRequireStartTls } tls = Tls::kStartTls;  // kStartTls: opportunistic
  std::string username;      // "" = no AUTH
  std::string password;
  unsigned connect_timeout_seconds = 5;
  unsigned timeout_seconds = 20;  // the whole transaction
  bool verify_peer = true;        // certificate checks for STARTTLS
};

// The libcurl SMTP client (server/smtp.cc).
std::unique_ptr<MailSender> MakeSmtpSender(const SmtpSettings& settings);

}  // namespace cartable::server
