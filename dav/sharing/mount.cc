#include "dav/sharing/mount.h"

#include "dav/resource_kind.h"

namespace cartable::dav::sharing {

Status CheckReservedName(const Target& t) {
  if (t.type != NodeType::kMissing || !t.parent_exists) return Status::OK();
  if (t.collection.kind != store::kKindCalendarHome &&
      t.collection.kind != store::kKindAddressbookHome) {
    return Status::OK();
  }
  // Every "partage-<digits>" spelling, leading zeros included, so that no stored name can
  // ever look like a mount to a client.
  constexpr std::string_view kPrefix = "partage-";
  std::string_view digits = std::string_view(t.name).substr(
      t.name.compare(0, kPrefix.size(), kPrefix) == 0 ? kPrefix.size() : t.name.size());
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string_view::npos) {
    return Status::OK();
  }
  return Status::Forbidden("the name " + t.name +
                           " is reserved: names partage-<number> are those of shared calendars "
                           "and address books; choose another name");
}

Result<std::optional<MountedShare>> FindMount(store::Session& session, const store::User& user,
                                              std::string_view home_kind, store::Id share_id) {
  // Most names in a home are not mounts of this user: one indexed read rules them out before
  // the user's shares are listed.
  Result<store::Share> named = session.GetShare(share_id);
  if (!named.ok()) {
    if (named.status().code() == Status::Code::kNotFound) return std::optional<MountedShare>();
    return named.status();
  }
  if (named->sharee_user_id != 0 && named->sharee_user_id != user.id) {
    return std::optional<MountedShare>();
  }
  Result<std::vector<MountedShare>> mounts = SharesInHome(session, user, home_kind);
  if (!mounts.ok()) return mounts.status();
  for (MountedShare& m : *mounts) {
    if (m.share.id == share_id) return std::optional<MountedShare>(std::move(m));
  }
  return std::optional<MountedShare>();
}

Access MountAccess(store::ShareAccess access) {
  Access a;
  a.via = AccessVia::kShare;
  a.share_access = access;
  a.sees_private = false;
  a.per_user = true;
  switch (access) {
    case store::ShareAccess::kFreeBusy: a.privileges = kPrivReadFreeBusy; break;
    case store::ShareAccess::kRead: a.privileges = kPrivRead | kPrivReadFreeBusy; break;
    case store::ShareAccess::kReadWrite:
      a.privileges = kPrivRead | kPrivReadFreeBusy | kPrivWrite;
      break;
  }
  return a;
}

Target MountTarget(const Target& home, const MountedShare& m) {
  Target t;
  t.type = NodeType::kCollection;
  t.area = home.area;
  t.path = home.path + MountName(m.share.id) + "/";
  t.owner = m.owner;
  t.collection = m.collection;
  t.mount = Mount{.home_user = home.owner.value_or(store::User{}),
                  .path = t.path,
                  .share = m.share,
                  .member = m.member,
                  .access = m.access};
  t.kind = KindOf(t);
  if (home.access.via == AccessVia::kOwner) t.access = MountAccess(m.access);
  return t;
}

}  // namespace cartable::dav::sharing
