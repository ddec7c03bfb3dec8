#include "directory/identity.h"

#include <cstdint>

namespace cartable::directory {
namespace {

// Decodes one UTF-8 sequence at s[*i], advancing *i; invalid bytes decode as U+FFFD.
uint32_t NextCodePoint(std::string_view s, size_t* i) {
  unsigned char c = static_cast<unsigned char>(s[*i]);
  int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (len == 0 || *i + len > s.size()) {
    ++*i;
    return 0xFFFD;
  }
  uint32_t cp = len == 1 ? c : c & (0x7F >> len);
  for (int k = 1; k < len; ++k) {
    unsigned char cc = static_cast<unsigned char>(s[*i + k]);
    if ((cc & 0xC0) != 0x80) {
      ++*i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (cc & 0x3F);
  }
  *i += len;
  return cp;
}

// The ASCII folding of one code point of Latin-1 Supplement / Latin Extended-A, or "".
const char* FoldLatin(uint32_t cp) {
  // Index cp - 0xC0 for U+00C0..U+00FF.
  static const char* const kLatin1[64] = {
      "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
      "d", "n", "o", "o", "o", "o", "o", "",  "o", "u", "u", "u", "u", "y", "th", "ss",
      "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
      "d", "n", "o", "o", "o", "o", "o", "",  "o", "u", "u", "u", "u", "y", "th", "y"};
  if (cp >= 0xC0 && cp <= 0xFF) return kLatin1[cp - 0xC0];
  if (cp == 0x152 || cp == 0x153) return "oe";
  if (cp == 0x178) return "y";
  // Latin Extended-A comes in case pairs; map by ranges of the base letter.
  struct Range { uint32_t first, last; const char* letter; };
  static const Range kExtA[] = {
      {0x100, 0x105, "a"}, {0x106, 0x10D, "c"}, {0x10E, 0x111, "d"}, {0x112, 0x11B, "e"},
      {0x11C, 0x123, "g"}, {0x124, 0x127, "h"}, {0x128, 0x131, "i"}, {0x134, 0x135, "j"},
      {0x136, 0x138, "k"}, {0x139, 0x142, "l"}, {0x143, 0x14B, "n"}, {0x14C, 0x151, "o"},
      {0x154, 0x159, "r"}, {0x15A, 0x161, "s"}, {0x162, 0x167, "t"}, {0x168, 0x173, "u"},
      {0x174, 0x175, "w"}, {0x176, 0x177, "y"}, {0x179, 0x17E, "z"}};
  for (const Range& r : kExtA) {
    if (cp >= r.first && cp <= r.last) return r.letter;
  }
  return "";
}

bool IsApostrophe(uint32_t cp) { return cp == '\'' || cp == 0x2019 || cp == 0x2018 || cp == 0x2BC; }
bool IsAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// Folds and keeps only a-z0-9 (login rule).
std::string LettersOnly(std::string_view s) {
  std::string out;
  for (char c : FoldName(s)) {
    if (IsAlnum(c)) out += c;
  }
  return out;
}

// One name for an email local part: apostrophes removed, spaces/hyphens runs -> one '-'.
std::string EmailPart(std::string_view s) {
  std::string out;
  for (char c : FoldName(s)) {
    if (IsAlnum(c)) {
      out += c;
    } else if ((c == ' ' || c == '-' || c == '\t') && !out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

std::string Trimmed(std::string_view s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(" \t");
  return std::string(s.substr(b, e - b + 1));
}

}  // namespace

std::string FoldName(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  size_t i = 0;
  while (i < utf8.size()) {
    uint32_t cp = NextCodePoint(utf8, &i);
    if (cp < 0x80) {
      char c = static_cast<char>(cp);
      out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    } else if (IsApostrophe(cp)) {
      out += '\'';
    } else if (cp == 0xA0) {
      out += ' ';
    } else {
      out += FoldLatin(cp);
    }
  }
  return out;
}

std::string LoginBase(std::string_view prenom, std::string_view nom) {
  std::string first = LettersOnly(prenom);
  std::string last = LettersOnly(nom);
  if (first.empty() || last.empty()) return "";
  return first.substr(0, 1) + last;
}

std::string EmailLocalBase(std::string_view prenom, std::string_view nom) {
  std::string first = EmailPart(prenom);
  std::string last = EmailPart(nom);
  if (first.empty() || last.empty()) return "";
  return first + "." + last;
}

std::string SourceKey(std::string_view numen, std::string_view ldif_uid, std::string_view email,
                      std::string_view nom, std::string_view prenom, std::string_view uai) {
  auto upper = [](std::string s) {
    for (char& c : s) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    return s;
  };
  auto lower = [](std::string s) {
    for (char& c : s) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    return s;
  };
  if (std::string n = Trimmed(numen); !n.empty()) return "numen:" + upper(n);
  if (std::string u = Trimmed(ldif_uid); !u.empty()) return "uid:" + u;
  if (std::string e = Trimmed(email); !e.empty()) return "email:" + lower(e);
  return "name:" + LettersOnly(nom) + "|" + LettersOnly(prenom) + "|" + lower(Trimmed(uai));
}

std::string IdentityAllocator::NextLogin(const std::string& base) {
  std::string name = base;
  for (int n = 2; Taken(name); ++n) name = base + std::to_string(n);
  Take(name);
  return name;
}

std::string IdentityAllocator::NextEmail(const std::string& local, const std::string& domain) {
  std::string name = local + "@" + domain;
  for (int n = 2; Taken(name); ++n) name = local + std::to_string(n) + "@" + domain;
  Take(name);
  return name;
}

}  // namespace cartable::directory
