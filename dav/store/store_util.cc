#include "dav/store/store_util.h"

#include <cstdio>
#include <ctime>

namespace cartable::store {

std::vector<std::string> SplitNonEmpty(std::string_view text, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(sep, start);
    if (end == std::string_view::npos) end = text.size();
    if (end > start) out.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string ComputeEtag(std::string_view data) {
  uint64_t h = 14695981039346656037ull;  // FNV-1a 64 offset basis
  for (unsigned char c : data) {
    h ^= c;
    h *= 1099511628211ull;  // FNV-1a 64 prime
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "\"%016llx-%llx\"", static_cast<unsigned long long>(h),
                static_cast<unsigned long long>(data.size()));
  return buf;
}

std::string CollectionMemberName(std::string_view path) {
  if (path.size() < 2) return std::string(path);
  size_t slash = path.rfind('/', path.size() - 2);
  return std::string(path.substr(slash == std::string_view::npos ? 0 : slash + 1));
}

Status CheckCollectionPath(std::string_view path, std::string_view parent_path) {
  if (path.size() < 2 || path.front() != '/' || path.back() != '/') {
    return Status::BadRequest("collection path must start and end with '/': " + std::string(path));
  }
  if (parent_path.empty()) return Status::OK();
  if (path.size() <= parent_path.size() + 1 || path.substr(0, parent_path.size()) != parent_path) {
    return Status::BadRequest("collection path " + std::string(path) + " is not directly under " +
                              std::string(parent_path));
  }
  std::string_view segment = path.substr(parent_path.size(), path.size() - parent_path.size() - 1);
  if (segment.find('/') != std::string_view::npos) {
    return Status::BadRequest("collection path " + std::string(path) + " is not directly under " +
                              std::string(parent_path));
  }
  return Status::OK();
}

Status CheckObjectName(std::string_view name) {
  if (name.empty() || name.find('/') != std::string_view::npos) {
    return Status::BadRequest("invalid object name: " + std::string(name));
  }
  return Status::OK();
}

UnixTime Now() { return static_cast<UnixTime>(std::time(nullptr)); }

}  // namespace cartable::store
