#include "dav/members.h"

#include <unordered_map>

namespace cartable::dav {
namespace {

Status ForEachVirtualMember(const Request& req, const Target& t, const MemberFn& fn) {
  std::vector<std::string> paths;
  switch (t.virtual_kind) {
    case VirtualKind::kRoot:
      paths = {"/dav/principals/", std::string(FilesArea().prefix),
               std::string(CalendarArea().prefix), std::string(AddressbookArea().prefix)};
      break;
    case VirtualKind::kPrincipals: paths = {"/dav/principals/users/"}; break;
    // Only the requester's own principal and homes are listed: the directory is searched, not
    // enumerated.
    case VirtualKind::kPrincipalUsers: paths = {PrincipalPath(req.principal.login)}; break;
    case VirtualKind::kAreaRoot: paths = {HomePath(*t.area, req.principal.login)}; break;
  }
  for (const std::string& p : paths) {
    Result<Target> child = Resolve(req.session, p, req.principal);
    if (!child.ok()) {
      if (child.status().code() == Status::Code::kNotFound) continue;
      return child.status();
    }
    if (Status s = fn(*child, nullptr); !s.ok()) return s;
  }
  return Status::OK();
}

}  // namespace

void FillObjectTarget(const Target& parent, const store::Object& object, Target& child) {
  child.path.assign(parent.path).append(object.name);
  child.object = object;
  child.name = object.name;
}

Status ForEachMember(const Request& req, const Target& t, bool with_stored, const MemberFn& fn) {
  if (t.type == NodeType::kVirtual) return ForEachVirtualMember(req, t, fn);
  if (t.type != NodeType::kCollection) return Status::OK();
  Result<std::vector<store::Collection>> subs = req.session.ListChildCollections(t.collection.id);
  if (!subs.ok()) return subs.status();
  for (const store::Collection& c : *subs) {
    if (Status s = fn(ChildCollectionTarget(t, c), nullptr); !s.ok()) return s;
  }
  if (t.collection.kind == store::kKindAddressbookHome && t.owner) {
    // The shared directory, after the personal books: macOS syncs only the first book.
    Result<Target> mount = Resolve(req.session, DirectoryMountPath(t.owner->login), req.principal);
    if (mount.ok()) {
      if (Status s = fn(*mount, nullptr); !s.ok()) return s;
    } else if (mount.status().code() != Status::Code::kNotFound) {
      return mount.status();
    }
  }
  std::unordered_map<store::Id, std::vector<store::DeadProperty>> stored;
  if (with_stored) {
    Status s = req.session.ForEachObjectProperty(
        t.collection.id, [&stored](store::Id id, const store::DeadProperty& p) {
          stored[id].push_back(p);
          return Status::OK();
        });
    if (!s.ok()) return s;
  }
  static const std::vector<store::DeadProperty> kNone;
  Target child = ChildObjectTarget(t, store::Object{});
  return req.session.ForEachObject(t.collection.id, [&](const store::Object& o) {
    FillObjectTarget(t, o, child);
    const std::vector<store::DeadProperty>* rows = nullptr;
    if (with_stored) {
      auto it = stored.find(o.id);
      rows = it == stored.end() ? &kNone : &it->second;
    }
    return fn(child, rows);
  });
}

}  // namespace cartable::dav
