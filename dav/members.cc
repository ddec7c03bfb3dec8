#include "dav/members.h"

#include <unordered_map>

#include "dav/sharing/delegation.h"
#include "dav/sharing/mount.h"
#include "dav/sharing/principal_groups.h"

namespace cartable::dav {
namespace {

Status ForEachVirtualMember(const Request& req, const Target& t, const MemberFn& fn) {
  std::vector<std::string> paths;
  switch (t.virtual_kind) {
    case VirtualKind::kRoot:
      paths = {"/dav/principals/", std::string(FilesArea().prefix),
               std::string(CalendarArea().prefix), std::string(AddressbookArea().prefix)};
      break;
    case VirtualKind::kPrincipals:
      paths = {"/dav/principals/users/", std::string(sharing::kPrincipalsGroups)};
      break;
    // Only the requester's own principal and homes are listed: the directory is searched, not
    // enumerated.
    case VirtualKind::kPrincipalUsers: paths = {PrincipalPath(req.principal.login)}; break;
    case VirtualKind::kAreaRoot: paths = {HomePath(*t.area, req.principal.login)}; break;
    // The requester's own groups (their department and establishment).
    case VirtualKind::kPrincipalGroups: {
      Result<std::vector<store::User>> groups =
          sharing::GroupsOfUser(req.session, req.principal.user_id);
      if (!groups.ok()) return groups.status();
      for (const store::User& g : *groups) paths.push_back(sharing::GroupPrincipalPath(g.login));
      break;
    }
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

// The shares mounted in a calendar or address-book home (dav/sharing/mount.h), after the
// home's own collections: iOS and Thunderbird find shared calendars by listing the home.
Status ForEachMount(const Request& req, const Target& t, const MemberFn& fn) {
  if (t.mount || !t.owner ||
      (t.collection.kind != store::kKindCalendarHome &&
       t.collection.kind != store::kKindAddressbookHome)) {
    return Status::OK();
  }
  Result<std::vector<sharing::MountedShare>> mounts =
      sharing::SharesInHome(req.session, *t.owner, t.collection.kind);
  if (!mounts.ok()) return mounts.status();
  for (const sharing::MountedShare& m : *mounts) {
    if (Status s = fn(sharing::MountTarget(t, m), nullptr); !s.ok()) return s;
  }
  return Status::OK();
}

}  // namespace

void FillObjectTarget(const Target& parent, const store::Object& object, Target& child) {
  child.path.assign(parent.path).append(object.name);
  child.object = object;
  child.name = object.name;
}

Result<const std::vector<store::DeadProperty>*> MemberProperties::For(store::Id object_id) {
  if (!loaded_) {
    loaded_ = true;
    error_ = session_.ForEachObjectProperty(collection_id_,
                                            [this](store::Id id, const store::DeadProperty& p) {
                                              rows_[id].push_back(p);
                                              return Status::OK();
                                            });
  }
  if (!error_.ok()) return error_;
  static const std::vector<store::DeadProperty> kNone;
  auto it = rows_.find(object_id);
  return it == rows_.end() ? &kNone : &it->second;
}

Result<const store::PerUserData*> MemberProperties::PerUser(store::Id object_id,
                                                            store::Id user_id) {
  if (!per_user_loaded_) {
    per_user_loaded_ = true;
    per_user_error_ =
        session_.ForEachPerUserData(collection_id_, user_id, [this](const store::PerUserData& d) {
          per_user_[d.object_id] = d;
          return Status::OK();
        });
  }
  if (!per_user_error_.ok()) return per_user_error_;
  auto it = per_user_.find(object_id);
  return it == per_user_.end() ? nullptr : &it->second;
}

Status ForEachMember(const Request& req, const Target& t, const MemberFn& fn) {
  if (t.type == NodeType::kVirtual) return ForEachVirtualMember(req, t, fn);
  if (t.kind == ResourceKind::kPrincipal && t.owner && t.owner->kind == store::UserKind::kPerson) {
    // A person's principal holds their two proxy groups, as CalendarServer lists them.
    for (store::DelegateAccess a :
         {store::DelegateAccess::kRead, store::DelegateAccess::kReadWrite}) {
      if (Status s = fn(sharing::ProxyGroupTarget(*t.owner, a), nullptr); !s.ok()) return s;
    }
    return Status::OK();
  }
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
  if (Status s = ForEachMount(req, t, fn); !s.ok()) return s;
  MemberProperties stored(req.session, t.collection.id);
  Target child = ChildObjectTarget(t, store::Object{});
  // The listing fields only, from one covering index (store.h, "listings"): the getters that
  // need the body or the index columns read them with GetObject.
  return req.session.ForEachObjectListing(t.collection.id, [&](const store::Object& o) {
    FillObjectTarget(t, o, child);
    return fn(child, &stored);
  });
}

}  // namespace cartable::dav
