// The calendar settings clients set as properties and the server keeps as typed data
// (store::CollectionSettings): CALDAV:calendar-description and CALDAV:calendar-timezone
// (RFC 4791 §5.2.1-2), Apple's calendar-color and calendar-order (iCal, DAVx5, Thunderbird).
#pragma once

#include <vector>

#include "dav/property_registry.h"

namespace cartable::dav::caldav {

// Appends their live properties (settable, kept in the record) to the registry table.
void AddCalendarSettingProperties(std::vector<LiveProperty>& table);

// Whether `text` is a colour as clients write it: "#RRGGBB" (Thunderbird, "#3a87ad") or
// "#RRGGBBAA" (Apple, DAVx5: "#FF2968FF"), hex digits in either case.
bool IsCalendarColor(std::string_view text);

}  // namespace cartable::dav::caldav
