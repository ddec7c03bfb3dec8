// PUT of a non-collection resource (RFC 4918 §9.7), with If-Match/If-None-Match (no lost
// update) and the owner's quota (RFC 4331: 507 quota-not-exceeded, old content kept).
#include "dav/collection_types.h"
#include "dav/conditional.h"
#include "dav/methods/methods.h"
#include "dav/quota.h"
#include "dav/scheduling/scheduler.h"

namespace cartable::dav {
namespace {

// Calendar objects go through implicit scheduling (RFC 6638), which may rewrite them.
MethodResult PutScheduled(const Request& req, const Target& t, const std::string& content_type,
                          const store::ObjectIndex& index) {
  Result<scheduling::PutOutcome> out =
      scheduling::PutCalendarObject(req, t, req.http.body, content_type, index);
  if (!out.ok()) return out.status();
  http::HttpResponse r;
  r.status = t.type == NodeType::kObject ? 204 : 201;
  // An ETag only when the stored bytes are what was sent (CLIENTS.md #12): SCHEDULE-STATUS
  // written by the server makes the client fetch the object again.
  if (!out->rewritten) r.headers.Set("ETag", out->object.etag);
  if (!out->schedule_tag.empty()) r.headers.Set("Schedule-Tag", out->schedule_tag);
  return r;
}

}  // namespace

MethodResult HandlePut(const Request& req, Target& t) {
  if (!t.path.empty() && t.path.back() == '/') {
    return Status::MethodNotAllowed("PUT cannot create a collection; use MKCOL");
  }
  if (!t.parent_exists) return Status::Conflict("the parent collection does not exist");
  const CollectionType& parent = DescribeCollection(t.collection.kind);
  if (!parent.allows_objects) {
    return Status::Forbidden("this collection does not hold plain resources");
  }
  std::optional<std::string> etag;
  if (t.type == NodeType::kObject) etag = t.object.etag;
  bool unused;
  if (Status s = CheckConditions(req.http, etag, false, &unused); !s.ok()) return s;
  if (Status s = scheduling::CheckScheduleTagMatch(req, t); !s.ok()) return s;
  int64_t old_size = t.type == NodeType::kObject ? t.object.size : 0;
  if (parent.counts_quota) {
    if (Status s = CheckQuota(req, t, static_cast<int64_t>(req.http.body.size()) - old_size);
        !s.ok()) {
      return s;
    }
  }
  std::string content_type(req.http.headers.Get("Content-Type").value_or(""));
  if (content_type.empty()) content_type = "application/octet-stream";
  store::ObjectIndex index;
  if (parent.validate != nullptr) {
    Result<store::ObjectIndex> checked =
        parent.validate(req, t.collection, t.name, t.type == NodeType::kObject ? &t.object : nullptr,
                        req.http.body, content_type);
    if (!checked.ok()) return checked.status();
    index = std::move(checked.value());
  }
  if (t.collection.kind == store::kKindCalendar) return PutScheduled(req, t, content_type, index);
  Result<store::Object> stored =
      req.session.PutObject(t.collection.id, t.name, content_type, req.http.body, index);
  if (!stored.ok()) return stored.status();
  http::HttpResponse r;
  r.status = t.type == NodeType::kObject ? 204 : 201;
  // The stored bytes are exactly what was sent, so the ETag may be given (CLIENTS.md #12).
  r.headers.Set("ETag", stored->etag);
  return r;
}

}  // namespace cartable::dav
