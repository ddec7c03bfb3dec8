#include "dav/scheduling/imip_in.h"

#include "dav/caldav/itip.h"
#include "dav/scheduling/imip_mime.h"
#include "dav/scheduling/scheduler.h"

namespace cartable::dav::scheduling {
namespace {

int ExitCodeFor(const Status& s) {
  switch (s.code()) {
    case Status::Code::kForbidden: return kExNoPerm;
    case Status::Code::kBadRequest:
    case Status::Code::kNotFound:
    case Status::Code::kConflict: return kExDataErr;
    case Status::Code::kUnavailable: return kExTempFail;
    default: return s.precondition() != Precondition::kNone ? kExDataErr : kExTempFail;
  }
}

}  // namespace

DeliveryOutcome DeliverImip(const DavContext& ctx, const std::string& recipient,
                            std::string_view raw) {
  Result<InboundImip> mail = ParseImipMessage(raw);
  if (!mail.ok()) return {kExDataErr, "refused: " + mail.status().message()};
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
  if (Status text = caldav::CheckCalendarText(mail->ics); !text.ok()) {
    return {kExDataErr, "refused: " + text.message()};
  }
  Result<caldav::CalendarObject> itip = caldav::CalendarObject::Parse(mail->ics);
  Result<caldav::SchedulingInfo> info =
      itip.ok() ? caldav::InspectScheduling(*itip) : Result<caldav::SchedulingInfo>(itip.status());
  if (!info.ok()) return {kExDataErr, "refused: the calendar part is not valid iCalendar"};
  if (!mail->method.empty() && !info->method.empty() && mail->method != info->method) {
    return {kExDataErr, "refused: the MIME method (" + mail->method +
                            ") and the iCalendar METHOD (" + info->method + ") differ"};
  }
  Status s = ProcessIncoming(session, ctx, to->user, "mailto:" + mail->from, *itip);
  if (!s.ok()) return {ExitCodeFor(s), "refused: " + s.message()};
  if (Status c = (*txn)->Commit(); !c.ok()) {
    return {kExTempFail, "store unavailable: " + c.message()};
  }
  if (ctx.mail_committed) ctx.mail_committed();
  return {kExOk, info->method + " for " + info->uid + " from " + mail->from + " applied for " +
                     to->user.login};
}

}  // namespace cartable::dav::scheduling
