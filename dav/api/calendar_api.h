// The webmail's JSON API over agendas:
//   GET /api/v1/calendars                          the user's calendars
//   GET /api/v1/calendars/{id}/events?from=&to=    expanded occurrences in [from, to)
// {id} is the calendar's segment in /dav/calendars/{login}/{id}/. from/to accept RFC 3339 UTC
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
