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

// The zone a calendar-query asks floating and DATE values to be evaluated in (RFC 4791 §9.8
// CALDAV:timezone, or RFC 7809 §5.3 CALDAV:timezone-id, children of `query`), as FloatingZoneOf
// gives it; nullopt when the query names none (the calendar's calendar-timezone applies).
// Errors: valid-calendar-data (403) for a CALDAV:timezone that is not one VCALENDAR with one
// VTIMEZONE (§7.8); valid-timezone (403) for a timezone-id the server does not know; 400 for
// both elements at once.
Result<std::optional<std::string>> ParseQueryTimezone(const pugi::xml_node& query);

}  // namespace cartable::dav::caldav
