// What the collection REPORTs (queries, multigets) share: the collection they run over when the
// target is one of its members, href decoding, and the <limit> element.
#pragma once

#include <cstddef>
#include <optional>
#include <pugixml.hpp>
#include <string>
#include <string_view>

#include "dav/status.h"
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

// The <limit><nresults>N</nresults></limit> of a REPORT body `root`, both elements in namespace
// `ns` (DAV: for sync-collection, RFC 6578 §6.1; CARDDAV: for addressbook-query, RFC 6352 §8.6),
// or 0 when there is no limit. A 400 naming `ns_prefix`:nresults when N is not a positive integer.
Result<size_t> ParseLimit(const pugi::xml_node& root, std::string_view ns,
                          std::string_view ns_prefix);

}  // namespace cartable::dav
