// Group principals (issue 12): the departments and establishments of the staff directory, as
// group accounts (directory/group_accounts.h), seen by calendar clients as RFC 3744 group
// principals:
//   /dav/principals/groups/           a virtual principal collection (lists the requester's
//                                     own groups: principals are searched, not enumerated)
//   /dav/principals/groups/{login}/   the group: CALDAV:calendar-user-type GROUP (RFC 6638
//                                     §2.4.2), DAV:group-member-set (its members' principals),
//                                     calendar-user-address-set urn:x-cartable:group:{login}
//                                     and the principal URL, calendar-home-set (its agendas)
// They are found by principal-property-search and calendarserver-principal-search (by name,
// department code, UAI), and invited as CUTYPE=GROUP attendees (dav/scheduling/group_expand.h).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dav/property_registry.h"
#include "dav/status.h"
#include "dav/store/store.h"
#include "dav/target.h"

namespace cartable::dav::sharing {

inline constexpr std::string_view kPrincipalsGroups = "/dav/principals/groups/";
inline constexpr std::string_view kGroupAddressPrefix = "urn:x-cartable:group:";

// "/dav/principals/groups/{login}/" and "urn:x-cartable:group:{login}".
std::string GroupPrincipalPath(std::string_view login);
std::string GroupAddress(std::string_view login);

// Whether `t` is a group's principal.
bool IsGroupPrincipal(const Target& t);

// Resolves "/dav/principals/groups/..." given the path's segments ("principals", "groups",
// [login]): the virtual collection, or the principal of a group account (login in any case).
// kNotFound for anything else, persons' logins included (their principal is under users/).
Result<Target> ResolveGroupPrincipal(store::Session& session, const std::vector<std::string>& segs);

// The group account a calendar user address names: "urn:x-cartable:group:{login}" or its
// principal URL (a path, or an absolute http(s) URL ending in that path), case-insensitive.
// kNotFound for anything else: a mailto: never names a group (group accounts have no e-mail).
Result<store::User> GroupOfAddress(store::Session& session, std::string_view address);

// The person accounts of the group's active members, ordered by id, at most `max`; `*over` is
// set when there are more (nothing is returned then).
Result<std::vector<store::User>> GroupMembers(store::Session& session, const store::User& group,
                                              size_t max, bool* over);

// The groups (group accounts) of the person `user_id` (their directory entry's department and
// establishment), ordered by key.
Result<std::vector<store::User>> GroupsOfUser(store::Session& session, store::Id user_id);

// Group accounts whose name, login (which holds the department code or the UAI), key or
// address contain `folded_needle` (FoldForSearch'd), at most `limit`, ordered by login.
Result<std::vector<store::User>> SearchGroups(store::Session& session,
                                              const std::string& folded_needle, size_t limit);

// The 507 for a group with more members than `max` ([scheduling] max_group_members).
Status TooManyMembers(const store::User& group, size_t max);

// DAV:group-member-set (RFC 3744 §4.3) on principals: a group's members. One getter for every
// kind of group principal (proxy groups of delegation add their branch in it).
void AddGroupPrincipalProperties(std::vector<LiveProperty>& table);

}  // namespace cartable::dav::sharing
