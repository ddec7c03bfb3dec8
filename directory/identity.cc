#include "directory/identity.h"

#include <cstdint>

#include "dav/text_fold.h"
#include "directory/import_parse.h"

namespace cartable::directory {
namespace {

bool IsAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// Folds and keeps only a-z0-9 (login rule).
std::string LettersOnly(std::string_view s) {
  std::string out;
  for (char c : FoldName(s)) {
    if (IsAlnum(c)) out += c;
  }
  return out;
}

// One name for an email local part: apostrophes removed, spaces/hyphens runs -> one '-'.
std::string EmailPart(std::string_view s) {
  std::string out;
  for (char c : FoldName(s)) {
    if (IsAlnum(c)) {
      out += c;
    } else if ((c == ' ' || c == '-' || c == '\t') && !out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

}  // namespace

std::string FoldName(std::string_view utf8) { return FoldToAscii(utf8); }

std::string LoginBase(std::string_view prenom, std::string_view nom) {
  std::string first = LettersOnly(prenom);
  std::string last = LettersOnly(nom);
  if (first.empty() || last.empty()) return "";
  return first.substr(0, 1) + last;
}

std::string EmailLocalBase(std::string_view prenom, std::string_view nom) {
  std::string first = EmailPart(prenom);
  std::string last = EmailPart(nom);
  if (first.empty() || last.empty()) return "";
  return first + "." + last;
}

std::string SourceKey(std::string_view numen_hash, std::string_view ldif_uid,
                      std::string_view email, std::string_view nom, std::string_view prenom,
                      std::string_view uai) {
  auto lower = [](std::string s) {
    for (char& c : s) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    return s;
  };
  if (!numen_hash.empty()) return "numen:" + std::string(numen_hash);
  if (std::string u = TrimBlanks(ldif_uid); !u.empty()) return "uid:" + u;
  if (std::string e = TrimBlanks(email); !e.empty()) return "email:" + lower(e);
  return "name:" + LettersOnly(nom) + "|" + LettersOnly(prenom) + "|" + lower(TrimBlanks(uai));
}

std::string IdentityAllocator::NextLogin(const std::string& base) {
  std::string name = base;
  for (int n = 2; Taken(name); ++n) name = base + std::to_string(n);
  Take(name);
  return name;
}

std::string IdentityAllocator::NextEmail(const std::string& local, const std::string& domain) {
  std::string name = local + "@" + domain;
  for (int n = 2; Taken(name); ++n) name = local + std::to_string(n) + "@" + domain;
  Take(name);
  return name;
}

}  // namespace cartable::directory
