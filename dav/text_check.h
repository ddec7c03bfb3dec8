// Character-level checks of text that enters the server (iCalendar, vCard, XML bodies, resource
// names) and the repair of text that leaves it inside XML. One UTF-8 decoder for both, so what
// the door accepts is exactly what the writer passes through unchanged.
//
// Trust boundary (docs STYLE.md): the door refuses, the writer repairs. A stored object written
// before the door existed, or by a bug, is still served in a well-formed document.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cartable {

// Which characters a text may hold besides well-formed UTF-8 (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF).
enum class TextRules {
  // iCalendar (RFC 5545 §3.1, §3.3.11) and vCard (RFC 6350 §3.3) content: no CONTROL
  // (%x00-08 / %x0A-1F / %x7F) except HTAB inside a line; CR only as part of CR LF; LF ends a
  // line (a bare LF is accepted as a line end: libical and our vCard reader accept it, and
  // command-line tools and some exports write it). U+FFFE and U+FFFF are refused too: calendar
  // and address data are embedded in XML answers (RFC 4791 §9.6, RFC 6352 §10.4), where they
  // are not characters (XML 1.0 §2.2).
  kContentLines,
  // An XML 1.0 document (§2.2 Char): TAB, LF, CR, U+0020-U+D7FF, U+E000-U+FFFD, U+10000-
  // U+10FFFF; character references (&#1; &#xFFFE;) to anything else are refused as well,
  // since a parser would decode them into the document (pugixml does, XML 1.0 forbids it).
  kXml,
  // A resource name (a decoded path segment): no C0 control, no DEL, no C1 control
  // (U+0080-U+009F), no U+FFFE/U+FFFF; it ends up in hrefs, displaynames and file names.
  kName,
};

// Where and why a text breaks its rules.
struct TextFault {
  size_t offset = 0;  // byte offset of the offending byte or character
  size_t line = 1;    // 1-based line number (lines end at LF)
  // The code point refused, or for invalid UTF-8 the first byte of the bad sequence.
  uint32_t value = 0;
  bool invalid_utf8 = false;
  // "line 3: byte 0xFF is not valid UTF-8" / "line 3: control character U+0001 is not allowed"
  std::string Describe() const;
};

// The first place `text` breaks `rules`, or nullopt when it is acceptable. Linear time, no
// allocation when the text is clean.
std::optional<TextFault> FindTextFault(std::string_view text, TextRules rules);

// Appends `text` as XML character data (element content or attribute value): & < > " escaped,
// CR written as &#13; (so it survives end-of-line normalisation), and anything that cannot be in
// an XML 1.0 document replaced by U+FFFD: each byte of an invalid UTF-8 sequence, and C0
// controls other than TAB/LF/CR, U+FFFE, U+FFFF. Clean text is appended byte for byte.
void AppendXmlText(std::string& out, std::string_view text);

// Appends `xml` (a pre-serialised fragment, markup included) with the same repairs as
// AppendXmlText but nothing escaped: invalid UTF-8 bytes, characters XML 1.0 forbids and
// character references to them become U+FFFD. A clean fragment is appended byte for byte.
void AppendXmlFragment(std::string& out, std::string_view xml);

// The length of the well-formed UTF-8 sequence at s[i] and its code point; 0 when the bytes at
// i do not start one (truncated, overlong, surrogate, above U+10FFFF, stray continuation byte).
size_t DecodeUtf8Strict(std::string_view s, size_t i, uint32_t* cp);

}  // namespace cartable
