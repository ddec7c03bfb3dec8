// Inviting a whole department or establishment (issue 12): an ATTENDEE with CUTYPE=GROUP whose
// address is a group (urn:x-cartable:group:{login} or its principal URL,
// dav/sharing/principal_groups.h) is expanded, on the organizer's write, into one
// ATTENDEE;MEMBER="{group}" per member (RFC 5545 §3.2.11; what CalendarServer does for group
// attendees), each then invited as any attendee. The group attendee stays, as the organizer's
// client wrote it; its SCHEDULE-STATUS says what happened:
//   2.0  expanded (its members got the invitation)
//   5.3  more members than [scheduling] max_group_members: not expanded, nobody invited through
//        it (RFC 5546 §3.6 "no scheduling support for user"), and a line in the server log
// An address that names no group (a mailto:, an unknown URN) is left to ordinary scheduling.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "dav/caldav/ical_object.h"
#include "dav/caldav/itip.h"
#include "dav/context.h"
#include "dav/status.h"
#include "dav/store/store.h"

namespace cartable::dav::scheduling {

// Expands the group attendees of `object` (the organizer's copy, `info` its scheduling view;
// `own`: the organizer's addresses, never added as members). Members already listed (by their
// mailto:) are not added twice; attendees with SCHEDULE-AGENT other than SERVER are left alone.
// Returns the SCHEDULE-STATUS of each group attendee address handled (empty: nothing to do).
// Reads the store only (members' accounts); sends nothing.
Result<std::map<std::string, std::string>> ExpandGroupAttendees(
    store::Session& session, const DavContext& ctx, caldav::CalendarObject& object,
    const caldav::SchedulingInfo& info, const std::vector<std::string>& own);

}  // namespace cartable::dav::scheduling
