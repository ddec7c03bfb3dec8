// Text-match collations shared by CalDAV (RFC 4791 §9.7.5) and CardDAV (RFC 6352 §10.5.4):
// i;octet and i;ascii-casemap (RFC 4790), and i;unicode-casemap (RFC 5051) approximated by
// simple Unicode case folding of Latin, Greek and Cyrillic (accents are kept: é never matches e).
#pragma once

#include <optional>
#include <pugixml.hpp>
#include <string>
#include <string_view>

#include "dav/status.h"

namespace cartable::dav {

enum class MatchKind { kEquals, kContains, kStartsWith, kEndsWith };

// The match-type attribute of a text-match ("" = contains); nullopt for an unknown one.
std::optional<MatchKind> ParseMatchKind(std::string_view match_type);

// A CalDAV/CardDAV <text-match> element (RFC 4791 §9.7.5, RFC 6352 §10.5.4).
struct TextMatch {
  std::string value;
  std::string collation;  // i;ascii-casemap, i;unicode-casemap or i;octet
  MatchKind match_type = MatchKind::kContains;
  bool negate = false;
};

// A CalDAV/CardDAV <param-filter> element (RFC 4791 §9.7.3, RFC 6352 §10.5.2).
struct ParamFilter {
  std::string name;  // upper case
  bool is_not_defined = false;
  std::optional<TextMatch> text_match{};
};

// Reads a <text-match>: its text, collation (absent = `default_collation`, which differs between
// CalDAV and CardDAV), negate-condition and match-type. Errors:
// Status::Violates(`unsupported_collation`) for an unknown collation; Violates(`bad_negate`) /
// Violates(`bad_match_type`) for bad values of the other two (Precondition::kNone = a plain 400).
Result<TextMatch> ParseTextMatch(const pugi::xml_node& text_match,
                                 std::string_view default_collation,
                                 Precondition unsupported_collation, Precondition bad_negate,
                                 Precondition bad_match_type);

// True for "i;octet", "i;ascii-casemap" and "i;unicode-casemap".
bool IsSupportedCollation(std::string_view collation);

// Whether `text` equals/contains/starts with/ends with `needle` under `collation` (an
// unsupported collation compares as i;octet; callers check IsSupportedCollation when parsing).
// Invalid UTF-8 compares as U+FFFD under i;unicode-casemap. Thread-safe, no allocation beyond
// the folded copies.
bool CollationMatches(std::string_view text, std::string_view needle, std::string_view collation,
                      MatchKind kind);

}  // namespace cartable::dav
