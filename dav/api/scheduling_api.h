// The webmail's JSON API over invitations and colleagues' availability:
//   GET  /api/v1/invitations                 pending invitations (the user has not answered)
//   POST /api/v1/invitations/{id}/reply      {"answer": "accepted"|"declined"|"tentative",
//                                             "occurrence": "2026-12-08T16:00:00Z" (optional)}
//   POST /api/v1/freebusy                    {"attendees": [email or login, ...],
//                                             "from": "...", "to": "..."}
// {id} is "{calendar}/{name}" of the user's copy (/dav/calendars/{login}/{calendar}/{name}). A
// reply goes through the same scheduling path as a client's PUT of the copy. Times are RFC 3339
// UTC. Errors are JSON {"error": "..."} with the HTTP status.
#pragma once

#include "dav/context.h"
#include "server/http/message.h"

namespace cartable::dav::api {

// Serves /api/v1/invitations...
http::HttpResponse ServeInvitations(const DavContext& ctx, const http::HttpRequest& request,
                                    const Principal& principal);

// Serves /api/v1/freebusy.
http::HttpResponse ServeFreeBusy(const DavContext& ctx, const http::HttpRequest& request,
                                 const Principal& principal);

// At most this much time in one free/busy request.
inline constexpr int64_t kMaxFreeBusySpan = 366 * 86400;
inline constexpr size_t kMaxFreeBusyAttendees = 50;

}  // namespace cartable::dav::api
