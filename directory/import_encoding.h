// The character encoding of a staff-directory export, checked before parsing. The directory's
// vCards are served to every user (RFC 6350 §3.1: vCard is UTF-8), so a Latin-1 file must never be
// read as UTF-8 (every accented name would be wrong, and its bytes would break clients' sync).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "directory/import_parse.h"

namespace cartable::directory {

// Encodings the operator may name with `--encoding`: "utf-8" (the default; also "utf8"),
// "latin1" (= "iso-8859-1"), and "windows-1252" (= "cp1252", what Excel saves as "CSV"; a
// superset of Latin-1 for printable characters). Case is ignored. Returns the canonical name
// ("UTF-8", "ISO-8859-1", "WINDOWS-1252", as glibc's iconv spells them), or nullopt.
std::optional<std::string> CanonicalEncoding(std::string_view name);

// The first line (1-based) holding a byte sequence that is not UTF-8 (RFC 3629: no overlong
// forms, no surrogates, nothing above U+10FFFF), or 0 when the whole text is UTF-8.
int FirstNonUtf8Line(std::string_view text);

// The first line (1-based) holding a control character a directory field may not carry (C0
// except TAB, CR and LF; DEL), or 0. Such bytes would be copied into the generated vCards.
int FirstControlCharLine(std::string_view text);

// Makes `file` UTF-8 text for the parsers. `encoding` is a canonical name (CanonicalEncoding).
// UTF-8: the bytes are checked, not changed (a leading BOM is kept: the parsers skip it). Other
// encodings are converted with iconv (glibc); a file that starts with a UTF-8 BOM is refused then,
// since it is UTF-8 already. On error, `error` gets the line and a message that quotes no content
// of the file (it may hold a NUMEN) and nullopt is returned. Control characters are refused too.
std::optional<std::string> DecodeImportFile(std::string_view file, const std::string& encoding,
                                            ImportError* error);

}  // namespace cartable::directory
