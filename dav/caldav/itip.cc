// The iTIP engine: scheduling view of a calendar object, iTIP messages, and applying them.
#include "dav/caldav/itip.h"

#include <algorithm>
#include <set>

#include "dav/caldav/ical_internal.h"

namespace cartable::dav::caldav {
namespace {

using internal::ComponentPtr;
using internal::Props;
using internal::RemoveProps;
using internal::TimeContext;

constexpr const char* kProdId = "-//Cartable//Cartable//FR";

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string Param(icalproperty* p, const char* name) {
  const char* v = icalproperty_get_parameter_as_string(p, name);
  return v ? v : "";
}

std::string ValueText(icalproperty* p) {
  const char* v = icalproperty_get_value_as_string(p);
  return v ? v : "";
}

Status Unparsable() {
  return Status::Violates(Precondition::kValidCalendarData, "the calendar data does not parse");
}

Result<ComponentPtr> Parse(std::string_view ics) {
  ComponentPtr vcal = internal::ParseCalendar(ics);
  if (!vcal) return Unparsable();
  return vcal;
}

// The scheduled components of a VCALENDAR (everything but VTIMEZONE), in order.
std::vector<icalcomponent*> Components(icalcomponent* vcal) {
  std::vector<icalcomponent*> out;
  for (icalcomponent* c = icalcomponent_get_first_component(vcal, ICAL_ANY_COMPONENT); c;
       c = icalcomponent_get_next_component(vcal, ICAL_ANY_COMPONENT)) {
    if (icalcomponent_isa(c) != ICAL_VTIMEZONE_COMPONENT) out.push_back(c);
  }
  return out;
}

void RemoveSubcomponents(icalcomponent* c, icalcomponent_kind kind) {
  std::vector<icalcomponent*> doomed;
  for (icalcomponent* k = icalcomponent_get_first_component(c, kind); k;
       k = icalcomponent_get_next_component(c, kind)) {
    doomed.push_back(k);
  }
  for (icalcomponent* k : doomed) {
    icalcomponent_remove_component(c, k);
    icalcomponent_free(k);
  }
}

// The key naming the instance a RECURRENCE-ID value (or an EXDATE-like value) designates.
std::string KeyOf(icalproperty* prop, icaltimetype t, TimeContext& tc) {
  if (t.is_date) return icaltime_as_ical_string(t);
  bool floating =
      !icaltime_is_utc(t) && icalproperty_get_first_parameter(prop, ICAL_TZID_PARAMETER) == nullptr;
  if (floating) return icaltime_as_ical_string(t);
  std::optional<Seconds> utc = tc.ValueUtc(prop, t);
  return utc ? FormatUtcDateTime(*utc) : icaltime_as_ical_string(t);
}

std::string RecurrenceKey(icalcomponent* c, TimeContext& tc) {
  icalproperty* p = icalcomponent_get_first_property(c, ICAL_RECURRENCEID_PROPERTY);
  if (!p) return "";
  return KeyOf(p, icalproperty_get_recurrenceid(p), tc);
}

icalproperty* FindAttendeeProp(icalcomponent* c, const std::string& address) {
  for (icalproperty* p : Props(c, ICAL_ATTENDEE_PROPERTY)) {
    if (NormalizeAddress(ValueText(p)) == address) return p;
  }
  return nullptr;
}

void StripScheduleParams(icalproperty* p) {
  for (const char* name : {"SCHEDULE-STATUS", "SCHEDULE-AGENT", "SCHEDULE-FORCE-SEND"}) {
    icalproperty_remove_parameter_by_name(p, name);
  }
}

// A date property's value as the instant it names (UTC for zoned values, local text for DATE
// and floating ones), so rewriting "17:00 Europe/Paris" as "16:00Z" is no change.
std::string TimeText(icalproperty* p, TimeContext& tc) {
  icalvalue* v = icalproperty_get_value(p);
  icalvalue_kind kind = v ? icalvalue_isa(v) : ICAL_NO_VALUE;
  if (kind == ICAL_DATE_VALUE) return KeyOf(p, icalvalue_get_date(v), tc);
  if (kind == ICAL_DATETIME_VALUE) return KeyOf(p, icalvalue_get_datetime(v), tc);
  return ValueText(p) + ";" + Param(p, "TZID");
}

// Signature of what attendees must hear about (ItipComponent::signature).
std::string Signature(icalcomponent* c, TimeContext& tc) {
  std::string sig;
  for (icalproperty_kind kind :
       {ICAL_DTSTART_PROPERTY, ICAL_DTEND_PROPERTY, ICAL_DURATION_PROPERTY, ICAL_DUE_PROPERTY,
        ICAL_RRULE_PROPERTY, ICAL_RDATE_PROPERTY, ICAL_EXDATE_PROPERTY, ICAL_SUMMARY_PROPERTY,
        ICAL_LOCATION_PROPERTY, ICAL_DESCRIPTION_PROPERTY, ICAL_STATUS_PROPERTY,
        ICAL_ORGANIZER_PROPERTY}) {
    std::vector<std::string> values;
    for (icalproperty* p : Props(c, kind)) {
      if (kind == ICAL_ORGANIZER_PROPERTY) {
        values.push_back(NormalizeAddress(ValueText(p)));
      } else if (kind == ICAL_DTSTART_PROPERTY || kind == ICAL_DTEND_PROPERTY ||
                 kind == ICAL_DUE_PROPERTY || kind == ICAL_EXDATE_PROPERTY) {
        values.push_back(TimeText(p, tc));
      } else {
        values.push_back(ValueText(p) + ";" + Param(p, "TZID"));
      }
    }
    std::sort(values.begin(), values.end());
    sig += std::to_string(kind) + "=";
    for (const std::string& v : values) sig += v + "\x1f";
    sig += "\x1e";
  }
  std::set<std::string> attendees;
  for (icalproperty* p : Props(c, ICAL_ATTENDEE_PROPERTY)) {
    attendees.insert(NormalizeAddress(ValueText(p)));
  }
  for (const std::string& a : attendees) sig += a + "\x1f";
  return sig;
}

ItipComponent Describe(icalcomponent* c, TimeContext& tc) {
  ItipComponent out;
  out.recurrence_key = RecurrenceKey(c, tc);
  if (icalproperty* o = icalcomponent_get_first_property(c, ICAL_ORGANIZER_PROPERTY)) {
    out.organizer = NormalizeAddress(ValueText(o));
    out.organizer_name = Param(o, "CN");
    out.organizer_agent = Upper(Param(o, "SCHEDULE-AGENT"));
    out.organizer_force_send = Upper(Param(o, "SCHEDULE-FORCE-SEND"));
    if (out.organizer_agent.empty()) out.organizer_agent = "SERVER";
  }
  std::set<std::string> seen;
  for (icalproperty* p : Props(c, ICAL_ATTENDEE_PROPERTY)) {
    ItipAttendee a;
    a.address = NormalizeAddress(ValueText(p));
    if (a.address.empty() || !seen.insert(a.address).second) continue;
    a.name = Param(p, "CN");
    a.partstat = Upper(Param(p, "PARTSTAT"));
    if (a.partstat.empty()) a.partstat = "NEEDS-ACTION";
    a.schedule_agent = Upper(Param(p, "SCHEDULE-AGENT"));
    if (a.schedule_agent.empty()) a.schedule_agent = "SERVER";
    a.force_send = Upper(Param(p, "SCHEDULE-FORCE-SEND"));
    a.cutype = Upper(Param(p, "CUTYPE"));
    if (a.cutype.empty()) a.cutype = "INDIVIDUAL";
    out.attendees.push_back(std::move(a));
  }
  out.signature = Signature(c, tc);
  icalproperty* status = icalcomponent_get_first_property(c, ICAL_STATUS_PROPERTY);
  out.cancelled = status && icalproperty_get_status(status) == ICAL_STATUS_CANCELLED;
  if (icalproperty* seq = icalcomponent_get_first_property(c, ICAL_SEQUENCE_PROPERTY)) {
    out.sequence = icalproperty_get_sequence(seq);
  }
  return out;
}

icalcomponent* FindByKey(icalcomponent* vcal, const std::string& key, TimeContext& tc) {
  for (icalcomponent* c : Components(vcal)) {
    if (RecurrenceKey(c, tc) == key) return c;
  }
  return nullptr;
}

// The time `key` names, in the form of `like` (its TZID, DATE-ness), for RECURRENCE-ID/EXDATE.
std::optional<icaltimetype> TimeForKey(const std::string& key, icalproperty* like,
                                       TimeContext& tc) {
  icaltimetype t = icaltime_from_string(key.c_str());
  if (icaltime_is_null_time(t) || !icaltime_is_valid_time(t)) return std::nullopt;
  if (t.is_date || !icaltime_is_utc(t)) return t;  // DATE and floating keys are local already
  icaltimetype start = icalproperty_get_dtstart(like);
  if (icaltime_is_utc(start)) return t;
  icalparameter* tzid = icalproperty_get_first_parameter(like, ICAL_TZID_PARAMETER);
  icaltimezone* zone = tzid ? tc.Zone(icalparameter_get_tzid(tzid)) : nullptr;
  if (!zone) return std::nullopt;
  icaltimetype local = icaltime_convert_to_zone(t, zone);
  local.zone = nullptr;
  return local;
}

void CopyTzid(icalproperty* from, icalproperty* to) {
  if (icalparameter* tz = icalproperty_get_first_parameter(from, ICAL_TZID_PARAMETER)) {
    icalproperty_add_parameter(to, icalparameter_new_clone(tz));
  }
}

// The key of the instance of `master` starting at `start` (UTC seconds; DATE and floating
// masters are evaluated in UTC, as every TimeContext here is).
std::string KeyAt(icalcomponent* master, Seconds start) {
  icalproperty* dtstart = icalcomponent_get_first_property(master, ICAL_DTSTART_PROPERTY);
  if (!dtstart) return "";
  icaltimetype t = icalproperty_get_dtstart(dtstart);
  if (t.is_date ||
      (!icaltime_is_utc(t) && !icalproperty_get_first_parameter(dtstart, ICAL_TZID_PARAMETER))) {
    icaltimetype local = icaltime_from_timet_with_zone(static_cast<time_t>(start), t.is_date,
                                                       icaltimezone_get_utc_timezone());
    local.zone = nullptr;
    return icaltime_as_ical_string(local);
  }
  return FormatUtcDateTime(start);
}

// Whether the master's recurrence set has an instance whose key is `key`.
bool HasInstance(icalcomponent* master, const std::string& key, TimeContext& tc) {
  icaltimetype t = icaltime_from_string(key.c_str());
  if (icaltime_is_null_time(t) || !icaltime_is_valid_time(t)) return false;
  Seconds at = TimeContext::ToUtc(
      t, icaltime_is_utc(t) ? icaltimezone_get_utc_timezone() : tc.floating_zone());
  internal::ComponentGroup group{master, {}};
  internal::ExpandStats stats;
  TimeRange window{at - 2 * internal::kDay, at + 2 * internal::kDay};
  for (const internal::Instance& inst :
       internal::ExpandGroup(group, tc, window, internal::kMaxRecurIterations, &stats)) {
    if (inst.has_start && KeyAt(master, inst.start) == key) return true;
  }
  return false;
}

// Adds to `vcal` an override of `master` for the instance `key` (it must exist). Returns it.
icalcomponent* AddOverride(icalcomponent* vcal, icalcomponent* master, const std::string& key,
                           TimeContext& tc) {
  icalproperty* dtstart = icalcomponent_get_first_property(master, ICAL_DTSTART_PROPERTY);
  if (!dtstart || !HasInstance(master, key, tc)) return nullptr;
  std::optional<icaltimetype> start = TimeForKey(key, dtstart, tc);
  if (!start) return nullptr;
  icaltimetype master_start = icalproperty_get_dtstart(dtstart);
  icalcomponent* inst = icalcomponent_new_clone(master);
  for (icalproperty_kind k : {ICAL_RRULE_PROPERTY, ICAL_RDATE_PROPERTY, ICAL_EXDATE_PROPERTY,
                              ICAL_EXRULE_PROPERTY, ICAL_DTSTART_PROPERTY}) {
    RemoveProps(inst, k);
  }
  icalproperty* new_start = icalproperty_new_dtstart(*start);
  CopyTzid(dtstart, new_start);
  icalcomponent_add_property(inst, new_start);
  icalproperty* rid = icalproperty_new_recurrenceid(*start);
  CopyTzid(dtstart, rid);
  icalcomponent_add_property(inst, rid);
  if (icalproperty* dtend = icalcomponent_get_first_property(inst, ICAL_DTEND_PROPERTY)) {
    icaltimetype end = icalproperty_get_dtend(dtend);
    icaldurationtype length = icaltime_subtract(end, master_start);
    icaltimetype new_end = icaltime_add(*start, length);
    icalproperty* replaced = icalproperty_new_dtend(new_end);
    CopyTzid(dtend, replaced);
    icalcomponent_remove_property(inst, dtend);
    icalproperty_free(dtend);
    icalcomponent_add_property(inst, replaced);
  }
  icalcomponent_add_component(vcal, inst);
  return inst;
}

// A new VCALENDAR for an iTIP message: VERSION, PRODID, METHOD and the source's VTIMEZONEs.
ComponentPtr NewMessage(icalcomponent* source, const std::string& method) {
  ComponentPtr out(icalcomponent_new(ICAL_VCALENDAR_COMPONENT));
  icalcomponent_add_property(out.get(), icalproperty_new_version("2.0"));
  icalcomponent_add_property(out.get(), icalproperty_new_prodid(kProdId));
  icalcomponent_add_property(
      out.get(), icalproperty_new_method(icalproperty_string_to_method(method.c_str())));
  for (icalcomponent* tz = icalcomponent_get_first_component(source, ICAL_VTIMEZONE_COMPONENT); tz;
       tz = icalcomponent_get_next_component(source, ICAL_VTIMEZONE_COMPONENT)) {
    icalcomponent_add_component(out.get(), icalcomponent_new_clone(tz));
  }
  return out;
}

void CollectTzids(icalcomponent* c, std::set<std::string>& out) {
  for (icalproperty* p = icalcomponent_get_first_property(c, ICAL_ANY_PROPERTY); p;
       p = icalcomponent_get_next_property(c, ICAL_ANY_PROPERTY)) {
    if (icalparameter* tz = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER)) {
      if (const char* id = icalparameter_get_tzid(tz)) out.insert(id);
    }
  }
  for (icalcomponent* k = icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT); k;
       k = icalcomponent_get_next_component(c, ICAL_ANY_COMPONENT)) {
    if (icalcomponent_isa(k) != ICAL_VTIMEZONE_COMPONENT) CollectTzids(k, out);
  }
}

// An iTIP message names its zones with VTIMEZONEs, also those the stored object left to the
// time-zone database (mail clients need them; docs/clients.md #8: CANCEL too).
CalendarObject FinishMessage(ComponentPtr owned) {
  icalcomponent* msg = owned.get();
  std::set<std::string> used;
  CollectTzids(msg, used);
  for (icalcomponent* tz = icalcomponent_get_first_component(msg, ICAL_VTIMEZONE_COMPONENT); tz;
       tz = icalcomponent_get_next_component(msg, ICAL_VTIMEZONE_COMPONENT)) {
    icalproperty* id = icalcomponent_get_first_property(tz, ICAL_TZID_PROPERTY);
    if (id && icalproperty_get_tzid(id)) used.erase(icalproperty_get_tzid(id));
  }
  for (const std::string& tzid : used) {
    icaltimezone* zone = icaltimezone_get_builtin_timezone(tzid.c_str());
    if (!zone) zone = icaltimezone_get_builtin_timezone_from_tzid(tzid.c_str());
    icalcomponent* def = zone ? icaltimezone_get_component(zone) : nullptr;
    if (!def) continue;
    icalcomponent* copy = icalcomponent_new_clone(def);
    // The database names its zones "/citadel.org/..."; the message must use the TZID it cites.
    RemoveProps(copy, ICAL_TZID_PROPERTY);
    icalcomponent_add_property(copy, icalproperty_new_tzid(tzid.c_str()));
    icalcomponent_add_component(msg, copy);
  }
  return CalendarObject::Adopt(owned.release());
}

void SetDtstampNow(icalcomponent* c) {
  RemoveProps(c, ICAL_DTSTAMP_PROPERTY);
  icalcomponent_add_property(
      c,
      icalproperty_new_dtstamp(icaltime_current_time_with_zone(icaltimezone_get_utc_timezone())));
}

// A copy of `c` fit for an iTIP message: no VALARM, no SCHEDULE-* parameters, attendees once.
icalcomponent* MessageCopy(icalcomponent* c) {
  icalcomponent* copy = icalcomponent_new_clone(c);
  RemoveSubcomponents(copy, ICAL_VALARM_COMPONENT);
  std::set<std::string> seen;
  for (icalproperty* p : Props(copy, ICAL_ATTENDEE_PROPERTY)) {
    if (!seen.insert(NormalizeAddress(ValueText(p))).second) {
      icalcomponent_remove_property(copy, p);
      icalproperty_free(p);
      continue;
    }
    StripScheduleParams(p);
  }
  for (icalproperty* p : Props(copy, ICAL_ORGANIZER_PROPERTY)) StripScheduleParams(p);
  SetDtstampNow(copy);
  return copy;
}

void SetStatus(icalcomponent* c, icalproperty_status status) {
  RemoveProps(c, ICAL_STATUS_PROPERTY);
  icalcomponent_add_property(c, icalproperty_new_status(status));
}

// The components `attendee` is in, as a REQUEST would carry them (see BuildRequest).
Result<ComponentPtr> ComponentsFor(icalcomponent* vcal, const std::string& attendee,
                                   const std::string& method, TimeContext& tc) {
  ComponentPtr out = NewMessage(vcal, method);
  icalcomponent* master_copy = nullptr;
  std::vector<icalcomponent*> excluded;
  bool any = false;
  for (icalcomponent* c : Components(vcal)) {
    bool in = FindAttendeeProp(c, attendee) != nullptr;
    bool is_master = RecurrenceKey(c, tc).empty();
    if (!in) {
      if (!is_master) excluded.push_back(c);
      continue;
    }
    any = true;
    icalcomponent* copy = MessageCopy(c);
    icalcomponent_add_component(out.get(), copy);
    if (is_master) master_copy = copy;
  }
  if (!any) return Status::NotFound(attendee + " is not an attendee");
  if (master_copy) {  // instances they were removed from are not theirs
    for (icalcomponent* c : excluded) {
      icalproperty* rid = icalcomponent_get_first_property(c, ICAL_RECURRENCEID_PROPERTY);
      icalproperty* ex = icalproperty_new_exdate(icalproperty_get_recurrenceid(rid));
      CopyTzid(rid, ex);
      icalcomponent_add_property(master_copy, ex);
    }
  }
  return out;
}

}  // namespace

std::string NormalizeAddress(std::string_view address) {
  size_t b = 0, e = address.size();
  while (b < e && std::isspace(static_cast<unsigned char>(address[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(address[e - 1]))) --e;
  std::string a(address.substr(b, e - b));
  if (a.size() >= 7 && Upper(a.substr(0, 7)) == "MAILTO:") {
    std::string rest = a.substr(7);
    for (char& c : rest) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return "mailto:" + rest;
  }
  return a;
}

std::string MailAddress(std::string_view address) {
  std::string n = NormalizeAddress(address);
  return n.rfind("mailto:", 0) == 0 ? n.substr(7) : "";
}

const ItipAttendee* ItipComponent::FindAttendee(const std::string& address) const {
  for (const ItipAttendee& a : attendees) {
    if (a.address == address) return &a;
  }
  return nullptr;
}

const ItipComponent* SchedulingInfo::Find(const std::string& key) const {
  for (const ItipComponent& c : components) {
    if (c.recurrence_key == key) return &c;
  }
  return nullptr;
}

const ItipComponent& SchedulingInfo::OrganizerComponent() const {
  for (const ItipComponent& c : components) {
    if (!c.organizer.empty() && c.organizer == organizer) return c;
  }
  return components.front();
}

bool SchedulingInfo::HasAttendee(const std::string& address) const {
  for (const ItipComponent& c : components) {
    if (c.FindAttendee(address)) return true;
  }
  return false;
}

std::vector<std::string> SchedulingInfo::AttendeeAddresses() const {
  std::vector<std::string> out;
  for (const ItipComponent& c : components) {
    for (const ItipAttendee& a : c.attendees) {
      if (std::find(out.begin(), out.end(), a.address) == out.end()) out.push_back(a.address);
    }
  }
  return out;
}

bool SchedulingInfo::IsSchedulingObject() const {
  if (organizer.empty()) return false;
  for (const ItipComponent& c : components) {
    if (!c.attendees.empty()) return true;
  }
  return false;
}

Result<SchedulingInfo> InspectScheduling(const CalendarObject& cal) {
  if (cal.empty()) return Unparsable();
  icalcomponent* vcal = cal.Vcal();
  TimeContext tc(vcal, "UTC");
  SchedulingInfo info;
  if (icalproperty* m = icalcomponent_get_first_property(vcal, ICAL_METHOD_PROPERTY)) {
    info.method = Upper(ValueText(m));
  }
  bool first = true;
  for (icalcomponent* c : Components(vcal)) {
    ItipComponent d = Describe(c, tc);
    if (first) {
      info.uid = icalcomponent_get_uid(c) ? icalcomponent_get_uid(c) : "";
      info.component = internal::ComponentName(c);
      first = false;
    }
    // RFC 6638 §3.2.4.1: the ORGANIZER must be the same in every component *where present*.
    if (!d.organizer.empty()) {
      if (info.organizer.empty()) {
        info.organizer = d.organizer;
      } else if (d.organizer != info.organizer) {
        info.same_organizer = false;
      }
    }
    if (d.recurrence_key.empty()) {
      if (!d.organizer.empty()) info.organizer = d.organizer;  // the master's wins
      info.components.insert(info.components.begin(), std::move(d));
    } else {
      info.components.push_back(std::move(d));
    }
  }
  if (info.components.empty() || info.uid.empty()) {
    return Status::Violates(Precondition::kValidCalendarData, "no component with a UID");
  }
  return info;
}

Result<CalendarObject> BuildRequest(const CalendarObject& organizer, const std::string& attendee,
                                    const std::string& method) {
  if (organizer.empty()) return Unparsable();
  TimeContext tc(organizer.Vcal(), "UTC");
  Result<ComponentPtr> out = ComponentsFor(organizer.Vcal(), attendee, method, tc);
  if (!out.ok()) return out.status();
  return FinishMessage(std::move(out.value()));
}

Result<CalendarObject> BuildCancel(const CalendarObject& organizer, const std::string& attendee,
                                   const std::vector<std::string>& keys) {
  if (organizer.empty()) return Unparsable();
  // Cancelling instances may add overrides to work from: on a copy, never on the caller's.
  CalendarObject scratch = keys.empty() ? CalendarObject() : organizer.Clone();
  icalcomponent* vcal = keys.empty() ? organizer.Vcal() : scratch.Vcal();
  TimeContext tc(vcal, "UTC");
  ComponentPtr out;
  if (keys.empty()) {
    Result<ComponentPtr> all = ComponentsFor(vcal, attendee, "CANCEL", tc);
    if (!all.ok()) return all.status();
    out = std::move(all.value());
  } else {
    out = NewMessage(vcal, "CANCEL");
    icalcomponent* master = FindByKey(vcal, "", tc);
    for (const std::string& key : keys) {
      icalcomponent* c = FindByKey(vcal, key, tc);
      if (!c && master) c = AddOverride(vcal, master, key, tc);
      if (!c) return Status::NotFound("no instance " + key);
      icalcomponent_add_component(out.get(), MessageCopy(c));
    }
  }
  for (icalcomponent* c : Components(out.get())) {
    SetStatus(c, ICAL_STATUS_CANCELLED);
    RemoveSubcomponents(c, ICAL_VALARM_COMPONENT);
  }
  return FinishMessage(std::move(out));
}

Result<CalendarObject> BuildReply(const CalendarObject& copy, const std::string& attendee,
                                  const std::vector<std::string>& keys) {
  if (copy.empty()) return Unparsable();
  icalcomponent* vcal = copy.Vcal();
  TimeContext tc(vcal, "UTC");
  ComponentPtr out = NewMessage(vcal, "REPLY");
  bool any = false;
  for (icalcomponent* c : Components(vcal)) {
    std::string key = RecurrenceKey(c, tc);
    if (!keys.empty() && std::find(keys.begin(), keys.end(), key) == keys.end()) continue;
    icalproperty* me = FindAttendeeProp(c, attendee);
    if (!me) continue;
    icalcomponent* r = icalcomponent_new(icalcomponent_isa(c));
    for (icalproperty_kind kind :
         {ICAL_UID_PROPERTY, ICAL_SEQUENCE_PROPERTY, ICAL_ORGANIZER_PROPERTY,
          ICAL_RECURRENCEID_PROPERTY, ICAL_DTSTART_PROPERTY, ICAL_DTEND_PROPERTY,
          ICAL_DURATION_PROPERTY, ICAL_DUE_PROPERTY, ICAL_SUMMARY_PROPERTY, ICAL_LOCATION_PROPERTY,
          ICAL_RRULE_PROPERTY}) {
      for (icalproperty* p : Props(c, kind)) {
        icalproperty* copy = icalproperty_new_clone(p);
        StripScheduleParams(copy);
        icalcomponent_add_property(r, copy);
      }
    }
    icalproperty* mine = icalproperty_new_clone(me);
    StripScheduleParams(mine);
    icalcomponent_add_property(r, mine);
    SetDtstampNow(r);
    icalcomponent_add_component(out.get(), r);
    any = true;
  }
  if (!any) return Status::NotFound(attendee + " is not an attendee");
  return FinishMessage(std::move(out));
}

Status ApplyReply(CalendarObject& organizer, const CalendarObject& reply,
                  const std::string& attendee, bool* changed) {
  *changed = false;
  if (organizer.empty() || reply.empty()) return Unparsable();
  organizer.Touch();
  icalcomponent* vcal = organizer.Vcal();
  TimeContext tc(vcal, "UTC");
  TimeContext mtc(reply.Vcal(), "UTC");
  icalcomponent* master = FindByKey(vcal, "", tc);
  bool any = false;
  for (icalcomponent* rc : Components(reply.Vcal())) {
    icalproperty* said = FindAttendeeProp(rc, attendee);
    if (!said) return Status::Forbidden("the reply does not speak for " + attendee);
    std::string key = RecurrenceKey(rc, mtc);
    icalcomponent* c = FindByKey(vcal, key, tc);
    if (!c && master && !key.empty() && FindAttendeeProp(master, attendee)) {
      c = AddOverride(vcal, master, key, tc);
    }
    if (!c) continue;  // an instance that no longer exists: nothing to record
    icalproperty* p = FindAttendeeProp(c, attendee);
    if (!p) return Status::Forbidden(attendee + " is not invited to this event");
    std::string partstat = Upper(Param(said, "PARTSTAT"));
    if (partstat.empty()) partstat = "NEEDS-ACTION";
    if (Upper(Param(p, "PARTSTAT")) != partstat) *changed = true;
    icalproperty_set_parameter_from_string(p, "PARTSTAT", partstat.c_str());
    icalproperty_remove_parameter_by_name(p, "SCHEDULE-STATUS");
    icalproperty_set_parameter_from_string(p, "SCHEDULE-STATUS", "2.0");
    any = true;
  }
  if (!any) return Status::NotFound("the reply names no instance of this event");
  return Status::OK();
}

Result<CalendarObject> ApplyRequest(const CalendarObject* existing, const CalendarObject& request) {
  if (request.empty() || (existing && existing->empty())) return Unparsable();
  CalendarObject out = request.Clone();
  out.Touch();
  icalcomponent* msg = out.Vcal();
  RemoveProps(msg, ICAL_METHOD_PROPERTY);
  if (existing) {
    icalcomponent* old = existing->Vcal();
    TimeContext tc(old, "UTC");
    TimeContext mtc(msg, "UTC");
    for (icalcomponent* c : Components(msg)) {
      icalcomponent* prev = FindByKey(old, RecurrenceKey(c, mtc), tc);
      if (!prev) prev = FindByKey(old, "", tc);  // a new override inherits the alarms
      if (!prev) continue;
      RemoveSubcomponents(c, ICAL_VALARM_COMPONENT);
      for (icalcomponent* a = icalcomponent_get_first_component(prev, ICAL_VALARM_COMPONENT); a;
           a = icalcomponent_get_next_component(prev, ICAL_VALARM_COMPONENT)) {
        icalcomponent_add_component(c, icalcomponent_new_clone(a));
      }
      if (icalproperty* transp = icalcomponent_get_first_property(prev, ICAL_TRANSP_PROPERTY)) {
        RemoveProps(c, ICAL_TRANSP_PROPERTY);
        icalcomponent_add_property(c, icalproperty_new_clone(transp));
      }
    }
  }
  return out;
}

Status ApplyCancel(CalendarObject& existing, const CalendarObject& cancel) {
  if (existing.empty() || cancel.empty()) return Unparsable();
  existing.Touch();
  icalcomponent* vcal = existing.Vcal();
  TimeContext tc(vcal, "UTC");
  TimeContext mtc(cancel.Vcal(), "UTC");
  icalcomponent* master = FindByKey(vcal, "", tc);
  for (icalcomponent* mc : Components(cancel.Vcal())) {
    std::string key = RecurrenceKey(mc, mtc);
    if (key.empty() || !master) {
      for (icalcomponent* c : Components(vcal)) {
        if (!key.empty() && RecurrenceKey(c, tc) != key) continue;
        SetStatus(c, ICAL_STATUS_CANCELLED);
      }
      continue;
    }
    if (icalcomponent* c = FindByKey(vcal, key, tc)) {
      icalcomponent_remove_component(vcal, c);
      icalcomponent_free(c);
    }
    icalproperty* dtstart = icalcomponent_get_first_property(master, ICAL_DTSTART_PROPERTY);
    std::optional<icaltimetype> t = dtstart ? TimeForKey(key, dtstart, tc) : std::nullopt;
    if (!t) continue;
    icalproperty* ex = icalproperty_new_exdate(*t);
    CopyTzid(dtstart, ex);
    icalcomponent_add_property(master, ex);
  }
  return Status::OK();
}

Status SetPartstat(CalendarObject& cal, const std::string& attendee, const std::string& partstat,
                   const std::string& key) {
  if (cal.empty()) return Unparsable();
  cal.Touch();
  icalcomponent* vcal = cal.Vcal();
  TimeContext tc(vcal, "UTC");
  std::vector<icalcomponent*> targets;
  if (key.empty()) {
    for (icalcomponent* c : Components(vcal)) targets.push_back(c);
  } else {
    icalcomponent* c = FindByKey(vcal, key, tc);
    icalcomponent* master = FindByKey(vcal, "", tc);
    if (!c && master) c = AddOverride(vcal, master, key, tc);
    if (!c) return Status::NotFound("no instance " + key + " in this event");
    targets.push_back(c);
  }
  bool any = false;
  for (icalcomponent* c : targets) {
    icalproperty* p = FindAttendeeProp(c, attendee);
    if (!p) continue;
    icalproperty_set_parameter_from_string(p, "PARTSTAT", Upper(partstat).c_str());
    any = true;
  }
  if (!any) return Status::NotFound(attendee + " is not invited");
  return Status::OK();
}

Status RenameAttendee(CalendarObject& cal, const std::string& from, const std::string& to) {
  if (cal.empty()) return Unparsable();
  cal.Touch();
  bool any = false;
  for (icalcomponent* c : Components(cal.Vcal())) {
    for (icalproperty* p : Props(c, ICAL_ATTENDEE_PROPERTY)) {
      if (NormalizeAddress(ValueText(p)) != from) continue;
      icalproperty_set_attendee(p, to.c_str());
      any = true;
    }
  }
  if (!any) return Status::NotFound(from + " is not invited");
  return Status::OK();
}

namespace {

// Sets SENT-BY on `p` ("" removes it); true when it changed.
bool PutSentBy(icalproperty* p, const std::string& sent_by) {
  const std::string now = Param(p, "SENT-BY");
  if (NormalizeAddress(now) == NormalizeAddress(sent_by) && now.empty() == sent_by.empty()) {
    return false;
  }
  icalproperty_remove_parameter_by_name(p, "SENT-BY");
  if (!sent_by.empty()) icalproperty_set_parameter_from_string(p, "SENT-BY", sent_by.c_str());
  return true;
}

}  // namespace

Status SetOrganizer(CalendarObject& cal, const std::string& address, const std::string& name,
                    const std::string& sent_by) {
  if (cal.empty()) return Unparsable();
  bool changed = false;
  for (icalcomponent* c : Components(cal.Vcal())) {
    for (icalproperty* p : Props(c, ICAL_ORGANIZER_PROPERTY)) {
      if (NormalizeAddress(ValueText(p)) != NormalizeAddress(address)) {
        icalproperty_set_organizer(p, address.c_str());
        icalproperty_remove_parameter_by_name(p, "CN");
        if (!name.empty()) icalproperty_set_parameter_from_string(p, "CN", name.c_str());
        changed = true;
      }
      changed = PutSentBy(p, sent_by) || changed;
    }
  }
  if (changed) cal.Touch();
  return Status::OK();
}

Status SetAttendeeSentBy(CalendarObject& cal, const std::string& attendee,
                         const std::string& sent_by) {
  if (cal.empty()) return Unparsable();
  bool any = false, changed = false;
  for (icalcomponent* c : Components(cal.Vcal())) {
    for (icalproperty* p : Props(c, ICAL_ATTENDEE_PROPERTY)) {
      if (NormalizeAddress(ValueText(p)) != attendee) continue;
      any = true;
      changed = PutSentBy(p, sent_by) || changed;
    }
  }
  if (changed) cal.Touch();
  if (!any) return Status::NotFound(attendee + " is not invited");
  return Status::OK();
}

Status CarryAnswers(const CalendarObject& from, CalendarObject& into, const std::string& organizer,
                    bool* changed) {
  *changed = false;
  if (from.empty() || into.empty()) return Unparsable();
  TimeContext otc(from.Vcal(), "UTC");
  TimeContext ntc(into.Vcal(), "UTC");
  for (icalcomponent* c : Components(into.Vcal())) {
    icalcomponent* prev = FindByKey(from.Vcal(), RecurrenceKey(c, ntc), otc);
    if (!prev || Signature(prev, otc) != Signature(c, ntc)) continue;
    for (icalproperty* p : Props(c, ICAL_ATTENDEE_PROPERTY)) {
      std::string address = NormalizeAddress(ValueText(p));
      icalproperty* was = address == organizer ? nullptr : FindAttendeeProp(prev, address);
      if (!was) continue;
      std::string before = Upper(Param(was, "PARTSTAT"));
      if (before.empty() || before == Upper(Param(p, "PARTSTAT"))) continue;
      icalproperty_set_parameter_from_string(p, "PARTSTAT", before.c_str());
      *changed = true;
    }
  }
  if (*changed) into.Touch();  // else the client's bytes stay as sent
  return Status::OK();
}

void SetScheduleStatus(CalendarObject& cal, const std::map<std::string, std::string>& status) {
  if (cal.empty()) return;
  cal.Touch();
  for (icalcomponent* c : Components(cal.Vcal())) {
    for (icalproperty* p : Props(c, ICAL_ATTENDEE_PROPERTY)) {
      icalproperty_remove_parameter_by_name(p, "SCHEDULE-FORCE-SEND");
      auto it = status.find(NormalizeAddress(ValueText(p)));
      if (it == status.end()) continue;
      icalproperty_remove_parameter_by_name(p, "SCHEDULE-STATUS");
      icalproperty_set_parameter_from_string(p, "SCHEDULE-STATUS", it->second.c_str());
    }
    for (icalproperty* p : Props(c, ICAL_ORGANIZER_PROPERTY)) {
      icalproperty_remove_parameter_by_name(p, "SCHEDULE-FORCE-SEND");
    }
  }
}

void SetOrganizerScheduleStatus(CalendarObject& cal, const std::string& status) {
  if (cal.empty()) return;
  cal.Touch();
  for (icalcomponent* c : Components(cal.Vcal())) {
    for (icalproperty* p : Props(c, ICAL_ORGANIZER_PROPERTY)) {
      icalproperty_remove_parameter_by_name(p, "SCHEDULE-FORCE-SEND");
      icalproperty_remove_parameter_by_name(p, "SCHEDULE-STATUS");
      icalproperty_set_parameter_from_string(p, "SCHEDULE-STATUS", status.c_str());
    }
  }
}

Result<std::string> WithMethod(std::string_view ics, const std::string& method) {
  Result<ComponentPtr> vcal = Parse(ics);
  if (!vcal.ok()) return vcal.status();
  RemoveProps(vcal->get(), ICAL_METHOD_PROPERTY);
  if (!method.empty()) {
    icalcomponent_add_property(
        vcal->get(), icalproperty_new_method(icalproperty_string_to_method(method.c_str())));
  }
  return internal::Serialize(vcal->get());
}

Result<FreeBusyRequest> ParseFreeBusyRequest(std::string_view ics) {
  Result<ComponentPtr> vcal = Parse(ics);
  if (!vcal.ok()) return vcal.status();
  auto bad = [](const std::string& why) {
    return Status::Violates(Precondition::kValidSchedulingMessage, why);
  };
  icalproperty* method = icalcomponent_get_first_property(vcal->get(), ICAL_METHOD_PROPERTY);
  if (!method || Upper(ValueText(method)) != "REQUEST") return bad("METHOD:REQUEST is required");
  std::vector<icalcomponent*> comps = Components(vcal->get());
  if (comps.size() != 1 || icalcomponent_isa(comps[0]) != ICAL_VFREEBUSY_COMPONENT) {
    return bad("a free-busy request holds one VFREEBUSY");
  }
  icalcomponent* fb = comps[0];
  TimeContext tc(vcal->get(), "UTC");
  FreeBusyRequest r;
  r.uid = icalcomponent_get_uid(fb) ? icalcomponent_get_uid(fb) : "";
  if (icalproperty* o = icalcomponent_get_first_property(fb, ICAL_ORGANIZER_PROPERTY)) {
    r.organizer = NormalizeAddress(ValueText(o));
  }
  for (icalproperty* p : Props(fb, ICAL_ATTENDEE_PROPERTY)) {
    std::string a = NormalizeAddress(ValueText(p));
    if (!a.empty() && std::find(r.attendees.begin(), r.attendees.end(), a) == r.attendees.end()) {
      r.attendees.push_back(a);
    }
  }
  std::optional<Seconds> start = tc.PropUtc(fb, ICAL_DTSTART_PROPERTY);
  std::optional<Seconds> end = tc.PropUtc(fb, ICAL_DTEND_PROPERTY);
  if (r.organizer.empty()) return bad("ORGANIZER is required");
  if (r.attendees.empty()) return bad("at least one ATTENDEE is required");
  if (!start || !end || *end <= *start) return bad("DTSTART and a later DTEND are required");
  r.start = *start;
  r.end = *end;
  return r;
}

std::string FreeBusyReply(const FreeBusyRequest& request, const std::string& attendee,
                          const std::vector<BusyPeriod>& busy) {
  std::string rendered = RenderFreeBusy(busy, {request.start, request.end});
  ComponentPtr vcal = internal::ParseCalendar(rendered);
  if (!vcal) return rendered;
  RemoveProps(vcal.get(), ICAL_METHOD_PROPERTY);
  icalcomponent_add_property(vcal.get(), icalproperty_new_method(ICAL_METHOD_REPLY));
  for (icalcomponent* fb : Components(vcal.get())) {
    if (!request.uid.empty()) {
      RemoveProps(fb, ICAL_UID_PROPERTY);
      icalcomponent_add_property(fb, icalproperty_new_uid(request.uid.c_str()));
    }
    icalcomponent_add_property(fb, icalproperty_new_organizer(request.organizer.c_str()));
    icalcomponent_add_property(fb, icalproperty_new_attendee(attendee.c_str()));
  }
  return internal::Serialize(vcal.get());
}

std::string RecurrenceKeyAt(const CalendarObject& cal, int64_t start) {
  if (cal.empty()) return "";
  TimeContext tc(cal.Vcal(), "UTC");
  icalcomponent* master = FindByKey(cal.Vcal(), "", tc);
  return master ? KeyAt(master, start) : "";
}

}  // namespace cartable::dav::caldav
