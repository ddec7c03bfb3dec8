#include "dav/sharing/per_user.h"

#include "dav/caldav/ical.h"
#include "dav/members.h"
#include "dav/property_registry.h"
#include "dav/sharing/privacy.h"
#include "dav/store/store_util.h"
#include "dav/target.h"

namespace cartable::dav::sharing {
namespace {

// The viewer's per-user data of `object`; nullopt when they have none. From `bulk` (the rows of
// the whole collection, one query) when given, else one lookup.
Result<std::optional<store::PerUserData>> PerUserOf(store::Session& session, store::Id object,
                                                    store::Id viewer,
                                                    MemberProperties* bulk = nullptr) {
  if (bulk != nullptr) {
    Result<const store::PerUserData*> row = bulk->PerUser(object, viewer);
    if (!row.ok()) return row.status();
    if (*row == nullptr) return std::optional<store::PerUserData>();
    return std::optional<store::PerUserData>(**row);
  }
  Result<store::PerUserData> row = session.GetPerUserData(object, viewer);
  if (row.ok()) return std::optional<store::PerUserData>(std::move(row.value()));
  if (row.status().code() == Status::Code::kNotFound) {
    return std::optional<store::PerUserData>();
  }
  return row.status();
}

Result<std::string> View(store::Session& session, const Access& access, store::Id viewer,
                         const store::Object& object, std::string data, MemberProperties* bulk) {
  if (!HasView(access)) return data;
  // The common case of a read-only viewer: a public event is shown as stored, without a parse.
  if (!access.per_user && !caldav::MayBeClassified(data)) return data;
  Result<caldav::CalendarObject> parsed = caldav::CalendarObject::Parse(data);
  if (!parsed.ok()) return Status::Internal("cannot read the stored event " + object.name);
  if (access.per_user) {
    Result<std::optional<store::PerUserData>> mine = PerUserOf(session, object.id, viewer, bulk);
    if (!mine.ok()) return mine.status();
    caldav::StripPerUser(*parsed);
    if (*mine) caldav::MergePerUser(*parsed, (*mine)->data);
  }
  ApplyPrivacy(access, *parsed);
  if (!parsed->changed()) return data;
  return parsed->Text();
}

Result<std::string> Etag(store::Session& session, const Access& access, store::Id viewer,
                         const store::Object& object, MemberProperties* bulk) {
  if (!access.per_user) return object.etag;
  Result<std::optional<store::PerUserData>> mine = PerUserOf(session, object.id, viewer, bulk);
  if (!mine.ok()) return mine.status();
  return CombineEtags(object.etag, *mine ? (*mine)->etag : std::string());
}

}  // namespace

bool HasCalendarView(const Target& t) {
  return HasView(t.access) && t.collection.kind == store::kKindCalendar &&
         (t.type == NodeType::kObject || t.type == NodeType::kMissing);
}

Result<std::string> CalendarView(store::Session& session, const Access& access, store::Id viewer,
                                 const store::Object& object, std::string data) {
  return View(session, access, viewer, object, std::move(data), nullptr);
}

Result<std::string> CalendarView(const Request& req, const Target& t, std::string data) {
  if (!HasCalendarView(t)) return data;
  return View(req.session, t.access, req.principal.user_id, t.object, std::move(data), nullptr);
}

Result<std::string> CalendarView(const PropContext& ctx, std::string data) {
  if (!HasCalendarView(ctx.target)) return data;
  return View(ctx.req.session, ctx.target.access, ctx.req.principal.user_id, ctx.target.object,
              std::move(data), ctx.bulk());
}

std::string CombineEtags(const std::string& object_etag, const std::string& per_user_etag) {
  if (per_user_etag.empty()) return object_etag;
  return store::ComputeEtag(object_etag + "/" + per_user_etag);
}

Result<std::string> ViewerEtag(store::Session& session, const Access& access, store::Id viewer,
                               const store::Object& object) {
  return Etag(session, access, viewer, object, nullptr);
}

Result<std::string> ViewerEtag(const Request& req, const Target& t) {
  if (t.type != NodeType::kObject || !HasCalendarView(t)) return t.object.etag;
  return Etag(req.session, t.access, req.principal.user_id, t.object, nullptr);
}

Result<std::string> ViewerEtag(const PropContext& ctx) {
  const Target& t = ctx.target;
  if (t.type != NodeType::kObject || !HasCalendarView(t)) return t.object.etag;
  return Etag(ctx.req.session, t.access, ctx.req.principal.user_id, t.object, ctx.bulk());
}

Result<ShareeWrite> SplitShareeWrite(const Request& req, const Target& t,
                                     const std::string* previous, caldav::CalendarObject& parsed) {
  ShareeWrite out;
  std::optional<caldav::CalendarObject> stored;
  if (previous != nullptr) {
    if (Status s = CheckMayChange(t, *previous, "PUT"); !s.ok()) return s;
    Result<caldav::CalendarObject> p = caldav::CalendarObject::Parse(*previous);
    if (!p.ok()) return Status::Internal("cannot read the stored event " + t.path);
    stored = std::move(p.value());
  }
  if (!t.access.per_user) return out;  // a viewer without per-user data writes as the owner
  out.per_user = caldav::SplitPerUser(parsed);
  if (!t.access.Has(kPrivWriteContent)) {
    // A read sharee: their alarms are theirs to change, the event is not (CalendarServer keeps
    // read-only sharees' per-user changes the same way).
    if (!stored || !caldav::SameSharedContent(parsed, *stored)) return Denied(t, "PUT");
    out.per_user_only = true;
    return out;
  }
  if (stored) caldav::CopyPerUser(*stored, parsed);
  return out;
}

Status StorePerUser(const Request& req, const Target& t, store::Id object_id,
                    const std::string& data) {
  const store::Id user = req.principal.user_id;
  Result<std::optional<store::PerUserData>> mine = PerUserOf(req.session, object_id, user);
  if (!mine.ok()) return mine.status();
  if (data.empty()) {
    if (!*mine) return Status::OK();
    if (Status s = req.session.DeletePerUserData(object_id, user); !s.ok()) return s;
  } else {
    if (*mine && (*mine)->data == data) return Status::OK();
    if (Status s = req.session.PutPerUserData(object_id, user, data); !s.ok()) return s;
  }
  // The sharee's view changed: their next sync (and getctag) must say so. The owner sees a
  // change too (their copy is the same), which costs them one fetch.
  Result<int64_t> seq = req.session.Touch(t.collection.id, t.name, false);
  return seq.ok() ? Status::OK() : seq.status();
}

}  // namespace cartable::dav::sharing
