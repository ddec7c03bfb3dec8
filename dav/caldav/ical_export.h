// One VCALENDAR out of many calendar objects, for `cartable user export` (issue 16): an export
// file per calendar that every calendar application imports. Written piece by piece (the header,
// then each object's components, then the footer), so an export holds one object in memory at a
// time; every piece is serialised by libical, never assembled from raw input lines.
#pragma once

#include <set>
#include <string>
#include <string_view>

#include "dav/status.h"

namespace cartable::dav::caldav {

// "BEGIN:VCALENDAR" with VERSION, PRODID and, when `name` is not empty, X-WR-CALNAME (the
// calendar's display name, as Apple Calendar, Google and Thunderbird read it).
std::string ExportHeader(std::string_view name);
// "END:VCALENDAR".
std::string ExportFooter();
// The components of calendar object `ics`: its VTIMEZONEs whose TZID is not in `zones` yet
// (added to it: each time zone once per file), then every other component (VEVENT, VTODO,
// VJOURNAL, VFREEBUSY with their VALARMs). kBadRequest when `ics` does not parse.
Result<std::string> ExportComponents(std::string_view ics, std::set<std::string>* zones);

}  // namespace cartable::dav::caldav
