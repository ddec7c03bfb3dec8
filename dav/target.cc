#include "dav/target.h"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "dav/collection_types.h"
#include "dav/sharing/delegation.h"
#include "dav/sharing/mount.h"
#include "dav/sharing/principal_groups.h"
#include "dav/store/store_util.h"
#include "dav/text_check.h"
#include "dav/text_fold.h"

namespace cartable::dav {
namespace {

constexpr std::string_view kDavRoot = "/dav/";
constexpr std::string_view kPrincipalsUsers = "/dav/principals/users/";

const Area kAreas[] = {
    {"/dav/files/", store::kKindFilesHome},
    {"/dav/calendars/", store::kKindCalendarHome},
    {"/dav/addressbooks/", store::kKindAddressbookHome},
};

// A path segment naming a user: the login, or the email address (iOS sends "%40" forms).
Result<store::User> LookupUser(store::Session& session, const std::string& segment) {
  std::string key = AsciiLower(segment);
  if (key.find('@') != std::string::npos) return session.GetUserByEmail(key);
  return session.GetUserByLogin(key);
}

Target Virtual(VirtualKind kind, std::string path, const Area* area = nullptr) {
  Target t;
  t.type = NodeType::kVirtual;
  t.virtual_kind = kind;
  t.path = std::move(path);
  t.area = area;
  t.kind = KindOf(t);
  return t;
}

Result<Target> ResolvePrincipal(store::Session& session, const std::vector<std::string>& segs) {
  if (segs.size() == 1) return Virtual(VirtualKind::kPrincipals, "/dav/principals/");
  if (segs[1] == "groups") return sharing::ResolveGroupPrincipal(session, segs);
  if (segs[1] != "users") return Status::NotFound("no such principal collection");
  if (segs.size() == 2) return Virtual(VirtualKind::kPrincipalUsers, std::string(kPrincipalsUsers));
  if (segs.size() > 4) return Status::NotFound("no such resource below a principal");
  Result<store::User> user = LookupUser(session, segs[2]);
  if (!user.ok()) return user.status();
  if (segs.size() == 4) {
    // The delegates' sub-principals (dav/sharing/delegation.h), for persons only.
    std::optional<store::DelegateAccess> proxy = sharing::ParseProxySegment(segs[3]);
    if (!proxy || user->kind != store::UserKind::kPerson) {
      return Status::NotFound("no such resource below a principal");
    }
    return sharing::ProxyGroupTarget(std::move(user.value()), *proxy);
  }
  return PrincipalTarget(std::move(user.value()));
}

// Resolves the part of a store-backed path below `t.path` (the user-facing base). Lookups use
// `store_base`, the store path that base maps to: the same except below a mount (the shared
// directory seen in every address-book home).
Result<Target> ResolveInTree(store::Session& session, Target t, const std::string& store_base,
                             const std::vector<std::string>& rest, bool trailing_slash,
                             BodyRead body) {
  if (rest.empty()) {
    Result<store::Collection> c = session.GetCollection(store_base);
    if (!c.ok()) return c.status();
    t.type = NodeType::kCollection;
    t.collection = std::move(c.value());
    return t;
  }
  std::string middle;
  for (size_t i = 0; i + 1 < rest.size(); ++i) middle += rest[i] + "/";
  t.name = rest.back();
  std::string user_full = t.path + middle + t.name;
  std::string store_full = store_base + middle + t.name;
  t.type = NodeType::kMissing;
  t.path = trailing_slash ? user_full + "/" : user_full;
  Result<store::Collection> parent = session.GetCollection(store_base + middle);
  if (!parent.ok()) {
    if (parent.status().code() != Status::Code::kNotFound) return parent.status();
    return t;
  }
  t.parent_exists = true;
  t.collection = std::move(parent.value());
  if (!trailing_slash) {
    const bool with_data = body == BodyRead::kYes ||
                           (body == BodyRead::kForWrite &&
                            DescribeCollection(t.collection.kind).hooks.write_reads_replaced);
    Result<store::Object> o = session.GetObject(t.collection.id, t.name, with_data);
    if (o.ok()) {
      t.type = NodeType::kObject;
      t.object = std::move(o.value());
      return t;
    }
    if (o.status().code() != Status::Code::kNotFound) return o.status();
  }
  Result<store::Collection> c = session.GetCollection(store_full + "/");
  if (c.ok()) {
    t.type = NodeType::kCollection;
    t.path = user_full + "/";
    t.collection = std::move(c.value());
    t.parent_exists = false;
    t.name.clear();
    return t;
  }
  if (c.status().code() != Status::Code::kNotFound) return c.status();
  return t;
}

// A mount segment in a calendar or address-book home (`t` is the home's target, `rest` starts
// with the segment): the sharer's collection seen at the home's URL, and whatever `rest` names
// below it. nullopt when the segment mounts nothing there: the path then resolves as any other
// (a missing resource whose name MKCOL refuses, or a collection stored before names were
// reserved).
Result<std::optional<Target>> ResolveMount(store::Session& session, const Target& t,
                                           store::Id share_id, std::vector<std::string> rest,
                                           bool trailing_slash, BodyRead body) {
  Result<std::optional<sharing::MountedShare>> m =
      sharing::FindMount(session, *t.owner, t.area->home_kind, share_id);
  if (!m.ok()) return m.status();
  if (!m->has_value()) return std::optional<Target>();
  Target mount = sharing::MountTarget(t, **m);
  std::string store_base = mount.collection.path;
  rest.erase(rest.begin());
  Result<Target> below =
      ResolveInTree(session, std::move(mount), store_base, rest, trailing_slash, body);
  if (!below.ok()) return below.status();
  return std::optional<Target>(std::move(below.value()));
}

// Creates `home` (and its default members) unless another request just did.
Status CreateHome(store::Session& session, const Area& area, const std::string& home,
                  const Principal& principal) {
  Result<std::unique_ptr<store::Transaction>> txn = session.Begin(true);
  if (!txn.ok()) return txn.status();
  Result<store::Collection> created = GetOrCreateHome(session, area, principal.user_id, home);
  if (!created.ok()) return created.status();
  return (*txn)->Commit();
}

}  // namespace

Result<store::Collection> GetOrCreateHome(store::Session& session, const Area& area,
                                          store::Id user_id, const std::string& home) {
  Result<store::Collection> existing = session.GetCollection(home);
  if (existing.ok() || existing.status().code() != Status::Code::kNotFound) return existing;
  Result<store::Collection> created =
      session.CreateCollection(home, 0, user_id, std::string(area.home_kind));
  if (!created.ok()) return created.status();
  if (auto populate = DescribeCollection(area.home_kind).populate) {
    if (Status s = populate(session, *created); !s.ok()) return s;
  }
  return created;
}

const Area& FilesArea() { return kAreas[0]; }
const Area& CalendarArea() { return kAreas[1]; }
const Area& AddressbookArea() { return kAreas[2]; }

std::string HomePath(const Area& area, const std::string& login) {
  return std::string(area.prefix) + login + "/";
}

std::string DirectoryMountPath(const std::string& login) {
  return HomePath(AddressbookArea(), login) + std::string(kDirectoryMount) + "/";
}

bool IsUnderDirectoryMount(const Target& t) {
  return t.owner && t.path.compare(0, DirectoryMountPath(t.owner->login).size(),
                                   DirectoryMountPath(t.owner->login)) == 0;
}

std::string PrincipalPath(const std::string& login) {
  return std::string(kPrincipalsUsers) + login + "/";
}

std::string PrincipalPath(const store::User& user) {
  if (user.kind == store::UserKind::kGroup) return sharing::GroupPrincipalPath(user.login);
  return PrincipalPath(user.login);
}

namespace {

// Resolve without the access.
Result<Target> ResolvePath(store::Session& session, const std::string& path, BodyRead body) {
  std::string p = path == "/dav" ? std::string(kDavRoot) : path;
  if (p.compare(0, kDavRoot.size(), kDavRoot) != 0) return Status::NotFound("outside /dav/");
  bool trailing_slash = p.back() == '/';
  std::vector<std::string> segs =
      store::SplitNonEmpty(std::string_view(p).substr(kDavRoot.size()), '/');
  if (segs.empty()) return Virtual(VirtualKind::kRoot, std::string(kDavRoot));
  if (segs[0] == "principals") return ResolvePrincipal(session, segs);
  const Area* area = nullptr;
  for (const Area& a : kAreas) {
    if (a.prefix.substr(kDavRoot.size(), a.prefix.size() - kDavRoot.size() - 1) == segs[0]) {
      area = &a;
    }
  }
  if (area == nullptr) return Status::NotFound("no such resource");
  if (segs.size() == 1) return Virtual(VirtualKind::kAreaRoot, std::string(area->prefix), area);
  Result<store::User> user = LookupUser(session, segs[1]);
  if (!user.ok()) return user.status();
  Target t;
  t.area = area;
  t.path = HomePath(*area, user->login);
  t.owner = std::move(user.value());
  std::vector<std::string> rest(segs.begin() + 2, segs.end());
  std::string store_base = t.path;
  std::optional<Target> mounted;
  if (area == &AddressbookArea() && !rest.empty() && rest.front() == kDirectoryMount) {
    t.path += std::string(kDirectoryMount) + "/";
    store_base = store::kDirectoryPath;
    rest.erase(rest.begin());
  } else if (std::optional<store::Id> share_id = rest.empty() || area == &FilesArea()
                                                     ? std::nullopt
                                                     : sharing::ParseMountName(rest.front())) {
    Result<std::optional<Target>> m =
        ResolveMount(session, t, *share_id, rest, trailing_slash, body);
    if (!m.ok()) return m.status();
    mounted = std::move(m.value());
  }
  Result<Target> resolved =
      mounted ? Result<Target>(std::move(*mounted))
              : ResolveInTree(session, std::move(t), store_base, rest, trailing_slash, body);
  if (resolved.ok()) resolved->kind = KindOf(*resolved);
  return resolved;
}

}  // namespace

Result<Target> Resolve(store::Session& session, const std::string& path, const Principal& principal,
                       BodyRead body) {
  Result<Target> t = ResolvePath(session, path, body);
  if (!t.ok()) return t;
  if (Status s = ComputeAccess(session, *t, principal); !s.ok()) return s;
  return t;
}

Target PrincipalTarget(store::User user) {
  Target t;
  t.type = NodeType::kPrincipal;
  t.kind = ResourceKind::kPrincipal;
  t.path = PrincipalPath(user);
  t.owner = std::move(user);
  // Principals are readable by every signed-in user (access.h), whoever asks.
  t.access.via = AccessVia::kAnyone;
  t.access.privileges = kPrivRead;
  return t;
}

Target ChildCollectionTarget(const Target& parent, const store::Collection& child) {
  Target t;
  t.type = NodeType::kCollection;
  t.kind = CollectionKind(child.kind);
  // Below a mount the store path is the sharer's: the child keeps the sharee's URL.
  t.path = parent.mount &&
                   child.path.compare(0, parent.collection.path.size(), parent.collection.path) == 0
               ? parent.path + child.path.substr(parent.collection.path.size())
               : child.path;
  t.area = parent.area;
  t.owner = parent.owner;
  t.collection = child;
  t.mount = parent.mount;
  t.access = parent.access;
  // As ComputeAccess: a delegate has nothing in the owner's invitations.
  if (t.access.via == AccessVia::kDelegate && child.kind == store::kKindNotifications) {
    t.access = Access{};
  }
  return t;
}

Target ChildObjectTarget(const Target& parent, const store::Object& object) {
  Target t;
  t.type = NodeType::kObject;
  t.kind = MemberKind(parent.collection.kind);
  t.path = parent.path + object.name;
  t.area = parent.area;
  t.owner = parent.owner;
  t.collection = parent.collection;
  t.parent_exists = true;
  t.object = object;
  t.name = object.name;
  t.mount = parent.mount;
  t.access = parent.access;
  return t;
}

bool CanRead(const Target& t, const Principal&) { return t.access.Has(kPrivRead); }

bool CanWrite(const Target& t, const Principal&) {
  if (t.type == NodeType::kVirtual || t.type == NodeType::kPrincipal) return false;
  return t.access.Has(kPrivWriteContent);
}

}  // namespace cartable::dav

namespace cartable::dav {

bool HomeCache::Known(store::Id user, size_t area) const {
  std::lock_guard<std::mutex> lock(mu_);
  return known_.count(user * 8 + static_cast<int64_t>(area)) > 0;
}

void HomeCache::Add(store::Id user, size_t area) {
  std::lock_guard<std::mutex> lock(mu_);
  known_.insert(user * 8 + static_cast<int64_t>(area));
}

Status EnsureHome(store::Session& session, const std::string& path, const Principal& principal,
                  HomeCache* cache) {
  for (size_t i = 0; i < std::size(kAreas); ++i) {
    const Area& area = kAreas[i];
    if (path.compare(0, area.prefix.size(), area.prefix) != 0) continue;
    if (cache != nullptr && cache->Known(principal.user_id, i)) return Status::OK();
    std::string_view rest = std::string_view(path).substr(area.prefix.size());
    std::string segment = AsciiLower(rest.substr(0, rest.find('/')));
    if (segment != principal.login && segment != AsciiLower(principal.email)) return Status::OK();
    std::string home = HomePath(area, principal.login);
    Result<store::Collection> c = session.GetCollection(home);
    if (!c.ok()) {
      if (c.status().code() != Status::Code::kNotFound) return c.status();
      if (Status s = CreateHome(session, area, home, principal); !s.ok()) return s;
    }
    if (cache != nullptr) cache->Add(principal.user_id, i);
    return Status::OK();
  }
  return Status::OK();
}

bool HomeKnown(const std::string& path, store::Id user_id, const HomeCache* cache) {
  for (size_t i = 0; i < std::size(kAreas); ++i) {
    if (path.compare(0, kAreas[i].prefix.size(), kAreas[i].prefix) != 0) continue;
    return cache != nullptr && cache->Known(user_id, i);
  }
  return true;
}

Status CheckNewResourceName(std::string_view path) {
  std::string_view name = path;
  if (!name.empty() && name.back() == '/') name.remove_suffix(1);
  name.remove_prefix(name.rfind('/') == std::string_view::npos ? 0 : name.rfind('/') + 1);
  std::optional<TextFault> fault = FindTextFault(name, TextRules::kName);
  if (!fault) return Status::OK();
  char what[64];
  if (fault->invalid_utf8) {
    std::snprintf(what, sizeof what, "byte 0x%02X is not UTF-8",
                  static_cast<unsigned>(fault->value));
  } else {
    std::snprintf(what, sizeof what, "it holds the control character U+%04X",
                  static_cast<unsigned>(fault->value));
  }
  return Status::BadRequest(std::string("invalid resource name: ") + what +
                            " (names are UTF-8 text without control characters)");
}

}  // namespace cartable::dav
