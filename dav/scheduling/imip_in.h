// Incoming iMIP (RFC 6047): one mail, as an MTA pipe transport hands it over
// (`cartable imip deliver --recipient ADDRESS`), applied to the recipient's calendar.
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <string_view>
#include <utility>

#include "dav/context.h"
#include "dav/scheduling/mail_auth.h"

namespace cartable::dav::scheduling {

// sysexits.h codes, so the MTA bounces (or retries) with the reason.
inline constexpr int kExOk = 0;
// Too large, not MIME, no calendar part, invalid or inapplicable.
inline constexpr int kExDataErr = 65;
inline constexpr int kExNoUser = 67;    // the recipient has no (active) account here
inline constexpr int kExSoftware = 70;  // a bug
inline constexpr int kExTempFail = 75;  // the store is busy: try again later
// The sender is not authenticated (mail_auth.h), or may not say this (a REPLY from someone else).
inline constexpr int kExNoPerm = 77;

// What `cartable imip deliver` is configured with ([imip] in the config file).
struct ImipInboundOptions {
  SenderPolicy sender;                       // who vouches for From (dav/scheduling/mail_auth.h)
  uint64_t max_message_bytes = 10ull << 20;  // larger messages are refused unread (65)
};

struct DeliveryOutcome {
  DeliveryOutcome() = default;
  DeliveryOutcome(int code, std::string text) : exit_code(code), message(std::move(text)) {}

  int exit_code = kExOk;
  std::string message;  // one line: what was done, or why not
  // One line the caller must log loudly even on success ("" if none): set at every delivery
  // while sender.require is kNone, since then anyone can write into anyone's calendar by mail.
  std::string warning;
};

// Reads one message from `in` into `raw`, at most `max_bytes`. As soon as one byte more arrives
// it stops reading (the rest stays unread: the MTA sees the pipe closed, and the exit code) and
// returns kExDataErr; an unreadable stream is kExTempFail. kExOk otherwise. Reads in 64 KiB
// chunks, so at most max_bytes + 64 KiB are ever held.
DeliveryOutcome ReadImipMessage(std::istream& in, uint64_t max_bytes, std::string* raw);

// Applies one incoming iMIP message for `recipient` (an address of a local user), in this order,
// each step refusing before any later work is done:
//   1. size: larger than options.max_message_bytes -> kExDataErr, nothing parsed;
//   2. MIME (imip_mime.h): not a message, no calendar part -> kExDataErr;
//   3. the author: exactly one From mailbox, vouched for by our MTA's Authentication-Results as
//      options.sender requires (mail_auth.h: VerifySender) -> else kExNoPerm. Addresses of our
//      own internal domains follow the same rule: a forged colleague is the likeliest attack;
//   4. the recipient: kExNoUser without an active account; kExOk without applying anything when
//      their own client schedules;
//   5. the iTIP rules (ProcessIncoming): From must be the ORGANIZER of every component of a
//      REQUEST/ADD/CANCEL, and of the copy it changes; a REPLY must carry the answer of the From
//      address alone, for an event the recipient organises and lists them in -> else kExNoPerm;
//      invalid or inapplicable data (a calendar object over max-resource-size included)
//      -> kExDataErr; a busy store -> kExTempFail.
// Everything is applied in one write transaction: all or nothing.
DeliveryOutcome DeliverImip(const DavContext& ctx, const std::string& recipient,
                            std::string_view raw, const ImipInboundOptions& options);

}  // namespace cartable::dav::scheduling
