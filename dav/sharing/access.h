// Who may do what on a resource (RFC 3744 privileges), computed once per request from the
// ownership of the target, the shares of its collection (dav/sharing/sharing_service.h), the
// delegations of its owner and the directory groups of the principal. Methods, reports and
// property getters read Target::access; nothing else decides access.
//
// Rules (issue 12; the README section "Sharing" explains them for people):
// - Owner of the tree: every privilege, except on the staff directory (read only) and on the
//   homes themselves (no unbind).
// - A share mount (/dav/calendars/{sharee}/partage-{id}/ and below), seen by the home's user:
//   kRead -> read; kReadWrite -> read, write-content, write-properties (per-user ones), bind,
//   unbind; kFreeBusy -> read-free-busy only. When several shares of the same collection apply
//   (a colleague share and a group share), the greatest access wins. Everyone else: nothing.
// - Delegates of user X on X's calendar area (home, calendars, inbox, outbox): read delegates
//   read; write delegates read and write, and schedule-send on the outbox. Nothing in X's files
//   or address books.
// - Principals, proxy sub-principals and virtual collections: read for every signed-in user;
//   writing a proxy group (PROPPATCH group-member-set) is for the principal's user only.
#pragma once

#include <cstdint>

#include "dav/status.h"
#include "dav/store/store.h"

namespace cartable::dav {

struct Target;
struct Principal;

// RFC 3744 §3 privileges (plus CalDAV's read-free-busy, RFC 4791 §6.1.1, and RFC 6638 §6
// schedule-send). Aggregates (DAV:write, DAV:all) are rendered from these bits.
enum Priv : uint32_t {
  kPrivRead = 1u << 0,
  kPrivReadFreeBusy = 1u << 1,
  kPrivWriteContent = 1u << 2,
  kPrivWriteProperties = 1u << 3,
  kPrivBind = 1u << 4,
  kPrivUnbind = 1u << 5,
  kPrivReadAcl = 1u << 6,
  kPrivWriteAcl = 1u << 7,  // sharing a collection (CS:share, DAV:share-resource): the owner
  kPrivScheduleSend = 1u << 8,
  kPrivScheduleDeliver = 1u << 9,
};
inline constexpr uint32_t kPrivWrite =
    kPrivWriteContent | kPrivWriteProperties | kPrivBind | kPrivUnbind;
inline constexpr uint32_t kPrivAll = kPrivRead | kPrivReadFreeBusy | kPrivWrite | kPrivReadAcl |
                                     kPrivWriteAcl | kPrivScheduleSend | kPrivScheduleDeliver;

// How the principal reaches the target.
enum class AccessVia : uint8_t {
  kNone,      // no right at all
  kAnyone,    // principals and virtual collections: readable by every signed-in user
  kOwner,     // the principal's own tree
  kShare,     // a share mount in the principal's home
  kDelegate,  // the calendars of a user who made the principal a delegate
};

struct Access {
  uint32_t privileges = 0;
  AccessVia via = AccessVia::kNone;
  // kShare: the effective access of the share(s); kDelegate: kRead or kReadWrite as shares'.
  store::ShareAccess share_access = store::ShareAccess::kRead;
  // CLASS:PRIVATE and CLASS:CONFIDENTIAL events are shown whole (RFC 5545 §3.8.1.3): the owner
  // and write delegates. Everyone else sees them reduced (dav/sharing/privacy.h).
  bool sees_private = true;
  // Alarms and transparency of calendar objects are the principal's own (per-user data): sharees.
  bool per_user = false;

  bool Has(uint32_t privs) const { return (privileges & privs) == privs; }
  bool HasAny(uint32_t privs) const { return (privileges & privs) != 0; }
};

// Computes `t.access` for `principal` (reads the shares, delegations and group keys it needs;
// nothing for the principal's own tree). Call it once after Resolve; child targets built with
// ChildCollectionTarget/ChildObjectTarget inherit their parent's access (members of a
// collection have the collection's access), except mounts listed in a home, which get theirs
// from MountTarget. Errors: store errors only (no access is OK with privileges 0).
Status ComputeAccess(store::Session& session, Target& t, const Principal& principal);

// The need-privileges error for `what` ("PUT", "the calendar-query report") on `t`: 403 with
// DAV:need-privileges (as today for another user's tree). The message names only the request
// path and the method, never anything of the target the principal may not read.
Status Denied(const Target& t, std::string_view what);

}  // namespace cartable::dav
