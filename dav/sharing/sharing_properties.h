// The live properties of sharing (caldav-sharing §4-5, draft-pot-webdav-resource-sharing §4):
//   CS:invite, DAV:invite        who a calendar/address book is shared with, and their answer
//                                (on the owner's collection and on mounts alike, as
//                                CalendarServer: colleagues see who else shares the calendar)
//   CS:allowed-sharing-modes     CS:can-be-shared on the owner's calendars
//   DAV:share-access             shared-owner / not-shared (owner), read / read-write (mounts)
//   DAV:sharer-resource-uri,
//   CS:shared-url                on mounts: the sharer's URL of the collection
//   CS:notification-URL,
//   DAV:notification-URL         on person principals: their notification collection
//   CS:notificationtype          on notifications: the type element of the document
// and the resourcetype additions CS:shared-owner and CS:shared.
#pragma once

#include <vector>

#include "dav/property_registry.h"

namespace cartable::dav::sharing {

void AddSharingProperties(std::vector<LiveProperty>& table);

// Appends to DAV:resourcetype of a calendar or address book: CS:shared on a mount (caldav-
// sharing §6.2), CS:shared-owner on the owner's collection once it has a share (§6.1).
// Called by the resourcetype getter.
void WriteSharingResourcetype(const PropContext& c, XmlWriter& w);

}  // namespace cartable::dav::sharing
