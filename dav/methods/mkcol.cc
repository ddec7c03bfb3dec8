// MKCOL (RFC 4918 §9.3), extended MKCOL (RFC 5689) and MKCALENDAR (RFC 4791 §5.3.1): create a
// collection whose kind comes from the requested resourcetype, with properties, all or nothing.
#include "dav/collection_types.h"
#include "dav/methods/methods.h"
#include "dav/multistatus.h"
#include "dav/prop_request.h"
#include "dav/prop_update.h"
#include "dav/property_registry.h"
#include "dav/xml.h"

namespace cartable::dav {
namespace {

bool IsXmlContentType(std::string_view ct) { return ct.find("xml") != std::string_view::npos; }

// The resourcetype asked for by a DAV:resourcetype update (without DAV:collection).
std::vector<QName> RequestedResourcetype(const std::vector<PropUpdate>& updates) {
  std::vector<QName> types;
  for (const PropUpdate& u : updates) {
    if (!Is(u.element, ns::kDav, "resourcetype")) continue;
    for (pugi::xml_node c : u.element.children()) {
      if (c.type() == pugi::node_element && !Is(c, ns::kDav, "collection")) {
        types.push_back(NameOf(c));
      }
    }
  }
  return types;
}

// Parses an optional request body whose root must be `root_local` in `root_ns`.
Result<std::vector<PropUpdate>> ParseBody(const Request& req, std::string_view root_ns,
                                          std::string_view root_local,
                                          std::unique_ptr<pugi::xml_document>* doc) {
  if (req.http.body.empty()) return std::vector<PropUpdate>{};
  std::string_view ct = req.http.headers.Get("Content-Type").value_or("");
  if (!ct.empty() && !IsXmlContentType(ct)) {
    return Status::UnsupportedMedia("the body must be XML (" + std::string(root_local) + ")");
  }
  Result<std::unique_ptr<pugi::xml_document>> parsed =
      ParseXml(req.http.body, XmlLimitsOf(req.ctx.options));
  if (!parsed.ok()) {
    // RFC 4918 §9.3: a body MKCOL does not understand is 415.
    if (ct.empty()) return Status::UnsupportedMedia("MKCOL accepts no body, or an XML body");
    return parsed.status();
  }
  *doc = std::move(parsed.value());
  if (!Is((*doc)->document_element(), root_ns, root_local)) {
    return Status::UnsupportedMedia("the body must be a " + std::string(root_local) + " element");
  }
  Result<std::vector<PropUpdate>> updates = CollectUpdates((*doc)->document_element());
  if (!updates.ok()) return updates.status();
  if (Status s = CheckPropertyCount(updates->size(), req.ctx.options); !s.ok()) return s;
  return updates;
}

}  // namespace

MethodResult CreateCollectionAt(const Request& req, Target& t, std::string_view kind,
                                std::vector<PropUpdate> updates, const QName& failure_root) {
  if (!t.parent_exists) return Status::Conflict("the parent collection does not exist");
  if (!MayContain(t.collection.kind, kind)) {
    if (kind == store::kKindCalendar) {
      return Status::Violates(Precondition::kCalendarCollectionLocationOk,
                              "calendars can only be created in a calendar home");
    }
    return Status::Violates(Precondition::kValidResourcetype,
                            "a collection of this type cannot be created here");
  }
  std::erase_if(updates,
                [](const PropUpdate& u) { return Is(u.element, ns::kDav, "resourcetype"); });
  std::string path = t.collection.path + t.name + "/";
  Result<store::Collection> created =
      req.session.CreateCollection(path, t.collection.id, t.owner->id, std::string(kind));
  if (!created.ok()) return created.status();
  Target made = ChildCollectionTarget(t, *created);
  bool all_ok = true;
  Result<std::vector<PropOutcome>> outcomes = ApplyUpdates(req, made, updates, true, &all_ok);
  if (!outcomes.ok()) return outcomes.status();
  http::HttpResponse r;
  if (!all_ok) {
    // The whole request fails (RFC 5689 §3, RFC 4791 §5.3.1); the dispatcher rolls back.
    XmlWriter w(r.body);
    w.OpenRoot(failure_root.ns, failure_root.local);
    WriteOutcomes(*outcomes, w);
    w.Finish();
    r.status = 403;
    r.headers.Set("Content-Type", kXmlContentType);
    return r;
  }
  r.status = 201;
  r.headers.Set("Location", Href(path));
  r.headers.Set("Cache-Control", "no-cache");
  return r;
}

MethodResult HandleMkcol(const Request& req, Target& t) {
  std::unique_ptr<pugi::xml_document> doc;
  Result<std::vector<PropUpdate>> updates = ParseBody(req, ns::kDav, "mkcol", &doc);
  if (!updates.ok()) return updates.status();
  std::vector<QName> types = RequestedResourcetype(*updates);
  const CollectionType* type = KindForResourcetype(types);
  if (type == nullptr) {
    return Status::Violates(Precondition::kValidResourcetype,
                            "cannot create a collection of type " +
                                (types.empty() ? std::string("?") : types.front().Clark()));
  }
  return CreateCollectionAt(req, t, type->kind, std::move(updates.value()),
                            {std::string(ns::kDav), "mkcol-response"});
}

MethodResult HandleMkcalendar(const Request& req, Target& t) {
  std::unique_ptr<pugi::xml_document> doc;
  Result<std::vector<PropUpdate>> updates = ParseBody(req, ns::kCalDav, "mkcalendar", &doc);
  if (!updates.ok()) return updates.status();
  return CreateCollectionAt(req, t, store::kKindCalendar, std::move(updates.value()),
                            {std::string(ns::kCalDav), "mkcalendar-response"});
}

}  // namespace cartable::dav
