#include "dav/api/events_api.h"

#include <algorithm>
#include <chrono>
#include <random>

#include "dav/api/calendar_api.h"
#include "dav/api/collections_api.h"
#include "dav/api/json_response.h"
#include "dav/api/scheduling_api.h"
#include "dav/caldav/ical_edit.h"
#include "dav/caldav/itip.h"
#include "dav/methods/methods.h"
#include "dav/property_registry.h"
#include "dav/scheduling/scheduler.h"
#include "dav/sharing/mount.h"
#include "dav/sharing/per_user.h"
#include "dav/target.h"
#include "server/http/path.h"

namespace cartable::dav::api {
namespace {

using nlohmann::json;

// ---- errors ----

std::string CodeFor(int http) {
  switch (http) {
    case 400: return "bad-request";
    case 403: return "forbidden";
    case 404: return "not-found";
    case 405: return "method-not-allowed";
    case 409: return "conflict";
    case 412: return "changed";
    case 413: return "too-large";
    case 507: return "insufficient-storage";
    default: return http >= 500 ? "server-error" : "error";
  }
}

std::string FrenchFor(int http) {
  switch (http) {
    case 400: return "Requête invalide";
    case 403: return "Vous n'avez pas le droit de modifier cet agenda";
    case 404: return "Introuvable";
    case 409: return "Conflit avec l'état actuel de l'agenda";
    case 412: return "L'élément a été modifié entre-temps : rechargez-le";
    case 413: return "Trop volumineux";
    case 507: return "Quota dépassé : plus de place pour cet agenda";
    default: return "Erreur du serveur";
  }
}

// A field of the body that is not what the call takes.
struct FieldError {
  std::string field, message;
};

// ---- the calendar and the DAV methods ----

int64_t Now(const DavContext& ctx) { return std::chrono::system_clock::to_time_t(ctx.clock()); }

std::string NewUid() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  uint64_t a = rng(), b = rng();
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xfff),
                static_cast<unsigned>(0x8000 | ((b >> 48) & 0x3fff)),
                static_cast<unsigned long long>(b & 0xffffffffffffull));
  return buf;
}

// The calendar `id` of the viewer's home for a write of its content: 404 when they cannot see
// it (as for reads), 403 when they may only read it.
Result<Target> WritableCalendar(store::Session& s, const OpenedHome& opened,
                                const Principal& principal, const std::string& id) {
  const Status missing = Status::NotFound("no calendar '" + id + "'");
  if (id.empty() || id.find("..") != std::string::npos) return missing;
  Result<Target> t = Resolve(s, opened.home.path + id + "/", principal);
  if (!t.ok()) return t.status().code() == Status::Code::kNotFound ? missing : t.status();
  if (t->type != NodeType::kCollection || t->collection.kind != store::kKindCalendar) {
    return missing;
  }
  if (!t->access.HasAny(kPrivRead | kPrivReadFreeBusy)) return missing;
  return t;
}

struct DavCall {
  http::HttpRequest http;
  Target target;
};

// Resolves `path` for a DAV `method` with the privilege the method table gives it
// (dav_handler.cc: PUT needs write-content, or bind for a new resource; DELETE unbind).
Result<DavCall> PrepareDav(store::Session& s, const Principal& principal, const std::string& method,
                           const std::string& path, BodyRead body) {
  DavCall call;
  call.http.method = method;
  call.http.path = path;
  call.http.target = path;
  Result<Target> t = Resolve(s, path, principal, body);
  if (!t.ok()) return t.status();
  call.target = std::move(t.value());
  const Target& tg = call.target;
  bool allowed = tg.type == NodeType::kMissing
                     ? tg.access.Has(kPrivBind)
                     : tg.access.Has(method == "PUT" ? kPrivWriteContent : kPrivUnbind);
  if (!allowed) return Denied(tg, method);
  if (tg.type == NodeType::kMissing) {
    if (Status st = CheckNewResourceName(tg.path); !st.ok()) return st;
    if (Status st = sharing::CheckReservedName(tg); !st.ok()) return st;
  }
  return call;
}

// A PUT of `ics` at `path`, as a CalDAV client's (dav/methods/put.cc): If-Match `if_match`
// ("" = none), or If-None-Match: * for a new resource.
Status Put(const DavContext& ctx, store::Session& s, const Principal& principal,
           const std::string& path, const std::string& ics, const std::string& if_match,
           bool create) {
  Result<DavCall> call = PrepareDav(s, principal, "PUT", path, BodyRead::kForWrite);
  if (!call.ok()) return call.status();
  call->http.headers.Set("Content-Type", "text/calendar; charset=utf-8");
  if (!if_match.empty()) call->http.headers.Set("If-Match", if_match);
  if (create) call->http.headers.Set("If-None-Match", "*");
  call->http.body = ics;
  Request req{call->http, principal, s, ctx};
  MethodResult r = HandlePut(req, call->target);
  return r.ok() ? Status::OK() : r.status();
}

Status Delete(const DavContext& ctx, store::Session& s, const Principal& principal,
              const std::string& path, const std::string& if_match) {
  Result<DavCall> call = PrepareDav(s, principal, "DELETE", path, BodyRead::kNo);
  if (!call.ok()) return call.status();
  if (call->target.type != NodeType::kObject) return Status::NotFound("no such event");
  if (!if_match.empty()) call->http.headers.Set("If-Match", if_match);
  Request req{call->http, principal, s, ctx};
  MethodResult r = HandleDelete(req, call->target);
  return r.ok() ? Status::OK() : r.status();
}

// The stored object `name` of `cal` as the viewer sees it (per-user data, privacy), and its
// ETag for them.
struct Seen {
  store::Object object;
  std::string data, etag;
};
Result<Seen> ReadSeen(store::Session& s, const Target& cal, const Principal& principal,
                      const std::string& name) {
  Result<store::Object> o = s.GetObject(cal.collection.id, name, true);
  if (!o.ok()) return o.status();
  Result<std::string> data = sharing::CalendarView(s, cal.access, principal.user_id, *o, *o->data);
  if (!data.ok()) return data.status();
  Result<std::string> etag = sharing::ViewerEtag(s, cal.access, principal.user_id, *o);
  if (!etag.ok()) return etag.status();
  return Seen{std::move(o.value()), std::move(data.value()), std::move(etag.value())};
}

EventView ViewOf(const Target& cal, const store::User& me, const std::string& id) {
  EventView v;
  v.calendar_id = id;
  const store::ShareMember* member = cal.mount ? &cal.mount->member : nullptr;
  v.color = ShownColor(cal.collection, member);
  v.writable = cal.access.Has(kPrivWriteContent);
  v.sees_private = cal.access.sees_private;
  v.my_addresses = scheduling::UserAddresses(me);
  if (cal.owner && cal.owner->id != me.id) {
    for (std::string& a : scheduling::UserAddresses(*cal.owner)) v.owner_addresses.push_back(a);
  }
  return v;
}

// ---- JSON bodies ----

std::optional<FieldError> ReadString(const json& body, const char* name,
                                     std::optional<std::string>* out) {
  auto it = body.find(name);
  if (it == body.end()) return std::nullopt;
  if (it->is_null()) {
    *out = std::string();
    return std::nullopt;
  }
  if (!it->is_string()) return FieldError{name, "une chaîne de caractères est attendue"};
  *out = it->get<std::string>();
  return std::nullopt;
}

std::optional<FieldError> ReadBool(const json& body, const char* name, std::optional<bool>* out) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_boolean()) return FieldError{name, "true ou false est attendu"};
  *out = it->get<bool>();
  return std::nullopt;
}

std::optional<FieldError> ReadTime(const json& body, const char* name,
                                   std::optional<caldav::TimeValue>* out) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::nullopt;
  std::optional<caldav::TimeValue> v =
      it->is_string() ? caldav::ParseTimeValue(it->get<std::string>()) : std::nullopt;
  if (!v) {
    return FieldError{name,
                      "date attendue : 2026-12-07, 2026-12-07T15:30:00 ou 2026-12-07T14:30:00Z"};
  }
  *out = v;
  return std::nullopt;
}

std::optional<FieldError> ReadRule(const json& r, caldav::RecurrenceRule* rule) {
  if (!r.is_object()) return FieldError{"rrule", "un objet ou null est attendu"};
  auto freq = r.find("freq");
  if (freq == r.end() || !freq->is_string()) return FieldError{"rrule.freq", "obligatoire"};
  rule->freq = freq->get<std::string>();
  if (auto i = r.find("interval"); i != r.end() && !i->is_null()) {
    if (!i->is_number_integer()) return FieldError{"rrule.interval", "un entier est attendu"};
    rule->interval = static_cast<int>(std::clamp<int64_t>(i->get<int64_t>(), -1, 1 << 20));
  }
  if (auto d = r.find("byday"); d != r.end() && !d->is_null()) {
    if (!d->is_array() || d->size() > 7) {
      return FieldError{"rrule.byday", "une liste de jours (MO, TU, ...) est attendue"};
    }
    for (const json& x : *d) {
      if (!x.is_string()) return FieldError{"rrule.byday", "une liste de jours est attendue"};
      rule->byday.push_back(x.get<std::string>());
    }
  }
  if (auto u = r.find("until"); u != r.end() && !u->is_null()) {
    if (!u->is_string()) return FieldError{"rrule.until", "une date AAAA-MM-JJ est attendue"};
    rule->until = u->get<std::string>();
  }
  if (auto c = r.find("count"); c != r.end() && !c->is_null()) {
    if (!c->is_number_integer()) return FieldError{"rrule.count", "un entier est attendu"};
    rule->count = static_cast<int>(std::clamp<int64_t>(c->get<int64_t>(), -1, 1 << 20));
  }
  return std::nullopt;
}

std::optional<FieldError> ReadEventFields(const json& body, caldav::EventFields* f) {
  for (auto [name, field] : {std::pair{"summary", &f->summary},
                             {"location", &f->location},
                             {"description", &f->description},
                             {"timezone", &f->timezone},
                             {"class", &f->klass}}) {
    if (auto e = ReadString(body, name, field)) return e;
  }
  if (f->klass && f->klass->empty()) f->klass.reset();
  if (f->timezone && f->timezone->empty()) f->timezone.reset();
  if (auto e = ReadTime(body, "start", &f->start)) return e;
  if (auto e = ReadTime(body, "end", &f->end)) return e;
  if (auto e = ReadBool(body, "all_day", &f->all_day)) return e;
  if (auto e = ReadBool(body, "transparent", &f->transparent)) return e;
  if (auto d = body.find("duration_minutes"); d != body.end() && !d->is_null()) {
    if (!d->is_number_integer()) return FieldError{"duration_minutes", "un entier est attendu"};
    f->duration_minutes = d->get<int64_t>();
  }
  if (auto a = body.find("alarms"); a != body.end()) {
    std::vector<int> alarms;
    if (!a->is_null()) {
      if (!a->is_array()) return FieldError{"alarms", "une liste de minutes est attendue"};
      if (a->size() > caldav::kMaxAlarms) {
        return FieldError{"alarms", std::to_string(caldav::kMaxAlarms) + " rappels au plus"};
      }
      for (const json& m : *a) {
        if (!m.is_number_integer()) return FieldError{"alarms", "des minutes sont attendues"};
        alarms.push_back(static_cast<int>(std::clamp<int64_t>(m.get<int64_t>(), -1, 1 << 30)));
      }
    }
    f->alarms = std::move(alarms);
  }
  if (auto r = body.find("rrule"); r != body.end()) {
    if (r->is_null()) {
      f->rrule = std::optional<caldav::RecurrenceRule>();
    } else {
      caldav::RecurrenceRule rule;
      if (auto e = ReadRule(*r, &rule)) return e;
      f->rrule = rule;
    }
  }
  if (auto a = body.find("attendees"); a != body.end()) {
    std::vector<caldav::Party> list;
    if (!a->is_null()) {
      if (!a->is_array()) return FieldError{"attendees", "une liste est attendue"};
      if (a->size() > MaxEventAttendees()) {
        return FieldError{"attendees",
                          std::to_string(MaxEventAttendees()) + " participants au plus"};
      }
      for (const json& x : *a) {
        caldav::Party p;
        if (x.is_string()) {
          p.address = x.get<std::string>();
        } else if (x.is_object() && x.contains("address") && x["address"].is_string()) {
          p.address = x["address"].get<std::string>();
          p.name = StringMember(x, "name");
        } else {
          return FieldError{"attendees", "chaque participant a une adresse (« address »)"};
        }
        list.push_back(std::move(p));
      }
    }
    f->attendees = std::move(list);
  }
  return std::nullopt;
}

http::HttpResponse FieldProblem(const FieldError& e) {
  return ApiError(400, "bad-field", "«" + e.field + "» : " + e.message, e.field);
}

// A Status from ical_edit (its message names the field) or the DAV layer.
http::HttpResponse EditProblem(const Status& st, const std::string& field) {
  if (!field.empty()) return ApiError(400, "bad-field", st.message(), field);
  return CalendarApiError(st);
}

caldav::Party Me(const store::User& u) {
  return caldav::Party{u.email.empty() ? PrincipalPath(u.login) : "mailto:" + u.email,
                       u.display_name};
}

// The occurrence of object `name` to answer with: the one nearest `near` (UTC).
json AnswerOccurrence(store::Session& s, const Target& cal, const Principal& principal,
                      const EventView& view, const std::string& name, int64_t near) {
  Result<Seen> seen = ReadSeen(s, cal, principal, name);
  if (!seen.ok()) return nullptr;
  bool cut = false;
  const int64_t span = 800 * 86400;
  auto occ =
      caldav::ExpandOccurrences(seen->data, {near - span, near + span}, kMaxOccurrences, &cut);
  if (!occ.ok() || occ->empty()) {
    occ = caldav::ExpandOccurrences(seen->data, {}, 1, &cut);
    if (!occ.ok() || occ->empty()) return nullptr;
  }
  const caldav::Occurrence* best = &occ->front();
  for (const caldav::Occurrence& o : *occ) {
    if (std::llabs(o.start - near) < std::llabs(best->start - near)) best = &o;
  }
  return OccurrenceJson(*best, view, seen->object, seen->etag, Href(cal.path + name));
}

// Roughly when `v` is (a local time taken as UTC: within a day of it), to pick the occurrence
// an answer shows.
std::optional<int64_t> AnyInstant(const std::optional<caldav::TimeValue>& v) {
  if (!v) return std::nullopt;
  if (v->kind == caldav::TimeValue::Kind::kInstant) return v->utc;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d%02d%02dT%02d%02d%02dZ", v->year, v->month, v->day, v->hour,
                v->minute, v->second);
  return caldav::ParseUtcDateTime(buf);
}

// ---- events ----

struct Call {
  const DavContext& ctx;
  const http::HttpRequest& request;
  const Principal& principal;
  store::Session& s;
  OpenedHome& opened;
  Target& cal;
  const std::string& id;
};

std::string IfMatch(const http::HttpRequest& r) {
  return std::string(r.headers.Get("If-Match").value_or(""));
}

Result<caldav::Scope> ScopeOf(const std::string& text) {
  if (text.empty() || text == "all") return caldav::Scope::kAll;
  if (text == "one") return caldav::Scope::kOne;
  if (text == "following") return caldav::Scope::kFollowing;
  return Status::BadRequest("«scope» : all, one ou following attendu");
}

http::HttpResponse Committed(Call& c, http::HttpResponse answer) {
  if (Status st = c.opened.txn->Commit(); !st.ok()) return CalendarApiError(st);
  if (c.ctx.mail_committed) c.ctx.mail_committed();  // invitations queued leave now
  return answer;
}

http::HttpResponse CreateEvent(Call& c) {
  std::optional<json> body = JsonObjectBody(c.request);
  if (!body) return ApiError(400, "bad-request", "Le corps doit être un objet JSON");
  caldav::EventFields f;
  if (auto e = ReadEventFields(*body, &f)) return FieldProblem(*e);
  std::string field;
  if (Status st = caldav::CheckEventFields(f, MaxEventAttendees(), &field); !st.ok()) {
    return EditProblem(st, field);
  }
  const std::string uid = NewUid(), name = uid + ".ics";
  Result<std::string> ics = caldav::NewEvent(f, uid, Me(c.opened.user), Now(c.ctx), &field);
  if (!ics.ok()) return EditProblem(ics.status(), field);
  if (Status st = Put(c.ctx, c.s, c.principal, c.cal.path + name, *ics, "", true); !st.ok()) {
    return CalendarApiError(st);
  }
  EventView view = ViewOf(c.cal, c.opened.user, c.id);
  // The first occurrence: the event starts there (a local start is within a day of it).
  json event = AnswerOccurrence(c.s, c.cal, c.principal, view, name,
                                AnyInstant(f.start).value_or(Now(c.ctx)) - 86400);
  return Committed(c, Json(201, json{{"event", event}}));
}

std::optional<int64_t> OccurrenceParam(const std::string& text) {
  return text.empty() ? std::nullopt : ParseInstant(text);
}

http::HttpResponse EditEvent(Call& c, const std::string& name) {
  std::optional<json> body = JsonObjectBody(c.request);
  if (!body) return ApiError(400, "bad-request", "Le corps doit être un objet JSON");
  Result<caldav::Scope> scope = ScopeOf(StringMember(*body, "scope"));
  if (!scope.ok()) return ApiError(400, "bad-field", scope.status().message(), "scope");
  std::string occ_text = StringMember(*body, "occurrence");
  std::optional<int64_t> occurrence = OccurrenceParam(occ_text);
  if (!occ_text.empty() && !occurrence) {
    return ApiError(400, "bad-field", "«occurrence» : une date RFC 3339 UTC est attendue",
                    "occurrence");
  }
  caldav::EventFields f;
  if (auto e = ReadEventFields(*body, &f)) return FieldProblem(*e);
  std::string field;
  if (Status st = caldav::CheckEventFields(f, MaxEventAttendees(), &field); !st.ok()) {
    return EditProblem(st, field);
  }
  Result<Seen> seen = ReadSeen(c.s, c.cal, c.principal, name);
  if (!seen.ok()) return CalendarApiError(seen.status());
  const std::string new_uid = NewUid();
  Result<caldav::EditedEvent> edited = caldav::EditEvent(seen->data, f, *scope, occurrence, new_uid,
                                                         Me(c.opened.user), Now(c.ctx), &field);
  if (!edited.ok()) return EditProblem(edited.status(), field);
  const std::string path = c.cal.path + name;
  if (!c.cal.access.Has(kPrivWriteContent)) {
    return ApiError(403, "forbidden", FrenchFor(403));  // before any If-Match answer
  }
  Status st = edited->ics.empty()
                  ? Delete(c.ctx, c.s, c.principal, path, IfMatch(c.request))
                  : Put(c.ctx, c.s, c.principal, path, edited->ics, IfMatch(c.request), false);
  if (!st.ok()) return CalendarApiError(st);
  EventView view = ViewOf(c.cal, c.opened.user, c.id);
  int64_t near = AnyInstant(f.start).value_or(occurrence.value_or(Now(c.ctx)));
  json answer;
  if (!edited->new_series.empty()) {
    const std::string series = new_uid + ".ics";
    if (Status put =
            Put(c.ctx, c.s, c.principal, c.cal.path + series, edited->new_series, "", true);
        !put.ok()) {
      return CalendarApiError(put);
    }
    answer["event"] = AnswerOccurrence(c.s, c.cal, c.principal, view, series, near);
    answer["previous"] = edited->ics.empty()
                             ? json(nullptr)
                             : AnswerOccurrence(c.s, c.cal, c.principal, view, name, near);
  } else {
    answer["event"] = AnswerOccurrence(c.s, c.cal, c.principal, view, name, near);
  }
  return Committed(c, Json(200, answer));
}

http::HttpResponse DeleteEvent(Call& c, const std::string& name) {
  Result<caldav::Scope> scope = ScopeOf(http::QueryParam(c.request.query, "scope"));
  if (!scope.ok()) return ApiError(400, "bad-field", scope.status().message(), "scope");
  std::string occ_text = http::QueryParam(c.request.query, "occurrence");
  std::optional<int64_t> occurrence = OccurrenceParam(occ_text);
  if (!occ_text.empty() && !occurrence) {
    return ApiError(400, "bad-field", "«occurrence» : une date RFC 3339 UTC est attendue",
                    "occurrence");
  }
  if (!c.cal.access.Has(kPrivWriteContent | kPrivUnbind)) {
    return ApiError(403, "forbidden", FrenchFor(403));
  }
  const std::string path = c.cal.path + name;
  Status st;
  if (*scope == caldav::Scope::kAll) {
    st = Delete(c.ctx, c.s, c.principal, path, IfMatch(c.request));
  } else {
    Result<Seen> seen = ReadSeen(c.s, c.cal, c.principal, name);
    if (!seen.ok()) return CalendarApiError(seen.status());
    Result<caldav::EditedEvent> edited =
        caldav::DeleteOccurrences(seen->data, *scope, occurrence, Now(c.ctx));
    if (!edited.ok()) return EditProblem(edited.status(), "occurrence");
    st = edited->ics.empty()
             ? Delete(c.ctx, c.s, c.principal, path, IfMatch(c.request))
             : Put(c.ctx, c.s, c.principal, path, edited->ics, IfMatch(c.request), false);
  }
  if (!st.ok()) return CalendarApiError(st);
  return Committed(c, NoContent());
}

// ---- tasks ----

json TaskJson(const caldav::TaskInfo& t, const Seen& seen, const Call& c, const std::string& name) {
  auto or_null = [](const std::string& s) { return s.empty() ? json(nullptr) : json(s); };
  return json{{"name", name},
              {"etag", seen.etag},
              {"uid", t.uid},
              {"summary", t.summary},
              {"description", t.description},
              {"due", or_null(t.due)},
              {"start", or_null(t.start)},
              {"priority", t.priority},
              {"status", t.status},
              {"completed", or_null(t.completed)},
              {"percent", t.percent},
              {"calendar", c.id},
              {"href", Href(c.cal.path + name)}};
}

bool IsDone(const caldav::TaskInfo& t) {
  return t.status == "COMPLETED" || t.status == "CANCELLED";
}

http::HttpResponse ListTasks(Call& c) {
  std::string status = http::QueryParam(c.request.query, "status");
  if (status.empty()) status = "all";
  if (status != "all" && status != "todo" && status != "done" && status != "overdue") {
    return ApiError(400, "bad-field", "«status» : all, todo, done ou overdue attendu", "status");
  }
  if (!c.cal.access.Has(kPrivRead))
    return ApiError(403, "forbidden", "Agenda en disponibilités seulement");
  const int64_t now = Now(c.ctx);
  std::vector<std::pair<caldav::TaskInfo, json>> found;
  store::ObjectQuery q;
  q.component = "VTODO";
  q.with_data = true;
  Status st = c.s.QueryObjects(c.cal.collection.id, q, [&](const store::Object& o) {
    Result<std::string> data =
        sharing::CalendarView(c.s, c.cal.access, c.principal.user_id, o, *o.data);
    if (!data.ok()) return data.status();
    std::optional<caldav::TaskInfo> t = caldav::ReadTask(*data);
    if (!t) return Status::OK();
    bool done = IsDone(*t);
    if ((status == "todo" && done) || (status == "done" && !done) ||
        (status == "overdue" && (done || !t->due_utc || *t->due_utc > now))) {
      return Status::OK();
    }
    Result<std::string> etag = sharing::ViewerEtag(c.s, c.cal.access, c.principal.user_id, o);
    if (!etag.ok()) return etag.status();
    Seen seen{o, "", *etag};
    json j = TaskJson(*t, seen, c, o.name);
    found.emplace_back(std::move(*t), std::move(j));
    return found.size() < kMaxOccurrences ? Status::OK() : store::StopVisit();
  });
  if (!st.ok()) return CalendarApiError(st);
  std::stable_sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
    bool da = IsDone(a.first), db = IsDone(b.first);
    if (da != db) return !da;
    if (da) return a.first.completed > b.first.completed;  // latest done first
    int64_t ua = a.first.due_utc.value_or(INT64_MAX), ub = b.first.due_utc.value_or(INT64_MAX);
    if (ua != ub) return ua < ub;
    return a.first.priority != 0 && (b.first.priority == 0 || a.first.priority < b.first.priority);
  });
  json tasks = json::array();
  for (auto& [t, j] : found) tasks.push_back(std::move(j));
  return Json(200, json{{"calendar", c.id}, {"tasks", tasks}});
}

std::optional<FieldError> ReadTaskFields(const json& body, caldav::TaskFields* f) {
  if (auto e = ReadString(body, "summary", &f->summary)) return e;
  if (auto e = ReadString(body, "description", &f->description)) return e;
  if (auto e = ReadString(body, "timezone", &f->timezone)) return e;
  if (f->timezone && f->timezone->empty()) f->timezone.reset();
  std::optional<std::string> status;
  if (auto e = ReadString(body, "status", &status)) return e;
  if (status && !status->empty()) f->status = *status;
  if (auto e = ReadBool(body, "done", &f->done)) return e;
  if (auto d = body.find("due"); d != body.end()) {
    if (d->is_null() || (d->is_string() && d->get<std::string>().empty())) {
      f->due = std::optional<caldav::TimeValue>();
    } else {
      std::optional<caldav::TimeValue> v;
      if (auto e = ReadTime(body, "due", &v)) return e;
      f->due = v;
    }
  }
  if (auto p = body.find("priority"); p != body.end() && !p->is_null()) {
    if (!p->is_number_integer()) return FieldError{"priority", "un entier de 0 à 9 est attendu"};
    f->priority = static_cast<int>(std::clamp<int64_t>(p->get<int64_t>(), -1, 10));
  }
  return std::nullopt;
}

http::HttpResponse AnswerTask(Call& c, const std::string& name, int status) {
  Result<Seen> seen = ReadSeen(c.s, c.cal, c.principal, name);
  if (!seen.ok()) return CalendarApiError(seen.status());
  std::optional<caldav::TaskInfo> t = caldav::ReadTask(seen->data);
  json task = t ? TaskJson(*t, *seen, c, name) : json(nullptr);
  return Committed(c, Json(status, json{{"task", task}}));
}

http::HttpResponse CreateTask(Call& c) {
  std::optional<json> body = JsonObjectBody(c.request);
  if (!body) return ApiError(400, "bad-request", "Le corps doit être un objet JSON");
  caldav::TaskFields f;
  if (auto e = ReadTaskFields(*body, &f)) return FieldProblem(*e);
  std::string field;
  const std::string uid = NewUid(), name = uid + ".ics";
  Result<std::string> ics = caldav::NewTask(f, uid, Now(c.ctx), &field);
  if (!ics.ok()) return EditProblem(ics.status(), field);
  if (Status st = Put(c.ctx, c.s, c.principal, c.cal.path + name, *ics, "", true); !st.ok()) {
    return CalendarApiError(st);
  }
  return AnswerTask(c, name, 201);
}

http::HttpResponse EditTask(Call& c, const std::string& name) {
  std::optional<json> body = JsonObjectBody(c.request);
  if (!body) return ApiError(400, "bad-request", "Le corps doit être un objet JSON");
  caldav::TaskFields f;
  if (auto e = ReadTaskFields(*body, &f)) return FieldProblem(*e);
  Result<Seen> seen = ReadSeen(c.s, c.cal, c.principal, name);
  if (!seen.ok()) return CalendarApiError(seen.status());
  std::string field;
  Result<std::string> ics = caldav::EditTask(seen->data, f, Now(c.ctx), &field);
  if (!ics.ok()) return EditProblem(ics.status(), field);
  if (!c.cal.access.Has(kPrivWriteContent)) return ApiError(403, "forbidden", FrenchFor(403));
  if (Status st = Put(c.ctx, c.s, c.principal, c.cal.path + name, *ics, IfMatch(c.request), false);
      !st.ok()) {
    return CalendarApiError(st);
  }
  return AnswerTask(c, name, 200);
}

}  // namespace

http::HttpResponse CalendarApiError(const Status& s) {
  http::HttpResponse r = ResponseForStatus(s);
  int code = r.status;
  std::string error = CodeFor(code);
  std::string message = s.code() == Status::Code::kBadRequest && !s.message().empty() &&
                                s.message().find("«") != std::string::npos
                            ? s.message()
                            : FrenchFor(code);
  // The DAV preconditions of a PUT the agenda can meet, said in its own words (the DAV status
  // stays: 403 for CalDAV's, RFC 4791 §5.3.2.1).
  switch (s.precondition()) {
    case Precondition::kMaxResourceSize:
      error = "too-large";
      message = "L'évènement est trop volumineux (texte trop long)";
      break;
    case Precondition::kSupportedCalendarComponent:
      error = "wrong-calendar";
      message = "Cet agenda n'accepte pas ce type d'élément (évènement ou tâche)";
      break;
    case Precondition::kValidCalendarData:
      error = "invalid";
      message = "Données refusées : " + s.message();
      break;
    case Precondition::kQuotaNotExceeded: error = "quota"; break;
    default: break;
  }
  json body{{"error", error}, {"message", message}, {"detail", s.message()}};
  r.headers.Set("Content-Type", "application/json; charset=utf-8");
  r.body = DumpJson(body);
  return r;
}

size_t MaxEventAttendees() { return kMaxFreeBusyAttendees; }

json OccurrenceJson(const caldav::Occurrence& o, const EventView& view, const store::Object& object,
                    const std::string& etag, const std::string& href) {
  auto mine = [&](const std::string& address) {
    std::string n = caldav::NormalizeAddress(address);
    for (const std::string& a : view.my_addresses) {
      if (caldav::NormalizeAddress(a) == n) return true;
    }
    return false;
  };
  auto owners = [&](const std::string& address) {
    std::string n = caldav::NormalizeAddress(address);
    for (const std::string& a : view.owner_addresses) {
      if (caldav::NormalizeAddress(a) == n) return true;
    }
    return false;
  };
  json attendees = json::array();
  json my_partstat = nullptr;
  for (const caldav::Attendee& a : o.attendees) {
    attendees.push_back({{"address", a.address}, {"name", a.name}, {"partstat", a.partstat}});
    if (mine(a.address)) my_partstat = a.partstat;
  }
  const bool organizer_is_me = !o.organizer.empty() && mine(o.organizer);
  json rrule = nullptr;
  if (o.rrule) {
    rrule = {{"freq", o.rrule->freq},
             {"interval", o.rrule->interval},
             {"byday", o.rrule->byday},
             {"until", o.rrule->until.empty() ? json(nullptr) : json(o.rrule->until)},
             {"count", o.rrule->count == 0 ? json(nullptr) : json(o.rrule->count)}};
  }
  // A reduced private event cannot be written back (dav/sharing/privacy.h: 403), nor can an
  // attendee's copy be changed but for their answer (the invitations call does that).
  const bool editable = view.writable && (view.sees_private || o.klass == "PUBLIC") &&
                        (o.organizer.empty() || organizer_is_me || owners(o.organizer));
  return {{"uid", o.uid},
          {"name", object.name},
          {"etag", etag},
          {"recurrence_id", o.recurrence_id},
          {"component", o.component},
          {"start", IsoUtc(o.start)},
          {"end", IsoUtc(o.end)},
          {"all_day", o.all_day},
          {"timezone", o.timezone},
          {"summary", o.summary},
          {"location", o.location},
          {"description", o.description},
          {"status", o.status},
          {"organizer", o.organizer},
          {"organizer_is_me", organizer_is_me},
          {"my_partstat", my_partstat},
          {"attendees", attendees},
          {"rrule", rrule},
          {"recurring", o.recurring},
          {"alarms", o.alarms},
          {"class", o.klass},
          {"transparent", o.transparent},
          {"editable", editable},
          {"calendar", view.calendar_id},
          {"color", view.color},
          {"href", href}};
}

http::HttpResponse ServeCalendarItems(const DavContext& ctx, const http::HttpRequest& request,
                                      const Principal& principal, const std::string& id,
                                      const std::string& tail) {
  const bool tasks = tail.starts_with("/tasks");
  std::string rest = tail.substr(tasks ? 6 : 7);  // "/tasks" or "/events"
  if (!rest.empty() && rest.front() == '/') rest.erase(0, 1);
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  const std::string name = rest;
  if (name.find('/') != std::string::npos || name == "." || name == "..") {
    return ApiError(404, "not-found", "Introuvable");
  }
  if (name.empty()) {
    if (auto refused =
            OnlyMethods(request, tasks ? std::initializer_list<std::string_view>{"GET", "POST"}
                                       : std::initializer_list<std::string_view>{"POST"})) {
      return *refused;
    }
  } else if (auto refused = OnlyMethods(request, {"PATCH", "DELETE"})) {
    return *refused;
  }
  const bool write = request.method != "GET" && request.method != "HEAD";
  Result<OpenedHome> opened = OpenHome(ctx, principal, CalendarArea(), write);
  if (!opened.ok()) return CalendarApiError(opened.status());
  store::Session& s = ctx.store.ThreadSession();
  Result<Target> cal = WritableCalendar(s, *opened, principal, id);
  if (!cal.ok()) return ApiError(404, "not-found", "Aucun agenda « " + id + " »");
  if (write && !cal->access.Has(kPrivWriteContent)) {
    return ApiError(403, "forbidden", "Cet agenda est partagé avec vous en lecture seule");
  }
  Call c{ctx, request, principal, s, *opened, *cal, id};
  if (!name.empty()) {
    Result<store::Object> exists = s.GetObject(cal->collection.id, name, false);
    if (!exists.ok()) {
      return exists.status().code() == Status::Code::kNotFound
                 ? ApiError(404, "not-found", "Aucun élément « " + name + " »")
                 : CalendarApiError(exists.status());
    }
  }
  if (tasks) {
    if (name.empty()) return request.method == "POST" ? CreateTask(c) : ListTasks(c);
    if (request.method == "PATCH") return EditTask(c, name);
    if (Status st = Delete(ctx, s, principal, cal->path + name, IfMatch(request)); !st.ok()) {
      return CalendarApiError(st);
    }
    return Committed(c, NoContent());
  }
  if (name.empty()) return CreateEvent(c);
  if (request.method == "PATCH") return EditEvent(c, name);
  return DeleteEvent(c, name);
}

}  // namespace cartable::dav::api
