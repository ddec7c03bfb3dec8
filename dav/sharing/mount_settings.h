// Per-user collection settings on share mounts (issue 12; CalendarServer keeps them per sharee
// the same way): a sharee's DAV:displayname, Apple calendar-color and calendar-order, and
// CALDAV:schedule-calendar-transp of a shared calendar (or the displayname of a shared address
// book) are theirs, stored in their store::ShareMember row. Unset ones read as the owner's; the
// owner's copy never changes. Every other property of a mount belongs to the sharer's
// collection: changing it needs write-properties there, which no sharee has (403
// DAV:need-privileges).
#pragma once

#include <pugixml.hpp>
#include <vector>

#include "dav/context.h"
#include "dav/prop_update.h"
#include "dav/status.h"
#include "dav/store/store.h"
#include "dav/xml.h"

namespace cartable::dav {
struct Target;
}

namespace cartable::dav::sharing {

// Whether `t` is a share mount itself (/dav/calendars/{sharee}/partage-{id}/), not a member.
bool IsMountRoot(const Target& t);

// Whether `name` is one of the per-user settings above.
bool IsPerUserSetting(const QName& name);

// The settings a principal sees on `t`: the collection's, with the home user's own values
// replacing the owner's on a mount (IsMountRoot). The property getters of the four settings
// read this.
store::CollectionSettings SettingsSeen(const Target& t);

// PROPPATCH on a mount: the per-user settings among `updates` go to the home user's ShareMember
// row (checked by the properties' update_setting hooks, started from SettingsSeen), anything
// else is refused with 403 DAV:need-privileges; all or nothing, as ApplyUpdates. Records the
// change in the sharee's home (Touch "partage-N/"), so their clients' next sync of the home
// sees the new name or colour; the sharer's collection is untouched.
Result<std::vector<PropOutcome>> ApplyMountUpdates(const Request& req, const Target& t,
                                                   const std::vector<PropUpdate>& updates,
                                                   bool* all_ok);

}  // namespace cartable::dav::sharing
