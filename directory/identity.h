// Identity rules of the staff-directory import: how a person's login, generated email address and
// stable source key are derived from the names in the file. Pure functions, no store.
//
// Folding (FoldName): UTF-8 in, lowercase ASCII out. Latin letters with diacritics lose them
// ("é" -> "e", "Ç" -> "c"), ligatures expand ("œ" -> "oe", "æ" -> "ae", "ß" -> "ss"), other
// non-ASCII characters are dropped.
//
// Login (LoginBase): the folded first letter of the first name followed by the folded last name,
// keeping only a-z and 0-9: spaces, hyphens and apostrophes (' and ’) disappear.
//   "Hélène", "Le Gall-Dubois" -> "hlegalldubois";  "Aïssata", "N'Diaye" -> "andiaye";
//   "Jean-Pierre", "Martin" -> "jmartin" (only the first letter of a compound first name).
//
// Email local part (EmailLocalBase): folded first name "." folded last name, where inside each
// name apostrophes are removed, every run of spaces or hyphens becomes ONE hyphen, other
// characters outside a-z0-9 are removed, and leading/trailing hyphens are trimmed:
//   "Hélène", "Le Gall-Dubois" -> "helene.le-gall-dubois";  "Jean-Pierre", "N'Diaye" ->
//   "jean-pierre.ndiaye";  "Marie  Anne", "de  La Tour" -> "marie-anne.de-la-tour".
//
// Homonyms (IdentityAllocator): the first person gets the base, the next ones the base followed
// by the smallest free number from 2 upwards ("jmartin", "jmartin2", "jmartin3"); for emails the
// number goes at the end of the local part ("jean.martin2@domain"). Taken names include every
// existing account (active or disabled), so a login is never reused for someone else.
//
// Source key (SourceKey): what matches a row to the same person on the next import, first
// available of: "numen:" + the NUMEN's keyed hash (SecretKey::Hash("numen", NormalNumen(NUMEN)),
// secret_key.h: never the NUMEN itself, which is a personal identifier); "uid:" + LDIF uid;
// "email:" + email in lower case; "name:" + folded nom "|" folded prenom "|" lower-case UAI. A
// person keeps their login (and generated email) across re-imports as long as the key stays the
// same, even if the name changes.
#pragma once

#include <set>
#include <string>
#include <string_view>

namespace cartable::directory {

// Lowercase ASCII folding as described above (spaces and punctuation kept).
std::string FoldName(std::string_view utf8);

// "" when the names leave nothing usable (the caller reports the row).
std::string LoginBase(std::string_view prenom, std::string_view nom);
std::string EmailLocalBase(std::string_view prenom, std::string_view nom);

std::string SourceKey(std::string_view numen_hash, std::string_view ldif_uid,
                      std::string_view email, std::string_view nom, std::string_view prenom,
                      std::string_view uai);

// Hands out unique names against a growing set of taken ones. Case-sensitive: callers give
// lowercase names. Not thread-safe.
class IdentityAllocator {
 public:
  void Take(const std::string& name) { taken_.insert(name); }
  bool Taken(const std::string& name) const { return taken_.count(name) != 0; }
  // The first free one of base, base2, base3... (now taken).
  std::string NextLogin(const std::string& base);
  // The first free one of local@domain, local2@domain... (now taken).
  std::string NextEmail(const std::string& local, const std::string& domain);

 private:
  std::set<std::string> taken_;
};

}  // namespace cartable::directory
