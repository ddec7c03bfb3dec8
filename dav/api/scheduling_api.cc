#include "dav/api/scheduling_api.h"

#include <algorithm>
#include <chrono>
#include <set>

#include "dav/api/json_response.h"
#include "dav/caldav/calendar_collection.h"
#include "dav/caldav/itip.h"
#include "dav/scheduling/delivery.h"
#include "dav/scheduling/scheduler.h"
#include "dav/target.h"

namespace cartable::dav::api {
namespace {

using nlohmann::json;

constexpr std::string_view kInvitations = "/api/v1/invitations";
constexpr int64_t kHorizon = 2 * 366 * 86400;  // invitations are looked at this far ahead

http::HttpResponse Error(const Status& s) { return JsonError(s); }

int64_t Now(const DavContext& ctx) { return std::chrono::system_clock::to_time_t(ctx.clock()); }

Result<store::User> CurrentUser(store::Session& s, const Principal& p) {
  return s.GetUserById(p.user_id);
}

// The user's own answer in every component of the copy: whether any still needs action.
bool NeedsAnswer(const caldav::SchedulingInfo& info, const std::vector<std::string>& own) {
  for (const caldav::ItipComponent& c : info.components) {
    if (c.cancelled) continue;
    for (const caldav::ItipAttendee& a : c.attendees) {
      if (std::find(own.begin(), own.end(), a.address) != own.end() &&
          a.partstat == "NEEDS-ACTION") {
        return true;
      }
    }
  }
  return false;
}

json PartyJson(const std::string& address, const std::string& name) {
  return json{
      {"address", caldav::MailAddress(address).empty() ? address : caldav::MailAddress(address)},
      {"name", name}};
}

// One pending invitation, or null when the copy is not one (answered, past, cancelled).
json InvitationJson(const DavContext& ctx, const scheduling::internal::Copy& copy,
                    const std::vector<std::string>& own) {
  const std::string& data = *copy.object.data;
  Result<caldav::CalendarObject> cal = caldav::CalendarObject::Parse(data);
  if (!cal.ok()) return nullptr;
  Result<caldav::SchedulingInfo> info = caldav::InspectScheduling(*cal);
  if (!info.ok() || !NeedsAnswer(*info, own) ||
      std::find(own.begin(), own.end(), info->organizer) != own.end()) {
    return nullptr;
  }
  bool truncated = false;
  const int64_t now = Now(ctx);
  Result<std::vector<caldav::Occurrence>> next =
      caldav::ExpandOccurrences(data, {now, now + kHorizon}, 1, &truncated);
  if (!next.ok() || next->empty()) return nullptr;  // over already
  const caldav::Occurrence& o = next->front();
  const caldav::ItipComponent& master = info->components.front();
  json attendees = json::array();
  for (const caldav::ItipAttendee& a : master.attendees) {
    json j = PartyJson(a.address, a.name);
    j["answer"] = a.partstat;
    j["me"] = std::find(own.begin(), own.end(), a.address) != own.end();
    attendees.push_back(j);
  }
  const std::string home = copy.calendar.path.substr(
      0, copy.calendar.path.rfind('/', copy.calendar.path.size() - 2) + 1);
  std::string segment = copy.calendar.path.substr(home.size());
  segment.pop_back();  // "agenda/" -> "agenda"
  return json{{"id", segment + "/" + copy.object.name},
              {"uid", info->uid},
              {"href", copy.calendar.path + copy.object.name},
              {"summary", o.summary},
              {"location", o.location},
              {"start", IsoUtc(o.start)},
              {"end", IsoUtc(o.end)},
              {"all_day", o.all_day},
              {"recurring", info->components.size() > 1 || !o.recurrence_id.empty()},
              {"organizer", PartyJson(info->organizer, master.organizer_name)},
              {"attendees", attendees}};
}

// Pending invitations are read from the calendars, not from the inbox: the inbox is a
// notification list that clients (iOS) empty once they have shown it, while the copy in the
// calendar keeps waiting for the answer. Only events still to come are read, and only those
// whose text names the user and NEEDS-ACTION are parsed.
http::HttpResponse ListInvitations(const DavContext& ctx, store::Session& s,
                                   const store::User& user) {
  std::vector<std::string> own = scheduling::UserAddresses(user);
  std::string email = user.email;
  std::transform(email.begin(), email.end(), email.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  Result<std::vector<store::Collection>> calendars =
      scheduling::internal::Calendars(s, user, false);
  if (!calendars.ok()) return Error(calendars.status());
  const int64_t now = Now(ctx);
  json list = json::array();
  for (const store::Collection& c : *calendars) {
    store::ObjectQuery q;
    q.start = now;
    q.end = now + kHorizon;
    q.with_data = true;
    Status st = s.QueryObjects(c.id, q, [&](const store::Object& o) {
      const std::string& data = *o.data;
      if (data.find("NEEDS-ACTION") == std::string::npos) return Status::OK();
      std::string lower = data;
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
      if (lower.find(email) == std::string::npos &&
          lower.find(PrincipalPath(user.login)) == std::string::npos) {
        return Status::OK();
      }
      json j = InvitationJson(ctx, scheduling::internal::Copy{true, c, o}, own);
      if (!j.is_null()) list.push_back(std::move(j));
      return Status::OK();
    });
    if (!st.ok()) return Error(st);
  }
  std::sort(list.begin(), list.end(),
            [](const json& a, const json& b) { return a["start"] < b["start"]; });
  return Json(200, json{{"invitations", list}});
}

http::HttpResponse Reply(const DavContext& ctx, store::Session& s, const Principal& principal,
                         const store::User& user, const http::HttpRequest& request,
                         const std::string& id) {
  json body = json::parse(request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object() || !body.contains("answer") ||
      !body["answer"].is_string()) {
    return JsonError(400, "expected {\"answer\": \"accepted\"|\"declined\"|\"tentative\"}");
  }
  static const std::map<std::string, std::string> kAnswers = {
      {"accepted", "ACCEPTED"}, {"declined", "DECLINED"}, {"tentative", "TENTATIVE"}};
  auto answer = kAnswers.find(body["answer"].get<std::string>());
  if (answer == kAnswers.end()) return JsonError(400, "answer is accepted, declined or tentative");
  std::string path = HomePath(CalendarArea(), user.login) + id;
  Result<Target> t = Resolve(s, path, principal, BodyRead::kYes);
  if (!t.ok() || t->type != NodeType::kObject || t->collection.kind != store::kKindCalendar) {
    return JsonError(404, "no invitation '" + id + "'");
  }
  // The copy is parsed once here and handed to the scheduling service as it is, then
  // serialised once when stored (no HTTP request is made up for it).
  const std::string data = *t->object.data;
  std::vector<std::string> own = scheduling::UserAddresses(user);
  Result<caldav::CalendarObject> copy = caldav::CalendarObject::Parse(data);
  Result<caldav::SchedulingInfo> info =
      copy.ok() ? caldav::InspectScheduling(*copy) : Result<caldav::SchedulingInfo>(copy.status());
  std::string me;
  if (info.ok()) {
    for (const std::string& a : info->AttendeeAddresses()) {
      if (std::find(own.begin(), own.end(), a) != own.end()) me = a;
    }
  }
  if (me.empty() || std::find(own.begin(), own.end(), info->organizer) != own.end()) {
    return JsonError(409, "you are not invited to this event");
  }
  std::string key;
  if (body.contains("occurrence")) {
    std::optional<caldav::Seconds> at =
        body["occurrence"].is_string() ? ParseInstant(body["occurrence"]) : std::nullopt;
    if (!at) return JsonError(400, "occurrence must be an RFC 3339 UTC time");
    key = caldav::RecurrenceKeyAt(*copy, *at);
    if (key.empty()) return JsonError(400, "this event does not repeat");
  }
  const caldav::CalendarObject before = copy->Clone();
  if (Status st = caldav::SetPartstat(*copy, me, answer->second, key); !st.ok()) return Error(st);
  Result<store::ObjectIndex> index = caldav::ValidateForCalendar(s, t->collection, t->name, *copy);
  if (!index.ok()) return Error(index.status());
  Result<std::string> tag = s.GetScheduleTag(t->object.id);
  if (!tag.ok()) return Error(tag.status());
  Result<scheduling::PutOutcome> out =
      scheduling::PutCalendarObject(s, ctx, *t, std::move(copy.value()), t->object.content_type,
                                    *index, scheduling::Replaced{true, data, *tag, &before});
  if (!out.ok()) return Error(out.status());
  auto sent = out->sent.find(info->organizer);
  return Json(200,
              json{{"id", id},
                   {"answer", body["answer"]},
                   {"occurrence", key.empty() ? json(nullptr) : json(key)},
                   {"delivery", sent == out->sent.end() ? json(nullptr) : json(sent->second)}});
}

}  // namespace

http::HttpResponse ServeInvitations(const DavContext& ctx, const http::HttpRequest& request,
                                    const Principal& principal) {
  store::Session& s = ctx.store.ThreadSession();
  std::string rest = request.path.substr(std::min(request.path.size(), kInvitations.size()));
  bool list = rest.empty() || rest == "/";
  if (list) {
    if (auto refused = OnlyGet(request)) return *refused;
  } else if (request.method != "POST") {
    http::HttpResponse r = JsonError(405, "only POST is allowed here");
    r.headers.Set("Allow", "POST");
    return r;
  }
  if (Status st = EnsureHome(s, HomePath(CalendarArea(), principal.login), principal); !st.ok()) {
    return Error(st);
  }
  Result<std::unique_ptr<store::Transaction>> txn = s.Begin(!list);
  if (!txn.ok()) return Error(txn.status());
  Result<store::User> user = CurrentUser(s, principal);
  if (!user.ok()) return Error(user.status());
  if (list) return ListInvitations(ctx, s, *user);
  constexpr std::string_view kReply = "/reply";
  if (rest.size() <= kReply.size() + 1 ||
      rest.compare(rest.size() - kReply.size(), kReply.size(), kReply) != 0) {
    return JsonError(404, "no such API resource");
  }
  std::string id = rest.substr(1, rest.size() - 1 - kReply.size());
  if (id.find("..") != std::string::npos || std::count(id.begin(), id.end(), '/') != 1) {
    return JsonError(404, "no invitation '" + id + "'");
  }
  http::HttpResponse r = Reply(ctx, s, principal, *user, request, id);
  if (r.status == 200) {
    if (Status c = (*txn)->Commit(); !c.ok()) return Error(c);
    if (ctx.mail_committed) ctx.mail_committed();  // the reply it may have queued leaves now
  }
  return r;
}

http::HttpResponse ServeFreeBusy(const DavContext& ctx, const http::HttpRequest& request,
                                 const Principal& principal) {
  if (request.method != "POST") {
    http::HttpResponse r = JsonError(405, "only POST is allowed here");
    r.headers.Set("Allow", "POST");
    return r;
  }
  json body = json::parse(request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object() || !body.contains("attendees") ||
      !body["attendees"].is_array() || !body.contains("from") || !body["from"].is_string() ||
      !body.contains("to") || !body["to"].is_string()) {
    return JsonError(400, "expected {\"attendees\": [...], \"from\": \"...\", \"to\": \"...\"}");
  }
  std::optional<caldav::Seconds> from = ParseInstant(body["from"]), to = ParseInstant(body["to"]);
  if (!from || !to || *to <= *from) return JsonError(400, "from and a later to are required");
  if (*to - *from > kMaxFreeBusySpan) return JsonError(400, "at most one year at a time");
  if (body["attendees"].size() > kMaxFreeBusyAttendees) {
    return JsonError(400, "at most 50 attendees at a time");
  }
  (void)principal;
  store::Session& s = ctx.store.ThreadSession();
  Result<std::unique_ptr<store::Transaction>> txn = s.Begin(false);
  if (!txn.ok()) return Error(txn.status());
  json out = json::array();
  uint64_t instances_left = scheduling::InstanceBudget(ctx);
  for (const json& a : body["attendees"]) {
    if (!a.is_string()) return JsonError(400, "attendees are email addresses or logins");
    std::string who = a.get<std::string>();
    std::string address = who.find('@') != std::string::npos ? "mailto:" + who : PrincipalPath(who);
    Result<scheduling::Availability> avail =
        scheduling::AvailabilityOf(s, ctx, address, *from, *to, instances_left);
    if (!avail.ok()) return Error(avail.status());
    json entry{{"attendee", who}};
    switch (avail->kind) {
      case scheduling::Recipient::Kind::kLocal: {
        json periods = json::array();
        for (const scheduling::BusyRange& b : avail->busy) {
          periods.push_back(
              {{"start", IsoUtc(b.start)}, {"end", IsoUtc(b.end)}, {"type", b.fbtype}});
        }
        entry["status"] = "ok";
        entry["name"] = avail->name;
        entry["busy"] = periods;
        break;
      }
      case scheduling::Recipient::Kind::kExternal: entry["status"] = "external"; break;
      case scheduling::Recipient::Kind::kDisabled: entry["status"] = "disabled"; break;
      case scheduling::Recipient::Kind::kUnknown: entry["status"] = "unknown"; break;
    }
    out.push_back(entry);
  }
  return Json(200, json{{"from", IsoUtc(*from)}, {"to", IsoUtc(*to)}, {"attendees", out}});
}

}  // namespace cartable::dav::api
