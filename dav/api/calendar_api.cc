#include "dav/api/calendar_api.h"

#include <nlohmann/json.hpp>

#include "dav/api/collections_api.h"
#include "dav/api/json_response.h"
#include "dav/api/sharing_api.h"
#include "dav/caldav/calendar_collection.h"
#include "dav/caldav/ical.h"
#include "dav/property_registry.h"
#include "dav/sharing/access.h"
#include "dav/sharing/per_user.h"
#include "dav/target.h"
#include "dav/xml.h"
#include "server/http/path.h"

namespace cartable::dav::api {
namespace {

using nlohmann::json;
constexpr std::string_view kPrefix = "/api/v1/calendars";

struct CalendarInfo {
  store::Collection collection;  // the owner's collection
  std::string path;              // its URL in the viewer's home (a share's mount)
  std::string id, name, color;
  std::vector<std::string> components;
  Access access;         // the viewer's on the calendar (Target::access)
  store::Id viewer = 0;  // the viewer's user id (per-user data of sharees)
};

http::HttpResponse ListCalendars(store::Session& s, const OpenedHome& opened) {
  Result<std::vector<ListedCollection>> listed =
      ListCollections(s, opened.user, opened.home, store::kKindCalendar);
  if (!listed.ok()) return JsonError(listed.status());
  json list = json::array();
  for (const ListedCollection& c : *listed) {
    json j = ListedJson(c);
    j["components"] = caldav::ComponentSet(c.collection.settings);
    list.push_back(std::move(j));
  }
  return Json(200, json{{"calendars", list}});
}

json OccurrenceJson(const caldav::Occurrence& o, const CalendarInfo& cal, const std::string& href) {
  json attendees = json::array();
  for (const caldav::Attendee& a : o.attendees) {
    attendees.push_back({{"address", a.address}, {"name", a.name}, {"partstat", a.partstat}});
  }
  return {{"uid", o.uid},
          {"recurrence_id", o.recurrence_id},
          {"component", o.component},
          {"start", IsoUtc(o.start)},
          {"end", IsoUtc(o.end)},
          {"all_day", o.all_day},
          {"summary", o.summary},
          {"location", o.location},
          {"description", o.description},
          {"status", o.status},
          {"organizer", o.organizer},
          {"attendees", attendees},
          {"calendar", cal.id},
          {"color", cal.color},
          {"href", href}};
}

// Events leave through the same read hook as CalDAV's (sharing::CalendarView): private events
// reduced for viewers who may not see them, a sharee's own alarms.
http::HttpResponse ListEvents(store::Session& s, const CalendarInfo& cal,
                              const http::HttpRequest& request) {
  std::string from = http::QueryParam(request.query, "from"),
              to = http::QueryParam(request.query, "to");
  std::optional<caldav::Seconds> start = ParseInstant(from), end = ParseInstant(to);
  if (!start || !end || *end <= *start) {
    return JsonError(400,
                     "give from= and to= as 2026-11-23T00:00:00Z or 2026-11-23, from before to");
  }
  caldav::TimeRange range{*start, *end};
  std::vector<std::pair<caldav::Occurrence, std::string>> all;
  bool truncated = false;
  store::ObjectQuery q{"", *start, *end, true};
  Status st = s.QueryObjects(cal.collection.id, q, [&](const store::Object& o) {
    bool cut = false;
    Result<std::string> seen = sharing::CalendarView(s, cal.access, cal.viewer, o, *o.data);
    if (!seen.ok()) return seen.status();
    auto occ = caldav::ExpandOccurrences(*seen, range, kMaxOccurrences, &cut);
    if (!occ.ok()) return occ.status();
    truncated = truncated || cut;
    for (auto& x : *occ) all.emplace_back(std::move(x), Href(cal.path + o.name));
    return all.size() <= kMaxOccurrences ? Status::OK() : store::StopVisit();
  });
  if (!st.ok()) return JsonError(st);
  std::stable_sort(all.begin(), all.end(),
                   [](const auto& a, const auto& b) { return a.first.start < b.first.start; });
  if (all.size() > kMaxOccurrences) {
    all.resize(kMaxOccurrences);
    truncated = true;
  }
  json events = json::array();
  for (const auto& [o, href] : all) events.push_back(OccurrenceJson(o, cal, href));
  return Json(200, json{{"calendar", cal.id},
                        {"from", IsoUtc(*start)},
                        {"to", IsoUtc(*end)},
                        {"truncated", truncated},
                        {"events", events}});
}

// The calendar `id` of the viewer's home as they may read it: their own, or a share mounted there
// (Resolve gives the owner's collection, ComputeAccess the share's access). 404 for anything
// else; 403 when the share gives free/busy time only (the busy times are in /api/v1/freebusy).
Result<CalendarInfo> ReadableCalendar(store::Session& s, const OpenedHome& opened,
                                      const Principal& principal, const std::string& id) {
  const Status missing = Status::NotFound("no calendar '" + id + "'");
  Result<Target> t = Resolve(s, opened.home.path + id + "/", principal);
  if (!t.ok()) return t.status().code() == Status::Code::kNotFound ? missing : t.status();
  if (t->type != NodeType::kCollection || t->collection.kind != store::kKindCalendar) {
    return missing;
  }
  if (Status st = ComputeAccess(s, *t, principal); !st.ok()) return st;
  if (!t->access.Has(kPrivRead)) {
    if (t->access.Has(kPrivReadFreeBusy)) {
      return Status::Forbidden("calendar '" + id +
                               "' is shared with you for free/busy time only: no events");
    }
    return missing;
  }
  const store::ShareMember* member = t->mount ? &t->mount->member : nullptr;
  return CalendarInfo{t->collection,
                      t->path,
                      id,
                      ShownName(t->collection, member, id),
                      ShownColor(t->collection, member),
                      caldav::ComponentSet(t->collection.settings),
                      t->access,
                      principal.user_id};
}

}  // namespace

http::HttpResponse ServeCalendars(const DavContext& ctx, const http::HttpRequest& request,
                                  const Principal& principal) {
  std::string id, tail;
  SplitApiPath(std::string_view(request.path).substr(std::min(request.path.size(), kPrefix.size())),
               &id, &tail);
  if (!id.empty() && (tail == "/shares" || tail == "/shares/")) {
    return ServeShares(ctx, request, principal, CalendarArea(), id);
  }
  if (auto refused = OnlyGet(request)) return *refused;
  if (!id.empty() && tail != "/events" && tail != "/events/") {
    return JsonError(404, "no such API resource");
  }
  Result<OpenedHome> opened = OpenHome(ctx, principal, CalendarArea(), false);
  if (!opened.ok()) return JsonError(opened.status());
  store::Session& s = ctx.store.ThreadSession();
  if (id.empty()) return ListCalendars(s, *opened);
  Result<CalendarInfo> cal = ReadableCalendar(s, *opened, principal, id);
  if (!cal.ok()) return JsonError(cal.status());
  return ListEvents(s, *cal, request);
}

}  // namespace cartable::dav::api
