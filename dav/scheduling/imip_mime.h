// iMIP messages (RFC 6047) as MIME: building the mail for an outgoing iTIP message and finding
// the iTIP part of an incoming one. Built on GMime (libgmime-3.0), never hand-written MIME.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dav/status.h"

namespace cartable::dav::scheduling {

struct Mailbox {
  std::string address;  // bare address, "jean.labert@ac-orleans-tours.fr"
  std::string name;     // display name, UTF-8, may be empty
};

// What an outgoing iMIP mail says.
struct ImipMail {
  Mailbox from;                   // the organizer (REQUEST/CANCEL) or the attendee (REPLY)
  std::vector<Mailbox> to;        // the recipients
  std::string subject;            // UTF-8 (encoded as RFC 2047 by GMime when needed)
  std::string text;               // the human summary, UTF-8, LF or CRLF line ends
  std::string method;             // "REQUEST", "CANCEL", "REPLY", ...
  std::string ics;                // the iTIP VCALENDAR (with METHOD), CRLF line ends
  std::string message_id_domain;  // right-hand side of the generated Message-ID
};

// The RFC 5322 message for `mail`, CRLF line ends and lines of at most 998 octets:
//   From, To, Subject, Date, Message-ID, MIME-Version: 1.0
//   Content-Type: multipart/alternative
//     text/plain; charset=utf-8 (quoted-printable)       -- `text`
//     text/calendar; method=<METHOD>; charset=utf-8        -- `ics` (base64 or QP)
// (docs/clients.md #8: the calendar part inside multipart/alternative, with method=.)
// The calendar part is base64 (its CRLFs kept byte for byte), method= upper-cased; display
// names and the subject are RFC 2047 UTF-8 words when not ASCII; Message-ID is 128 random bits
// in hex @ message_id_domain ("localhost" if empty or invalid); Date is the local time now.
// Line breaks and other controls in names and the subject become spaces. Thread-safe (GMime
// is initialised once).
// Errors: kBadRequest if `from` or `to` is empty or `method` is empty, if an address is not a
// bare address (empty, no '@', whitespace, controls, '<', '>', ',' or '"'), or if `method` is
// not letters, digits and '-'.
Result<std::string> BuildImipMessage(const ImipMail& mail);

// What an incoming message carries.
struct InboundImip {
  std::string from;           // bare address of From:, lowercase (the first mailbox when several)
  size_t from_mailboxes = 0;  // mailboxes in all From fields together (groups' members counted)
  // The values of the Authentication-Results fields (RFC 8601), in header order (topmost
  // first), raw (folding kept): who vouches for `from` (dav/scheduling/mail_auth.h).
  std::vector<std::string> authentication_results;
  std::string method;  // the method= parameter of the text/calendar part, upper case ("" if absent)
  std::string ics;     // the decoded text/calendar part, UTF-8
  std::string message_id;
};

// Parses an RFC 5322 message (LF or CRLF) and finds its first text/calendar part, anywhere in
// the MIME tree (multipart/alternative, multipart/mixed, attachments with
// Content-Disposition: attachment included); application/ics parts count as calendar parts.
// message/rfc822 parts are searched too; trees deeper than 32 levels are not. The part's
// transfer encoding is undone and a charset other than UTF-8/US-ASCII converted to UTF-8; the
// CRLF before the closing boundary belongs to the boundary, not to `ics`. message_id is
// without angle brackets ("" if absent). Thread-safe.
// Errors: kBadRequest with a reason ("not a MIME message", "no From address", "no
// text/calendar part", "unsupported charset X").
Result<InboundImip> ParseImipMessage(std::string_view raw);

}  // namespace cartable::dav::scheduling
