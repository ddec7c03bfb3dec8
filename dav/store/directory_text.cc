#include "dav/store/directory_text.h"

#include <cstdint>

namespace cartable::store {
namespace {

// U+00C0..U+00FF. Upper-case letters code a multi-letter fold ('A' "ae", 'T' "th", 'S' "ss");
// '*' is a symbol (× ÷), folded to a space.
constexpr char kLatin1[] =
    "aaaaaaAceeeeiiiidnooooo*ouuuuyTS"   // U+00C0..U+00DF
    "aaaaaaAceeeeiiiidnooooo*ouuuuyTy";  // U+00E0..U+00FF
// U+0100..U+017F. 'J' is "ij", 'O' is "oe".
constexpr char kLatinExtA[] =
    "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiiiJJjjkkkllllllllllnnnnnnnnnoooooo"
    "OOrrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";
static_assert(sizeof kLatin1 - 1 == 64);
static_assert(sizeof kLatinExtA - 1 == 128);

void AppendFolded(char c, std::string& out) {
  switch (c) {
    case 'A': out += "ae"; break;
    case 'T': out += "th"; break;
    case 'S': out += "ss"; break;
    case 'J': out += "ij"; break;
    case 'O': out += "oe"; break;
    case '*': out += ' '; break;
    default: out += c;
  }
}

// Decodes one UTF-8 character at s[i]; returns its length (0 when invalid) and sets `cp`.
size_t DecodeUtf8(std::string_view s, size_t i, uint32_t& cp) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || i + len > s.size()) return 0;
  cp = len == 1 ? c : c & (0x7F >> len);
  for (size_t k = 1; k < len; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  return len;
}

// The fold of code point `cp` appended to `out`; false when it is kept as is.
bool FoldCodePoint(uint32_t cp, std::string& out) {
  if (cp >= 0xC0 && cp <= 0xFF) {
    AppendFolded(kLatin1[cp - 0xC0], out);
  } else if (cp >= 0x100 && cp <= 0x17F) {
    AppendFolded(kLatinExtA[cp - 0x100], out);
  } else if (cp >= 0xA0 && cp <= 0xBF) {
    out += ' ';  // no-break space, « », °, ·, ...
  } else if (cp >= 0x2010 && cp <= 0x2015) {
    out += '-';
  } else if (cp >= 0x2018 && cp <= 0x201B) {
    out += '\'';
  } else if (cp >= 0x2000 && cp <= 0x206F) {
    out += ' ';  // other general punctuation: spaces, bullets, ellipsis
  } else {
    return false;
  }
  return true;
}

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

std::string FoldText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (static_cast<unsigned char>(c) < 0x80) {
      out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
      ++i;
      continue;
    }
    uint32_t cp = 0;
    const size_t len = DecodeUtf8(text, i, cp);
    if (len == 0) {  // invalid: keep the byte
      out += c;
      ++i;
      continue;
    }
    if (!FoldCodePoint(cp, out)) out.append(text.substr(i, len));
    i += len;
  }
  return out;
}

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
  t.name = FoldText(entry.prenom + " " + entry.nom);
  t.email = FoldText(std::string_view(entry.email).substr(0, entry.email.find('@')));
  t.fonction = FoldText(entry.fonction);
  t.etablissement = FoldText(entry.etablissement);
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
  return FoldText(all);
}

std::string SortKeyOf(const DirectoryEntry& entry) {
  // '\x01' sorts below every printable character: "Le" + prenom before "Lebon" + prenom.
  return FoldText(entry.nom) + '\x01' + FoldText(entry.prenom);
}

std::vector<std::vector<std::string>> QueryWords(std::string_view text) {
  std::vector<std::vector<std::string>> words;
  const std::string folded = FoldText(text);  // no-break spaces become spaces here
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
