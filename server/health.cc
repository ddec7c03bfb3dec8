#include "server/health.h"

#include <sodium.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>

namespace cartable::server {
namespace {

// Probes and scrapes must reach the server, never a cache between them.
http::HttpResponse Plain(int status, std::string body,
                         std::string content_type = "text/plain; charset=utf-8") {
  http::HttpResponse r = http::HttpResponse::Text(status, std::move(body), std::move(content_type));
  r.headers.Set("Cache-Control", "no-store");
  return r;
}

// GET and HEAD only; the 405 otherwise, nullopt when the method is fine.
std::optional<http::HttpResponse> RefuseMethod(const http::HttpRequest& request) {
  if (request.method == "GET" || request.method == "HEAD") return std::nullopt;
  http::HttpResponse r = Plain(405, "Method Not Allowed\n");
  r.headers.Set("Allow", "GET, HEAD");
  return r;
}

std::string TokenDigest(std::string_view token) {
  std::string digest(crypto_generichash_BYTES, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(digest.data()), digest.size(),
                     reinterpret_cast<const unsigned char*>(token.data()), token.size(), nullptr,
                     0);
  return digest;
}

}  // namespace

Result<std::string> ReadTokenFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Internal("cannot read " + path);
  std::ostringstream content;
  content << in.rdbuf();
  std::string token = content.str();
  const char* kSpace = " \t\r\n";
  const size_t first = token.find_first_not_of(kSpace);
  if (first == std::string::npos) return Status::Internal(path + " holds no token");
  token = token.substr(first, token.find_last_not_of(kSpace) - first + 1);
  return token;
}

HealthRoutes::HealthRoutes(const Config& config, store::Store& store,
                           const directory::AccountService& accounts, Metrics& metrics)
    : config_(config), store_(store), accounts_(accounts), metrics_(metrics) {
  if (!config.metrics_token_file.empty()) {
    Result<std::string> token = ReadTokenFile(config.metrics_token_file);
    if (!token.ok()) {
      throw std::runtime_error("[metrics] token_file: " + token.status().message());
    }
    token_digest_ = TokenDigest(*token);
  }
}

http::HttpResponse HealthRoutes::Alive(const http::HttpRequest& request) const {
  if (auto refused = RefuseMethod(request)) return *refused;
  return Plain(200, "ok\n");
}

http::HttpResponse HealthRoutes::Ready(const http::HttpRequest& request) {
  if (auto refused = RefuseMethod(request)) return *refused;
  std::string reason;
  Result<store::SchemaVersions> versions = store_.ThreadSession().GetSchemaVersions();
  if (!versions.ok()) {
    reason = "the store does not answer";
  } else if (versions->database < versions->binary) {
    reason = "the database schema is at version " + std::to_string(versions->database) +
             ", this binary needs " + std::to_string(versions->binary) + " (run cartable migrate)";
  } else if (versions->database > versions->binary) {
    reason = "the database schema is at version " + std::to_string(versions->database) +
             ", newer than this binary's " + std::to_string(versions->binary);
  }
  const int ready = reason.empty() ? 1 : 0;
  if (last_ready_.exchange(ready, std::memory_order_relaxed) != ready) {
    // The store's own message stays in the log (it may name hosts); the probe gets the reason.
    std::cerr << "cartable: " << (ready ? "ready" : "not ready: " + reason)
              << (versions.ok() ? "" : " (" + versions.status().ToString() + ")") << std::endl;
  }
  if (ready) return Plain(200, "ready\n");
  http::HttpResponse r = Plain(503, "not ready: " + reason + "\n");
  r.headers.Set("Retry-After", std::to_string(store::kBusyRetryAfterSeconds));
  return r;
}

bool HealthRoutes::MayScrape(const http::HttpRequest& request) const {
  if (config_.metrics_allow.Contains(request.remote_addr)) return true;
  if (token_digest_.empty()) return false;
  std::optional<std::string_view> authorization = request.headers.Get("Authorization");
  if (!authorization) return false;
  std::string_view value = http::Trim(*authorization);
  constexpr std::string_view kScheme = "Bearer ";
  if (value.size() <= kScheme.size() ||
      !http::EqualsIgnoreCase(value.substr(0, kScheme.size()), kScheme)) {
    return false;
  }
  // Digests of equal length, compared in constant time: neither the token nor its length leaks
  // through the time the comparison takes.
  const std::string presented = TokenDigest(http::Trim(value.substr(kScheme.size())));
  return sodium_memcmp(presented.data(), token_digest_.data(), token_digest_.size()) == 0;
}

std::vector<prometheus::MetricFamily> HealthRoutes::ScrapeValues() {
  std::vector<prometheus::MetricFamily> out;
  const store::StoreStats& stats = store_.stats();
  out.push_back(CounterFamily(
      "cartable_store_busy_total",
      "Store calls refused because the database stayed busy (answered 503 + Retry-After).",
      static_cast<double>(stats.busy_total.load(std::memory_order_relaxed))));
  out.push_back(CounterFamily(
      "cartable_store_wait_seconds_total",
      "Time spent waiting to write: the write lock, and PostgreSQL's connection pool.",
      static_cast<double>(stats.wait_nanoseconds_total.load(std::memory_order_relaxed)) / 1e9));
  out.push_back(CounterFamily("cartable_sign_in_failures_total",
                              "Refused passwords and one-time codes (as audited).",
                              static_cast<double>(accounts_.sign_in_failures())));
  out.push_back(CounterFamily("cartable_lockouts_total",
                              "Accounts locked or blocked after repeated sign-in failures.",
                              static_cast<double>(accounts_.lockouts())));
  const store::UnixTime now = accounts_.Now();
  const directory::AccountOptions& o = accounts_.options();
  store::Session& session = store_.ThreadSession();
  Result<store::SchemaVersions> versions = session.GetSchemaVersions();
  Result<store::OperationalCounts> counts =
      versions.ok() ? session.ReadOperationalCounts(now - int64_t{o.session_idle_minutes} * 60,
                                                    now - int64_t{o.session_max_hours} * 3600)
                    : Result<store::OperationalCounts>(versions.status());
  out.push_back(GaugeFamily("cartable_store_up",
                            "1 when the store answered this scrape's reads, else 0 (the store "
                            "figures below are then absent).",
                            counts.ok() ? 1 : 0));
  if (counts.ok()) {
    out.push_back(GaugeFamily("cartable_schema_version", "The database's schema version.",
                              versions->database));
    out.push_back(GaugeFamily("cartable_mail_queue_depth",
                              "Mails waiting in the outgoing queue (due or to be retried).",
                              static_cast<double>(counts->mail_queued)));
    const double age = counts->mail_oldest == 0
                           ? 0
                           : static_cast<double>(std::max<int64_t>(0, now - counts->mail_oldest));
    out.push_back(GaugeFamily("cartable_mail_queue_oldest_age_seconds",
                              "Age of the oldest queued mail; 0 when the queue is empty.", age));
    out.push_back(GaugeFamily("cartable_web_sessions_active",
                              "Web sessions neither idle nor older than their limits.",
                              static_cast<double>(counts->web_sessions)));
  }
  prometheus::MetricFamily build =
      GaugeFamily("cartable_build_info", "Always 1; the labels describe this server.", 1);
  build.metric[0].label.push_back({"backend", config_.store_backend});
  out.push_back(std::move(build));
  return out;
}

http::HttpResponse HealthRoutes::Scrape(const http::HttpRequest& request) {
  if (!MayScrape(request)) return Plain(403, "Forbidden\n");
  if (auto refused = RefuseMethod(request)) return *refused;
  return Plain(200, metrics_.Render(ScrapeValues()), std::string(kMetricsContentType));
}

}  // namespace cartable::server
