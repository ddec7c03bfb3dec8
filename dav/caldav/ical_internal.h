// Internal to the iCalendar engine (dav/caldav/*.cc only): libical ownership, time-zone
// resolution and recurrence-instance expansion shared by validation, matching and rendering.
#pragma once

#include <libical/ical.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dav/caldav/ical.h"
#include "dav/caldav/ical_object.h"

namespace cartable::dav::caldav::internal {

// Hard cap on recurrence iterations per expanded component, whatever the caller asks: an
// unbounded RRULE must never make a request iterate forever (a DoS in several servers).
inline constexpr int kMaxRecurIterations = 20000;
inline constexpr Seconds kDay = 86400;

struct ComponentDeleter {
  void operator()(icalcomponent* c) const { icalcomponent_free(c); }
};
// Owns a top-level icalcomponent (and so its whole tree).
using ComponentPtr = std::unique_ptr<icalcomponent, ComponentDeleter>;

// Parses `ics` into a VCALENDAR. Returns null when libical produced nothing or something that
// is not one VCALENDAR. Never throws. The one parse function of dav/caldav: every parse is
// counted (ParseCount, ical_object.h).
ComponentPtr ParseCalendar(std::string_view ics);

// Saturating arithmetic on Seconds so unbounded markers stay unbounded.
Seconds SatAdd(Seconds a, Seconds b);

// Civil (proleptic Gregorian) conversions, independent of libc's time zone.
Seconds CivilToSeconds(int year, int month, int day, int hour, int minute, int second);

// A time zone built from one VTIMEZONE definition, expanded once and shared by every request
// that meets the same definition (zone_cache.h). Converting times in it is thread-safe (libical
// guards the expanded transitions with its own mutex); nothing may change it.
class SharedZone {
 public:
  explicit SharedZone(icaltimezone* zone) : zone_(zone) {}
  ~SharedZone();
  SharedZone(const SharedZone&) = delete;
  SharedZone& operator=(const SharedZone&) = delete;
  icaltimezone* get() const { return zone_; }

 private:
  icaltimezone* zone_;  // owned, with its VTIMEZONE component
};

// The shared zone of `vtimezone` (a VTIMEZONE component, not taken), keyed by its canonical
// text: the same definition gives the same zone, a different one under the same TZID another.
// Null when the cache is disabled ([limits] tz_cache_entries = 0) or libical refuses the zone.
std::shared_ptr<const SharedZone> SharedZoneOf(icalcomponent* vtimezone);
// The shared zone of the first VTIMEZONE of `ics` (a VCALENDAR text, as FloatingZoneOf gives
// for a zone the system database does not know), keyed by that text. Null as above.
std::shared_ptr<const SharedZone> SharedZoneOfDefinition(const std::string& ics);

// Resolves TZIDs and converts icaltimetype values to UTC seconds for one VCALENDAR.
// `floating_tz` is what FloatingZoneOf gives (ical.h): an Olson name, or a VCALENDAR text whose
// VTIMEZONE is used as given. It is resolved on first use only, so an object without floating
// or DATE values never pays for it (the common path of every query).
class TimeContext {
 public:
  TimeContext(icalcomponent* vcal, const std::string& floating_tz);
  ~TimeContext();
  TimeContext(const TimeContext&) = delete;
  TimeContext& operator=(const TimeContext&) = delete;

  // The zone of a TZID: the calendar's VTIMEZONE (its shared expanded copy, zone_cache.h), else
  // the system database. Null if unknown. Valid as long as this context.
  icaltimezone* Zone(const char* tzid);
  // The zone that local values of `prop` are in (TZID, UTC, or the floating zone); null and
  // sets error() for an unknown TZID.
  icaltimezone* ZoneOf(icalproperty* prop, const icaltimetype& t);
  // `t` (interpreted in `zone`; DATE = midnight) as UTC seconds.
  static Seconds ToUtc(icaltimetype t, icaltimezone* zone);
  // A DATE/DATE-TIME property value as UTC seconds (nullopt if absent or unresolvable).
  std::optional<Seconds> PropUtc(icalcomponent* comp, icalproperty_kind kind);
  std::optional<Seconds> ValueUtc(icalproperty* prop, icaltimetype t);

  // The zone of floating date-times and DATE values (RFC 4791 §9.9); UTC when `floating_tz`
  // names no zone this server can resolve.
  icaltimezone* floating_zone();
  bool saw_floating() const { return saw_floating_; }
  bool error() const { return error_; }
  const std::string& error_message() const { return error_message_; }

 private:
  icalcomponent* vcal_;
  std::string floating_tz_;
  icaltimezone* floating_ = nullptr;        // resolved on first use
  icaltimezone* owned_floating_ = nullptr;  // a zone built from a VTIMEZONE text, freed here
  std::map<std::string, icaltimezone*> cache_;
  std::vector<std::shared_ptr<const SharedZone>> held_;  // the shared zones cache_ points to
  bool saw_floating_ = false;
  bool error_ = false;
  std::string error_message_;
};

// A nominal duration: whole local days, then exact seconds (RFC 5545 §3.3.6).
struct Span {
  int days = 0;
  Seconds seconds = 0;
};

// One recurrence instance of a component (or the only one of a non-recurring component).
struct Instance {
  icalcomponent* comp = nullptr;  // the component whose properties describe this instance
  bool has_start = false;
  Seconds start = 0;               // UTC start (DTSTART of the instance)
  Seconds end = 0;                 // UTC end (DTEND/DUE/DTSTART+DURATION, or start)
  bool has_end = false;            // DTEND, DURATION or DUE given
  bool end_from_duration = false;  // the end came from DURATION (the VTODO table tells apart)
  bool all_day = false;            // DTSTART is a DATE
  // The §9.9 time-range interval: the instance overlaps [rs, re) iff rs < hi && re > lo.
  Seconds lo = store::kNoLowerBound;
  Seconds hi = store::kNoUpperBound;
  bool never = false;                       // matches no time range (VJOURNAL without DTSTART, ...)
  bool recurring = false;                   // part of a recurrence set (has a RECURRENCE-ID)
  icaltimetype rid = icaltime_null_time();  // local RECURRENCE-ID value
  Seconds rid_utc = 0;
};

// How far an expansion went.
struct ExpandStats {
  bool capped = false;     // stopped by the iteration cap: later instances were not seen
  bool unbounded = false;  // some RRULE has neither COUNT nor UNTIL
  bool recurring = false;  // RRULE, RDATE or overrides present
  Seconds max_shift = 0;   // largest |THISANDFUTURE shift|
};

// The recurrence set of one UID's components of one type (master + RECURRENCE-ID overrides).
struct ComponentGroup {
  icalcomponent* master = nullptr;
  std::vector<icalcomponent*> overrides;
};

// Groups the non-VTIMEZONE children of `vcal` by (type, UID), in document order.
std::vector<ComponentGroup> GroupComponents(icalcomponent* vcal);

// The instances of `group` that may overlap [window.start, window.end) (a superset: callers
// test lo/hi themselves), each master instance at most once, in no particular order. At most
// `max_iterations` RRULE iterations (also capped by kMaxRecurIterations).
std::vector<Instance> ExpandGroup(const ComponentGroup& group, TimeContext& tc,
                                  const TimeRange& window, int max_iterations, ExpandStats* stats);

// Fills lo/hi/never of `inst` from the §9.9 table of its component type. `inst.comp`, start,
// end and has_end must be set.
void ComputeTimeRangeInterval(Instance& inst, TimeContext& tc);

// Whether [lo, hi) of `inst` overlaps `range` per §9.9.
bool Overlaps(const Instance& inst, const TimeRange& range);

// The trigger times (UTC) of `alarm` for the instance `inst`, REPEAT included.
std::vector<Seconds> AlarmTriggers(icalcomponent* alarm, const Instance& inst, TimeContext& tc);

// Text-match (RFC 4790 collations): whether `text` satisfies `match` (negation applied).
bool TextMatches(std::string_view text, const TextMatch& match);

// The name of a component ("VEVENT", or the X- name of an extension component).
std::string ComponentName(icalcomponent* c);

// The textual value of a property (TEXT unescaped).
std::string PropertyText(icalproperty* p);

// The value of the parameter `name` ("PARTSTAT", "X-FOO") of `p`, "" when absent.
std::string ParamText(icalproperty* p, const char* name);

// The properties of `c` of `kind`, in order, collected first so callers may remove them while
// walking the list (libical's iterator is invalidated by removal).
std::vector<icalproperty*> Props(icalcomponent* c, icalproperty_kind kind = ICAL_ANY_PROPERTY);
// Removes (and frees) every property of `kind` from `c`.
void RemoveProps(icalcomponent* c, icalproperty_kind kind);

// The RRULE of the master `master` as the JSON API shows it (ical_edit.cc): nullopt without
// one; UNTIL as the date it falls on in DTSTART's zone.
std::optional<RecurrenceRule> ReadRule(icalcomponent* master, TimeContext& tc);
// The VALARM triggers of `c` related to its start, as minutes before it (ical_edit.cc).
std::vector<int> AlarmMinutes(icalcomponent* c);

// Serialises a component with CRLF line endings and 75-octet folding.
std::string Serialize(icalcomponent* comp);

}  // namespace cartable::dav::caldav::internal
