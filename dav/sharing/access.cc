#include "dav/sharing/access.h"

#include "dav/sharing/mount.h"
#include "dav/target.h"

namespace cartable::dav {
namespace {

// The staff directory (the store collection, or anything below `annuaire/` in a home): staff
// read it, the import writes it.
bool IsDirectory(const Target& t) {
  if ((t.type != NodeType::kMissing || t.parent_exists) &&
      t.collection.kind == store::kKindDirectory) {
    return true;
  }
  return IsUnderDirectoryMount(t);
}

// The notification collection of a calendar home and its members: the home's user's own
// invitations, never a delegate's business.
bool IsNotifications(const Target& t) {
  return (t.type != NodeType::kMissing || t.parent_exists) &&
         t.collection.kind == store::kKindNotifications;
}

Access OwnerAccess(const Target& t) {
  Access a;
  a.via = AccessVia::kOwner;
  if (IsDirectory(t)) {
    a.privileges = kPrivRead;
    return a;
  }
  // Every privilege; current-user-privilege-set lists those that mean something where they are
  // (read-free-busy in the calendar area, schedule-send on outboxes: acl_properties.cc).
  a.privileges = kPrivAll;
  return a;
}

// A delegate of the target's owner on the owner's calendar area (CalendarServer's
// calendar-proxy-read / calendar-proxy-write).
Access DelegateAccess(const store::Delegate& d) {
  Access a;
  a.via = AccessVia::kDelegate;
  if (d.access == store::DelegateAccess::kReadWrite) {
    a.privileges =
        kPrivRead | kPrivReadFreeBusy | kPrivWrite | kPrivScheduleSend | kPrivScheduleDeliver;
    a.share_access = store::ShareAccess::kReadWrite;
    a.sees_private = true;
  } else {
    a.privileges = kPrivRead | kPrivReadFreeBusy;
    a.share_access = store::ShareAccess::kRead;
    a.sees_private = false;
  }
  return a;
}

}  // namespace

Status ComputeAccess(store::Session& session, Target& t, const Principal& principal) {
  t.access = Access{};
  // Principals and the virtual collections above the areas: every signed-in user reads them.
  if (t.area == nullptr) {
    t.access.via = AccessVia::kAnyone;
    t.access.privileges = kPrivRead;
    // A sub-principal of one's own principal (the calendar-proxy-read/-write groups): its user
    // sets its members (PROPPATCH DAV:group-member-set, caldav-cu-proxy §5.2). The principal
    // itself stays read-only (its properties come from the directory).
    if (t.type == NodeType::kPrincipal && t.owner && t.owner->id == principal.user_id &&
        t.path != PrincipalPath(*t.owner)) {
      t.access.via = AccessVia::kOwner;
      t.access.privileges |= kPrivWriteProperties;
    }
    return Status::OK();
  }
  // The area roots (/dav/calendars/): nobody's tree.
  if (!t.owner) return Status::OK();
  if (t.mount) {
    // A mount and what lies below it: the home's user through their share(s), nobody else
    // (the owner reaches the collection at its own URL).
    if (t.mount->home_user.id == principal.user_id)
      t.access = sharing::MountAccess(t.mount->access);
    return Status::OK();
  }
  if (t.owner->id == principal.user_id) {
    t.access = OwnerAccess(t);
    return Status::OK();
  }
  if (t.area != &CalendarArea() || IsNotifications(t)) return Status::OK();
  Result<store::Delegate> d = session.GetDelegate(t.owner->id, principal.user_id);
  if (!d.ok()) {
    return d.status().code() == Status::Code::kNotFound ? Status::OK() : d.status();
  }
  t.access = DelegateAccess(*d);
  return Status::OK();
}

Status Denied(const Target& t, std::string_view what) {
  return Status::Violates(Precondition::kNeedPrivileges,
                          "you may not " + std::string(what) + " " + t.path);
}

}  // namespace cartable::dav
