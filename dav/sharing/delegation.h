// Delegation (CalendarServer's caldav-cu-proxy, as macOS Calendar speaks it): a user's
// delegates are the members of two sub-principals of their principal,
//   /dav/principals/users/{login}/calendar-proxy-read/    read delegates
//   /dav/principals/users/{login}/calendar-proxy-write/   write delegates
// whose DAV:group-member-set the user sets with PROPPATCH (the `delegates` rows of that access,
// store.h). A delegate's principal lists the proxy groups they belong to in DAV:group-membership
// and whose delegate they are in CS:calendar-proxy-read-for / CS:calendar-proxy-write-for, which
// macOS reads with an expand-property REPORT at every launch (docs/clients.md #14).
// What delegates may do in the owner's calendar area is computed by ComputeAccess
// (dav/sharing/access.h); scheduling as the owner (SENT-BY) is dav/scheduling/scheduler.cc's.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dav/context.h"
#include "dav/methods/methods.h"
#include "dav/prop_update.h"
#include "dav/property_registry.h"
#include "dav/status.h"
#include "dav/store/store.h"
#include "dav/target.h"

namespace cartable::dav::sharing {

inline constexpr std::string_view kProxyReadSegment = "calendar-proxy-read";
inline constexpr std::string_view kProxyWriteSegment = "calendar-proxy-write";

// The access a proxy sub-principal segment names; nullopt for any other segment.
std::optional<store::DelegateAccess> ParseProxySegment(std::string_view segment);
std::string_view ProxySegment(store::DelegateAccess access);
// "/dav/principals/users/{login}/calendar-proxy-write/".
std::string ProxyGroupPath(const std::string& login, store::DelegateAccess access);

// The target of `owner`'s proxy group of `access` (kind kProxyGroup, type kPrincipal, `name` the
// segment, `owner` the user whose delegates it holds). Persons only: Resolve answers 404 for
// the proxy segments of a group account.
Target ProxyGroupTarget(store::User owner, store::DelegateAccess access);
// The access of a kProxyGroup target.
store::DelegateAccess ProxyAccessOf(const Target& t);
// Its DAV:displayname, in French as people read it in macOS's delegation panel
// ("Délégués de Jean Labert (lecture et écriture)").
std::string ProxyGroupDisplayName(const Target& t);

// The user a principal href designates, as clients write members of group-member-set: a
// principal URL (absolute or a path, /dav/principals/users/{login or email}/) or a mailto:
// address. Errors: kForbidden for a group principal or account (delegates are colleagues),
// kConflict naming the href for anything that designates no colleague.
Result<store::User> UserOfPrincipalHref(store::Session& session, std::string_view href);

// DAV:group-member-set of a proxy group: the principal URLs of the owner's delegates of that
// access, ordered by user id. The getter of the one group-member-set row (group principals'
// members are dav/sharing/principal_groups.cc's) calls it for kProxyGroup targets.
bool GetProxyGroupMemberSet(const PropContext& ctx, XmlWriter& w);

// Adds group-member-set (proxy groups), group-membership, calendar-proxy-read-for and
// calendar-proxy-write-for (person principals) to the live property table.
void AddDelegationProperties(std::vector<LiveProperty>& table);

// PROPPATCH on a proxy group (RFC 3744 §4.3 via CalendarServer's caldav-cu-proxy §5.2): only its
// owner may change it, and only DAV:group-member-set (set: the new member list, replacing the
// delegates of that access; remove: none). A delegate listed in the other proxy group moves to
// this one (one access per delegate). Answers 207 with one propstat per property:
// 409 + message for an href that names no colleague, for the owner themselves, and beyond
// ctx.options.max_delegates delegates in all; 403 for a group; 403 cannot-modify-protected-
// property for any other property; 424 for the rest when one fails. Nothing is written unless
// every update is accepted. Errors: 403 need-privileges when the principal is not the owner.
MethodResult ProppatchProxyGroup(const Request& req, const Target& t,
                                 const std::vector<PropUpdate>& updates);

}  // namespace cartable::dav::sharing
