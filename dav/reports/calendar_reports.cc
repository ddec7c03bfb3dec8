// CalDAV REPORTs (RFC 4791 §7.8-7.10): calendar-query, calendar-multiget, free-busy-query.
// Queries pre-filter in the store on the index columns (component, first start, last end) and
// parse only candidates whose index cannot prove the match.
#include "dav/caldav/calendar_instance_cache.h"
#include "dav/caldav/filter.h"
#include "dav/caldav/ical.h"
#include "dav/members.h"
#include "dav/multistatus.h"
#include "dav/prop_request.h"
#include "dav/property_registry.h"
#include "dav/report_registry.h"
#include "dav/xml.h"
#include "server/path.h"

#include <algorithm>
#include <unordered_map>

namespace cartable::dav {
namespace {

// The collection a calendar report runs over, and the single object when the target is one.
struct Scope {
  Target collection;
  std::optional<std::string> only;  // object name when the report targets one resource
};

Scope ScopeOf(const Target& t) {
  Scope s;
  if (t.type == NodeType::kObject) {
    s.collection = t;
    s.collection.type = NodeType::kCollection;
    s.collection.path = t.collection.path;
    s.only = t.name;
  } else {
    s.collection = t;
  }
  return s;
}

// Decodes an href (absolute URI or path) to a path; nullopt when unusable.
std::optional<std::string> HrefPath(std::string_view href) {
  std::optional<server::RequestTarget> target = server::ParseRequestTarget(href);
  if (!target) return std::nullopt;
  return server::DecodePath(target->raw_path);
}

// Whether candidate `o` (from the index pre-filter) matches: from the index alone when the plan
// is exact and the object has one instance, from cached instance spans when it recurs, else by
// parsing it.
Result<bool> MatchCandidate(const Request& req, const caldav::CompFilter& filter,
                            const caldav::IndexPlan& plan, const store::Object& o) {
  if (plan.exact && !o.index.needs_expansion) return true;
  auto load = [&]() -> std::optional<std::string> {
    if (o.data) return *o.data;
    Result<store::Object> full = req.session.GetObject(o.collection_id, o.name, true);
    if (!full.ok()) return std::nullopt;
    return std::move(full->data);
  };
  if (plan.exact && req.ctx.instances != nullptr) {
    std::optional<bool> cached =
        req.ctx.instances->Overlaps(o.id, o.etag, plan.component, plan.range, load);
    if (cached) return *cached;
  }
  std::optional<std::string> data = load();
  if (!data) return Status::Internal("cannot read " + o.name);
  return caldav::MatchesFilter(*data, filter);
}

}  // namespace

MethodResult RunCalendarQuery(const Request& req, Target& t, const pugi::xml_node& root) {
  pugi::xml_node filter_node = Child(root, ns::kCalDav, "filter");
  if (!filter_node) {
    return Status::Violates(Precondition::kValidFilter, "calendar-query needs a CALDAV:filter");
  }
  Result<caldav::CompFilter> filter = caldav::ParseFilter(filter_node);
  if (!filter.ok()) return filter.status();
  Result<PropRequest> props = ParseReportProps(root);
  if (!props.ok()) return props.status();
  caldav::IndexPlan plan = caldav::PlanFilter(*filter);
  Scope scope = ScopeOf(t);

  bool wants_data = std::any_of(props->names.begin(), props->names.end(), [](const QName& q) {
    return q.Is(ns::kCalDav, "calendar-data");
  });
  store::ObjectQuery q;
  q.component = plan.component;
  q.start = plan.range.start;
  q.end = plan.range.end;
  // An exact plan decides most candidates from the index and the span cache: read bodies only
  // when they must be parsed or returned.
  q.with_data = !plan.exact || wants_data;
  MultistatusWriter out;
  Target child = ChildObjectTarget(scope.collection, store::Object{});
  Status inner;
  Status s = req.session.QueryObjects(scope.collection.collection.id, q, [&](const store::Object& o) {
    if (scope.only && o.name != *scope.only) return true;
    Result<bool> match = MatchCandidate(req, *filter, plan, o);
    if (!match.ok()) {
      inner = match.status();
      return false;
    }
    if (!*match) return true;
    FillObjectTarget(scope.collection, o, child);
    inner = WritePropResponse(req, child, *props, false, out);
    return inner.ok();
  });
  if (!s.ok()) return s;
  if (!inner.ok()) return inner;
  return out.Finish();
}

MethodResult RunCalendarMultiget(const Request& req, Target& t, const pugi::xml_node& root) {
  Result<PropRequest> props = ParseReportProps(root);
  if (!props.ok()) return props.status();
  Scope scope = ScopeOf(t);
  const std::string& base = scope.collection.collection.path;
  std::vector<std::string> local_names;
  std::vector<std::pair<std::string, std::string>> order;  // (href as sent, decoded path)
  for (pugi::xml_node h : root.children()) {
    if (!Is(h, ns::kDav, "href")) continue;
    std::string href = h.child_value();
    std::optional<std::string> path = HrefPath(href);
    if (!path) return Status::BadRequest("invalid DAV:href " + href);
    if (path->size() > base.size() && path->compare(0, base.size(), base) == 0 &&
        path->find('/', base.size()) == std::string::npos) {
      local_names.push_back(path->substr(base.size()));
    }
    order.emplace_back(href, *path);
  }
  Result<std::vector<store::Object>> objects =
      req.session.GetObjects(scope.collection.collection.id, local_names, true);
  if (!objects.ok()) return objects.status();
  std::unordered_map<std::string, const store::Object*> by_name;
  for (const store::Object& o : *objects) by_name[o.name] = &o;

  MultistatusWriter out;
  Target child = ChildObjectTarget(scope.collection, store::Object{});
  for (const auto& [href, path] : order) {
    std::string_view name = std::string_view(path).substr(std::min(path.size(), base.size()));
    auto it = path.compare(0, base.size(), base) == 0 ? by_name.find(std::string(name))
                                                      : by_name.end();
    if (it != by_name.end()) {
      FillObjectTarget(scope.collection, *it->second, child);
      if (Status s = WritePropResponse(req, child, *props, false, out); !s.ok()) return s;
      continue;
    }
    // Elsewhere: resolve it like a request (other calendars of the user).
    Result<Target> other = Resolve(req.session, path, req.principal);
    if (!other.ok() || other->type != NodeType::kObject) {
      out.StatusResponse(Href(path), 404);
    } else if (!CanRead(*other, req.principal)) {
      out.StatusResponse(Href(path), 403);
    } else if (Status s = WritePropResponse(req, *other, *props, false, out); !s.ok()) {
      return s;
    }
  }
  return out.Finish();
}

MethodResult RunFreeBusyQuery(const Request& req, Target& t, const pugi::xml_node& root) {
  pugi::xml_node tr = Child(root, ns::kCalDav, "time-range");
  if (!tr) return Status::BadRequest("free-busy-query needs a CALDAV:time-range");
  Result<caldav::TimeRange> range = caldav::ParseTimeRange(tr);
  if (!range.ok()) return range.status();
  std::vector<caldav::BusyPeriod> periods;
  Status inner;
  for (const char* comp : {"VEVENT", "VFREEBUSY"}) {
    store::ObjectQuery q{comp, range->start, range->end, true};
    Status s = req.session.QueryObjects(t.collection.id, q, [&](const store::Object& o) {
      Result<std::vector<caldav::BusyPeriod>> p = caldav::BusyPeriods(*o.data, *range);
      if (!p.ok()) {
        inner = p.status();
        return false;
      }
      periods.insert(periods.end(), p->begin(), p->end());
      return true;
    });
    if (!s.ok()) return s;
    if (!inner.ok()) return inner;
  }
  server::HttpResponse r;
  r.status = 200;
  r.headers.Set("Content-Type", "text/calendar; charset=utf-8");
  r.body = caldav::RenderFreeBusy(periods, *range);
  return r;
}

}  // namespace cartable::dav
