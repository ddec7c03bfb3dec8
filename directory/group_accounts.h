// Group accounts (issue 12): one `users` row of kind group per department and per establishment
// of the staff directory, created and renamed by `cartable directory import`. They own the
// establishment and department agendas (`cartable group-calendar`), are the group principals
// (/dav/principals/groups/{login}/) and never sign in (no password, no e-mail).
//
// Names (design of issue 12, "Groups"):
//   key    "departement:37"       "etablissement:0370001A"  (the UAI upper case, as imported)
//   login  "departement-37"       "etablissement-0370001a"
//   name   "DSDEN 37 — Indre-et-Loire" (DepartmentGroupName, as the directory's group card)
//          the establishment's name (its group card's FN: the first active member's
//          etablissement, else the UAI)
// Person logins never hold a hyphen (identity.h), so a group login never takes a person's.
//
// Membership is read from the directory entries (store::Session::GroupKeysOfUser,
// GroupMemberIds): a person belongs to the groups of their active entry. When a re-import
// changes a person's groups, the share mounts in their homes change with it
// (TouchGroupMounts): their next sync-collection on the home reports the mount appearing or
// going away.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "dav/status.h"
#include "dav/store/store.h"

namespace cartable::directory {

inline constexpr std::string_view kDepartmentKeyPrefix = "departement:";
inline constexpr std::string_view kEstablishmentKeyPrefix = "etablissement:";

std::string DepartmentKey(std::string_view code);    // "departement:37"
std::string EstablishmentKey(std::string_view uai);  // "etablissement:0370001A"
// The account login of a group key ("departement:37" -> "departement-37", the establishment's
// UAI in lower case); "" for a string that is not a group key.
std::string GroupLogin(std::string_view group_key);

struct GroupAccount {
  std::string key;
  std::string login;
  std::string name;
};

// Every group the active entries of `entries` name, ordered by key.
std::vector<GroupAccount> WantedGroups(const std::vector<store::DirectoryEntry>& entries,
                                       const std::map<std::string, std::string>& department_names);

// What the import does to the group accounts: accounts to create (kind group, no password, no
// e-mail) and existing ones to rename. Groups no longer named by the directory keep their
// account (it may own calendars). `error` is set (and nothing planned) when a group login is
// held by a person account.
struct GroupPlan {
  std::vector<store::User> creates;
  std::vector<store::User> renames;
  std::string error;
};
GroupPlan PlanGroupAccounts(const std::vector<GroupAccount>& wanted,
                            const std::vector<store::User>& users, store::UnixTime now);

// The mount names ("partage-{share id}/", dav/sharing/sharing_service.h) of `user`'s homes
// that a change of their group keys from `before` to `after` (sorted, as GroupKeysOfUser gives
// them) makes appear, disappear or change access, each Touched in the home of its area (deleted
// for the ones gone), so the user's next sync-collection on the home says so. One mount per
// collection: the user's accepted colleague share when there is one, else the lowest of their
// group shares they did not hide (the rule dav/sharing applies when it lists a home). Homes
// that do not exist yet are skipped (their first listing has everything). Runs in the caller's
// write transaction; returns how many homes were touched.
Result<size_t> TouchGroupMounts(store::Session& session, const store::User& user,
                                const std::vector<std::string>& before,
                                const std::vector<std::string>& after);

}  // namespace cartable::directory
