// The sharing POSTs, dispatched by the root element of the XML body (HandlePost sends every POST
// that is not to a scheduling outbox here):
//   CS:share           on a calendar or address book of its owner   (caldav-sharing §5.3.2)
//   DAV:share-resource on a calendar or address book of its owner   (draft-pot-webdav-resource-
//                                                                     sharing, as SabreDAV)
//   CS:invite-reply    on the sharee's calendar or address-book home (caldav-sharing §5.4.1)
//   DAV:invite-reply   on an invitation in the sharee's notification collection
// Everything goes through dav/sharing/sharing_service.h.
#pragma once

#include "dav/methods/methods.h"

namespace cartable::dav::sharing {

// Answers: 200 (no body) for CS:share and DAV:share-resource; 200 with
// <CS:shared-as><DAV:href>mount</DAV:href></CS:shared-as> (and a Location header) for an
// accepted invitation, 200 without a body for a declined one.
// Errors: 415 for a body that is not XML; 400 for malformed XML or a body missing what its
// root element needs (the message names it); 403 DAV:recognized-principal for a sharee that is
// no colleague or group (nothing of the request is applied); 403 DAV:need-privileges when the
// principal is not the owner (sharing) or the home's user (replies); 403 for a root element
// that does not apply to the target; 409 when a bound is reached (max_shares_per_collection).
MethodResult HandleSharePost(const Request& req, Target& t);

}  // namespace cartable::dav::sharing
