// The iCalendar engine: validation of calendar object resources, index extraction, CalDAV
// filters and time ranges, calendar-data rendering (partial, expand, limit-recurrence-set),
// free-busy and occurrence expansion. ical.cc (and its helpers in this folder) are the only code
// that includes libical; everything here works on bytes in, values out.
//
// Times are UTC seconds since the epoch. Floating date-times and DATE values are evaluated in
// `floating_tz` (RFC 4791 §9.9: the query's CALDAV:timezone, else the calendar's
// calendar-timezone, else UTC): an Olson name, default "UTC", or a VCALENDAR text holding the
// VTIMEZONE to use, as FloatingZoneOf gives it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dav/caldav/ical_object.h"
#include "dav/collation.h"
#include "dav/status.h"
#include "dav/store/store.h"

namespace cartable::dav::caldav {

using Seconds = int64_t;

// ---------------------------------------------------------------------------------------------
// Validation and index (PUT)

struct ValidateOptions {
  // Components the target calendar accepts (supported-calendar-component-set).
  std::vector<std::string> allowed_components = {"VEVENT", "VTODO", "VJOURNAL", "VFREEBUSY"};
  uint64_t max_resource_size = 10u << 20;
  Seconds min_date_time = store::kNoLowerBound;  // CALDAV:min-date-time (not enforced if unbounded)
  Seconds max_date_time = store::kNoUpperBound;
  std::string floating_tz = "UTC";
  // Upper bound on instances expanded to compute the index of a bounded RRULE; beyond it the
  // object is indexed as open-ended (never wrong, only less selective).
  int max_instances_for_index = 5000;
};

// The character-level door of iCalendar data, before any parse: well-formed UTF-8 (RFC 5545
// §3.1: "The default charset is UTF-8"), no control character but HTAB inside a line, CR only
// before LF (§3.1, §3.3.11 CONTROL), no U+FFFE/U+FFFF (dav/text_check.h kContentLines).
// Errors: valid-calendar-data with a message naming the line ("line 4: character U+0001 ...").
// A plain function of the bytes, for the fuzz target of iCalendar validation too.
Status CheckCalendarText(std::string_view ics);

// Checks a calendar object resource (RFC 4791 §4.1, §5.3.2) and extracts its index.
// Errors (Status with precondition, nothing stored by the caller):
//   valid-calendar-data          CheckCalendarText refuses the bytes (not UTF-8, a control
//                                 character; the message names the line),
//                                 not parsable as iCalendar, no VCALENDAR, VERSION missing,
//                                 a component without UID, a date-time that cannot be resolved
//   valid-calendar-object-resource  several UIDs, mixed component types, METHOD present,
//                                 RECURRENCE-ID instances without... (anything 4.1 forbids)
//   supported-calendar-component component type not in allowed_components
//   max-resource-size            larger than max_resource_size
//   min-date-time / max-date-time  outside the bounds
// TZIDs without a VTIMEZONE are resolved through the system time-zone database
// (/usr/share/zoneinfo), never rejected when the name is known there.
// This is the door of calendar data: when `parsed` is given, the parsed object is moved there
// on success, so the caller never parses `ics` again (scheduling works on it).
Result<store::ObjectIndex> ValidateCalendarObject(std::string_view ics,
                                                  const ValidateOptions& options,
                                                  CalendarObject* parsed = nullptr);
// The same checks on an object already parsed (a copy the server built: an attendee's copy
// after a REQUEST, an organizer's after a REPLY); no parse.
Result<store::ObjectIndex> ValidateCalendarObject(const CalendarObject& parsed,
                                                  const ValidateOptions& options);

// ---------------------------------------------------------------------------------------------
// Filters (RFC 4791 §9.7), parsed from XML by filter.h

struct TimeRange {
  Seconds start = store::kNoLowerBound;  // inclusive
  Seconds end = store::kNoUpperBound;    // exclusive
};

// The text-match kinds, TextMatch and ParamFilter are the ones shared with the other protocol's
// filters (dav/collation.h).
using MatchType = ::cartable::dav::MatchKind;

struct PropFilter {
  std::string name;  // upper case
  bool is_not_defined = false;
  std::optional<TimeRange> time_range{};
  std::optional<TextMatch> text_match{};
  std::vector<ParamFilter> param_filters{};
};

struct CompFilter {
  std::string name;  // upper case: "VCALENDAR" at the root
  bool is_not_defined = false;
  std::optional<TimeRange> time_range{};
  std::vector<PropFilter> prop_filters{};
  std::vector<CompFilter> comp_filters{};
};

// Whether the calendar object `ics` matches `filter` (rooted at VCALENDAR), following §9.7 and
// the §9.9 time-range tables exactly for VEVENT, VTODO, VJOURNAL, VFREEBUSY and VALARM, with
// recurrence (RRULE, RDATE, EXDATE, RECURRENCE-ID overrides including RANGE=THISANDFUTURE).
// Errors: kInternal only if `ics` cannot be parsed (stored data is valid by construction).
Result<bool> MatchesFilter(std::string_view ics, const CompFilter& filter,
                           const std::string& floating_tz = "UTC");

// The §9.9 interval [lo, hi) of one instance: it overlaps [start, end) iff start < hi && end > lo.
struct InstanceSpan {
  Seconds lo = 0;
  Seconds hi = 0;
};
inline bool SpanOverlaps(const InstanceSpan& s, const TimeRange& r) {
  return r.start < s.hi && r.end > s.lo;
}

// The spans of every instance of the `component` components of `ics` (recurrence sets
// expanded, overrides applied) that overlap `window`, sorted by lo. For a filter that is only
// that component with a time-range R inside `window` (PlanFilter's `exact`), MatchesFilter is
// true iff some span overlaps R, so callers may cache the spans. *complete is false when the
// recurrence cap stopped the expansion: then only MatchesFilter answers.
// *floating (when given) is set when some span depends on `floating_tz` (floating or DATE
// values): spans cached for one zone are then wrong for another.
Result<std::vector<InstanceSpan>> InstanceSpans(std::string_view ics, const std::string& component,
                                                const TimeRange& window, bool* complete,
                                                const std::string& floating_tz = "UTC",
                                                bool* floating = nullptr);

// What the store can pre-filter for `filter`: the component and the time range of the first
// level comp-filter below VCALENDAR. `exact` is true when the filter is nothing but that
// component and time range (no prop/param filters, no nested comps, no is-not-defined), so an
// object whose index does not need expansion and overlaps the range is a match without parsing.
struct IndexPlan {
  std::string component;  // "" = any
  TimeRange range;
  bool exact = false;
};
IndexPlan PlanFilter(const CompFilter& filter);

// ---------------------------------------------------------------------------------------------
// calendar-data (RFC 4791 §9.6)

struct CompSelector {
  std::string name;                   // upper case
  bool all_props = true;              // <C:allprop/> or no <C:prop> given
  std::vector<std::string> props{};   // when !all_props: property names to keep (upper case)
  bool all_comps = true;              // <C:allcomp/> or no <C:comp> given
  std::vector<CompSelector> comps{};  // when !all_comps: sub-components to keep
};

struct CalendarDataRequest {
  std::optional<CompSelector> comp;           // partial retrieval; nullopt = everything
  std::optional<TimeRange> expand;            // <C:expand>: instances in range, as UTC, no RRULE
  std::optional<TimeRange> limit_recurrence;  // <C:limit-recurrence-set>
  std::optional<TimeRange> limit_freebusy;    // <C:limit-freebusy-set>
  // The zone of the calendar-query's CALDAV:timezone / timezone-id (FloatingZoneOf), which
  // replaces each calendar's calendar-timezone for expand and the limit sets (RFC 4791 §9.8);
  // read by the calendar-data property, not by RenderCalendarData (it takes the zone itself).
  std::optional<std::string> query_floating_tz{};
  // Instances <C:expand> may produce for the whole request ([limits] max_instances_per_request;
  // 0 = no bound), and the count so far: a report renders every object with the same request,
  // so the count lives here (one request, one thread).
  uint64_t max_instances = 0;
  mutable uint64_t instances = 0;
};

// The calendar data to return for `ics`. With no options, returns `ics` unchanged (byte for
// byte). Errors: kInternal when `ics` cannot be parsed; DAV:number-of-matches-within-limits
// (507) when expanding would take request.instances beyond request.max_instances.
Result<std::string> RenderCalendarData(std::string_view ics, const CalendarDataRequest& request,
                                       const std::string& floating_tz = "UTC");

// ---------------------------------------------------------------------------------------------
// Free-busy (RFC 4791 §7.10) and occurrences (the JSON API)

struct BusyPeriod {
  Seconds start = 0;
  Seconds end = 0;
  std::string fbtype;  // "BUSY", "BUSY-TENTATIVE", "BUSY-UNAVAILABLE", "FREE"
};

// Busy periods of one calendar object within `range` (VEVENTs that are not TRANSPARENT nor
// CANCELLED, VFREEBUSY periods, VAVAILABILITY is not supported). Instances where one of
// `declined_by` (calendar addresses, as itip.h NormalizeAddress gives them) is an ATTENDEE with
// PARTSTAT=DECLINED are not busy: scheduling's free/busy of a person leaves out what they
// declined, for the whole series or one occurrence.
Result<std::vector<BusyPeriod>> BusyPeriods(std::string_view ics, const TimeRange& range,
                                            const std::string& floating_tz = "UTC",
                                            const std::vector<std::string>& declined_by = {});

// The refusal of a request whose expansion or free-busy would produce more than `max` instances
// ([limits] max_instances_per_request): 507 DAV:number-of-matches-within-limits, as for an
// answer too large to hold (MultistatusWriter::WithinLimit). Not CALDAV:max-instances: RFC 4791
// §5.3.2.1 makes that a precondition of storing one object, which a query does not do.
Status TooManyInstances(uint64_t max);

// A VCALENDAR with one VFREEBUSY (DTSTAMP, DTSTART/DTEND = range, merged FREEBUSY lines by type).
std::string RenderFreeBusy(const std::vector<BusyPeriod>& periods, const TimeRange& range);

struct Attendee {
  std::string address;   // "mailto:..."
  std::string name;      // CN
  std::string partstat;  // "NEEDS-ACTION", "ACCEPTED", ...
};

// A recurrence rule as the JSON API shows and takes it (RFC 5545 §3.3.10, the subset the web
// agenda edits): FREQ, INTERVAL, BYDAY (weekdays without ordinal), UNTIL as a date, COUNT.
struct RecurrenceRule {
  std::string freq;  // "DAILY", "WEEKLY", "MONTHLY", "YEARLY"
  int interval = 1;
  std::vector<std::string> byday;  // "MO", "TH", ...
  std::string until;               // "2027-07-04" (the last day, in the event's zone) or ""
  int count = 0;                   // 0 = none
  bool operator==(const RecurrenceRule&) const = default;
};

struct Occurrence {
  std::string uid;
  std::string recurrence_id;  // "" for a non-recurring component; else the UTC instance start
  std::string component;      // "VEVENT" / "VTODO"
  Seconds start = 0;
  Seconds end = 0;
  bool all_day = false;
  std::string summary, location, description, status;
  std::string organizer;  // "mailto:..."
  std::vector<Attendee> attendees;
  // The zone of DTSTART: its TZID, "UTC" for a UTC time, "" for a DATE or a floating time.
  std::string timezone;
  std::optional<RecurrenceRule> rrule;  // the series' rule (the master's, also for an override)
  bool recurring = false;               // part of a series (RRULE, RDATE or an override)
  std::vector<int> alarms;              // VALARM triggers, minutes before the start
  std::string klass = "PUBLIC";         // CLASS
  bool transparent = false;             // TRANSP:TRANSPARENT
};

// Instances of `ics` overlapping `range`, in start order, at most `max_instances` (the rest are
// dropped and *truncated is set). Errors: kInternal when `ics` cannot be parsed.
Result<std::vector<Occurrence>> ExpandOccurrences(std::string_view ics, const TimeRange& range,
                                                  size_t max_instances, bool* truncated,
                                                  const std::string& floating_tz = "UTC");

// ---------------------------------------------------------------------------------------------
// Sharing: what a sharee sees of an object (dav/sharing/privacy.h, dav/sharing/per_user.h)

// How private an object is: its most restrictive CLASS among its VEVENT, VTODO and VJOURNAL
// components (RFC 5545 §3.8.1.3). An override may omit the CLASS of its series, so the whole
// object is reduced when one component is PRIVATE or CONFIDENTIAL.
enum class Privacy { kPublic, kConfidential, kPrivate };

// Whether `ics` may hold a CLASS that is not PUBLIC: a scan of the unfolded text for the
// property name, no parse (the common path of every read by a sharee). False proves kPublic.
bool MayBeClassified(std::string_view ics);
Privacy PrivacyOf(const CalendarObject& object);

// Reduces `object` for viewers who may not see its details (RFC 5545 §3.8.1.3, as CalendarServer
// and Cyrus show private events to sharees): every VEVENT/VTODO/VJOURNAL keeps only UID,
// DTSTAMP, DTSTART, DTEND, DUE, DURATION, RRULE, RDATE, EXDATE, RECURRENCE-ID, TRANSP, STATUS,
// CLASS and SEQUENCE, loses every sub-component (VALARM), and gets SUMMARY `summary` ("Occupé"
// for PRIVATE, "Confidentiel" for CONFIDENTIAL); the VCALENDAR keeps VERSION, PRODID, CALSCALE
// and its VTIMEZONEs only. Everything else (LOCATION, DESCRIPTION, ATTENDEE, ORGANIZER, ATTACH,
// CATEGORIES, URL, CONTACT, COMMENT, X- properties, ...) is dropped: a whitelist, so a property
// added by some client never leaks. No-op for kPublic.
void ReduceForPrivacy(CalendarObject& object, Privacy level);
inline constexpr std::string_view kPrivateSummary = "Occupé";
inline constexpr std::string_view kConfidentialSummary = "Confidentiel";

// Per-user data (as CalendarServer and Cyrus keep it): a sharee's VALARMs, TRANSP and the alarm
// state Thunderbird writes on the event when an alarm is dismissed or snoozed (X-MOZ-LASTACK,
// X-MOZ-SNOOZE-TIME*), per component instance. Stored as a VCALENDAR whose components carry
// only UID, RECURRENCE-ID (in UTC, or a DATE) and those parts.

// Removes the per-user parts from every instance of `object` and returns them as per-user data
// text ("" when there were none).
std::string SplitPerUser(CalendarObject& object);
// Removes the per-user parts from every instance of `object` (the owner's, before a sharee's
// are merged in).
void StripPerUser(CalendarObject& object);
// Adds the per-user parts of `per_user` (SplitPerUser's text) to the matching instances of
// `object` (same component, UID and RECURRENCE-ID instant). Entries whose instance is not in
// `object` are ignored. Errors: none (unparsable per-user data merges nothing).
void MergePerUser(CalendarObject& object, std::string_view per_user);
// Copies the per-user parts of each instance of `from` into the matching instance of `to`
// (whose own were stripped): the owner's alarms kept when a sharee replaces the event.
void CopyPerUser(const CalendarObject& from, CalendarObject& to);
// Whether `a` and `b` hold the same event for everyone: equal once per-user parts, DTSTAMP,
// LAST-MODIFIED and the VCALENDAR's PRODID are left out (clients rewrite those when they save
// an alarm), comparing instances by (component, UID, RECURRENCE-ID) and properties in any order.
bool SameSharedContent(const CalendarObject& a, const CalendarObject& b);

// Parses an iCalendar DATE-TIME in UTC ("20261123T120000Z"), as used by time-range attributes.
std::optional<Seconds> ParseUtcDateTime(std::string_view value);
// Formats UTC seconds as "20261123T120000Z".
std::string FormatUtcDateTime(Seconds t);

// Checks a CALDAV:calendar-timezone value (RFC 4791 §5.2.2), or the CALDAV:timezone of a
// calendar-query (§9.8; `element` names it in messages): one VCALENDAR holding exactly one
// VTIMEZONE (with a TZID and a STANDARD or DAYLIGHT rule) and nothing else. Otherwise
// CALDAV:valid-calendar-data (403) with the reason, as Cyrus answers.
Status ValidateTimezoneObject(std::string_view ics, std::string_view element = "calendar-timezone");

// The `floating_tz` argument of the functions above for a calendar whose calendar-timezone is
// `timezone_ics` (a value ValidateTimezoneObject accepted; "" = none, then "UTC"): the Olson name
// of its TZID when the system time-zone database knows it (what clients send; the system rules
// are loaded once per process), else `timezone_ics` itself, whose VTIMEZONE is then used as
// given. A line scan, no parse: cheap enough to call for every object expanded.
std::string FloatingZoneOf(std::string_view timezone_ics);
// The same for a time-zone identifier (RFC 7809 CALDAV:timezone-id); nullopt when the system
// database does not know it.
std::optional<std::string> FloatingZoneOfTzid(std::string_view tzid);

}  // namespace cartable::dav::caldav
