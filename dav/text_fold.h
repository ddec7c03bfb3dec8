// Accent and case folding for searches people type ("helene" finds "Hélène", "LEFEVRE" finds
// "Lefèvre"): one implementation for the store's directory index, principal searches and the
// identity rules.
#pragma once

#include <string>
#include <string_view>

namespace cartable {

// Lowercases ASCII and maps the letters of Latin-1 and Latin Extended-A to ASCII ("É" -> "e",
// "ß" -> "ss", "Œ" -> "oe", "Þ" -> "th"); Latin-1 symbols, no-break and typographic spaces
// become ' ', typographic dashes '-' and quotes '\''. Other characters (and invalid UTF-8 bytes)
// are kept.
std::string FoldForSearch(std::string_view utf8);

// FoldForSearch, then without any remaining non-ASCII byte (logins, generated addresses).
std::string FoldToAscii(std::string_view utf8);

// `s` with A-Z lowercased and every other byte kept: the case-insensitive comparison of protocol
// tokens, header values, domains and addresses (no accent folding: see FoldForSearch).
std::string AsciiLower(std::string_view s);

}  // namespace cartable
