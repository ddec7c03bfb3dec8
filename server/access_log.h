// One line per request: time, remote, user, method, path, status, bytes, duration.
// Never logs headers or bodies, so credentials cannot leak into it.
#pragma once

#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>

#include "server/http/message.h"

namespace cartable::server {

class AccessLog {
 public:
  // Writes to `path`, or to stderr when `path` is empty. Thread-safe.
  explicit AccessLog(const std::string& path);
  ~AccessLog();
  void Write(const http::HttpRequest& request, int status, size_t body_bytes,
             std::chrono::steady_clock::duration elapsed);

 private:
  std::mutex mu_;
  FILE* out_;
  bool owned_;
};

}  // namespace cartable::server
