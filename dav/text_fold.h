// Accent and case folding for searches people type ("helene" finds "Hélène", "LEFEVRE" finds
// "Lefèvre"): one implementation for the store's directory index, principal searches and the
// identity rules.
#pragma once

#include <string>
#include <string_view>

namespace cartable {

// Lower-cases ASCII and maps Latin letters with diacritics (Latin-1 Supplement, Latin
// Extended-A: é è ê ë à â ä î ï ô ö û ü ù ç ñ ÿ œ æ ß...) to their base letters (œ -> oe,
// æ -> ae, ß -> ss). Other characters are kept as they are (valid UTF-8 stays valid).
std::string FoldForSearch(std::string_view utf8);

}  // namespace cartable
