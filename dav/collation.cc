// The collations of RFC 4790/5051 as CalDAV and CardDAV text-match use them. The unicode
// casemap is simple case folding (CaseFolding.txt, status C+S, plus ß -> ss) for the scripts
// DAV clients meet; a full table would be ICU's job and not worth the dependency here.
#include "dav/collation.h"

#include <cstdint>
#include <string>

namespace cartable::dav {
namespace {

// Simple case folding (CaseFolding.txt, status C+S) for the scripts DAV clients meet.
uint32_t FoldCodePoint(uint32_t c) {
  if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
  if (c == 0xB5) return 0x3BC;                             // micro sign -> mu
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 32;  // Latin-1
  if (c >= 0x100 && c <= 0x12F) return c | 1;              // Latin Extended-A pairs
  if (c == 0x130) return 'i';
  if (c >= 0x132 && c <= 0x137) return c | 1;
  if (c >= 0x139 && c <= 0x148) return (c & 1) ? c + 1 : c;
  if (c >= 0x14A && c <= 0x177) return c | 1;
  if (c == 0x178) return 0xFF;
  if (c >= 0x179 && c <= 0x17E) return (c & 1) ? c + 1 : c;
  if (c == 0x17F) return 's';
  if ((c >= 0x1CD && c <= 0x1DC)) return (c & 1) ? c + 1 : c;  // Latin Extended-B pairs
  if ((c >= 0x1DE && c <= 0x1EF) || (c >= 0x1F8 && c <= 0x21F) || (c >= 0x222 && c <= 0x233)) {
    return c | 1;
  }
  if (c == 0x1C4 || c == 0x1C5) return 0x1C6;
  if (c == 0x1C7 || c == 0x1C8) return 0x1C9;
  if (c == 0x1CA || c == 0x1CB) return 0x1CC;
  if (c == 0x1F1 || c == 0x1F2) return 0x1F3;
  if (c == 0x386) return 0x3AC;  // Greek
  if (c >= 0x388 && c <= 0x38A) return c + 37;
  if (c == 0x38C) return 0x3CC;
  if (c == 0x38E || c == 0x38F) return c + 63;
  if (c >= 0x391 && c <= 0x3AB && c != 0x3A2) return c + 32;
  if (c == 0x3C2) return 0x3C3;  // final sigma
  if (c >= 0x3D8 && c <= 0x3EF) return c | 1;
  if (c >= 0x400 && c <= 0x40F) return c + 80;  // Cyrillic
  if (c >= 0x410 && c <= 0x42F) return c + 32;
  if ((c >= 0x460 && c <= 0x481) || (c >= 0x48A && c <= 0x4BF) || (c >= 0x4D0 && c <= 0x52F)) {
    return c | 1;
  }
  if (c == 0x4C0) return 0x4CF;
  if (c >= 0x4C1 && c <= 0x4CE) return (c & 1) ? c + 1 : c;
  if ((c >= 0x1E00 && c <= 0x1E95) || (c >= 0x1EA0 && c <= 0x1EFF)) return c | 1;
  if (c == 0x1E9E) return 0xDF;  // capital sharp s
  if (c == 0x212A) return 'k';   // Kelvin sign
  if (c == 0x212B) return 0xE5;  // Angstrom sign
  return c;
}

void AppendUtf8(std::u32string* out, std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    unsigned char b = static_cast<unsigned char>(s[i]);
    uint32_t c;
    int n;
    if (b < 0x80) {
      c = b;
      n = 1;
    } else if ((b >> 5) == 6) {
      c = b & 0x1F;
      n = 2;
    } else if ((b >> 4) == 14) {
      c = b & 0x0F;
      n = 3;
    } else if ((b >> 3) == 30) {
      c = b & 0x07;
      n = 4;
    } else {
      out->push_back(0xFFFD);
      ++i;
      continue;
    }
    if (i + n > s.size()) {
      out->push_back(0xFFFD);
      break;
    }
    bool ok = true;
    for (int k = 1; k < n; ++k) {
      unsigned char cb = static_cast<unsigned char>(s[i + k]);
      if ((cb >> 6) != 2) {
        ok = false;
        break;
      }
      c = (c << 6) | (cb & 0x3F);
    }
    if (!ok) {
      out->push_back(0xFFFD);
      ++i;
      continue;
    }
    out->push_back(c);
    i += n;
  }
}

std::u32string Fold(std::string_view s, std::string_view collation) {
  std::u32string out;
  if (collation == "i;unicode-casemap") {
    std::u32string raw;
    AppendUtf8(&raw, s);
    for (char32_t c : raw) {
      if (c == 0xDF) {  // full folding of sharp s: "ss"
        out.append(U"ss");
      } else {
        out.push_back(FoldCodePoint(c));
      }
    }
    return out;
  }
  bool ascii_fold = collation != "i;octet";
  for (char ch : s) {
    unsigned char b = static_cast<unsigned char>(ch);
    out.push_back(ascii_fold && b >= 'A' && b <= 'Z' ? b + 32 : b);
  }
  return out;
}

}  // namespace

bool IsSupportedCollation(std::string_view collation) {
  return collation == "i;octet" || collation == "i;ascii-casemap" ||
         collation == "i;unicode-casemap";
}

bool CollationMatches(std::string_view text, std::string_view needle, std::string_view collation,
                      MatchKind kind) {
  std::u32string hay = Fold(text, collation);
  std::u32string n = Fold(needle, collation);
  switch (kind) {
    case MatchKind::kEquals: return hay == n;
    case MatchKind::kContains: return hay.find(n) != std::u32string::npos;
    case MatchKind::kStartsWith: return hay.size() >= n.size() && hay.compare(0, n.size(), n) == 0;
    case MatchKind::kEndsWith:
      return hay.size() >= n.size() && hay.compare(hay.size() - n.size(), n.size(), n) == 0;
  }
  return false;
}

std::optional<MatchKind> ParseMatchKind(std::string_view t) {
  if (t.empty() || t == "contains") return MatchKind::kContains;
  if (t == "equals") return MatchKind::kEquals;
  if (t == "starts-with") return MatchKind::kStartsWith;
  if (t == "ends-with") return MatchKind::kEndsWith;
  return std::nullopt;
}

namespace {

Status Refuse(Precondition p, std::string message) {
  if (p == Precondition::kNone) return Status::BadRequest(std::move(message));
  return Status::Violates(p, std::move(message));
}

}  // namespace

Result<TextMatch> ParseTextMatch(const pugi::xml_node& n, std::string_view default_collation,
                                 Precondition unsupported_collation, Precondition bad_negate,
                                 Precondition bad_match_type) {
  TextMatch a;
  a.value = n.text().get();
  pugi::xml_attribute collation = n.attribute("collation");
  a.collation = collation ? collation.value() : std::string(default_collation);
  if (!IsSupportedCollation(a.collation)) {
    return Refuse(unsupported_collation, "unsupported collation " + a.collation);
  }
  std::string_view negate = n.attribute("negate-condition").value();
  if (negate != "" && negate != "yes" && negate != "no") {
    return Refuse(bad_negate, "negate-condition must be yes or no");
  }
  a.negate = negate == "yes";
  std::string_view type = n.attribute("match-type").value();
  std::optional<MatchKind> kind = ParseMatchKind(type);
  if (!kind) return Refuse(bad_match_type, "unknown match-type " + std::string(type));
  a.match_type = *kind;
  return a;
}

}  // namespace cartable::dav
