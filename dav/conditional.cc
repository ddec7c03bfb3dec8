#include "dav/conditional.h"

namespace cartable::dav {
namespace {

using http::Trim;

// Whether the comma-separated entity-tag list `header` matches `etag`. Weak tags (W/"x") match
// nothing: strong comparison is required for If-Match and for writes.
bool ListMatches(std::string_view header, const std::optional<std::string>& etag, bool weak_ok) {
  header = Trim(header);
  if (header == "*") return etag.has_value();
  if (!etag) return false;
  size_t start = 0;
  while (start <= header.size()) {
    size_t comma = header.find(',', start);
    if (comma == std::string_view::npos) comma = header.size();
    std::string_view tag = Trim(header.substr(start, comma - start));
    if (weak_ok && tag.substr(0, 2) == "W/") tag.remove_prefix(2);
    if (tag == *etag) return true;
    start = comma + 1;
  }
  return false;
}

}  // namespace

Result<Depth> ParseDepth(const http::HttpRequest& req, Depth fallback) {
  std::optional<std::string_view> v = req.headers.Get("Depth");
  if (!v) return fallback;
  std::string_view d = Trim(*v);
  if (d == "0") return Depth::kZero;
  if (d == "1") return Depth::kOne;
  if (http::EqualsIgnoreCase(d, "infinity")) return Depth::kInfinity;
  return Status::BadRequest("invalid Depth header: " + std::string(d));
}

Status CheckConditions(const http::HttpRequest& req, const std::optional<std::string>& etag,
                       bool safe_method, bool* not_modified) {
  *not_modified = false;
  if (auto im = req.headers.Get("If-Match"); im && !ListMatches(*im, etag, false)) {
    return Status::PreconditionFailed("If-Match does not match the current ETag");
  }
  if (auto inm = req.headers.Get("If-None-Match"); inm && ListMatches(*inm, etag, safe_method)) {
    if (safe_method) {
      *not_modified = true;
      return Status::OK();
    }
    return Status::PreconditionFailed("If-None-Match matches the current ETag");
  }
  return Status::OK();
}

Result<bool> ParseOverwrite(const http::HttpRequest& req) {
  std::optional<std::string_view> v = req.headers.Get("Overwrite");
  if (!v) return true;
  std::string_view o = Trim(*v);
  if (o == "T" || o == "t") return true;
  if (o == "F" || o == "f") return false;
  return Status::BadRequest("invalid Overwrite header: " + std::string(o));
}

bool WantsMinimal(const http::HttpRequest& req) {
  if (auto brief = req.headers.Get("Brief"); brief && Trim(*brief) == "t") return true;
  for (const auto& [name, value] : req.headers.All()) {
    if (http::EqualsIgnoreCase(name, "Prefer") &&
        value.find("return=minimal") != std::string::npos) {
      return true;
    }
  }
  return false;
}

}  // namespace cartable::dav
