#include "dav/text_check.h"

#include <array>
#include <cstdio>

namespace cartable {
namespace {

constexpr char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD

bool IsXmlChar(uint32_t cp) {
  if (cp < 0x20) return cp == 0x09 || cp == 0x0A || cp == 0x0D;
  if (cp <= 0xD7FF) return true;
  if (cp < 0xE000) return false;
  return cp <= 0xFFFD || (cp >= 0x10000 && cp <= 0x10FFFF);
}

// Whether code point `cp` (not CR/LF, which the caller handles) is allowed by `rules`.
bool Allowed(uint32_t cp, TextRules rules) {
  switch (rules) {
    case TextRules::kContentLines:
      if (cp == 0x09) return true;
      if (cp < 0x20 || cp == 0x7F) return false;
      return cp != 0xFFFE && cp != 0xFFFF;
    case TextRules::kXml: return IsXmlChar(cp);
    case TextRules::kName:
      if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) return false;
      return cp != 0xFFFE && cp != 0xFFFF;
  }
  return false;
}

// A character reference "&#...;" or "&#x...;" at text[i] ('&'): its code point, or nullopt when
// it is not one (an entity reference, or malformed: the XML parser reports those).
std::optional<uint32_t> CharacterReference(std::string_view text, size_t i, size_t* end) {
  if (i + 2 >= text.size() || text[i + 1] != '#') return std::nullopt;
  size_t k = i + 2;
  const bool hex = text[k] == 'x';
  if (hex) ++k;
  uint64_t value = 0;
  size_t digits = 0;
  for (; k < text.size() && text[k] != ';'; ++k, ++digits) {
    const char c = text[k];
    int d = -1;
    if (c >= '0' && c <= '9') d = c - '0';
    if (hex && c >= 'a' && c <= 'f') d = c - 'a' + 10;
    if (hex && c >= 'A' && c <= 'F') d = c - 'A' + 10;
    if (d < 0) return std::nullopt;
    value = value * (hex ? 16 : 10) + static_cast<uint64_t>(d);
    if (value > 0x10FFFF) value = 0x110000;  // saturate: refused below, never overflows
  }
  if (k == text.size() || digits == 0) return std::nullopt;
  *end = k;
  return static_cast<uint32_t>(value);
}

}  // namespace

size_t DecodeUtf8Strict(std::string_view s, size_t i, uint32_t* cp) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  size_t len;
  uint32_t v;
  uint32_t min;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2, v = c & 0x1F, min = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3, v = c & 0x0F, min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4, v = c & 0x07, min = 0x10000;
  } else {
    return 0;  // continuation byte, C0/C1 (overlong 2-byte) or F5..FF
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    v = (v << 6) | (b(i + k) & 0x3F);
  }
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  *cp = v;
  return len;
}

std::string TextFault::Describe() const {
  char buf[96];
  if (invalid_utf8) {
    std::snprintf(buf, sizeof buf, "line %zu: byte 0x%02X is not valid UTF-8", line,
                  static_cast<unsigned>(value));
  } else if (value == 0x0D) {
    std::snprintf(buf, sizeof buf, "line %zu: CR is only allowed before LF", line);
  } else {
    std::snprintf(buf, sizeof buf, "line %zu: character U+%04X is not allowed", line,
                  static_cast<unsigned>(value));
  }
  return buf;
}

std::optional<TextFault> FindTextFault(std::string_view text, TextRules rules) {
  size_t line = 1;
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    // Fast path: printable ASCII other than '&' (which only matters to XML).
    if (c >= 0x20 && c < 0x7F && c != '&') {
      ++i;
      continue;
    }
    if (c == '\n') {
      if (rules == TextRules::kName) return TextFault{i, line, c, false};
      ++line;
      ++i;
      continue;
    }
    if (c == '\r') {
      const bool before_lf = i + 1 < text.size() && text[i + 1] == '\n';
      if (rules == TextRules::kName || (rules == TextRules::kContentLines && !before_lf)) {
        return TextFault{i, line, c, false};
      }
      ++i;
      continue;
    }
    if (c == '&') {
      size_t end = 0;
      std::optional<uint32_t> ref =
          rules == TextRules::kXml ? CharacterReference(text, i, &end) : std::nullopt;
      if (ref && !IsXmlChar(*ref)) return TextFault{i, line, *ref, false};
      ++i;
      continue;
    }
    uint32_t cp = 0;
    const size_t len = DecodeUtf8Strict(text, i, &cp);
    if (len == 0) return TextFault{i, line, c, true};
    if (!Allowed(cp, rules)) return TextFault{i, line, cp, false};
    i += len;
  }
  return std::nullopt;
}

namespace {

// kPlain[c]: byte c is appended as is, whatever follows (ASCII 0x20-0x7F other than & < > ",
// and TAB/LF). Everything else (markup characters, CR, C0 controls, every byte of a multi-byte
// UTF-8 sequence) needs a look.
constexpr auto kPlain = [] {
  std::array<bool, 256> t{};
  for (int c = 0x20; c <= 0x7F; ++c) t[c] = true;  // DEL is an XML 1.0 character
  t['&'] = t['<'] = t['>'] = t['"'] = false;
  t['\t'] = t['\n'] = true;
  return t;
}();

}  // namespace

// Written in bulk: runs of clean bytes
// (plain ASCII and well-formed UTF-8 of XML characters) are found by a table scan and appended
// with one copy each, after one reservation for the common case where nothing grows. Listings
// escape every href, etag and calendar body they answer, so this runs on megabytes per request.
void AppendXmlText(std::string& out, std::string_view text) {
  const size_t n = text.size();
  const char* const p = text.data();
  size_t i = 0;
  while (i < n && kPlain[static_cast<unsigned char>(p[i])]) ++i;
  if (i == n) {  // the usual case: hrefs, etags, content types
    out.append(text);
    return;
  }
  out.reserve(out.size() + n + 16);
  size_t start = 0;  // text[start, i) is clean and not yet appended
  while (i < n) {
    const unsigned char c = static_cast<unsigned char>(p[i]);
    if (kPlain[c]) {
      ++i;
      continue;
    }
    const char* rep = nullptr;
    size_t len = 1;
    if (c >= 0x80) {
      uint32_t cp = 0;
      len = DecodeUtf8Strict(text, i, &cp);
      if (len == 0) {
        len = 1;
        rep = kReplacement;  // U+FFFD for each byte of an invalid sequence
      } else if (!IsXmlChar(cp)) {
        rep = kReplacement;  // U+FFFE, U+FFFF (surrogates are not valid UTF-8)
      }
    } else {
      switch (c) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\r': rep = "&#13;"; break;
        default: rep = kReplacement; break;  // C0 controls other than TAB, LF, CR
      }
    }
    if (rep != nullptr) {
      out.append(p + start, i - start);
      out.append(rep);
      start = i + len;
    }
    i += len;
  }
  out.append(p + start, n - start);
}

void AppendXmlFragment(std::string& out, std::string_view xml) {
  if (!FindTextFault(xml, TextRules::kXml)) {
    out.append(xml);
    return;
  }
  for (size_t i = 0; i < xml.size();) {
    const unsigned char c = static_cast<unsigned char>(xml[i]);
    size_t end = 0;
    if (c == '&') {
      std::optional<uint32_t> ref = CharacterReference(xml, i, &end);
      if (ref && !IsXmlChar(*ref)) {
        out.append(kReplacement);
        i = end + 1;
        continue;
      }
    }
    uint32_t cp = 0;
    size_t len = DecodeUtf8Strict(xml, i, &cp);
    if (len == 0 || !IsXmlChar(cp)) {
      out.append(kReplacement);
      i += len == 0 ? 1 : len;
      continue;
    }
    out.append(xml.substr(i, len));
    i += len;
  }
}

}  // namespace cartable
