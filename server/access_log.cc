#include "server/access_log.h"

#include <ctime>

namespace cartable::server {

AccessLog::AccessLog(const std::string& path) : out_(stderr), owned_(false) {
  if (!path.empty()) {
    FILE* f = std::fopen(path.c_str(), "a");
    if (f != nullptr) {
      out_ = f;
      owned_ = true;
    }
  }
}

AccessLog::~AccessLog() {
  if (owned_) std::fclose(out_);
}

void AccessLog::Write(const http::HttpRequest& request, int status, size_t body_bytes,
                      std::chrono::steady_clock::duration elapsed) {
  auto now = std::chrono::system_clock::now();
  std::time_t tt = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
  double elapsed_ms = std::chrono::duration<double, std::milli>(elapsed).count();
  // The raw path only: the query may carry tokens, headers and bodies may carry credentials.
  const std::string& path = request.raw_path;
  std::lock_guard<std::mutex> lock(mu_);
  std::fprintf(out_, "%s.%03dZ %s %s %s %s %d %zu %.1fms\n", when, static_cast<int>(ms.count()),
               request.remote_addr.empty() ? "-" : request.remote_addr.c_str(),
               request.user.empty() ? "-" : request.user.c_str(),
               request.method.empty() ? "-" : request.method.c_str(),
               path.empty() ? "-" : path.c_str(), status, body_bytes, elapsed_ms);
  std::fflush(out_);
}

}  // namespace cartable::server
