// Sharing a calendar or an address book with colleagues and groups: the one place where shares
// are created, changed, answered and revoked. Both sharing protocols (CalendarServer's CS:share
// and WebDAV resource sharing's DAV:share-resource, dav/sharing/share_post.cc), the JSON API
// (dav/api/sharing_api.cc) and the CLI (group calendars) call these; none writes the shares
// tables itself.
//
// URLs: an accepted share appears in the sharee's home of the same area as
//   /dav/calendars/{sharee}/partage-{share id}/   (calendars)
//   /dav/addressbooks/{sharee}/partage-{share id}/ (address books)
// Names of the form "partage-<digits>" are reserved in homes (MKCOL/MKCALENDAR refuse them), so
// Resolve recognises a mount by its name alone, without a query on other paths.
// Invitations to colleagues are CS notifications stored in the sharee's notification collection
// /dav/calendars/{sharee}/notifications/ as "{invite_uid}.xml".
//
// Every call runs inside the caller's write transaction and records what the sharee's clients
// must see on their next sync: Touch(sharee's home, "partage-{id}/", deleted) when a mount
// appears, changes access or goes away (for a group share: in every member's home that exists).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dav/context.h"
#include "dav/status.h"
#include "dav/store/store.h"

namespace cartable::dav::sharing {

// Whom a collection is shared with.
struct Sharee {
  bool is_group = false;
  store::User user;       // a colleague (is_group false), or the group account (true)
  std::string group_key;  // groups: "departement:37", "etablissement:0370001A"
};

// Reads a sharee as clients and people name one: a login, an e-mail address, "mailto:...", a
// principal URL (absolute or path, /dav/principals/users/{login}/ or /groups/{login}/),
// "departement:37", "etablissement:0370001A", "urn:x-cartable:group:{login}".
// Errors: kNotFound (no such colleague or group; the message names what was given),
// kBadRequest (empty or malformed).
Result<Sharee> ResolveSharee(store::Session& session, std::string_view who);

// "partage-12" for share 12; the share id of a mount name (nullopt for any other name).
std::string MountName(store::Id share_id);
std::optional<store::Id> ParseMountName(std::string_view segment);

// The greatest of two accesses (read-write > read > freebusy).
store::ShareAccess Greatest(store::ShareAccess a, store::ShareAccess b);
// "read", "read-write", "freebusy" (JSON, CLI, logs) and back (nullopt for anything else).
std::string_view AccessName(store::ShareAccess access);
std::optional<store::ShareAccess> ParseAccess(std::string_view name);

// ---- the owner's side ----
// Shares `collection` (a calendar or an address book of the request's principal, who must own
// it) with `sharee` at `access`, or changes the access/summary of an existing share. A new
// colleague share is accepted at once when ctx.options.share_auto_accept, else it is pending and
// an invitation notification is stored for the sharee. A group share is always accepted.
// Errors: kForbidden (not a calendar or an address book; not the owner; sharing with yourself;
// kFreeBusy on an address book; a group calendar's owner group), kConflict when the collection
// reached ctx.options.max_shares_per_collection (507 would hide the cause: 409 with a message).
Result<store::Share> SetShare(const Request& req, const store::Collection& collection,
                              const Sharee& sharee, store::ShareAccess access,
                              const std::string& summary);
// Revokes the share of `collection` with `sharee`: deletes it with its members' settings, their
// per-user data and the invitation notification; the sharee's next sync reports the mount gone.
// kNotFound when there is none.
Status RemoveShare(const Request& req, const store::Collection& collection, const Sharee& sharee);
// Revokes every share of `collection`, which is about to be deleted (DELETE by its owner; the
// caller checked the privilege): pending invitations are withdrawn and each sharee's next sync
// reports their mount gone (the store's cascade alone would leave their sync tokens blind).
// OK when it has none. (Added to the issue-12 contract by "proto".)
Status RevokeAllShares(const Request& req, const store::Collection& collection);

// ---- the sharee's side ----
// Answers an invitation (`invite_uid`, or the share id as text): accept mounts it in the
// principal's home and returns the mount path; decline removes it from their home and deletes
// the notification. kNotFound when the principal has no such invitation.
Result<std::string> ReplyToShare(const Request& req, std::string_view invite_uid, bool accept);
// The principal removes a mounted share from their home (DELETE on the mount): a colleague share
// becomes declined, a group share hidden for them. The owner's collection is untouched.
Status LeaveShare(const Request& req, const store::Share& share);

// ---- listing ----
// A share as one user sees it: accepted (colleague) or not hidden (group), one per collection.
struct MountedShare {
  store::Share share;            // the share the mount URL names (the colleague share if any)
  store::Collection collection;  // the owner's collection
  store::User owner;             // its owner (a person, or a group account)
  store::ShareMember member;     // the user's own settings (defaults when none stored)
  store::ShareAccess access;     // greatest access over every share of the collection for them
  std::string mount_path;        // "/dav/calendars/{login}/partage-{id}/"
};
// The shares mounted in `user`'s home of kind `home_kind` (store::kKindCalendarHome or
// kKindAddressbookHome), ordered by share id. Reads the user's group keys, shares and member
// rows with a fixed number of queries plus one per mounted collection.
Result<std::vector<MountedShare>> SharesInHome(store::Session& session, const store::User& user,
                                               std::string_view home_kind);
// The pending invitations of `user` (colleague shares waiting for an answer).
Result<std::vector<store::Share>> PendingInvitations(store::Session& session,
                                                     const store::User& user);

}  // namespace cartable::dav::sharing
