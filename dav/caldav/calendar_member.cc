// Calendar members: PUT, COPY and MOVE destinations, DELETE and MOVE sources, GET headers.
//
// COPY and MOVE of calendar object resources (RFC 6638 has no section on them; this follows
// what it says of PUT and what Apple's CalendarServer does in its put_common/copymove code):
// - COPY into a calendar creates a new resource: the same validation and the same implicit
//   scheduling as a PUT there. A copy of a scheduling object resource into the owner's own
//   calendars is therefore refused with unique-scheduling-object-resource (RFC 6638 §3.2.4.1:
//   one scheduling object per UID in a calendar home), and a copy of a plain event works.
// - MOVE between the calendars of one calendar home is the same event changing place: no
//   REQUEST/CANCEL/REPLY is sent and the Schedule-Tag stays (CalendarServer treats such moves
//   as internal, without implicit scheduling).
// - A MOVE that would take a scheduling object resource out of its owner's calendars (into
//   another user's calendar home, or anything that is not a calendar) is refused with 403: the
//   organizer's attendees, or the attendee's organizer, would lose track of it with no message
//   (CalendarServer refuses to move scheduling resources between calendar homes). Today the
//   DAV layer already refuses every destination outside the owner's calendar area; this rule
//   keeps the guarantee when sharing opens other destinations.
#include "dav/caldav/calendar_member.h"

#include "dav/caldav/calendar_collection.h"
#include "dav/caldav/ical.h"
#include "dav/prepared_body.h"
#include "dav/scheduling/scheduler.h"
#include "dav/sharing/per_user.h"
#include "dav/sharing/privacy.h"
#include "dav/target.h"

namespace cartable::dav::caldav {
namespace {

// The member's Schedule-Tag, read once per request.
Result<std::string> TagOf(const Request& req, const Target& member, MemberState& state) {
  if (!state.schedule_tag) {
    std::string tag;
    if (member.type == NodeType::kObject) {
      Result<std::string> stored = req.session.GetScheduleTag(member.object.id);
      if (!stored.ok()) return stored.status();
      tag = *stored;
    }
    state.schedule_tag = std::move(tag);
  }
  return *state.schedule_tag;
}

// If-Schedule-Tag-Match (RFC 6638 §8.3) on PUT and DELETE: 412 when given and different.
Status CheckChange(const Request& req, const Target& member, MemberChange change,
                   MemberState& state) {
  if ((change == MemberChange::kDelete || change == MemberChange::kMoveFrom) &&
      member.type == NodeType::kObject && sharing::ReducesPrivate(member.access)) {
    // A sharee may not delete (or move away) an event whose details they cannot see.
    std::optional<std::string> read;  // DELETE resolved the target with its body
    if (!member.object.data) {
      Result<store::Object> obj = req.session.GetObject(member.collection.id, member.name, true);
      if (!obj.ok()) return obj.status();
      read = std::move(obj->data);
    }
    const std::string& stored = member.object.data ? *member.object.data : *read;
    const char* what = change == MemberChange::kDelete ? "DELETE" : "MOVE";
    if (Status s = sharing::CheckMayChange(member, stored, what); !s.ok()) return s;
  }
  if (change != MemberChange::kPut && change != MemberChange::kDelete) return Status::OK();
  std::optional<std::string_view> wanted = req.http.headers.Get("If-Schedule-Tag-Match");
  if (!wanted) return Status::OK();
  Result<std::string> tag = TagOf(req, member, state);
  if (!tag.ok()) return tag.status();
  if (scheduling::ScheduleTagMatches(*wanted, *tag)) return Status::OK();
  return Status::PreconditionFailed("If-Schedule-Tag-Match does not match the Schedule-Tag");
}

bool SameCalendarHome(const Target& a, const Target& b) {
  return a.collection.kind == store::kKindCalendar && b.collection.kind == store::kKindCalendar &&
         a.owner && b.owner && a.owner->id == b.owner->id;
}

// A MOVE inside one calendar home: stored as is, keeping the source's Schedule-Tag.
Result<WriteResult> MoveWithinHome(const Request& req, const MemberWrite& w,
                                   const store::ObjectIndex& index) {
  const Target& t = w.target;
  Result<store::Object> stored =
      req.session.PutObject(t.collection.id, t.name, w.content_type, w.body, index);
  if (!stored.ok()) return stored.status();
  WriteResult out;
  out.object = std::move(stored.value());
  if (w.source_state && w.source_state->schedule_tag && !w.source_state->schedule_tag->empty()) {
    out.schedule_tag = *w.source_state->schedule_tag;
    if (Status s = req.session.SetScheduleTag(out.object.id, out.schedule_tag); !s.ok()) return s;
  }
  return out;
}

// The answer of a sharee's write: their ETag (per_user.h ViewerEtag), and `rewritten` (no ETag
// in the answer, docs/clients.md #12) whenever what they read back differs from what they sent:
// per-user parts split off or the owner's restored, or the event reduced for them.
Status FinishShareeWrite(const Request& req, const Target& t, std::string_view body,
                         bool split_changed, WriteResult& r) {
  r.rewritten =
      r.rewritten || split_changed || (sharing::ReducesPrivate(t.access) && MayBeClassified(body));
  Result<std::string> etag =
      sharing::ViewerEtag(req.session, t.access, req.principal.user_id, r.object);
  if (!etag.ok()) return etag.status();
  r.object.etag = std::move(etag.value());
  return Status::OK();
}

// A read sharee's PUT that changes nothing but their own alarms: the event stays as stored.
Result<WriteResult> KeepPerUserOnly(const Request& req, const Target& t,
                                    const std::string& per_user) {
  if (Status s = sharing::StorePerUser(req, t, t.object.id, per_user); !s.ok()) return s;
  WriteResult r;
  r.object = t.object;
  r.rewritten = true;  // the owner's event with the sharee's alarms, never their bytes
  Result<std::string> etag =
      sharing::ViewerEtag(req.session, t.access, req.principal.user_id, t.object);
  if (!etag.ok()) return etag.status();
  r.object.etag = std::move(etag.value());
  return r;
}

Result<WriteResult> Write(const Request& req, const MemberWrite& w, MemberState& state) {
  const Target& t = w.target;
  const bool replaces = t.type == NodeType::kObject;
  CalendarObject parsed;  // the door: parsed once, handed to scheduling
  if (req.prepared != nullptr && w.change == MemberChange::kPut &&
      !req.prepared->calendar.empty() && req.prepared->calendar.Text() == w.body) {
    parsed = std::move(req.prepared->calendar);  // parsed before the transaction began
  }
  Result<store::ObjectIndex> index =
      ValidateCalendarMember(req, t.collection, t.name, replaces ? &t.object : w.replaced, w.body,
                             w.content_type, &parsed);
  if (!index.ok()) return index.status();
  if (w.change == MemberChange::kMoveTo && w.source && SameCalendarHome(*w.source, t)) {
    return MoveWithinHome(req, w, *index);
  }
  std::string previous;
  if (replaces) {
    if (t.object.data) {  // read with the target (BodyRead::kForWrite)
      previous = *t.object.data;
    } else {  // COPY/MOVE destinations are resolved without their body
      Result<store::Object> prev = req.session.GetObject(t.collection.id, t.name, true);
      if (!prev.ok()) return prev.status();
      previous = std::move(*prev->data);
    }
  }
  // A sharee's write: their alarms and transparency go to their per-user data, the owner's stay
  // in the stored event (dav/sharing/per_user.h).
  std::optional<sharing::ShareeWrite> sharee;
  if (sharing::HasCalendarView(t)) {
    Result<sharing::ShareeWrite> split =
        sharing::SplitShareeWrite(req, t, replaces ? &previous : nullptr, parsed);
    if (!split.ok()) return split.status();
    sharee = std::move(split.value());
    if (sharee->per_user_only) return KeepPerUserOnly(req, t, sharee->per_user);
    if (parsed.changed()) {
      index = ValidateForCalendar(req.session, t.collection, t.name, parsed);
      if (!index.ok()) return index.status();
    }
  }
  const bool split_changed = parsed.changed();
  scheduling::Replaced replaced;
  if (replaces) {
    Result<std::string> tag = TagOf(req, t, state);
    if (!tag.ok()) return tag.status();
    replaced = {true, std::move(previous), *tag};
  }
  // The writer may be a delegate or a sharee of the owner: scheduling says so (SENT-BY).
  Result<scheduling::PutOutcome> out = scheduling::PutCalendarObject(
      req.session, req.ctx, t, std::move(parsed), w.content_type, *index, replaced, &req.principal);
  if (!out.ok()) return out.status();
  WriteResult r;
  r.object = std::move(out->object);
  r.rewritten = out->rewritten;
  r.schedule_tag = std::move(out->schedule_tag);
  if (sharee) {
    if (Status s = sharing::StorePerUser(req, t, r.object.id, sharee->per_user); !s.ok()) return s;
    if (Status s = FinishShareeWrite(req, t, w.body, split_changed, r); !s.ok()) return s;
  }
  return r;
}

Status Remove(const Request& req, const Target& member, const Target* moved_to,
              MemberState& state) {
  if (moved_to == nullptr) return scheduling::DeleteCalendarObject(req, member);
  if (!SameCalendarHome(member, *moved_to)) {
    Result<store::Object> obj = req.session.GetObject(member.collection.id, member.name, true);
    if (!obj.ok()) return obj.status();
    Result<bool> scheduled = scheduling::IsSchedulingObject(*obj->data);
    if (!scheduled.ok()) return scheduled.status();
    if (*scheduled) {
      return Status::Forbidden(
          "a scheduled event cannot leave its owner's calendars; copy it or delete it");
    }
  }
  // The tag travels with the event (MoveWithinHome).
  if (Result<std::string> tag = TagOf(req, member, state); !tag.ok()) return tag.status();
  return req.session.DeleteObject(member.collection.id, member.name);
}

// RFC 6638 §3.2.10: GET of a scheduling object resource returns its Schedule-Tag.
void Describe(const Request& req, const Target& member, http::HttpResponse& r) {
  Result<std::string> tag = req.session.GetScheduleTag(member.object.id);
  if (tag.ok() && !tag->empty()) r.headers.Set("Schedule-Tag", *tag);
}

}  // namespace

MemberHooks CalendarMemberHooks() {
  MemberHooks hooks;
  hooks.check_change = CheckChange;
  hooks.write = Write;
  hooks.write_reads_replaced = true;
  hooks.remove = Remove;
  hooks.describe = Describe;
  return hooks;
}

}  // namespace cartable::dav::caldav
