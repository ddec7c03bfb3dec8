#include "dav/api/calendar_api.h"

#include <nlohmann/json.hpp>

#include "dav/api/json_response.h"
#include "dav/caldav/calendar_collection.h"
#include "dav/caldav/ical.h"
#include "dav/target.h"
#include "dav/xml.h"
#include "server/http/path.h"

namespace cartable::dav::api {
namespace {

using nlohmann::json;
constexpr std::string_view kPrefix = "/api/v1/calendars";

struct CalendarInfo {
  store::Collection collection;
  std::string id, name, color;
  std::vector<std::string> components;
};

CalendarInfo Describe(const store::Collection& c, const std::string& home) {
  CalendarInfo info{c, c.path.substr(home.size(), c.path.size() - home.size() - 1), "", "", {}};
  info.name = c.settings.display_name.value_or("");
  if (info.name.empty()) info.name = info.id;
  info.color = c.settings.color.value_or("");
  info.components = caldav::ComponentSet(c.settings);
  return info;
}

http::HttpResponse ListCalendars(store::Session& s, const store::Collection& home) {
  auto subs = s.ListChildCollections(home.id);
  if (!subs.ok()) return JsonError(subs.status());
  json list = json::array();
  for (const store::Collection& c : *subs) {
    if (c.kind != store::kKindCalendar) continue;
    CalendarInfo info = Describe(c, home.path);
    list.push_back({{"id", info.id},
                    {"href", Href(c.path)},
                    {"name", info.name},
                    {"color", info.color},
                    {"components", info.components}});
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
    auto occ = caldav::ExpandOccurrences(*o.data, range, kMaxOccurrences, &cut);
    if (!occ.ok()) return occ.status();
    truncated = truncated || cut;
    for (auto& x : *occ) all.emplace_back(std::move(x), Href(cal.collection.path + o.name));
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

}  // namespace

http::HttpResponse ServeCalendars(const DavContext& ctx, const http::HttpRequest& request,
                                  const Principal& principal) {
  if (auto refused = OnlyGet(request)) return *refused;
  store::Session& s = ctx.store.ThreadSession();
  std::string home = HomePath(CalendarArea(), principal.login);
  if (Status st = EnsureHome(s, home, principal); !st.ok()) return JsonError(st);
  Result<std::unique_ptr<store::Transaction>> txn = s.Begin(false);
  if (!txn.ok()) return JsonError(txn.status());
  Result<store::Collection> home_coll = s.GetCollection(home);
  if (!home_coll.ok()) return JsonError(home_coll.status());
  std::string rest = request.path.substr(std::min(request.path.size(), kPrefix.size()));
  if (rest.empty() || rest == "/") return ListCalendars(s, *home_coll);
  // /{id}/events
  size_t slash = rest.find('/', 1);
  std::string id = rest.substr(1, slash == std::string::npos ? std::string::npos : slash - 1);
  std::string tail = slash == std::string::npos ? "" : rest.substr(slash);
  if (tail != "/events" && tail != "/events/") return JsonError(404, "no such API resource");
  Result<store::Collection> cal = s.GetCollection(home + id + "/");
  if (!cal.ok() || cal->kind != store::kKindCalendar)
    return JsonError(404, "no calendar '" + id + "'");
  return ListEvents(s, Describe(*cal, home), request);
}

}  // namespace cartable::dav::api
