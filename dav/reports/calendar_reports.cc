// CalDAV REPORTs (RFC 4791 §7.8-7.10): calendar-query, calendar-multiget, free-busy-query.
// Queries pre-filter in the store on the index columns (component, first start, last end) and
// parse only candidates whose index cannot prove the match.
#include <algorithm>
#include <unordered_map>

#include "dav/caldav/calendar_instance_cache.h"
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
// is exact and the object has one instance, from cached instance spans when it recurs, else by
// parsing it. Floating and DATE values are evaluated in `floating_tz` (RFC 4791 §9.9); the index
// of an object that has them is widened and flagged needs_expansion at PUT, so it never decides
// alone.
// The filter sees what the principal sees (sharing::CalendarView of `member`, the candidate's
// target): a text-match on a private event's SUMMARY must not match for a sharee. Exact plans
// test times only, which a view never changes.
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
  if (plan.exact && req.ctx.instances != nullptr) {
    std::optional<bool> cached =
        req.ctx.instances->Overlaps(o.id, o.etag, plan.component, plan.range, load, floating_tz);
    if (cached) return *cached;
  }
  std::optional<std::string> data = load();
  if (!data) return Status::Internal("cannot read " + o.name);
  Result<std::string> seen = sharing::CalendarView(req, member, std::move(*data));
  if (!seen.ok()) return seen.status();
  return caldav::MatchesFilter(*seen, filter, floating_tz);
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
