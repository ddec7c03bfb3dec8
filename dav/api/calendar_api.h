// The webmail's JSON API over agendas:
//   GET /api/v1/calendars                          the user's calendars, own and shared with
//                                                  them (dav/api/collections_api.h), each with
//                                                  its "components"
//   GET /api/v1/calendars/{id}/events?from=&to=    expanded occurrences in [from, to)
//   GET|POST|DELETE /api/v1/calendars/{id}/shares  (dav/api/sharing_api.h)
// {id} is the calendar's segment in /dav/calendars/{login}/{id}/: an own calendar ("agenda") or
// a share mounted there ("partage-12"), read with the viewer's access (a free/busy-only share:
// 403; private events reduced as over DAV). from/to accept RFC 3339 UTC
// ("2026-11-23T00:00:00Z"), a date ("2026-11-23", midnight UTC) or iCalendar UTC form.
// Errors are JSON {"error": "..."} with the HTTP status. JSON is built with nlohmann::json.
#pragma once

#include "dav/context.h"
#include "server/http/message.h"

namespace cartable::dav::api {

// Serves a request whose path starts with /api/v1/calendars for `principal`.
http::HttpResponse ServeCalendars(const DavContext& ctx, const http::HttpRequest& request,
                                  const Principal& principal);

// The most occurrences one events request returns (the answer says "truncated": true beyond).
inline constexpr size_t kMaxOccurrences = 5000;

}  // namespace cartable::dav::api
