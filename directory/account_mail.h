// The mail the account service sends itself (password reset and backup-address confirmation
// links): one French text/plain part in UTF-8, built with GMime (never hand-written MIME), to
// be queued in the store's mail outbox in the same transaction as the link's token.
#pragma once

#include <string>

#include "dav/status.h"
#include "dav/store/store.h"

namespace cartable::directory {

struct AccountMail {
  std::string from;     // bare address ("noreply@ac-orleans-tours.fr")
  std::string to;       // bare address
  std::string subject;  // UTF-8 (RFC 2047 encoded-words when not ASCII)
  std::string text;     // UTF-8, LF line ends
  store::UnixTime date = 0;
};

// The RFC 5322 message: From, To, Subject, Date (`date`, UTC), Message-ID (128 random bits @
// the sender's domain), MIME-Version 1.0, Content-Type text/plain; charset=utf-8,
// quoted-printable (so 7-bit relays carry it and no line exceeds 76 octets); CRLF line ends.
// Controls in the subject become spaces (no header injection). Thread-safe.
// Errors: kBadRequest when `from` or `to` is not a bare address.
Result<std::string> BuildAccountMail(const AccountMail& mail);

// Whether `address` is a bare ASCII address the relay can take: local@domain, at most 254
// octets, no whitespace, controls, quotes, angle brackets, commas, semicolons or parentheses,
// and a domain with a dot and no empty label.
bool IsMailAddress(const std::string& address);

}  // namespace cartable::directory
