// The webmail's JSON API over sharing (issue 12). Every change goes through the sharing service
// (dav/sharing/sharing_service.h) or the store's delegate calls, never SQL.
//
//   GET    /api/v1/{calendars|addressbooks}/{id}/shares
//          {"shares": [{"with", "name", "group", "access", "status", "summary"}]}
//          "with" is the colleague's login or the group's key ("departement:37").
//   POST   /api/v1/{calendars|addressbooks}/{id}/shares
//          {"with": login | email | "departement:37" | "etablissement:UAI",
//           "access": "read" | "read-write" | "freebusy", "summary": "..." (optional)}
//          201 with the share when new, 200 when an existing share changed.
//   DELETE /api/v1/{calendars|addressbooks}/{id}/shares?with=...        204
//          Owner only: 403 on a share mounted in the caller's home; 404 for an unknown {id},
//          an unknown colleague or group, or no share with them; 400 for a bad body or access;
//          409 beyond [sharing] max_shares_per_collection.
//
//   GET    /api/v1/me/delegates
//          {"delegates": [{"login", "name", "access"}], "delegate_of": [...]}: who manages my
//          calendars, and whose calendars I manage.
//   POST   /api/v1/me/delegates  {"login": login | email, "access": "read" | "read-write"}
//          201 when new, 200 when changed; 404 unknown colleague, 403 a group account, 400 bad
//          body, access or myself, 409 beyond [sharing] max_delegates.
//   DELETE /api/v1/me/delegates?login=...   204; 404 when they are not my delegate.
//
//   GET    /api/v1/me/invitations     colleagues' shares waiting for my answer (when
//          [sharing] auto_accept is off): {"invitations": [{"uid", "type", "name", "owner",
//          "access", "summary", "created_at"}]}
//   POST   /api/v1/me/invitations/{uid}  {"accept": bool}
//          accepted: 200 {"uid", "accepted": true, "id": "partage-12", "url": mount URL};
//          declined: 200 {"uid", "accepted": false}; 404 when no such invitation is mine.
// Errors are JSON {"error": "..."} with the HTTP status.
#pragma once

#include <string>

#include "dav/context.h"
#include "dav/target.h"
#include "server/http/message.h"

namespace cartable::dav::api {

// /api/v1/{calendars|addressbooks}/{id}/shares: `area` is CalendarArea() or AddressbookArea(),
// `id` the collection's segment in the principal's home.
http::HttpResponse ServeShares(const DavContext& ctx, const http::HttpRequest& request,
                               const Principal& principal, const Area& area, const std::string& id);

// /api/v1/me/delegates.
http::HttpResponse ServeDelegates(const DavContext& ctx, const http::HttpRequest& request,
                                  const Principal& principal);

// /api/v1/me/invitations and /api/v1/me/invitations/{uid}.
http::HttpResponse ServeShareInvitations(const DavContext& ctx, const http::HttpRequest& request,
                                         const Principal& principal);

}  // namespace cartable::dav::api
