#include "dav/scheduling/imip_in.h"

#include "dav/caldav/itip.h"
#include "dav/scheduling/imip_mime.h"
#include "dav/scheduling/scheduler.h"

namespace cartable::dav::scheduling {
namespace {

int ExitCodeFor(const Status& s) {
  // A precondition says the data is wrong (max-resource-size, valid-calendar-data, ...), even
  // where its HTTP code is 403: the message is bad, not its sender.
  if (s.precondition() != Precondition::kNone) return kExDataErr;
  switch (s.code()) {
    case Status::Code::kForbidden: return kExNoPerm;
    case Status::Code::kBadRequest:
    case Status::Code::kNotFound:
    case Status::Code::kConflict:
    case Status::Code::kTooLarge: return kExDataErr;
    case Status::Code::kUnavailable: return kExTempFail;
    default: return kExTempFail;
  }
}

std::string TooLarge(uint64_t max_bytes) {
  return "refused: the message is larger than " + std::to_string(max_bytes) +
         " bytes ([imip] max_message_bytes)";
}

// Steps 4 and 5 of DeliverImip, for an authenticated message.
DeliveryOutcome Apply(const DavContext& ctx, const std::string& recipient,
                      const InboundImip& mail) {
  store::Session& session = ctx.store.ThreadSession();
  Result<std::unique_ptr<store::Transaction>> txn = session.Begin(true);
  if (!txn.ok()) return {kExTempFail, "store unavailable: " + txn.status().message()};
  Result<Recipient> to = ResolveRecipient(session, ctx, "mailto:" + recipient);
  if (!to.ok()) return {kExTempFail, "store unavailable: " + to.status().message()};
  if (!to->IsColleague()) {
    return {kExNoUser, "refused: " + recipient + " has no active account here"};
  }
  if (!to->user.scheduling) {  // their own client reads the mail and answers it
    return {kExOk, "not applied: " + to->user.login + " schedules in their own client"};
  }
  // The door of calendar data that comes by mail: the same text rules as a PUT (the copy it
  // updates is served to its owner's clients).
  if (Status text = caldav::CheckCalendarText(mail.ics); !text.ok()) {
    return {kExDataErr, "refused: " + text.message()};
  }
  Result<caldav::CalendarObject> itip = caldav::CalendarObject::Parse(mail.ics);
  Result<caldav::SchedulingInfo> info =
      itip.ok() ? caldav::InspectScheduling(*itip) : Result<caldav::SchedulingInfo>(itip.status());
  if (!info.ok()) return {kExDataErr, "refused: the calendar part is not valid iCalendar"};
  if (!mail.method.empty() && !info->method.empty() && mail.method != info->method) {
    return {kExDataErr, "refused: the MIME method (" + mail.method +
                            ") and the iCalendar METHOD (" + info->method + ") differ"};
  }
  Status s = ProcessIncoming(session, ctx, to->user, "mailto:" + mail.from, *itip);
  if (!s.ok()) return {ExitCodeFor(s), "refused: " + s.message()};
  if (Status c = (*txn)->Commit(); !c.ok()) {
    return {kExTempFail, "store unavailable: " + c.message()};
  }
  if (ctx.mail_committed) ctx.mail_committed();
  return {kExOk, info->method + " for " + info->uid + " from " + mail.from + " applied for " +
                     to->user.login};
}

}  // namespace

DeliveryOutcome ReadImipMessage(std::istream& in, uint64_t max_bytes, std::string* raw) {
  raw->clear();
  std::string chunk(64 << 10, '\0');
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    const auto got = static_cast<uint64_t>(in.gcount());
    if (raw->size() + got > max_bytes) {
      raw->clear();
      return {kExDataErr, TooLarge(max_bytes)};
    }
    raw->append(chunk.data(), got);
  }
  if (in.bad()) return {kExTempFail, "cannot read the message on standard input"};
  return {};
}

DeliveryOutcome DeliverImip(const DavContext& ctx, const std::string& recipient,
                            std::string_view raw, const ImipInboundOptions& options) {
  if (raw.size() > options.max_message_bytes) {
    return {kExDataErr, TooLarge(options.max_message_bytes)};
  }
  Result<InboundImip> mail = ParseImipMessage(raw);
  if (!mail.ok()) return {kExDataErr, "refused: " + mail.status().message()};
  if (mail->from_mailboxes != 1) {
    // DMARC authenticates one author domain (RFC 7489 §6.6.1); an iTIP message speaks for one
    // person. Several From fields or mailboxes: nobody can tell which one was checked.
    return {kExNoPerm, "refused: From names " + std::to_string(mail->from_mailboxes) +
                           " addresses; a message must have exactly one author"};
  }
  std::string warning;
  if (options.sender.require == SenderCheck::kNone) {
    warning = "WARNING: [imip] require = none: the sender " + mail->from +
              " is NOT authenticated; anyone can change calendars by mail (tests only)";
  } else if (Status s = VerifySender(mail->authentication_results, mail->from, options.sender);
             !s.ok()) {
    return {kExNoPerm,
            "refused: the sender " + mail->from + " is not authenticated: " + s.message()};
  }
  DeliveryOutcome out = Apply(ctx, recipient, *mail);
  out.warning = std::move(warning);
  return out;
}

}  // namespace cartable::dav::scheduling
