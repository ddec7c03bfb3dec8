// POST to a scheduling outbox (RFC 6638 §5): a VFREEBUSY REQUEST from its owner, answered
// with a CALDAV:schedule-response holding each attendee's busy time. POST elsewhere is sharing
// (dav/sharing/share_post.h).
#include <algorithm>

#include "dav/caldav/itip.h"
#include "dav/methods/methods.h"
#include "dav/multistatus.h"
#include "dav/scheduling/scheduler.h"
#include "dav/sharing/share_post.h"
#include "dav/xml.h"

namespace cartable::dav {
namespace {

struct Answer {
  std::string status;         // request-status
  std::string calendar_data;  // "" when none
};

// Errors: only a request bound (max_instances_per_request), which fails the whole POST.
Result<Answer> FreeBusyFor(const Request& req, const caldav::FreeBusyRequest& fb,
                           const std::string& attendee, uint64_t& instances_left) {
  Result<scheduling::Availability> a =
      scheduling::AvailabilityOf(req.session, req.ctx, attendee, fb.start, fb.end, instances_left);
  if (!a.ok()) {
    if (a.status().precondition() == Precondition::kNumberOfMatchesWithinLimits) {
      return a.status();
    }
    return Answer{"5.1;Service unavailable", ""};
  }
  switch (a->kind) {
    case scheduling::Recipient::Kind::kLocal: break;
    case scheduling::Recipient::Kind::kExternal:
      return Answer{"5.3;No scheduling support for user", ""};
    case scheduling::Recipient::Kind::kDisabled: return Answer{"3.8;No authority", ""};
    case scheduling::Recipient::Kind::kUnknown: return Answer{"3.7;Invalid calendar user", ""};
  }
  std::vector<caldav::BusyPeriod> periods;
  for (const scheduling::BusyRange& b : a->busy) periods.push_back({b.start, b.end, b.fbtype});
  return Answer{"2.0;Success", caldav::FreeBusyReply(fb, attendee, periods)};
}

}  // namespace

MethodResult HandlePost(const Request& req, Target& t) {
  // Elsewhere POST is a sharing request, told apart by its XML root (dav/sharing/share_post.h).
  if (t.kind != ResourceKind::kOutbox) return sharing::HandleSharePost(req, t);
  if (!req.ctx.options.scheduling) return Status::Forbidden("server scheduling is turned off");
  // RFC 6638 §5.1 valid-calendar-data: the same character-level door as a PUT.
  if (Status s = caldav::CheckCalendarText(req.http.body); !s.ok()) return s;
  Result<caldav::FreeBusyRequest> fb = caldav::ParseFreeBusyRequest(req.http.body);
  if (!fb.ok()) {
    if (fb.status().precondition() != Precondition::kNone) return fb.status();
    return Status::Violates(Precondition::kValidSchedulingMessage, fb.status().message());
  }
  std::vector<std::string> own = scheduling::UserAddresses(*t.owner);
  if (std::find(own.begin(), own.end(), fb->organizer) == own.end()) {
    return Status::Violates(Precondition::kOrganizerAllowed,
                            "the ORGANIZER must be one of your addresses");
  }
  std::string body;
  XmlWriter w(body);
  w.OpenRoot(ns::kCalDav, "schedule-response");
  uint64_t instances_left = scheduling::InstanceBudget(req.ctx);
  for (const std::string& attendee : fb->attendees) {
    Result<Answer> answer = FreeBusyFor(req, *fb, attendee, instances_left);
    if (!answer.ok()) return answer.status();
    const Answer& a = *answer;
    w.Open(ns::kCalDav, "response");
    w.Open(ns::kCalDav, "recipient");
    w.TextElement(ns::kDav, "href", attendee);
    w.Close();
    w.TextElement(ns::kCalDav, "request-status", a.status);
    if (!a.calendar_data.empty()) w.TextElement(ns::kCalDav, "calendar-data", a.calendar_data);
    w.Close();
  }
  w.Finish();
  return XmlResponse(200, std::move(body));
}

}  // namespace cartable::dav
