// PUT of a non-collection resource (RFC 4918 §9.7), with If-Match/If-None-Match (no lost
// update) and the owner's quota (RFC 4331: 507 quota-not-exceeded, old content kept). What a
// member is checked and stored as depends on its collection's type (collection_types.h hooks:
// calendars validate and run implicit scheduling, RFC 6638).
#include "dav/caldav/calendar_collection.h"
#include "dav/caldav/ical.h"
#include "dav/collection_types.h"
#include "dav/conditional.h"
#include "dav/methods/methods.h"
#include "dav/prepared_body.h"
#include "dav/quota.h"
#include "dav/sharing/per_user.h"

namespace cartable::dav {

Result<WriteResult> PutMember(const Request& req, Target& t, const std::string& body,
                              const std::string& content_type) {
  const CollectionType& parent = DescribeCollection(t.collection.kind);
  if (!parent.allows_objects) {
    return Status::Forbidden("this collection does not hold plain resources");
  }
  std::optional<std::string> etag;
  if (t.type == NodeType::kObject) {
    Result<std::string> mine = sharing::ViewerEtag(req, t);  // a sharee's own (per_user.h)
    if (!mine.ok()) return mine.status();
    etag = std::move(mine.value());
  }
  bool unused;
  if (Status s = CheckConditions(req.http, etag, false, &unused); !s.ok()) return s;
  MemberState state;
  if (Status s = CheckChange(req, t, MemberChange::kPut, state); !s.ok()) return s;
  int64_t old_size = t.type == NodeType::kObject ? t.object.size : 0;
  if (parent.counts_quota) {
    if (Status s = CheckQuota(req, t, static_cast<int64_t>(body.size()) - old_size); !s.ok()) {
      return s;
    }
  }
  return WriteMember(req, MemberWrite{t, body, content_type, MemberChange::kPut}, state);
}

PreparedBody PrepareBody(const http::HttpRequest& http) {
  PreparedBody out;
  if (http.method != "PUT") return out;
  std::string_view type = http.headers.Get("Content-Type").value_or("");
  type = http::Trim(type.substr(0, type.find(';')));
  if (!http::EqualsIgnoreCase(type, "text/calendar")) return out;
  // The options every calendar validates with (calendar_collection.cc OptionsFor), all
  // components allowed: the member hook refuses a type its calendar does not take.
  caldav::ValidateOptions options;
  options.max_resource_size = caldav::kMaxCalendarResourceSize;
  options.min_date_time = *caldav::ParseUtcDateTime(caldav::kMinDateTime);
  options.max_date_time = *caldav::ParseUtcDateTime(caldav::kMaxDateTime);
  caldav::CalendarObject parsed;
  if (caldav::ValidateCalendarObject(http.body, options, &parsed).ok()) {
    out.calendar = std::move(parsed);
  }
  return out;
}

MethodResult HandlePut(const Request& req, Target& t) {
  if (!t.path.empty() && t.path.back() == '/') {
    return Status::MethodNotAllowed("PUT cannot create a collection; use MKCOL");
  }
  if (!t.parent_exists) return Status::Conflict("the parent collection does not exist");
  std::string content_type(req.http.headers.Get("Content-Type").value_or(""));
  if (content_type.empty()) content_type = "application/octet-stream";
  Result<WriteResult> stored = PutMember(req, t, req.http.body, content_type);
  if (!stored.ok()) return stored.status();
  http::HttpResponse r;
  r.status = t.type == NodeType::kObject ? 204 : 201;
  // An ETag only when the stored bytes are what was sent (docs/clients.md #12): SCHEDULE-STATUS
  // written by the server makes the client fetch the object again.
  if (!stored->rewritten) r.headers.Set("ETag", stored->object.etag);
  if (!stored->schedule_tag.empty()) r.headers.Set("Schedule-Tag", stored->schedule_tag);
  return r;
}

}  // namespace cartable::dav
