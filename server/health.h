// What monitoring and orchestration read (issue 16): /healthz (the process serves), /readyz (the
// store answers and its schema is the one this binary migrates to) and /metrics (Prometheus'
// text format). None needs an account; /metrics answers only the [metrics] allow addresses or
// the bearer token of [metrics] token_file, and 403 to everybody else.
#pragma once

#include <atomic>
#include <optional>
#include <string>
#include <vector>

#include "dav/store/store.h"
#include "directory/account_service.h"
#include "server/config.h"
#include "server/http/message.h"
#include "server/metrics.h"

namespace cartable::server {

class HealthRoutes {
 public:
  // `store`, `accounts` and `metrics` must outlive the routes. Reads [metrics] token_file when it
  // is set; throws std::runtime_error naming the file when it cannot be read or holds no token.
  HealthRoutes(const Config& config, store::Store& store, const directory::AccountService& accounts,
               Metrics& metrics);

  // Each answers GET and HEAD (405 with Allow otherwise), with Cache-Control: no-store.
  // 200 "ok": the process serves requests; never touches the store.
  http::HttpResponse Alive(const http::HttpRequest& request) const;
  // 200 "ready" when the store answers a read and the database's schema version is this
  // binary's newest migration; else 503, Retry-After and a one-line reason (the store does not
  // answer; the schema is older: run `cartable migrate`; the schema is newer than the binary).
  // The first probe and every change between ready and not ready are logged on stderr.
  http::HttpResponse Ready(const http::HttpRequest& request);
  // The metrics, when MayScrape; 403 otherwise (the body says nothing of why).
  http::HttpResponse Scrape(const http::HttpRequest& request);
  // A client in [metrics] allow (request.remote_addr), or `Authorization: Bearer <token>` with
  // the token file's token (compared in constant time).
  bool MayScrape(const http::HttpRequest& request) const;

 private:
  // What this scrape reads from the store and the account service.
  std::vector<prometheus::MetricFamily> ScrapeValues();

  const Config& config_;
  store::Store& store_;
  const directory::AccountService& accounts_;
  Metrics& metrics_;
  std::string token_digest_;         // BLAKE2b-256 of the token; empty: no token file
  std::atomic<int> last_ready_{-1};  // -1 before the first probe, then 0 or 1
};

// Reads a bearer token file: its content without surrounding white space. Errors name the file.
Result<std::string> ReadTokenFile(const std::string& path);

}  // namespace cartable::server
