// RFC 6638 live properties (schedule-inbox-URL, schedule-outbox-URL, calendar-user-type,
// schedule-default-calendar-URL, schedule-calendar-transp, schedule-tag).
#pragma once

#include <vector>

#include "dav/property_registry.h"

namespace cartable::dav::scheduling {

// Appends the scheduling properties to the registry table.
void AddSchedulingProperties(std::vector<LiveProperty>& table);

}  // namespace cartable::dav::scheduling
