#include "server/router.h"

namespace cartable::server {

const Route* Router::Match(const std::string& path) const {
  const Route* best = nullptr;
  for (const Route& r : routes_) {
    bool match;
    if (r.exact) {
      match = path == r.prefix;
    } else {
      match = path.compare(0, r.prefix.size(), r.prefix) == 0 &&
              (path.size() == r.prefix.size() || r.prefix.back() == '/' ||
               path[r.prefix.size()] == '/');
    }
    if (match && (best == nullptr || r.prefix.size() > best->prefix.size())) best = &r;
  }
  return best;
}

}  // namespace cartable::server
