// The web agenda's writes of events and tasks (issue 13, /work/design13.md "Calendars"):
//   POST   /api/v1/calendars/{id}/events          EventInput -> 201 {"event": first occurrence}
//   PATCH  /api/v1/calendars/{id}/events/{name}   {"scope": "all"|"one"|"following",
//                                                  "occurrence": RFC 3339 UTC, fields...}
//                                                  -> 200 {"event"} (+ "series" for following)
//   DELETE /api/v1/calendars/{id}/events/{name}?scope=&occurrence=   -> 204
//   GET    /api/v1/calendars/{id}/tasks?status=all|todo|done|overdue -> {"tasks": [...]}
//   POST   /api/v1/calendars/{id}/tasks           {summary, description?, due?, priority?}
//   PATCH  /api/v1/calendars/{id}/tasks/{name}    {fields..., "done": bool}
//   DELETE /api/v1/calendars/{id}/tasks/{name}
// Fields become iCalendar in dav/caldav/ical_edit.h. Every write is a DAV PUT or DELETE of the
// resource (dav/methods/put.cc, delete.cc) run inside the API's transaction: the same privilege
// check as the DAV method table (a read sharee: 403), If-Match (412), validation, quota (507),
// implicit scheduling (invitations to the attendees, RFC 6638), per-user data of sharees, sync
// tokens and the instance cache. Errors: {"error": code, "message": French text} ("field" names
// a bad field of the body).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dav/caldav/ical.h"
#include "dav/context.h"
#include "dav/sharing/access.h"
#include "dav/store/store.h"
#include "server/http/message.h"

namespace cartable::dav::api {

// What the occurrence JSON needs to know about the calendar and the viewer.
struct EventView {
  std::string calendar_id, color;
  bool writable = false;     // the viewer may change the calendar's content
  bool sees_private = true;  // private events are shown whole (else reduced: not editable)
  std::vector<std::string> my_addresses;  // the viewer's calendar user addresses
  // The calendar owner's, when not the viewer (a sharee writes as the owner, RFC 5545 SENT-BY).
  std::vector<std::string> owner_addresses;
};

// One occurrence of the object `object` (its `href` in the viewer's home) as the API shows it.
nlohmann::json OccurrenceJson(const caldav::Occurrence& o, const EventView& view,
                              const store::Object& object, const std::string& etag,
                              const std::string& href);

// Serves the calls above; `id` is the calendar segment, `tail` what follows it ("/events/x.ics").
http::HttpResponse ServeCalendarItems(const DavContext& ctx, const http::HttpRequest& request,
                                      const Principal& principal, const std::string& id,
                                      const std::string& tail);

// A Status of the DAV layer as ApiError (json_response.h) says it to the agenda (its HTTP code; 412
// "changed", 403 "forbidden", ...).
http::HttpResponse CalendarApiError(const Status& s);

// Attendees one event made in the web agenda may have (the free/busy call's bound,
// kMaxFreeBusyAttendees): a meeting beyond this is sent by a mail list, not person by person.
size_t MaxEventAttendees();

}  // namespace cartable::dav::api
