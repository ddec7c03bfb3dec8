// The WebDAV entry point: resolve the target, look the method up in the method table (405 with
// Allow from the same table), check access, open the transaction, run the handler, commit.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "dav/context.h"
#include "server/http/message.h"

namespace cartable::dav {

class DavHandler {
 public:
  explicit DavHandler(const DavContext& ctx) : ctx_(ctx) {}
  // Serves one request under /dav/ for an authenticated principal. Never throws.
  http::HttpResponse Handle(const http::HttpRequest& request, const Principal& principal);
  // The principal as the store holds it now (the application's check of a cached credential),
  // or nullopt when it no longer holds.
  using PrincipalCheck = std::function<std::optional<Principal>()>;
  // As above, for a principal known so far only by `user_id` (a verified-credential cache hit):
  // `confirm` runs inside the request's transaction, so that the check costs no transaction of
  // its own (issue 14), and before anything else reads the store for the request. When it
  // returns nullopt nothing was done: *unconfirmed is set and the response is empty.
  http::HttpResponse Handle(const http::HttpRequest& request, store::Id user_id,
                            const PrincipalCheck& confirm, bool* unconfirmed);
  // OPTIONS without credentials (setup probes): the DAV header and a generic Allow.
  http::HttpResponse AnonymousOptions() const;
  // PROPFIND of the server root `/`, which is the HTML home page and not a DAV collection: a
  // multistatus for `/` itself (honest href), with DAV:current-user-principal (RFC 5397) so that
  // clients given only the host name find the principal, an empty DAV:resourcetype, and 404
  // for anything else. Depth is irrelevant: `/` has no DAV members.
  http::HttpResponse PropfindServerRoot(const http::HttpRequest& request,
                                        const Principal& principal) const;

 private:
  http::HttpResponse Serve(const http::HttpRequest& request, const Principal& principal,
                           store::Session& session, store::Transaction& txn,
                           PreparedBody* prepared);

  const DavContext& ctx_;
};

}  // namespace cartable::dav
