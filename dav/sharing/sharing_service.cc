#include "dav/sharing/sharing_service.h"

#include <algorithm>
#include <charconv>
#include <functional>
#include <map>
#include <random>

#include "dav/sharing/notification.h"
#include "dav/target.h"
#include "dav/text_fold.h"
#include "server/http/path.h"

namespace cartable::dav::sharing {
namespace {

using Code = Status::Code;

constexpr std::string_view kMountPrefix = "partage-";
constexpr std::string_view kGroupUrn = "urn:x-cartable:group:";
constexpr std::string_view kUsersPrincipals = "/dav/principals/users/";
constexpr std::string_view kGroupsPrincipals = "/dav/principals/groups/";
// Sharees are named by people and clients: longer text is no address and is refused before any
// lookup (it would also be echoed in the error message).
constexpr size_t kMaxShareeText = 320;
// The members of one group whose homes record a change of a group share. Membership comes from
// the imported directory, not from the request; the bound only keeps the query finite.
constexpr size_t kMaxGroupMembersTouched = 1000000;

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && AsciiLower(s.substr(0, prefix.size())) == prefix;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) {
    s.remove_prefix(1);
  }
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

std::string AsciiUpper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

Sharee FromUser(store::User user) {
  Sharee s;
  if (user.kind == store::UserKind::kGroup) {
    s.is_group = true;
    s.group_key = user.group_key;
  }
  s.user = std::move(user);
  return s;
}

// A lookup's answer as a sharee: kNotFound names what was given.
Result<Sharee> Found(Result<store::User> user, std::string_view who, bool group_only = false) {
  if (user.ok() && (!group_only || user->kind == store::UserKind::kGroup)) {
    return FromUser(std::move(user.value()));
  }
  if (user.ok() || user.status().code() == Code::kNotFound) {
    return Status::NotFound("no colleague or group is named \"" + std::string(who) + "\"");
  }
  return user.status();
}

// "/dav/principals/users/{login}/" or ".../groups/{login}/" (decoded) -> the user.
Result<Sharee> FromPrincipalPath(store::Session& session, const std::string& path,
                                 std::string_view who) {
  for (std::string_view prefix : {kUsersPrincipals, kGroupsPrincipals}) {
    if (path.compare(0, prefix.size(), prefix) != 0) continue;
    std::string_view rest = std::string_view(path).substr(prefix.size());
    if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
    if (rest.empty() || rest.find('/') != std::string_view::npos) break;
    std::string key = AsciiLower(rest);
    if (prefix == kGroupsPrincipals) return Found(session.GetUserByLogin(key), who, true);
    if (key.find('@') != std::string::npos) return Found(session.GetUserByEmail(key), who);
    return Found(session.GetUserByLogin(key), who);
  }
  return Status::NotFound("\"" + std::string(who) + "\" is not a principal of this server");
}

const Area* AreaOf(const store::Collection& c) {
  if (c.kind == store::kKindCalendar) return &CalendarArea();
  if (c.kind == store::kKindAddressbook) return &AddressbookArea();
  return nullptr;
}

std::string NewInviteUid() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) out.push_back('-');
    out.push_back(kHex[rng() & 15]);
  }
  return out;
}

bool Applies(const store::Share& s, store::Id user, const std::vector<std::string>& keys) {
  if (s.sharee_user_id != 0) return s.sharee_user_id == user;
  return std::find(keys.begin(), keys.end(), s.sharee_group) != keys.end();
}

// What one user sees of one collection: the share whose id names the mount (0: no mount) and
// the greatest access of the shares that apply (sharing_service.h: "Share URLs").
struct View {
  store::Id mount = 0;
  store::ShareAccess access = store::ShareAccess::kRead;
  bool operator==(const View&) const = default;
};

using HiddenFn = std::function<Result<bool>(store::Id share_id)>;

Result<View> ViewOf(const std::vector<store::Share>& shares, store::Id user,
                    const std::vector<std::string>& keys, const HiddenFn& hidden) {
  View v;
  store::Id colleague = 0, group = 0;
  bool any = false;
  for (const store::Share& s : shares) {
    if (!Applies(s, user, keys) || s.status != store::ShareStatus::kAccepted) continue;
    if (s.sharee_user_id != 0) {
      colleague = s.id;
    } else {
      Result<bool> h = hidden(s.id);
      if (!h.ok()) return h.status();
      if (*h) continue;
      if (group == 0 || s.id < group) group = s.id;
    }
    v.access = any ? Greatest(v.access, s.access) : s.access;
    any = true;
  }
  v.mount = colleague != 0 ? colleague : group;
  return v;
}

// Records what every user a change reaches sees of one collection before the change; Finish
// compares with what they see afterwards and Touches their home with the mount's name: a new
// or changed mount as changed, a mount gone (or renamed) as deleted, so the sharee's next
// sync-collection on their home reports it (RFC 6578 §3.5).
class MountTouch {
 public:
  MountTouch(store::Session& session, const store::Collection& collection)
      : session_(session), collection_(collection), area_(AreaOf(collection)) {}

  // Before the change: the users `share` reaches (its colleague, or every member of its group).
  Status Add(const store::Share& share) {
    if (share.sharee_user_id != 0) return AddUser(share.sharee_user_id);
    Result<std::vector<store::Id>> ids =
        session_.GroupMemberIds(share.sharee_group, kMaxGroupMembersTouched);
    if (!ids.ok()) return ids.status();
    for (store::Id id : *ids) {
      if (Status s = AddUser(id); !s.ok()) return s;
    }
    return Status::OK();
  }

  Status AddUser(store::Id user) {
    if (user == collection_.owner_id || before_.count(user) > 0) return Status::OK();
    if (!loaded_) {
      Result<std::vector<store::Share>> shares = session_.ListShares(collection_.id);
      if (!shares.ok()) return shares.status();
      before_shares_ = std::move(shares.value());
      loaded_ = true;
    }
    Result<View> v = Compute(user, before_shares_);
    if (!v.ok()) return v.status();
    before_[user] = *v;
    return Status::OK();
  }

  // After the change. `gone(user)` is called for each user who no longer sees the collection.
  Status Finish(const std::function<Status(store::Id)>& gone = nullptr) {
    Result<std::vector<store::Share>> shares = session_.ListShares(collection_.id);
    if (!shares.ok()) return shares.status();
    for (const auto& [user, before] : before_) {
      Result<View> after = Compute(user, *shares);
      if (!after.ok()) return after.status();
      after_[user] = *after;
      if (after->mount == 0 && gone) {
        if (Status s = gone(user); !s.ok()) return s;
      }
      if (*after == before) continue;
      if (before.mount != 0 && before.mount != after->mount) {
        if (Status s = TouchHome(user, before.mount, true); !s.ok()) return s;
      }
      if (after->mount != 0) {
        if (Status s = TouchHome(user, after->mount, false); !s.ok()) return s;
      }
    }
    return Status::OK();
  }

  // The mount of `user` after Finish (0: none).
  store::Id MountAfter(store::Id user) const {
    auto it = after_.find(user);
    return it == after_.end() ? 0 : it->second.mount;
  }

 private:
  Result<View> Compute(store::Id user, const std::vector<store::Share>& shares) {
    auto k = keys_.find(user);
    if (k == keys_.end()) {
      Result<std::vector<std::string>> keys = session_.GroupKeysOfUser(user);
      if (!keys.ok()) return keys.status();
      k = keys_.emplace(user, std::move(keys.value())).first;
    }
    return ViewOf(shares, user, k->second, [&](store::Id share_id) -> Result<bool> {
      Result<store::ShareMember> m = session_.GetShareMember(share_id, user);
      if (m.ok()) return m->hidden;
      if (m.status().code() == Code::kNotFound) return false;
      return m.status();
    });
  }

  Status TouchHome(store::Id user_id, store::Id share_id, bool deleted) {
    Result<store::User> user = session_.GetUserById(user_id);
    if (!user.ok()) return user.status();
    Result<store::Collection> home = session_.GetCollection(HomePath(*area_, user->login));
    if (!home.ok()) {
      // A home that does not exist yet lists the mount when it is created.
      return home.status().code() == Code::kNotFound ? Status::OK() : home.status();
    }
    Result<int64_t> seq = session_.Touch(home->id, MountName(share_id) + "/", deleted);
    return seq.ok() ? Status::OK() : seq.status();
  }

  store::Session& session_;
  const store::Collection& collection_;
  const Area* area_;
  bool loaded_ = false;
  std::vector<store::Share> before_shares_;
  std::map<store::Id, View> before_;
  std::map<store::Id, View> after_;
  std::map<store::Id, std::vector<std::string>> keys_;
};

// The owner's checks common to SetShare and RemoveShare.
Status CheckOwner(const Request& req, const store::Collection& collection) {
  if (AreaOf(collection) == nullptr) {
    return Status::Forbidden("only calendars and address books can be shared");
  }
  if (collection.owner_id != req.principal.user_id) {
    return Status::Forbidden("only the owner of " + collection.path + " may share it");
  }
  return Status::OK();
}

std::optional<store::Share> FindShareOf(const std::vector<store::Share>& shares,
                                        const Sharee& sharee) {
  for (const store::Share& s : shares) {
    if (sharee.is_group ? s.sharee_group == sharee.group_key : s.sharee_user_id == sharee.user.id) {
      return s;
    }
  }
  return std::nullopt;
}

// Forgets a former sharee's alarms and transparency on the collection's objects.
Status PurgePerUserData(store::Session& session, store::Id collection_id, store::Id user) {
  std::vector<store::Id> objects;
  Status s = session.ForEachPerUserData(collection_id, user, [&](const store::PerUserData& d) {
    objects.push_back(d.object_id);
    return Status::OK();
  });
  if (!s.ok()) return s;
  for (store::Id id : objects) {
    if (Status d = session.DeletePerUserData(id, user); !d.ok()) return d;
  }
  return Status::OK();
}

Result<store::Share> FindInvitation(store::Session& session, std::string_view invite_uid) {
  Result<store::Share> share = session.FindShareByInvite(std::string(invite_uid));
  if (share.ok() || share.status().code() != Code::kNotFound) return share;
  if (std::optional<store::Id> id =
          ParseMountName(std::string(kMountPrefix) + std::string(invite_uid))) {
    return session.GetShare(*id);
  }
  return share;
}

}  // namespace

Result<Sharee> ResolveSharee(store::Session& session, std::string_view who_in) {
  const std::string_view who = Trim(who_in);
  if (who.empty()) return Status::BadRequest("the sharee is empty");
  if (who.size() > kMaxShareeText) {
    return Status::BadRequest("the sharee is not an address (more than " +
                              std::to_string(kMaxShareeText) + " bytes)");
  }
  if (StartsWithNoCase(who, "mailto:")) {
    std::string email = AsciiLower(Trim(who.substr(7)));
    if (email.empty()) return Status::BadRequest("the sharee's mailto: address is empty");
    return Found(session.GetUserByEmail(email), who);
  }
  if (StartsWithNoCase(who, kGroupUrn)) {
    std::string login = AsciiLower(who.substr(kGroupUrn.size()));
    if (login.empty()) return Status::BadRequest("the group address names no group");
    return Found(session.GetUserByLogin(login), who, true);
  }
  for (std::string_view kind : {"departement:", "etablissement:"}) {
    if (!StartsWithNoCase(who, kind)) continue;
    std::string_view code = Trim(who.substr(kind.size()));
    if (code.empty()) return Status::BadRequest("the group key has no code: " + std::string(who));
    // Keys as the import writes them: department codes and UAIs upper case ("2A", "0370001A").
    std::string key = std::string(kind) + AsciiUpper(code);
    Result<store::User> group = session.GetUserByGroupKey(key);
    if (!group.ok() && group.status().code() == Code::kNotFound) {
      group = session.GetUserByGroupKey(std::string(kind) + std::string(code));
    }
    return Found(std::move(group), who, true);
  }
  if (StartsWithNoCase(who, "http://") || StartsWithNoCase(who, "https://") || who.front() == '/') {
    std::string raw(who);
    if (who.front() != '/') {
      std::optional<http::RequestTarget> target = http::ParseRequestTarget(who);
      if (!target) return Status::BadRequest("malformed principal URL: " + std::string(who));
      raw = target->raw_path;
    }
    std::optional<std::string> path = http::DecodePath(raw);
    if (!path) return Status::BadRequest("malformed principal URL: " + std::string(who));
    return FromPrincipalPath(session, *path, who);
  }
  if (who.find_first_of(" \t/:") != std::string_view::npos) {
    return Status::BadRequest("\"" + std::string(who) +
                              "\" is neither a login, an address nor a group");
  }
  std::string key = AsciiLower(who);
  if (key.find('@') != std::string::npos) return Found(session.GetUserByEmail(key), who);
  return Found(session.GetUserByLogin(key), who);
}

std::string MountName(store::Id share_id) {
  return std::string(kMountPrefix) + std::to_string(share_id);
}

std::optional<store::Id> ParseMountName(std::string_view segment) {
  if (segment.size() <= kMountPrefix.size() ||
      segment.substr(0, kMountPrefix.size()) != kMountPrefix) {
    return std::nullopt;
  }
  std::string_view digits = segment.substr(kMountPrefix.size());
  // One spelling per share: no sign, no leading zero, within an Id.
  if (digits.size() > 18 || digits.front() == '0') return std::nullopt;
  store::Id id = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
  if (ec != std::errc() || end != digits.data() + digits.size() || id <= 0) return std::nullopt;
  return id;
}

store::ShareAccess Greatest(store::ShareAccess a, store::ShareAccess b) {
  auto rank = [](store::ShareAccess x) {
    switch (x) {
      case store::ShareAccess::kFreeBusy: return 0;
      case store::ShareAccess::kRead: return 1;
      case store::ShareAccess::kReadWrite: return 2;
    }
    return 0;
  };
  return rank(a) >= rank(b) ? a : b;
}

std::string_view AccessName(store::ShareAccess access) {
  switch (access) {
    case store::ShareAccess::kRead: return "read";
    case store::ShareAccess::kReadWrite: return "read-write";
    case store::ShareAccess::kFreeBusy: return "freebusy";
  }
  return "read";
}

std::optional<store::ShareAccess> ParseAccess(std::string_view name) {
  if (name == "read") return store::ShareAccess::kRead;
  if (name == "read-write") return store::ShareAccess::kReadWrite;
  if (name == "freebusy") return store::ShareAccess::kFreeBusy;
  return std::nullopt;
}

Result<store::Share> SetShare(const Request& req, const store::Collection& collection,
                              const Sharee& sharee, store::ShareAccess access,
                              const std::string& summary) {
  if (Status s = CheckOwner(req, collection); !s.ok()) return s;
  if (sharee.is_group && sharee.group_key.empty()) {
    return Status::BadRequest("the group has no group key");
  }
  if (!sharee.is_group && sharee.user.id == collection.owner_id) {
    return Status::Forbidden("you cannot share a collection with yourself");
  }
  if (!sharee.is_group && sharee.user.kind == store::UserKind::kGroup) {
    return Status::Forbidden("a group account is shared with as a group (" + sharee.user.group_key +
                             "), not as a colleague");
  }
  if (access == store::ShareAccess::kFreeBusy && collection.kind == store::kKindAddressbook) {
    return Status::Forbidden("free/busy access exists for calendars only");
  }
  store::Session& session = req.session;
  Result<std::vector<store::Share>> shares = session.ListShares(collection.id);
  if (!shares.ok()) return shares.status();
  Result<store::User> owner = session.GetUserById(collection.owner_id);
  if (!owner.ok()) return owner.status();
  const store::ShareStatus fresh = sharee.is_group || req.ctx.options.share_auto_accept
                                       ? store::ShareStatus::kAccepted
                                       : store::ShareStatus::kPending;
  MountTouch touch(session, collection);
  store::Share share;
  if (std::optional<store::Share> existing = FindShareOf(*shares, sharee)) {
    share = *existing;
    if (Status s = touch.Add(share); !s.ok()) return s;
    share.access = access;
    share.summary = summary;
    // A declined colleague is invited again (CalendarServer sends a new invitation).
    if (share.status == store::ShareStatus::kDeclined) share.status = fresh;
    if (Status s = session.UpdateShare(share); !s.ok()) return s;
  } else {
    if (shares->size() >= req.ctx.options.max_shares_per_collection) {
      return Status::Conflict(collection.path + " is already shared " +
                              std::to_string(shares->size()) +
                              " times: the limit is [sharing] max_shares_per_collection = " +
                              std::to_string(req.ctx.options.max_shares_per_collection));
    }
    share.collection_id = collection.id;
    share.sharee_user_id = sharee.is_group ? 0 : sharee.user.id;
    share.sharee_group = sharee.is_group ? sharee.group_key : "";
    share.access = access;
    share.status = fresh;
    share.summary = summary;
    share.invite_uid = NewInviteUid();
    if (Status s = touch.Add(share); !s.ok()) return s;
    Result<store::Id> id = session.CreateShare(share);
    if (!id.ok()) return id.status();
    share.id = *id;
  }
  if (!sharee.is_group) {
    // The invitation shows the current access; once answered there is nothing to show.
    Status s = share.status == store::ShareStatus::kPending
                   ? PutInvite(req, share, sharee.user, *owner, collection)
                   : DeleteInvite(session, share, sharee.user);
    if (!s.ok()) return s;
  }
  if (Status s = touch.Finish(); !s.ok()) return s;
  return session.GetShare(share.id);
}

Status RemoveShare(const Request& req, const store::Collection& collection, const Sharee& sharee) {
  if (Status s = CheckOwner(req, collection); !s.ok()) return s;
  store::Session& session = req.session;
  Result<std::vector<store::Share>> shares = session.ListShares(collection.id);
  if (!shares.ok()) return shares.status();
  std::optional<store::Share> share = FindShareOf(*shares, sharee);
  if (!share) {
    return Status::NotFound(collection.path + " is not shared with " +
                            (sharee.is_group ? sharee.group_key : sharee.user.login));
  }
  MountTouch touch(session, collection);
  if (Status s = touch.Add(*share); !s.ok()) return s;
  if (!sharee.is_group) {
    if (Status s = DeleteInvite(session, *share, sharee.user); !s.ok()) return s;
  }
  if (Status s = session.DeleteShare(share->id); !s.ok()) return s;
  const bool calendar = collection.kind == store::kKindCalendar;
  return touch.Finish([&](store::Id user) {
    return calendar ? PurgePerUserData(session, collection.id, user) : Status::OK();
  });
}

Status RevokeAllShares(const Request& req, const store::Collection& collection) {
  if (AreaOf(collection) == nullptr) return Status::OK();
  store::Session& session = req.session;
  Result<std::vector<store::Share>> shares = session.ListShares(collection.id);
  if (!shares.ok()) return shares.status();
  if (shares->empty()) return Status::OK();
  MountTouch touch(session, collection);
  for (const store::Share& share : *shares) {
    if (Status s = touch.Add(share); !s.ok()) return s;
  }
  for (const store::Share& share : *shares) {
    if (share.sharee_user_id != 0 && share.status == store::ShareStatus::kPending) {
      Result<store::User> sharee = session.GetUserById(share.sharee_user_id);
      if (!sharee.ok()) return sharee.status();
      if (Status s = DeleteInvite(session, share, *sharee); !s.ok()) return s;
    }
    if (Status s = session.DeleteShare(share.id); !s.ok()) return s;
  }
  return touch.Finish();
}

Result<std::string> ReplyToShare(const Request& req, std::string_view invite_uid, bool accept) {
  store::Session& session = req.session;
  const Status none =
      Status::NotFound("you have no invitation \"" + std::string(invite_uid.substr(0, 100)) + "\"");
  Result<store::Share> found = FindInvitation(session, invite_uid);
  if (!found.ok()) return found.status().code() == Code::kNotFound ? none : found.status();
  store::Share share = std::move(found.value());
  const store::Id me = req.principal.user_id;
  if (share.sharee_user_id != 0 && share.sharee_user_id != me) return none;
  if (share.sharee_user_id == 0) {
    Result<std::vector<std::string>> keys = session.GroupKeysOfUser(me);
    if (!keys.ok()) return keys.status();
    if (std::find(keys->begin(), keys->end(), share.sharee_group) == keys->end()) return none;
  }
  Result<store::Collection> collection = session.GetCollectionById(share.collection_id);
  if (!collection.ok()) return collection.status();
  if (collection->owner_id == me) return none;
  Result<store::User> user = session.GetUserById(me);
  if (!user.ok()) return user.status();
  MountTouch touch(session, *collection);
  if (Status s = touch.AddUser(me); !s.ok()) return s;
  if (share.sharee_user_id != 0) {
    share.status = accept ? store::ShareStatus::kAccepted : store::ShareStatus::kDeclined;
    if (Status s = session.UpdateShare(share); !s.ok()) return s;
    if (Status s = DeleteInvite(session, share, *user); !s.ok()) return s;
  } else {
    // A group share is always accepted; a member's answer shows or hides it in their home.
    Result<store::ShareMember> member = session.GetShareMember(share.id, me);
    store::ShareMember row;
    if (member.ok()) {
      row = member.value();
    } else if (member.status().code() != Code::kNotFound) {
      return member.status();
    }
    row.share_id = share.id;
    row.user_id = me;
    row.hidden = !accept;
    if (Status s = session.PutShareMember(row); !s.ok()) return s;
  }
  if (Status s = touch.Finish(); !s.ok()) return s;
  if (!accept) return std::string();
  const store::Id mount = touch.MountAfter(me);
  if (mount == 0) return Status::Internal("the accepted share is not mounted");
  return HomePath(*AreaOf(*collection), user->login) + MountName(mount) + "/";
}

Status LeaveShare(const Request& req, const store::Share& mounted) {
  store::Session& session = req.session;
  const store::Id me = req.principal.user_id;
  Result<store::Collection> collection = session.GetCollectionById(mounted.collection_id);
  if (!collection.ok()) return collection.status();
  Result<store::User> user = session.GetUserById(me);
  if (!user.ok()) return user.status();
  Result<std::vector<std::string>> keys = session.GroupKeysOfUser(me);
  if (!keys.ok()) return keys.status();
  Result<std::vector<store::Share>> shares = session.ListShares(collection->id);
  if (!shares.ok()) return shares.status();
  MountTouch touch(session, *collection);
  if (Status s = touch.AddUser(me); !s.ok()) return s;
  // Every share of the collection that reaches the user goes, or the mount would come back
  // under the name of another one (a colleague share and a group share of the same calendar).
  bool any = false;
  for (store::Share s : *shares) {
    if (!Applies(s, me, *keys)) continue;
    any = true;
    if (s.sharee_user_id != 0) {
      if (s.status == store::ShareStatus::kDeclined) continue;
      s.status = store::ShareStatus::kDeclined;
      if (Status u = session.UpdateShare(s); !u.ok()) return u;
      if (Status d = DeleteInvite(session, s, *user); !d.ok()) return d;
      continue;
    }
    Result<store::ShareMember> member = session.GetShareMember(s.id, me);
    store::ShareMember row;
    if (member.ok()) {
      row = member.value();
    } else if (member.status().code() != Code::kNotFound) {
      return member.status();
    }
    row.share_id = s.id;
    row.user_id = me;
    row.hidden = true;
    if (Status p = session.PutShareMember(row); !p.ok()) return p;
  }
  if (!any) return Status::NotFound("this collection is not shared with you");
  return touch.Finish();
}

Result<std::vector<MountedShare>> SharesInHome(store::Session& session, const store::User& user,
                                               std::string_view home_kind) {
  std::vector<MountedShare> out;
  std::string_view kind;
  const Area* area = nullptr;
  if (home_kind == store::kKindCalendarHome) {
    kind = store::kKindCalendar;
    area = &CalendarArea();
  } else if (home_kind == store::kKindAddressbookHome) {
    kind = store::kKindAddressbook;
    area = &AddressbookArea();
  } else {
    return out;
  }
  Result<std::vector<std::string>> keys = session.GroupKeysOfUser(user.id);
  if (!keys.ok()) return keys.status();
  Result<std::vector<store::Share>> shares = session.SharesForSharee(user.id, *keys);
  if (!shares.ok()) return shares.status();
  if (shares->empty()) return out;
  Result<std::vector<store::ShareMember>> rows = session.ListShareMembers(user.id);
  if (!rows.ok()) return rows.status();
  std::map<store::Id, store::ShareMember> members;
  for (store::ShareMember& m : *rows) members[m.share_id] = std::move(m);
  std::map<store::Id, std::vector<store::Share>> by_collection;
  for (store::Share& s : *shares) by_collection[s.collection_id].push_back(std::move(s));
  std::map<store::Id, store::User> owners;
  const HiddenFn hidden = [&](store::Id share_id) -> Result<bool> {
    auto it = members.find(share_id);
    return it != members.end() && it->second.hidden;
  };
  for (const auto& [collection_id, list] : by_collection) {
    Result<View> view = ViewOf(list, user.id, *keys, hidden);
    if (!view.ok()) return view.status();
    if (view->mount == 0) continue;
    Result<store::Collection> collection = session.GetCollectionById(collection_id);
    if (!collection.ok()) {
      if (collection.status().code() == Code::kNotFound) continue;
      return collection.status();
    }
    if (collection->kind != kind || collection->owner_id == user.id) continue;
    auto owner = owners.find(collection->owner_id);
    if (owner == owners.end()) {
      Result<store::User> u = session.GetUserById(collection->owner_id);
      if (!u.ok()) return u.status();
      owner = owners.emplace(collection->owner_id, std::move(u.value())).first;
    }
    MountedShare m;
    for (const store::Share& s : list) {
      if (s.id == view->mount) m.share = s;
    }
    m.collection = std::move(collection.value());
    m.owner = owner->second;
    if (auto it = members.find(view->mount); it != members.end()) {
      m.member = it->second;
    } else {
      m.member.share_id = view->mount;
      m.member.user_id = user.id;
    }
    m.access = view->access;
    m.mount_path = HomePath(*area, user.login) + MountName(view->mount) + "/";
    out.push_back(std::move(m));
  }
  std::sort(out.begin(), out.end(),
            [](const MountedShare& a, const MountedShare& b) { return a.share.id < b.share.id; });
  return out;
}

Result<std::vector<store::Share>> PendingInvitations(store::Session& session,
                                                     const store::User& user) {
  Result<std::vector<store::Share>> shares = session.SharesForSharee(user.id, {});
  if (!shares.ok()) return shares.status();
  std::vector<store::Share> out;
  for (store::Share& s : *shares) {
    if (s.sharee_user_id == user.id && s.status == store::ShareStatus::kPending) {
      out.push_back(std::move(s));
    }
  }
  return out;
}

}  // namespace cartable::dav::sharing
