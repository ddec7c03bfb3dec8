// What a sharee sees of a calendar object: CLASS reduction (RFC 5545 §3.8.1.3) and per-user
// data (a sharee's alarms and transparency, as CalendarServer's PerUserDataFilter and Cyrus'
// per-user annotations keep them). See ical.h, section "Sharing".
#include <algorithm>
#include <cctype>
#include <map>

#include "dav/caldav/ical_internal.h"

namespace cartable::dav::caldav {
namespace {

using internal::Props;
using internal::TimeContext;

bool IsInstanceKind(icalcomponent_kind k) {
  return k == ICAL_VEVENT_COMPONENT || k == ICAL_VTODO_COMPONENT || k == ICAL_VJOURNAL_COMPONENT;
}

std::vector<icalcomponent*> Children(icalcomponent* c,
                                     icalcomponent_kind kind = ICAL_ANY_COMPONENT) {
  std::vector<icalcomponent*> out;
  for (icalcomponent* k = icalcomponent_get_first_component(c, kind); k;
       k = icalcomponent_get_next_component(c, kind)) {
    out.push_back(k);
  }
  return out;
}

std::vector<icalcomponent*> Instances(icalcomponent* vcal) {
  std::vector<icalcomponent*> out;
  for (icalcomponent* c : Children(vcal)) {
    if (IsInstanceKind(icalcomponent_isa(c))) out.push_back(c);
  }
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) ==
                  std::toupper(static_cast<unsigned char>(y));
         });
}

std::string PropName(icalproperty* p) {
  const char* n = icalproperty_get_property_name(p);
  return n ? n : "";
}

// Per-user properties: TRANSP (RFC 5545 §3.8.2.7: whether the event blocks *my* time), and the
// alarm state Thunderbird writes on the event itself when its user dismisses (X-MOZ-LASTACK) or
// snoozes (X-MOZ-SNOOZE-TIME, X-MOZ-SNOOZE-TIME-<instance>) an alarm: a read sharee dismissing
// an alarm must not be refused, nor change the owner's alarm state.
bool IsPerUserProp(icalproperty* p) {
  if (icalproperty_isa(p) == ICAL_TRANSP_PROPERTY) return true;
  if (icalproperty_isa(p) != ICAL_X_PROPERTY) return false;
  std::string name = PropName(p);
  std::transform(name.begin(), name.end(), name.begin(), ::toupper);
  return name == "X-MOZ-LASTACK" || name.rfind("X-MOZ-SNOOZE-TIME", 0) == 0;
}

// The instance an entry describes: component, UID and RECURRENCE-ID instant (UTC seconds, or
// the DATE text), so that per-user data written with one TZID matches an override written with
// another.
std::string InstanceKey(icalcomponent* c, TimeContext& tc) {
  std::string key = internal::ComponentName(c);
  key += '\x1f';
  const char* uid = icalcomponent_get_uid(c);
  key += uid ? uid : "";
  key += '\x1f';
  icalproperty* rid = icalcomponent_get_first_property(c, ICAL_RECURRENCEID_PROPERTY);
  if (rid != nullptr) {
    icaltimetype t = icalproperty_get_recurrenceid(rid);
    if (t.is_date) {
      key += 'D';
      key += icaltime_as_ical_string(t);
    } else if (std::optional<Seconds> utc = tc.ValueUtc(rid, t)) {
      key += std::to_string(*utc);
    } else {
      key += icaltime_as_ical_string(t);
    }
  }
  return key;
}

// RECURRENCE-ID of an entry of per-user data: the instant in UTC (the entry has no VTIMEZONE).
icalproperty* NormalizedRid(icalcomponent* c, TimeContext& tc) {
  icalproperty* rid = icalcomponent_get_first_property(c, ICAL_RECURRENCEID_PROPERTY);
  if (rid == nullptr) return nullptr;
  icaltimetype t = icalproperty_get_recurrenceid(rid);
  if (t.is_date) return icalproperty_new_clone(rid);
  std::optional<Seconds> utc = tc.ValueUtc(rid, t);
  if (!utc) return icalproperty_new_clone(rid);
  return icalproperty_new_recurrenceid(
      icaltime_from_timet_with_zone(*utc, 0, icaltimezone_get_utc_timezone()));
}

// Moves (take) or copies the per-user parts of `from` into `to`; returns whether any.
bool TransferPerUser(icalcomponent* from, icalcomponent* to, bool take) {
  bool any = false;
  for (icalproperty* p : Props(from)) {
    if (!IsPerUserProp(p)) continue;
    any = true;
    if (take) {
      icalcomponent_remove_property(from, p);
      if (to)
        icalcomponent_add_property(to, p);
      else
        icalproperty_free(p);
    } else if (to) {
      icalcomponent_add_property(to, icalproperty_new_clone(p));
    }
  }
  for (icalcomponent* alarm : Children(from, ICAL_VALARM_COMPONENT)) {
    any = true;
    if (take) {
      icalcomponent_remove_component(from, alarm);
      if (to)
        icalcomponent_add_component(to, alarm);
      else
        icalcomponent_free(alarm);
    } else if (to) {
      icalcomponent_add_component(to, icalcomponent_new_clone(alarm));
    }
  }
  return any;
}

std::map<std::string, icalcomponent*> ByKey(icalcomponent* vcal, TimeContext& tc) {
  std::map<std::string, icalcomponent*> out;
  for (icalcomponent* c : Instances(vcal)) out.emplace(InstanceKey(c, tc), c);
  return out;
}

// The shared content of one instance, canonical: its properties (but per-user ones, DTSTAMP,
// LAST-MODIFIED and RECURRENCE-ID, which the key compares as an instant) and its sub-components
// but VALARMs, serialised and sorted.
std::vector<std::string> Canonical(icalcomponent* c) {
  std::vector<std::string> out;
  for (icalproperty* p : Props(c)) {
    icalproperty_kind k = icalproperty_isa(p);
    if (IsPerUserProp(p) || k == ICAL_DTSTAMP_PROPERTY || k == ICAL_LASTMODIFIED_PROPERTY ||
        k == ICAL_RECURRENCEID_PROPERTY) {
      continue;
    }
    char* text = icalproperty_as_ical_string_r(p);
    out.emplace_back(text ? text : "");
    icalmemory_free_buffer(text);
  }
  for (icalcomponent* sub : Children(c)) {
    if (icalcomponent_isa(sub) == ICAL_VALARM_COMPONENT) continue;
    out.push_back(internal::Serialize(sub));
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

bool MayBeClassified(std::string_view ics) {
  // Logical lines (RFC 5545 §3.1 unfolding), looking for CLASS with a value other than PUBLIC.
  std::string line;
  auto check = [&line]() {
    if (line.size() < 6 || !EqualsIgnoreCase(std::string_view(line).substr(0, 5), "CLASS") ||
        (line[5] != ':' && line[5] != ';')) {
      return false;
    }
    size_t colon = line.find(':');
    if (colon == std::string::npos) return true;
    std::string_view value = std::string_view(line).substr(colon + 1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    return !EqualsIgnoreCase(value, "PUBLIC");
  };
  for (size_t i = 0; i < ics.size(); ++i) {
    char c = ics[i];
    if (c == '\r') continue;
    if (c == '\n') {
      if (i + 1 < ics.size() && (ics[i + 1] == ' ' || ics[i + 1] == '\t')) {
        ++i;  // a fold: the line goes on
        continue;
      }
      if (check()) return true;
      line.clear();
      continue;
    }
    line.push_back(c);
  }
  return check();
}

Privacy PrivacyOf(const CalendarObject& object) {
  Privacy level = Privacy::kPublic;
  if (object.empty()) return level;
  for (icalcomponent* c : Instances(object.Vcal())) {
    icalproperty* p = icalcomponent_get_first_property(c, ICAL_CLASS_PROPERTY);
    if (p == nullptr) continue;
    switch (icalproperty_get_class(p)) {
      case ICAL_CLASS_PUBLIC: break;
      case ICAL_CLASS_CONFIDENTIAL: level = std::max(level, Privacy::kConfidential); break;
      // RFC 5545 §3.8.1.3: "Applications MUST treat x-name and iana-token values they don't
      // recognize the same way as they would the PRIVATE value."
      default: level = Privacy::kPrivate; break;
    }
  }
  return level;
}

void ReduceForPrivacy(CalendarObject& object, Privacy level) {
  if (level == Privacy::kPublic || object.empty()) return;
  static constexpr icalproperty_kind kKeep[] = {
      ICAL_UID_PROPERTY,    ICAL_DTSTAMP_PROPERTY,      ICAL_DTSTART_PROPERTY, ICAL_DTEND_PROPERTY,
      ICAL_DUE_PROPERTY,    ICAL_DURATION_PROPERTY,     ICAL_RRULE_PROPERTY,   ICAL_RDATE_PROPERTY,
      ICAL_EXDATE_PROPERTY, ICAL_RECURRENCEID_PROPERTY, ICAL_TRANSP_PROPERTY,  ICAL_STATUS_PROPERTY,
      ICAL_CLASS_PROPERTY,  ICAL_SEQUENCE_PROPERTY};
  icalcomponent* vcal = object.Vcal();
  for (icalproperty* p : Props(vcal)) {
    icalproperty_kind k = icalproperty_isa(p);
    if (k == ICAL_VERSION_PROPERTY || k == ICAL_PRODID_PROPERTY || k == ICAL_CALSCALE_PROPERTY) {
      continue;
    }
    icalcomponent_remove_property(vcal, p);
    icalproperty_free(p);
  }
  const std::string summary(level == Privacy::kPrivate ? kPrivateSummary : kConfidentialSummary);
  for (icalcomponent* c : Children(vcal)) {
    icalcomponent_kind kind = icalcomponent_isa(c);
    if (kind == ICAL_VTIMEZONE_COMPONENT) continue;
    if (!IsInstanceKind(kind)) {
      icalcomponent_remove_component(vcal, c);
      icalcomponent_free(c);
      continue;
    }
    for (icalproperty* p : Props(c)) {
      icalproperty_kind k = icalproperty_isa(p);
      if (std::find(std::begin(kKeep), std::end(kKeep), k) != std::end(kKeep)) continue;
      icalcomponent_remove_property(c, p);
      icalproperty_free(p);
    }
    for (icalcomponent* sub : Children(c)) {
      icalcomponent_remove_component(c, sub);
      icalcomponent_free(sub);
    }
    icalcomponent_add_property(c, icalproperty_new_summary(summary.c_str()));
  }
  object.Touch();
}

std::string SplitPerUser(CalendarObject& object) {
  if (object.empty()) return {};
  icalcomponent* vcal = object.Vcal();
  TimeContext tc(vcal, "UTC");
  internal::ComponentPtr out(icalcomponent_new(ICAL_VCALENDAR_COMPONENT));
  icalcomponent_add_property(out.get(), icalproperty_new_version("2.0"));
  icalcomponent_add_property(out.get(), icalproperty_new_prodid("-//Cartable//per-user//FR"));
  bool any = false;
  for (icalcomponent* c : Instances(vcal)) {
    internal::ComponentPtr entry(icalcomponent_new(icalcomponent_isa(c)));
    if (const char* uid = icalcomponent_get_uid(c)) icalcomponent_set_uid(entry.get(), uid);
    if (icalproperty* rid = NormalizedRid(c, tc)) icalcomponent_add_property(entry.get(), rid);
    if (!TransferPerUser(c, entry.get(), true)) continue;
    any = true;
    icalcomponent_add_component(out.get(), entry.release());
  }
  if (!any) return {};
  object.Touch();
  return internal::Serialize(out.get());
}

void StripPerUser(CalendarObject& object) {
  if (object.empty()) return;
  bool any = false;
  for (icalcomponent* c : Instances(object.Vcal())) any |= TransferPerUser(c, nullptr, true);
  if (any) object.Touch();
}

void MergePerUser(CalendarObject& object, std::string_view per_user) {
  if (object.empty() || per_user.empty()) return;
  internal::ComponentPtr data = internal::ParseCalendar(per_user);
  if (!data) return;
  TimeContext data_tc(data.get(), "UTC");
  std::map<std::string, icalcomponent*> entries = ByKey(data.get(), data_tc);
  TimeContext tc(object.Vcal(), "UTC");
  bool any = false;
  for (icalcomponent* c : Instances(object.Vcal())) {
    auto it = entries.find(InstanceKey(c, tc));
    if (it != entries.end()) any |= TransferPerUser(it->second, c, false);
  }
  if (any) object.Touch();
}

void CopyPerUser(const CalendarObject& from, CalendarObject& to) {
  if (from.empty() || to.empty()) return;
  TimeContext from_tc(from.Vcal(), "UTC");
  std::map<std::string, icalcomponent*> source = ByKey(from.Vcal(), from_tc);
  TimeContext tc(to.Vcal(), "UTC");
  bool any = false;
  for (icalcomponent* c : Instances(to.Vcal())) {
    auto it = source.find(InstanceKey(c, tc));
    if (it != source.end()) any |= TransferPerUser(it->second, c, false);
  }
  if (any) to.Touch();
}

bool SameSharedContent(const CalendarObject& a, const CalendarObject& b) {
  if (a.empty() || b.empty()) return a.empty() == b.empty();
  auto canonical = [](const CalendarObject& o) {
    TimeContext tc(o.Vcal(), "UTC");
    std::map<std::string, std::vector<std::string>> out;
    for (auto& [key, c] : ByKey(o.Vcal(), tc)) out[key] = Canonical(c);
    std::vector<std::string> top;
    for (icalproperty* p : Props(o.Vcal())) {
      if (icalproperty_isa(p) == ICAL_PRODID_PROPERTY) continue;
      char* text = icalproperty_as_ical_string_r(p);
      top.emplace_back(text ? text : "");
      icalmemory_free_buffer(text);
    }
    std::sort(top.begin(), top.end());
    out[""] = std::move(top);
    return out;
  };
  return canonical(a) == canonical(b);
}

}  // namespace cartable::dav::caldav
