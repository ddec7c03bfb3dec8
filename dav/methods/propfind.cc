// PROPFIND (RFC 4918 §9.1): Depth 0 or 1; Depth infinity is refused (propfind-finite-depth).
#include "dav/conditional.h"
#include "dav/members.h"
#include "dav/methods/methods.h"
#include "dav/multistatus.h"
#include "dav/prop_request.h"

namespace cartable::dav {

MethodResult HandlePropfind(const Request& req, Target& target) {
  Result<Depth> depth = ParseDepth(req.http, Depth::kInfinity);
  if (!depth.ok()) return depth.status();
  if (*depth == Depth::kInfinity) {
    return Status::Violates(Precondition::kPropfindFiniteDepth,
                            "PROPFIND with Depth: infinity is not supported; use Depth 0 or 1");
  }
  Result<PropRequest> props = ParsePropfindBody(req.http.body, req.ctx.options);
  if (!props.ok()) return props.status();
  bool minimal = WantsMinimal(req.http);
  MultistatusWriter out(req.ctx.options.max_response_bytes);
  if (Status s = WritePropResponse(req, target, *props, minimal, out); !s.ok()) return s;
  // Members are listed to those who may read them: a free/busy-only sharee sees the calendar,
  // not its members (RFC 4791 §6.1.1: read-free-busy reads no calendar data).
  if (*depth == Depth::kOne && target.access.Has(kPrivRead)) {
    Status s = ForEachMember(req, target, [&](const Target& child, MemberProperties* rows) {
      return WritePropResponse(req, child, *props, minimal, out, rows);
    });
    if (!s.ok()) return s;
  }
  http::HttpResponse r = out.Finish();
  if (minimal) r.headers.Set("Preference-Applied", "return=minimal");
  return r;
}

}  // namespace cartable::dav
