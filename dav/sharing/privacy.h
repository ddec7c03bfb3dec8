// CLASS:PRIVATE and CLASS:CONFIDENTIAL events as principals who may not see their details see
// them (RFC 5545 §3.8.1.3; issue 12): read and read-write sharees, free/busy sharees, read
// delegates and group members (Access::sees_private false) get PRIVATE events as busy time
// ("Occupé") and CONFIDENTIAL ones as time and "Confidentiel"; the owner and write delegates see
// them whole. The iCalendar work is caldav::ReduceForPrivacy (dav/caldav/ical.h); this is the
// policy over Target::access. Reading goes through sharing::CalendarView (per_user.h), which
// applies both per-user data and this reduction.
#pragma once

#include <string_view>

#include "dav/caldav/ical_object.h"
#include "dav/sharing/access.h"
#include "dav/status.h"

namespace cartable::dav {
struct Target;
}

namespace cartable::dav::sharing {

// Whether a viewer with `access` sees classified events reduced.
inline bool ReducesPrivate(const Access& access) { return !access.sees_private; }

// Reduces `object` (as stored) when `access` may not see its details and its CLASS says so.
// Returns whether it was reduced.
bool ApplyPrivacy(const Access& access, caldav::CalendarObject& object);

// The write rule of reduced events: a principal who sees the stored object `stored` (its text,
// or its parse in `parsed` when the caller has it) reduced may neither replace nor delete it:
// they would overwrite details they cannot see. `what` names the method ("PUT", "DELETE").
// Errors: 403 DAV:need-privileges with the message "... : événement privé" (the method and the
// request path only, nothing of the event).
Status CheckMayChange(const Target& t, std::string_view stored, std::string_view what);

// The need-privileges refusal above, for callers that already know the event is reduced.
Status PrivateEventDenied(const Target& t, std::string_view what);

}  // namespace cartable::dav::sharing
