// Share mounts as resources: how an accepted share of a calendar or an address book appears in
// a sharee's home (/dav/calendars/{sharee}/partage-{share id}/), for Resolve, the home's member
// listing and its sync-collection. Which shares a user sees, under which name and with which
// access is decided once, by sharing::SharesInHome (sharing_service.h), so a listed mount
// always resolves and a resolvable mount is always listed.
#pragma once

#include <optional>
#include <string_view>

#include "dav/sharing/access.h"
#include "dav/sharing/sharing_service.h"
#include "dav/status.h"
#include "dav/store/store.h"
#include "dav/target.h"

namespace cartable::dav::sharing {

// Refuses (403, naming the rule) to create `t` (a missing resource about to be made by MKCOL,
// MKCALENDAR, PUT, COPY or MOVE) when its name is a mount name (ParseMountName) in a calendar
// or address-book home: such names belong to shares. OK otherwise.
Status CheckReservedName(const Target& t);

// The mount named by share `share_id` in `user`'s home of kind `home_kind`
// (store::kKindCalendarHome or kKindAddressbookHome); nullopt when that name mounts nothing
// there (no such share, not applicable to the user, another share names the collection's mount,
// wrong kind of collection).
Result<std::optional<MountedShare>> FindMount(store::Session& session, const store::User& user,
                                              std::string_view home_kind, store::Id share_id);

// The privileges of a sharee on a mount of `access` and below it (access.h rules).
Access MountAccess(store::ShareAccess access);

// The target of mount `m` listed in `home` (the home target of the mount's user): owner and
// collection the sharer's, path the home's, `mount` filled. It carries the mount's access when
// `home` is the requester's own home (home.access.via == kOwner), none otherwise.
Target MountTarget(const Target& home, const MountedShare& m);

}  // namespace cartable::dav::sharing
