// Incoming iMIP (RFC 6047): one mail, as an MTA pipe transport hands it over
// (`cartable imip deliver --recipient ADDRESS`), applied to the recipient's calendar.
#pragma once

#include <string>
#include <string_view>

#include "dav/context.h"

namespace cartable::dav::scheduling {

// sysexits.h codes, so the MTA bounces (or retries) with the reason.
inline constexpr int kExOk = 0;
inline constexpr int kExDataErr = 65;   // not MIME, no calendar part, invalid or inapplicable
inline constexpr int kExNoUser = 67;    // the recipient has no (active) account here
inline constexpr int kExSoftware = 70;  // a bug
inline constexpr int kExTempFail = 75;  // the store is busy: try again later
inline constexpr int kExNoPerm = 77;    // the sender may not say this (REPLY from someone else)

struct DeliveryOutcome {
  int exit_code = kExOk;
  std::string message;  // one line: what was done, or why not
};

// Parses `raw`, finds the text/calendar part and applies it for `recipient` (an address of a
// local user) in one write transaction: all or nothing.
DeliveryOutcome DeliverImip(const DavContext& ctx, const std::string& recipient,
                            std::string_view raw);

}  // namespace cartable::dav::scheduling
