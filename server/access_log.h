// One line per request: time, remote (the client, server/forwarded.h), user, method, path,
// status, bytes, duration, request id; in JSON ([log] format = json) the TCP peer too.
// Never logs headers or bodies, so credentials cannot leak into it.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "server/http/message.h"

namespace cartable::server {

class AccessLog {
 public:
  // Writes to `path`, or to stderr when `path` is empty. Thread-safe.
  //
  // `flush_ms` > 0 ([log] access_log_flush_ms): lines are collected in memory and written by a
  // background thread at most `flush_ms` later (or as soon as 64 KiB are waiting), in request
  // order, as nginx's `access_log ... buffer= flush=` does. One write(2) and one fflush per line
  // cost a GET of one event a tenth of its CPU under load (perf, issue 14). 0 writes and flushes
  // each line at once. Every line is written by the destructor at the latest.
  explicit AccessLog(const std::string& path, unsigned flush_ms = 0);
  ~AccessLog();
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  // text: "2026-12-07T02:30:00.123Z 203.0.113.5 alice GET /dav/ 207 1234 3.2ms <request id>"
  // ("-" for an empty field). json: one object per line, {"time", "remote", "peer", "user"
  // (null when none), "method", "path", "status", "bytes", "duration_ms", "request_id"}.
  enum class Format { kText, kJson };
  // "text" or "json" ([log] format); nullopt otherwise.
  static std::optional<Format> ParseFormat(std::string_view name);
  // Lines written from now on use `format` (text until called). Thread-safe.
  void SetFormat(Format format) { format_.store(format, std::memory_order_relaxed); }

  void Write(const http::HttpRequest& request, int status, size_t body_bytes,
             std::chrono::steady_clock::duration elapsed);
  // Writes the lines collected so far and flushes the file.
  void Flush();
  // A configuration reload (SIGHUP): writes what is pending to the current file, then reopens
  // `path` (always, even unchanged: logrotate has moved the old file away) or switches to
  // stderr when `path` is empty, turns lines off when `enabled` is false (the file is closed
  // then) and takes the new `flush_ms`. Returns "" or an error naming the file, in which case
  // the log goes on as before. Call from one thread at a time; Write may run meanwhile.
  std::string Reconfigure(bool enabled, const std::string& path, unsigned flush_ms);

 private:
  void FlushLocked(std::unique_lock<std::mutex>& lock);
  void FlusherLoop();

  std::chrono::milliseconds flush_interval_;  // guarded by mu_
  std::atomic<Format> format_{Format::kText};
  std::atomic<bool> enabled_{true};
  std::mutex mu_;
  FILE* out_;  // replaced under mu_ and write_mu_ both
  bool owned_;
  std::string pending_;  // guarded by mu_: lines not yet handed to out_
  std::mutex write_mu_;  // serialises writers to out_ (taken after mu_ is released)
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread flusher_;
};

}  // namespace cartable::server
