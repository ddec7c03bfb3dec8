// CalDAV filters (RFC 4791 §9.7) evaluated against a calendar object, per recurrence instance.
#include <algorithm>
#include <cstring>

#include "dav/caldav/ical_internal.h"

namespace cartable::dav::caldav {
namespace {

using internal::ComponentGroup;
using internal::Instance;
using internal::TimeContext;

bool NeedsInstances(const CompFilter& f) {
  if (f.time_range) return true;
  for (const PropFilter& p : f.prop_filters) {
    if (p.time_range) return true;
  }
  for (const CompFilter& c : f.comp_filters) {
    if (NeedsInstances(c)) return true;
  }
  return false;
}

bool NameIs(icalcomponent* c, const std::string& name) {
  return strcasecmp(internal::ComponentName(c).c_str(), name.c_str()) == 0;
}

std::vector<icalproperty*> PropsNamed(icalcomponent* comp, const std::string& name) {
  std::vector<icalproperty*> out;
  for (icalproperty* p = icalcomponent_get_first_property(comp, ICAL_ANY_PROPERTY); p;
       p = icalcomponent_get_next_property(comp, ICAL_ANY_PROPERTY)) {
    const char* n = icalproperty_get_property_name(p);
    if (n && strcasecmp(n, name.c_str()) == 0) out.push_back(p);
  }
  return out;
}

std::string ParamName(icalparameter* p) {
  if (icalparameter_isa(p) == ICAL_X_PARAMETER || icalparameter_isa(p) == ICAL_IANA_PARAMETER) {
    const char* x = icalparameter_get_xname(p);
    return x ? x : "";
  }
  const char* k = icalparameter_kind_to_string(icalparameter_isa(p));
  return k ? k : "";
}

std::string ParamValue(icalparameter* p) {
  char* s = icalparameter_as_ical_string_r(p);
  if (!s) return "";
  std::string all(s);
  icalmemory_free_buffer(s);
  size_t eq = all.find('=');
  std::string v = eq == std::string::npos ? "" : all.substr(eq + 1);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  return v;
}

}  // namespace

namespace internal {

std::string ParamText(icalproperty* p, const char* name) {
  char* v = icalproperty_get_parameter_as_string_r(p, name);
  if (!v) return "";
  std::string out(v);
  icalmemory_free_buffer(v);
  return out;
}

// The textual value of a property, unescaped for TEXT.
std::string PropertyText(icalproperty* p) {
  icalvalue* v = icalproperty_get_value(p);
  if (!v) return "";
  if (icalvalue_isa(v) == ICAL_TEXT_VALUE) {
    const char* t = icalvalue_get_text(v);
    return t ? t : "";
  }
  char* s = icalvalue_as_ical_string_r(v);
  if (!s) return "";
  std::string out(s);
  icalmemory_free_buffer(s);
  return out;
}

}  // namespace internal

namespace {

bool ParamMatches(icalproperty* prop, const ParamFilter& pf) {
  std::vector<icalparameter*> params;
  for (icalparameter* p = icalproperty_get_first_parameter(prop, ICAL_ANY_PARAMETER); p;
       p = icalproperty_get_next_parameter(prop, ICAL_ANY_PARAMETER)) {
    if (strcasecmp(ParamName(p).c_str(), pf.name.c_str()) == 0) params.push_back(p);
  }
  if (pf.is_not_defined) return params.empty();
  if (params.empty()) return false;
  if (!pf.text_match) return true;
  for (icalparameter* p : params) {
    if (internal::TextMatches(ParamValue(p), *pf.text_match)) return true;
  }
  return false;
}

// A DATE/DATE-TIME property value against a time range: a DATE-TIME is an instant, a DATE is
// the whole day (in the floating zone).
bool PropInRange(icalproperty* p, const TimeRange& r, const Instance* inst, TimeContext& tc) {
  icalproperty_kind kind = icalproperty_isa(p);
  if (inst && inst->has_start && kind == ICAL_DTSTART_PROPERTY) {
    return r.start <= inst->start && r.end > inst->start;
  }
  if (inst && inst->has_end && (kind == ICAL_DTEND_PROPERTY || kind == ICAL_DUE_PROPERTY)) {
    return r.start <= inst->end && r.end > inst->end;
  }
  icalvalue* v = icalproperty_get_value(p);
  if (!v) return false;
  icalvalue_kind vk = icalvalue_isa(v);
  if (vk != ICAL_DATE_VALUE && vk != ICAL_DATETIME_VALUE) return false;
  icaltimetype t = vk == ICAL_DATE_VALUE ? icalvalue_get_date(v) : icalvalue_get_datetime(v);
  std::optional<Seconds> s = tc.ValueUtc(p, t);
  if (!s) return false;
  if (t.is_date) {
    icaltimetype next = t;
    icaltime_adjust(&next, 1, 0, 0, 0);
    Seconds e = TimeContext::ToUtc(next, tc.floating_zone());
    return r.start < e && r.end > *s;
  }
  return r.start <= *s && r.end > *s;
}

bool PropMatches(icalcomponent* comp, const PropFilter& pf, const Instance* inst, TimeContext& tc) {
  std::vector<icalproperty*> props = PropsNamed(comp, pf.name);
  if (pf.is_not_defined) return props.empty();
  for (icalproperty* p : props) {
    if (pf.time_range && !PropInRange(p, *pf.time_range, inst, tc)) continue;
    if (pf.text_match && !internal::TextMatches(internal::PropertyText(p), *pf.text_match)) {
      continue;
    }
    bool params_ok = true;
    for (const ParamFilter& param : pf.param_filters) {
      if (!ParamMatches(p, param)) {
        params_ok = false;
        break;
      }
    }
    if (params_ok) return true;
  }
  return false;
}

class Matcher {
 public:
  Matcher(icalcomponent* vcal, TimeContext& tc) : vcal_(vcal), tc_(tc) {}

  bool MatchRoot(const CompFilter& f) {
    if (!NameIs(vcal_, f.name)) return f.is_not_defined;
    if (f.is_not_defined) return false;
    return PropsAndChildren(vcal_, f, nullptr);
  }

 private:
  // Prop-filters and nested comp-filters of `f` on `comp` (an instance when `inst` is set).
  bool PropsAndChildren(icalcomponent* comp, const CompFilter& f, const Instance* inst) {
    for (const PropFilter& pf : f.prop_filters) {
      if (!PropMatches(comp, pf, inst, tc_)) return false;
    }
    for (const CompFilter& cf : f.comp_filters) {
      bool ok = comp == vcal_ ? MatchTopLevel(cf) : MatchNested(comp, cf, inst);
      if (!ok) return false;
    }
    return true;
  }

  // A comp-filter on the components of the VCALENDAR: recurrence sets are expanded.
  bool MatchTopLevel(const CompFilter& f) {
    bool any = false;
    for (icalcomponent* c = icalcomponent_get_first_component(vcal_, ICAL_ANY_COMPONENT); c;
         c = icalcomponent_get_next_component(vcal_, ICAL_ANY_COMPONENT)) {
      if (NameIs(c, f.name)) any = true;
    }
    if (f.is_not_defined) return !any;
    if (!any) return false;
    if (!NeedsInstances(f) || f.name == "VTIMEZONE") {
      for (icalcomponent* c = icalcomponent_get_first_component(vcal_, ICAL_ANY_COMPONENT); c;
           c = icalcomponent_get_next_component(vcal_, ICAL_ANY_COMPONENT)) {
        if (NameIs(c, f.name) && !f.time_range && PropsAndChildren(c, f, nullptr)) return true;
      }
      return false;
    }
    TimeRange window = f.time_range.value_or(TimeRange{});
    for (const ComponentGroup& g : internal::GroupComponents(vcal_)) {
      icalcomponent* first = g.master ? g.master : g.overrides.front();
      if (!NameIs(first, f.name)) continue;
      internal::ExpandStats stats;
      std::vector<Instance> instances =
          internal::ExpandGroup(g, tc_, window, internal::kMaxRecurIterations, &stats);
      for (const Instance& inst : instances) {
        if (f.time_range && !internal::Overlaps(inst, *f.time_range)) continue;
        if (PropsAndChildren(inst.comp, f, &inst)) return true;
      }
      // Instances beyond the cap were not examined: answer "match" rather than miss one.
      if (stats.capped) return true;
    }
    return false;
  }

  // A comp-filter below an instance (VALARM in VEVENT/VTODO, or anything nested deeper).
  bool MatchNested(icalcomponent* parent, const CompFilter& f, const Instance* inst) {
    bool any = false;
    for (icalcomponent* c = icalcomponent_get_first_component(parent, ICAL_ANY_COMPONENT); c;
         c = icalcomponent_get_next_component(parent, ICAL_ANY_COMPONENT)) {
      if (!NameIs(c, f.name)) continue;
      any = true;
      if (f.is_not_defined) return false;
      if (f.time_range) {
        if (icalcomponent_isa(c) != ICAL_VALARM_COMPONENT || !inst) continue;
        bool hit = false;
        for (Seconds t : internal::AlarmTriggers(c, *inst, tc_)) {
          if (f.time_range->start <= t && f.time_range->end > t) hit = true;
        }
        if (!hit) continue;
      }
      if (PropsAndChildren(c, f, inst)) return true;
    }
    return f.is_not_defined && !any;
  }

  icalcomponent* vcal_;
  TimeContext& tc_;
};

}  // namespace

Result<std::vector<InstanceSpan>> InstanceSpans(std::string_view ics, const std::string& component,
                                                const TimeRange& window, bool* complete,
                                                const std::string& floating_tz, bool* floating) {
  internal::ComponentPtr cal = internal::ParseCalendar(ics);
  if (!cal) return Status::Internal("stored calendar data cannot be parsed");
  TimeContext tc(cal.get(), floating_tz);
  std::vector<InstanceSpan> spans;
  *complete = true;
  for (const ComponentGroup& g : internal::GroupComponents(cal.get())) {
    icalcomponent* first = g.master ? g.master : g.overrides.front();
    if (!NameIs(first, component)) continue;
    internal::ExpandStats stats;
    for (const Instance& inst :
         internal::ExpandGroup(g, tc, window, internal::kMaxRecurIterations, &stats)) {
      if (internal::Overlaps(inst, window)) spans.push_back({inst.lo, inst.hi});
    }
    if (stats.capped) *complete = false;
  }
  std::sort(spans.begin(), spans.end(),
            [](const InstanceSpan& a, const InstanceSpan& b) { return a.lo < b.lo; });
  if (floating) *floating = tc.saw_floating();
  return spans;
}

Result<bool> MatchesFilter(std::string_view ics, const CompFilter& filter,
                           const std::string& floating_tz) {
  internal::ComponentPtr cal = internal::ParseCalendar(ics);
  if (!cal) return Status::Internal("stored calendar data cannot be parsed");
  TimeContext tc(cal.get(), floating_tz);
  Matcher m(cal.get(), tc);
  return m.MatchRoot(filter);
}

IndexPlan PlanFilter(const CompFilter& filter) {
  IndexPlan plan;
  if (filter.is_not_defined || !filter.prop_filters.empty()) return plan;
  if (filter.comp_filters.empty()) {
    plan.exact = true;  // every calendar object matches
    return plan;
  }
  if (filter.comp_filters.size() != 1) return plan;
  const CompFilter& cf = filter.comp_filters.front();
  if (cf.is_not_defined) return plan;
  plan.component = cf.name;
  if (cf.time_range) plan.range = *cf.time_range;
  bool known =
      cf.name == "VEVENT" || cf.name == "VTODO" || cf.name == "VJOURNAL" || cf.name == "VFREEBUSY";
  plan.exact = known && cf.prop_filters.empty() && cf.comp_filters.empty();
  return plan;
}

}  // namespace cartable::dav::caldav
