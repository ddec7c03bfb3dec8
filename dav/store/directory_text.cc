#include "dav/store/directory_text.h"

#include <cstdint>

#include "dav/text_fold.h"

namespace cartable::store {
namespace {

bool IsWordByte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

// True when `tokens` occur in `field` as consecutive words, the last one as a prefix.
bool FieldHasPhrase(const std::vector<std::string>& field, const std::vector<std::string>& tokens) {
  if (tokens.empty() || field.size() < tokens.size()) return false;
  for (size_t start = 0; start + tokens.size() <= field.size(); ++start) {
    size_t k = 0;
    for (; k + 1 < tokens.size(); ++k) {
      if (field[start + k] != tokens[k]) break;
    }
    if (k + 1 == tokens.size() && field[start + k].compare(0, tokens[k].size(), tokens[k]) == 0) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::vector<std::string> SplitWords(std::string_view folded) {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < folded.size()) {
    while (i < folded.size() && !IsWordByte(folded[i])) ++i;
    const size_t start = i;
    while (i < folded.size() && IsWordByte(folded[i])) ++i;
    if (i > start) words.emplace_back(folded.substr(start, i - start));
  }
  return words;
}

DirectorySearchText SearchTextOf(const DirectoryEntry& entry) {
  DirectorySearchText t;
  t.name = FoldForSearch(entry.prenom + " " + entry.nom);
  t.email = FoldForSearch(std::string_view(entry.email).substr(0, entry.email.find('@')));
  t.fonction = FoldForSearch(entry.fonction);
  t.etablissement = FoldForSearch(entry.etablissement);
  return t;
}

std::string ContainsTextOf(const DirectoryEntry& entry) {
  std::string all;
  for (const std::string* field :
       {&entry.nom, &entry.prenom, &entry.email, &entry.fonction, &entry.etablissement, &entry.uai,
        &entry.departement, &entry.telephone}) {
    all += *field;
    all += '\n';
  }
  all += entry.prenom + " " + entry.nom;
  return FoldForSearch(all);
}

std::string SortKeyOf(const DirectoryEntry& entry) {
  // '\x01' sorts below every printable character: "Le" + prenom before "Lebon" + prenom.
  return FoldForSearch(entry.nom) + '\x01' + FoldForSearch(entry.prenom);
}

std::vector<std::vector<std::string>> QueryWords(std::string_view text) {
  std::vector<std::vector<std::string>> words;
  const std::string folded = FoldForSearch(text);  // no-break spaces become spaces here
  size_t i = 0;
  while (i < folded.size()) {
    while (i < folded.size() && IsSpace(folded[i])) ++i;
    const size_t start = i;
    while (i < folded.size() && !IsSpace(folded[i])) ++i;
    std::vector<std::string> tokens = SplitWords(std::string_view(folded).substr(start, i - start));
    if (!tokens.empty()) words.push_back(std::move(tokens));
  }
  return words;
}

std::string FtsPrefixQuery(const std::vector<std::vector<std::string>>& words) {
  std::string query;
  for (const std::vector<std::string>& tokens : words) {
    std::string phrase;
    for (const std::string& token : tokens) phrase += (phrase.empty() ? "" : " ") + token;
    if (!query.empty()) query += " AND ";
    query += FtsQuote(phrase) + "*";
  }
  return query;
}

bool MatchesQueryWords(const DirectorySearchText& text,
                       const std::vector<std::vector<std::string>>& words) {
  const std::vector<std::string> fields[] = {SplitWords(text.name), SplitWords(text.email),
                                             SplitWords(text.fonction),
                                             SplitWords(text.etablissement)};
  for (const std::vector<std::string>& tokens : words) {
    bool found = false;
    for (const std::vector<std::string>& field : fields) {
      if ((found = FieldHasPhrase(field, tokens))) break;
    }
    if (!found) return false;
  }
  return true;
}

std::string FtsQuote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

size_t Utf8Length(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

}  // namespace cartable::store
