// Helpers for the iCalendar engine tests: small .ics builders and time literals.
#pragma once

#include <string>

#include "dav/caldav/ical.h"

namespace cartable::dav::caldav::testing {

// Wraps component lines (LF-separated, no BEGIN:VCALENDAR) into a CRLF VCALENDAR.
inline std::string Cal(const std::string& body) {
  std::string in = "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\n" + body + "END:VCALENDAR\n";
  std::string out;
  for (char c : in) {
    if (c == '\n')
      out += "\r\n";
    else
      out += c;
  }
  return out;
}

inline Seconds T(const char* utc) { return *ParseUtcDateTime(utc); }

inline TimeRange Range(const char* start, const char* end) {
  return TimeRange{start ? T(start) : store::kNoLowerBound, end ? T(end) : store::kNoUpperBound};
}

// A filter VCALENDAR > `comp` with a time-range.
inline CompFilter CompRange(const std::string& comp, TimeRange r) {
  CompFilter root;
  root.name = "VCALENDAR";
  CompFilter c;
  c.name = comp;
  c.time_range = r;
  root.comp_filters.push_back(c);
  return root;
}

inline bool InRange(const std::string& ics, const std::string& comp, const char* s, const char* e,
                    const std::string& tz = "UTC") {
  Result<bool> r = MatchesFilter(ics, CompRange(comp, Range(s, e)), tz);
  return r.ok() && *r;
}

}  // namespace cartable::dav::caldav::testing
