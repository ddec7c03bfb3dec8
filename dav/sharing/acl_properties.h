// The RFC 3744 access-control properties, rendered from Target::access and the shares and
// delegations of the resource (dav/sharing/access.h):
//   DAV:current-user-privilege-set  what the requester may do (§5.4; Thunderbird and DAVx5 show
//                                   a calendar read-only without write-content, CLIENTS.md #19)
//   DAV:acl                         one ACE per grant: the owner, each accepted share, each
//                                   delegate (§5.5); readable with DAV:read-acl (the owner),
//                                   403 in its propstat for everyone else
//   DAV:acl-restrictions            grant-only, no-invert (§5.6): ACLs change by sharing only
//   DAV:supported-privilege-set     the privilege tree (§5.3), CALDAV:read-free-busy under
//                                   DAV:read (RFC 4791 §6.1.1)
// DAV:owner stays in the property registry (the sharer on mounts: Target::owner).
#pragma once

#include <vector>

#include "dav/property_registry.h"

namespace cartable::dav::sharing {

void AddAclProperties(std::vector<LiveProperty>& table);

}  // namespace cartable::dav::sharing
