// LDIF reading for the staff-directory import (see import_parse.h for the accepted syntax).
#include <algorithm>
#include <map>
#include <optional>

#include "directory/import_parse.h"

namespace cartable::directory {
namespace {

struct LogicalLine {
  int line = 0;
  std::string text;
};

std::optional<std::string> DecodeBase64(std::string_view in) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  size_t pad = 0;
  for (char c : in) {
    int v;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      v = c - '0' + 52;
    else if (c == '+')
      v = 62;
    else if (c == '/')
      v = 63;
    else if (c == '=') {
      ++pad;
      continue;
    } else if (c == ' ')
      continue;
    else
      return std::nullopt;
    if (pad > 0) return std::nullopt;  // data after padding
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  if (pad > 2 || bits >= 6) return std::nullopt;
  return out;
}

// Unfolds continuation lines and drops comments; each record is a run of non-blank lines.
std::vector<std::vector<LogicalLine>> SplitRecords(std::string_view text) {
  std::vector<std::vector<LogicalLine>> records(1);
  bool in_comment = false;
  int line = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view raw = text.substr(pos, nl == std::string_view::npos ? nl : nl - pos);
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    ++line;
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    if (!raw.empty() && raw[0] == ' ') {  // continuation of the previous line (or comment)
      if (!in_comment && !records.back().empty()) records.back().back().text += raw.substr(1);
      continue;
    }
    in_comment = !raw.empty() && raw[0] == '#';
    if (in_comment) continue;
    if (raw.empty()) {
      if (!records.back().empty()) records.emplace_back();
      continue;
    }
    records.back().push_back({line, std::string(raw)});
  }
  if (records.back().empty()) records.pop_back();
  return records;
}

std::string* Slot(PersonRecord& r, const std::string& attr) {
  static const std::map<std::string, std::string PersonRecord::*> kMap = {
      {"sn", &PersonRecord::nom},
      {"givenname", &PersonRecord::prenom},
      {"mail", &PersonRecord::email},
      {"title", &PersonRecord::fonction},
      {"ou", &PersonRecord::etablissement},
      {"departmentnumber", &PersonRecord::departement},
      {"telephonenumber", &PersonRecord::telephone},
      {"uid", &PersonRecord::ldif_uid},
      {"uai", &PersonRecord::uai},
      {"datenaissance", &PersonRecord::date_naissance}};
  auto it = kMap.find(attr);
  return it == kMap.end() ? nullptr : &(r.*(it->second));
}

// Applies one "attr: value" line to the record; returns an error message or "".
std::string ApplyLine(const std::string& text, PersonRecord* r, bool* is_change) {
  size_t colon = text.find(':');
  if (colon == std::string::npos || colon == 0) return "line without 'attribute:'";
  std::string attr = text.substr(0, colon);
  attr = attr.substr(0, attr.find(';'));  // drop options
  std::transform(attr.begin(), attr.end(), attr.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string_view rest = std::string_view(text).substr(colon + 1);
  std::string value;
  if (!rest.empty() && rest[0] == ':') {
    std::optional<std::string> decoded = DecodeBase64(TrimBlanks(rest.substr(1)));
    if (!decoded) return "bad base64 value for '" + attr + "'";
    value = TrimBlanks(*decoded);
  } else if (!rest.empty() && rest[0] == '<') {
    return "URL values ('" + attr + ":<') are not supported";
  } else {
    value = TrimBlanks(rest);
  }
  if (attr == "changetype") *is_change = true;
  std::string* slot = Slot(*r, attr);
  if (slot != nullptr && slot->empty()) *slot = value;
  return "";
}

// A GeneralizedTime (RFC 4517 §3.3.13: YYYYMMDDHH[MM[SS]][.fraction](Z|+hhmm|-hhmm)), or a bare
// YYYYMMDD, becomes "YYYY-MM-DD": the date as written, since a birth date is a calendar day in
// whatever offset the directory recorded it. Anything else is left for the import to refuse.
std::string LdifDate(const std::string& value) {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (value.size() < 8 || !std::all_of(value.begin(), value.begin() + 8, digit) ||
      value.find_first_not_of("0123456789.,Z+-", 8) != std::string::npos) {
    return value;
  }
  return value.substr(0, 4) + "-" + value.substr(4, 2) + "-" + value.substr(6, 2);
}

}  // namespace

bool LooksLikeLdif(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? nl : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    if (line.empty() || line[0] == '#' || line[0] == ' ' || line == "\r") continue;
    return line.rfind("dn:", 0) == 0 || line.rfind("version:", 0) == 0;
  }
  return false;
}

ParsedFile ParseLdif(std::string_view text) {
  ParsedFile out;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  for (const std::vector<LogicalLine>& lines : SplitRecords(text)) {
    if (lines.size() == 1 && lines[0].text.rfind("version:", 0) == 0) continue;
    PersonRecord r;
    r.line = lines[0].line;
    bool is_change = false, bad = false;
    for (const LogicalLine& l : lines) {
      if (l.text.rfind("version:", 0) == 0) continue;
      if (std::string err = ApplyLine(l.text, &r, &is_change); !err.empty()) {
        out.errors.push_back({l.line, err});
        bad = true;
      }
    }
    if (is_change) {
      out.errors.push_back({r.line, "change records (changetype) are not supported"});
      bad = true;
    }
    r.date_naissance = LdifDate(r.date_naissance);
    if (!bad) out.records.push_back(std::move(r));
  }
  return out;
}

}  // namespace cartable::directory
