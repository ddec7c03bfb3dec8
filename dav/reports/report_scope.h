// What the collection REPORTs (queries, multigets) share: the collection they run over when the
// target is one of its members, and href decoding.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "dav/target.h"

namespace cartable::dav {

// The collection a report runs over, and the single member when the target is one.
struct Scope {
  Target collection;                // a collection target (user-facing path, store collection)
  std::optional<std::string> only;  // member name when the report targets one resource
};

Scope ScopeOf(const Target& t);

// Decodes an href (absolute URI or path) to a path; nullopt when unusable.
std::optional<std::string> HrefPath(std::string_view href);

}  // namespace cartable::dav
