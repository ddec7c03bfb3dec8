// Validation of calendar object resources (RFC 4791 §4.1, §5.3.2) and index extraction.
#include <algorithm>
#include <cctype>
#include <cstring>
#include <set>

#include "dav/caldav/ical_internal.h"
#include "dav/caldav/occurrences.h"
#include "dav/text_check.h"

namespace cartable::dav::caldav {
namespace {

using dav::Precondition;
using internal::ComponentGroup;
using internal::Instance;
using internal::TimeContext;
using store::kNoLowerBound;
using store::kNoUpperBound;

// Floating times are indexed in the zone of ValidateOptions (UTC at PUT); queries evaluate them
// in the query's or the calendar's zone, which may change after the PUT (RFC 4791 §9.9). Widening
// the span by the largest possible offset difference (UTC-12 to UTC+14) keeps the index sound.
constexpr Seconds kFloatingSlack = 27 * 3600;

// RFC 5545 §3.1: iana-token = 1*(ALPHA / DIGIT / "-").
bool IsIanaToken(std::string_view s) {
  if (s.empty()) return false;
  for (char ch : s) {
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-') return false;
  }
  return true;
}

// libical 3.0 knows no property registered after RFC 5545/7986 (RFC 9073 STRUCTURED-DATA,
// STYLED-DESCRIPTION, LOCATION-TYPE...; RFC 9074, 9253...): it replaces each by an X-LIC-ERROR
// "Parse error in property name: NAME", and keeps an unknown component (VLOCATION,
// PARTICIPANT) as one of no kind. Such data is valid iCalendar (RFC 5545 §3.6 iana-comp,
// §3.8.8.1 iana-prop: "MUST ... be ignored" by applications that do not know them), so it is
// not an error here; a name that is not an iana-token (a space, an underscore) still is.
bool IsUnknownNameError(icalproperty* err) {
  constexpr std::string_view kPrefix = "Parse error in property name: ";
  const char* s = icalproperty_get_xlicerror(err);
  std::string_view msg = s ? s : "";
  return msg.substr(0, kPrefix.size()) == kPrefix && IsIanaToken(msg.substr(kPrefix.size()));
}

// The first error libical recorded in `c` that makes the data invalid ("" when none); unknown
// IANA properties and whatever lies inside unknown components are not errors.
std::string FirstRealError(icalcomponent* c) {
  for (icalproperty* p = icalcomponent_get_first_property(c, ICAL_XLICERROR_PROPERTY); p;
       p = icalcomponent_get_next_property(c, ICAL_XLICERROR_PROPERTY)) {
    if (IsUnknownNameError(p)) continue;
    const char* s = icalproperty_get_xlicerror(p);
    return s && *s ? s : "parse error";
  }
  for (icalcomponent* k = icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT); k;
       k = icalcomponent_get_next_component(c, ICAL_ANY_COMPONENT)) {
    icalcomponent_kind kind = icalcomponent_isa(k);
    if (kind == ICAL_NO_COMPONENT || kind == ICAL_X_COMPONENT) continue;
    std::string e = FirstRealError(k);
    if (!e.empty()) return e;
  }
  return "";
}

std::string FirstError(icalcomponent* c) {
  icalproperty* p = icalcomponent_get_first_property(c, ICAL_XLICERROR_PROPERTY);
  if (p) {
    const char* s = icalproperty_get_xlicerror(p);
    return s ? s : "parse error";
  }
  for (icalcomponent* k = icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT); k;
       k = icalcomponent_get_next_component(c, ICAL_ANY_COMPONENT)) {
    std::string e = FirstError(k);
    if (!e.empty()) return e;
  }
  return "";
}

Status Invalid(std::string msg) {
  return Status::Violates(Precondition::kValidCalendarData, std::move(msg));
}
Status BadObject(std::string msg) {
  return Status::Violates(Precondition::kValidCalendarObjectResource, std::move(msg));
}

// Every TZID used anywhere must resolve (VTIMEZONE or system database).
Status CheckTzids(icalcomponent* c, TimeContext& tc) {
  for (icalproperty* p = icalcomponent_get_first_property(c, ICAL_ANY_PROPERTY); p;
       p = icalcomponent_get_next_property(c, ICAL_ANY_PROPERTY)) {
    icalparameter* tz = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);
    if (!tz) continue;
    const char* tzid = icalparameter_get_tzid(tz);
    if (!tzid || !tc.Zone(tzid)) {
      return Invalid(std::string("unknown time zone ") + (tzid ? tzid : "(empty)"));
    }
  }
  for (icalcomponent* k = icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT); k;
       k = icalcomponent_get_next_component(c, ICAL_ANY_COMPONENT)) {
    if (icalcomponent_isa(k) == ICAL_VTIMEZONE_COMPONENT) continue;
    Status s = CheckTzids(k, tc);
    if (!s.ok()) return s;
  }
  return Status::OK();
}

// The date properties a server computes with must hold a real DATE or DATE-TIME.
Status CheckDates(icalcomponent* c) {
  for (icalproperty_kind kind : {ICAL_DTSTART_PROPERTY, ICAL_DTEND_PROPERTY, ICAL_DUE_PROPERTY,
                                 ICAL_RECURRENCEID_PROPERTY, ICAL_EXDATE_PROPERTY}) {
    for (icalproperty* p = icalcomponent_get_first_property(c, kind); p;
         p = icalcomponent_get_next_property(c, kind)) {
      icalvalue* v = icalproperty_get_value(p);
      icalvalue_kind vk = v ? icalvalue_isa(v) : ICAL_NO_VALUE;
      bool ok = false;
      if (vk == ICAL_DATE_VALUE || vk == ICAL_DATETIME_VALUE) {
        icaltimetype t = vk == ICAL_DATE_VALUE ? icalvalue_get_date(v) : icalvalue_get_datetime(v);
        ok = !icaltime_is_null_time(t) && icaltime_is_valid_time(t) && t.month >= 1 &&
             t.month <= 12 && t.day >= 1 && t.day <= 31;
      }
      if (!ok) {
        const char* name = icalproperty_get_property_name(p);
        return Invalid(std::string("invalid date in ") + (name ? name : "property"));
      }
    }
  }
  return Status::OK();
}

// RFC 5545 rules on one scheduling component that matter to a server.
Status CheckComponent(icalcomponent* c) {
  Status dates = CheckDates(c);
  if (!dates.ok()) return dates;
  icalcomponent_kind kind = icalcomponent_isa(c);
  bool has_start = icalcomponent_get_first_property(c, ICAL_DTSTART_PROPERTY);
  bool has_end = icalcomponent_get_first_property(c, ICAL_DTEND_PROPERTY);
  bool has_due = icalcomponent_get_first_property(c, ICAL_DUE_PROPERTY);
  bool has_dur = icalcomponent_get_first_property(c, ICAL_DURATION_PROPERTY);
  if (kind == ICAL_VEVENT_COMPONENT && !has_start) return Invalid("VEVENT without DTSTART");
  if (has_end && has_dur) return Invalid("both DTEND and DURATION");
  if (has_due && has_dur) return Invalid("both DUE and DURATION");
  if (kind == ICAL_VTODO_COMPONENT && has_dur && !has_start) {
    return Invalid("VTODO with DURATION but no DTSTART");
  }
  if (icalcomponent_get_first_property(c, ICAL_RRULE_PROPERTY) && !has_start) {
    return Invalid("RRULE without DTSTART");
  }
  return Status::OK();
}

// The §4.1 structure: one type, one UID, no METHOD, one master, distinct RECURRENCE-IDs.
Status CheckStructure(icalcomponent* cal, const ValidateOptions& options, std::string* uid,
                      std::string* type) {
  if (icalcomponent_get_first_property(cal, ICAL_METHOD_PROPERTY)) {
    return BadObject("METHOD is not allowed in a calendar object resource");
  }
  icalproperty* version = icalcomponent_get_first_property(cal, ICAL_VERSION_PROPERTY);
  const char* v = version ? icalproperty_get_version(version) : nullptr;
  if (!v || strcmp(v, "2.0") != 0) return Invalid("VERSION:2.0 is required");
  int masters = 0;
  std::set<std::string> rids;
  for (icalcomponent* c = icalcomponent_get_first_component(cal, ICAL_ANY_COMPONENT); c;
       c = icalcomponent_get_next_component(cal, ICAL_ANY_COMPONENT)) {
    icalcomponent_kind kind = icalcomponent_isa(c);
    if (kind == ICAL_VTIMEZONE_COMPONENT) {
      if (!icalcomponent_get_first_property(c, ICAL_TZID_PROPERTY)) {
        return Invalid("VTIMEZONE without TZID");
      }
      continue;
    }
    std::string n = internal::ComponentName(c);
    if (std::find(options.allowed_components.begin(), options.allowed_components.end(), n) ==
        options.allowed_components.end()) {
      return Status::Violates(Precondition::kSupportedCalendarComponent,
                              n + " is not supported by this calendar");
    }
    if (type->empty()) *type = n;
    if (*type != n) return BadObject("more than one component type (" + *type + ", " + n + ")");
    const char* u = icalcomponent_get_uid(c);
    if (!u || !*u) return Invalid(n + " without UID");
    if (uid->empty()) *uid = u;
    if (*uid != u) return BadObject("more than one UID");
    icalproperty* rid = icalcomponent_get_first_property(c, ICAL_RECURRENCEID_PROPERTY);
    if (rid) {
      const char* rv = icalproperty_get_value_as_string(rid);
      if (!rids.insert(rv ? rv : "").second) return BadObject("duplicate RECURRENCE-ID");
    } else if (++masters > 1) {
      return BadObject("more than one component without RECURRENCE-ID");
    }
    Status s = CheckComponent(c);
    if (!s.ok()) return s;
  }
  if (type->empty()) return BadObject("no calendar component");
  return Status::OK();
}

bool HasUnboundedRule(icalcomponent* master) {
  if (!master) return false;
  for (icalproperty* p = icalcomponent_get_first_property(master, ICAL_RRULE_PROPERTY); p;
       p = icalcomponent_get_next_property(master, ICAL_RRULE_PROPERTY)) {
    icalrecurrencetype r = icalproperty_get_rrule(p);
    if (r.count == 0 && icaltime_is_null_time(r.until)) return true;
  }
  return false;
}

// The union of the §9.9 intervals of every instance.
Status ComputeIndex(icalcomponent* cal, TimeContext& tc, const ValidateOptions& options,
                    store::ObjectIndex* index) {
  std::vector<ComponentGroup> groups = internal::GroupComponents(cal);
  Seconds lo = kNoUpperBound, hi = kNoLowerBound;
  bool any = false, never = false, unbounded_end = false;
  size_t count = 0;
  for (const ComponentGroup& g : groups) {
    internal::ExpandStats stats;
    // An open-ended rule is indexed as open-ended anyway: a few iterations are enough.
    int budget = HasUnboundedRule(g.master) ? 16 : options.max_instances_for_index;
    std::vector<Instance> instances = internal::ExpandGroup(g, tc, TimeRange{}, budget, &stats);
    if (stats.recurring) index->needs_expansion = true;
    if (stats.unbounded || stats.capped) {
      unbounded_end = true;
      // Unseen rule instances all start at or after the master's DTSTART.
      std::optional<Seconds> dtstart = tc.PropUtc(g.master, ICAL_DTSTART_PROPERTY);
      if (dtstart) lo = std::min(lo, *dtstart);
    }
    count += instances.size();
    for (const Instance& inst : instances) {
      if (inst.never) {
        never = true;
        continue;
      }
      any = true;
      lo = std::min(lo, inst.lo);
      hi = std::max(hi, inst.hi);
    }
  }
  if (tc.error()) return Invalid(tc.error_message());
  if (!any) {  // nothing that can ever overlap a time range: let every query look at it
    index->needs_expansion = true;
    return Status::OK();
  }
  if (options.min_date_time != kNoLowerBound && lo != kNoLowerBound && lo < options.min_date_time) {
    return Status::Violates(Precondition::kMinDateTime, "a date is before min-date-time");
  }
  if (options.max_date_time != kNoUpperBound && hi != kNoUpperBound && !unbounded_end &&
      hi > options.max_date_time) {
    return Status::Violates(Precondition::kMaxDateTime, "a date is after max-date-time");
  }
  if (unbounded_end) hi = kNoUpperBound;
  if (count > 1 || never || groups.size() > 1) index->needs_expansion = true;
  if (tc.saw_floating()) {
    index->needs_expansion = true;
    lo = internal::SatAdd(lo, -kFloatingSlack);
    hi = internal::SatAdd(hi, kFloatingSlack);
  }
  index->first_start = lo;
  index->last_end = hi;
  return Status::OK();
}

}  // namespace

struct CalendarObject::Validation {
  store::ObjectIndex index;
  Seconds min_date_time, max_date_time;
  std::string floating_tz;
  int max_instances_for_index;

  // Whether a validation under `o` would compute the same index. The allowed components and
  // the size are checked by the caller: CheckStructure found one component type, so a narrower
  // allowed set refuses exactly that type, with the message below.
  bool Covers(const ValidateOptions& o) const {
    return min_date_time == o.min_date_time && max_date_time == o.max_date_time &&
           floating_tz == o.floating_tz && max_instances_for_index == o.max_instances_for_index;
  }
};

namespace {

// Everything ValidateCalendarObject checks once the text is parsed.
Result<store::ObjectIndex> ValidateTree(icalcomponent* cal, const ValidateOptions& options) {
  if (std::string error = FirstRealError(cal); !error.empty()) {
    return Invalid("iCalendar syntax error: " + error);
  }
  store::ObjectIndex index;
  Status s = CheckStructure(cal, options, &index.uid, &index.component);
  if (!s.ok()) return s;
  TimeContext tc(cal, options.floating_tz);
  s = CheckTzids(cal, tc);
  if (!s.ok()) return s;
  s = ComputeIndex(cal, tc, options, &index);
  if (!s.ok()) return s;
  // The occurrence index (issue 14, dav/caldav/occurrences.h), stored with the object.
  index.occurrences = internal::OccurrenceRows(cal, tc, index.component,
                                               DefaultOccurrenceOptions(options.floating_tz));
  return index;
}

}  // namespace

Status CheckCalendarText(std::string_view ics) {
  std::optional<TextFault> fault = FindTextFault(ics, TextRules::kContentLines);
  if (!fault) return Status::OK();
  return Invalid("calendar data " + fault->Describe() +
                 " (RFC 5545 section 3.1: UTF-8 text, no control character but HTAB, CR only "
                 "before LF)");
}

Result<store::ObjectIndex> ValidateCalendarObject(std::string_view ics,
                                                  const ValidateOptions& options,
                                                  CalendarObject* parsed) {
  if (ics.size() > options.max_resource_size) {
    return Status::Violates(Precondition::kMaxResourceSize, "calendar object too large");
  }
  if (Status s = CheckCalendarText(ics); !s.ok()) return s;
  size_t begin = ics.find_first_not_of(" \t\r\n\xEF\xBB\xBF");
  if (begin == std::string_view::npos || ics.substr(begin, 15) != "BEGIN:VCALENDAR") {
    return Invalid("not an iCalendar object (BEGIN:VCALENDAR expected)");
  }
  Result<CalendarObject> cal = CalendarObject::Parse(ics);
  if (!cal.ok()) return Invalid("not parsable as one VCALENDAR");
  Result<store::ObjectIndex> index = ValidateTree(cal->Vcal(), options);
  if (index.ok() && parsed != nullptr) {
    cal->set_validation(std::make_shared<const CalendarObject::Validation>(
        CalendarObject::Validation{*index, options.min_date_time, options.max_date_time,
                                   options.floating_tz, options.max_instances_for_index}));
    *parsed = std::move(cal.value());
  }
  return index;
}

Result<store::ObjectIndex> ValidateCalendarObject(const CalendarObject& parsed,
                                                  const ValidateOptions& options) {
  if (parsed.empty()) return Invalid("not parsable as one VCALENDAR");
  if (parsed.Text().size() > options.max_resource_size) {
    return Status::Violates(Precondition::kMaxResourceSize, "calendar object too large");
  }
  const CalendarObject::Validation* done = parsed.validation();
  if (done != nullptr && !parsed.changed() && done->Covers(options)) {
    const std::string& type = done->index.component;
    if (std::find(options.allowed_components.begin(), options.allowed_components.end(), type) ==
        options.allowed_components.end()) {
      return Status::Violates(Precondition::kSupportedCalendarComponent,
                              type + " is not supported by this calendar");
    }
    return done->index;
  }
  return ValidateTree(parsed.Vcal(), options);
}

Status ValidateTimezoneObject(std::string_view ics, std::string_view element) {
  const std::string what(element);
  size_t begin = ics.find_first_not_of(" \t\r\n\xEF\xBB\xBF");
  if (begin == std::string_view::npos || ics.substr(begin, 15) != "BEGIN:VCALENDAR") {
    return Invalid(what + " must be an iCalendar object (BEGIN:VCALENDAR expected)");
  }
  internal::ComponentPtr cal = internal::ParseCalendar(ics);
  if (!cal) return Invalid(what + " is not parsable as one VCALENDAR");
  if (icalcomponent_count_errors(cal.get()) > 0) {
    return Invalid(what + " has an iCalendar syntax error: " + FirstError(cal.get()));
  }
  int zones = 0;
  for (icalcomponent* c = icalcomponent_get_first_component(cal.get(), ICAL_ANY_COMPONENT); c;
       c = icalcomponent_get_next_component(cal.get(), ICAL_ANY_COMPONENT)) {
    if (icalcomponent_isa(c) != ICAL_VTIMEZONE_COMPONENT) {
      return Invalid(what + std::string(" holds only a VTIMEZONE, not a ") +
                     icalcomponent_kind_to_string(icalcomponent_isa(c)));
    }
    ++zones;
    if (icalcomponent_get_first_property(c, ICAL_TZID_PROPERTY) == nullptr) {
      return Invalid("the VTIMEZONE of " + what + " has no TZID");
    }
    if (icalcomponent_get_first_component(c, ICAL_XSTANDARD_COMPONENT) == nullptr &&
        icalcomponent_get_first_component(c, ICAL_XDAYLIGHT_COMPONENT) == nullptr) {
      return Invalid("the VTIMEZONE of " + what + " has no STANDARD or DAYLIGHT rule");
    }
  }
  if (zones != 1) {
    return Invalid(what + " must hold exactly one VTIMEZONE (RFC 4791 sections 5.2.2, 9.8), not " +
                   std::to_string(zones));
  }
  return Status::OK();
}

}  // namespace cartable::dav::caldav
