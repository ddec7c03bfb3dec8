// Encoding checks and conversion of a staff-directory export (see import_encoding.h).
#include "directory/import_encoding.h"

#include <errno.h>
#include <iconv.h>

#include <algorithm>
#include <cstdio>

#include "dav/text_check.h"
#include "dav/text_fold.h"

namespace cartable::directory {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

int LineAt(std::string_view text, size_t offset) {
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + offset, '\n'));
}

// Converts with iconv; on an invalid or incomplete sequence returns nullopt and sets *bad_offset.
std::optional<std::string> Iconv(std::string_view in, const std::string& from, size_t* bad_offset) {
  iconv_t cd = iconv_open("UTF-8", from.c_str());
  if (cd == reinterpret_cast<iconv_t>(-1)) {
    *bad_offset = std::string_view::npos;
    return std::nullopt;
  }
  std::string out;
  out.resize(in.size() * 3 + 16);  // every single-byte character becomes at most 3 bytes
  char* src = const_cast<char*>(in.data());
  size_t src_left = in.size();
  char* dst = out.data();
  size_t dst_left = out.size();
  size_t rc = iconv(cd, &src, &src_left, &dst, &dst_left);
  iconv_close(cd);
  if (rc == static_cast<size_t>(-1)) {
    *bad_offset = static_cast<size_t>(src - in.data());
    return std::nullopt;
  }
  out.resize(out.size() - dst_left);
  return out;
}

}  // namespace

std::optional<std::string> CanonicalEncoding(std::string_view name) {
  std::string n = AsciiLower(name);
  if (n == "utf-8" || n == "utf8") return "UTF-8";
  if (n == "latin1" || n == "latin-1" || n == "iso-8859-1" || n == "iso8859-1") {
    return "ISO-8859-1";
  }
  if (n == "windows-1252" || n == "cp1252") return "WINDOWS-1252";
  return std::nullopt;
}

int FirstNonUtf8Line(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    uint32_t cp = 0;
    size_t n = DecodeUtf8Strict(text, i, &cp);
    if (n == 0) return LineAt(text, i);
    i += n;
  }
  return 0;
}

int FirstControlCharLine(std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    bool c0 = c < 0x20 && c != '\t' && c != '\r' && c != '\n';
    // C1 controls U+0080..U+009F are C2 80..C2 9F in UTF-8: what a Windows-1252 file read as
    // Latin-1 produces for its '€', '’', 'Œ'...
    bool c1 = c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
              static_cast<unsigned char>(text[i + 1]) <= 0x9F;
    if (c0 || c == 0x7F || c1) return LineAt(text, i);
  }
  return 0;
}

std::optional<std::string> DecodeImportFile(std::string_view file, const std::string& encoding,
                                            ImportError* error) {
  std::string text;
  if (encoding == "UTF-8") {
    if (int line = FirstNonUtf8Line(file); line != 0) {
      *error = {line,
                "not UTF-8 text; nothing imported (if the file is Latin-1 or an Excel CSV, pass "
                "--encoding latin1 or --encoding windows-1252)"};
      return std::nullopt;
    }
    text = std::string(file);
  } else {
    if (file.substr(0, kBom.size()) == kBom) {
      *error = {1, "the file starts with a UTF-8 byte order mark: it is UTF-8, not " + encoding +
                       "; drop --encoding"};
      return std::nullopt;
    }
    size_t bad = 0;
    std::optional<std::string> converted = Iconv(file, encoding, &bad);
    if (!converted) {
      *error = bad == std::string_view::npos
                   ? ImportError{0, "this system cannot convert from " + encoding}
                   : ImportError{LineAt(file, bad), "byte not valid in " + encoding};
      return std::nullopt;
    }
    text = std::move(*converted);
  }
  if (int line = FirstControlCharLine(text); line != 0) {
    *error = {line, encoding == "ISO-8859-1"
                        ? "control character (a Windows-1252 file? try --encoding windows-1252)"
                        : "control character"};
    return std::nullopt;
  }
  return text;
}

}  // namespace cartable::directory
