// The web application's bundle (issue 13): the files server/web/app/build.mjs writes (content-
// hashed scripts, chunks, styles, fonts and manifest.json), read once at start from [web]
// app_dir and served from memory as /app/<file>, each with a precomputed gzip copy and a strong
// ETag. The names change with the content, so they are cached for a year ("immutable").
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "server/config.h"
#include "server/http/message.h"

namespace cartable::server::web {

struct AppAsset {
  std::string content_type;
  std::string body;
  std::optional<std::string> gzip;  // only when smaller than the body
  std::string etag;                 // "\"<BLAKE2b hex>\"" (strong)
};

class AppAssets {
 public:
  // Reads `dir` (every regular file directly in it, `max_bytes` at most in all: [web]
  // app_max_bytes); ok() is false, with error() saying why, when the directory or its
  // manifest.json (with "main.js" and "app.css") is missing or unreadable, or the files are
  // larger than that.
  static std::shared_ptr<const AppAssets> Load(const std::string& dir, uint64_t max_bytes);

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  const std::string& dir() const { return dir_; }
  // "/app/main-XXXX.js", "/app/app-XXXX.css" (from manifest.json); "" when !ok().
  const std::string& main_js_url() const { return main_js_url_; }
  const std::string& app_css_url() const { return app_css_url_; }
  size_t file_count() const { return files_.size(); }

  // GET/HEAD /app/<file>: 200 (gzip when Accept-Encoding allows), 304 on a matching
  // If-None-Match, 404 for a name that is not one of the directory's files, 405 otherwise.
  http::HttpResponse Serve(const http::HttpRequest& request) const;

 private:
  std::string dir_;
  std::string error_;
  std::string main_js_url_, app_css_url_;
  std::map<std::string, AppAsset, std::less<>> files_;
};

// [web] app_dir when set, else the directory "web-app" next to the running binary
// (/proc/self/exe), where scripts/lib.sh `build` writes the bundle.
std::string AppDirFrom(const Config& config);

// A strong ETag of `bytes` ("\"<32 hex digits>\"", BLAKE2b-128): the embedded static files and the
// bundle's files are both served with it.
std::string StrongETag(std::string_view bytes);

}  // namespace cartable::server::web
