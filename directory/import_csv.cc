// CSV reading for the staff-directory import (see import_parse.h for the accepted syntax).
#include <algorithm>
#include <array>
#include <map>
#include <optional>

#include "directory/import_parse.h"

namespace cartable::directory {
namespace {

struct CsvRow {
  int line = 0;
  std::vector<std::string> fields;
};

// The separator used by the header (first line): ';' unless ',' is more frequent outside quotes.
char DetectSeparator(std::string_view text) {
  int semis = 0, commas = 0;
  bool quoted = false;
  for (char c : text) {
    if (c == '"') quoted = !quoted;
    if (!quoted && (c == '\n' || c == '\r')) break;
    if (!quoted && c == ';') ++semis;
    if (!quoted && c == ',') ++commas;
  }
  return commas > semis ? ',' : ';';
}

// Splits the text into rows of fields. Returns nullopt (with an error) on an unterminated quote.
std::optional<std::vector<CsvRow>> SplitRows(std::string_view text, char sep,
                                             std::vector<ImportError>* errors) {
  std::vector<CsvRow> rows;
  CsvRow row;
  std::string field;
  bool quoted = false, any = false;
  int line = 1;
  row.line = 1;
  auto end_row = [&]() {
    if (any || !row.fields.empty()) {  // else a blank line
      row.fields.push_back(field);
      rows.push_back(std::move(row));
    }
    row = CsvRow{};
    field.clear();
    any = false;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        if (c == '\n') ++line;
        field += c;
      }
    } else if (c == '"') {
      quoted = any = true;
    } else if (c == sep) {
      row.fields.push_back(field);
      field.clear();
      any = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      end_row();
      row.line = ++line;
    } else {
      field += c;
      if (c != ' ' && c != '\t') any = true;
    }
  }
  if (quoted) {
    errors->push_back({row.line, "unterminated quoted field"});
    return std::nullopt;
  }
  end_row();
  return rows;
}

constexpr std::array<const char*, 10> kColumns = {
    "nom", "prenom",      "email",     "fonction", "etablissement",
    "uai", "departement", "telephone", "numen",    "date_naissance"};
constexpr size_t kRequiredColumns = 8;  // the first ones; numen and date_naissance are optional

// Maps each header position to a column index of kColumns; errors for unknown/missing ones.
std::optional<std::vector<int>> MapHeader(const CsvRow& header, std::vector<ImportError>* errors) {
  std::vector<int> map;
  std::vector<bool> seen(kColumns.size(), false);
  bool ok = true;
  for (const std::string& raw : header.fields) {
    std::string name = TrimBlanks(raw);
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    auto it = std::find(kColumns.begin(), kColumns.end(), name);
    if (it == kColumns.end()) {
      errors->push_back({header.line, "unknown column '" + name + "'"});
      ok = false;
      continue;
    }
    int index = static_cast<int>(it - kColumns.begin());
    if (seen[index]) {
      errors->push_back({header.line, "column '" + name + "' appears twice"});
      ok = false;
    }
    seen[index] = true;
    map.push_back(index);
  }
  for (size_t i = 0; i < kRequiredColumns; ++i) {
    if (!seen[i]) {
      errors->push_back({header.line, std::string("missing column '") + kColumns[i] + "'"});
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return map;
}

PersonRecord ToRecord(const CsvRow& row, const std::vector<int>& map) {
  PersonRecord r;
  r.line = row.line;
  std::string* slots[] = {&r.nom, &r.prenom,      &r.email,     &r.fonction, &r.etablissement,
                          &r.uai, &r.departement, &r.telephone, &r.numen,    &r.date_naissance};
  static_assert(std::size(slots) == kColumns.size());
  for (size_t i = 0; i < map.size(); ++i) *slots[map[i]] = TrimBlanks(row.fields[i]);
  return r;
}

}  // namespace

ParsedFile ParseCsv(std::string_view text) {
  ParsedFile out;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  char sep = DetectSeparator(text);
  std::optional<std::vector<CsvRow>> rows = SplitRows(text, sep, &out.errors);
  if (!rows) return out;
  if (rows->empty()) {
    out.errors.push_back({1, "empty file: a header row is required"});
    return out;
  }
  std::optional<std::vector<int>> map = MapHeader(rows->front(), &out.errors);
  if (!map) return out;
  for (size_t i = 1; i < rows->size(); ++i) {
    const CsvRow& row = (*rows)[i];
    if (row.fields.size() != map->size()) {
      out.errors.push_back({row.line, "wrong column count: " + std::to_string(row.fields.size()) +
                                          " instead of " + std::to_string(map->size())});
      continue;
    }
    out.records.push_back(ToRecord(row, *map));
  }
  return out;
}

}  // namespace cartable::directory
