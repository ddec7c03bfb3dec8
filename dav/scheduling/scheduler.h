// Server-side scheduling (RFC 6638 implicit scheduling, iTIP RFC 5546, iMIP RFC 6047): what a
// PUT or DELETE of a calendar object sends to the other party, delivery into colleagues'
// inboxes and calendars, invitations by mail for everyone else, and incoming iTIP messages.
//
// Everything runs inside the caller's write transaction, on the caller's session: a change and
// all its deliveries commit together or not at all. Mail is handed to the relay during the
// transaction; when the relay is down the message is queued in the store (same transaction) and
// retried by MailQueue.
//
// SCHEDULE-STATUS values written on the organizer's copy (RFC 6638 §3.2.9 / RFC 5546 §3.6):
//   1.0 queued for mail (relay down)      1.1 handed to the mail relay
//   1.2 delivered to a colleague          3.7 unknown colleague (internal domain, no account)
//   3.8 account disabled                  5.1 the relay refused the address for good
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "dav/caldav/ical_object.h"
#include "dav/context.h"
#include "dav/status.h"
#include "dav/store/store.h"

namespace cartable::dav {
struct Target;
}

namespace cartable::dav::scheduling {

// The calendar user addresses of `user` (calendar-user-address-set): mailto: first.
std::vector<std::string> UserAddresses(const store::User& user);

// Who an address designates.
struct Recipient {
  enum class Kind { kLocal, kExternal, kUnknown, kDisabled } kind = Kind::kUnknown;
  std::string address;  // normalised
  store::User user;     // kLocal / kDisabled, and kExternal for a colleague whose scheduling is off
  // A colleague with an active account (whatever the route of their messages).
  bool IsColleague() const { return user.id != 0 && kind != Kind::kDisabled; }
};
Result<Recipient> ResolveRecipient(store::Session& session, const DavContext& ctx,
                                   const std::string& address);

// If-Schedule-Tag-Match (RFC 6638 §8.3): whether the header value `wanted` (surrounding spaces
// ignored) names `current`, the object's tag ("" for a missing object or one without a tag).
// An empty header matches an object without a tag (docs/clients.md #5, iOS sends one).
bool ScheduleTagMatches(std::string_view wanted, const std::string& current);

// What storing a calendar object did.
struct PutOutcome {
  store::Object object;
  bool rewritten = false;    // the stored bytes differ from the body (no ETag: docs/clients.md #12)
  std::string schedule_tag;  // "" when not a scheduling object resource
  // What was sent, as SCHEDULE-STATUS per recipient address: the attendees (organizer PUT) or
  // the organizer (an attendee's answer). Empty when nothing was sent.
  std::map<std::string, std::string> sent;
};

// The calendar object a write replaces, as the caller read it once for the whole request.
struct Replaced {
  bool exists = false;
  std::string data;          // its stored bytes
  std::string schedule_tag;  // "" when it has none
  // `data` parsed, when the caller has it already (else PutCalendarObject parses it).
  const caldav::CalendarObject* parsed = nullptr;
};

// A write of a calendar object resource (PUT, COPY into a calendar, the JSON reply) with
// implicit scheduling: validates the scheduling rules (preconditions
// same-organizer-in-all-components, unique-scheduling-object-resource,
// allowed-organizer-scheduling-object-change, allowed-attendee-scheduling-object-change),
// sends REQUEST/CANCEL (organizer) or REPLY (attendee) as needed, stores `object` (validated,
// its index `index`) with SCHEDULE-STATUS and its Schedule-Tag at `t`, a member of a calendar
// (the calendar type's write hook, dav/caldav/calendar_member.cc, and the JSON reply call it).
// Parses only the replaced object (unless `replaced.parsed`) and the colleagues' copies;
// `object` is serialised once, when stored.
// `writer`: who writes, when it may not be the calendar's owner (a write delegate, a read-write
// sharee through a mount). Scheduling is then the owner's, sent by the writer (RFC 5545
// §3.2.18): an event the writer organises (ORGANIZER one of the writer's or the owner's
// addresses) gets ORGANIZER the owner with SENT-BY="mailto:{writer}" (the writer's ATTENDEE
// line becomes the owner's when the owner is not listed); an invitation of the owner answered
// by the writer replies as the owner, SENT-BY on the owner's ATTENDEE. Null or the owner: the
// owner writes (an owner's own answer drops a SENT-BY left by a delegate).
Result<PutOutcome> PutCalendarObject(store::Session& session, const DavContext& ctx,
                                     const Target& t, caldav::CalendarObject object,
                                     const std::string& content_type,
                                     const store::ObjectIndex& index, const Replaced& replaced,
                                     const Principal* writer = nullptr);

// Whether `data` is a scheduling object resource (RFC 6638 §3.1: ORGANIZER and ATTENDEEs).
Result<bool> IsSchedulingObject(const std::string& data);

// DELETE of a calendar object (the calendar type's remove hook): the organizer's cancels the
// event for every attendee, an attendee's declines it; then the object is deleted.
Status DeleteCalendarObject(const Request& req, const Target& t);

// Applies an iTIP message received for the local user `recipient` from `sender` (a normalised
// address): iMIP deliveries and the JSON API use it. REQUEST/ADD/CANCEL must come from the
// organizer, REPLY from the attendee it answers for, and every component must name the same
// ORGANIZER (else kForbidden). Delivers to the inbox
// and updates the copy. Errors: kBadRequest (not iTIP, unsupported method), kForbidden,
// kNotFound (a REPLY or CANCEL for an event the recipient does not have).
Status ProcessIncoming(store::Session& session, const DavContext& ctx, const store::User& recipient,
                       const std::string& sender, const caldav::CalendarObject& itip);

// ---- free/busy ----

struct BusyRange {
  int64_t start = 0;
  int64_t end = 0;
  std::string fbtype;  // "BUSY", "BUSY-TENTATIVE", "BUSY-UNAVAILABLE"
};

// The busy periods of local user `user` in [start, end): every calendar except those marked
// schedule-calendar-transp transparent; transparent and cancelled events, and invitations the
// user declined, left out; tentative ones BUSY-TENTATIVE. No event details.
// `instances_left`: the busy periods the whole request may still produce (decremented;
// max_instances_per_request); beyond it caldav::TooManyInstances(`max`).
Result<std::vector<BusyRange>> BusyTime(store::Session& session, const store::User& user,
                                        int64_t start, int64_t end, uint64_t& instances_left,
                                        uint64_t max);

// What a free/busy request learns about `address` (the CalDAV outbox and the JSON API).
struct Availability {
  // kLocal for any colleague with an active account (their scheduling on or off), else the
  // recipient's kind (kExternal, kUnknown, kDisabled).
  Recipient::Kind kind = Recipient::Kind::kUnknown;
  std::string name;             // the colleague's display name
  std::vector<BusyRange> busy;  // kLocal only
};
// `instances_left` as for BusyTime, shared by the recipients of one request; start it at
// InstanceBudget(ctx).
Result<Availability> AvailabilityOf(store::Session& session, const DavContext& ctx,
                                    const std::string& address, int64_t start, int64_t end,
                                    uint64_t& instances_left);
// ctx.options.max_instances_per_request, with 0 (no bound) as the largest count.
uint64_t InstanceBudget(const DavContext& ctx);

}  // namespace cartable::dav::scheduling
