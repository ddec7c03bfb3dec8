// The WebDAV entry point: resolve the target, look the method up in the method table (405 with
// Allow from the same table), check access, open the transaction, run the handler, commit.
#pragma once

#include <string>

#include "dav/context.h"
#include "server/http/message.h"

namespace cartable::dav {

class DavHandler {
 public:
  explicit DavHandler(const DavContext& ctx) : ctx_(ctx) {}
  // Serves one request under /dav/ for an authenticated principal. Never throws.
  http::HttpResponse Handle(const http::HttpRequest& request, const Principal& principal);
  // OPTIONS without credentials (setup probes): the DAV header and a generic Allow.
  http::HttpResponse AnonymousOptions() const;
  // PROPFIND of the server root `/`, which is the HTML home page and not a DAV collection: a
  // multistatus for `/` itself (honest href), with DAV:current-user-principal (RFC 5397) so that
  // clients given only the host name find the principal, an empty DAV:resourcetype, and 404
  // for anything else. Depth is irrelevant: `/` has no DAV members.
  http::HttpResponse PropfindServerRoot(const http::HttpRequest& request,
                                        const Principal& principal) const;

 private:
  const DavContext& ctx_;
};

}  // namespace cartable::dav
