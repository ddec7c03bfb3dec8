// calendar-multiget (RFC 4791 §7.9) and addressbook-multiget (RFC 6352 §8.7): the members named
// by hrefs, fetched in one batch when they live in the target collection; 404 for missing ones.
#include <charconv>
#include <unordered_map>

#include "dav/members.h"
#include "dav/multistatus.h"
#include "dav/prop_request.h"
#include "dav/property_registry.h"
#include "dav/report_registry.h"
#include "dav/reports/report_scope.h"
#include "dav/xml.h"
#include "server/http/path.h"

namespace cartable::dav {

Scope ScopeOf(const Target& t) {
  Scope s;
  s.collection = t;
  if (t.type == NodeType::kObject) {
    s.collection.type = NodeType::kCollection;
    s.collection.kind = KindOf(s.collection);
    s.collection.path = t.path.substr(0, t.path.size() - t.name.size());
    s.only = t.name;
  }
  return s;
}

Result<size_t> ParseLimit(const pugi::xml_node& root, std::string_view ns,
                          std::string_view ns_prefix) {
  pugi::xml_node limit = Child(root, ns, "limit");
  if (!limit) return size_t{0};
  std::string_view text = Child(limit, ns, "nresults").child_value();
  size_t n = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), n);
  if (r.ec != std::errc() || n == 0) {
    return Status::BadRequest("invalid " + std::string(ns_prefix) + ":nresults");
  }
  return n;
}

std::optional<std::string> HrefPath(std::string_view href) {
  std::optional<http::RequestTarget> target = http::ParseRequestTarget(href);
  if (!target) return std::nullopt;
  return http::DecodePath(target->raw_path);
}

MethodResult RunMultiget(const Request& req, Target& t, const pugi::xml_node& root) {
  Result<PropRequest> props = ParseReportProps(root, req.ctx.options);
  if (!props.ok()) return props.status();
  Scope scope = ScopeOf(t);
  const std::string& base = scope.collection.path;
  std::vector<std::string> local_names;
  std::vector<std::string> paths;
  for (pugi::xml_node h : root.children()) {
    if (!Is(h, ns::kDav, "href")) continue;
    std::string href = h.child_value();
    std::optional<std::string> path = HrefPath(href);
    if (!path) return Status::BadRequest("invalid DAV:href " + href);
    if (path->size() > base.size() && path->compare(0, base.size(), base) == 0 &&
        path->find('/', base.size()) == std::string::npos) {
      local_names.push_back(path->substr(base.size()));
    }
    paths.push_back(*path);
  }
  Result<std::vector<store::Object>> objects =
      req.session.GetObjects(scope.collection.collection.id, local_names, true);
  if (!objects.ok()) return objects.status();
  std::unordered_map<std::string, const store::Object*> by_name;
  for (const store::Object& o : *objects) by_name[o.name] = &o;

  MultistatusWriter out(req.ctx.options.max_response_bytes);
  Target child = ChildObjectTarget(scope.collection, store::Object{});
  for (const std::string& path : paths) {
    auto it = path.compare(0, base.size(), base) == 0 ? by_name.find(path.substr(base.size()))
                                                      : by_name.end();
    if (it != by_name.end()) {
      FillObjectTarget(scope.collection, *it->second, child);
      if (Status s = WritePropResponse(req, child, *props, false, out); !s.ok()) return s;
      continue;
    }
    // Elsewhere: resolve it like a request (another calendar or book of the user).
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

}  // namespace cartable::dav
