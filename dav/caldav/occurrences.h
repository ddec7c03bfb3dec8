// The occurrence index of calendar objects (issue 14): every recurrence instance's RFC 4791
// §9.9 interval, computed once from the parsed object at PUT and stored with it
// (store::ObjectIndex::occurrences, 0010_occurrences.sql), so a time-range calendar-query of
// any period selects its objects with an index range scan instead of expanding each candidate.
#pragma once

#include <string>
#include <string_view>

#include "dav/caldav/ical.h"
#include "dav/status.h"
#include "dav/store/store.h"

typedef struct icalcomponent_impl icalcomponent;

namespace cartable::dav::caldav {

namespace internal {
class TimeContext;
}

struct OccurrenceOptions {
  // Open-ended rules (RRULE without COUNT or UNTIL) are expanded up to here: the set is then
  // complete until `horizon` only, and queries ending later parse the object.
  Seconds horizon = 0;
  // Rows stored per object at most; beyond, the set is complete only until the first instance
  // left out (a daily event over decades does not write tens of thousands of rows).
  size_t max_rows = 2000;
  // The zone of floating and DATE values (FloatingZoneOf), recorded in the set when used.
  std::string floating_tz = "UTC";
};

// Years after now that an open-ended rule is indexed for at PUT (OccurrenceOptions::horizon).
inline constexpr Seconds kOccurrenceHorizonYears = 10;

// The default options at the current wall-clock time: horizon now + kOccurrenceHorizonYears.
OccurrenceOptions DefaultOccurrenceOptions(const std::string& floating_tz = "UTC");

// The instances of the `component` components of `ics` (§9.9 intervals, sorted by lo) and how
// far they are complete. Never fails on valid stored data: an expansion stopped by the
// iteration cap gives a set that is complete nowhere (complete_until = kNoLowerBound), which
// queries answer by parsing. Errors: kInternal when `ics` cannot be parsed.
Result<store::OccurrenceSet> OccurrenceRows(std::string_view ics, const std::string& component,
                                            const OccurrenceOptions& options);

namespace internal {
// The same on a parsed VCALENDAR with its time context (ValidateTree calls this, so a PUT
// expands with the zones it already resolved).
store::OccurrenceSet OccurrenceRows(icalcomponent* vcal, TimeContext& tc,
                                    const std::string& component, const OccurrenceOptions& options);
}  // namespace internal

}  // namespace cartable::dav::caldav
