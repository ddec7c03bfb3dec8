// Group attendees (RFC 5545 §3.2.3 CUTYPE=GROUP, §3.2.11 MEMBER; RFC 6638 §3.2.3 lets the server
// schedule with the members of an invited group): the iCalendar side of expanding a group into
// its members. Who the members are is dav/scheduling/group_expand.h's business.
#pragma once

#include <string>
#include <vector>

#include "dav/caldav/ical_object.h"

namespace cartable::dav::caldav {

struct GroupMember {
  std::string address;  // "mailto:..." (normalised)
  std::string name;     // CN ("" = none)
};

// In every component listing `group` (a normalised address) as an attendee, adds one
// ATTENDEE;CN=...;CUTYPE=INDIVIDUAL;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;MEMBER="{group as written}"
// per member not already an attendee of that component (any address the component lists,
// compared normalised). Returns how many ATTENDEE properties were added (0: `cal` unchanged).
size_t AddGroupMembers(CalendarObject& cal, const std::string& group,
                       const std::vector<GroupMember>& members);

}  // namespace cartable::dav::caldav
