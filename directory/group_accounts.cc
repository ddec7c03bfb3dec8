#include "directory/group_accounts.h"

#include <algorithm>
#include <set>

#include "directory/import_vcards.h"

namespace cartable::directory {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return s;
}

// The home a collection of `kind` is mounted in for `login` (dav/target.h HomePath; the
// directory library does not link the DAV engine), "" for kinds that are never shared.
std::string HomeOf(const std::string& kind, const std::string& login) {
  if (kind == store::kKindCalendar) return "/dav/calendars/" + login + "/";
  if (kind == store::kKindAddressbook) return "/dav/addressbooks/" + login + "/";
  return "";
}

// The greatest of two accesses (read-write > read > freebusy), as dav/sharing's Greatest.
int Rank(store::ShareAccess a) {
  switch (a) {
    case store::ShareAccess::kFreeBusy: return 0;
    case store::ShareAccess::kRead: return 1;
    case store::ShareAccess::kReadWrite: return 2;
  }
  return 0;
}

// What the user sees of one collection: the share naming its mount (0: none) and the greatest
// access of the shares that apply (the rule of dav/sharing/sharing_service.h, "Share URLs").
struct View {
  store::Id mount = 0;
  int access = -1;
  bool operator==(const View&) const = default;
};

// One collection shared with the user, before and after their groups changed.
struct CollectionShares {
  const store::Share* colleague = nullptr;         // their accepted colleague share
  std::vector<const store::Share*> before, after;  // group shares that apply (not hidden)

  View Of(const std::vector<const store::Share*>& groups) const {
    View v;
    store::Id lowest = 0;
    for (const store::Share* s : groups) {
      if (lowest == 0 || s->id < lowest) lowest = s->id;
      v.access = std::max(v.access, Rank(s->access));
    }
    if (colleague) v.access = std::max(v.access, Rank(colleague->access));
    v.mount = colleague ? colleague->id : lowest;
    return v;
  }
};

std::string MountEntry(store::Id share_id) { return "partage-" + std::to_string(share_id) + "/"; }

bool Has(const std::vector<std::string>& sorted, const std::string& key) {
  return std::binary_search(sorted.begin(), sorted.end(), key);
}

}  // namespace

std::string DepartmentKey(std::string_view code) {
  return std::string(kDepartmentKeyPrefix) + std::string(code);
}

std::string EstablishmentKey(std::string_view uai) {
  return std::string(kEstablishmentKeyPrefix) + std::string(uai);
}

std::string GroupLogin(std::string_view key) {
  for (std::string_view prefix : {kDepartmentKeyPrefix, kEstablishmentKeyPrefix}) {
    if (key.size() > prefix.size() && key.substr(0, prefix.size()) == prefix) {
      std::string login(prefix.substr(0, prefix.size() - 1));
      return login + "-" + Lower(std::string(key.substr(prefix.size())));
    }
  }
  return "";
}

std::vector<GroupAccount> WantedGroups(const std::vector<store::DirectoryEntry>& entries,
                                       const std::map<std::string, std::string>& department_names) {
  std::map<std::string, GroupAccount> groups;
  for (const store::DirectoryEntry& e : entries) {
    if (!e.active) continue;
    if (!e.departement.empty()) {
      std::string key = DepartmentKey(e.departement);
      if (groups.count(key) == 0) {
        groups[key] = {key, GroupLogin(key), DepartmentGroupName(e.departement, department_names)};
      }
    }
    if (!e.uai.empty()) {
      std::string key = EstablishmentKey(e.uai);
      // The same name as the establishment's group card (DirectoryCards): its first member's.
      if (groups.count(key) == 0) {
        groups[key] = {key, GroupLogin(key), e.etablissement.empty() ? e.uai : e.etablissement};
      }
    }
  }
  std::vector<GroupAccount> out;
  for (auto& [key, g] : groups) out.push_back(std::move(g));
  return out;
}

GroupPlan PlanGroupAccounts(const std::vector<GroupAccount>& wanted,
                            const std::vector<store::User>& users, store::UnixTime now) {
  std::map<std::string, const store::User*> by_key, by_login;
  for (const store::User& u : users) {
    by_login[u.login] = &u;
    if (u.kind == store::UserKind::kGroup) by_key[u.group_key] = &u;
  }
  GroupPlan plan;
  for (const GroupAccount& g : wanted) {
    if (auto it = by_key.find(g.key); it != by_key.end()) {
      if (it->second->display_name != g.name) {
        store::User u = *it->second;
        u.display_name = g.name;
        plan.renames.push_back(std::move(u));
      }
      continue;
    }
    if (by_login.count(g.login) != 0) {
      plan = GroupPlan{};
      plan.error = "the login " + g.login + " of the group " + g.key +
                   " belongs to a person's account; rename that account first";
      return plan;
    }
    store::User u;
    u.login = g.login;
    u.display_name = g.name;
    u.kind = store::UserKind::kGroup;
    u.group_key = g.key;
    u.created_at = now;
    // No password hash: a group account never signs in. No server-side scheduling either: a
    // group has no inbox and no mailto: to answer to, so a meeting in a group agenda is stored
    // as its manager's client wrote it (managers invite from their own calendars).
    u.scheduling = false;
    plan.creates.push_back(std::move(u));
  }
  return plan;
}

Result<size_t> TouchGroupMounts(store::Session& session, const store::User& user,
                                const std::vector<std::string>& before,
                                const std::vector<std::string>& after) {
  if (before == after) return size_t{0};
  std::vector<std::string> keys;
  std::set_union(before.begin(), before.end(), after.begin(), after.end(),
                 std::back_inserter(keys));
  Result<std::vector<store::Share>> shares = session.SharesForSharee(user.id, keys);
  if (!shares.ok()) return shares.status();
  std::map<store::Id, CollectionShares> mounts;  // collection id -> its shares for the user
  for (const store::Share& share : *shares) {
    if (share.status != store::ShareStatus::kAccepted) continue;
    CollectionShares& m = mounts[share.collection_id];
    if (share.sharee_user_id == user.id) {
      m.colleague = &share;
      continue;
    }
    Result<store::ShareMember> member = session.GetShareMember(share.id, user.id);
    if (member.ok() && member->hidden) continue;
    if (!member.ok() && member.status().code() != Status::Code::kNotFound) return member.status();
    if (Has(before, share.sharee_group)) m.before.push_back(&share);
    if (Has(after, share.sharee_group)) m.after.push_back(&share);
  }
  std::set<store::Id> touched;
  for (const auto& [collection_id, m] : mounts) {
    const View was = m.Of(m.before), now = m.Of(m.after);
    if (was == now) continue;  // same mount, same access: nothing for their client to see
    Result<store::Collection> collection = session.GetCollectionById(collection_id);
    if (!collection.ok()) return collection.status();
    if (collection->owner_id == user.id) continue;  // their own collection: never a mount
    const std::string home_path = HomeOf(collection->kind, user.login);
    if (home_path.empty()) continue;
    Result<store::Collection> home = session.GetCollection(home_path);
    if (!home.ok()) {
      if (home.status().code() == Status::Code::kNotFound) continue;
      return home.status();
    }
    if (was.mount != 0 && was.mount != now.mount) {
      if (Result<int64_t> t = session.Touch(home->id, MountEntry(was.mount), true); !t.ok()) {
        return t.status();
      }
    }
    if (now.mount != 0) {  // a new mount, or the same with another access
      if (Result<int64_t> t = session.Touch(home->id, MountEntry(now.mount), false); !t.ok()) {
        return t.status();
      }
    }
    touched.insert(home->id);
  }
  return touched.size();
}

}  // namespace cartable::directory
