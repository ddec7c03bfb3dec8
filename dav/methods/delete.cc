// DELETE (RFC 4918 §9.6): objects, and collections with everything below them. Homes are not
// deletable, nor the default calendar and address book (CollectionType::check_delete). A member is
// removed through its collection type's hook (calendars cancel or decline scheduled events, RFC
// 6638 §3.2.2.3). DELETE of a share mount leaves the share.
#include "dav/collection_types.h"
#include "dav/conditional.h"
#include "dav/methods/methods.h"
#include "dav/sharing/per_user.h"
#include "dav/sharing/sharing_service.h"

namespace cartable::dav {

Status DeleteMember(const Request& req, Target& t) {
  Result<std::string> etag = sharing::ViewerEtag(req, t);  // a sharee's own (per_user.h)
  if (!etag.ok()) return etag.status();
  bool unused;
  if (Status s = CheckConditions(req.http, *etag, false, &unused); !s.ok()) return s;
  MemberState state;
  if (Status m = CheckChange(req, t, MemberChange::kDelete, state); !m.ok()) return m;
  return RemoveMember(req, t, nullptr, state);
}

MethodResult HandleDelete(const Request& req, Target& t) {
  Status s;
  if (t.type == NodeType::kObject) {
    s = DeleteMember(req, t);
  } else {
    bool unused;
    if (Status c = CheckConditions(req.http, std::nullopt, false, &unused); !c.ok()) return c;
    if (t.mount && t.path == t.mount->path) {
      // A share mount: its user removes it from their home (sharing_service.h LeaveShare); the
      // owner's collection stays (CalendarServer and SabreDAV answer the same way).
      s = sharing::LeaveShare(req, t.mount->share);
    } else {
      if (Status c = CheckDelete(req, t); !c.ok()) return c;
      // A shared calendar or address book: the sharees' homes learn their mounts went.
      if (Status r = sharing::RevokeAllShares(req, t.collection); !r.ok()) return r;
      s = req.session.DeleteCollection(t.collection.id);
    }
  }
  if (!s.ok()) return s;
  http::HttpResponse r;
  r.status = 204;
  return r;
}

}  // namespace cartable::dav
