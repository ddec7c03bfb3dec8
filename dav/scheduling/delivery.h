// Internal to dav/scheduling: moving one iTIP message to one recipient (a colleague's inbox and
// calendar, or a mail), and the lookups it needs.
#pragma once

#include <string>
#include <vector>

#include "dav/caldav/itip.h"
#include "dav/context.h"
#include "dav/scheduling/scheduler.h"
#include "dav/store/store.h"

namespace cartable::dav::scheduling::internal {

inline constexpr char kCalendarType[] = "text/calendar; charset=utf-8";

// A fresh quoted Schedule-Tag value.
std::string NewScheduleTag();

// The user's calendars (kind calendar). A missing calendar home is created (inside a write
// transaction) when `create`, else there are no calendars.
Result<std::vector<store::Collection>> Calendars(store::Session& session, const store::User& user,
                                                 bool create = true);

// The user's copy of the event `uid` in any of their calendars.
struct Copy {
  bool found = false;
  store::Collection calendar;
  store::Object object;           // with data
  caldav::CalendarObject parsed;  // object.data parsed (FindCopy); empty if it does not parse
};
Result<Copy> FindCopy(store::Session& session, const store::User& user, const std::string& uid);

// Where a delivered event of `component` goes: the inbox's schedule-default-calendar-URL when
// it accepts the component, else the first calendar that does.
Result<store::Collection> DefaultCalendar(store::Session& session, const store::User& user,
                                          const std::string& component);

// Who sends or receives: a display name and a bare address, for mail headers.
struct Party {
  std::string address;  // normalised calendar address ("mailto:...")
  std::string name;
};

// The object whose SCHEDULE-STATUS follows a mail once the worker has sent it (0/"": none).
struct Origin {
  store::Id collection = 0;
  std::string name;
};

// Sends `itip` (METHOD `method`) to `to` and returns the SCHEDULE-STATUS to record:
// local users get it in their inbox and calendar (REQUEST/ADD/CANCEL/REPLY), others by mail.
// `update_tag`: a REQUEST/CANCEL changes the attendee copy's Schedule-Tag (false when only other
// attendees' answers are propagated). Parses nothing but the recipient's stored copy.
std::string Deliver(store::Session& session, const DavContext& ctx, const Party& from,
                    const Recipient& to, const std::string& method,
                    const caldav::CalendarObject& itip, const Origin& origin,
                    bool update_tag = true);

// Local deliveries (errors are turned into SCHEDULE-STATUS by Deliver). `known`: the
// recipient's copy when the caller already found it (FindCopy), so it is not read again.
Status DeliverToAttendee(store::Session& session, const store::User& to, const std::string& method,
                         const caldav::CalendarObject& itip, bool to_inbox, bool update_tag,
                         Copy* known = nullptr);
Status DeliverReplyToOrganizer(store::Session& session, const DavContext& ctx,
                               const store::User& organizer, const std::string& replier,
                               const caldav::CalendarObject& itip, Copy* known = nullptr);

// iMIP: builds the mail and queues it in the caller's (write) transaction for the mail worker,
// which sends it after the commit (dav/scheduling/mail_queue.h). Returns 1.0 (queued), or 5.1
// when the mail cannot be built or queued. Never talks to the relay.
std::string SendMail(store::Session& session, const DavContext& ctx, const Party& from,
                     const std::string& to_address, const std::string& method,
                     const caldav::CalendarObject& itip, const Origin& origin);

}  // namespace cartable::dav::scheduling::internal
