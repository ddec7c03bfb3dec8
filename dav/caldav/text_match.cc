// CalDAV text-match (RFC 4791 §9.7.5): the collations live in dav/collation.cc, shared with
// the CardDAV filters.
#include "dav/caldav/ical_internal.h"
#include "dav/collation.h"

namespace cartable::dav::caldav::internal {
namespace {}  // namespace

bool TextMatches(std::string_view text, const TextMatch& match) {
  bool found = CollationMatches(text, match.value, match.collation, match.match_type);
  return found != match.negate;
}

}  // namespace cartable::dav::caldav::internal
