// calendar-data rendering (RFC 4791 §9.6), free-busy (§7.10) and occurrences for the JSON API.
#include <algorithm>
#include <cstring>
#include <ctime>
#include <map>
#include <set>

#include "dav/caldav/ical_internal.h"
#include "dav/caldav/itip.h"

namespace cartable::dav::caldav {
namespace {

using internal::ComponentGroup;
using internal::ComponentPtr;
using internal::Instance;
using internal::Props;
using internal::RemoveProps;
using internal::TimeContext;

std::vector<icalcomponent*> Children(icalcomponent* c) {
  std::vector<icalcomponent*> out;
  for (icalcomponent* k = icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT); k;
       k = icalcomponent_get_next_component(c, ICAL_ANY_COMPONENT)) {
    out.push_back(k);
  }
  return out;
}

void RemoveChild(icalcomponent* parent, icalcomponent* child) {
  icalcomponent_remove_component(parent, child);
  icalcomponent_free(child);
}

std::string NameOf(icalcomponent* c) { return internal::ComponentName(c); }

void ApplySelector(icalcomponent* comp, const CompSelector& sel) {
  if (!sel.all_props) {
    for (icalproperty* p : Props(comp)) {
      const char* n = icalproperty_get_property_name(p);
      std::string name = n ? n : "";
      if (std::find(sel.props.begin(), sel.props.end(), name) == sel.props.end()) {
        icalcomponent_remove_property(comp, p);
        icalproperty_free(p);
      }
    }
  }
  if (sel.all_comps) return;
  for (icalcomponent* child : Children(comp)) {
    std::string name = NameOf(child);
    auto it = std::find_if(sel.comps.begin(), sel.comps.end(),
                           [&](const CompSelector& s) { return s.name == name; });
    if (it == sel.comps.end()) {
      RemoveChild(comp, child);
    } else {
      ApplySelector(child, *it);
    }
  }
}

// Replaces the `kind` property by a UTC DATE-TIME (or a DATE for all-day instances).
void SetTime(icalcomponent* c, icalproperty_kind kind, Seconds utc, bool date, TimeContext& tc) {
  RemoveProps(c, kind);
  icaltimetype t = date ? icaltime_from_timet_with_zone(utc, 1, tc.floating_zone())
                        : icaltime_from_timet_with_zone(utc, 0, icaltimezone_get_utc_timezone());
  icalproperty* p = icalproperty_new(kind);
  icalproperty_set_value(p, date ? icalvalue_new_date(t) : icalvalue_new_datetime(t));
  if (date) icalproperty_add_parameter(p, icalparameter_new_value(ICAL_VALUE_DATE));
  icalcomponent_add_property(c, p);
}

icalcomponent* InstanceComponent(const Instance& inst, TimeContext& tc) {
  icalcomponent* c = icalcomponent_new_clone(inst.comp);
  RemoveProps(c, ICAL_RRULE_PROPERTY);
  RemoveProps(c, ICAL_RDATE_PROPERTY);
  RemoveProps(c, ICAL_EXDATE_PROPERTY);
  bool todo = icalcomponent_isa(c) == ICAL_VTODO_COMPONENT;
  if (inst.has_start) SetTime(c, ICAL_DTSTART_PROPERTY, inst.start, inst.all_day, tc);
  bool has_dtend =
      icalcomponent_get_first_property(c, todo ? ICAL_DUE_PROPERTY : ICAL_DTEND_PROPERTY);
  if (has_dtend) {
    SetTime(c, todo ? ICAL_DUE_PROPERTY : ICAL_DTEND_PROPERTY, inst.end, inst.all_day, tc);
  }
  if (inst.recurring) {
    SetTime(c, ICAL_RECURRENCEID_PROPERTY, inst.rid_utc, inst.rid.is_date, tc);
  }
  return c;
}

bool ByStart(const Instance& a, const Instance& b) { return a.start < b.start; }

// The expanded instances, or null once they would take request.instances beyond its bound.
ComponentPtr Expand(icalcomponent* cal, const TimeRange& range, TimeContext& tc,
                    const CalendarDataRequest& request) {
  ComponentPtr out(icalcomponent_new(ICAL_VCALENDAR_COMPONENT));
  for (icalproperty* p : Props(cal)) {
    icalcomponent_add_property(out.get(), icalproperty_new_clone(p));
  }
  for (const ComponentGroup& g : internal::GroupComponents(cal)) {
    icalcomponent* first = g.master ? g.master : g.overrides.front();
    if (icalcomponent_isa(first) == ICAL_VFREEBUSY_COMPONENT) {
      icalcomponent_add_component(out.get(), icalcomponent_new_clone(first));
      continue;
    }
    internal::ExpandStats stats;
    std::vector<Instance> all =
        internal::ExpandGroup(g, tc, range, internal::kMaxRecurIterations, &stats);
    std::sort(all.begin(), all.end(), ByStart);
    for (const Instance& inst : all) {
      if (!internal::Overlaps(inst, range)) continue;
      if (request.max_instances != 0 && ++request.instances > request.max_instances) {
        return nullptr;
      }
      icalcomponent_add_component(out.get(), InstanceComponent(inst, tc));
    }
  }
  return out;
}

void LimitRecurrence(icalcomponent* cal, const TimeRange& range, TimeContext& tc) {
  for (const ComponentGroup& g : internal::GroupComponents(cal)) {
    if (g.overrides.empty()) continue;
    internal::ExpandStats stats;
    std::set<icalcomponent*> keep;
    for (const Instance& inst :
         internal::ExpandGroup(g, tc, range, internal::kMaxRecurIterations, &stats)) {
      bool rid_in = inst.recurring && inst.rid_utc >= range.start && inst.rid_utc < range.end;
      if (internal::Overlaps(inst, range) || rid_in) keep.insert(inst.comp);
    }
    for (icalcomponent* ov : g.overrides) {
      if (!keep.count(ov)) RemoveChild(cal, ov);
    }
  }
}

void LimitFreeBusy(icalcomponent* cal, const TimeRange& range, TimeContext& tc) {
  for (icalcomponent* c : Children(cal)) {
    if (icalcomponent_isa(c) != ICAL_VFREEBUSY_COMPONENT) continue;
    for (icalproperty* p : Props(c, ICAL_FREEBUSY_PROPERTY)) {
      icalperiodtype period = icalproperty_get_freebusy(p);
      std::optional<Seconds> s = tc.ValueUtc(p, period.start);
      Seconds e = s ? *s + icaldurationtype_as_int(period.duration) : 0;
      if (s && !icaltime_is_null_time(period.end)) e = tc.ValueUtc(p, period.end).value_or(*s);
      if (!s || !(range.start < e && range.end > *s)) {
        icalcomponent_remove_property(c, p);
        icalproperty_free(p);
      }
    }
  }
}

}  // namespace

Status TooManyInstances(uint64_t max) {
  return Status::Violates(Precondition::kNumberOfMatchesWithinLimits,
                          "the request would produce more than " + std::to_string(max) +
                              " recurrence instances ([limits] max_instances_per_request); ask "
                              "for a narrower time range");
}

Result<std::string> RenderCalendarData(std::string_view ics, const CalendarDataRequest& request,
                                       const std::string& floating_tz) {
  if (!request.comp && !request.expand && !request.limit_recurrence && !request.limit_freebusy) {
    return std::string(ics);
  }
  ComponentPtr cal = internal::ParseCalendar(ics);
  if (!cal) return Status::Internal("stored calendar data cannot be parsed");
  TimeContext tc(cal.get(), floating_tz);
  if (request.expand) {
    cal = Expand(cal.get(), *request.expand, tc, request);
    if (!cal) return TooManyInstances(request.max_instances);
  } else if (request.limit_recurrence) {
    LimitRecurrence(cal.get(), *request.limit_recurrence, tc);
  }
  if (request.limit_freebusy) LimitFreeBusy(cal.get(), *request.limit_freebusy, tc);
  if (request.comp) ApplySelector(cal.get(), *request.comp);
  return internal::Serialize(cal.get());
}

namespace {

// Whether one of `who` declined the instance `comp` describes.
bool DeclinedBy(icalcomponent* comp, const std::vector<std::string>& who) {
  if (who.empty()) return false;
  for (icalproperty* p : Props(comp, ICAL_ATTENDEE_PROPERTY)) {
    const char* value = icalproperty_get_attendee(p);
    icalparameter* ps = icalproperty_get_first_parameter(p, ICAL_PARTSTAT_PARAMETER);
    if (value && ps && icalparameter_get_partstat(ps) == ICAL_PARTSTAT_DECLINED &&
        std::find(who.begin(), who.end(), NormalizeAddress(value)) != who.end()) {
      return true;
    }
  }
  return false;
}

}  // namespace

Result<std::vector<BusyPeriod>> BusyPeriods(std::string_view ics, const TimeRange& range,
                                            const std::string& floating_tz,
                                            const std::vector<std::string>& declined_by) {
  ComponentPtr cal = internal::ParseCalendar(ics);
  if (!cal) return Status::Internal("stored calendar data cannot be parsed");
  TimeContext tc(cal.get(), floating_tz);
  std::vector<BusyPeriod> out;
  auto add = [&](Seconds s, Seconds e, std::string type) {
    s = std::max(s, range.start);
    e = std::min(e, range.end);
    if (e > s) out.push_back(BusyPeriod{s, e, std::move(type)});
  };
  for (const ComponentGroup& g : internal::GroupComponents(cal.get())) {
    icalcomponent* first = g.master ? g.master : g.overrides.front();
    icalcomponent_kind kind = icalcomponent_isa(first);
    if (kind == ICAL_VFREEBUSY_COMPONENT) {
      for (icalproperty* p : Props(first, ICAL_FREEBUSY_PROPERTY)) {
        icalperiodtype period = icalproperty_get_freebusy(p);
        std::optional<Seconds> s = tc.ValueUtc(p, period.start);
        if (!s) continue;
        Seconds e = icaltime_is_null_time(period.end)
                        ? *s + icaldurationtype_as_int(period.duration)
                        : tc.ValueUtc(p, period.end).value_or(*s);
        icalparameter* fb = icalproperty_get_first_parameter(p, ICAL_FBTYPE_PARAMETER);
        std::string type = "BUSY";
        if (fb) {
          switch (icalparameter_get_fbtype(fb)) {
            case ICAL_FBTYPE_FREE: type = "FREE"; break;
            case ICAL_FBTYPE_BUSYTENTATIVE: type = "BUSY-TENTATIVE"; break;
            case ICAL_FBTYPE_BUSYUNAVAILABLE: type = "BUSY-UNAVAILABLE"; break;
            default: break;
          }
        }
        add(*s, e, type);
      }
      continue;
    }
    if (kind != ICAL_VEVENT_COMPONENT) continue;
    internal::ExpandStats stats;
    for (const Instance& inst :
         internal::ExpandGroup(g, tc, range, internal::kMaxRecurIterations, &stats)) {
      if (!internal::Overlaps(inst, range)) continue;
      icalproperty* transp = icalcomponent_get_first_property(inst.comp, ICAL_TRANSP_PROPERTY);
      if (transp && icalproperty_get_transp(transp) == ICAL_TRANSP_TRANSPARENT) continue;
      icalproperty* status = icalcomponent_get_first_property(inst.comp, ICAL_STATUS_PROPERTY);
      icalproperty_status st = status ? icalproperty_get_status(status) : ICAL_STATUS_NONE;
      if (st == ICAL_STATUS_CANCELLED || DeclinedBy(inst.comp, declined_by)) continue;
      add(inst.start, inst.end, st == ICAL_STATUS_TENTATIVE ? "BUSY-TENTATIVE" : "BUSY");
    }
  }
  std::sort(out.begin(), out.end(),
            [](const BusyPeriod& a, const BusyPeriod& b) { return a.start < b.start; });
  return out;
}

std::string RenderFreeBusy(const std::vector<BusyPeriod>& periods, const TimeRange& range) {
  std::string out =
      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Cartable//CalDAV//EN\r\n"
      "BEGIN:VFREEBUSY\r\nDTSTAMP:" +
      FormatUtcDateTime(time(nullptr)) + "\r\n";
  if (range.start != store::kNoLowerBound) {
    out += "DTSTART:" + FormatUtcDateTime(range.start) + "\r\n";
  }
  if (range.end != store::kNoUpperBound) out += "DTEND:" + FormatUtcDateTime(range.end) + "\r\n";
  for (const char* type : {"BUSY", "BUSY-TENTATIVE", "BUSY-UNAVAILABLE"}) {
    std::vector<std::pair<Seconds, Seconds>> spans;
    for (const BusyPeriod& p : periods) {
      if (p.fbtype == type && p.end > p.start) spans.emplace_back(p.start, p.end);
    }
    std::sort(spans.begin(), spans.end());
    std::vector<std::pair<Seconds, Seconds>> merged;
    for (const auto& s : spans) {
      if (!merged.empty() && s.first <= merged.back().second) {
        merged.back().second = std::max(merged.back().second, s.second);
      } else {
        merged.push_back(s);
      }
    }
    std::string prefix = std::string("FREEBUSY") +
                         (strcmp(type, "BUSY") == 0 ? "" : std::string(";FBTYPE=") + type) + ":";
    for (const auto& m : merged) {
      out += prefix + FormatUtcDateTime(m.first) + "/" + FormatUtcDateTime(m.second) + "\r\n";
    }
  }
  out += "END:VFREEBUSY\r\nEND:VCALENDAR\r\n";
  return out;
}

namespace {

std::string Text(icalcomponent* c, icalproperty_kind kind) {
  icalproperty* p = icalcomponent_get_first_property(c, kind);
  return p ? internal::PropertyText(p) : "";
}

// The zone of `c`'s DTSTART as the API names it: its TZID, "UTC", or "" (DATE, floating).
std::string StartZone(icalcomponent* c) {
  icalproperty* p = icalcomponent_get_first_property(c, ICAL_DTSTART_PROPERTY);
  if (!p) return "";
  icaltimetype t = icalproperty_get_dtstart(p);
  if (t.is_date) return "";
  if (icaltime_is_utc(t)) return "UTC";
  return internal::ParamText(p, "TZID");
}

Occurrence ToOccurrence(const Instance& inst, icalcomponent* master, TimeContext& tc) {
  Occurrence o;
  icalcomponent* c = inst.comp;
  const char* uid = icalcomponent_get_uid(c);
  o.uid = uid ? uid : "";
  o.recurrence_id = inst.recurring ? FormatUtcDateTime(inst.rid_utc) : "";
  o.component = NameOf(c);
  o.start = inst.start;
  o.end = inst.end;
  o.all_day = inst.all_day;
  o.summary = Text(c, ICAL_SUMMARY_PROPERTY);
  o.location = Text(c, ICAL_LOCATION_PROPERTY);
  o.description = Text(c, ICAL_DESCRIPTION_PROPERTY);
  o.status = Text(c, ICAL_STATUS_PROPERTY);
  o.organizer = Text(c, ICAL_ORGANIZER_PROPERTY);
  for (icalproperty* p : Props(c, ICAL_ATTENDEE_PROPERTY)) {
    Attendee a{internal::PropertyText(p), internal::ParamText(p, "CN"),
               internal::ParamText(p, "PARTSTAT")};
    if (a.partstat.empty()) a.partstat = "NEEDS-ACTION";
    o.attendees.push_back(std::move(a));
  }
  o.timezone = StartZone(c);
  if (master) o.rrule = internal::ReadRule(master, tc);
  o.recurring = inst.recurring;
  o.alarms = internal::AlarmMinutes(c);
  std::string klass = Text(c, ICAL_CLASS_PROPERTY);
  if (!klass.empty()) o.klass = klass;
  o.transparent = Text(c, ICAL_TRANSP_PROPERTY) == "TRANSPARENT";
  return o;
}

}  // namespace

Result<std::vector<Occurrence>> ExpandOccurrences(std::string_view ics, const TimeRange& range,
                                                  size_t max_instances, bool* truncated,
                                                  const std::string& floating_tz) {
  if (truncated) *truncated = false;
  ComponentPtr cal = internal::ParseCalendar(ics);
  if (!cal) return Status::Internal("stored calendar data cannot be parsed");
  TimeContext tc(cal.get(), floating_tz);
  std::vector<Instance> found;
  std::map<icalcomponent*, icalcomponent*> master_of;  // instance component -> its series' master
  for (const ComponentGroup& g : internal::GroupComponents(cal.get())) {
    if (g.master) {
      for (icalcomponent* c : g.overrides) master_of[c] = g.master;
      master_of[g.master] = g.master;
    }
    icalcomponent* first = g.master ? g.master : g.overrides.front();
    icalcomponent_kind kind = icalcomponent_isa(first);
    if (kind != ICAL_VEVENT_COMPONENT && kind != ICAL_VTODO_COMPONENT) continue;
    internal::ExpandStats stats;
    for (const Instance& inst :
         internal::ExpandGroup(g, tc, range, internal::kMaxRecurIterations, &stats)) {
      if (internal::Overlaps(inst, range)) found.push_back(inst);
    }
    if (stats.capped && truncated) *truncated = true;
  }
  std::sort(found.begin(), found.end(), ByStart);
  if (found.size() > max_instances) {
    found.resize(max_instances);
    if (truncated) *truncated = true;
  }
  std::vector<Occurrence> out;
  out.reserve(found.size());
  for (const Instance& inst : found) {
    auto m = master_of.find(inst.comp);
    out.push_back(ToOccurrence(inst, m == master_of.end() ? nullptr : m->second, tc));
  }
  return out;
}

}  // namespace cartable::dav::caldav
