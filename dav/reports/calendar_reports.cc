// CalDAV REPORTs (RFC 4791 §7.8-7.10): calendar-query, calendar-multiget, free-busy-query.
// Queries pre-filter in the store on the index columns (component, first start, last end) and
// parse only candidates whose index cannot prove the match.
#include <algorithm>
#include <unordered_map>

#include "dav/caldav/filter.h"
#include "dav/caldav/ical.h"
#include "dav/members.h"
#include "dav/multistatus.h"
#include "dav/prop_request.h"
#include "dav/property_registry.h"
#include "dav/report_registry.h"
#include "dav/reports/report_scope.h"
#include "dav/sharing/per_user.h"
#include "dav/xml.h"

namespace cartable::dav {
namespace {

// Whether candidate `o` (from the index pre-filter) matches: from the index alone when the plan
// is exact and the object has one instance, else by parsing it (recurring candidates are
// decided by the occurrence index before they get here, see IndexedMatches). Floating and DATE
// values are evaluated in `floating_tz` (RFC 4791 §9.9); the index of an object that has them is
// widened and flagged needs_expansion at PUT, so it never decides alone. The filter sees what the
// principal sees (sharing::CalendarView of `member`, the candidate's target): a text-match on a
// private event's SUMMARY must not match for a sharee. Exact plans test times only, which a view
// never changes.
Result<bool> MatchCandidate(const Request& req, const caldav::CompFilter& filter,
                            const caldav::IndexPlan& plan, const store::Object& o,
                            const std::string& floating_tz, const Target& member) {
  if (plan.exact && !o.index.needs_expansion) return true;
  auto load = [&]() -> std::optional<std::string> {
    if (o.data) return *o.data;
    Result<store::Object> full = req.session.GetObject(o.collection_id, o.name, true);
    if (!full.ok()) return std::nullopt;
    return std::move(full->data);
  };
  std::optional<std::string> data = load();
  if (!data) return Status::Internal("cannot read " + o.name);
  Result<std::string> seen = sharing::CalendarView(req, member, std::move(*data));
  if (!seen.ok()) return seen.status();
  return caldav::MatchesFilter(*seen, filter, floating_tz);
}

// Whether the time condition of the store's pre-filter (QueryObjects) holds for `o`.
bool IndexOverlaps(const store::Object& o, const caldav::TimeRange& r) {
  return o.index.first_start < r.end && o.index.last_end > r.start;
}

// The matches of an exact time-range plan from the occurrence index (issue 14): objects with a
// stored instance in the range are matches without reading their data; objects whose stored
// instances cannot answer (open-ended rule past its horizon, another floating zone, never
// computed) are parsed as before. nullopt when the collection is not indexed yet (objects
// stored before the index and not backfilled): the caller pre-filters with QueryObjects.
Result<std::optional<std::vector<store::Object>>> IndexedMatches(
    const Request& req, const caldav::CompFilter& filter, const caldav::IndexPlan& plan,
    const store::Collection& calendar, const std::string& floating_tz, bool wants_data,
    const Scope& scope, Target& child) {
  Result<store::Session::OccurrenceMatches> m = req.session.QueryOccurrences(
      calendar.id, plan.component, plan.range.start, plan.range.end, floating_tz);
  if (!m.ok()) return m.status();
  if (!m->indexed) return std::optional<std::vector<store::Object>>();
  Result<std::vector<store::Object>> matched =
      req.session.GetObjectsById(calendar.id, m->matched, wants_data);
  if (!matched.ok()) return matched.status();
  // Metadata first: most unsure objects (another floating zone, an open-ended rule past its
  // horizon) are far from the range, and MatchCandidate reads the data of the others.
  Result<std::vector<store::Object>> unsure =
      req.session.GetObjectsById(calendar.id, m->unsure, false);
  if (!unsure.ok()) return unsure.status();
  std::vector<store::Object> out = std::move(*matched);
  for (store::Object& o : *unsure) {
    if (!IndexOverlaps(o, plan.range)) continue;
    if (scope.only && o.name != *scope.only) continue;
    FillObjectTarget(scope.collection, o, child);
    Result<bool> match = MatchCandidate(req, filter, plan, o, floating_tz, child);
    if (!match.ok()) return match.status();
    if (*match) out.push_back(std::move(o));
  }
  std::sort(out.begin(), out.end(),
            [](const store::Object& a, const store::Object& b) { return a.name < b.name; });
  return std::optional<std::vector<store::Object>>(std::move(out));
}

// RFC 4791 §7.10 / §9.9: the calendar's calendar-timezone, else UTC.
std::string CalendarZone(const store::Collection& calendar) {
  return caldav::FloatingZoneOf(calendar.settings.time_zone.value_or(""));
}

}  // namespace

MethodResult RunCalendarQuery(const Request& req, Target& t, const pugi::xml_node& root) {
  pugi::xml_node filter_node = Child(root, ns::kCalDav, "filter");
  if (!filter_node) {
    return Status::Violates(Precondition::kValidFilter, "calendar-query needs a CALDAV:filter");
  }
  Result<caldav::CompFilter> filter = caldav::ParseFilter(filter_node);
  if (!filter.ok()) return filter.status();
  Result<std::optional<std::string>> query_tz = caldav::ParseQueryTimezone(root);
  if (!query_tz.ok()) return query_tz.status();
  Result<PropRequest> props = ParseReportProps(root, req.ctx.options);
  if (!props.ok()) return props.status();
  caldav::IndexPlan plan = caldav::PlanFilter(*filter);
  Scope scope = ScopeOf(t);
  // §9.8: the query's time zone replaces the calendar's, for the filter and for expand.
  const std::string floating_tz =
      query_tz->has_value() ? **query_tz : CalendarZone(scope.collection.collection);
  if (props->calendar_data) props->calendar_data->query_floating_tz = *query_tz;

  bool wants_data = std::any_of(props->names.begin(), props->names.end(),
                                [](const QName& q) { return q.Is(ns::kCalDav, "calendar-data"); });
  store::ObjectQuery q;
  q.component = plan.component;
  q.start = plan.range.start;
  q.end = plan.range.end;
  // An exact plan decides most candidates from the index and the span cache: read bodies only
  // when they must be parsed or returned.
  q.with_data = !plan.exact || wants_data;
  MultistatusWriter out(req.ctx.options.max_response_bytes);
  Target child = ChildObjectTarget(scope.collection, store::Object{});
  if (plan.exact && !plan.component.empty() && plan.range.start < plan.range.end &&
      (plan.range.start != store::kNoLowerBound || plan.range.end != store::kNoUpperBound)) {
    Result<std::optional<std::vector<store::Object>>> found = IndexedMatches(
        req, *filter, plan, scope.collection.collection, floating_tz, wants_data, scope, child);
    if (!found.ok()) return found.status();
    if (found->has_value()) {
      for (const store::Object& o : **found) {
        if (scope.only && o.name != *scope.only) continue;
        FillObjectTarget(scope.collection, o, child);
        if (Status st = WritePropResponse(req, child, *props, false, out); !st.ok()) return st;
      }
      return out.Finish();
    }
  }
  Status s =
      req.session.QueryObjects(scope.collection.collection.id, q, [&](const store::Object& o) {
        if (scope.only && o.name != *scope.only) return Status::OK();
        FillObjectTarget(scope.collection, o, child);
        Result<bool> match = MatchCandidate(req, *filter, plan, o, floating_tz, child);
        if (!match.ok()) return match.status();
        if (!*match) return Status::OK();
        return WritePropResponse(req, child, *props, false, out);
      });
  if (!s.ok()) return s;
  return out.Finish();
}

MethodResult RunFreeBusyQuery(const Request& req, Target& t, const pugi::xml_node& root) {
  pugi::xml_node tr = Child(root, ns::kCalDav, "time-range");
  if (!tr) return Status::BadRequest("free-busy-query needs a CALDAV:time-range");
  Result<caldav::TimeRange> range = caldav::ParseTimeRange(tr);
  if (!range.ok()) return range.status();
  std::vector<caldav::BusyPeriod> periods;
  const std::string floating_tz = CalendarZone(t.collection);
  for (const char* comp : {"VEVENT", "VFREEBUSY"}) {
    store::ObjectQuery q{comp, range->start, range->end, true};
    Status s = req.session.QueryObjects(t.collection.id, q, [&](const store::Object& o) {
      Result<std::vector<caldav::BusyPeriod>> p = caldav::BusyPeriods(*o.data, *range, floating_tz);
      if (!p.ok()) return p.status();
      periods.insert(periods.end(), p->begin(), p->end());
      const uint64_t max = req.ctx.options.max_instances_per_request;
      if (max != 0 && periods.size() > max) return caldav::TooManyInstances(max);
      return Status::OK();
    });
    if (!s.ok()) return s;
  }
  http::HttpResponse r;
  r.status = 200;
  r.headers.Set("Content-Type", "text/calendar; charset=utf-8");
  r.body = caldav::RenderFreeBusy(periods, *range);
  return r;
}

}  // namespace cartable::dav
