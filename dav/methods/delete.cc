// DELETE (RFC 4918 §9.6): objects, and collections with everything below them. Homes are not
// deletable.
#include "dav/collection_types.h"
#include "dav/conditional.h"
#include "dav/methods/methods.h"
#include "dav/scheduling/scheduler.h"

namespace cartable::dav {

MethodResult HandleDelete(const Request& req, Target& t) {
  bool unused;
  std::optional<std::string> etag;
  if (t.type == NodeType::kObject) etag = t.object.etag;
  if (Status s = CheckConditions(req.http, etag, false, &unused); !s.ok()) return s;
  Status s;
  if (t.type == NodeType::kCollection) {
    if (!DescribeCollection(t.collection.kind).deletable) {
      return Status::Forbidden("this collection cannot be deleted");
    }
    s = req.session.DeleteCollection(t.collection.id);
  } else if (t.collection.kind == store::kKindCalendar) {
    if (Status m = scheduling::CheckScheduleTagMatch(req, t); !m.ok()) return m;
    s = scheduling::DeleteCalendarObject(req, t);
  } else {
    s = req.session.DeleteObject(t.collection.id, t.name);
  }
  if (!s.ok()) return s;
  http::HttpResponse r;
  r.status = 204;
  return r;
}

}  // namespace cartable::dav
