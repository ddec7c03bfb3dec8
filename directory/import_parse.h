// Reading staff-directory exports into records: CSV (import_csv.cc) and LDIF (import_ldif.cc).
// Syntax only: field validation (names, email, department, duplicates) is in import.cc.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cartable::directory {

// One person as read from the file, fields trimmed of surrounding spaces.
struct PersonRecord {
  int line = 0;  // 1-based line where the record starts
  std::string nom, prenom, email, fonction, etablissement, uai, departement, telephone;
  std::string numen;     // CSV column "numen" (optional)
  std::string ldif_uid;  // LDIF "uid" (the stable key there)
  // CSV column "date_naissance", LDIF "dateNaissance" (optional), as written ("JJ/MM/AAAA" or
  // ISO "AAAA-MM-JJ"; an LDAP GeneralizedTime "YYYYMMDD..." is turned into "AAAA-MM-JJ" by the
  // LDIF reader). Checked by the import (NormalBirthDate): a bad date is a row error.
  std::string date_naissance;
};

struct ImportError {
  int line = 0;  // 0 = the whole file
  std::string message;
};

struct ParsedFile {
  std::vector<PersonRecord> records;
  std::vector<ImportError> errors;  // syntax errors; the records of bad lines are left out
};

// CSV: UTF-8, optional BOM, CRLF or LF, a header row naming the columns (any order, case
// ignored): nom, prenom, email, fonction, etablissement, uai, departement, telephone, and
// optionally numen and date_naissance; ';' or ',' separated (whichever of the two appears in the
// header outside quotes; ';' wins a tie); RFC 4180 quoting ("a ""b""", fields spanning lines).
// Blank lines are skipped. Errors: unknown or missing header column, wrong column count,
// unterminated quote.
ParsedFile ParseCsv(std::string_view text);

// LDIF (RFC 2849 content records): "dn:" starts a record, blank lines separate records, '#'
// comments, continuation lines starting with one space, "attr:: base64", attribute options
// ("cn;lang-fr") ignored, first value wins for repeated attributes. Mapping: sn -> nom,
// givenName -> prenom, mail -> email, title -> fonction, ou -> etablissement, departmentNumber
// -> departement, telephoneNumber -> telephone, uid -> ldif_uid, uai -> uai (if present),
// dateNaissance -> date_naissance (a GeneralizedTime value, RFC 4517 §3.3.13, keeps its date:
// "19850315000000Z" -> "1985-03-15").
// Errors: bad base64, a line without ':', "attr:< URL" values, a changetype record.
ParsedFile ParseLdif(std::string_view text);

// `s` without the spaces and tabs around it (fields of the exports, parts of identity keys).
inline std::string TrimBlanks(std::string_view s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(" \t");
  return std::string(s.substr(b, e - b + 1));
}

// LDIF when the first non-comment, non-blank line starts with "dn:" or "version:", else CSV.
bool LooksLikeLdif(std::string_view text);

}  // namespace cartable::directory
