#include "dav/prop_request.h"

#include <algorithm>

#include "dav/caldav/filter.h"
#include "dav/property_registry.h"
#include "dav/xml.h"

namespace cartable::dav {
namespace {

// A live property that answers for `target`, or nullptr when the name is a dead property there.
// `live`: the registry's entry for the name (PropertyRegistry::Find).
const LiveProperty* LiveFor(const LiveProperty* live, const Target& target,
                            bool* protected_absent) {
  *protected_absent = false;
  if (live == nullptr) return nullptr;
  if (live->AppliesTo(target)) return live;
  if (!live->dead_elsewhere) *protected_absent = true;
  return nullptr;
}

// Appends <name>value</name> for a live property; returns false (and appends nothing) when the
// getter has no value.
bool AppendLive(const PropContext& ctx, const LiveProperty& p, XmlWriter& w) {
  std::string& out = w.out();
  size_t mark = out.size();
  w.Open(p.name.ns, p.name.local);
  if (!p.get(ctx, w)) {
    w.Close();
    out.resize(mark);
    return false;
  }
  w.Close();
  return true;
}

void AppendEmpty(XmlWriter& w, const QName& q) { w.Empty(q.ns, q.local); }

}  // namespace

std::vector<QName> PropNames(const pugi::xml_node& prop) {
  std::vector<QName> names;
  for (pugi::xml_node c : prop.children()) {
    if (c.type() == pugi::node_element) names.push_back(NameOf(c));
  }
  return names;
}

Status CheckPropertyCount(size_t count, const DavOptions& options) {
  if (count <= options.max_properties_per_request) return Status::OK();
  return Status::TooLarge("the request names " + std::to_string(count) + " properties; at most " +
                          std::to_string(options.max_properties_per_request) +
                          " are accepted ([limits] max_properties_per_request)");
}

Result<PropRequest> ParsePropfindBody(std::string_view body, const DavOptions& options) {
  PropRequest req;
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return req;
  Result<std::unique_ptr<pugi::xml_document>> doc = ParseXml(body, XmlLimitsOf(options));
  if (!doc.ok()) return doc.status();
  pugi::xml_node root = (*doc)->document_element();
  if (!Is(root, ns::kDav, "propfind")) {
    return Status::BadRequest("PROPFIND body must be a DAV:propfind element");
  }
  bool seen = false;
  for (pugi::xml_node c : root.children()) {
    if (c.type() != pugi::node_element) continue;
    if (Is(c, ns::kDav, "prop")) {
      req.mode = PropRequest::Mode::kProp;
      req.names = PropNames(c);
    } else if (Is(c, ns::kDav, "allprop")) {
      req.mode = PropRequest::Mode::kAllprop;
    } else if (Is(c, ns::kDav, "propname")) {
      req.mode = PropRequest::Mode::kPropname;
    } else if (Is(c, ns::kDav, "include")) {
      continue;
    } else {
      continue;  // RFC 4918 §17: ignore unknown elements
    }
    if (seen) return Status::BadRequest("DAV:propfind takes one of prop, allprop, propname");
    seen = true;
  }
  if (!seen) return Status::BadRequest("DAV:propfind has no prop, allprop or propname");
  if (req.mode == PropRequest::Mode::kAllprop) {
    if (pugi::xml_node inc = Child(root, ns::kDav, "include")) req.names = PropNames(inc);
  }
  if (Status s = CheckPropertyCount(req.names.size(), options); !s.ok()) return s;
  return req;
}

Result<PropRequest> ParseReportProps(const pugi::xml_node& root, const DavOptions& options) {
  PropRequest req;
  if (Child(root, ns::kDav, "propname")) {
    req.mode = PropRequest::Mode::kPropname;
    return req;
  }
  pugi::xml_node prop = Child(root, ns::kDav, "prop");
  if (!prop) return req;  // allprop
  req.mode = PropRequest::Mode::kProp;
  req.names = PropNames(prop);
  if (Status s = CheckPropertyCount(req.names.size(), options); !s.ok()) return s;
  pugi::xml_node data = Child(prop, ns::kCalDav, "calendar-data");
  if (data && (data.first_child() || data.first_attribute())) {
    Result<caldav::CalendarDataRequest> cd = caldav::ParseCalendarDataRequest(data);
    if (!cd.ok()) return cd.status();
    req.calendar_data = std::move(cd.value());
    req.calendar_data->max_instances = options.max_instances_per_request;
  }
  pugi::xml_node card = Child(prop, ns::kCardDav, "address-data");
  if (card && (card.first_child() || card.first_attribute())) {
    Result<carddav::AddressDataRequest> ad = carddav::ParseAddressDataRequest(card);
    if (!ad.ok()) return ad.status();
    req.address_data = std::move(ad.value());
  }
  return req;
}

Status WritePropResponse(const Request& req, const Target& target, const PropRequest& props,
                         bool minimal, MultistatusWriter& out, MemberProperties* bulk) {
  PropContext ctx(req, target, bulk);
  ctx.calendar_data = props.calendar_data ? &*props.calendar_data : nullptr;
  ctx.address_data = props.address_data ? &*props.address_data : nullptr;
  const auto& registry = PropertyRegistry::Default();
  auto is_dead = [&](const store::DeadProperty& d) { return !registry.IsLiveStorage(d, target); };
  auto find_dead = [&](const QName& q) -> const store::DeadProperty* {
    for (const store::DeadProperty& d : ctx.StoredRows()) {
      if (d.local == q.local && d.ns == q.ns) return is_dead(d) ? &d : nullptr;
    }
    return nullptr;
  };

  // The buffers of the previous member, reused (a listing answers thousands of members); own
  // ones when they are in use (a getter that renders another resource's response).
  struct Release {
    MultistatusWriter& out;
    MultistatusWriter::PropBuffers* b;
    ~Release() { out.ReleaseBuffers(b); }
  } taken{out, out.TakeBuffers()};
  std::optional<MultistatusWriter::PropBuffers> own;
  MultistatusWriter::PropBuffers& buf = taken.b != nullptr ? *taken.b : own.emplace();
  const std::string &found = buf.found, &missing = buf.missing, &forbidden = buf.forbidden;
  XmlWriter &fw = buf.found_w, &mw = buf.missing_w, &dw = buf.forbidden_w;
  switch (props.mode) {
    case PropRequest::Mode::kPropname:
      for (const LiveProperty& p : registry.All()) {
        if (p.AppliesTo(target)) AppendEmpty(fw, p.name);
      }
      for (const store::DeadProperty& d : ctx.StoredRows()) {
        if (is_dead(d)) AppendEmpty(fw, {d.ns, d.local});
      }
      break;
    case PropRequest::Mode::kAllprop:
      for (const LiveProperty& p : registry.All()) {
        if (p.in_allprop && p.AppliesTo(target) && target.access.Has(p.read_needs)) {
          AppendLive(ctx, p, fw);
        }
      }
      for (const store::DeadProperty& d : ctx.StoredRows()) {
        if (is_dead(d)) fw.Raw(d.xml);
      }
      [[fallthrough]];
    case PropRequest::Mode::kProp:
      if (props.live.size() != props.names.size()) {
        props.live.clear();
        for (const QName& q : props.names) props.live.push_back(registry.Find(q));
      }
      for (size_t i = 0; i < props.names.size(); ++i) {
        const QName& q = props.names[i];
        bool absent;
        const LiveProperty* live = LiveFor(props.live[i], target, &absent);
        if (props.mode == PropRequest::Mode::kAllprop && (live == nullptr || live->in_allprop)) {
          continue;  // already in the allprop answer (or a dead property, included above)
        }
        if (live != nullptr && !target.access.Has(live->read_needs)) {
          AppendEmpty(dw, q);
        } else if (live != nullptr) {
          if (!AppendLive(ctx, *live, fw)) AppendEmpty(mw, q);
        } else if (const store::DeadProperty* d = absent ? nullptr : find_dead(q)) {
          fw.Raw(d->xml);
        } else {
          AppendEmpty(mw, q);
        }
      }
      break;
  }
  // A getter or the dead-property lookup could not read the stored rows: fail rather than
  // answer as if the resource had none.
  if (!ctx.error().ok()) return ctx.error();
  out.BeginResponseAt(target.path);
  // The fragments come from XmlWriter: escaped text, and stored XML repaired by Raw().
  if (!found.empty() || (missing.empty() && forbidden.empty()) || minimal) {
    out.Propstat(200, found, Fragment::kWritten);
  }
  if (!forbidden.empty()) out.Propstat(403, forbidden, Fragment::kWritten);
  if (!missing.empty() && !minimal) out.Propstat(404, missing, Fragment::kWritten);
  out.EndResponse();
  return out.WithinLimit();
}

}  // namespace cartable::dav
