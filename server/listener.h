// The HTTP/1.1 server: Pistache's TCP layer for sockets and threads, http_parser for framing.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "server/access_log.h"
#include "server/config.h"
#include "server/http/message.h"

namespace cartable::server {

class HttpServerImpl;
class Metrics;  // server/metrics.h

// Serves `handler` on config.listen with config.workers reactor threads.
// Thread-safety: Start/Shutdown from one controlling thread; the handler is called concurrently
// from worker threads (one request at a time per connection, in order).
class HttpServer {
 public:
  // `metrics` (may be null; must outlive the server) counts every response and reads the
  // number of requests in flight (Metrics::SetInFlight) while the server exists.
  HttpServer(const Config& config, http::RequestHandler& handler, AccessLog* access_log,
             Metrics* metrics = nullptr);
  ~HttpServer();  // calls Shutdown()

  // Binds and starts serving in background threads. Returns "" or an error message.
  std::string Start();
  // The bound port (useful with port 0).
  uint16_t port() const;
  // Stops accepting, lets in-flight requests finish (up to shutdown_grace_seconds), closes.
  // Idempotent.
  void Shutdown();
  // Serves further requests with `config`'s per-request values ([limits] sizes, timeouts,
  // lingering close, max_connections_per_address, gzip_min_bytes, [auth]
  // refused_body_drain_bytes); what is bound at Start (listen, workers, max_connections) stays.
  // `config` must outlive the server (server/reload.h ConfigSnapshots). Any thread.
  void Reconfigure(const Config* config);

 private:
  std::unique_ptr<HttpServerImpl> impl_;
};

}  // namespace cartable::server
