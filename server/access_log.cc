#include "server/access_log.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>

namespace cartable::server {
namespace {

// Lines waiting beyond this are written at once rather than at the next tick.
constexpr size_t kMaxPendingBytes = 64 << 10;

// The raw path only, in both formats: the query may carry tokens, headers and bodies may carry
// credentials.
std::string TextLine(const char* time, const http::HttpRequest& request, int status,
                     size_t body_bytes, double elapsed_ms) {
  // " status bytes elapsed.0ms ", by to_chars (what snprintf's %d %zu %.1f write, without the
  // format parsing: 1.7 % of a GET's CPU in perf, issue 14).
  char tail[80];
  char* end = tail + sizeof tail;
  char* at = tail;
  *at++ = ' ';
  at = std::to_chars(at, end, status).ptr;
  *at++ = ' ';
  at = std::to_chars(at, end, body_bytes).ptr;
  *at++ = ' ';
  at = std::to_chars(at, end - 4, elapsed_ms, std::chars_format::fixed, 1).ptr;
  at = std::copy_n("ms ", 3, at);
  const size_t tail_len = static_cast<size_t>(at - tail);
  std::string line;
  line.reserve(std::strlen(time) + tail_len + request.remote_addr.size() + request.user.size() +
               request.method.size() + request.raw_path.size() + request.request_id.size() + 8);
  line.append(time);
  line.push_back(' ');
  auto field = [&line](const std::string& value) {
    line.append(value.empty() ? std::string_view("-") : std::string_view(value));
  };
  for (const std::string* value :
       {&request.remote_addr, &request.user, &request.method, &request.raw_path}) {
    field(*value);
    if (value != &request.raw_path) line.push_back(' ');
  }
  line.append(tail, tail_len);
  field(request.request_id);
  line.push_back('\n');
  return line;
}

// One JSON object (nlohmann-json escapes every string; invalid UTF-8 becomes U+FFFD).
std::string JsonLine(const char* time, const http::HttpRequest& request, int status,
                     size_t body_bytes, double elapsed_ms) {
  auto optional = [](const std::string& value) {
    return value.empty() ? nlohmann::json(nullptr) : nlohmann::json(value);
  };
  nlohmann::json line = {
      {"time", time},
      {"remote", optional(request.remote_addr)},
      {"peer", optional(request.peer_addr.empty() ? request.remote_addr : request.peer_addr)},
      {"user", optional(request.user)},
      {"method", request.method},
      {"path", request.raw_path},
      {"status", status},
      {"bytes", body_bytes},
      {"duration_ms", std::round(elapsed_ms * 10) / 10},
      {"request_id", optional(request.request_id)},
  };
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace

AccessLog::AccessLog(const std::string& path, unsigned flush_ms)
    : flush_interval_(flush_ms), out_(stderr), owned_(false) {
  if (!path.empty()) {
    FILE* f = std::fopen(path.c_str(), "a");
    if (f != nullptr) {
      out_ = f;
      owned_ = true;
    }
  }
  if (flush_ms > 0) flusher_ = std::thread([this] { FlusherLoop(); });
}

AccessLog::~AccessLog() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (flusher_.joinable()) flusher_.join();
  Flush();
  if (owned_) std::fclose(out_);
}

std::optional<AccessLog::Format> AccessLog::ParseFormat(std::string_view name) {
  if (name == "text") return Format::kText;
  if (name == "json") return Format::kJson;
  return std::nullopt;
}

void AccessLog::Write(const http::HttpRequest& request, int status, size_t body_bytes,
                      std::chrono::steady_clock::duration elapsed) {
  if (!enabled_.load(std::memory_order_relaxed)) return;  // [log] access_log off by a reload
  auto now = std::chrono::system_clock::now();
  std::time_t tt = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
  // The date part changes once a second: formatted once per second per thread.
  thread_local std::time_t cached_second = -1;
  thread_local char when[32];
  if (tt != cached_second) {
    std::tm tm{};
    gmtime_r(&tt, &tm);
    std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    cached_second = tt;
  }
  char time[48];
  std::snprintf(time, sizeof time, "%s.%03dZ", when, static_cast<int>(ms.count()));
  double elapsed_ms = std::chrono::duration<double, std::milli>(elapsed).count();
  std::string line = format_.load(std::memory_order_relaxed) == Format::kJson
                         ? JsonLine(time, request, status, body_bytes, elapsed_ms)
                         : TextLine(time, request, status, body_bytes, elapsed_ms);

  std::unique_lock<std::mutex> lock(mu_);
  pending_.append(line);
  if (flush_interval_.count() == 0 || pending_.size() >= kMaxPendingBytes) FlushLocked(lock);
}

void AccessLog::Flush() {
  std::unique_lock<std::mutex> lock(mu_);
  FlushLocked(lock);
}

// Takes the pending lines and writes them with mu_ released, so that requests logging
// meanwhile do not wait for the disk. write_mu_ is taken before mu_ is released (lock order
// mu_ -> write_mu_, and mu_ is never waited for while write_mu_ is held): batches reach the
// file in the order they were taken.
void AccessLog::FlushLocked(std::unique_lock<std::mutex>& lock) {
  if (pending_.empty()) return;
  std::unique_lock<std::mutex> writing(write_mu_);
  std::string batch;
  batch.swap(pending_);
  lock.unlock();
  std::fwrite(batch.data(), 1, batch.size(), out_);
  std::fflush(out_);
  writing.unlock();
  lock.lock();
}

void AccessLog::FlusherLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    // A reload may set the interval to 0 (lines written by Write itself): sleep until the next
    // reload or the end then.
    if (flush_interval_.count() == 0) {
      cv_.wait(lock);
    } else {
      cv_.wait_for(lock, flush_interval_);
    }
    FlushLocked(lock);
  }
}

std::string AccessLog::Reconfigure(bool enabled, const std::string& path, unsigned flush_ms) {
  FILE* next = stderr;
  if (enabled && !path.empty()) {
    next = std::fopen(path.c_str(), "a");
    if (next == nullptr) {
      return "cannot open access log " + path + ": " + std::strerror(errno);
    }
  }
  FILE* old = nullptr;
  {
    std::unique_lock<std::mutex> lock(mu_);
    FlushLocked(lock);  // the lines of requests before the reload go to the old file
    std::lock_guard<std::mutex> writing(write_mu_);
    if (owned_) old = out_;
    out_ = next;
    owned_ = next != stderr;
    flush_interval_ = std::chrono::milliseconds(flush_ms);
    enabled_.store(enabled, std::memory_order_relaxed);
  }
  if (old != nullptr) std::fclose(old);
  if (flush_ms > 0 && !flusher_.joinable()) flusher_ = std::thread([this] { FlusherLoop(); });
  cv_.notify_all();
  return "";
}

}  // namespace cartable::server
