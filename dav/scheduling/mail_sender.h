// The outgoing mail interface of scheduling: hands one RFC 5322 message to a relay. Scheduling
// owns it (iMIP is its only user); the transport implements it (server/smtp.h: libcurl SMTP).
#pragma once

#include <string>
#include <vector>

#include "dav/status.h"

namespace cartable::dav::scheduling {

// Sends mail. Implementations are thread-safe (one call may run on several threads at once).
// A call may block for the relay's whole timeout: only the mail worker (MailQueue) calls it,
// never a request thread and never inside a store transaction.
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
  virtual Status Send(const std::string& envelope_from, const std::vector<std::string>& recipients,
                      const std::string& message) = 0;
};

}  // namespace cartable::dav::scheduling
