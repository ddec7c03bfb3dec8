#include "dav/caldav/ical_edit.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "dav/caldav/ical_internal.h"
#include "dav/caldav/itip.h"

namespace cartable::dav::caldav {
namespace {

using internal::ComponentGroup;
using internal::ComponentPtr;
using internal::Instance;
using internal::kDay;
using internal::Props;
using internal::RemoveProps;
using internal::TimeContext;

constexpr const char* kDefaultZone = "Europe/Paris";
constexpr const char* kProdId = "-//Cartable//Agenda web//FR";

// A kBadRequest naming `field` (French, as the web agenda shows it).
Status Bad(std::string* field, const std::string& name, const std::string& message) {
  if (field) *field = name;
  return Status::BadRequest("«" + name + "» : " + message);
}

// ---- wall-clock arithmetic: local times as seconds since 1970-01-01T00:00 "local" ----

Seconds Wall(const icaltimetype& t) {
  return internal::CivilToSeconds(t.year, t.month, t.day, t.is_date ? 0 : t.hour,
                                  t.is_date ? 0 : t.minute, t.is_date ? 0 : t.second);
}

icaltimetype FromWall(Seconds wall, bool is_date) {
  icaltimetype t = icaltime_from_timet_with_zone(wall, is_date ? 1 : 0, nullptr);
  t.zone = nullptr;
  return t;
}

icaltimezone* BuiltinZone(const std::string& name) {
  if (name.empty() || name == "UTC") return icaltimezone_get_utc_timezone();
  return icaltimezone_get_builtin_timezone(name.c_str());
}

Seconds WallToUtc(Seconds wall, icaltimezone* zone) {
  icaltimetype t = FromWall(wall, false);
  return icaltime_as_timet_with_zone(t, zone);
}

Seconds UtcToWall(Seconds utc, icaltimezone* zone) {
  return Wall(icaltime_from_timet_with_zone(utc, 0, zone));
}

std::string Text(icalcomponent* c, icalproperty_kind kind) {
  icalproperty* p = icalcomponent_get_first_property(c, kind);
  return p ? internal::PropertyText(p) : "";
}

// The VTIMEZONE of `tzid` from the system database, under the TZID the object cites (the
// database calls its zones "/citadel.org/..."), once per VCALENDAR, before its first component.
void EnsureVtimezone(icalcomponent* vcal, const std::string& tzid) {
  if (tzid.empty() || tzid == "UTC") return;
  for (icalcomponent* tz = icalcomponent_get_first_component(vcal, ICAL_VTIMEZONE_COMPONENT); tz;
       tz = icalcomponent_get_next_component(vcal, ICAL_VTIMEZONE_COMPONENT)) {
    icalproperty* id = icalcomponent_get_first_property(tz, ICAL_TZID_PROPERTY);
    if (id && icalproperty_get_tzid(id) && tzid == icalproperty_get_tzid(id)) return;
  }
  icaltimezone* zone = BuiltinZone(tzid);
  icalcomponent* def = zone ? icaltimezone_get_component(zone) : nullptr;
  if (!def) return;
  icalcomponent* copy = icalcomponent_new_clone(def);
  RemoveProps(copy, ICAL_TZID_PROPERTY);
  icalcomponent_add_property(copy, icalproperty_new_tzid(tzid.c_str()));
  // libical serialises children in insertion order: put the zone before the events.
  std::vector<icalcomponent*> others;
  for (icalcomponent* c = icalcomponent_get_first_component(vcal, ICAL_ANY_COMPONENT); c;
       c = icalcomponent_get_next_component(vcal, ICAL_ANY_COMPONENT)) {
    if (icalcomponent_isa(c) != ICAL_VTIMEZONE_COMPONENT) others.push_back(c);
  }
  for (icalcomponent* c : others) icalcomponent_remove_component(vcal, c);
  icalcomponent_add_component(vcal, copy);
  for (icalcomponent* c : others) icalcomponent_add_component(vcal, c);
}

icalproperty* NewTimeProp(icalproperty_kind kind, const icaltimetype& t) {
  switch (kind) {
    case ICAL_DTSTART_PROPERTY: return icalproperty_new_dtstart(t);
    case ICAL_DTEND_PROPERTY: return icalproperty_new_dtend(t);
    case ICAL_DUE_PROPERTY: return icalproperty_new_due(t);
    case ICAL_RECURRENCEID_PROPERTY: return icalproperty_new_recurrenceid(t);
    case ICAL_EXDATE_PROPERTY: return icalproperty_new_exdate(t);
    case ICAL_COMPLETED_PROPERTY: return icalproperty_new_completed(t);
    default: return icalproperty_new_dtstamp(t);
  }
}

// A date-time property: a DATE for `is_date`, UTC for tzid "UTC", else local time with TZID.
icalproperty* TimeProp(icalproperty_kind kind, Seconds wall, bool is_date,
                       const std::string& tzid) {
  icaltimetype t = FromWall(wall, is_date);
  if (!is_date && tzid == "UTC") t.zone = icaltimezone_get_utc_timezone();
  icalproperty* p = NewTimeProp(kind, t);  // libical writes VALUE=DATE itself
  if (!is_date && !tzid.empty() && tzid != "UTC") {
    icalproperty_add_parameter(p, icalparameter_new_tzid(tzid.c_str()));
  }
  return p;
}

icalproperty* UtcProp(icalproperty_kind kind, Seconds utc) {
  return NewTimeProp(kind, icaltime_from_timet_with_zone(utc, 0, icaltimezone_get_utc_timezone()));
}

void SetText(icalcomponent* c, icalproperty_kind kind, const std::string& value) {
  RemoveProps(c, kind);
  if (value.empty()) return;
  icalproperty* p = icalproperty_new(kind);
  icalproperty_set_value(p, icalvalue_new_text(value.c_str()));
  icalcomponent_add_property(c, p);
}

void SetStamp(icalcomponent* c, Seconds now) {
  RemoveProps(c, ICAL_DTSTAMP_PROPERTY);
  icalcomponent_add_property(c, UtcProp(ICAL_DTSTAMP_PROPERTY, now));
  RemoveProps(c, ICAL_LASTMODIFIED_PROPERTY);
  icalcomponent_add_property(c, UtcProp(ICAL_LASTMODIFIED_PROPERTY, now));
}

void BumpSequence(icalcomponent* c) {
  icalproperty* p = icalcomponent_get_first_property(c, ICAL_SEQUENCE_PROPERTY);
  int seq = p ? icalproperty_get_sequence(p) : 0;
  RemoveProps(c, ICAL_SEQUENCE_PROPERTY);
  icalcomponent_add_property(c, icalproperty_new_sequence(seq + 1));
}

std::string WithMailto(const std::string& address) {
  if (address.size() > 7 &&
      (address.compare(0, 7, "mailto:") == 0 || address.compare(0, 7, "MAILTO:") == 0)) {
    return "mailto:" + address.substr(7);
  }
  if (!address.empty() && address[0] == '/') return address;  // a principal URL
  return "mailto:" + address;
}

// ---- the event's times ----

struct Times {
  bool all_day = false;
  std::string tzid;  // of timed values ("UTC" for UTC, "" for floating)
  Seconds start_utc = 0, end_utc = 0;
  Seconds start_wall = 0, end_wall = 0;  // in tzid's zone (all-day: midnights)
};

// The current times of the instance `inst`.
Times TimesOf(const Instance& inst, TimeContext& tc) {
  Times t;
  t.all_day = inst.all_day;
  t.start_utc = inst.start;
  t.end_utc = inst.has_end ? inst.end : inst.start + (inst.all_day ? kDay : 0);
  icalproperty* p = icalcomponent_get_first_property(inst.comp, ICAL_DTSTART_PROPERTY);
  if (p && !t.all_day) {
    icaltimetype v = icalproperty_get_dtstart(p);
    t.tzid = icaltime_is_utc(v) ? "UTC" : internal::ParamText(p, "TZID");
  }
  icaltimezone* zone = t.tzid.empty() ? icaltimezone_get_utc_timezone() : tc.Zone(t.tzid.c_str());
  if (t.tzid == "UTC" || !zone) zone = icaltimezone_get_utc_timezone();
  if (t.all_day) {
    // DATE values are evaluated in the floating zone (UTC here): midnights stay midnights.
    t.start_wall = t.start_utc;
    t.end_wall = t.end_utc;
  } else {
    t.start_wall = UtcToWall(t.start_utc, zone);
    t.end_wall = UtcToWall(t.end_utc, zone);
  }
  return t;
}

Seconds DateWall(const TimeValue& v) {
  return internal::CivilToSeconds(v.year, v.month, v.day, 0, 0, 0);
}

// `v` as UTC seconds in `zone` (a date: its midnight there).
Seconds Resolve(const TimeValue& v, icaltimezone* zone) {
  if (v.kind == TimeValue::Kind::kInstant) return v.utc;
  if (v.kind == TimeValue::Kind::kDate) return WallToUtc(DateWall(v), zone);
  return WallToUtc(internal::CivilToSeconds(v.year, v.month, v.day, v.hour, v.minute, v.second),
                   zone);
}

// The new times of an instance whose current times are `cur` (nullptr for a new event).
Result<Times> NewTimes(const EventFields& f, const Times* cur, std::string* field) {
  Times t;
  std::string tzid = f.timezone.value_or("");
  if (tzid.empty()) {
    tzid = cur && !cur->tzid.empty() && cur->tzid != "UTC" ? cur->tzid : kDefaultZone;
  }
  icaltimezone* zone = BuiltinZone(tzid);
  if (!zone && cur && tzid == cur->tzid) zone = icaltimezone_get_utc_timezone();
  if (!zone) return Bad(field, "timezone", "fuseau horaire inconnu");
  if (!cur && !f.start) return Bad(field, "start", "le début est obligatoire");
  bool all_day =
      f.all_day.value_or(f.start ? f.start->kind == TimeValue::Kind::kDate : (cur && cur->all_day));
  t.all_day = all_day;
  t.tzid = all_day ? "" : tzid;
  if (all_day) {
    Seconds start = f.start ? (f.start->kind == TimeValue::Kind::kDate
                                   ? DateWall(*f.start)
                                   : UtcToWall(Resolve(*f.start, zone), zone) / kDay * kDay)
                            : (cur->all_day ? cur->start_wall : cur->start_wall / kDay * kDay);
    Seconds end = 0;
    if (f.end) {
      end = f.end->kind == TimeValue::Kind::kDate
                ? DateWall(*f.end)
                : (UtcToWall(Resolve(*f.end, zone), zone) + kDay - 1) / kDay * kDay;
    } else if (f.duration_minutes) {
      end = start + std::max<Seconds>(1, (*f.duration_minutes * 60 + kDay - 1) / kDay) * kDay;
    } else if (cur && cur->all_day) {
      end = start + (cur->end_wall - cur->start_wall);
    } else {
      end = start + kDay;
    }
    if (end <= start) return Bad(field, "end", "la fin doit suivre le début");
    t.start_wall = t.start_utc = start;
    t.end_wall = t.end_utc = end;
    return t;
  }
  if (f.start && f.start->kind == TimeValue::Kind::kDate) {
    return Bad(field, "start",
               "une heure est attendue pour un évènement qui n'est pas sur la journée");
  }
  Seconds start =
      f.start ? Resolve(*f.start, zone)
              : (cur->all_day ? WallToUtc(cur->start_wall + 9 * 3600, zone) : cur->start_utc);
  Seconds end = 0;
  if (f.end) {
    if (f.end->kind == TimeValue::Kind::kDate) return Bad(field, "end", "une heure est attendue");
    end = Resolve(*f.end, zone);
  } else if (f.duration_minutes) {
    end = start + *f.duration_minutes * 60;
  } else if (cur && !cur->all_day) {
    end = start + (cur->end_utc - cur->start_utc);
  } else {
    end = start + 3600;
  }
  if (end < start || (end == start && f.end)) {
    return Bad(field, "end", "la fin doit suivre le début");
  }
  t.start_utc = start;
  t.end_utc = end;
  t.start_wall = UtcToWall(start, zone);
  t.end_wall = UtcToWall(end, zone);
  return t;
}

void WriteTimes(icalcomponent* vcal, icalcomponent* c, const Times& t) {
  RemoveProps(c, ICAL_DTSTART_PROPERTY);
  RemoveProps(c, ICAL_DTEND_PROPERTY);
  RemoveProps(c, ICAL_DURATION_PROPERTY);
  icalcomponent_add_property(c, TimeProp(ICAL_DTSTART_PROPERTY, t.start_wall, t.all_day, t.tzid));
  icalcomponent_add_property(c, TimeProp(ICAL_DTEND_PROPERTY, t.end_wall, t.all_day, t.tzid));
  if (!t.all_day) EnsureVtimezone(vcal, t.tzid);
}

// ---- recurrence rules ----

const char* const kDays[] = {"SU", "MO", "TU", "WE", "TH", "FR", "SA"};

// The RRULE text of `r` for a series whose start is `t` (UNTIL: the end of that day, in UTC for
// timed events as RFC 5545 §3.3.10 requires with a TZID start; a DATE for all-day ones).
std::string RuleText(const RecurrenceRule& r, const Times& t) {
  std::string s = "FREQ=" + r.freq;
  if (r.interval > 1) s += ";INTERVAL=" + std::to_string(r.interval);
  if (!r.byday.empty()) {
    s += ";BYDAY=";
    for (size_t i = 0; i < r.byday.size(); ++i) s += (i ? "," : "") + r.byday[i];
  }
  if (r.count > 0) s += ";COUNT=" + std::to_string(r.count);
  if (!r.until.empty()) {
    std::optional<TimeValue> d = ParseTimeValue(r.until);
    Seconds day = d ? DateWall(*d) : 0;
    if (t.all_day) {
      s += ";UNTIL=" + FormatUtcDateTime(day).substr(0, 8);
    } else {
      icaltimezone* zone = BuiltinZone(t.tzid);
      if (!zone) zone = icaltimezone_get_utc_timezone();
      s += ";UNTIL=" + FormatUtcDateTime(WallToUtc(day + kDay - 1, zone));
    }
  }
  return s;
}

void SetRule(icalcomponent* c, const RecurrenceRule& r, const Times& t) {
  RemoveProps(c, ICAL_RRULE_PROPERTY);
  icalrecurrencetype rec = icalrecurrencetype_from_string(RuleText(r, t).c_str());
  icalcomponent_add_property(c, icalproperty_new_rrule(rec));
}

std::string DateText(Seconds wall) {
  std::string s = FormatUtcDateTime(wall);
  return s.substr(0, 4) + "-" + s.substr(4, 2) + "-" + s.substr(6, 2);
}

// ---- the fields every edited component takes ----

void SetAlarms(icalcomponent* c, const std::vector<int>& minutes, const std::string& summary) {
  std::vector<icalcomponent*> old;
  for (icalcomponent* a = icalcomponent_get_first_component(c, ICAL_VALARM_COMPONENT); a;
       a = icalcomponent_get_next_component(c, ICAL_VALARM_COMPONENT)) {
    old.push_back(a);
  }
  for (icalcomponent* a : old) {
    icalcomponent_remove_component(c, a);
    icalcomponent_free(a);
  }
  for (int m : minutes) {
    icalcomponent* a = icalcomponent_new_valarm();
    icalcomponent_add_property(a, icalproperty_new_action(ICAL_ACTION_DISPLAY));
    icalcomponent_add_property(
        a, icalproperty_new_description(summary.empty() ? "Rappel" : summary.c_str()));
    icaltriggertype trig{};
    trig.time = icaltime_null_time();
    trig.duration = icaldurationtype_from_int(-m * 60);
    icalcomponent_add_property(a, icalproperty_new_trigger(trig));
    icalcomponent_add_component(c, a);
  }
}

// ORGANIZER `me` and the attendees `list` (the organizer among them, ACCEPTED); answers of
// attendees already listed are kept. An empty list makes it a plain event again.
void SetAttendees(icalcomponent* c, const std::vector<Party>& list, const Party& me) {
  std::map<std::string, std::string> partstat;
  for (icalproperty* p : Props(c, ICAL_ATTENDEE_PROPERTY)) {
    std::string ps = internal::ParamText(p, "PARTSTAT");
    if (!ps.empty()) partstat[NormalizeAddress(internal::PropertyText(p))] = ps;
  }
  RemoveProps(c, ICAL_ATTENDEE_PROPERTY);
  RemoveProps(c, ICAL_ORGANIZER_PROPERTY);
  if (list.empty()) return;
  const std::string my = WithMailto(me.address);
  icalproperty* org = icalproperty_new_organizer(my.c_str());
  if (!me.name.empty()) icalproperty_add_parameter(org, icalparameter_new_cn(me.name.c_str()));
  icalcomponent_add_property(c, org);
  std::set<std::string> seen;
  auto add = [&](const Party& party, bool organizer) {
    std::string address = WithMailto(party.address);
    std::string key = NormalizeAddress(address);
    if (!seen.insert(key).second) return;
    icalproperty* a = icalproperty_new_attendee(address.c_str());
    if (!party.name.empty())
      icalproperty_add_parameter(a, icalparameter_new_cn(party.name.c_str()));
    icalproperty_add_parameter(a, icalparameter_new_cutype(ICAL_CUTYPE_INDIVIDUAL));
    icalproperty_add_parameter(
        a, icalparameter_new_role(organizer ? ICAL_ROLE_CHAIR : ICAL_ROLE_REQPARTICIPANT));
    auto known = partstat.find(key);
    std::string ps =
        organizer ? "ACCEPTED" : (known != partstat.end() ? known->second : "NEEDS-ACTION");
    icalproperty_add_parameter(a, icalparameter_new_from_string(("PARTSTAT=" + ps).c_str()));
    if (!organizer && ps == "NEEDS-ACTION") {
      icalproperty_add_parameter(a, icalparameter_new_rsvp(ICAL_RSVP_TRUE));
    }
    icalcomponent_add_property(c, a);
  };
  add(me, true);
  for (const Party& p : list) add(p, false);
}

// Applies the plain fields of `f` to `c`; whether something attendees must hear of (place)
// changed.
bool ApplyPlain(icalcomponent* c, const EventFields& f, const Party& me) {
  bool significant = false;
  if (f.summary) SetText(c, ICAL_SUMMARY_PROPERTY, *f.summary);
  if (f.location) {
    significant = *f.location != Text(c, ICAL_LOCATION_PROPERTY);
    SetText(c, ICAL_LOCATION_PROPERTY, *f.location);
  }
  if (f.description) SetText(c, ICAL_DESCRIPTION_PROPERTY, *f.description);
  if (f.klass) {
    RemoveProps(c, ICAL_CLASS_PROPERTY);
    if (*f.klass != "PUBLIC") {
      icalcomponent_add_property(
          c, icalproperty_new_class(*f.klass == "PRIVATE" ? ICAL_CLASS_PRIVATE
                                                          : ICAL_CLASS_CONFIDENTIAL));
    }
  }
  if (f.transparent) {
    RemoveProps(c, ICAL_TRANSP_PROPERTY);
    icalcomponent_add_property(
        c, icalproperty_new_transp(*f.transparent ? ICAL_TRANSP_TRANSPARENT : ICAL_TRANSP_OPAQUE));
  }
  if (f.alarms) SetAlarms(c, *f.alarms, Text(c, ICAL_SUMMARY_PROPERTY));
  if (f.attendees) {
    significant = true;
    SetAttendees(c, *f.attendees, me);
  }
  return significant;
}

bool OrganizerIsMeOrNone(icalcomponent* c, const Party& me) {
  icalproperty* org = icalcomponent_get_first_property(c, ICAL_ORGANIZER_PROPERTY);
  return !org ||
         NormalizeAddress(internal::PropertyText(org)) == NormalizeAddress(WithMailto(me.address));
}

ComponentPtr NewCalendar() {
  ComponentPtr vcal(icalcomponent_new_vcalendar());
  icalcomponent_add_property(vcal.get(), icalproperty_new_version("2.0"));
  icalcomponent_add_property(vcal.get(), icalproperty_new_prodid(kProdId));
  return vcal;
}

// The series of `vcal` (its master and overrides), of the first VEVENT's UID.
ComponentGroup FindSeries(icalcomponent* vcal, icalcomponent_kind kind) {
  for (const ComponentGroup& g : internal::GroupComponents(vcal)) {
    icalcomponent* first = g.master ? g.master : g.overrides.front();
    if (icalcomponent_isa(first) == kind) return g;
  }
  return {};
}

bool IsSeries(const ComponentGroup& g) {
  return g.master &&
         (icalcomponent_get_first_property(g.master, ICAL_RRULE_PROPERTY) ||
          icalcomponent_get_first_property(g.master, ICAL_RDATE_PROPERTY) || !g.overrides.empty());
}

// The instance of `g` whose original start (RECURRENCE-ID) is `rid`, if any.
std::optional<Instance> FindInstance(const ComponentGroup& g, TimeContext& tc, Seconds rid) {
  internal::ExpandStats stats;
  for (const Instance& inst : internal::ExpandGroup(g, tc, {rid - 2 * kDay, rid + 2 * kDay},
                                                    internal::kMaxRecurIterations, &stats)) {
    if (inst.recurring && inst.rid_utc == rid) return inst;
  }
  return std::nullopt;
}

// The master's first instance (its own DTSTART).
Instance MasterInstance(const ComponentGroup& g, TimeContext& tc) {
  ComponentGroup alone{g.master, {}};
  icalcomponent* copy = g.master;
  internal::ExpandStats stats;
  std::optional<Seconds> start = tc.PropUtc(copy, ICAL_DTSTART_PROPERTY);
  Seconds s = start.value_or(0);
  for (const Instance& inst : internal::ExpandGroup(alone, tc, {s - kDay, s + kDay},
                                                    internal::kMaxRecurIterations, &stats)) {
    if (inst.start == s || (inst.recurring && inst.rid_utc == s)) return inst;
  }
  Instance inst;
  inst.comp = g.master;
  inst.start = s;
  return inst;
}

// A RECURRENCE-ID / EXDATE property of kind `kind` for the instance `inst` of `master`, in the
// form of the master's DTSTART (DATE, UTC or TZID).
icalproperty* InstanceKeyProp(icalproperty_kind kind, icalcomponent* master, const Instance& inst) {
  icalproperty* start = icalcomponent_get_first_property(master, ICAL_DTSTART_PROPERTY);
  icaltimetype st = start ? icalproperty_get_dtstart(start) : icaltime_null_time();
  std::string tzid =
      st.is_date ? "" : (icaltime_is_utc(st) ? "UTC" : internal::ParamText(start, "TZID"));
  return TimeProp(kind, Wall(inst.rid), st.is_date, tzid);
}

Seconds RidOf(icalcomponent* c, TimeContext& tc) {
  return tc.PropUtc(c, ICAL_RECURRENCEID_PROPERTY).value_or(0);
}

void RemoveComponent(icalcomponent* vcal, icalcomponent* c) {
  icalcomponent_remove_component(vcal, c);
  icalcomponent_free(c);
}

// Ends the series of `g` just before the instance starting (originally) at `rid`: UNTIL one
// second before it (the previous day for all-day series), COUNT removed, overrides and EXDATEs
// from `rid` on dropped.
void CutSeries(icalcomponent* vcal, const ComponentGroup& g, TimeContext& tc, Seconds rid) {
  icalproperty* rp = icalcomponent_get_first_property(g.master, ICAL_RRULE_PROPERTY);
  if (rp) {
    icalrecurrencetype rec = icalproperty_get_rrule(rp);
    icalproperty* start = icalcomponent_get_first_property(g.master, ICAL_DTSTART_PROPERTY);
    bool is_date = start && icalproperty_get_dtstart(start).is_date;
    rec.count = 0;
    if (is_date) {
      rec.until = FromWall(rid - kDay, true);
    } else {
      rec.until = icaltime_from_timet_with_zone(rid - 1, 0, icaltimezone_get_utc_timezone());
    }
    icalproperty_set_rrule(rp, rec);
  }
  for (icalproperty* p : Props(g.master, ICAL_RDATE_PROPERTY)) {
    std::optional<Seconds> at = tc.ValueUtc(p, icalproperty_get_rdate(p).time);
    if (at && *at >= rid) {
      icalcomponent_remove_property(g.master, p);
      icalproperty_free(p);
    }
  }
  for (icalproperty* p : Props(g.master, ICAL_EXDATE_PROPERTY)) {
    std::optional<Seconds> at = tc.ValueUtc(p, icalproperty_get_exdate(p));
    if (at && *at >= rid) {
      icalcomponent_remove_property(g.master, p);
      icalproperty_free(p);
    }
  }
  for (icalcomponent* ov : g.overrides) {
    if (RidOf(ov, tc) >= rid) RemoveComponent(vcal, ov);
  }
}

// How many instances of the series start before `rid` (COUNT of the part kept).
int InstancesBefore(const ComponentGroup& g, TimeContext& tc, Seconds rid) {
  ComponentGroup alone{g.master, {}};
  internal::ExpandStats stats;
  std::optional<Seconds> start = tc.PropUtc(g.master, ICAL_DTSTART_PROPERTY);
  int n = 0;
  for (const Instance& inst : internal::ExpandGroup(alone, tc, {start.value_or(0) - kDay, rid},
                                                    internal::kMaxRecurIterations, &stats)) {
    if (inst.start < rid) ++n;
  }
  return n;
}

}  // namespace

namespace internal {

std::optional<RecurrenceRule> ReadRule(icalcomponent* master, TimeContext& tc) {
  icalproperty* p = icalcomponent_get_first_property(master, ICAL_RRULE_PROPERTY);
  if (!p) return std::nullopt;
  icalrecurrencetype rec = icalproperty_get_rrule(p);
  RecurrenceRule r;
  r.freq = icalrecur_freq_to_string(rec.freq) ? icalrecur_freq_to_string(rec.freq) : "";
  r.interval = rec.interval > 0 ? rec.interval : 1;
  r.count = rec.count;
  for (int i = 0; i < ICAL_BY_DAY_SIZE && rec.by_day[i] != ICAL_RECURRENCE_ARRAY_MAX; ++i) {
    int wd = icalrecurrencetype_day_day_of_week(rec.by_day[i]);
    if (wd >= 1 && wd <= 7) r.byday.push_back(kDays[wd - 1]);
  }
  if (!icaltime_is_null_time(rec.until)) {
    if (rec.until.is_date || !icaltime_is_utc(rec.until)) {
      r.until = DateText(Wall(rec.until));
    } else {
      icalproperty* start = icalcomponent_get_first_property(master, ICAL_DTSTART_PROPERTY);
      icaltimezone* zone = nullptr;
      if (start) {
        icaltimetype st = icalproperty_get_dtstart(start);
        zone = tc.ZoneOf(start, st);
      }
      if (!zone) zone = icaltimezone_get_utc_timezone();
      Seconds utc = icaltime_as_timet_with_zone(rec.until, icaltimezone_get_utc_timezone());
      r.until = DateText(UtcToWall(utc, zone));
    }
  }
  return r;
}

std::vector<int> AlarmMinutes(icalcomponent* c) {
  std::vector<int> out;
  for (icalcomponent* a = icalcomponent_get_first_component(c, ICAL_VALARM_COMPONENT); a;
       a = icalcomponent_get_next_component(c, ICAL_VALARM_COMPONENT)) {
    icalproperty* p = icalcomponent_get_first_property(a, ICAL_TRIGGER_PROPERTY);
    if (!p) continue;
    icalparameter* rel = icalproperty_get_first_parameter(p, ICAL_RELATED_PARAMETER);
    if (rel && icalparameter_get_related(rel) == ICAL_RELATED_END) continue;
    icaltriggertype trig = icalproperty_get_trigger(p);
    if (!icaltime_is_null_time(trig.time)) continue;  // absolute: not "before the start"
    int secs = icaldurationtype_as_int(trig.duration);
    out.push_back(-secs / 60);
  }
  return out;
}

}  // namespace internal
}  // namespace cartable::dav::caldav

namespace cartable::dav::caldav {
namespace {

bool Digits(std::string_view s, size_t at, size_t n, int* out) {
  if (at + n > s.size()) return false;
  int v = 0;
  for (size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

bool ValidDate(int y, int m, int d) {
  static const int kLen[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1900 || y > 2100 || m < 1 || m > 12 || d < 1 || d > kLen[m - 1]) return false;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return !(m == 2 && d == 29 && !leap);
}

const std::set<std::string>& DayNames() {
  static const std::set<std::string> kNames = {"MO", "TU", "WE", "TH", "FR", "SA", "SU"};
  return kNames;
}

Status CheckRule(const RecurrenceRule& r, std::string* field) {
  static const std::set<std::string> kFreqs = {"DAILY", "WEEKLY", "MONTHLY", "YEARLY"};
  if (!kFreqs.count(r.freq)) {
    return Bad(field, "rrule.freq", "DAILY, WEEKLY, MONTHLY ou YEARLY attendu");
  }
  if (r.interval < 1 || r.interval > kMaxRuleInterval) {
    return Bad(field, "rrule.interval", "entre 1 et " + std::to_string(kMaxRuleInterval));
  }
  if (r.byday.size() > 7) return Bad(field, "rrule.byday", "sept jours au plus");
  for (const std::string& d : r.byday) {
    if (!DayNames().count(d)) return Bad(field, "rrule.byday", "jour inconnu « " + d + " »");
  }
  if (r.count < 0 || r.count > kMaxRuleCount) {
    return Bad(field, "rrule.count", "entre 1 et " + std::to_string(kMaxRuleCount));
  }
  if (!r.until.empty()) {
    std::optional<TimeValue> d = ParseTimeValue(r.until);
    if (!d || d->kind != TimeValue::Kind::kDate) {
      return Bad(field, "rrule.until", "une date AAAA-MM-JJ est attendue");
    }
    if (r.count > 0) return Bad(field, "rrule.until", "« until » ou « count », pas les deux");
  }
  return Status::OK();
}

// Applies the times and the rule of `f` to the component `c` whose current instance times are
// `cur` (nullptr: a new component); whether times or rule changed.
Result<bool> ApplyTimesAndRule(icalcomponent* vcal, icalcomponent* c, const EventFields& f,
                               const Times* cur, bool may_repeat, std::string* field) {
  bool changed = false;
  if (!cur || f.start || f.end || f.duration_minutes || f.all_day || f.timezone) {
    Result<Times> t = NewTimes(f, cur, field);
    if (!t.ok()) return t.status();
    changed = !cur || t->start_utc != cur->start_utc || t->end_utc != cur->end_utc ||
              t->all_day != cur->all_day || t->tzid != cur->tzid;
    if (changed) WriteTimes(vcal, c, *t);
  }
  if (f.rrule && may_repeat) {
    TimeContext tc(vcal, "UTC");
    std::optional<RecurrenceRule> now = internal::ReadRule(c, tc);
    if (now != *f.rrule) {  // the rule as shown and sent back unchanged keeps its exact UNTIL
      changed = true;
      RemoveProps(c, ICAL_RRULE_PROPERTY);
      if (*f.rrule) {
        icalproperty* sp = icalcomponent_get_first_property(c, ICAL_DTSTART_PROPERTY);
        Times t;
        t.all_day = sp && icalproperty_get_dtstart(sp).is_date;
        t.tzid = sp ? internal::ParamText(sp, "TZID") : "";
        if (sp && icaltime_is_utc(icalproperty_get_dtstart(sp))) t.tzid = "UTC";
        SetRule(c, **f.rrule, t);
      }
    }
  }
  return changed;
}

std::string Finish(icalcomponent* vcal) { return internal::Serialize(vcal); }

}  // namespace

std::optional<TimeValue> ParseTimeValue(std::string_view s) {
  TimeValue v;
  if (s.size() < 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  if (!Digits(s, 0, 4, &v.year) || !Digits(s, 5, 2, &v.month) || !Digits(s, 8, 2, &v.day) ||
      !ValidDate(v.year, v.month, v.day)) {
    return std::nullopt;
  }
  if (s.size() == 10) {
    v.kind = TimeValue::Kind::kDate;
    return v;
  }
  if (s[10] != 'T' && s[10] != 't' && s[10] != ' ') return std::nullopt;
  size_t at = 11;
  if (!Digits(s, at, 2, &v.hour) || s.size() < at + 5 || s[at + 2] != ':' ||
      !Digits(s, at + 3, 2, &v.minute)) {
    return std::nullopt;
  }
  at += 5;
  if (at < s.size() && s[at] == ':') {
    if (!Digits(s, at + 1, 2, &v.second)) return std::nullopt;
    at += 3;
    if (at < s.size() && s[at] == '.') {  // fractions of a second: dropped
      ++at;
      while (at < s.size() && s[at] >= '0' && s[at] <= '9') ++at;
    }
  }
  if (v.hour > 23 || v.minute > 59 || v.second > 60) return std::nullopt;
  Seconds wall =
      internal::CivilToSeconds(v.year, v.month, v.day, v.hour, v.minute, std::min(v.second, 59));
  if (at == s.size()) {
    v.kind = TimeValue::Kind::kLocal;
    return v;
  }
  if ((s[at] == 'Z' || s[at] == 'z') && at + 1 == s.size()) {
    v.kind = TimeValue::Kind::kInstant;
    v.utc = wall;
    return v;
  }
  int oh = 0, om = 0;
  if ((s[at] == '+' || s[at] == '-') && s.size() == at + 6 && Digits(s, at + 1, 2, &oh) &&
      s[at + 3] == ':' && Digits(s, at + 4, 2, &om) && oh < 24 && om < 60) {
    v.kind = TimeValue::Kind::kInstant;
    Seconds off = oh * 3600 + om * 60;
    v.utc = s[at] == '+' ? wall - off : wall + off;
    return v;
  }
  return std::nullopt;
}

std::string Rfc3339Utc(Seconds t) {
  std::string s = FormatUtcDateTime(t);
  if (s.size() != 16) return s;
  return s.substr(0, 4) + "-" + s.substr(4, 2) + "-" + s.substr(6, 2) + "T" + s.substr(9, 2) + ":" +
         s.substr(11, 2) + ":" + s.substr(13, 2) + "Z";
}

Status CheckEventFields(const EventFields& f, size_t max_attendees, std::string* field) {
  if (f.klass && *f.klass != "PUBLIC" && *f.klass != "PRIVATE" && *f.klass != "CONFIDENTIAL") {
    return Bad(field, "class", "PUBLIC, PRIVATE ou CONFIDENTIAL attendu");
  }
  if (f.timezone && !f.timezone->empty() && !BuiltinZone(*f.timezone)) {
    return Bad(field, "timezone", "fuseau horaire inconnu « " + *f.timezone + " »");
  }
  if (f.summary && f.summary->empty()) return Bad(field, "summary", "le titre est obligatoire");
  if (f.duration_minutes && (*f.duration_minutes < 0 || *f.duration_minutes > 366 * 24 * 60)) {
    return Bad(field, "duration_minutes", "entre 0 et une année");
  }
  if (f.alarms) {
    if (f.alarms->size() > kMaxAlarms) {
      return Bad(field, "alarms", std::to_string(kMaxAlarms) + " rappels au plus");
    }
    for (int m : *f.alarms) {
      if (m < 0 || m > kMaxAlarmMinutes) {
        return Bad(field, "alarms",
                   "entre 0 et " + std::to_string(kMaxAlarmMinutes) + " minutes avant le début");
      }
    }
  }
  if (f.rrule && *f.rrule) {
    if (Status st = CheckRule(**f.rrule, field); !st.ok()) return st;
  }
  if (f.attendees) {
    if (f.attendees->size() > max_attendees) {
      return Bad(field, "attendees", std::to_string(max_attendees) + " participants au plus");
    }
    for (const Party& p : *f.attendees) {
      std::string mail = MailAddress(WithMailto(p.address));
      size_t atpos = mail.find('@');
      if (atpos == std::string::npos || atpos == 0 || atpos + 1 == mail.size() ||
          mail.find_first_of(" \t\r\n<>,;:\"") != std::string::npos) {
        return Bad(field, "attendees", "adresse invalide « " + p.address + " »");
      }
    }
  }
  return Status::OK();
}

Result<std::string> NewEvent(const EventFields& f, const std::string& uid, const Party& me,
                             Seconds now, std::string* field) {
  if (!f.summary || f.summary->empty()) return Bad(field, "summary", "le titre est obligatoire");
  ComponentPtr vcal = NewCalendar();
  icalcomponent* ev = icalcomponent_new_vevent();
  icalcomponent_add_component(vcal.get(), ev);
  icalcomponent_add_property(ev, icalproperty_new_uid(uid.c_str()));
  icalcomponent_add_property(ev, UtcProp(ICAL_CREATED_PROPERTY, now));
  SetStamp(ev, now);
  icalcomponent_add_property(ev, icalproperty_new_sequence(0));
  EventFields plain = f;
  plain.alarms.reset();
  ApplyPlain(ev, plain, me);
  Result<bool> timed = ApplyTimesAndRule(vcal.get(), ev, f, nullptr, true, field);
  if (!timed.ok()) return timed.status();
  if (f.alarms) SetAlarms(ev, *f.alarms, *f.summary);
  return Finish(vcal.get());
}

Result<EditedEvent> EditEvent(std::string_view ics, const EventFields& f, Scope scope,
                              std::optional<Seconds> occurrence, const std::string& new_uid,
                              const Party& me, Seconds now, std::string* field) {
  ComponentPtr vcal = internal::ParseCalendar(ics);
  if (!vcal) return Status::Internal("stored calendar data cannot be parsed");
  TimeContext tc(vcal.get(), "UTC");
  ComponentGroup g = FindSeries(vcal.get(), ICAL_VEVENT_COMPONENT);
  if (!g.master && g.overrides.empty()) return Bad(field, "name", "ce n'est pas un évènement");
  EditedEvent out;
  const bool series = IsSeries(g);
  if (!series) scope = Scope::kAll;
  std::optional<Instance> inst;
  if (series && occurrence) {
    inst = FindInstance(g, tc, *occurrence);
    if (!inst) return Bad(field, "occurrence", "aucune occurrence ne commence à cette date");
  } else if (series && scope != Scope::kAll) {
    return Bad(field, "occurrence", "l'occurrence est obligatoire pour cette portée");
  }
  if (!g.master) scope = Scope::kOne;  // only overrides stored (an invitation to one instance)
  if (scope == Scope::kFollowing && g.master) {
    Instance first = MasterInstance(g, tc);
    if (inst->rid_utc <= first.start) scope = Scope::kAll;
  }
  const bool organizer = OrganizerIsMeOrNone(g.master ? g.master : g.overrides.front(), me);
  auto edit = [&](icalcomponent* c, const Times* cur, bool may_repeat,
                  const EventFields& fields) -> Result<bool> {
    bool place = ApplyPlain(c, fields, me);
    Result<bool> moved = ApplyTimesAndRule(vcal.get(), c, fields, cur, may_repeat, field);
    if (!moved.ok()) return moved.status();
    if ((place || *moved) && organizer) BumpSequence(c);
    SetStamp(c, now);
    return *moved || place;
  };
  if (scope == Scope::kOne) {
    icalcomponent* c = inst->comp;
    Times cur = TimesOf(*inst, tc);
    if (c == g.master) {
      c = icalcomponent_new_clone(g.master);
      RemoveProps(c, ICAL_RRULE_PROPERTY);
      RemoveProps(c, ICAL_RDATE_PROPERTY);
      RemoveProps(c, ICAL_EXDATE_PROPERTY);
      RemoveProps(c, ICAL_RECURRENCEID_PROPERTY);
      icalcomponent_add_property(c, InstanceKeyProp(ICAL_RECURRENCEID_PROPERTY, g.master, *inst));
      Times t = cur;
      WriteTimes(vcal.get(), c, t);
      icalcomponent_add_component(vcal.get(), c);
    }
    Result<bool> r = edit(c, &cur, false, f);
    if (!r.ok()) return r.status();
    out.ics = Finish(vcal.get());
    return out;
  }
  if (scope == Scope::kFollowing) {
    Times cur = TimesOf(*inst, tc);
    icalcomponent* next = icalcomponent_new_clone(g.master);
    ComponentPtr other = NewCalendar();
    icalcomponent_add_component(other.get(), next);
    RemoveProps(next, ICAL_UID_PROPERTY);
    icalcomponent_add_property(next, icalproperty_new_uid(new_uid.c_str()));
    RemoveProps(next, ICAL_EXDATE_PROPERTY);
    RemoveProps(next, ICAL_RDATE_PROPERTY);
    RemoveProps(next, ICAL_SEQUENCE_PROPERTY);
    RemoveProps(next, ICAL_CREATED_PROPERTY);
    icalcomponent_add_property(next, UtcProp(ICAL_CREATED_PROPERTY, now));
    Times master_cur = TimesOf(MasterInstance(g, tc), tc);
    Times start_here = cur;
    if (inst->comp != g.master) {  // an override's own times are not the series'
      start_here.start_utc = inst->rid_utc;
      start_here.end_utc = inst->rid_utc + (master_cur.end_utc - master_cur.start_utc);
      start_here.start_wall = Wall(inst->rid);
      start_here.end_wall = start_here.start_wall + (master_cur.end_wall - master_cur.start_wall);
      start_here.tzid = master_cur.tzid;
      start_here.all_day = master_cur.all_day;
    }
    WriteTimes(other.get(), next, start_here);
    // A COUNT is shared between the two parts: the new one gets what the old one no longer has.
    if (icalproperty* rp = icalcomponent_get_first_property(next, ICAL_RRULE_PROPERTY)) {
      icalrecurrencetype rec = icalproperty_get_rrule(rp);
      if (rec.count > 0) {
        rec.count = std::max(1, rec.count - InstancesBefore(g, tc, inst->rid_utc));
        icalproperty_set_rrule(rp, rec);
      }
    }
    // The zones the new series cites.
    for (icalcomponent* tz =
             icalcomponent_get_first_component(vcal.get(), ICAL_VTIMEZONE_COMPONENT);
         tz; tz = icalcomponent_get_next_component(vcal.get(), ICAL_VTIMEZONE_COMPONENT)) {
      icalcomponent* copy = icalcomponent_new_clone(tz);
      icalcomponent_remove_component(other.get(), next);
      icalcomponent_add_component(other.get(), copy);
      icalcomponent_add_component(other.get(), next);
    }
    Result<bool> r = edit(next, &start_here, true, f);
    if (!r.ok()) return r.status();
    CutSeries(vcal.get(), g, tc, inst->rid_utc);
    if (organizer) BumpSequence(g.master);
    SetStamp(g.master, now);
    out.ics = Finish(vcal.get());
    out.new_series = Finish(other.get());
    return out;
  }
  // All: the master changes; a move of one occurrence moves the series by as much, in
  // wall-clock time of its zone (a weekly 10:00 stays at 10:00 across a DST change).
  Instance first = MasterInstance(g, tc);
  Times master_cur = TimesOf(first, tc);
  EventFields master_f = f;
  if (series && inst && (f.start || f.end || f.duration_minutes || f.all_day)) {
    Times occ_cur = TimesOf(*inst, tc);
    Result<Times> moved = NewTimes(f, &occ_cur, field);
    if (!moved.ok()) return moved.status();
    Seconds delta = moved->start_wall - occ_cur.start_wall;
    TimeValue start;
    start.kind = moved->all_day ? TimeValue::Kind::kDate : TimeValue::Kind::kLocal;
    Seconds wall = master_cur.start_wall + delta;
    if (moved->all_day) wall = wall / kDay * kDay;
    icaltimetype w = FromWall(wall, false);
    start.year = w.year, start.month = w.month, start.day = w.day;
    start.hour = w.hour, start.minute = w.minute, start.second = w.second;
    master_f.start = start;
    master_f.end.reset();
    master_f.duration_minutes.reset();
    master_f.all_day = moved->all_day;
    master_f.timezone = moved->all_day ? std::optional<std::string>() : moved->tzid;
    Seconds length =
        moved->all_day ? moved->end_wall - moved->start_wall : moved->end_utc - moved->start_utc;
    master_f.duration_minutes = length / 60;
    // Overrides and exceptions keep naming the instances they named.
    if (delta != 0) {
      for (icalcomponent* ov : g.overrides) {
        icalproperty* rp = icalcomponent_get_first_property(ov, ICAL_RECURRENCEID_PROPERTY);
        icaltimetype v = icalproperty_get_recurrenceid(rp);
        std::string tzid =
            v.is_date ? "" : (icaltime_is_utc(v) ? "UTC" : internal::ParamText(rp, "TZID"));
        Seconds nw = Wall(v) + delta;
        icalcomponent_remove_property(ov, rp);
        icalproperty_free(rp);
        icalcomponent_add_property(
            ov, TimeProp(ICAL_RECURRENCEID_PROPERTY, nw, moved->all_day && v.is_date, tzid));
      }
      for (icalproperty* p : Props(g.master, ICAL_EXDATE_PROPERTY)) {
        icaltimetype v = icalproperty_get_exdate(p);
        std::string tzid =
            v.is_date ? "" : (icaltime_is_utc(v) ? "UTC" : internal::ParamText(p, "TZID"));
        icalproperty* np = TimeProp(ICAL_EXDATE_PROPERTY, Wall(v) + delta, v.is_date, tzid);
        icalcomponent_remove_property(g.master, p);
        icalproperty_free(p);
        icalcomponent_add_property(g.master, np);
      }
    }
  }
  icalcomponent* target = g.master ? g.master : inst->comp;
  Result<bool> r = edit(target, &master_cur, true, master_f);
  if (!r.ok()) return r.status();
  if (f.rrule && !*f.rrule) {  // no longer a series: its exceptions go with it
    RemoveProps(g.master, ICAL_EXDATE_PROPERTY);
    RemoveProps(g.master, ICAL_RDATE_PROPERTY);
    for (icalcomponent* ov : g.overrides) RemoveComponent(vcal.get(), ov);
  } else if (f.summary || f.location || f.description || f.klass || f.attendees) {
    // Plain fields changed for the whole series reach its overrides too (Nextcloud, SOGo).
    EventFields plain;
    plain.summary = f.summary;
    plain.location = f.location;
    plain.description = f.description;
    plain.klass = f.klass;
    plain.attendees = f.attendees;
    for (icalcomponent* ov : g.overrides) {
      if (ApplyPlain(ov, plain, me) && organizer) BumpSequence(ov);
      SetStamp(ov, now);
    }
  }
  out.ics = Finish(vcal.get());
  return out;
}

Result<EditedEvent> DeleteOccurrences(std::string_view ics, Scope scope,
                                      std::optional<Seconds> occurrence, Seconds now) {
  ComponentPtr vcal = internal::ParseCalendar(ics);
  if (!vcal) return Status::Internal("stored calendar data cannot be parsed");
  TimeContext tc(vcal.get(), "UTC");
  ComponentGroup g = FindSeries(vcal.get(), ICAL_VEVENT_COMPONENT);
  EditedEvent out;
  if (scope == Scope::kAll || !IsSeries(g) || !g.master) return out;  // the whole resource
  if (!occurrence) {
    return Status::BadRequest("«occurrence» : l'occurrence est obligatoire pour cette portée");
  }
  std::optional<Instance> inst = FindInstance(g, tc, *occurrence);
  if (!inst) {
    return Status::BadRequest("«occurrence» : aucune occurrence ne commence à cette date");
  }
  Instance first = MasterInstance(g, tc);
  if (scope == Scope::kFollowing) {
    if (inst->rid_utc <= first.start) return out;
    CutSeries(vcal.get(), g, tc, inst->rid_utc);
  } else {
    for (icalcomponent* ov : g.overrides) {
      if (RidOf(ov, tc) == inst->rid_utc) RemoveComponent(vcal.get(), ov);
    }
    icalcomponent_add_property(g.master, InstanceKeyProp(ICAL_EXDATE_PROPERTY, g.master, *inst));
  }
  // Attendees hear of it through the scheduling of the PUT (a CANCEL of those instances).
  BumpSequence(g.master);
  SetStamp(g.master, now);
  out.ics = Finish(vcal.get());
  return out;
}

// ---- tasks ----

namespace {

Status ApplyTask(icalcomponent* vcal, icalcomponent* todo, const TaskFields& f, Seconds now,
                 std::string* field) {
  if (f.summary) {
    if (f.summary->empty()) return Bad(field, "summary", "le titre est obligatoire");
    SetText(todo, ICAL_SUMMARY_PROPERTY, *f.summary);
  }
  if (f.description) SetText(todo, ICAL_DESCRIPTION_PROPERTY, *f.description);
  if (f.priority) {
    if (*f.priority < 0 || *f.priority > 9) return Bad(field, "priority", "entre 0 et 9");
    RemoveProps(todo, ICAL_PRIORITY_PROPERTY);
    if (*f.priority > 0) icalcomponent_add_property(todo, icalproperty_new_priority(*f.priority));
  }
  if (f.due) {
    RemoveProps(todo, ICAL_DUE_PROPERTY);
    if (*f.due) {
      const TimeValue& v = **f.due;
      std::string tzid = f.timezone.value_or(kDefaultZone);
      icaltimezone* zone = BuiltinZone(tzid);
      if (!zone) return Bad(field, "timezone", "fuseau horaire inconnu");
      if (v.kind == TimeValue::Kind::kDate) {
        icalcomponent_add_property(todo, TimeProp(ICAL_DUE_PROPERTY, DateWall(v), true, ""));
      } else {
        Seconds wall = UtcToWall(Resolve(v, zone), zone);
        icalcomponent_add_property(todo, TimeProp(ICAL_DUE_PROPERTY, wall, false, tzid));
        EnsureVtimezone(vcal, tzid);
      }
      // DTSTART must not follow DUE (RFC 5545 §3.6.2): a start after the new due date goes.
      std::optional<Seconds> s =
          internal::TimeContext(vcal, "UTC").PropUtc(todo, ICAL_DTSTART_PROPERTY);
      std::optional<Seconds> d =
          internal::TimeContext(vcal, "UTC").PropUtc(todo, ICAL_DUE_PROPERTY);
      if (s && d && *s > *d) RemoveProps(todo, ICAL_DTSTART_PROPERTY);
    }
  }
  std::string status = f.status.value_or("");
  if (f.status) {
    static const std::set<std::string> kStatus = {"NEEDS-ACTION", "IN-PROCESS", "COMPLETED",
                                                  "CANCELLED"};
    if (!kStatus.count(status)) {
      return Bad(field, "status", "NEEDS-ACTION, IN-PROCESS, COMPLETED ou CANCELLED attendu");
    }
  }
  if (f.done)
    status = *f.done ? "COMPLETED" : (f.status && status != "COMPLETED" ? status : "NEEDS-ACTION");
  if (!status.empty()) {
    bool was_done = Text(todo, ICAL_STATUS_PROPERTY) == "COMPLETED";
    RemoveProps(todo, ICAL_STATUS_PROPERTY);
    icalcomponent_add_property(
        todo, icalproperty_new_status(icalproperty_string_to_status(status.c_str())));
    if (status == "COMPLETED") {
      if (!was_done || !icalcomponent_get_first_property(todo, ICAL_COMPLETED_PROPERTY)) {
        RemoveProps(todo, ICAL_COMPLETED_PROPERTY);
        icalcomponent_add_property(todo, UtcProp(ICAL_COMPLETED_PROPERTY, now));
      }
      RemoveProps(todo, ICAL_PERCENTCOMPLETE_PROPERTY);
      icalcomponent_add_property(todo, icalproperty_new_percentcomplete(100));
    } else {
      RemoveProps(todo, ICAL_COMPLETED_PROPERTY);
      RemoveProps(todo, ICAL_PERCENTCOMPLETE_PROPERTY);
    }
  }
  SetStamp(todo, now);
  return Status::OK();
}

}  // namespace

Result<std::string> NewTask(const TaskFields& f, const std::string& uid, Seconds now,
                            std::string* field) {
  if (!f.summary || f.summary->empty()) return Bad(field, "summary", "le titre est obligatoire");
  ComponentPtr vcal = NewCalendar();
  icalcomponent* todo = icalcomponent_new_vtodo();
  icalcomponent_add_component(vcal.get(), todo);
  icalcomponent_add_property(todo, icalproperty_new_uid(uid.c_str()));
  icalcomponent_add_property(todo, UtcProp(ICAL_CREATED_PROPERTY, now));
  TaskFields g = f;
  if (!g.status && !g.done) g.status = "NEEDS-ACTION";
  if (Status st = ApplyTask(vcal.get(), todo, g, now, field); !st.ok()) return st;
  return Finish(vcal.get());
}

Result<std::string> EditTask(std::string_view ics, const TaskFields& f, Seconds now,
                             std::string* field) {
  ComponentPtr vcal = internal::ParseCalendar(ics);
  if (!vcal) return Status::Internal("stored calendar data cannot be parsed");
  ComponentGroup g = FindSeries(vcal.get(), ICAL_VTODO_COMPONENT);
  icalcomponent* todo = g.master ? g.master : (g.overrides.empty() ? nullptr : g.overrides[0]);
  if (!todo) return Bad(field, "name", "ce n'est pas une tâche");
  if (Status st = ApplyTask(vcal.get(), todo, f, now, field); !st.ok()) return st;
  BumpSequence(todo);
  return Finish(vcal.get());
}

std::optional<TaskInfo> ReadTask(std::string_view ics) {
  ComponentPtr vcal = internal::ParseCalendar(ics);
  if (!vcal) return std::nullopt;
  ComponentGroup g = FindSeries(vcal.get(), ICAL_VTODO_COMPONENT);
  icalcomponent* todo = g.master ? g.master : (g.overrides.empty() ? nullptr : g.overrides[0]);
  if (!todo) return std::nullopt;
  TimeContext tc(vcal.get(), kDefaultZone);
  TaskInfo t;
  const char* uid = icalcomponent_get_uid(todo);
  t.uid = uid ? uid : "";
  t.summary = Text(todo, ICAL_SUMMARY_PROPERTY);
  t.description = Text(todo, ICAL_DESCRIPTION_PROPERTY);
  t.status = Text(todo, ICAL_STATUS_PROPERTY);
  if (t.status.empty()) t.status = "NEEDS-ACTION";
  auto when = [&](icalproperty_kind kind, std::string* text) -> std::optional<Seconds> {
    icalproperty* p = icalcomponent_get_first_property(todo, kind);
    if (!p) return std::nullopt;
    icaltimetype v = icalvalue_get_datetime(icalproperty_get_value(p));
    std::optional<Seconds> utc = tc.ValueUtc(p, v);
    if (v.is_date) {
      *text = DateText(Wall(v));
      return utc ? std::optional<Seconds>(*utc + kDay) : std::nullopt;  // due at the day's end
    }
    if (utc) *text = Rfc3339Utc(*utc);
    return utc;
  };
  t.due_utc = when(ICAL_DUE_PROPERTY, &t.due);
  when(ICAL_DTSTART_PROPERTY, &t.start);
  if (icalproperty* p = icalcomponent_get_first_property(todo, ICAL_PRIORITY_PROPERTY)) {
    t.priority = icalproperty_get_priority(p);
  }
  if (std::optional<Seconds> c = tc.PropUtc(todo, ICAL_COMPLETED_PROPERTY)) {
    t.completed = Rfc3339Utc(*c);
  }
  if (icalproperty* p = icalcomponent_get_first_property(todo, ICAL_PERCENTCOMPLETE_PROPERTY)) {
    t.percent = icalproperty_get_percentcomplete(p);
  }
  return t;
}

}  // namespace cartable::dav::caldav
