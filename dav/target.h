// Request path -> Target: which resource a (decoded) path names, who owns it, what exists.
//
// URL space (all below /dav/):
//   /dav/                                   virtual root
//   /dav/principals/, /dav/principals/users/ virtual principal collections
//   /dav/principals/users/{login}/          a user's principal (login or email accepted)
//   /dav/principals/groups/, /dav/principals/groups/{login}/   group principals
//                                           (dav/sharing/principal_groups.h)
//   /dav/files/, /dav/calendars/, /dav/addressbooks/   virtual parents of the homes
//   /dav/files/{login}/...                   store-backed trees (homes created on first access)
//   /dav/calendars/{login}/..., /dav/addressbooks/{login}/...
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <unordered_set>

#include "dav/context.h"
#include "dav/resource_kind.h"
#include "dav/sharing/access.h"
#include "dav/store/store.h"

namespace cartable::dav {

enum class NodeType {
  kVirtual,     // a fixed collection with no row in the store
  kPrincipal,   // a user principal
  kCollection,  // a store collection
  kObject,      // a store object
  kMissing,     // nothing there (yet): PUT/MKCOL may create it
};

enum class VirtualKind { kRoot, kPrincipals, kPrincipalUsers, kAreaRoot, kPrincipalGroups };

struct Area {
  std::string_view prefix;     // "/dav/files/"
  std::string_view home_kind;  // store::kKindFilesHome
};

// A collection of another user seen inside a sharee's home: an accepted share mounted at
// /dav/{calendars|addressbooks}/{sharee}/partage-{share id}/ (dav/sharing/sharing_service.h).
// The Target's `owner` and `collection` are the sharer's (DAV:owner, scheduling as the owner);
// its `path` is the sharee's URL.
struct Mount {
  store::User home_user;      // whose home the mount is in (the sharee)
  std::string path;           // the mount's own URL path, ending in '/'
  store::Share share;         // the share the URL names
  store::ShareMember member;  // the home user's own settings on it (defaults when none stored)
  // The home user's access: the greatest over their applicable shares of the collection (a
  // colleague share and group shares), not only `share`'s (dav/sharing/mount.h).
  store::ShareAccess access = store::ShareAccess::kRead;
};

struct Target {
  NodeType type = NodeType::kMissing;
  // What the resource is (KindOf: type refined by the collection kind); set by Resolve and the
  // builders below, read by the property, report and method tables.
  ResourceKind kind = ResourceKind::kMissing;
  // Canonical decoded path: collections end with '/', the owner segment is the login.
  std::string path;
  VirtualKind virtual_kind = VirtualKind::kRoot;
  const Area* area = nullptr;        // store-backed area, or nullptr
  std::optional<store::User> owner;  // principal, or owner of the store tree
  store::Collection collection;      // kCollection: itself; kObject/kMissing: the parent
  bool parent_exists = false;        // kObject/kMissing: `collection` is valid
  store::Object object;              // kObject
  std::string name;                  // last segment (kObject/kMissing), no slash
  std::optional<Mount> mount;        // set at and below a share mount
  Access access;                     // filled by ComputeAccess (dav/sharing/access.h)

  bool IsCollectionLike() const {
    return type == NodeType::kVirtual || type == NodeType::kPrincipal ||
           type == NodeType::kCollection;
  }
};

// The canonical home path of `login` in `area` ("/dav/files/jlabert/").
std::string HomePath(const Area& area, const std::string& login);
// A person's principal: /dav/principals/users/{login}/.
std::string PrincipalPath(const std::string& login);
// Any user's principal: persons as above, groups at /dav/principals/groups/{login}/.
std::string PrincipalPath(const store::User& user);

// The shared staff directory: one store collection (store::kDirectoryPath), seen read-only as
// `annuaire/` in every address-book home (/dav/addressbooks/{login}/annuaire/).
inline constexpr std::string_view kDirectoryMount = "annuaire";
std::string DirectoryMountPath(const std::string& login);
bool IsUnderDirectoryMount(const Target& t);
const Area& FilesArea();
const Area& CalendarArea();
const Area& AddressbookArea();

// Whether Resolve also reads an object's body, saving the handler a second read of the same row:
// never, always (GET), or when the object is replaced or deleted by a write whose collection
// type's hooks read it (PUT and DELETE of a calendar object: MemberHooks::write_reads_replaced).
enum class BodyRead { kNo, kYes, kForWrite };

// Resolves `path` (decoded, from HttpRequest::path) and computes `access` for `principal`
// (ComputeAccess). A "partage-N" segment in a calendar or address-book home names a share
// mount (dav/sharing/mount.h): the target is the sharer's collection (owner, collection) at
// the home's URL (path), with `mount` set. Errors: kNotFound for paths outside the URL space or
// naming an unknown user; store errors.
Result<Target> Resolve(store::Session& session, const std::string& path, const Principal& principal,
                       BodyRead body = BodyRead::kNo);

// Remembers homes known to exist, so EnsureHome costs no query on most requests. Homes are
// never deleted, so an entry never goes stale within one store. Thread-safe.
class HomeCache {
 public:
  bool Known(store::Id user, size_t area) const;
  void Add(store::Id user, size_t area);

 private:
  mutable std::mutex mu_;
  std::unordered_set<int64_t> known_;
};

// Creates the principal's home if `path` lies in one of their store-backed trees and the home
// does not exist yet. Runs its own write transaction: call it before opening the request's.
// `cache` (optional) skips the lookup for homes already seen.
Status EnsureHome(store::Session& session, const std::string& path, const Principal& principal,
                  HomeCache* cache = nullptr);
// True when EnsureHome(path) for the user `user_id` needs no store access at all: `path` lies in
// no home area, or `cache` knows the user's home of that area.
bool HomeKnown(const std::string& path, store::Id user_id, const HomeCache* cache);

// The home `home` (HomePath(area, login)) of user `user_id`, created with its default members
// when missing. Runs inside the caller's write transaction (scheduling delivers to colleagues
// who never connected).
Result<store::Collection> GetOrCreateHome(store::Session& session, const Area& area,
                                          store::Id user_id, const std::string& home);

// The target of `user`'s principal (what Resolve gives for PrincipalPath(user.login)).
Target PrincipalTarget(store::User user);

// Builds a child target of a collection target without further store lookups.
Target ChildCollectionTarget(const Target& parent, const store::Collection& child);
Target ChildObjectTarget(const Target& parent, const store::Object& object);

// The door of resource names: the last segment of `path` (decoded), about to be created by PUT,
// MKCOL, MKCALENDAR or as a COPY/MOVE destination, must be UTF-8 without control characters
// (TextRules::kName). Errors: kBadRequest (400) naming the segment's problem: the request
// names something no client can show or type back (hrefs are UTF-8, RFC 3986 §2.5, RFC 4918
// §8.3.1), a defect of the request itself rather than a refused permission (403). Names
// already stored are not checked: they stay readable and deletable.
Status CheckNewResourceName(std::string_view path);

// Shorthands over t.access (ComputeAccess must have run): read, and write of content.
bool CanRead(const Target& t, const Principal& p);
bool CanWrite(const Target& t, const Principal& p);

}  // namespace cartable::dav
