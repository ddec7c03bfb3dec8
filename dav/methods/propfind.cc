// PROPFIND (RFC 4918 §9.1): Depth 0 or 1; Depth infinity is refused (propfind-finite-depth).
#include <functional>

#include "dav/conditional.h"
#include "dav/methods/methods.h"
#include "dav/multistatus.h"
#include "dav/prop_request.h"

namespace cartable::dav {
namespace {

// Calls `fn` with each member of a collection-like target, without reading member bodies.
Status ForEachMember(const Request& req, const Target& t,
                     const std::function<Status(const Target&)>& fn) {
  if (t.type == NodeType::kVirtual) {
    std::vector<std::string> paths;
    switch (t.virtual_kind) {
      case VirtualKind::kRoot:
        paths = {"/dav/principals/", std::string(FilesArea().prefix),
                 std::string(CalendarArea().prefix), std::string(AddressbookArea().prefix)};
        break;
      case VirtualKind::kPrincipals: paths = {"/dav/principals/users/"}; break;
      // Only the requester's own principal and homes are listed: the directory is searched,
      // not enumerated.
      case VirtualKind::kPrincipalUsers: paths = {PrincipalPath(req.principal.login)}; break;
      case VirtualKind::kAreaRoot: paths = {HomePath(*t.area, req.principal.login)}; break;
    }
    for (const std::string& p : paths) {
      Result<Target> child = Resolve(req.session, p, req.principal);
      if (!child.ok()) {
        if (child.status().code() == Status::Code::kNotFound) continue;
        return child.status();
      }
      if (Status s = fn(*child); !s.ok()) return s;
    }
    return Status::OK();
  }
  if (t.type != NodeType::kCollection) return Status::OK();
  Result<std::vector<store::Collection>> subs = req.session.ListChildCollections(t.collection.id);
  if (!subs.ok()) return subs.status();
  for (const store::Collection& c : *subs) {
    if (Status s = fn(ChildCollectionTarget(t, c)); !s.ok()) return s;
  }
  Status inner;
  Status s = req.session.ForEachObject(t.collection.id, [&](const store::Object& o) {
    inner = fn(ChildObjectTarget(t, o));
    return inner.ok();
  });
  return s.ok() ? inner : s;
}

}  // namespace

MethodResult HandlePropfind(const Request& req, Target& target) {
  Result<Depth> depth = ParseDepth(req.http, Depth::kInfinity);
  if (!depth.ok()) return depth.status();
  if (*depth == Depth::kInfinity) {
    return Status::Violates(Precondition::kPropfindFiniteDepth,
                            "PROPFIND with Depth: infinity is not supported; use Depth 0 or 1");
  }
  Result<PropRequest> props = ParsePropfindBody(req.http.body);
  if (!props.ok()) return props.status();
  bool minimal = WantsMinimal(req.http);
  MultistatusWriter out;
  if (Status s = WritePropResponse(req, target, *props, minimal, out); !s.ok()) return s;
  if (*depth == Depth::kOne) {
    Status s = ForEachMember(req, target, [&](const Target& child) {
      return WritePropResponse(req, child, *props, minimal, out);
    });
    if (!s.ok()) return s;
  }
  server::HttpResponse r = out.Finish();
  if (minimal) r.headers.Set("Preference-Applied", "return=minimal");
  return r;
}

}  // namespace cartable::dav
