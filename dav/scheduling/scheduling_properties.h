// RFC 6638 live properties (schedule-inbox-URL, schedule-outbox-URL, calendar-user-type,
// schedule-default-calendar-URL, schedule-calendar-transp, schedule-tag).
#pragma once

#include <vector>

#include "dav/property_registry.h"

namespace cartable::dav::scheduling {

// Appends the scheduling properties to the registry table.
void AddSchedulingProperties(std::vector<LiveProperty>& table);

// CollectionType::check_delete of calendars: CALDAV:default-calendar-needed (RFC 6638 §9.2)
// for the calendar the inbox's schedule-default-calendar-URL names and for the one invitations
// are delivered to (internal::DefaultCalendar for VEVENT), so that later invitations always
// have a calendar (they were lost with SCHEDULE-STATUS 3.8). Once a PROPPATCH of the inbox
// names another calendar the default, the former one may go. A MOVE is allowed: the setting
// names the calendar, not its path, and follows it.
Status KeepDefaultCalendar(const Request& req, const Target& calendar, bool moving);

}  // namespace cartable::dav::scheduling
