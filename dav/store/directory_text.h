// The text rules of the staff directory search, shared by every Store implementation so they find
// the same people (accent folding is FoldForSearch, dav/text_fold.h): the words a person is found
// by, query parsing, sort order.
//
// SQLite feeds the folded texts below to its FTS5 tables (unicode61 for word prefixes, trigram for
// substrings); another implementation must apply the same rules. Folding is done here, not by
// SQLite, because SQLite 3.40's trigram tokenizer cannot remove diacritics and unicode61 does not
// expand ligatures ("Lætitia" must be found by "laetitia").
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dav/store/store.h"
#include "dav/text_fold.h"

namespace cartable::store {

// The words of already-folded `folded` as FTS5's unicode61 tokenizer splits them: runs of ASCII
// letters and digits and of non-ASCII characters; everything else separates.
std::vector<std::string> SplitWords(std::string_view folded);

// The text a person is found by, field by field, folded: what SearchDirectory matches words in.
struct DirectorySearchText {
  std::string name;   // "prenom nom"
  std::string email;  // the local part only: "jean.labert" (the domain is everyone's)
  std::string fonction;
  std::string etablissement;
};
DirectorySearchText SearchTextOf(const DirectoryEntry& entry);

// Every field DirectoryEntriesContaining looks in, folded, separated by '\n' (a needle never
// spans two fields).
std::string ContainsTextOf(const DirectoryEntry& entry);

// The ordering key of search results: folded nom, then folded prenom ("Écoffier" sorts among the
// E's, not after "Zola").
std::string SortKeyOf(const DirectoryEntry& entry);

// The words of a SearchDirectory query: whitespace-separated, folded, each split into its
// unicode61 words ("jean.lab" -> {"jean", "lab"}, matched as a phrase); words with no letter or
// digit are dropped.
std::vector<std::vector<std::string>> QueryWords(std::string_view text);

// The FTS5 MATCH expression of QueryWords: each word a quoted prefix phrase, ANDed
// ("jean.lab le" -> "\"jean lab\"* AND \"le\"*"). Empty when there are no words.
std::string FtsPrefixQuery(const std::vector<std::vector<std::string>>& words);

// True when every word of `words` is found in one of `text`'s fields: its tokens are consecutive
// words of the field, the last one a prefix (FTS5 semantics of "tok1 tok2"*).
bool MatchesQueryWords(const DirectorySearchText& text,
                       const std::vector<std::vector<std::string>>& words);

// `s` as one FTS5 string: quoted, inner double quotes doubled.
std::string FtsQuote(std::string_view s);

// The number of UTF-8 characters of `s` (continuation bytes not counted).
size_t Utf8Length(std::string_view s);

}  // namespace cartable::store
