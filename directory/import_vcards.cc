#include "directory/import_vcards.h"

#include <sodium.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace cartable::directory {
namespace {

constexpr size_t kFoldOctets = 75;

std::string FormatUuid(unsigned char b[16]) {
  char out[64];
  std::snprintf(out, sizeof out,
                "urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
                b[13], b[14], b[15]);
  return out;
}

void InitSodium() {
  if (sodium_init() < 0) std::abort();
}

// The uuid part of "urn:uuid:x", used for card names.
std::string UuidOf(const std::string& card_uid) {
  constexpr std::string_view kPrefix = "urn:uuid:";
  return card_uid.rfind(kPrefix, 0) == 0 ? card_uid.substr(kPrefix.size()) : card_uid;
}

void AddText(std::string* out, std::string_view name, const std::string& value) {
  if (!value.empty()) *out += FoldVCardLine(std::string(name) + ":" + EscapeVCardText(value));
}

}  // namespace

std::string EscapeVCardText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\\' || c == ',' || c == ';') {
      out += '\\';
      out += c;
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      continue;  // CRLF -> \n once
    } else if (c == '\n' || c == '\r') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string FoldVCardLine(std::string_view line) {
  std::string out;
  size_t limit = kFoldOctets;  // the first line has 75 octets, continuations 74 + the space
  while (line.size() > limit) {
    size_t cut = limit;
    while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
    out.append(line.substr(0, cut));
    out += "\r\n ";
    line.remove_prefix(cut);
    limit = kFoldOctets - 1;
  }
  out.append(line);
  out += "\r\n";
  return out;
}

std::string DepartmentGroupName(const std::string& code,
                                const std::map<std::string, std::string>& names) {
  auto it = names.find(code);
  return "DSDEN " + code + (it == names.end() ? "" : " \xE2\x80\x94 " + it->second);
}

std::string PersonVCard(const store::DirectoryEntry& e,
                        const std::map<std::string, std::string>& department_names) {
  std::string out = "BEGIN:VCARD\r\nVERSION:4.0\r\n";
  out += FoldVCardLine("UID:" + e.card_uid);
  AddText(&out, "FN", e.prenom + " " + e.nom);
  out += FoldVCardLine("N:" + EscapeVCardText(e.nom) + ";" + EscapeVCardText(e.prenom) + ";;;");
  AddText(&out, "EMAIL;TYPE=work", e.email);
  AddText(&out, "TEL;TYPE=work", e.telephone);
  if (!e.etablissement.empty() || !e.departement.empty()) {
    std::string org = EscapeVCardText(e.etablissement);
    if (!e.departement.empty()) {
      org += ";" + EscapeVCardText(DepartmentGroupName(e.departement, department_names));
    }
    out += FoldVCardLine("ORG:" + org);
  }
  AddText(&out, "TITLE", e.fonction);
  // The same groups as CATEGORIES, for clients that group by category (DAVx5's other group
  // method, web UIs): the group cards' MEMBER lists and these always come from one membership.
  std::vector<std::string> categories;
  if (!e.departement.empty()) {
    categories.push_back(EscapeVCardText(DepartmentGroupName(e.departement, department_names)));
  }
  if (!e.uai.empty() && !e.etablissement.empty()) {
    categories.push_back(EscapeVCardText(e.etablissement));
  }
  if (!categories.empty()) {
    std::string line = "CATEGORIES:" + categories.front();
    for (size_t i = 1; i < categories.size(); ++i) line += "," + categories[i];
    out += FoldVCardLine(line);
  }
  AddText(&out, "X-CARTABLE-UAI", e.uai);
  AddText(&out, "X-CARTABLE-DEPARTEMENT", e.departement);
  out += "END:VCARD\r\n";
  return out;
}

std::string GroupVCard(const std::string& uid, const std::string& name,
                       std::vector<std::string> member_uids) {
  std::sort(member_uids.begin(), member_uids.end());
  std::string out = "BEGIN:VCARD\r\nVERSION:4.0\r\nKIND:group\r\n";
  out += FoldVCardLine("UID:" + uid);
  AddText(&out, "FN", name);
  for (const std::string& m : member_uids) out += FoldVCardLine("MEMBER:" + m);
  out += "END:VCARD\r\n";
  return out;
}

std::string GroupUid(const std::string& card_name) {
  InitSodium();
  std::string input = "cartable-directory-group:" + card_name;
  unsigned char b[16];
  crypto_generichash(b, sizeof b, reinterpret_cast<const unsigned char*>(input.data()),
                     input.size(), nullptr, 0);
  b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x80);  // version 8 (custom)
  b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);  // RFC 9562 variant
  return FormatUuid(b);
}

std::string NewCardUid() {
  InitSodium();
  unsigned char b[16];
  randombytes_buf(b, sizeof b);
  b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);
  return FormatUuid(b);
}

std::vector<DirectoryCard> DirectoryCards(
    const std::vector<store::DirectoryEntry>& entries,
    const std::map<std::string, std::string>& department_names) {
  std::vector<DirectoryCard> cards;
  std::map<std::string, std::vector<std::string>> departments;  // code -> member uids
  std::map<std::string, std::pair<std::string, std::vector<std::string>>> etabs;  // uai -> ...
  for (const store::DirectoryEntry& e : entries) {
    if (!e.active) continue;
    cards.push_back({UuidOf(e.card_uid) + ".vcf", e.card_uid, PersonVCard(e, department_names)});
    if (!e.departement.empty()) departments[e.departement].push_back(e.card_uid);
    if (!e.uai.empty()) {
      auto& [name, members] = etabs[e.uai];
      if (name.empty()) name = e.etablissement.empty() ? e.uai : e.etablissement;
      members.push_back(e.card_uid);
    }
  }
  for (auto& [code, members] : departments) {
    std::string name = "dsden-" + code;
    std::string uid = GroupUid(name);
    cards.push_back({name + ".vcf", uid,
                     GroupVCard(uid, DepartmentGroupName(code, department_names), members)});
  }
  for (auto& [uai, group] : etabs) {
    std::string lower = uai;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string name = "etab-" + lower;
    std::string uid = GroupUid(name);
    cards.push_back({name + ".vcf", uid, GroupVCard(uid, group.first, group.second)});
  }
  return cards;
}

}  // namespace cartable::directory
