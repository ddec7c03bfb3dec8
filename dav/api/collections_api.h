// The webmail's JSON listing of a user's calendars and address books: their own, and those of
// colleagues and groups shared with them (issue 12). One entry per collection:
//   {"id": "agenda" | "partage-12",   the segment in the user's home (/dav/calendars/{login}/{id}/)
//    "name", "color",                  the user's own settings on a share, else the owner's
//    "owner": {"login", "name"},       the sharer on a share (a person or a group account)
//    "access": "owner" | "read" | "read-write" | "freebusy",
//    "shared": bool,                   a share mounted here, or an own collection shared with
//                                      someone
//    "url": "/dav/calendars/{login}/{id}/"}   the DAV URL (also "href", as before issue 12)
//   GET /api/v1/addressbooks           {"addressbooks": [...]}, each also with "writable" (the
//                                      user may change its cards), the annuaire last (read-only,
//                                      "directory": true, "owner": null)
//   POST /api/v1/addressbooks {"name"}; PATCH|DELETE /api/v1/addressbooks/{id}
//   /api/v1/addressbooks/{id}/contacts..., /import, /export  (dav/api/contacts_api.h)
//   GET|POST|DELETE /api/v1/addressbooks/{id}/shares   (dav/api/sharing_api.h)
// Errors are JSON {"error": "..."} with the HTTP status.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "dav/context.h"
#include "dav/store/store.h"
#include "dav/target.h"
#include "server/http/message.h"

namespace cartable::dav::api {

struct ListedCollection {
  store::Collection collection;  // the owner's collection
  std::string id;                // segment in the user's home
  std::string name, color;
  store::User owner;
  std::string access;  // "owner", "read", "read-write", "freebusy"
  bool shared = false;
  std::string path;  // the DAV path in the user's home
};

// What every call of the API opens first: the principal's home of `area` (created when missing,
// before the transaction, as EnsureHome requires), a read or write transaction, and the user.
struct OpenedHome {
  std::unique_ptr<store::Transaction> txn;
  store::Collection home;
  store::User user;
};
Result<OpenedHome> OpenHome(const DavContext& ctx, const Principal& principal, const Area& area,
                            bool write);

// The collections of kind `kind` (store::kKindCalendar or kKindAddressbook) in `user`'s home
// `home` of `area`, then the shares mounted there (sharing::SharesInHome), in that order.
// One query for the home's children, one per own collection (its shares) and the service's.
Result<std::vector<ListedCollection>> ListCollections(store::Session& session,
                                                      const store::User& user,
                                                      const store::Collection& home,
                                                      std::string_view kind);

// The listing's JSON object for one collection.
nlohmann::json ListedJson(const ListedCollection& c);

// The name and colour a user sees: their own on a share (`member`, nullable), else the owner's
// settings; the name falls back to `id`.
std::string ShownName(const store::Collection& c, const store::ShareMember* member,
                      const std::string& id);
std::string ShownColor(const store::Collection& c, const store::ShareMember* member);

// Serves a request whose path starts with /api/v1/addressbooks for `principal`.
http::HttpResponse ServeAddressbooks(const DavContext& ctx, const http::HttpRequest& request,
                                     const Principal& principal);

// The address-book and calendar calls of the web application (issue 13), in the principal's
// home of `area`, through what MKCOL, PROPPATCH and DELETE use (CreateCollectionAt,
// ApplyUpdates / sharing::ApplyMountUpdates, CheckDelete + RevokeAllShares):
//   create: {"name"} -> 201 {"addressbook"|"calendar": listing entry}, id a new UUID;
//   rename: {"name"} -> 200 {"id", "name"}; a share mount gets the sharee's own name;
//   delete: -> 204, own collections only (403 for a share or the annuaire; 409
//           {"error": "default-addressbook"} for the default contacts/).
// Errors as contacts_api.h CardApiError (400 names the field "name").
http::HttpResponse CreateCollectionCall(const DavContext& ctx, const http::HttpRequest& request,
                                        const Principal& principal, const Area& area,
                                        std::string_view kind);
http::HttpResponse RenameCollectionCall(const DavContext& ctx, const http::HttpRequest& request,
                                        const Principal& principal, const Area& area,
                                        const std::string& id, std::string_view kind);
http::HttpResponse DeleteCollectionCall(const DavContext& ctx, const Principal& principal,
                                        const Area& area, const std::string& id);

// Splits the part of a path after an API prefix ("/agenda/events") into the collection id
// ("agenda") and the rest ("/events"); id "" for the listing itself ("" or "/").
void SplitApiPath(std::string_view rest, std::string* id, std::string* tail);

}  // namespace cartable::dav::api
