#include "server/metrics.h"

#include <dirent.h>
#include <prometheus/text_serializer.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

#include "server/process_memory.h"

namespace cartable::server {
namespace {

constexpr std::array<std::string_view, kRouteLabelCount> kRouteNames = {
    "dav", "caldav-discovery", "web", "api", "static", "health", "metrics", "other"};

// 1 ms to 10 s: a cached GET answers in about a millisecond, a large REPORT or a password hash
// in hundreds, and 10 s is past every client's patience.
const prometheus::Histogram::BucketBoundaries& DurationBuckets() {
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return kBuckets;
}

// Seconds since the epoch when this process started: /proc/self/stat's starttime (clock ticks
// after boot) plus /proc/stat's btime, as Prometheus' own client libraries compute it; 0 when
// /proc cannot tell.
double ProcessStartTime() {
  std::ifstream stat("/proc/self/stat");
  std::string line;
  if (!std::getline(stat, line)) return 0;
  // The command name (field 2) may hold spaces and parentheses: fields resume after the last ')'.
  size_t close = line.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(line.substr(close + 2));
  std::string field;
  unsigned long long start_ticks = 0;
  for (int i = 3; i <= 22 && fields >> field; ++i) {
    if (i == 22) start_ticks = std::strtoull(field.c_str(), nullptr, 10);
  }
  std::ifstream proc_stat("/proc/stat");
  unsigned long long boot = 0;
  while (std::getline(proc_stat, line)) {
    if (line.rfind("btime ", 0) == 0) boot = std::strtoull(line.c_str() + 6, nullptr, 10);
  }
  const long ticks = sysconf(_SC_CLK_TCK);
  if (boot == 0 || ticks <= 0) return 0;
  return static_cast<double>(boot) + static_cast<double>(start_ticks) / static_cast<double>(ticks);
}

double CpuSeconds() {
  rusage usage{};
  if (getrusage(RUSAGE_SELF, &usage) != 0) return 0;
  auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// Entries of /proc/self/fd (the directory's own descriptor excluded); -1 when unreadable.
double OpenFds() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  double n = 0;
  while (dirent* e = readdir(dir)) {
    if (e->d_name[0] != '.') ++n;
  }
  closedir(dir);
  return n - 1;
}

double MaxFds() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return -1;
  return static_cast<double>(limit.rlim_cur);
}

prometheus::MetricFamily OneSample(std::string name, std::string help, prometheus::MetricType type,
                                   double value) {
  prometheus::MetricFamily family;
  family.name = std::move(name);
  family.help = std::move(help);
  family.type = type;
  prometheus::ClientMetric sample;
  if (type == prometheus::MetricType::Counter) {
    sample.counter.value = value;
  } else {
    sample.gauge.value = value;
  }
  family.metric.push_back(std::move(sample));
  return family;
}

}  // namespace

std::string_view RouteLabelName(RouteLabel route) {
  return kRouteNames[static_cast<size_t>(route)];
}

std::string_view MethodLabel(std::string_view method) {
  static constexpr std::string_view kKnown[] = {
      "GET",   "HEAD",       "POST", "PUT",  "DELETE", "OPTIONS", "PATCH",  "PROPFIND", "PROPPATCH",
      "MKCOL", "MKCALENDAR", "COPY", "MOVE", "LOCK",   "UNLOCK",  "REPORT", "ACL"};
  for (std::string_view known : kKnown) {
    if (method == known) return known;
  }
  return "other";
}

prometheus::MetricFamily GaugeFamily(std::string name, std::string help, double value) {
  return OneSample(std::move(name), std::move(help), prometheus::MetricType::Gauge, value);
}

prometheus::MetricFamily CounterFamily(std::string name, std::string help, double value) {
  return OneSample(std::move(name), std::move(help), prometheus::MetricType::Counter, value);
}

Metrics::Metrics()
    : registry_(std::make_shared<prometheus::Registry>()), start_time_seconds_(ProcessStartTime()) {
  if (start_time_seconds_ == 0) start_time_seconds_ = static_cast<double>(std::time(nullptr));
  requests_ = &prometheus::BuildCounter()
                   .Name("cartable_http_requests_total")
                   .Help("HTTP responses sent, by request method, route and status code.")
                   .Register(*registry_);
  auto& durations = prometheus::BuildHistogram()
                        .Name("cartable_http_request_duration_seconds")
                        .Help("Time from a request's first byte to its response, by route.")
                        .Register(*registry_);
  for (size_t i = 0; i < kRouteLabelCount; ++i) {
    durations_[i] = &durations.Add({{"route", std::string(kRouteNames[i])}}, DurationBuckets());
  }
}

Metrics::~Metrics() = default;

void Metrics::SetRouteClassifier(std::function<RouteLabel(const std::string& path)> classify) {
  classify_ = std::move(classify);
}

void Metrics::SetInFlight(const std::atomic<int64_t>* in_flight) {
  in_flight_.store(in_flight, std::memory_order_release);
}

void Metrics::ObserveRequest(std::string_view method, const std::string& path, int status,
                             std::chrono::steady_clock::duration elapsed) {
  const RouteLabel route = classify_ && !path.empty() ? classify_(path) : RouteLabel::kOther;
  const std::string route_name(RouteLabelName(route));
  requests_
      ->Add({{"method", std::string(MethodLabel(method))},
             {"route", route_name},
             {"status", std::to_string(status)}})
      .Increment();
  durations_[static_cast<size_t>(route)]->Observe(std::chrono::duration<double>(elapsed).count());
}

std::string Metrics::Render(const std::vector<prometheus::MetricFamily>& extra) const {
  std::vector<prometheus::MetricFamily> families = registry_->Collect();
  const std::atomic<int64_t>* in_flight = in_flight_.load(std::memory_order_acquire);
  families.push_back(GaugeFamily(
      "cartable_http_requests_in_flight",
      "Requests received whose response is not yet written (including this scrape).",
      in_flight != nullptr ? static_cast<double>(in_flight->load(std::memory_order_relaxed)) : 0));
  families.insert(families.end(), extra.begin(), extra.end());
  families.push_back(GaugeFamily("process_resident_memory_bytes", "Resident memory size in bytes.",
                                 static_cast<double>(ResidentMemoryBytes())));
  families.push_back(CounterFamily("process_cpu_seconds_total",
                                   "Total user and system CPU time spent in seconds.",
                                   CpuSeconds()));
  families.push_back(GaugeFamily("process_start_time_seconds",
                                 "Start time of the process since unix epoch in seconds.",
                                 start_time_seconds_));
  if (double fds = OpenFds(); fds >= 0) {
    families.push_back(GaugeFamily("process_open_fds", "Number of open file descriptors.", fds));
  }
  if (double max = MaxFds(); max >= 0) {
    families.push_back(
        GaugeFamily("process_max_fds", "Maximum number of open file descriptors.", max));
  }
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

}  // namespace cartable::server
