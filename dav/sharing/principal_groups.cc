#include "dav/sharing/principal_groups.h"

#include <algorithm>

#include "dav/sharing/delegation.h"
#include "dav/text_fold.h"
#include "dav/xml.h"

namespace cartable::dav::sharing {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return out;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.substr(0, prefix.size()) == prefix;
}

// The group account `login` names; kNotFound for a person's login.
Result<store::User> GroupByLogin(store::Session& session, std::string_view login) {
  Result<store::User> user = session.GetUserByLogin(Lower(login));
  if (!user.ok()) return user.status();
  if (user->kind != store::UserKind::kGroup) return Status::NotFound("no such group");
  return user;
}

// "https://host/dav/principals/groups/x/" -> "/dav/principals/groups/x/" (paths unchanged).
std::string_view PathOf(std::string_view address) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (StartsWith(Lower(address.substr(0, scheme.size())), scheme)) {
      size_t slash = address.find('/', scheme.size());
      return slash == std::string_view::npos ? std::string_view() : address.substr(slash);
    }
  }
  return address;
}

bool GetGroupMemberSet(const PropContext& c, XmlWriter& w) {
  // One row serves both kinds of group: delegates of a proxy group (delegation.cc) and the
  // members of a department or establishment.
  if (c.target.kind == ResourceKind::kProxyGroup) return GetProxyGroupMemberSet(c, w);
  // Person principals are no groups (RFC 3744 §4.3: the property of group principals).
  if (!IsGroupPrincipal(c.target)) return false;
  const size_t max = c.req.ctx.options.max_group_members;
  bool over = false;
  Result<std::vector<store::User>> members =
      GroupMembers(c.req.session, *c.target.owner, max, &over);
  if (!members.ok()) {
    c.Fail(members.status());
    return false;
  }
  if (over) {
    c.Fail(TooManyMembers(*c.target.owner, max));
    return false;
  }
  for (const store::User& u : *members) {
    w.TextElement(ns::kDav, "href", Href(PrincipalPath(u.login)));
  }
  return true;
}

}  // namespace

std::string GroupPrincipalPath(std::string_view login) {
  return std::string(kPrincipalsGroups) + std::string(login) + "/";
}

std::string GroupAddress(std::string_view login) {
  return std::string(kGroupAddressPrefix) + std::string(login);
}

bool IsGroupPrincipal(const Target& t) {
  return t.type == NodeType::kPrincipal && t.owner && t.owner->kind == store::UserKind::kGroup;
}

Result<Target> ResolveGroupPrincipal(store::Session& session,
                                     const std::vector<std::string>& segs) {
  if (segs.size() == 2) {
    Target t;
    t.type = NodeType::kVirtual;
    t.virtual_kind = VirtualKind::kPrincipalGroups;
    t.path = std::string(kPrincipalsGroups);
    t.kind = KindOf(t);
    return t;
  }
  if (segs.size() > 3) return Status::NotFound("no such resource below a group principal");
  Result<store::User> group = GroupByLogin(session, segs[2]);
  if (!group.ok()) return group.status();
  return PrincipalTarget(std::move(group.value()));
}

Result<store::User> GroupOfAddress(store::Session& session, std::string_view address) {
  while (!address.empty() && (address.front() == ' ' || address.front() == '\t')) {
    address.remove_prefix(1);
  }
  while (!address.empty() && (address.back() == ' ' || address.back() == '\t')) {
    address.remove_suffix(1);
  }
  const std::string lower = Lower(address);
  if (StartsWith(lower, kGroupAddressPrefix)) {
    return GroupByLogin(session, std::string_view(lower).substr(kGroupAddressPrefix.size()));
  }
  std::string path = Lower(PathOf(address));
  if (StartsWith(path, kPrincipalsGroups)) {
    std::string login = path.substr(kPrincipalsGroups.size());
    if (!login.empty() && login.back() == '/') login.pop_back();
    if (!login.empty() && login.find('/') == std::string::npos) return GroupByLogin(session, login);
  }
  return Status::NotFound("not a group address");
}

Result<std::vector<store::User>> GroupMembers(store::Session& session, const store::User& group,
                                              size_t max, bool* over) {
  *over = false;
  // One more than the bound tells an overflow without reading the whole group.
  Result<std::vector<store::Id>> ids = session.GroupMemberIds(group.group_key, max + 1);
  if (!ids.ok()) return ids.status();
  if (ids->size() > max) {
    *over = true;
    return std::vector<store::User>{};
  }
  std::vector<store::User> members;
  members.reserve(ids->size());
  for (store::Id id : *ids) {
    Result<store::User> u = session.GetUserById(id);
    if (!u.ok()) {
      if (u.status().code() == Status::Code::kNotFound) continue;
      return u.status();
    }
    if (u->state == store::UserState::kActive) members.push_back(std::move(u.value()));
  }
  return members;
}

Result<std::vector<store::User>> GroupsOfUser(store::Session& session, store::Id user_id) {
  Result<std::vector<std::string>> keys = session.GroupKeysOfUser(user_id);
  if (!keys.ok()) return keys.status();
  std::vector<store::User> groups;
  for (const std::string& key : *keys) {
    Result<store::User> g = session.GetUserByGroupKey(key);
    if (g.ok()) {
      groups.push_back(std::move(g.value()));
    } else if (g.status().code() != Status::Code::kNotFound) {
      return g.status();
    }
  }
  return groups;
}

Result<std::vector<store::User>> SearchGroups(store::Session& session,
                                              const std::string& folded_needle, size_t limit) {
  std::vector<store::User> out;
  if (folded_needle.empty()) return out;
  Result<std::vector<store::User>> groups = session.ListGroups();
  if (!groups.ok()) return groups.status();
  for (store::User& g : *groups) {
    if (out.size() == limit) break;
    if (FoldForSearch(g.display_name).find(folded_needle) != std::string::npos ||
        FoldForSearch(g.login).find(folded_needle) != std::string::npos ||
        FoldForSearch(g.group_key).find(folded_needle) != std::string::npos ||
        GroupAddress(g.login).find(folded_needle) != std::string::npos) {
      out.push_back(std::move(g));
    }
  }
  return out;
}

Status TooManyMembers(const store::User& group, size_t max) {
  return Status::Violates(Precondition::kNumberOfMatchesWithinLimits,
                          "the group " + group.login + " has more than " + std::to_string(max) +
                              " members ([scheduling] max_group_members)");
}

void AddGroupPrincipalProperties(std::vector<LiveProperty>& table) {
  table.push_back({.name = {std::string(ns::kDav), "group-member-set"},
                   .applies = kPrincipal | kProxyGroup,
                   .get = GetGroupMemberSet});
}

}  // namespace cartable::dav::sharing
