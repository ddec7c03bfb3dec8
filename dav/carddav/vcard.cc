// vCard parsing and serialisation (RFC 6350 §3, RFC 2426 §4), validation (RFC 6352 §5.1).
//
// Why our own parser and not Debian's libbelcard (5.1.64, C++, RFC 6350), evaluated first:
//  - belcard rejects every vCard 3.0, even "BEGIN:VCARD/VERSION:3.0/FN:Min/UID:x/END:VCARD":
//    BelCardParser::parseOne returns nullptr for it and for the Apple (item1.X-ABLabel groups,
//    X-ADDRESSBOOKSERVER-*, PHOTO;ENCODING=b folded base64) and Thunderbird 3.0 samples in
//    tests/unit/carddav/samples. Apple Contacts/iOS and Thunderbird only send 3.0, so the
//    library could not even read what most of our clients PUT.
//  - on 4.0 it re-serialises through typed property objects: it kept order, groups and unknown
//    X- properties in our samples, but we would still need a 3.0 reader of our own, and two
//    parsers for one format is worse than one.
//  - it pulls in belr (a runtime ABNF grammar engine) for what is a line-oriented format.
// So: a small parser that keeps values raw and parameters as sent; only property and parameter
// names are case-normalised (they are case-insensitive, RFC 6350 §3.3).
#include "dav/carddav/vcard.h"

#include <algorithm>
#include <cctype>

#include "dav/carddav/vcard_internal.h"
#include "dav/text_check.h"

namespace cartable::dav::carddav {
namespace internal {

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

}  // namespace internal

namespace {

using internal::EqualsIgnoreCase;
using internal::Upper;

constexpr size_t kFoldOctets = 75;

Status Invalid(std::string msg) {
  return Status::Violates(dav::Precondition::kValidAddressData, std::move(msg));
}

// Whether the parameters of a content line (before its first ':') name quoted-printable.
bool IsQuotedPrintable(std::string_view line) {
  constexpr std::string_view kQp = "QUOTED-PRINTABLE";
  std::string_view head = line.substr(0, line.find(':'));
  for (size_t i = 0; i + kQp.size() <= head.size(); ++i) {
    if (EqualsIgnoreCase(head.substr(i, kQp.size()), kQp)) return true;
  }
  return false;
}

// Physical lines joined into logical ones: CRLF or bare LF, a continuation line starts with a
// space or a tab (both occur: Outlook and some Android exports fold with tabs). A quoted-
// printable soft line break (vCard 2.1 leftovers: "=" at the end of the value) keeps the next
// line raw, CRLF included, so the value serialises back as it came.
std::vector<std::string> LogicalLines(std::string_view text) {
  std::vector<std::string> lines;
  size_t pos = 0;
  bool qp_continues = false;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    size_t end = nl == std::string_view::npos ? text.size() : nl;
    std::string_view line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    if (qp_continues && !lines.empty()) {
      lines.back().append("\r\n").append(line);
    } else if (!line.empty() && (line[0] == ' ' || line[0] == '\t') && !lines.empty()) {
      lines.back().append(line.substr(1));
    } else if (line.empty()) {
      continue;  // blank lines between or after cards are common and meaningless
    } else {
      lines.emplace_back(line);
    }
    const std::string& last = lines.back();
    qp_continues = last.back() == '=' && IsQuotedPrintable(last);
  }
  return lines;
}

// contentline = [group "."] name *(";" param) ":" value
Result<VCardProperty> ParseLine(std::string_view line) {
  VCardProperty prop;
  size_t i = 0;
  while (i < line.size() && line[i] != ';' && line[i] != ':') ++i;
  if (i == line.size())
    return Invalid("vCard line without ':': " + std::string(line.substr(0, 60)));
  std::string_view full_name = line.substr(0, i);
  if (size_t dot = full_name.find('.'); dot != std::string_view::npos) {
    // group = 1*(ALPHA / DIGIT / "-") (RFC 6350 §3.3): an empty one would be dropped when
    // written, and ".  X" would come back as a folded line (found by tests/fuzz/vcard_fuzzer).
    if (dot == 0)
      return Invalid("vCard property with an empty group: " + std::string(line.substr(0, 60)));
    prop.group = std::string(full_name.substr(0, dot));
    full_name.remove_prefix(dot + 1);
  }
  if (full_name.empty()) return Invalid("vCard property without a name");
  prop.name = Upper(full_name);
  while (i < line.size() && line[i] == ';') {
    ++i;
    size_t start = i;
    while (i < line.size() && line[i] != '=' && line[i] != ';' && line[i] != ':') ++i;
    if (i == line.size()) return Invalid("vCard line without ':' after parameters");
    VCardParam param;
    param.name = Upper(line.substr(start, i - start));
    // A name is a token (RFC 6350 §3.3, RFC 2426 §4); a quote or comma in one could never be
    // written back: a 2.1 bare name becomes a TYPE value on conversion, and a value holding
    // both a DQUOTE and a comma has no serialisation (found by tests/fuzz/vcard_fuzzer).
    if (param.name.find_first_of("\",") != std::string::npos) {
      return Invalid("malformed vCard parameter name: " + param.name.substr(0, 60));
    }
    if (line[i] == '=') {  // else a 2.1-style bare value ("TEL;CELL:"), kept as such
      ++i;
      while (true) {
        std::string value;
        if (i < line.size() && line[i] == '"') {
          size_t close = line.find('"', i + 1);
          if (close == std::string_view::npos) return Invalid("unterminated quoted parameter");
          value = std::string(line.substr(i + 1, close - i - 1));
          i = close + 1;
        } else {
          size_t s = i;
          while (i < line.size() && line[i] != ',' && line[i] != ';' && line[i] != ':') ++i;
          value = std::string(line.substr(s, i - s));
        }
        param.values.push_back(std::move(value));
        if (i < line.size() && line[i] == ',') {
          ++i;
          continue;
        }
        break;
      }
    }
    prop.params.push_back(std::move(param));
  }
  if (i >= line.size() || line[i] != ':') return Invalid("malformed vCard parameters");
  // A quoted-printable soft break is joined raw (LogicalLines); before the value it would put a
  // line break into a name or parameter, which no serialisation keeps (tests/fuzz/vcard_fuzzer).
  if (line.substr(0, i).find_first_of("\r\n") != std::string_view::npos) {
    return Invalid("line break inside the name or parameters of a vCard property");
  }
  prop.value = std::string(line.substr(i + 1));
  return prop;
}

bool NeedsQuotes(std::string_view v) { return v.find_first_of(",;:") != std::string_view::npos; }

// Appends `line` plus CRLF, folded so no physical line exceeds 75 octets (RFC 6350 §3.2) and
// never inside a UTF-8 sequence. Embedded CRLFs (quoted-printable soft breaks) restart a line.
void AppendFolded(std::string* out, std::string_view line) {
  size_t column = 0;
  size_t i = 0;
  while (i < line.size()) {
    size_t limit = kFoldOctets - column;
    size_t nl = line.find('\n', i);
    size_t seg_end = nl == std::string_view::npos ? line.size() : nl + 1;
    // The embedded CRLF ends the physical line: it does not count, and a fold must never fall
    // inside or just before it (found by tests/fuzz/vcard_fuzzer).
    size_t content_end = nl == std::string_view::npos     ? seg_end
                         : nl > i && line[nl - 1] == '\r' ? nl - 1
                                                          : nl;
    if (content_end - i <= limit) {
      out->append(line.substr(i, seg_end - i));
      column = nl == std::string_view::npos ? column + (seg_end - i) : 0;
      i = seg_end;
      continue;
    }
    size_t cut = i + limit;
    while (cut > i && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
    // A physical line ending in '=' reads as a quoted-printable soft break (LogicalLines), which
    // would join the next line raw instead of unfolding it.
    while (cut > i + 1 && line[cut - 1] == '=') --cut;
    if (cut == i) cut = i + limit;  // not UTF-8 at all; cut anyway rather than loop
    out->append(line.substr(i, cut - i)).append("\r\n ");
    column = 1;
    i = cut;
  }
  out->append("\r\n");
}

}  // namespace

std::optional<std::string> VCardProperty::Param(std::string_view wanted) const {
  for (const VCardParam& p : params) {
    if (EqualsIgnoreCase(p.name, wanted) && !p.values.empty()) return p.values.front();
  }
  return std::nullopt;
}

const VCardProperty* VCard::Find(std::string_view wanted) const {
  for (const VCardProperty& p : properties) {
    if (p.name == wanted) return &p;
  }
  return nullptr;
}

Result<VCard> ParseVCard(std::string_view text) {
  std::vector<std::string> lines = LogicalLines(text);
  if (lines.empty() || !EqualsIgnoreCase(lines.front(), "BEGIN:VCARD")) {
    return Invalid("not a vCard: the first line must be BEGIN:VCARD");
  }
  VCard card;
  bool ended = false;
  bool has_version = false;  // an empty VERSION counts too (found by tests/fuzz/vcard_fuzzer)
  for (size_t n = 1; n < lines.size(); ++n) {
    if (ended) return Invalid("more than one vCard in the resource");
    Result<VCardProperty> prop = ParseLine(lines[n]);
    if (!prop.ok()) return prop.status();
    if (prop->name == "END" && prop->group.empty() && EqualsIgnoreCase(prop->value, "VCARD")) {
      ended = true;
      continue;
    }
    if (prop->name == "BEGIN") return Invalid("nested BEGIN inside a vCard");
    if (prop->name == "VERSION") {
      if (has_version) return Invalid("VERSION appears twice");
      has_version = true;
      card.version = prop->value;
    }
    card.properties.push_back(std::move(*prop));
  }
  if (!ended) return Invalid("vCard without END:VCARD");
  if (card.version.empty()) return Invalid("vCard without VERSION");
  if (card.version != "3.0" && card.version != "4.0") {
    return Invalid("unsupported vCard version " + card.version + " (3.0 or 4.0 only)");
  }
  return card;
}

std::string SerializeVCard(const VCard& card) {
  std::string out = "BEGIN:VCARD\r\n";
  if (card.Find("VERSION") == nullptr) out.append("VERSION:" + card.version + "\r\n");
  std::string line;
  for (const VCardProperty& p : card.properties) {
    line.clear();
    if (!p.group.empty()) line.append(p.group).push_back('.');
    line.append(p.name);
    for (const VCardParam& param : p.params) {
      line.push_back(';');
      line.append(param.name);
      if (param.values.empty()) continue;
      line.push_back('=');
      for (size_t k = 0; k < param.values.size(); ++k) {
        if (k > 0) line.push_back(',');
        const std::string& v = param.values[k];
        if (NeedsQuotes(v)) {
          line.append("\"").append(v).append("\"");
        } else {
          line.append(v);
        }
      }
    }
    line.push_back(':');
    line.append(p.name == "VERSION" && !card.version.empty() ? card.version : p.value);
    if (IsQuotedPrintable(line)) {
      // Quoted-printable leftovers are written as they came, unfolded: a fold next to a '='
      // reads back as a soft break (LogicalLines), and a run of '=' longer than a line cannot
      // be folded at all (found by tests/fuzz/vcard_fuzzer).
      out.append(line).append("\r\n");
    } else {
      AppendFolded(&out, line);
    }
  }
  out.append("END:VCARD\r\n");
  return out;
}

std::string UnescapeText(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (c != '\\' || i + 1 == value.size()) {
      out.push_back(c);
      continue;
    }
    char next = value[++i];
    if (next == 'n' || next == 'N') {
      out.push_back('\n');
    } else if (next == ',' || next == ';' || next == '\\' || next == ':') {
      out.push_back(next);  // "\:" is not RFC 6350 but Outlook and old Android send it
    } else {
      out.push_back('\\');
      out.push_back(next);
    }
  }
  return out;
}

std::string EscapeText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    switch (c) {
      case '\\': out.append("\\\\"); break;
      case ',': out.append("\\,"); break;
      case ';': out.append("\\;"); break;
      case '\r':
        if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
        out.append("\\n");
        break;
      case '\n': out.append("\\n"); break;
      default: out.push_back(c);
    }
  }
  return out;
}

Status CheckVCardText(std::string_view text) {
  std::optional<TextFault> fault = FindTextFault(text, TextRules::kContentLines);
  if (!fault) return Status::OK();
  return Invalid("vCard data " + fault->Describe() +
                 " (RFC 6350 section 3: UTF-8 text, no control character but HTAB, CR only "
                 "before LF)");
}

Result<store::ObjectIndex> ValidateVCard(std::string_view text, uint64_t max_size) {
  if (text.size() > max_size) {
    return Status::Violates(dav::Precondition::kCardMaxResourceSize,
                            "vCard of " + std::to_string(text.size()) + " bytes exceeds the " +
                                std::to_string(max_size) + "-byte limit");
  }
  if (Status s = CheckVCardText(text); !s.ok()) return s;
  Result<VCard> card = ParseVCard(text);
  if (!card.ok()) return card.status();
  const VCardProperty* uid = card->Find("UID");
  if (uid == nullptr || uid->value.empty()) {
    return Invalid("vCard without UID: an address object resource needs one (RFC 6352 §5.1)");
  }
  const VCardProperty* fn = card->Find("FN");
  if (fn == nullptr) return Invalid("vCard without FN (RFC 6350 §6.2.1)");
  store::ObjectIndex index;
  index.uid = uid->value;
  index.component = "VCARD";
  return index;
}

}  // namespace cartable::dav::carddav
