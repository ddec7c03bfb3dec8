// The prefix table that sends a request to its handler: /.well-known/…, /dav/…, /api/v1/…, /.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "server/auth.h"
#include "server/http/message.h"

namespace cartable::server {

// `user` is null on routes that do not need authentication.
using RouteHandler =
    std::function<http::HttpResponse(http::HttpRequest& request, const AuthUser* user)>;

struct Route {
  std::string prefix;  // "/dav" matches "/dav" and "/dav/…", not "/davx"
  bool exact = false;  // match the prefix only, nothing below it
  bool needs_auth = true;
  RouteHandler handler;
  bool json_errors = false;  // answer 401/404 with a JSON body (the webmail API)
  // needs_auth = false, but Basic credentials, when sent, are verified (and a wrong one is
  // refused): the account API answers both the session cookie and Basic.
  bool auth_optional = false;
  // Admit accepts a verified-credential cache hit without reading the store, and Handle confirms
  // it inside the request's own transaction (the DAV route: App::ServeDavConfirming).
  bool confirms_in_handler = false;
};

class Router {
 public:
  void Add(Route route) { routes_.push_back(std::move(route)); }
  // The longest matching route, or nullptr.
  const Route* Match(const std::string& path) const;

 private:
  std::vector<Route> routes_;
};

}  // namespace cartable::server
