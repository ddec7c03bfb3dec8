// Implicit scheduling on PUT/DELETE (RFC 6638 §3.2), incoming iTIP, and free/busy.
#include "dav/scheduling/scheduler.h"

#include <algorithm>
#include <map>

#include "dav/caldav/calendar_collection.h"
#include "dav/caldav/ical.h"
#include "dav/caldav/itip.h"
#include "dav/property_registry.h"
#include "dav/scheduling/delivery.h"
#include "dav/scheduling/group_expand.h"
#include "dav/target.h"

namespace cartable::dav::scheduling {
namespace {

using caldav::ItipAttendee;
using caldav::ItipComponent;
using caldav::SchedulingInfo;
using internal::Origin;
using internal::Party;

bool Contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// The first listing of `address` in any component (master first).
const ItipAttendee* AnyListing(const SchedulingInfo& info, const std::string& address) {
  for (const ItipComponent& c : info.components) {
    if (const ItipAttendee* a = c.FindAttendee(address)) return a;
  }
  return nullptr;
}

// Whether what `address` sees of the event changed between `old` and `now`.
bool ChangedFor(const SchedulingInfo& old, const SchedulingInfo& now, const std::string& address) {
  for (const SchedulingInfo* side : {&old, &now}) {
    const SchedulingInfo* other = side == &old ? &now : &old;
    for (const ItipComponent& c : side->components) {
      if (!c.FindAttendee(address)) continue;
      const ItipComponent* o = other->Find(c.recurrence_key);
      if (!o || !o->FindAttendee(address) || o->signature != c.signature) return true;
    }
  }
  return false;
}

bool AllCancelled(const SchedulingInfo& info) {
  for (const ItipComponent& c : info.components) {
    if (!c.cancelled) return false;
  }
  return true;
}

// Which of `user`'s addresses the object lists as attendee ("" if none).
std::string OwnAttendeeAddress(const SchedulingInfo& info, const std::vector<std::string>& own) {
  for (const std::string& a : info.AttendeeAddresses()) {
    if (Contains(own, a)) return a;
  }
  return "";
}

enum class Role { kNone, kOrganizer, kAttendee };

Role RoleOf(const SchedulingInfo& info, const std::vector<std::string>& own) {
  if (!info.IsSchedulingObject()) return Role::kNone;
  if (Contains(own, info.organizer)) return Role::kOrganizer;
  if (!OwnAttendeeAddress(info, own).empty()) return Role::kAttendee;
  return Role::kNone;
}

Party OrganizerParty(const SchedulingInfo& info) {
  return {info.organizer, info.OrganizerComponent().organizer_name};
}

// RFC 6638 §3.2.4.1: one scheduling object per UID in a user's calendars.
Status CheckUnique(store::Session& session, const Target& t, const std::string& uid) {
  Result<std::vector<store::Collection>> calendars = internal::Calendars(session, *t.owner);
  if (!calendars.ok()) return calendars.status();
  for (const store::Collection& c : *calendars) {
    Result<store::Object> o = session.FindObjectByUid(c.id, uid);
    if (!o.ok()) {
      if (o.status().code() != Status::Code::kNotFound) return o.status();
      continue;
    }
    if (c.id == t.collection.id && o->name == t.name) continue;
    return Status::Violates(Precondition::kUniqueSchedulingObjectResource,
                            "the event " + uid + " is already in your calendars",
                            Href(c.path + o->name));
  }
  return Status::OK();
}

// The organizer changed their copy: REQUEST to new and changed attendees, CANCEL to removed
// ones. Returns the SCHEDULE-STATUS per attendee address.
std::map<std::string, std::string> OrganizerSends(store::Session& session, const DavContext& ctx,
                                                  const Target& t, const SchedulingInfo* old,
                                                  const caldav::CalendarObject* old_data,
                                                  const SchedulingInfo& now,
                                                  const caldav::CalendarObject& data,
                                                  const std::vector<std::string>& own) {
  std::map<std::string, std::string> status;
  if (now.OrganizerComponent().organizer_agent != "SERVER") return status;
  std::vector<std::string> everyone = now.AttendeeAddresses();
  if (old) {
    for (const std::string& a : old->AttendeeAddresses()) {
      if (!Contains(everyone, a)) everyone.push_back(a);
    }
  }
  const bool cancelled = AllCancelled(now) && !(old && AllCancelled(*old));
  const Origin origin{t.collection.id, t.name};
  std::map<store::Id, std::string> delivered;  // local user -> status
  for (const std::string& address : everyone) {
    if (Contains(own, address)) continue;
    const ItipAttendee* in_now = AnyListing(now, address);
    const ItipAttendee* in_old = old ? AnyListing(*old, address) : nullptr;
    const ItipAttendee* listing = in_now ? in_now : in_old;
    if (listing->schedule_agent != "SERVER") continue;
    std::string method;
    if (!in_now) {
      method = "CANCEL";
    } else if (cancelled) {
      method = "CANCEL";
    } else if (!in_old || ChangedFor(*old, now, address) || in_now->force_send == "REQUEST") {
      method = "REQUEST";
    } else {
      continue;  // nothing they need to hear about (alarms, the organizer's own answer, ...)
    }
    Result<caldav::CalendarObject> itip =
        method == "CANCEL" ? caldav::BuildCancel(in_now ? data : *old_data, address)
                           : caldav::BuildRequest(data, address);
    if (!itip.ok()) continue;
    Result<Recipient> to = ResolveRecipient(session, ctx, address);
    if (!to.ok()) continue;
    // One delivery per colleague, however many of their addresses are listed (docs/clients.md #8).
    auto done = delivered.find(to->user.id);
    std::string st =
        to->kind == Recipient::Kind::kLocal && done != delivered.end()
            ? done->second
            : internal::Deliver(session, ctx, OrganizerParty(now), *to, method, *itip, origin);
    if (to->kind == Recipient::Kind::kLocal) delivered[to->user.id] = st;
    if (in_now) status[address] = st;
  }
  return status;
}

// The instances whose answer of `me` differs between `old` (may be null) and `now`.
std::vector<std::string> AnswerChanges(const SchedulingInfo* old, const SchedulingInfo& now,
                                       const std::string& me) {
  std::vector<std::string> keys;
  for (const ItipComponent& c : now.components) {
    const ItipAttendee* mine = c.FindAttendee(me);
    if (!mine) continue;
    std::string before = "NEEDS-ACTION";
    if (old) {
      const ItipComponent* o = old->Find(c.recurrence_key);
      if (!o) o = old->Find("");
      if (o && o->FindAttendee(me)) before = o->FindAttendee(me)->partstat;
    }
    if (mine->partstat != before || mine->force_send == "REPLY") keys.push_back(c.recurrence_key);
  }
  return keys;
}

// Sends the REPLY of `me` for `keys` to the organizer; returns the SCHEDULE-STATUS. `origin`:
// the attendee's copy, whose ORGANIZER status follows a mailed reply once it is sent.
std::string ReplyToOrganizer(store::Session& session, const DavContext& ctx,
                             const SchedulingInfo& info, const caldav::CalendarObject& data,
                             const std::string& me, const std::string& my_name,
                             const std::vector<std::string>& keys, const Origin& origin = {}) {
  Result<caldav::CalendarObject> reply = caldav::BuildReply(data, me, keys);
  if (!reply.ok()) return "5.1";
  Result<Recipient> to = ResolveRecipient(session, ctx, info.organizer);
  if (!to.ok()) return "5.1";
  return internal::Deliver(session, ctx, Party{me, my_name}, *to, "REPLY", *reply, origin);
}

// An attendee may change only their own answers, alarms and private data (RFC 6638 §3.2.2.1).
Status CheckAttendeeChange(const SchedulingInfo& old, const SchedulingInfo& now) {
  for (const ItipComponent& c : now.components) {
    const ItipComponent* o = old.Find(c.recurrence_key);
    if (o && o->signature != c.signature) {
      return Status::Violates(Precondition::kAllowedAttendeeObjectChange,
                              "an attendee may only change their own participation");
    }
  }
  return Status::OK();
}

std::string MyName(const SchedulingInfo& info, const std::string& me) {
  const ItipAttendee* a = AnyListing(info, me);
  return a ? a->name : "";
}

// A calendar object PUT as scheduling sees it.
struct PutView {
  store::Session& session;
  const DavContext& ctx;
  const Target& t;
  caldav::CalendarObject& body;  // validated; becomes the data to store
  const SchedulingInfo* old;     // the object being replaced, or null
  const caldav::CalendarObject* old_data;
  const SchedulingInfo& now;
  const std::vector<std::string>& own;  // the owner's addresses
  Role was;                             // the owner's role in `old`
  // "mailto:{writer}" when someone else writes for the owner (SENT-BY), else "".
  const std::string& sent_by;
};

// The RFC 6638 §3.2.4 preconditions of a PUT.
Status CheckPutRules(const PutView& v) {
  if (!v.now.same_organizer) {
    return Status::Violates(Precondition::kSameOrganizerInAllComponents,
                            "every component must have the same ORGANIZER");
  }
  if (v.was == Role::kOrganizer && v.old->organizer != v.now.organizer) {
    return Status::Violates(Precondition::kAllowedOrganizerObjectChange,
                            "the ORGANIZER of a scheduled event cannot change");
  }
  const Role role = RoleOf(v.now, v.own);
  if (v.was == Role::kAttendee && role != Role::kAttendee &&
      v.old->components.front().organizer_agent == "SERVER") {
    // RFC 6638 §3.2.2.1: an attendee changes only their own participation. Dropping (or
    // misspelling) their ATTENDEE line would leave the organizer waiting for an answer that
    // never comes; CalendarServer refuses it too (doImplicitMissingAttendee).
    return Status::Violates(Precondition::kAllowedAttendeeObjectChange,
                            "an attendee cannot remove themselves from an invitation: answer "
                            "PARTSTAT=DECLINED, or delete the event to decline it");
  }
  if (role == Role::kAttendee && v.was == Role::kAttendee) {
    if (Status s = CheckAttendeeChange(*v.old, v.now); !s.ok()) return s;
  }
  return role == Role::kNone ? Status::OK() : CheckUnique(v.session, v.t, v.now.uid);
}

// An attendee's addresses are one person (RFC 6638 §3.2.2.1 lets them change only their own
// participation): a copy that lists them under another of their addresses (the principal URL
// instead of the mailto: they were invited at) is the same attendee. The address the organizer
// invited is written back, so the comparison with the previous copy and the REPLY use the name
// the organizer knows (the body is then stored rewritten, without an ETag).
Status KeepInvitedAddress(const SchedulingInfo& old, const std::vector<std::string>& own,
                          caldav::CalendarObject& body, Result<SchedulingInfo>& now) {
  const std::string invited = OwnAttendeeAddress(old, own);
  const std::string listed = OwnAttendeeAddress(*now, own);
  if (listed.empty() || listed == invited || now->HasAttendee(invited)) return Status::OK();
  if (Status s = caldav::RenameAttendee(body, listed, invited); !s.ok()) return s;
  now = caldav::InspectScheduling(body);
  return now.status();
}

// The organizer's PUT: sends, and turns v.body into the data to store (answers received
// meanwhile kept, SCHEDULE-STATUS written). `sent` gets the status per attendee.
Status OrganizerPut(const PutView& v, std::map<std::string, std::string>& sent) {
  if (v.was == Role::kOrganizer) {
    bool carried = false;
    Status m = caldav::CarryAnswers(*v.old_data, v.body, v.now.organizer, &carried);
    if (!m.ok()) return m;
  }
  sent = OrganizerSends(v.session, v.ctx, v.t, v.old, v.old_data, v.now, v.body, v.own);
  if (sent.empty() && v.body.Text().find("SCHEDULE-FORCE-SEND") == std::string::npos) {
    return Status::OK();
  }
  caldav::SetScheduleStatus(v.body, sent);
  return Status::OK();
}

// An attendee's PUT: replies when their answers changed, and turns v.body into the data to
// store (with the reply's SCHEDULE-STATUS on ORGANIZER). `sent` gets the organizer's status.
Status AttendeePut(const PutView& v, std::map<std::string, std::string>& sent) {
  const std::string me = OwnAttendeeAddress(v.now, v.own);
  std::vector<std::string> keys =
      AnswerChanges(v.was == Role::kAttendee ? v.old : nullptr, v.now, me);
  if (keys.empty() || v.now.OrganizerComponent().organizer_agent != "SERVER" ||
      AnyListing(v.now, me)->schedule_agent != "SERVER") {
    return Status::OK();
  }
  // The answer is the owner's, sent by whoever gave it (RFC 5545 §3.2.18): the REPLY built from
  // this line tells the organizer who answered on the owner's behalf.
  if (Status s = caldav::SetAttendeeSentBy(v.body, me, v.sent_by); !s.ok()) return s;
  std::string st = ReplyToOrganizer(v.session, v.ctx, v.now, v.body, me, MyName(v.now, me), keys,
                                    Origin{v.t.collection.id, v.t.name});
  sent[v.now.organizer] = st;
  caldav::SetOrganizerScheduleStatus(v.body, st);
  return Status::OK();
}

// Someone else writes in the owner's calendar (a write delegate, a read-write sharee): an event
// they organise becomes the owner's, sent by them (docs: scheduler.h PutCalendarObject).
// Returns the SENT-BY value ("" when the writer has no e-mail address).
Result<std::string> ActAsOwner(const Principal& writer, const store::User& owner,
                               const std::vector<std::string>& own, caldav::CalendarObject& body,
                               Result<SchedulingInfo>& now) {
  const std::string sent_by =
      writer.email.empty() ? "" : caldav::NormalizeAddress("mailto:" + writer.email);
  std::vector<std::string> theirs = {PrincipalPath(writer.login)};
  if (!sent_by.empty()) theirs.push_back(sent_by);
  if (now->organizer.empty() ||
      (!Contains(theirs, now->organizer) && !Contains(own, now->organizer))) {
    return sent_by;  // someone else's event: the owner may be an attendee (AttendeePut)
  }
  if (Status s = caldav::SetOrganizer(body, own.front(), owner.display_name, sent_by); !s.ok()) {
    return s;
  }
  const std::string listed = OwnAttendeeAddress(*now, theirs);
  if (!listed.empty() && OwnAttendeeAddress(*now, own).empty()) {
    if (Status s = caldav::RenameAttendee(body, listed, own.front()); !s.ok()) return s;
  }
  now = caldav::InspectScheduling(body);
  if (!now.ok()) return now.status();
  return sent_by;
}

// Stores what PutCalendarObject made of the object (`received`: the bytes as sent, to tell a
// rewrite) and its Schedule-Tag when it changed.
Result<PutOutcome> StoreObject(store::Session& session, const Target& t,
                               const caldav::CalendarObject& object, const std::string& received,
                               const std::string& content_type, const store::ObjectIndex& index,
                               const std::string& tag, const std::string& previous_tag,
                               PutOutcome out) {
  const std::string& data = object.Text();  // serialised once, when scheduling changed it
  Result<store::Object> stored =
      session.PutObject(t.collection.id, t.name, content_type, data, index);
  if (!stored.ok()) return stored.status();
  if (tag != previous_tag) {
    if (Status s = session.SetScheduleTag(stored->id, tag); !s.ok()) return s;
  }
  out.object = std::move(stored.value());
  out.rewritten = data != received;
  out.schedule_tag = tag;
  return out;
}

}  // namespace

std::vector<std::string> UserAddresses(const store::User& user) {
  std::vector<std::string> out;
  if (!user.email.empty()) out.push_back(caldav::NormalizeAddress("mailto:" + user.email));
  out.push_back(PrincipalPath(user.login));
  return out;
}

Result<Recipient> ResolveRecipient(store::Session& session, const DavContext& ctx,
                                   const std::string& address) {
  Recipient r;
  r.address = caldav::NormalizeAddress(address);
  Result<store::User> user = Status::NotFound("");
  std::string mail = caldav::MailAddress(r.address);
  const std::string principals = "/dav/principals/users/";
  if (!mail.empty()) {
    user = session.GetUserByEmail(mail);
  } else if (r.address.rfind(principals, 0) == 0) {
    std::string login = r.address.substr(principals.size());
    if (!login.empty() && login.back() == '/') login.pop_back();
    user = session.GetUserByLogin(login);
  } else {
    return r;  // an address scheme nobody here answers (kUnknown)
  }
  if (user.ok()) {
    r.user = std::move(user.value());
    r.kind = r.user.state == store::UserState::kActive ? Recipient::Kind::kLocal
                                                       : Recipient::Kind::kDisabled;
    if (r.kind == Recipient::Kind::kLocal && !r.user.scheduling) {
      // Their client schedules itself: they get invitations and answers by mail.
      r.kind = Recipient::Kind::kExternal;
      r.address = caldav::NormalizeAddress("mailto:" + r.user.email);
    }
    return r;
  }
  if (user.status().code() != Status::Code::kNotFound) return user.status();
  std::string domain = mail.substr(mail.find('@') + 1);
  r.kind = !mail.empty() && !Contains(ctx.options.internal_domains, domain)
               ? Recipient::Kind::kExternal
               : Recipient::Kind::kUnknown;
  return r;
}

bool ScheduleTagMatches(std::string_view wanted, const std::string& current) {
  while (!wanted.empty() && std::isspace(static_cast<unsigned char>(wanted.front()))) {
    wanted.remove_prefix(1);
  }
  while (!wanted.empty() && std::isspace(static_cast<unsigned char>(wanted.back()))) {
    wanted.remove_suffix(1);
  }
  return wanted == current;
}

Result<PutOutcome> PutCalendarObject(store::Session& session, const DavContext& ctx,
                                     const Target& t, caldav::CalendarObject object,
                                     const std::string& content_type,
                                     const store::ObjectIndex& index, const Replaced& replaced,
                                     const Principal* writer) {
  PutOutcome out;
  const std::string body = object.Text();  // the bytes as received, to tell a rewrite
  std::string tag, previous_tag;
  std::optional<SchedulingInfo> old;
  const caldav::CalendarObject* old_data = replaced.parsed;
  caldav::CalendarObject parsed_here;
  const bool schedules = ctx.options.scheduling && t.owner && t.owner->scheduling;
  // Neither the new data nor the replaced one has an ORGANIZER: neither is a scheduling object
  // (RFC 6638 §3.1), so the owner's role is none before and after, nothing is sent and no rule
  // applies; only the Schedule-Tag goes, as below. Most events (a personal agenda) take this
  // path without inspecting or re-parsing anything.
  const bool plain =
      !caldav::HasOrganizer(object) &&
      (!replaced.exists || (replaced.parsed ? !caldav::HasOrganizer(*replaced.parsed)
                                            : !caldav::MayHaveOrganizer(replaced.data)));
  if (replaced.exists) tag = previous_tag = replaced.schedule_tag;
  if (plain) {
    if (schedules) tag.clear();
    return StoreObject(session, t, object, body, content_type, index, tag, previous_tag,
                       std::move(out));
  }
  if (replaced.exists) {
    if (!old_data) {
      if (Result<caldav::CalendarObject> p = caldav::CalendarObject::Parse(replaced.data); p.ok()) {
        parsed_here = std::move(p.value());
      }
      old_data = &parsed_here;
    }
    if (Result<SchedulingInfo> i = caldav::InspectScheduling(*old_data); i.ok()) old = *i;
  }
  if (!old) old_data = nullptr;
  Result<SchedulingInfo> now = caldav::InspectScheduling(object);
  // Only the calendar type's write hook (and the JSON reply, on a calendar member) calls this.
  if (schedules && now.ok()) {
    const std::vector<std::string> own = UserAddresses(*t.owner);
    std::string sent_by;
    if (writer != nullptr && writer->user_id != t.owner->id) {
      Result<std::string> as_owner = ActAsOwner(*writer, *t.owner, own, object, now);
      if (!as_owner.ok()) return as_owner.status();
      sent_by = std::move(as_owner.value());
    }
    const Role was = old ? RoleOf(*old, own) : Role::kNone;
    if (was == Role::kAttendee) {
      if (Status s = KeepInvitedAddress(*old, own, object, now); !s.ok()) return s;
    }
    // Invited departments and establishments become their members (group_expand.h).
    std::map<std::string, std::string> groups;
    if (RoleOf(*now, own) == Role::kOrganizer) {
      Result<std::map<std::string, std::string>> g =
          ExpandGroupAttendees(session, ctx, object, *now, own);
      if (!g.ok()) return g.status();
      groups = std::move(g.value());
      if (object.changed() && !groups.empty()) now = caldav::InspectScheduling(object);
      if (!now.ok()) return now.status();
    }
    const PutView view{session,  ctx,  t,   object, old ? &*old : nullptr,
                       old_data, *now, own, was,    sent_by};
    if (Status s = CheckPutRules(view); !s.ok()) return s;
    Status sent;
    switch (RoleOf(*now, own)) {
      case Role::kOrganizer:
        sent = OrganizerPut(view, out.sent);
        tag = internal::NewScheduleTag();
        break;
      case Role::kAttendee:
        sent = AttendeePut(view, out.sent);
        // An attendee's own changes keep the tag (RFC 6638 §3.2.10, docs/clients.md #5).
        if (tag.empty()) tag = internal::NewScheduleTag();
        break;
      case Role::kNone: tag.clear(); break;
    }
    if (!sent.ok()) return sent;
    if (!groups.empty()) {  // the group itself is never delivered to: its status is the expansion's
      caldav::SetScheduleStatus(object, groups);
      for (const auto& [address, st] : groups) out.sent[address] = st;
    }
  }
  return StoreObject(session, t, object, body, content_type, index, tag, previous_tag,
                     std::move(out));
}

Result<bool> IsSchedulingObject(const std::string& data) {
  Result<caldav::CalendarObject> cal = caldav::CalendarObject::Parse(data);
  if (!cal.ok()) return false;
  Result<SchedulingInfo> info = caldav::InspectScheduling(*cal);
  return info.ok() && info->IsSchedulingObject();
}

Status DeleteCalendarObject(const Request& req, const Target& t) {
  // Only the calendar type's remove hook calls this.
  if (req.ctx.options.scheduling && t.owner && t.owner->scheduling) {
    // DELETE resolves its target with the body (BodyRead::kForWrite): read once per request.
    std::optional<std::string> read;
    if (!t.object.data) {
      Result<store::Object> obj = req.session.GetObject(t.collection.id, t.name, true);
      if (!obj.ok()) return obj.status();
      read = std::move(obj->data);
    }
    const std::string& stored = t.object.data ? *t.object.data : *read;
    // No ORGANIZER: no scheduling object (RFC 6638 §3.1), nobody to cancel or decline to.
    if (!caldav::MayHaveOrganizer(stored)) {
      return req.session.DeleteObject(t.collection.id, t.name);
    }
    Result<caldav::CalendarObject> cal = caldav::CalendarObject::Parse(stored);
    Result<SchedulingInfo> info =
        cal.ok() ? caldav::InspectScheduling(*cal) : Result<SchedulingInfo>(cal.status());
    const std::vector<std::string> own = UserAddresses(*t.owner);
    Role role = info.ok() ? RoleOf(*info, own) : Role::kNone;
    // A delegate deleting in the owner's calendar cancels or declines as the owner, sent by
    // them (RFC 5545 §3.2.18), as PutCalendarObject does for their writes.
    const std::string sent_by = req.principal.user_id != t.owner->id && !req.principal.email.empty()
                                    ? caldav::NormalizeAddress("mailto:" + req.principal.email)
                                    : "";
    if (role == Role::kOrganizer && info->OrganizerComponent().organizer_agent == "SERVER" &&
        !AllCancelled(*info)) {
      if (!sent_by.empty()) caldav::SetOrganizer(*cal, info->organizer, "", sent_by);
      for (const std::string& address : info->AttendeeAddresses()) {
        if (Contains(own, address) || AnyListing(*info, address)->schedule_agent != "SERVER") {
          continue;
        }
        Result<caldav::CalendarObject> cancel = caldav::BuildCancel(*cal, address);
        Result<Recipient> to = ResolveRecipient(req.session, req.ctx, address);
        if (!cancel.ok() || !to.ok()) continue;
        internal::Deliver(req.session, req.ctx, OrganizerParty(*info), *to, "CANCEL", *cancel,
                          Origin{});
      }
    } else if (role == Role::kAttendee && info->OrganizerComponent().organizer_agent == "SERVER" &&
               !AllCancelled(*info) &&
               req.http.headers.Get("Schedule-Reply").value_or("T") != "F") {
      // Deleting an invitation declines it (RFC 6638 §3.2.2.3), unless the client asked not to
      // (Schedule-Reply: F, §8.1).
      const std::string me = OwnAttendeeAddress(*info, own);
      if (AnyListing(*info, me)->schedule_agent == "SERVER") {
        if (caldav::SetPartstat(*cal, me, "DECLINED").ok() &&
            caldav::SetAttendeeSentBy(*cal, me, sent_by).ok()) {
          ReplyToOrganizer(req.session, req.ctx, *info, *cal, me, MyName(*info, me), {});
        }
      }
    }
  }
  return req.session.DeleteObject(t.collection.id, t.name);
}

Status ProcessIncoming(store::Session& session, const DavContext& ctx, const store::User& recipient,
                       const std::string& sender, const caldav::CalendarObject& itip) {
  Result<SchedulingInfo> info = caldav::InspectScheduling(itip);
  if (!info.ok()) return Status::BadRequest("the calendar part is not valid iCalendar");
  if (!info->same_organizer) {
    // One component's ORGANIZER is checked against the sender below; another one naming
    // someone else would let the sender speak for them (RFC 5546 §3.2: one organizer).
    return Status::Forbidden("the components of the " + info->method +
                             " name different organizers");
  }
  const std::vector<std::string> own = UserAddresses(recipient);
  const std::string from = caldav::NormalizeAddress(sender);
  if (info->method == "REPLY") {
    std::vector<std::string> repliers = info->AttendeeAddresses();
    if (repliers.size() != 1) return Status::BadRequest("a REPLY must name exactly one attendee");
    if (repliers.front() != from) {
      return Status::Forbidden("the REPLY speaks for " + repliers.front() + ", not for " + from);
    }
    Result<internal::Copy> copy = internal::FindCopy(session, recipient, info->uid);
    if (!copy.ok()) return copy.status();
    if (!copy->found) return Status::NotFound("no event " + info->uid + " to answer");
    Result<SchedulingInfo> mine = caldav::InspectScheduling(copy->parsed);
    if (!mine.ok() || !Contains(own, mine->organizer)) {
      return Status::Forbidden(recipient.login + " does not organise " + info->uid);
    }
    return internal::DeliverReplyToOrganizer(session, ctx, recipient, from, itip, &*copy);
  }
  if (info->method != "REQUEST" && info->method != "ADD" && info->method != "CANCEL") {
    return Status::BadRequest("unsupported iTIP method '" + info->method + "'");
  }
  if (info->organizer != from) {
    return Status::Forbidden("the " + info->method + " comes from " + from +
                             ", not from its organizer " + info->organizer);
  }
  Result<internal::Copy> copy = internal::Copy{};
  if (info->method == "CANCEL") {
    copy = internal::FindCopy(session, recipient, info->uid);
    if (!copy.ok()) return copy.status();
    if (!copy->found) return Status::NotFound("no event " + info->uid + " to cancel");
  } else if (OwnAttendeeAddress(*info, own).empty()) {
    return Status::Forbidden(recipient.login + " is not an attendee of " + info->uid);
  }
  return internal::DeliverToAttendee(session, recipient,
                                     info->method == "CANCEL" ? "CANCEL" : "REQUEST", itip, true,
                                     true, copy->found ? &*copy : nullptr);
}

Result<std::vector<BusyRange>> BusyTime(store::Session& session, const store::User& user,
                                        int64_t start, int64_t end, uint64_t& instances_left,
                                        uint64_t max) {
  Result<std::vector<store::Collection>> calendars = internal::Calendars(session, user, false);
  if (!calendars.ok()) return calendars.status();
  std::vector<BusyRange> out;
  const caldav::TimeRange range{start, end};
  const std::vector<std::string> own = UserAddresses(user);
  for (const store::Collection& c : *calendars) {
    // RFC 6638 §9.1: a transparent calendar does not count in free/busy.
    if (c.settings.transparent.value_or(false)) continue;
    store::ObjectQuery q;
    q.component = "VEVENT";
    q.start = start;
    q.end = end;
    q.with_data = true;
    // Floating and all-day events are busy in the zone of the calendar holding them (RFC 4791
    // §9.9, §7.10), whoever asks.
    const std::string floating_tz = caldav::FloatingZoneOf(c.settings.time_zone.value_or(""));
    Status st = session.QueryObjects(c.id, q, [&](const store::Object& o) {
      Result<std::vector<caldav::BusyPeriod>> busy =
          caldav::BusyPeriods(*o.data, range, floating_tz, own);
      if (!busy.ok()) return Status::OK();
      if (busy->size() > instances_left) return caldav::TooManyInstances(max);
      instances_left -= busy->size();
      for (const caldav::BusyPeriod& b : *busy) {
        if (b.fbtype != "FREE") out.push_back({b.start, b.end, b.fbtype});
      }
      return Status::OK();
    });
    if (!st.ok()) return st;
  }
  std::sort(out.begin(), out.end(),
            [](const BusyRange& a, const BusyRange& b) { return a.start < b.start; });
  return out;
}

uint64_t InstanceBudget(const DavContext& ctx) {
  const uint64_t max = ctx.options.max_instances_per_request;
  return max == 0 ? UINT64_MAX : max;
}

Result<Availability> AvailabilityOf(store::Session& session, const DavContext& ctx,
                                    const std::string& address, int64_t start, int64_t end,
                                    uint64_t& instances_left) {
  Result<Recipient> r = ResolveRecipient(session, ctx, address);
  if (!r.ok()) return r.status();
  Availability a;
  a.kind = r->IsColleague() ? Recipient::Kind::kLocal : r->kind;
  if (a.kind != Recipient::Kind::kLocal) return a;
  a.name = r->user.display_name;
  Result<std::vector<BusyRange>> busy =
      BusyTime(session, r->user, start, end, instances_left, ctx.options.max_instances_per_request);
  if (!busy.ok()) return busy.status();
  a.busy = std::move(busy.value());
  return a;
}

}  // namespace cartable::dav::scheduling
