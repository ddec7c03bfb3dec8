// The webmail's JSON API over the contacts of an address book (issue 13, design "Address books
// and contacts"), {id} being an address book of the user's home (ServeAddressbooks):
//   GET    /api/v1/addressbooks/{id}/contacts          {"contacts": [Contact, ...]}
//   POST   /api/v1/addressbooks/{id}/contacts          ContactInput | {"from_directory": login}
//                                                      -> 201 {"contact": Contact}
//   PATCH  /api/v1/addressbooks/{id}/contacts/{name}   changed fields of ContactInput -> 200
//   DELETE /api/v1/addressbooks/{id}/contacts/{name}   -> 204
//   POST   /api/v1/addressbooks/{id}/import            text/vcard, one or many cards ->
//          200 {"imported": n, "updated": n, "rejected": [{"index", "uid", "reason"}]}
//   GET    /api/v1/addressbooks/{id}/export            text/vcard attachment
// Contact: {name, etag, uid, kind ("individual"|"group"), fn, given, family, org, title,
// emails: [{type, value}], phones: [{type, value}], note, members: [uid] (groups), groups: [uid]
// (individuals: the groups of the book they are in)}. Fields as dav/carddav/vcard_edit.h.
//
// Every write goes through the store path of a CardDAV PUT or DELETE (dav/methods PutMember,
// DeleteMember): validation (ValidateCardMember), quota, sync tokens, sharing access; If-Match
// is honoured on PATCH and DELETE. Errors: {"error": code, "message": French text, "field"?}
// with 400 (a bad field, named), 403 (a read-only book or the annuaire), 404, 412, 413, 507.
#pragma once

#include <string>

#include "dav/context.h"
#include "server/http/message.h"

namespace cartable::dav::api {

// Serves `tail` ("/contacts", "/contacts/{name}", "/import", "/export") of the address book
// `book_id` of `principal`'s home. 404 for another tail.
http::HttpResponse ServeContacts(const DavContext& ctx, const http::HttpRequest& request,
                                 const Principal& principal, const std::string& book_id,
                                 const std::string& tail);

// A non-OK Status of the DAV engine as an API error: its HTTP status (and Retry-After), a code
// and a French message for the cases a person meets (403, 404, 409, 412, 413, 507), the
// engine's own text in "detail".
http::HttpResponse CardApiError(const Status& s);

}  // namespace cartable::dav::api
