// MKCOL (RFC 4918 §9.3) and extended MKCOL (RFC 5689): a body, when present, must be a
// DAV:mkcol setting resourcetype (only a plain collection here) and properties, all or nothing.
#include "dav/collection_types.h"
#include "dav/methods/methods.h"
#include "dav/multistatus.h"
#include "dav/prop_update.h"
#include "dav/property_registry.h"
#include "dav/xml.h"

namespace cartable::dav {
namespace {

bool IsXmlContentType(std::string_view ct) {
  return ct.find("xml") != std::string_view::npos;
}

// Checks the resourcetype asked for; only {DAV:collection} is creatable by MKCOL so far.
Status CheckResourcetype(const std::vector<PropUpdate>& updates) {
  for (const PropUpdate& u : updates) {
    if (!Is(u.element, ns::kDav, "resourcetype")) continue;
    for (pugi::xml_node c : u.element.children()) {
      if (c.type() == pugi::node_element && !Is(c, ns::kDav, "collection")) {
        return Status::Violates(Precondition::kValidResourcetype,
                                "cannot create a collection of type " + NameOf(c).Clark());
      }
    }
  }
  return Status::OK();
}

}  // namespace

MethodResult HandleMkcol(const Request& req, Target& t) {
  if (!t.parent_exists) return Status::Conflict("the parent collection does not exist");
  const CollectionType& parent = DescribeCollection(t.collection.kind);
  if (!parent.allows_child_collections) {
    return Status::Forbidden("collections cannot be created here");
  }
  std::vector<PropUpdate> updates;
  std::unique_ptr<pugi::xml_document> doc;
  if (!req.http.body.empty()) {
    std::string_view ct = req.http.headers.Get("Content-Type").value_or("");
    if (!IsXmlContentType(ct)) {
      return Status::UnsupportedMedia("MKCOL accepts no body, or an XML DAV:mkcol body");
    }
    Result<std::unique_ptr<pugi::xml_document>> parsed = ParseXml(req.http.body);
    if (!parsed.ok()) return parsed.status();
    doc = std::move(parsed.value());
    if (!Is(doc->document_element(), ns::kDav, "mkcol")) {
      return Status::UnsupportedMedia("the MKCOL body must be a DAV:mkcol element");
    }
    Result<std::vector<PropUpdate>> collected = CollectUpdates(doc->document_element());
    if (!collected.ok()) return collected.status();
    updates = std::move(collected.value());
    if (Status s = CheckResourcetype(updates); !s.ok()) return s;
    std::erase_if(updates, [](const PropUpdate& u) { return Is(u.element, ns::kDav, "resourcetype"); });
  }
  std::string path = t.collection.path + t.name + "/";
  Result<store::Collection> created = req.session.CreateCollection(
      path, t.collection.id, t.owner->id, store::kKindCollection);
  if (!created.ok()) return created.status();
  Target made = ChildCollectionTarget(t, *created);
  bool all_ok = true;
  Result<std::vector<PropOutcome>> outcomes = ApplyUpdates(req, made, updates, &all_ok);
  if (!outcomes.ok()) return outcomes.status();
  server::HttpResponse r;
  if (!all_ok) {
    // RFC 5689 §3: the whole MKCOL fails; the caller rolls the creation back.
    XmlWriter w(r.body);
    w.OpenRoot(ns::kDav, "mkcol-response");
    WriteOutcomes(*outcomes, w);
    w.Finish();
    r.status = 403;
    r.headers.Set("Content-Type", "application/xml; charset=utf-8");
    return r;
  }
  r.status = 201;
  r.headers.Set("Location", Href(path));
  return r;
}

}  // namespace cartable::dav
