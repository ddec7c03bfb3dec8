// AppAssets (app_assets.h): the bundle read once at start and served from memory.
//
// Only names found in the directory listing are served: the request path is looked up in that
// map, never joined to the directory, so "..", "%2e%2e" or an absolute path cannot reach another
// file.
#include "server/web/app_assets.h"

#include <sodium.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "server/gzip.h"

namespace cartable::server::web {
namespace {

namespace fs = std::filesystem;

std::string_view ContentTypeOf(std::string_view name) {
  if (name.ends_with(".js") || name.ends_with(".mjs")) return "text/javascript; charset=utf-8";
  if (name.ends_with(".css")) return "text/css; charset=utf-8";
  if (name.ends_with(".woff2")) return "font/woff2";
  if (name.ends_with(".woff")) return "font/woff";
  if (name.ends_with(".svg")) return "image/svg+xml";
  if (name.ends_with(".png")) return "image/png";
  if (name.ends_with(".map") || name.ends_with(".json")) return "application/json; charset=utf-8";
  if (name.ends_with(".txt")) return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

// Already compressed formats gain nothing from gzip.
bool Compressible(std::string_view name) {
  return !(name.ends_with(".woff2") || name.ends_with(".woff") || name.ends_with(".png"));
}

// If-None-Match (RFC 9110 §13.1.2): "*" or a list of entity tags; weak comparison.
bool NoneMatchHits(std::string_view header, std::string_view etag) {
  header = http::Trim(header);
  if (header == "*") return true;
  while (!header.empty()) {
    size_t comma = header.find(',');
    std::string_view tag = http::Trim(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    if (tag == etag) return true;
  }
  return false;
}

std::optional<std::string> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return out.str();
}

}  // namespace

std::string StrongETag(std::string_view bytes) {
  unsigned char digest[16];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(bytes.data()),
                     bytes.size(), nullptr, 0);
  static const char* kHex = "0123456789abcdef";
  std::string etag = "\"";
  for (unsigned char c : digest) {
    etag.push_back(kHex[c >> 4]);
    etag.push_back(kHex[c & 15]);
  }
  etag.push_back('"');
  return etag;
}

std::string AppDirFrom(const Config& config) {
  if (!config.web_app_dir.empty()) return config.web_app_dir;
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "web-app";
  return (exe.parent_path() / "web-app").string();
}

std::shared_ptr<const AppAssets> AppAssets::Load(const std::string& dir, uint64_t max_bytes) {
  auto assets = std::make_shared<AppAssets>();
  assets->dir_ = dir;
  std::error_code ec;
  uint64_t total = 0;
  if (!fs::is_directory(dir, ec)) {
    assets->error_ = "no web application bundle in " + dir;
    return assets;
  }
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    // Flat (esbuild writes no subdirectory), and no symbolic link: nothing outside the
    // directory is ever served.
    if (it->is_symlink(ec) || !it->is_regular_file(ec)) continue;
    std::string name = it->path().filename().string();
    const uint64_t size = it->file_size(ec);
    if (ec) {
      assets->error_ = "cannot read " + it->path().string() + ": " + ec.message();
      assets->files_.clear();
      return assets;
    }
    total += size;
    if (total > max_bytes) {
      assets->error_ = "the files of " + dir + " are larger than [web] app_max_bytes (" +
                       std::to_string(max_bytes) + " bytes)";
      assets->files_.clear();
      return assets;
    }
    std::optional<std::string> bytes = ReadFile(it->path());
    if (!bytes) {
      assets->error_ = "cannot read " + it->path().string();
      return assets;
    }
    AppAsset asset;
    asset.content_type = std::string(ContentTypeOf(name));
    asset.etag = StrongETag(*bytes);
    if (Compressible(name) && !bytes->empty()) {
      std::optional<std::string> gz = GzipCompress(*bytes);
      if (gz && gz->size() < bytes->size()) asset.gzip = std::move(*gz);
    }
    asset.body = std::move(*bytes);
    assets->files_.emplace(std::move(name), std::move(asset));
  }
  if (ec) {
    assets->error_ = "cannot list " + dir + ": " + ec.message();
    assets->files_.clear();
    return assets;
  }
  auto manifest = assets->files_.find("manifest.json");
  if (manifest == assets->files_.end()) {
    assets->error_ = "no manifest.json in " + dir + " (scripts/lib.sh build writes it)";
    assets->files_.clear();
    return assets;
  }
  nlohmann::json m = nlohmann::json::parse(manifest->second.body, nullptr, false);
  auto entry = [&](const char* key) -> std::string {
    if (!m.is_object() || !m.contains(key) || !m[key].is_string()) return "";
    std::string file = m[key].get<std::string>();
    return assets->files_.contains(file) ? "/app/" + file : "";
  };
  assets->main_js_url_ = entry("main.js");
  assets->app_css_url_ = entry("app.css");
  if (assets->main_js_url_.empty() || assets->app_css_url_.empty()) {
    assets->error_ = dir + "/manifest.json does not name main.js and app.css files of the bundle";
    assets->main_js_url_.clear();
    assets->app_css_url_.clear();
    assets->files_.clear();
  }
  return assets;
}

http::HttpResponse AppAssets::Serve(const http::HttpRequest& request) const {
  if (request.method != "GET" && request.method != "HEAD") {
    http::HttpResponse r = http::HttpResponse::Text(405, "Method Not Allowed\n");
    r.headers.Set("Allow", "GET, HEAD");
    return r;
  }
  std::string_view name = request.path;
  if (!name.starts_with("/app/")) return http::HttpResponse::Text(404, "Not found.\n");
  name.remove_prefix(5);
  // manifest.json keeps its name from one build to the next: "immutable" would be a lie for it,
  // and the pages already carry what it says.
  auto it = name == "manifest.json" ? files_.end() : files_.find(name);
  if (it == files_.end()) return http::HttpResponse::Text(404, "Not found.\n");
  const AppAsset& asset = it->second;
  http::HttpResponse r;
  // A strong ETag names one representation (RFC 9110 §8.8.3): the gzip copy has its own.
  auto accept = request.headers.Get("Accept-Encoding");
  const bool gzip = asset.gzip && accept && AcceptsGzip(*accept);
  const std::string etag =
      gzip ? asset.etag.substr(0, asset.etag.size() - 1) + "-gzip\"" : asset.etag;
  r.headers.Set("ETag", etag);
  r.headers.Set("Cache-Control", "public, max-age=31536000, immutable");
  r.headers.Set("X-Content-Type-Options", "nosniff");
  if (asset.gzip) r.headers.Set("Vary", "Accept-Encoding");
  if (auto match = request.headers.Get("If-None-Match"); match && NoneMatchHits(*match, etag)) {
    r.status = 304;
    return r;
  }
  r.headers.Set("Content-Type", asset.content_type);
  if (gzip) {
    r.headers.Set("Content-Encoding", "gzip");  // the transport leaves it as it is
    r.body = *asset.gzip;
  } else {
    r.body = asset.body;
  }
  return r;
}

}  // namespace cartable::server::web
