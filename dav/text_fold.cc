#include "dav/text_fold.h"

#include <cstdint>

namespace cartable {
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

}  // namespace

std::string FoldForSearch(std::string_view text) {
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

std::string FoldToAscii(std::string_view text) {
  std::string folded = FoldForSearch(text);
  std::string out;
  out.reserve(folded.size());
  for (char c : folded) {
    if (static_cast<unsigned char>(c) < 0x80) out.push_back(c);
  }
  return out;
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace cartable
