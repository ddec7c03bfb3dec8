// The server's Prometheus metrics (issue 16): per-request counters and latency histograms kept
// by the transport, the process's own figures, and the exposition in the text format 0.0.4 that
// /metrics serves. The registry and the text writer are prometheus-cpp's (Debian
// prometheus-cpp-dev, core library only: the server serves the page itself, on its own port).
//
// Threads: ObserveRequest and Render from any thread at any time; SetRouteClassifier before the
// server serves; SetInFlight from the transport's controlling thread.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>

#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace cartable::server {

// The `route` label: a small fixed set, never the raw path (one series per path would grow
// without bound with what clients send).
enum class RouteLabel {
  kDav,              // /dav/...
  kCaldavDiscovery,  // /.well-known/caldav, /.well-known/carddav
  kWeb,              // the web pages (/, /connexion, /agenda...)
  kApi,              // /api/...
  kStatic,           // /static/..., /app/... (stylesheets, the web application's bundle)
  kHealth,           // /healthz, /readyz
  kMetrics,          // /metrics
  kOther,            // nothing serves the path (404), or no request line could be read
};
inline constexpr size_t kRouteLabelCount = 8;
std::string_view RouteLabelName(RouteLabel route);

// The `method` label: the methods the server knows (RFC 9110, 4918, 4791, 5789, 3744), else
// "other" (a client-chosen token must not create series).
std::string_view MethodLabel(std::string_view method);

// The Content-Type of the text exposition format.
inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

class Metrics {
 public:
  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // One response written (called where the access log line is written, also for the 400, 408
  // and 503 the transport answers itself): cartable_http_requests_total{method,route,status}
  // and cartable_http_request_duration_seconds{route}.
  void ObserveRequest(std::string_view method, const std::string& path, int status,
                      std::chrono::steady_clock::duration elapsed);
  // How a path maps to its route label (the App's router); unset: every path is kOther.
  void SetRouteClassifier(std::function<RouteLabel(const std::string& path)> classify);
  // The transport's count of requests received and not yet answered (cartable_http_requests_
  // in_flight); null when no transport serves (the gauge reads 0). The counter must outlive its
  // registration.
  void SetInFlight(const std::atomic<int64_t>* in_flight);

  // The exposition: the request metrics, `extra` (what the caller read for this scrape), then
  // the process's (process_resident_memory_bytes, process_cpu_seconds_total,
  // process_start_time_seconds, process_open_fds, process_max_fds).
  std::string Render(const std::vector<prometheus::MetricFamily>& extra) const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* requests_;
  std::array<prometheus::Histogram*, kRouteLabelCount> durations_{};
  std::function<RouteLabel(const std::string& path)> classify_;
  std::atomic<const std::atomic<int64_t>*> in_flight_{nullptr};
  double start_time_seconds_;
};

// Helpers for the families a caller adds to a scrape: one unlabelled sample.
prometheus::MetricFamily GaugeFamily(std::string name, std::string help, double value);
prometheus::MetricFamily CounterFamily(std::string name, std::string help, double value);

}  // namespace cartable::server
