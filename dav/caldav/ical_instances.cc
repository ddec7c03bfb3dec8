// Recurrence-instance expansion (RFC 5545 §3.8.5, RFC 4791 §9.9) with a hard iteration cap.
#include <strings.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <set>

#include "dav/caldav/ical_internal.h"
#include "dav/caldav/occurrences.h"

namespace cartable::dav::caldav::internal {
namespace {

using store::kNoLowerBound;
using store::kNoUpperBound;

std::string UidOf(icalcomponent* c) {
  const char* uid = icalcomponent_get_uid(c);
  return uid ? uid : "";
}

// The value of a DATE or DATE-TIME property, null time when absent or of another type.
icaltimetype TimeValue(icalproperty* prop) {
  if (!prop) return icaltime_null_time();
  icalvalue* v = icalproperty_get_value(prop);
  if (!v) return icaltime_null_time();
  switch (icalvalue_isa(v)) {
    case ICAL_DATE_VALUE: return icalvalue_get_date(v);
    case ICAL_DATETIME_VALUE: return icalvalue_get_datetime(v);
    default: return icaltime_null_time();
  }
}

Span SpanOfDuration(icaldurationtype d) {
  int sign = d.is_neg ? -1 : 1;
  return Span{sign * static_cast<int>(d.weeks * 7 + d.days),
              sign * static_cast<Seconds>(d.hours * 3600 + d.minutes * 60 + d.seconds)};
}

// `local` (in `zone`) plus a nominal span, as UTC seconds.
Seconds AddSpan(icaltimetype local, icaltimezone* zone, const Span& span) {
  if (span.days != 0) icaltime_adjust(&local, span.days, 0, 0, 0);
  return TimeContext::ToUtc(local, zone) + span.seconds;
}

// The start and the duration rule of one component.
struct Timing {
  bool has_start = false;
  icaltimetype start_local = icaltime_null_time();
  icaltimezone* zone = nullptr;
  Seconds start = 0;
  bool has_end = false;
  bool end_from_duration = false;
  Span span;  // end = start + span (for DATE-only events without end: one day)
};

Timing TimingOf(icalcomponent* comp, TimeContext& tc) {
  Timing t;
  icalcomponent_kind kind = icalcomponent_isa(comp);
  icalproperty* dtstart = icalcomponent_get_first_property(comp, ICAL_DTSTART_PROPERTY);
  icaltimetype st = TimeValue(dtstart);
  if (!icaltime_is_null_time(st)) {
    t.zone = tc.ZoneOf(dtstart, st);
    if (t.zone) {
      t.has_start = true;
      t.start_local = st;
      t.start = TimeContext::ToUtc(st, t.zone);
    }
  }
  icalproperty_kind end_kind =
      kind == ICAL_VTODO_COMPONENT ? ICAL_DUE_PROPERTY : ICAL_DTEND_PROPERTY;
  icalproperty* endp = icalcomponent_get_first_property(comp, end_kind);
  icalproperty* durp = icalcomponent_get_first_property(comp, ICAL_DURATION_PROPERTY);
  icaltimetype et = TimeValue(endp);
  if (!icaltime_is_null_time(et)) {
    std::optional<Seconds> e = tc.ValueUtc(endp, et);
    if (e) {
      t.has_end = true;
      if (t.has_start && st.is_date && et.is_date) {
        t.span.days = static_cast<int>((CivilToSeconds(et.year, et.month, et.day, 0, 0, 0) -
                                        CivilToSeconds(st.year, st.month, st.day, 0, 0, 0)) /
                                       kDay);
      } else {
        t.span.seconds = *e - (t.has_start ? t.start : 0);
        if (!t.has_start) t.start = *e;  // VTODO with DUE only: remember DUE in `start`+span
      }
    }
  } else if (durp && t.has_start) {
    t.has_end = true;
    t.end_from_duration = true;
    t.span = SpanOfDuration(icalproperty_get_duration(durp));
  } else if (t.has_start && st.is_date && kind != ICAL_VTODO_COMPONENT) {
    t.span.days = 1;  // §9.9: a DATE DTSTART without end lasts one day
  }
  return t;
}

Instance MakeInstance(icalcomponent* comp, const Timing& t, icaltimetype local, Seconds start,
                      TimeContext& tc) {
  Instance inst;
  inst.comp = comp;
  inst.has_start = t.has_start;
  inst.has_end = t.has_end;
  inst.end_from_duration = t.end_from_duration;
  inst.all_day = t.has_start && t.start_local.is_date;
  if (!t.has_start) {
    inst.start = inst.end = t.has_end ? t.start : 0;
  } else {
    inst.start = start;
    inst.end = (t.span.days != 0) ? AddSpan(local, t.zone, t.span) : start + t.span.seconds;
  }
  ComputeTimeRangeInterval(inst, tc);
  return inst;
}

// VFREEBUSY: one "instance" per FREEBUSY period, or DTSTART/DTEND.
void ExpandFreeBusy(icalcomponent* comp, TimeContext& tc, std::vector<Instance>* out) {
  Instance inst;
  inst.comp = comp;
  std::optional<Seconds> s = tc.PropUtc(comp, ICAL_DTSTART_PROPERTY);
  std::optional<Seconds> e = tc.PropUtc(comp, ICAL_DTEND_PROPERTY);
  if (s && e) {
    inst.has_start = inst.has_end = true;
    inst.start = *s;
    inst.end = *e;
    inst.lo = *s;
    inst.hi = *e + 1;  // (start <= DTEND AND end > DTSTART)
    out->push_back(inst);
    return;
  }
  bool any = false;
  for (icalproperty* p = icalcomponent_get_first_property(comp, ICAL_FREEBUSY_PROPERTY); p;
       p = icalcomponent_get_next_property(comp, ICAL_FREEBUSY_PROPERTY)) {
    icalperiodtype period = icalproperty_get_freebusy(p);
    std::optional<Seconds> ps = tc.ValueUtc(p, period.start);
    if (!ps) continue;
    Seconds pe = *ps + icaldurationtype_as_int(period.duration);
    if (!icaltime_is_null_time(period.end)) pe = tc.ValueUtc(p, period.end).value_or(*ps);
    Instance fb = inst;
    fb.has_start = fb.has_end = true;
    fb.start = fb.lo = *ps;
    fb.end = fb.hi = pe;
    out->push_back(fb);
    any = true;
  }
  if (!any) {
    inst.never = true;  // no DTSTART/DTEND nor FREEBUSY: FALSE
    out->push_back(inst);
  }
}

struct Occurrence {
  icaltimetype local;
  Seconds start;
  bool has_period_end = false;  // RDATE with a PERIOD value
  Seconds period_end = 0;
};

struct FutureOverride {
  Seconds rid;
  Seconds shift;
  icalcomponent* comp;
  Timing timing;
};

// RRULE occurrences of `master` inside [lo, hi] (original start times), at most `budget`
// iterations in total across rules.
void RuleOccurrences(icalcomponent* master, const Timing& t, Seconds lo, Seconds hi, int* budget,
                     ExpandStats* stats, std::vector<Occurrence>* out) {
  for (icalproperty* p = icalcomponent_get_first_property(master, ICAL_RRULE_PROPERTY); p;
       p = icalcomponent_get_next_property(master, ICAL_RRULE_PROPERTY)) {
    icalrecurrencetype rule = icalproperty_get_rrule(p);
    if (rule.freq == ICAL_NO_RECURRENCE) continue;
    bool bounded = rule.count > 0 || !icaltime_is_null_time(rule.until);
    if (!bounded) stats->unbounded = true;
    icaltimetype dtstart = t.start_local;
    dtstart.zone = nullptr;
    icalrecur_iterator* it = icalrecur_iterator_new(rule, dtstart);
    if (!it) continue;
    if (rule.count == 0 && lo != kNoLowerBound && lo - 2 * kDay > t.start) {
      // Skip ahead to just before the window (not allowed with COUNT, which must count).
      icaltimetype from = icaltime_from_timet_with_zone(lo - 2 * kDay, dtstart.is_date, t.zone);
      from.zone = nullptr;
      icalrecur_iterator_set_start(it, from);
    }
    for (icaltimetype next = icalrecur_iterator_next(it); !icaltime_is_null_time(next);
         next = icalrecur_iterator_next(it)) {
      if (--*budget < 0) {
        stats->capped = true;
        break;
      }
      Seconds s = TimeContext::ToUtc(next, t.zone);
      if (s > hi) break;
      if (s >= lo) out->push_back(Occurrence{next, s});
    }
    icalrecur_iterator_free(it);
    if (stats->capped) break;
  }
}

void RdateOccurrences(icalcomponent* master, TimeContext& tc, std::vector<Occurrence>* out) {
  for (icalproperty* p = icalcomponent_get_first_property(master, ICAL_RDATE_PROPERTY); p;
       p = icalcomponent_get_next_property(master, ICAL_RDATE_PROPERTY)) {
    icaldatetimeperiodtype v = icalproperty_get_rdate(p);
    Occurrence o;
    if (!icaltime_is_null_time(v.time)) {
      o.local = v.time;
    } else if (!icaltime_is_null_time(v.period.start)) {
      o.local = v.period.start;
      o.has_period_end = true;
    } else {
      continue;
    }
    icaltimezone* zone = tc.ZoneOf(p, o.local);
    if (!zone) continue;
    o.start = TimeContext::ToUtc(o.local, zone);
    if (o.has_period_end) {
      o.period_end = icaltime_is_null_time(v.period.end)
                         ? o.start + icaldurationtype_as_int(v.period.duration)
                         : tc.ValueUtc(p, v.period.end).value_or(o.start);
    }
    out->push_back(o);
  }
}

std::set<Seconds> ExDates(icalcomponent* master, TimeContext& tc) {
  std::set<Seconds> out;
  for (icalproperty* p = icalcomponent_get_first_property(master, ICAL_EXDATE_PROPERTY); p;
       p = icalcomponent_get_next_property(master, ICAL_EXDATE_PROPERTY)) {
    std::optional<Seconds> s = tc.ValueUtc(p, icalproperty_get_exdate(p));
    if (s) out.insert(*s);
  }
  return out;
}

Instance OverrideInstance(icalcomponent* ov, TimeContext& tc, Timing* timing_out,
                          std::optional<Seconds>* rid_out) {
  icalproperty* ridp = icalcomponent_get_first_property(ov, ICAL_RECURRENCEID_PROPERTY);
  icaltimetype rid = TimeValue(ridp);
  *rid_out = tc.ValueUtc(ridp, rid);
  Timing t = TimingOf(ov, tc);
  if (!t.has_start && *rid_out) {  // an override without DTSTART starts at its RECURRENCE-ID
    t.has_start = true;
    t.start_local = rid;
    t.zone = tc.ZoneOf(ridp, rid);
    t.start = **rid_out;
  }
  *timing_out = t;
  Instance inst = MakeInstance(ov, t, t.start_local, t.start, tc);
  inst.recurring = true;
  inst.rid = rid;
  inst.rid_utc = rid_out->value_or(0);
  return inst;
}

}  // namespace

std::vector<ComponentGroup> GroupComponents(icalcomponent* vcal) {
  std::vector<ComponentGroup> groups;
  std::vector<std::pair<icalcomponent_kind, std::string>> keys;
  for (icalcomponent* c = icalcomponent_get_first_component(vcal, ICAL_ANY_COMPONENT); c;
       c = icalcomponent_get_next_component(vcal, ICAL_ANY_COMPONENT)) {
    icalcomponent_kind kind = icalcomponent_isa(c);
    if (kind == ICAL_VTIMEZONE_COMPONENT) continue;
    bool is_override = icalcomponent_get_first_property(c, ICAL_RECURRENCEID_PROPERTY);
    std::pair<icalcomponent_kind, std::string> key{kind, UidOf(c)};
    size_t i = 0;
    while (i < keys.size() && !(keys[i] == key && (is_override || !groups[i].master))) ++i;
    if (i == keys.size()) {
      keys.push_back(key);
      groups.emplace_back();
    }
    if (is_override) {
      groups[i].overrides.push_back(c);
    } else {
      groups[i].master = c;
    }
  }
  return groups;
}

void ComputeTimeRangeInterval(Instance& in, TimeContext& tc) {
  in.lo = kNoLowerBound;
  in.hi = kNoUpperBound;
  in.never = false;
  icalcomponent_kind kind = icalcomponent_isa(in.comp);
  const Seconds d = in.start, e = in.end;
  if (kind == ICAL_VEVENT_COMPONENT || kind == ICAL_VJOURNAL_COMPONENT) {
    if (!in.has_start) {
      in.never = true;
      return;
    }
    in.lo = std::min(d, e);
    in.hi = std::max(e, d + 1);  // zero-length: (start <= DTSTART AND end > DTSTART)
    if (kind == ICAL_VJOURNAL_COMPONENT && !in.all_day) in.hi = d + 1;
    return;
  }
  if (kind != ICAL_VTODO_COMPONENT) {
    in.never = true;  // VFREEBUSY is handled by ExpandFreeBusy; others have no time range
    return;
  }
  if (in.has_start && in.has_end) {
    in.lo = std::min(d, e - 1);
    in.hi = in.end_from_duration ? std::max(e + 1, d + 1) : std::max(e, d + 1);
    return;
  }
  if (in.has_start) {
    in.lo = d;
    in.hi = d + 1;
    return;
  }
  if (in.has_end) {  // DUE only: (start < DUE) AND (end >= DUE)
    in.lo = e - 1;
    in.hi = e;
    return;
  }
  std::optional<Seconds> created = tc.PropUtc(in.comp, ICAL_CREATED_PROPERTY);
  std::optional<Seconds> completed = tc.PropUtc(in.comp, ICAL_COMPLETED_PROPERTY);
  if (created && completed) {
    in.lo = std::min(*created, *completed) - 1;
    in.hi = std::max(*created, *completed) + 1;
  } else if (completed) {
    in.lo = *completed - 1;
    in.hi = *completed + 1;
  } else if (created) {
    in.lo = *created;  // (end > CREATED)
  }
}

bool Overlaps(const Instance& inst, const TimeRange& range) {
  return !inst.never && range.start < inst.hi && range.end > inst.lo;
}

std::vector<Instance> ExpandGroup(const ComponentGroup& group, TimeContext& tc,
                                  const TimeRange& window, int max_iterations, ExpandStats* stats) {
  std::vector<Instance> out;
  icalcomponent* master = group.master;
  if (master && icalcomponent_isa(master) == ICAL_VFREEBUSY_COMPONENT) {
    ExpandFreeBusy(master, tc, &out);
    return out;
  }
  // Overrides first: they are always instances, and they shape the master's instances.
  std::set<Seconds> overridden;
  std::vector<FutureOverride> future;
  for (icalcomponent* ov : group.overrides) {
    Timing timing;
    std::optional<Seconds> rid;
    out.push_back(OverrideInstance(ov, tc, &timing, &rid));
    stats->recurring = true;
    if (!rid) continue;
    overridden.insert(*rid);
    icalproperty* ridp = icalcomponent_get_first_property(ov, ICAL_RECURRENCEID_PROPERTY);
    icalparameter* range = icalproperty_get_first_parameter(ridp, ICAL_RANGE_PARAMETER);
    if (range && icalparameter_get_range(range) == ICAL_RANGE_THISANDFUTURE) {
      Seconds shift = timing.start - *rid;
      future.push_back(FutureOverride{*rid, shift, ov, timing});
      stats->max_shift = std::max(stats->max_shift, shift < 0 ? -shift : shift);
    }
  }
  if (!master) return out;
  std::sort(future.begin(), future.end(),
            [](const FutureOverride& a, const FutureOverride& b) { return a.rid < b.rid; });
  Timing t = TimingOf(master, tc);
  bool has_rules = icalcomponent_get_first_property(master, ICAL_RRULE_PROPERTY) ||
                   icalcomponent_get_first_property(master, ICAL_RDATE_PROPERTY);
  if (!t.has_start || !has_rules) {
    Instance inst = MakeInstance(master, t, t.start_local, t.start, tc);
    if (!group.overrides.empty() && t.has_start) {
      inst.recurring = true;
      inst.rid = t.start_local;
      inst.rid_utc = t.start;
    }
    if (!(t.has_start && overridden.count(t.start))) out.push_back(inst);
    return out;
  }
  stats->recurring = true;
  // Original start times that can reach the window once durations and shifts are applied.
  Seconds longest = std::max<Seconds>(t.span.days * (kDay + 3600) + t.span.seconds, 0);
  for (const FutureOverride& f : future) {
    longest =
        std::max<Seconds>(longest, f.timing.span.days * (kDay + 3600) + f.timing.span.seconds);
  }
  Seconds margin = longest + stats->max_shift + 2 * kDay;
  Seconds lo = SatAdd(window.start, -margin);
  Seconds hi = SatAdd(window.end, stats->max_shift + kDay);
  std::vector<Occurrence> occ;
  if (t.start >= lo && t.start <= hi) occ.push_back(Occurrence{t.start_local, t.start});
  int budget = std::min(max_iterations, kMaxRecurIterations);
  RuleOccurrences(master, t, lo, hi, &budget, stats, &occ);
  RdateOccurrences(master, tc, &occ);
  std::set<Seconds> exdates = ExDates(master, tc);
  std::set<Seconds> seen;
  for (const Occurrence& o : occ) {
    if (!seen.insert(o.start).second || exdates.count(o.start) || overridden.count(o.start)) {
      continue;
    }
    const FutureOverride* f = nullptr;
    for (const FutureOverride& cand : future) {
      if (cand.rid <= o.start) f = &cand;
    }
    Instance inst;
    if (f) {
      Seconds s = o.start + f->shift;
      icaltimetype local =
          icaltime_from_timet_with_zone(s, f->timing.start_local.is_date, f->timing.zone);
      inst = MakeInstance(f->comp, f->timing, local, s, tc);
    } else {
      inst = MakeInstance(master, t, o.local, o.start, tc);
      if (o.has_period_end) {
        inst.end = o.period_end;
        inst.has_end = true;
        ComputeTimeRangeInterval(inst, tc);
      }
    }
    inst.recurring = true;
    inst.rid = o.local;
    inst.rid_utc = o.start;
    out.push_back(inst);
  }
  return out;
}

std::vector<Seconds> AlarmTriggers(icalcomponent* alarm, const Instance& inst, TimeContext& tc) {
  std::vector<Seconds> out;
  icalproperty* trig = icalcomponent_get_first_property(alarm, ICAL_TRIGGER_PROPERTY);
  if (!trig) return out;
  icaltriggertype tr = icalproperty_get_trigger(trig);
  Seconds t;
  if (!icaltime_is_null_time(tr.time)) {
    std::optional<Seconds> abs = tc.ValueUtc(trig, tr.time);
    if (!abs) return out;
    t = *abs;
  } else {
    icalparameter* rel = icalproperty_get_first_parameter(trig, ICAL_RELATED_PARAMETER);
    bool at_end = rel && icalparameter_get_related(rel) == ICAL_RELATED_END;
    if (!at_end && !inst.has_start) at_end = true;
    t = (at_end ? inst.end : inst.start) + icaldurationtype_as_int(tr.duration);
  }
  out.push_back(t);
  icalproperty* rep = icalcomponent_get_first_property(alarm, ICAL_REPEAT_PROPERTY);
  icalproperty* dur = icalcomponent_get_first_property(alarm, ICAL_DURATION_PROPERTY);
  if (rep && dur) {
    int n = std::min(icalproperty_get_repeat(rep), 1000);
    Seconds step = icaldurationtype_as_int(icalproperty_get_duration(dur));
    for (int k = 1; k <= n; ++k) out.push_back(t + k * step);
  }
  return out;
}

}  // namespace cartable::dav::caldav::internal

namespace cartable::dav::caldav {

namespace internal {
namespace {

// Whether `master` has an RRULE with neither COUNT nor UNTIL (RFC 5545 §3.3.10).
bool HasOpenEndedRule(icalcomponent* master) {
  if (!master) return false;
  for (icalproperty* p = icalcomponent_get_first_property(master, ICAL_RRULE_PROPERTY); p;
       p = icalcomponent_get_next_property(master, ICAL_RRULE_PROPERTY)) {
    icalrecurrencetype r = icalproperty_get_rrule(p);
    if (r.freq != ICAL_NO_RECURRENCE && r.count == 0 && icaltime_is_null_time(r.until)) {
      return true;
    }
  }
  return false;
}

}  // namespace

store::OccurrenceSet OccurrenceRows(icalcomponent* vcal, TimeContext& tc,
                                    const std::string& component,
                                    const OccurrenceOptions& options) {
  store::OccurrenceSet set;
  Seconds complete = store::kNoUpperBound;
  for (const ComponentGroup& g : GroupComponents(vcal)) {
    icalcomponent* first = g.master ? g.master : g.overrides.front();
    if (strcasecmp(ComponentName(first).c_str(), component.c_str()) != 0) continue;
    ExpandStats stats;
    // A bounded recurrence set is expanded whole. An open-ended rule up to the horizon: every
    // instance overlapping (-inf, horizon) (ExpandGroup returns a superset of those).
    const bool open_ended = HasOpenEndedRule(g.master);
    const TimeRange window{store::kNoLowerBound,
                           open_ended ? options.horizon : store::kNoUpperBound};
    std::vector<Instance> instances = ExpandGroup(g, tc, window, kMaxRecurIterations, &stats);
    if (stats.capped) {
      set.spans.clear();
      set.complete_until = store::kNoLowerBound;  // unknown beyond the cap: always parse
      return set;
    }
    if (open_ended) complete = std::min(complete, options.horizon);
    for (const Instance& inst : instances) {
      if (!inst.never) set.spans.push_back({inst.lo, inst.hi});
    }
  }
  std::sort(set.spans.begin(), set.spans.end(),
            [](const store::OccurrenceSpan& a, const store::OccurrenceSpan& b) {
              return a.lo != b.lo ? a.lo < b.lo : a.hi < b.hi;
            });
  set.spans.erase(std::unique(set.spans.begin(), set.spans.end()), set.spans.end());
  if (set.spans.size() > options.max_rows) {
    // Sorted by lo: the kept rows are every instance beginning before the first one left out.
    complete = std::min(complete, set.spans[options.max_rows].lo);
    set.spans.resize(options.max_rows);
  }
  // Spans that begin at or after `complete` may have unseen neighbours: drop them, they are
  // answered by parsing anyway.
  while (!set.spans.empty() && set.spans.back().lo >= complete) set.spans.pop_back();
  set.complete_until = complete;
  if (tc.saw_floating()) set.zone = options.floating_tz;
  return set;
}

}  // namespace internal

OccurrenceOptions DefaultOccurrenceOptions(const std::string& floating_tz) {
  OccurrenceOptions o;
  const Seconds now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  o.horizon = now + kOccurrenceHorizonYears * 366 * internal::kDay;
  o.floating_tz = floating_tz;
  return o;
}

Result<store::OccurrenceSet> OccurrenceRows(std::string_view ics, const std::string& component,
                                            const OccurrenceOptions& options) {
  internal::ComponentPtr cal = internal::ParseCalendar(ics);
  if (!cal) return Status::Internal("stored calendar data cannot be parsed");
  internal::TimeContext tc(cal.get(), options.floating_tz);
  return internal::OccurrenceRows(cal.get(), tc, component, options);
}

}  // namespace cartable::dav::caldav
