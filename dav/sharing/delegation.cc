#include "dav/sharing/delegation.h"

#include <algorithm>
#include <set>

#include "dav/multistatus.h"
#include "dav/text_fold.h"
#include "dav/xml.h"
#include "server/http/path.h"

namespace cartable::dav::sharing {
namespace {

constexpr std::string_view kUsersPrefix = "/dav/principals/users/";
constexpr std::string_view kGroupsPrefix = "/dav/principals/groups/";

void WriteHref(XmlWriter& w, const std::string& path) {
  w.TextElement(ns::kDav, "href", Href(path));
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

Status NoColleague(std::string_view href) {
  return Status::Conflict("no colleague has the principal " + std::string(href) +
                          ": delegates are named by their principal URL or mailto: address");
}

// The principal URL of a group account (dav/target.h PrincipalPath(const User&) for groups).
std::string GroupPrincipalPath(const store::User& group) {
  return std::string(kGroupsPrefix) + group.login + "/";
}

// CS:calendar-proxy-read-for / -write-for: the owners whose delegate the principal is.
bool WriteProxyFor(const PropContext& c, XmlWriter& w, store::DelegateAccess access) {
  Result<std::vector<store::Delegate>> of = c.req.session.ListDelegations(c.target.owner->id);
  if (!of.ok()) {
    c.Fail(of.status());
    return false;
  }
  for (const store::Delegate& d : *of) {
    if (d.access != access) continue;
    Result<store::User> owner = c.req.session.GetUserById(d.owner_id);
    if (!owner.ok()) {
      if (owner.status().code() == Status::Code::kNotFound) continue;
      c.Fail(owner.status());
      return false;
    }
    WriteHref(w, PrincipalPath(owner->login));
  }
  return true;
}

bool GetProxyReadFor(const PropContext& c, XmlWriter& w) {
  return WriteProxyFor(c, w, store::DelegateAccess::kRead);
}

bool GetProxyWriteFor(const PropContext& c, XmlWriter& w) {
  return WriteProxyFor(c, w, store::DelegateAccess::kReadWrite);
}

// DAV:group-membership (RFC 3744 §4.4): the groups the principal is a direct member of: the
// proxy groups of the users who made them a delegate, then their department and establishment
// groups (group principals exist for the groups the directory import created).
bool GetGroupMembership(const PropContext& c, XmlWriter& w) {
  store::Session& s = c.req.session;
  Result<std::vector<store::Delegate>> of = s.ListDelegations(c.target.owner->id);
  if (!of.ok()) {
    c.Fail(of.status());
    return false;
  }
  for (const store::Delegate& d : *of) {
    Result<store::User> owner = s.GetUserById(d.owner_id);
    if (!owner.ok()) {
      if (owner.status().code() == Status::Code::kNotFound) continue;
      c.Fail(owner.status());
      return false;
    }
    WriteHref(w, ProxyGroupPath(owner->login, d.access));
  }
  Result<std::vector<std::string>> keys = s.GroupKeysOfUser(c.target.owner->id);
  if (!keys.ok()) {
    c.Fail(keys.status());
    return false;
  }
  for (const std::string& key : *keys) {
    Result<store::User> group = s.GetUserByGroupKey(key);
    if (group.ok()) {
      WriteHref(w, GroupPrincipalPath(*group));
    } else if (group.status().code() != Status::Code::kNotFound) {
      c.Fail(group.status());
      return false;
    }
  }
  return true;
}

// The members a group-member-set update asks for, checked (distinct, in document order).
Result<std::vector<store::User>> RequestedMembers(const Request& req, const Target& t,
                                                  const PropUpdate& u) {
  std::vector<store::User> members;
  if (u.remove) return members;
  std::vector<std::string> hrefs;
  for (pugi::xml_node c : u.element.children()) {
    if (c.type() != pugi::node_element) continue;
    if (!Is(c, ns::kDav, "href")) {
      return Status::BadRequest("DAV:group-member-set holds only DAV:href elements");
    }
    hrefs.push_back(ElementText(c));
  }
  // Bounded before any lookup: a body of ten thousand hrefs costs no query.
  const size_t max = req.ctx.options.max_delegates;
  auto too_many = [&](size_t n) {
    return Status::Conflict("at most " + std::to_string(max) + " delegates are allowed (" +
                            std::to_string(n) + " asked; [sharing] max_delegates)");
  };
  if (hrefs.size() > max) return too_many(hrefs.size());
  std::set<store::Id> seen;
  for (const std::string& href : hrefs) {
    Result<store::User> user = UserOfPrincipalHref(req.session, href);
    if (!user.ok()) return user.status();
    if (user->id == t.owner->id) {
      return Status::Conflict("you cannot be your own delegate (" + std::string(Trim(href)) + ")");
    }
    if (seen.insert(user->id).second) members.push_back(std::move(user.value()));
  }
  // Delegates of the other access stay unless this list takes them over: all count.
  Result<std::vector<store::Delegate>> current = req.session.ListDelegates(t.owner->id);
  if (!current.ok()) return current.status();
  size_t total = members.size();
  for (const store::Delegate& d : *current) {
    if (d.access != ProxyAccessOf(t) && !seen.count(d.delegate_id)) ++total;
  }
  if (total > max) return too_many(total);
  return members;
}

// Makes `members` the owner's delegates of `access`: the others of that access are removed,
// the listed ones put (moved from the other access when they were there).
Status ReplaceDelegates(store::Session& s, const store::User& owner, store::DelegateAccess access,
                        const std::vector<store::User>& members) {
  Result<std::vector<store::Delegate>> current = s.ListDelegates(owner.id);
  if (!current.ok()) return current.status();
  for (const store::Delegate& d : *current) {
    if (d.access != access) continue;
    bool kept = std::any_of(members.begin(), members.end(),
                            [&](const store::User& u) { return u.id == d.delegate_id; });
    if (kept) continue;
    if (Status st = s.DeleteDelegate(owner.id, d.delegate_id); !st.ok()) return st;
  }
  for (const store::User& u : members) {
    store::Delegate d;
    d.owner_id = owner.id;
    d.delegate_id = u.id;
    d.access = access;
    if (Status st = s.PutDelegate(d); !st.ok()) return st;
  }
  return Status::OK();
}

}  // namespace

std::optional<store::DelegateAccess> ParseProxySegment(std::string_view segment) {
  if (segment == kProxyReadSegment) return store::DelegateAccess::kRead;
  if (segment == kProxyWriteSegment) return store::DelegateAccess::kReadWrite;
  return std::nullopt;
}

std::string_view ProxySegment(store::DelegateAccess access) {
  return access == store::DelegateAccess::kRead ? kProxyReadSegment : kProxyWriteSegment;
}

std::string ProxyGroupPath(const std::string& login, store::DelegateAccess access) {
  return PrincipalPath(login) + std::string(ProxySegment(access)) + "/";
}

Target ProxyGroupTarget(store::User owner, store::DelegateAccess access) {
  Target t;
  t.type = NodeType::kPrincipal;
  t.name = std::string(ProxySegment(access));
  t.kind = ResourceKind::kProxyGroup;
  t.path = ProxyGroupPath(owner.login, access);
  t.owner = std::move(owner);
  // Readable by every signed-in user, as principals are (Resolve's ComputeAccess adds the
  // owner's right to change the members).
  t.access.via = AccessVia::kAnyone;
  t.access.privileges = kPrivRead;
  return t;
}

store::DelegateAccess ProxyAccessOf(const Target& t) {
  return ParseProxySegment(t.name).value_or(store::DelegateAccess::kRead);
}

std::string ProxyGroupDisplayName(const Target& t) {
  return "Délégués de " + t.owner->display_name +
         (ProxyAccessOf(t) == store::DelegateAccess::kRead ? " (lecture)"
                                                           : " (lecture et écriture)");
}

Result<store::User> UserOfPrincipalHref(store::Session& session, std::string_view href) {
  std::string_view h = Trim(href);
  if (h.empty()) return Status::Conflict("an empty DAV:href names no colleague");
  Result<store::User> user = Status::NotFound("");
  if (h.size() > 7 && AsciiLower(std::string(h.substr(0, 7))) == "mailto:") {
    user = session.GetUserByEmail(AsciiLower(std::string(h.substr(7))));
  } else {
    std::optional<http::RequestTarget> target = http::ParseRequestTarget(h);
    std::optional<std::string> path =
        target ? http::DecodePath(target->raw_path) : std::optional<std::string>();
    if (!path) return NoColleague(h);
    if (path->rfind(kGroupsPrefix, 0) == 0) {
      return Status::Forbidden("only colleagues can be delegates; " + std::string(h) +
                               " is a group");
    }
    if (path->rfind(kUsersPrefix, 0) != 0) return NoColleague(h);
    std::string segment = path->substr(kUsersPrefix.size());
    if (!segment.empty() && segment.back() == '/') segment.pop_back();
    if (segment.empty() || segment.find('/') != std::string::npos) return NoColleague(h);
    segment = AsciiLower(segment);
    user = segment.find('@') != std::string::npos ? session.GetUserByEmail(segment)
                                                  : session.GetUserByLogin(segment);
  }
  if (!user.ok()) {
    if (user.status().code() == Status::Code::kNotFound) return NoColleague(h);
    return user.status();
  }
  if (user->kind == store::UserKind::kGroup) {
    return Status::Forbidden("only colleagues can be delegates; " + std::string(h) + " is a group");
  }
  return user;
}

bool GetProxyGroupMemberSet(const PropContext& c, XmlWriter& w) {
  Result<std::vector<store::Delegate>> delegates = c.req.session.ListDelegates(c.target.owner->id);
  if (!delegates.ok()) {
    c.Fail(delegates.status());
    return false;
  }
  const store::DelegateAccess access = ProxyAccessOf(c.target);
  for (const store::Delegate& d : *delegates) {
    if (d.access != access) continue;
    Result<store::User> u = c.req.session.GetUserById(d.delegate_id);
    if (!u.ok()) {
      if (u.status().code() == Status::Code::kNotFound) continue;
      c.Fail(u.status());
      return false;
    }
    WriteHref(w, PrincipalPath(u->login));
  }
  return true;
}

void AddDelegationProperties(std::vector<LiveProperty>& table) {
  const std::string d(ns::kDav), cs(ns::kCalendarServer);
  // DAV:group-member-set of proxy groups is served by the one group-member-set row
  // (principal_groups.cc), which calls GetProxyGroupMemberSet.
  table.push_back(
      {.name = {d, "group-membership"}, .applies = kPrincipal, .get = GetGroupMembership});
  table.push_back(
      {.name = {cs, "calendar-proxy-read-for"}, .applies = kPrincipal, .get = GetProxyReadFor});
  table.push_back(
      {.name = {cs, "calendar-proxy-write-for"}, .applies = kPrincipal, .get = GetProxyWriteFor});
}

MethodResult ProppatchProxyGroup(const Request& req, const Target& t,
                                 const std::vector<PropUpdate>& updates) {
  // caldav-cu-proxy §5.2: the proxy groups are the owner's to change (DAV:write-acl is theirs
  // alone, dav/sharing/access.h), whoever may read them.
  if (!t.owner || t.owner->id != req.principal.user_id) {
    return Status::Violates(Precondition::kNeedPrivileges, "you may not PROPPATCH " + t.path);
  }
  std::vector<PropOutcome> outcomes;
  std::optional<std::vector<store::User>> members;
  bool all_ok = true;
  for (const PropUpdate& u : updates) {
    PropOutcome o{NameOf(u.element), 200, Status::OK()};
    if (o.name.Is(ns::kDav, "group-member-set")) {
      Result<std::vector<store::User>> m = RequestedMembers(req, t, u);
      if (!m.ok()) {
        if (m.status().code() == Status::Code::kBadRequest) return m.status();
        if (m.status().code() != Status::Code::kConflict &&
            m.status().code() != Status::Code::kForbidden) {
          return m.status();  // a store error fails the request
        }
        o.code = m.status().HttpCode();
        o.error = m.status();
      } else {
        members = std::move(m.value());  // a later set wins, as for other properties
      }
    } else {
      o.code = 403;
      o.error = Status::Violates(Precondition::kCannotModifyProtectedProperty,
                                 "only DAV:group-member-set can be changed on a proxy group");
    }
    if (o.code != 200) all_ok = false;
    outcomes.push_back(std::move(o));
  }
  if (!all_ok) {
    for (PropOutcome& o : outcomes) {
      if (o.code == 200) o.code = 424;
    }
  } else if (members) {
    if (Status s = ReplaceDelegates(req.session, *t.owner, ProxyAccessOf(t), *members); !s.ok()) {
      return s;
    }
  }
  MultistatusWriter out(req.ctx.options.max_response_bytes);
  out.BeginResponse(Href(t.path));
  WriteOutcomes(outcomes, out.xml());
  out.EndResponse();
  // 207 either way (RFC 4918 §9.2.1); the dispatcher commits only a 2xx answer, and nothing was
  // written when an update was refused.
  return out.Finish();
}

}  // namespace cartable::dav::sharing
