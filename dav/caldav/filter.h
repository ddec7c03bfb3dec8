// CalDAV REPORT request elements parsed into the ical.h structs: <C:filter>, <C:time-range>,
// <C:calendar-data> (partial retrieval, expand, limit-recurrence-set).
#pragma once

#include <pugixml.hpp>

#include "dav/caldav/ical.h"
#include "dav/status.h"

namespace cartable::dav::caldav {

// Parses a <C:filter> element. Errors: valid-filter (the root comp-filter is not VCALENDAR,
// a time-range without start nor end, an unparsable date-time, unknown match-type),
// supported-collation (a collation other than i;ascii-casemap, i;unicode-casemap, i;octet).
Result<CompFilter> ParseFilter(const pugi::xml_node& filter);

// Parses a <C:time-range start=".." end=".."/> (UTC date-times; one may be absent).
// Errors: valid-filter.
Result<TimeRange> ParseTimeRange(const pugi::xml_node& time_range);

// Parses the <C:calendar-data> element of a REPORT's DAV:prop. An empty element asks for the
// whole data. Errors: kBadRequest (expand without start/end, malformed comp/prop), valid-filter
// for bad date-times, supported-calendar-data for a content-type/version other than
// text/calendar 2.0.
Result<CalendarDataRequest> ParseCalendarDataRequest(const pugi::xml_node& calendar_data);

}  // namespace cartable::dav::caldav
