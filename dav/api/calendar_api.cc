#include "dav/api/calendar_api.h"

#include <nlohmann/json.hpp>

#include "dav/api/collections_api.h"
#include "dav/api/events_api.h"
#include "dav/api/json_response.h"
#include "dav/api/sharing_api.h"
#include "dav/caldav/calendar_collection.h"
#include "dav/caldav/ical.h"
#include "dav/methods/methods.h"
#include "dav/property_registry.h"
#include "dav/scheduling/scheduler.h"
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
  EventView view;        // what the occurrences' JSON says about the viewer
};

http::HttpResponse ListCalendars(store::Session& s, const OpenedHome& opened) {
  Result<std::vector<ListedCollection>> listed =
      ListCollections(s, opened.user, opened.home, store::kKindCalendar);
  if (!listed.ok()) return JsonError(listed.status());
  json list = json::array();
  for (const ListedCollection& c : *listed) {
    json j = ListedJson(c);
    j["components"] = caldav::ComponentSet(c.collection.settings);
    j["writable"] = c.access == "owner" || c.access == "read-write";
    list.push_back(std::move(j));
  }
  return Json(200, json{{"calendars", list}});
}

// Events leave through the same read hook as CalDAV's (sharing::CalendarView): private events
// reduced for viewers who may not see them, a sharee's own alarms.
http::HttpResponse ListEvents(store::Session& s, const CalendarInfo& cal,
                              const http::HttpRequest& request, const EventView& view) {
  std::string from = http::QueryParam(request.query, "from"),
              to = http::QueryParam(request.query, "to");
  std::optional<caldav::Seconds> start = ParseInstant(from), end = ParseInstant(to);
  if (!start || !end || *end <= *start) {
    return JsonError(400,
                     "give from= and to= as 2026-11-23T00:00:00Z or 2026-11-23, from before to");
  }
  caldav::TimeRange range{*start, *end};
  struct Found {
    caldav::Occurrence occurrence;
    std::string name, etag;
  };
  std::vector<Found> all;
  bool truncated = false;
  store::ObjectQuery q{"", *start, *end, true};
  Status st = s.QueryObjects(cal.collection.id, q, [&](const store::Object& o) {
    bool cut = false;
    Result<std::string> seen = sharing::CalendarView(s, cal.access, cal.viewer, o, *o.data);
    if (!seen.ok()) return seen.status();
    auto occ = caldav::ExpandOccurrences(*seen, range, kMaxOccurrences, &cut);
    if (!occ.ok()) return occ.status();
    truncated = truncated || cut;
    if (occ->empty()) return Status::OK();
    Result<std::string> etag = sharing::ViewerEtag(s, cal.access, cal.viewer, o);
    if (!etag.ok()) return etag.status();
    for (auto& x : *occ) all.push_back(Found{std::move(x), o.name, *etag});
    return all.size() <= kMaxOccurrences ? Status::OK() : store::StopVisit();
  });
  if (!st.ok()) return JsonError(st);
  std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
    return a.occurrence.start < b.occurrence.start;
  });
  if (all.size() > kMaxOccurrences) {
    all.resize(kMaxOccurrences);
    truncated = true;
  }
  json events = json::array();
  store::Object object;
  for (const Found& f : all) {
    object.name = f.name;
    events.push_back(OccurrenceJson(f.occurrence, view, object, f.etag, Href(cal.path + f.name)));
  }
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
  CalendarInfo info{t->collection,
                    t->path,
                    id,
                    ShownName(t->collection, member, id),
                    ShownColor(t->collection, member),
                    caldav::ComponentSet(t->collection.settings),
                    t->access,
                    principal.user_id,
                    {}};
  info.view.calendar_id = id;
  info.view.color = info.color;
  info.view.writable = t->access.Has(kPrivWriteContent);
  info.view.sees_private = t->access.sees_private;
  info.view.my_addresses = scheduling::UserAddresses(opened.user);
  if (t->owner && t->owner->id != opened.user.id) {
    info.view.owner_addresses = scheduling::UserAddresses(*t->owner);
  }
  return info;
}

// ---- calendars: create, rename, delete, through MKCALENDAR, PROPPATCH and DELETE ----

// A colour as CalDAV clients write it (Apple calendar-color): #RRGGBB or #RRGGBBAA.
bool ValidColor(const std::string& c) {
  if ((c.size() != 7 && c.size() != 9) || c[0] != '#') return false;
  return std::all_of(c.begin() + 1, c.end(),
                     [](char x) { return std::isxdigit(static_cast<unsigned char>(x)); });
}

// The DAV properties of a calendar's name and colour, for a PROPPATCH or MKCALENDAR body.
std::string SettingsXml(const std::optional<std::string>& name,
                        const std::optional<std::string>& color) {
  std::string x;
  if (name) {
    x += "<D:displayname>";
    AppendEscaped(x, *name);
    x += "</D:displayname>";
  }
  if (color) {
    x += "<A:calendar-color>";
    AppendEscaped(x, *color);
    x += "</A:calendar-color>";
  }
  return x;
}
constexpr std::string_view kXmlns =
    " xmlns:D=\"DAV:\" xmlns:C=\"urn:ietf:params:xml:ns:caldav\""
    " xmlns:A=\"http://apple.com/ns/ical/\"";

// A segment for a new calendar from its name ("Réunions 3e" -> "reunions-3e"), ASCII only.
std::string Slug(const std::string& name) {
  static const std::pair<std::string_view, char> kFold[] = {
      {"à", 'a'}, {"â", 'a'}, {"ä", 'a'}, {"é", 'e'}, {"è", 'e'}, {"ê", 'e'}, {"ë", 'e'},
      {"î", 'i'}, {"ï", 'i'}, {"ô", 'o'}, {"ö", 'o'}, {"ù", 'u'}, {"û", 'u'}, {"ü", 'u'},
      {"ç", 'c'}, {"À", 'a'}, {"É", 'e'}, {"È", 'e'}, {"Ç", 'c'}};
  std::string out;
  for (size_t i = 0; i < name.size() && out.size() < 40;) {
    bool folded = false;
    for (const auto& [from, to] : kFold) {
      if (name.compare(i, from.size(), from) == 0) {
        out.push_back(to);
        i += from.size();
        folded = true;
        break;
      }
    }
    if (folded) continue;
    unsigned char c = static_cast<unsigned char>(name[i++]);
    if (std::isalnum(c) && c < 0x80) {
      out.push_back(static_cast<char>(std::tolower(c)));
    } else if (!out.empty() && out.back() != '-') {
      out.push_back('-');
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  if (out.empty() || out.starts_with("partage") || out == "inbox" || out == "outbox" ||
      out == "notifications") {
    out = "agenda-" + out;
    while (!out.empty() && out.back() == '-') out.pop_back();
  }
  return out;
}

// {"name", "color"?} of a POST or PATCH body; a missing member stays nullopt.
std::optional<http::HttpResponse> ReadSettings(const json& body, bool name_required,
                                               std::optional<std::string>* name,
                                               std::optional<std::string>* color) {
  if (auto n = body.find("name"); n != body.end()) {
    if (!n->is_string() || n->get<std::string>().empty() || n->get<std::string>().size() > 200) {
      return ApiError(400, "bad-field", "«name» : un nom de 1 à 200 caractères est attendu",
                      "name");
    }
    *name = n->get<std::string>();
  } else if (name_required) {
    return ApiError(400, "bad-field", "«name» : le nom est obligatoire", "name");
  }
  if (auto c = body.find("color"); c != body.end() && !c->is_null()) {
    if (!c->is_string() || !ValidColor(c->get<std::string>())) {
      return ApiError(400, "bad-field", "«color» : une couleur #RRVVBB est attendue", "color");
    }
    *color = c->get<std::string>();
  }
  return std::nullopt;
}

// The calendar `id` as listed (ListCollections) after a change, or null.
json ListedCalendar(store::Session& s, const OpenedHome& opened, const std::string& id) {
  Result<std::vector<ListedCollection>> listed =
      ListCollections(s, opened.user, opened.home, store::kKindCalendar);
  if (!listed.ok()) return nullptr;
  for (const ListedCollection& c : *listed) {
    if (c.id != id) continue;
    json j = ListedJson(c);
    j["components"] = caldav::ComponentSet(c.collection.settings);
    j["writable"] = c.access == "owner" || c.access == "read-write";
    return j;
  }
  return nullptr;
}

http::HttpResponse Commit(const DavContext& ctx, OpenedHome& opened, http::HttpResponse r) {
  if (Status st = opened.txn->Commit(); !st.ok()) return CalendarApiError(st);
  if (ctx.mail_committed) ctx.mail_committed();
  return r;
}

// Whether a DAV multistatus answer of a PROPPATCH says every property was set.
bool AllSet(const http::HttpResponse& r) {
  return r.status == 207 && r.body.find("cannot-modify-protected-property") == std::string::npos &&
         r.body.find(" 403 ") == std::string::npos && r.body.find(" 424 ") == std::string::npos &&
         r.body.find(" 409 ") == std::string::npos && r.body.find(" 400 ") == std::string::npos;
}

http::HttpResponse CreateCalendar(const DavContext& ctx, const http::HttpRequest& request,
                                  const Principal& principal) {
  std::optional<json> body = JsonObjectBody(request);
  if (!body) return ApiError(400, "bad-request", "Le corps doit être un objet JSON");
  std::optional<std::string> name, color;
  if (auto bad = ReadSettings(*body, true, &name, &color)) return *bad;
  std::vector<std::string> components = {"VEVENT"};
  if (auto c = body->find("components"); c != body->end() && !c->is_null()) {
    components.clear();
    if (c->is_array()) {
      for (const json& x : *c) {
        if (x.is_string() && (x == "VEVENT" || x == "VTODO") &&
            std::find(components.begin(), components.end(), x.get<std::string>()) ==
                components.end()) {
          components.push_back(x.get<std::string>());
        } else {
          components.clear();
          break;
        }
      }
    }
    if (components.empty()) {
      return ApiError(400, "bad-field",
                      "«components» : [\"VEVENT\"], [\"VTODO\"] ou les deux sont attendus",
                      "components");
    }
  }
  Result<OpenedHome> opened = OpenHome(ctx, principal, CalendarArea(), true);
  if (!opened.ok()) return CalendarApiError(opened.status());
  store::Session& s = ctx.store.ThreadSession();
  std::string base = Slug(*name), id = base;
  Result<Target> t = Status::Internal("");
  for (int n = 2; n < 100; ++n) {
    t = Resolve(s, opened->home.path + id + "/", principal);
    if (!t.ok()) return CalendarApiError(t.status());
    if (t->type == NodeType::kMissing) break;
    id = base + "-" + std::to_string(n);
  }
  if (t->type != NodeType::kMissing) return ApiError(409, "conflict", "Trop d'agendas de ce nom");
  if (!t->access.Has(kPrivBind)) return ApiError(403, "forbidden", "Création refusée");
  http::HttpRequest mk;
  mk.method = "MKCALENDAR";
  mk.path = t->path;
  mk.headers.Set("Content-Type", "application/xml; charset=utf-8");
  mk.body = "<C:mkcalendar" + std::string(kXmlns) + "><D:set><D:prop>" + SettingsXml(name, color) +
            "<C:supported-calendar-component-set>";
  for (const std::string& c : components) mk.body += "<C:comp name=\"" + c + "\"/>";
  mk.body += "</C:supported-calendar-component-set></D:prop></D:set></C:mkcalendar>";
  Request req{mk, principal, s, ctx};
  MethodResult made = HandleMkcalendar(req, *t);
  if (!made.ok()) return CalendarApiError(made.status());
  if (made->status >= 300)
    return ApiError(400, "bad-request", "Agenda refusé : nom ou couleur invalide");
  json listed = ListedCalendar(s, *opened, id);
  return Commit(ctx, *opened, Json(201, json{{"calendar", listed}}));
}

// The calendar `id` of the viewer's home (own, or a mount) for a change of the calendar itself.
Result<Target> HomeCalendar(store::Session& s, const OpenedHome& opened, const Principal& principal,
                            const std::string& id) {
  const Status missing = Status::NotFound("no calendar '" + id + "'");
  Result<Target> t = Resolve(s, opened.home.path + id + "/", principal);
  if (!t.ok()) return t.status().code() == Status::Code::kNotFound ? missing : t.status();
  if (t->type != NodeType::kCollection || t->collection.kind != store::kKindCalendar ||
      !t->access.HasAny(kPrivRead | kPrivReadFreeBusy)) {
    return missing;
  }
  return t;
}

http::HttpResponse PatchCalendar(const DavContext& ctx, const http::HttpRequest& request,
                                 const Principal& principal, const std::string& id) {
  std::optional<json> body = JsonObjectBody(request);
  if (!body) return ApiError(400, "bad-request", "Le corps doit être un objet JSON");
  std::optional<std::string> name, color;
  if (auto bad = ReadSettings(*body, false, &name, &color)) return *bad;
  Result<OpenedHome> opened = OpenHome(ctx, principal, CalendarArea(), true);
  if (!opened.ok()) return CalendarApiError(opened.status());
  store::Session& s = ctx.store.ThreadSession();
  Result<Target> t = HomeCalendar(s, *opened, principal, id);
  if (!t.ok()) return ApiError(404, "not-found", "Aucun agenda « " + id + " »");
  // A sharee's own name and colour of a mount are theirs (dav/sharing/mount_settings.h), as
  // for a PROPPATCH of the mount; the owner's calendar needs write-properties.
  const bool own_mount =
      t->mount && t->path == t->mount->path && t->mount->home_user.id == principal.user_id;
  if (!own_mount && !t->access.Has(kPrivWriteProperties)) {
    return ApiError(403, "forbidden", "Vous ne pouvez pas renommer cet agenda");
  }
  if (name || color) {
    http::HttpRequest pp;
    pp.method = "PROPPATCH";
    pp.path = t->path;
    pp.headers.Set("Content-Type", "application/xml; charset=utf-8");
    pp.body = "<D:propertyupdate" + std::string(kXmlns) + "><D:set><D:prop>" +
              SettingsXml(name, color) + "</D:prop></D:set></D:propertyupdate>";
    Request req{pp, principal, s, ctx};
    MethodResult r = HandleProppatch(req, *t);
    if (!r.ok()) return CalendarApiError(r.status());
    if (!AllSet(*r)) return ApiError(400, "bad-request", "Nom ou couleur refusés");
  }
  json listed = ListedCalendar(s, *opened, id);
  return Commit(ctx, *opened, Json(200, json{{"calendar", listed}}));
}

http::HttpResponse DeleteCalendar(const DavContext& ctx, const http::HttpRequest& request,
                                  const Principal& principal, const std::string& id) {
  Result<OpenedHome> opened = OpenHome(ctx, principal, CalendarArea(), true);
  if (!opened.ok()) return CalendarApiError(opened.status());
  store::Session& s = ctx.store.ThreadSession();
  Result<Target> t = HomeCalendar(s, *opened, principal, id);
  if (!t.ok()) return ApiError(404, "not-found", "Aucun agenda « " + id + " »");
  if (t->mount || !t->owner || t->owner->id != principal.user_id) {
    return ApiError(403, "forbidden",
                    "Seuls vos propres agendas se suppriment ici ; un partage se quitte depuis "
                    "la page Partage");
  }
  // The last calendar of events goes with nothing to put events in: refused (Nextcloud too).
  auto events = [](const store::Collection& c) {
    std::vector<std::string> set = caldav::ComponentSet(c.settings);
    return std::find(set.begin(), set.end(), "VEVENT") != set.end();
  };
  if (events(t->collection)) {
    Result<std::vector<store::Collection>> subs = s.ListChildCollections(opened->home.id);
    if (!subs.ok()) return CalendarApiError(subs.status());
    size_t others = 0;
    for (const store::Collection& c : *subs) {
      if (c.kind == store::kKindCalendar && c.id != t->collection.id && events(c)) ++others;
    }
    if (others == 0) {
      return ApiError(409, "last-calendar", "Vous ne pouvez pas supprimer votre dernier agenda");
    }
  }
  if (!t->access.Has(kPrivUnbind)) return ApiError(403, "forbidden", "Suppression refusée");
  http::HttpRequest del;
  del.method = "DELETE";
  del.path = t->path;
  if (auto m = request.headers.Get("If-Match")) del.headers.Set("If-Match", std::string(*m));
  Request req{del, principal, s, ctx};
  MethodResult r = HandleDelete(req, *t);
  if (!r.ok()) return CalendarApiError(r.status());
  return Commit(ctx, *opened, NoContent());
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
  const bool events_list = (tail == "/events" || tail == "/events/") &&
                           (request.method == "GET" || request.method == "HEAD");
  if (!id.empty() && !events_list && (tail.starts_with("/events") || tail.starts_with("/tasks"))) {
    if (tail.starts_with("/events") && tail.size() > 7 && tail[7] != '/') {
      return JsonError(404, "no such API resource");
    }
    if (tail.starts_with("/tasks") && tail.size() > 6 && tail[6] != '/') {
      return JsonError(404, "no such API resource");
    }
    return ServeCalendarItems(ctx, request, principal, id, tail);
  }
  if (id.empty()) {
    if (auto refused = OnlyMethods(request, {"GET", "POST"})) return *refused;
    if (request.method == "POST") return CreateCalendar(ctx, request, principal);
  } else if (tail.empty() || tail == "/") {
    if (auto refused = OnlyMethods(request, {"PATCH", "DELETE"})) return *refused;
    if (request.method == "PATCH") return PatchCalendar(ctx, request, principal, id);
    return DeleteCalendar(ctx, request, principal, id);
  } else if (!events_list) {
    return JsonError(404, "no such API resource");
  }
  Result<OpenedHome> opened = OpenHome(ctx, principal, CalendarArea(), false);
  if (!opened.ok()) return JsonError(opened.status());
  store::Session& s = ctx.store.ThreadSession();
  if (id.empty()) return ListCalendars(s, *opened);
  Result<CalendarInfo> cal = ReadableCalendar(s, *opened, principal, id);
  if (!cal.ok()) return JsonError(cal.status());
  return ListEvents(s, *cal, request, cal->view);
}

}  // namespace cartable::dav::api
