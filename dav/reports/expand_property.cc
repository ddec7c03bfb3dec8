// The expand-property REPORT (RFC 3253 §3.8) on principals: each DAV:property names a property
// of the target; when it holds DAV:property children and the value holds DAV:href elements, each
// href is replaced by a DAV:response for that resource with the nested properties, recursively.
// macOS reads its delegations this way at every launch (calendar-proxy-read-for /
// calendar-proxy-write-for with displayname, calendar-user-address-set, email-address-set:
// docs/clients.md #0 step 3, #14) and a proxy group's members (group-member-set).
//
// Generic over the property registry: any live property a getter answers, and dead properties,
// can be asked for and expanded. Bounds: expansion stops after [limits]
// max_expand_property_depth nested levels (3; deeper DAV:property elements are answered with
// the plain value); the DAV:property elements
// of one request count against [limits] max_properties_per_request (413); the bytes of the
// values written count against [limits] max_response_bytes as they are produced (507
// number-of-matches-within-limits), so a fan-out of hrefs stops early. Each expanded href is
// resolved and checked like a request of its own: a resource the principal may not read
// answers 403, an unknown one 404, never any of its properties.
#include "dav/multistatus.h"
#include "dav/prop_request.h"
#include "dav/property_registry.h"
#include "dav/report_registry.h"
#include "dav/xml.h"
#include "server/http/path.h"

namespace cartable::dav {
namespace {

struct Walk {
  const Request& req;
  uint64_t max_depth;  // [limits] max_expand_property_depth (macOS uses one level)
  uint64_t max_bytes;  // 0 = no bound
  uint64_t bytes = 0;

  Status Count(size_t n) {
    bytes += n;
    if (max_bytes == 0 || bytes <= max_bytes) return Status::OK();
    return Status::Violates(Precondition::kNumberOfMatchesWithinLimits,
                            "the expand-property answer would exceed " + std::to_string(max_bytes) +
                                " bytes ([limits] max_response_bytes)");
  }
};

// RFC 3253 §3.8: "namespace" defaults to "DAV:".
QName PropertyName(const pugi::xml_node& p) {
  pugi::xml_attribute space = p.attribute("namespace");
  return {space ? std::string(space.value()) : std::string(ns::kDav), p.attribute("name").value()};
}

// The DAV:href children of a rendered property value (written with the well-known prefixes).
Result<std::vector<std::string>> HrefsIn(const Request& req, const std::string& value) {
  std::string doc;
  XmlWriter w(doc);
  w.OpenRoot(ns::kDav, "value");
  w.Raw(value);
  w.Finish();
  Result<std::unique_ptr<pugi::xml_document>> parsed = ParseXml(doc, XmlLimitsOf(req.ctx.options));
  if (!parsed.ok()) return parsed.status();
  std::vector<std::string> hrefs;
  for (pugi::xml_node c : (*parsed)->document_element().children()) {
    if (Is(c, ns::kDav, "href")) hrefs.push_back(ElementText(c));
  }
  return hrefs;
}

void StatusOnly(XmlWriter& w, std::string_view href, int code) {
  w.Open(ns::kDav, "response");
  w.TextElement(ns::kDav, "href", href);
  w.TextElement(ns::kDav, "status", StatusLine(code));
  w.Close();
}

Status WriteResponse(Walk& walk, const Target& t, const pugi::xml_node& spec, uint64_t depth,
                     XmlWriter& w);

// One href of an expanded value, as a response of its own.
Status ExpandHref(Walk& walk, const std::string& href, const pugi::xml_node& spec, uint64_t depth,
                  XmlWriter& w) {
  if (Status s = walk.Count(href.size()); !s.ok()) return s;
  std::optional<http::RequestTarget> rt = http::ParseRequestTarget(href);
  std::optional<std::string> path = rt ? http::DecodePath(rt->raw_path) : std::nullopt;
  if (!path) {
    StatusOnly(w, href, 404);
    return Status::OK();
  }
  Result<Target> t = Resolve(walk.req.session, *path, walk.req.principal);
  if (!t.ok()) {
    if (t.status().code() != Status::Code::kNotFound) return t.status();
    StatusOnly(w, href, 404);
    return Status::OK();
  }
  if (!CanRead(*t, walk.req.principal)) {
    StatusOnly(w, Href(t->path), 403);
    return Status::OK();
  }
  return WriteResponse(walk, *t, spec, depth, w);
}

// The value of `q` on `t` into `value`; false when the resource has none.
bool ValueOf(const PropContext& ctx, const QName& q, std::string& value, bool* whole_element) {
  *whole_element = false;
  const PropertyRegistry& registry = PropertyRegistry::Default();
  const LiveProperty* live = registry.Find(q);
  if (live != nullptr && live->AppliesTo(ctx.target)) {
    XmlWriter vw(value);
    return live->get != nullptr && live->get(ctx, vw);
  }
  if (live != nullptr && !live->dead_elsewhere) return false;
  for (const store::DeadProperty& d : ctx.StoredRows()) {
    if (d.local == q.local && d.ns == q.ns && !registry.IsLiveStorage(d, ctx.target)) {
      value = d.xml;  // the stored element itself, self-contained
      *whole_element = true;
      return true;
    }
  }
  return false;
}

Status WriteResponse(Walk& walk, const Target& t, const pugi::xml_node& spec, uint64_t depth,
                     XmlWriter& w) {
  PropContext ctx(walk.req, t);
  std::string found, missing;
  XmlWriter fw(found), mw(missing);
  for (pugi::xml_node p : spec.children()) {
    if (!Is(p, ns::kDav, "property")) continue;
    const QName q = PropertyName(p);
    std::string value;
    bool whole = false;
    if (q.local.empty() || !ValueOf(ctx, q, value, &whole)) {
      if (!q.local.empty()) mw.Empty(q.ns, q.local);
      continue;
    }
    if (!ctx.error().ok()) return ctx.error();
    if (Status s = walk.Count(value.size()); !s.ok()) return s;
    if (whole) {
      fw.Raw(value);
      continue;
    }
    fw.Open(q.ns, q.local);
    std::vector<std::string> hrefs;
    if (depth < walk.max_depth && Child(p, ns::kDav, "property")) {
      Result<std::vector<std::string>> h = HrefsIn(walk.req, value);
      if (!h.ok()) return h.status();
      hrefs = std::move(h.value());
    }
    if (hrefs.empty()) {
      fw.Raw(value);
    } else {
      for (const std::string& href : hrefs) {
        if (Status s = ExpandHref(walk, href, p, depth + 1, fw); !s.ok()) return s;
      }
    }
    fw.Close();
  }
  if (!ctx.error().ok()) return ctx.error();
  w.Open(ns::kDav, "response");
  w.TextElement(ns::kDav, "href", Href(t.path));
  if (!found.empty() || missing.empty()) WritePropstat(w, 200, found);
  if (!missing.empty()) WritePropstat(w, 404, missing);
  w.Close();
  return Status::OK();
}

size_t CountProperties(const pugi::xml_node& n) {
  size_t count = 0;
  for (pugi::xml_node c : n.children()) {
    if (Is(c, ns::kDav, "property")) count += 1 + CountProperties(c);
  }
  return count;
}

}  // namespace

MethodResult RunExpandProperty(const Request& req, Target& target, const pugi::xml_node& root) {
  if (Status s = CheckPropertyCount(CountProperties(root), req.ctx.options); !s.ok()) return s;
  Walk walk{req, req.ctx.options.max_expand_property_depth, req.ctx.options.max_response_bytes};
  MultistatusWriter out(req.ctx.options.max_response_bytes);
  if (Status s = WriteResponse(walk, target, root, 0, out.xml()); !s.ok()) return s;
  return out.Finish();
}

}  // namespace cartable::dav
