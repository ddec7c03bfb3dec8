// PROPPATCH (RFC 4918 §9.2): dead properties in any namespace, all or nothing; protected live
// properties answer 403 cannot-modify-protected-property and the rest 424.
#include "dav/methods/methods.h"
#include "dav/multistatus.h"
#include "dav/prop_request.h"
#include "dav/prop_update.h"
#include "dav/property_registry.h"
#include "dav/sharing/delegation.h"
#include "dav/sharing/mount_settings.h"
#include "dav/xml.h"

namespace cartable::dav {

MethodResult HandleProppatch(const Request& req, Target& t) {
  Result<std::unique_ptr<pugi::xml_document>> doc =
      ParseXml(req.http.body, XmlLimitsOf(req.ctx.options));
  if (!doc.ok()) return doc.status();
  pugi::xml_node root = (*doc)->document_element();
  if (!Is(root, ns::kDav, "propertyupdate")) {
    return Status::BadRequest("PROPPATCH body must be a DAV:propertyupdate element");
  }
  Result<std::vector<PropUpdate>> updates = CollectUpdates(root);
  if (!updates.ok()) return updates.status();
  if (Status s = CheckPropertyCount(updates->size(), req.ctx.options); !s.ok()) return s;
  // Proxy groups keep their members in the delegates table, not in property rows.
  if (t.kind == ResourceKind::kProxyGroup) return sharing::ProppatchProxyGroup(req, t, *updates);
  bool all_ok = false;
  Result<std::vector<PropOutcome>> outcomes = ApplyUpdates(req, t, *updates, false, &all_ok);
  if (!outcomes.ok()) return outcomes.status();
  if (all_ok && t.type == NodeType::kCollection && !sharing::IsMountRoot(t)) {
    // Property changes count as changes of the collection for sync tokens and ctags (a
    // sharee's own settings of a mount are recorded in their home instead).
    if (auto r = req.session.Touch(t.collection.id, "", false); !r.ok()) return r.status();
  }
  MultistatusWriter out(req.ctx.options.max_response_bytes);
  out.BeginResponse(Href(t.path));
  WriteOutcomes(*outcomes, out.xml());
  if (!all_ok) {
    std::string err;
    XmlWriter w(err);
    w.Open(ns::kDav, "error");
    w.Empty(ns::kDav, "cannot-modify-protected-property");
    w.Close();
    out.xml().Raw(err);
  }
  out.EndResponse();
  // 207 either way: nothing was written when any update was refused.
  return out.Finish();
}

}  // namespace cartable::dav
