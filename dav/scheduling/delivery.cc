// Delivering one iTIP message to one recipient: a colleague's inbox and calendar, or a mail.
#include "dav/scheduling/delivery.h"

#include <algorithm>
#include <chrono>
#include <random>

#include "dav/caldav/calendar_collection.h"
#include "dav/caldav/imip_text.h"
#include "dav/scheduling/imip_mime.h"
#include "dav/target.h"
#include "dav/xml.h"
#include "server/http/path.h"

namespace cartable::dav::scheduling::internal {
namespace {

std::string RandomHex(size_t bytes) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  while (out.size() < bytes * 2) {
    uint64_t v = rng();
    for (int i = 0; i < 16 && out.size() < bytes * 2; ++i, v >>= 4) out.push_back(kHex[v & 15]);
  }
  return out;
}

// Thunderbird's naming (docs/clients.md: "<UID>.ics", characters outside [A-Za-z0-9_.-] as '_'), so
// a client importing the same invitation lands on the same resource (docs/clients.md #7).
std::string NameForUid(const std::string& uid) {
  std::string name;
  for (char c : uid) {
    bool keep = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
    name.push_back(keep ? c : '_');
  }
  if (name.empty() || name.size() > 200) name = RandomHex(16);
  return name + ".ics";
}

std::string InboxPath(const store::User& user) {
  return HomePath(CalendarArea(), user.login) + "inbox/";
}

bool Accepts(const store::Collection& calendar, const std::string& component) {
  std::vector<std::string> comps = caldav::ComponentSet(calendar.settings);
  return std::find(comps.begin(), comps.end(), component) != comps.end();
}

// Leaves `itip` in the user's inbox. A REQUEST or CANCEL supersedes the earlier messages about
// the same event (an attendee's inbox only ever holds those for it), so inboxes that clients
// never empty (Thunderbird does not read them) hold one message per event, not one per edit.
// Replies accumulate in the organizer's inbox: one per answer.
Status DropInInbox(store::Session& session, const store::User& user,
                   const caldav::CalendarObject& itip, const caldav::SchedulingInfo& info) {
  Result<store::Collection> inbox = session.GetCollection(InboxPath(user));
  if (!inbox.ok()) return inbox.status();
  if (info.method != "REPLY") {
    std::vector<std::string> superseded;
    Status st = session.ForEachObject(inbox->id, [&](const store::Object& o) {
      if (o.index.uid == info.uid) superseded.push_back(o.name);
      return Status::OK();
    });
    if (!st.ok()) return st;
    for (const std::string& name : superseded) {
      if (Status d = session.DeleteObject(inbox->id, name); !d.ok()) return d;
    }
  }
  store::ObjectIndex index;  // unbounded in time: queries always parse inbox messages
  index.uid = info.uid;
  index.component = info.component;
  index.needs_expansion = true;
  return session.PutObject(inbox->id, RandomHex(16) + ".ics", kCalendarType, itip.Text(), index)
      .status();
}

// Stores `data` as `name` in `calendar` (validated and indexed like a PUT, without parsing it
// again; serialised once here).
Result<store::Object> StoreCopy(store::Session& session, const store::Collection& calendar,
                                const std::string& name, const caldav::CalendarObject& data) {
  Result<store::ObjectIndex> index = caldav::ValidateForCalendar(session, calendar, name, data);
  if (!index.ok()) return index.status();
  return session.PutObject(calendar.id, name, kCalendarType, data.Text(), *index);
}

}  // namespace

std::string NewScheduleTag() { return "\"s-" + RandomHex(12) + "\""; }

Result<std::vector<store::Collection>> Calendars(store::Session& session, const store::User& user,
                                                 bool create) {
  const std::string path = HomePath(CalendarArea(), user.login);
  Result<store::Collection> home = create ? GetOrCreateHome(session, CalendarArea(), user.id, path)
                                          : session.GetCollection(path);
  if (!home.ok()) {
    if (!create && home.status().code() == Status::Code::kNotFound) {
      return std::vector<store::Collection>{};
    }
    return home.status();
  }
  Result<std::vector<store::Collection>> children = session.ListChildCollections(home->id);
  if (!children.ok()) return children.status();
  std::vector<store::Collection> out;
  for (store::Collection& c : *children) {
    if (c.kind == store::kKindCalendar) out.push_back(std::move(c));
  }
  return out;
}

Result<Copy> FindCopy(store::Session& session, const store::User& user, const std::string& uid) {
  Result<std::vector<store::Collection>> calendars = Calendars(session, user);
  if (!calendars.ok()) return calendars.status();
  Copy copy;
  for (const store::Collection& c : *calendars) {
    Result<store::Object> o = session.FindObjectByUid(c.id, uid);
    if (!o.ok()) {
      if (o.status().code() != Status::Code::kNotFound) return o.status();
      continue;
    }
    Result<store::Object> full = session.GetObject(c.id, o->name, true);
    if (!full.ok()) return full.status();
    copy.found = true;
    copy.calendar = c;
    copy.object = std::move(full.value());
    if (Result<caldav::CalendarObject> parsed = caldav::CalendarObject::Parse(*copy.object.data);
        parsed.ok()) {
      copy.parsed = std::move(parsed.value());
    }
    return copy;
  }
  return copy;
}

Result<store::Collection> DefaultCalendar(store::Session& session, const store::User& user,
                                          const std::string& component) {
  Result<std::vector<store::Collection>> calendars = Calendars(session, user);
  if (!calendars.ok()) return calendars.status();
  if (Result<store::Collection> inbox = session.GetCollection(InboxPath(user)); inbox.ok()) {
    const store::Id chosen = inbox->settings.default_calendar_id;
    for (const store::Collection& c : *calendars) {
      if (chosen != 0 && c.id == chosen && Accepts(c, component)) return c;
    }
  }
  for (const store::Collection& c : *calendars) {
    if (Accepts(c, component)) return c;
  }
  return Status::Violates(Precondition::kSupportedCalendarComponent,
                          user.login + " has no calendar for " + component);
}

Status DeliverToAttendee(store::Session& session, const store::User& to, const std::string& method,
                         const caldav::CalendarObject& itip, bool to_inbox, bool update_tag,
                         Copy* known) {
  Result<caldav::SchedulingInfo> info = caldav::InspectScheduling(itip);
  if (!info.ok()) return info.status();
  Result<Copy> found = known ? Result<Copy>(Copy{}) : FindCopy(session, to, info->uid);
  if (!found.ok()) return found.status();
  Copy& copy = known ? *known : *found;
  if (copy.found) {
    Result<caldav::SchedulingInfo> mine = caldav::InspectScheduling(copy.parsed);
    if (mine.ok() && !mine->organizer.empty() && mine->organizer != info->organizer) {
      return Status::Forbidden("the event " + info->uid + " belongs to another organizer");
    }
  }
  Result<caldav::CalendarObject> data = Status::OK();
  store::Collection calendar;
  std::string name;
  if (method == "CANCEL") {
    if (!copy.found) return to_inbox ? DropInInbox(session, to, itip, *info) : Status::OK();
    if (Status s = caldav::ApplyCancel(copy.parsed, itip); !s.ok()) return s;
    data = std::move(copy.parsed);
  } else {
    data = caldav::ApplyRequest(copy.found ? &copy.parsed : nullptr, itip);
  }
  if (!data.ok()) return data.status();
  if (copy.found) {
    calendar = copy.calendar;
    name = copy.object.name;
  } else {
    Result<store::Collection> chosen = DefaultCalendar(session, to, info->component);
    if (!chosen.ok()) return chosen.status();
    calendar = *chosen;
    name = NameForUid(info->uid);
    if (session.GetObject(calendar.id, name, false).ok()) name = RandomHex(16) + ".ics";
  }
  Result<store::Object> stored = StoreCopy(session, calendar, name, *data);
  if (!stored.ok()) return stored.status();
  if (update_tag || !copy.found) {
    if (Status s = session.SetScheduleTag(stored->id, NewScheduleTag()); !s.ok()) return s;
  }
  return to_inbox ? DropInInbox(session, to, itip, *info) : Status::OK();
}

Status DeliverReplyToOrganizer(store::Session& session, const DavContext& ctx,
                               const store::User& organizer, const std::string& replier,
                               const caldav::CalendarObject& itip, Copy* known) {
  Result<caldav::SchedulingInfo> info = caldav::InspectScheduling(itip);
  if (!info.ok()) return info.status();
  Result<Copy> found = known ? Result<Copy>(Copy{}) : FindCopy(session, organizer, info->uid);
  if (!found.ok()) return found.status();
  Copy& copy = known ? *known : *found;
  if (!copy.found) return Status::NotFound("the organizer has no event " + info->uid);
  bool changed = false;
  caldav::CalendarObject& updated = copy.parsed;
  if (Status s = caldav::ApplyReply(updated, itip, replier, &changed); !s.ok()) return s;
  // The organizer's Schedule-Tag stays: a reply is not an organizer change (RFC 6638 §3.2.10).
  Result<store::Object> stored = StoreCopy(session, copy.calendar, copy.object.name, updated);
  if (!stored.ok()) return stored.status();
  if (Status s = DropInInbox(session, organizer, itip, *info); !s.ok()) return s;
  if (!changed) return Status::OK();
  // Every other colleague's copy shows the new answer (no message, no new Schedule-Tag).
  Result<caldav::SchedulingInfo> now = caldav::InspectScheduling(updated);
  if (!now.ok()) return now.status();
  std::vector<std::string> own = UserAddresses(organizer);
  for (const std::string& other : now->AttendeeAddresses()) {
    if (other == replier || std::find(own.begin(), own.end(), other) != own.end()) continue;
    Result<Recipient> r = ResolveRecipient(session, ctx, other);
    if (!r.ok() || r->kind != Recipient::Kind::kLocal) continue;
    Result<caldav::CalendarObject> request = caldav::BuildRequest(updated, other);
    if (!request.ok()) continue;
    Result<Copy> theirs = FindCopy(session, r->user, info->uid);
    if (!theirs.ok() || !theirs->found) continue;  // they have not got it (or deleted it)
    if (Status s = DeliverToAttendee(session, r->user, "REQUEST", *request, false, false, &*theirs);
        !s.ok() && s.code() == Status::Code::kInternal) {
      return s;
    }
  }
  return Status::OK();
}

std::string SendMail(store::Session& session, const DavContext& ctx, const Party& from,
                     const std::string& to_address, const std::string& method,
                     const caldav::CalendarObject& itip, const Origin& origin) {
  Result<caldav::ImipText> text = caldav::DescribeItip(itip);
  ImipMail mail;
  mail.from = {caldav::MailAddress(from.address), from.name};
  mail.to = {{to_address, ""}};
  mail.subject = text.ok() ? text->subject : "Invitation";
  mail.text = text.ok() ? text->body : "";
  mail.method = method;
  mail.ics = itip.Text();
  mail.message_id_domain = ctx.options.message_id_domain;
  Result<std::string> message = BuildImipMessage(mail);
  if (!message.ok()) return "5.1";
  std::string envelope = ctx.options.mail_from.empty() ? mail.from.address : ctx.options.mail_from;
  // Queued in the caller's transaction, never sent here: the mail leaves only if the change
  // that causes it commits, and no request waits on the relay (the worker sends it at once).
  store::QueuedMail queued;
  queued.envelope_from = envelope;
  queued.recipient = to_address;
  queued.message = *message;
  queued.origin_collection = origin.collection;
  queued.origin_name = origin.name;
  queued.next_attempt = std::chrono::system_clock::to_time_t(ctx.clock());
  return session.EnqueueMail(queued).ok() ? "1.0" : "5.1";
}

std::string Deliver(store::Session& session, const DavContext& ctx, const Party& from,
                    const Recipient& to, const std::string& method,
                    const caldav::CalendarObject& itip, const Origin& origin, bool update_tag) {
  switch (to.kind) {
    case Recipient::Kind::kUnknown: return "3.7";
    case Recipient::Kind::kDisabled: return "3.8";
    case Recipient::Kind::kExternal:
      return SendMail(session, ctx, from, caldav::MailAddress(to.address), method, itip, origin);
    case Recipient::Kind::kLocal: break;
  }
  Status s = method == "REPLY"
                 ? DeliverReplyToOrganizer(session, ctx, to.user, from.address, itip)
                 : DeliverToAttendee(session, to.user, method, itip, true, update_tag);
  if (s.ok()) return "1.2";
  if (s.code() == Status::Code::kForbidden) return "3.8";
  return "5.1";
}

}  // namespace cartable::dav::scheduling::internal
