#include "dav/carddav/vcard_edit.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <random>

#include "dav/carddav/vcard_internal.h"
#include "dav/text_check.h"

namespace cartable::dav::carddav {
namespace {

using internal::EqualsIgnoreCase;

constexpr std::string_view kUrnUuid = "urn:uuid:";
constexpr std::string_view kAppleKind = "X-ADDRESSBOOKSERVER-KIND";
constexpr std::string_view kAppleMember = "X-ADDRESSBOOKSERVER-MEMBER";

constexpr std::array<std::string_view, 3> kEmailTypes = {"work", "home", "other"};
constexpr std::array<std::string_view, 6> kPhoneTypes = {"work", "home",  "cell",
                                                         "fax",  "pager", "other"};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// The components of a structured value (N, ORG), split on unescaped ';', still escaped.
std::vector<std::string> Components(std::string_view value) {
  std::vector<std::string> out(1);
  for (size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '\\' && i + 1 < value.size()) {
      out.back() += value.substr(i, 2);
      ++i;
    } else if (value[i] == ';') {
      out.emplace_back();
    } else {
      out.back() += value[i];
    }
  }
  return out;
}

std::string JoinComponents(const std::vector<std::string>& parts) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? ";" : "") + parts[i];
  return out;
}

// The kind of an EMAIL or TEL among `known`, from its TYPE values (also the bare 2.1-style
// parameters "EMAIL;WORK:"); "other" when none is known.
template <size_t N>
std::string KindOf(const VCardProperty& p, const std::array<std::string_view, N>& known) {
  for (const VCardParam& param : p.params) {
    std::vector<std::string> tokens = param.values;
    if (param.name != "TYPE") {
      if (!param.values.empty()) continue;
      tokens = {param.name};
    }
    for (const std::string& token : tokens) {
      std::string t = Lower(token);
      if (t == "mobile" || t == "iphone") t = "cell";
      if (std::find(known.begin(), known.end(), t) != known.end()) return t;
    }
  }
  return "other";
}

std::string PhoneValue(const VCardProperty& p) {
  std::string v = UnescapeText(p.value);
  if (v.size() > 4 && EqualsIgnoreCase(std::string_view(v).substr(0, 4), "tel:")) v.erase(0, 4);
  return v;
}

VCardProperty Make(std::string name, std::string value, std::string type = "") {
  VCardProperty p;
  p.name = std::move(name);
  p.value = std::move(value);
  if (!type.empty() && type != "other") p.params.push_back({"TYPE", {std::move(type)}});
  return p;
}

bool Named(const VCardProperty& p, std::string_view a, std::string_view b = {}) {
  return p.name == a || (!b.empty() && p.name == b);
}

// Replaces the properties named `a` (or `b`) by `fresh`: the first at the place of the first
// old one (or at the end), so a card keeps its order.
void Replace(VCard* card, std::string_view a, std::string_view b,
             std::vector<VCardProperty> fresh) {
  auto& props = card->properties;
  auto first = std::find_if(props.begin(), props.end(),
                            [&](const VCardProperty& p) { return Named(p, a, b); });
  size_t at = first == props.end() ? props.size() : static_cast<size_t>(first - props.begin());
  props.erase(std::remove_if(props.begin(), props.end(),
                             [&](const VCardProperty& p) { return Named(p, a, b); }),
              props.end());
  at = std::min(at, props.size());
  props.insert(props.begin() + static_cast<std::ptrdiff_t>(at),
               std::make_move_iterator(fresh.begin()), std::make_move_iterator(fresh.end()));
}

// A text property: set (in place) or removed when `text` is empty.
void SetText(VCard* card, std::string_view name, const std::string& text) {
  std::vector<VCardProperty> fresh;
  auto it = std::find_if(card->properties.begin(), card->properties.end(),
                         [&](const VCardProperty& p) { return p.name == name; });
  if (!text.empty()) {
    VCardProperty p = it != card->properties.end() ? *it : Make(std::string(name), "");
    p.value = EscapeText(text);
    fresh.push_back(std::move(p));
  }
  Replace(card, name, {}, std::move(fresh));
}

// EMAIL or TEL: properties whose value and kind did not change are kept as they were (their
// group, PREF, X-ABLabel link); the others are written anew.
template <size_t N>
void SetTyped(VCard* card, std::string_view name, const std::vector<TypedValue>& values,
              const std::array<std::string_view, N>& known) {
  std::vector<VCardProperty> old;
  for (const VCardProperty& p : card->properties) {
    if (p.name == name) old.push_back(p);
  }
  std::vector<VCardProperty> fresh;
  for (const TypedValue& v : values) {
    auto same = std::find_if(old.begin(), old.end(), [&](const VCardProperty& p) {
      std::string value = name == "TEL" ? PhoneValue(p) : UnescapeText(p.value);
      return value == v.value && KindOf(p, known) == (v.type.empty() ? "other" : v.type);
    });
    if (same != old.end()) {
      fresh.push_back(std::move(*same));
      old.erase(same);
    } else {
      fresh.push_back(Make(std::string(name), EscapeText(v.value), v.type));
    }
  }
  Replace(card, name, {}, std::move(fresh));
}

std::string MadeFn(const ContactFields& f) {
  std::string name = f.given;
  if (!f.family.empty()) name += (name.empty() ? "" : " ") + f.family;
  if (!name.empty()) return name;
  if (!f.org.empty()) return f.org;
  return f.emails.empty() ? "" : f.emails.front().value;
}

Status Bad(std::string field, std::string message, std::string* out) {
  if (out != nullptr) *out = field;
  return Status::BadRequest(std::move(message));
}

bool OneLine(const std::string& s) { return !FindTextFault(s, TextRules::kName); }

}  // namespace

std::string MemberUid(std::string_view uri) {
  if (uri.size() > kUrnUuid.size() && EqualsIgnoreCase(uri.substr(0, kUrnUuid.size()), kUrnUuid)) {
    uri.remove_prefix(kUrnUuid.size());
  }
  return std::string(uri);
}

ContactFields ReadContact(const VCard& card) {
  ContactFields f;
  for (const VCardProperty& p : card.properties) {
    if (p.name == "UID" && f.uid.empty()) {
      f.uid = UnescapeText(p.value);
    } else if (p.name == "FN" && f.fn.empty()) {
      f.fn = UnescapeText(p.value);
    } else if (p.name == "N") {
      std::vector<std::string> parts = Components(p.value);
      f.family = UnescapeText(parts[0]);
      if (parts.size() > 1) f.given = UnescapeText(parts[1]);
    } else if (p.name == "ORG" && f.org.empty()) {
      f.org = UnescapeText(Components(p.value)[0]);
    } else if (p.name == "TITLE" && f.title.empty()) {
      f.title = UnescapeText(p.value);
    } else if (p.name == "NOTE" && f.note.empty()) {
      f.note = UnescapeText(p.value);
    } else if (p.name == "EMAIL") {
      f.emails.push_back({KindOf(p, kEmailTypes), UnescapeText(p.value)});
    } else if (p.name == "TEL") {
      f.phones.push_back({KindOf(p, kPhoneTypes), PhoneValue(p)});
    } else if ((p.name == "KIND" || p.name == kAppleKind) &&
               EqualsIgnoreCase(UnescapeText(p.value), "group")) {
      f.kind = "group";
    } else if (p.name == "MEMBER" || p.name == kAppleMember) {
      f.members.push_back(MemberUid(p.value));
    }
  }
  return f;
}

Status CheckContact(const ContactFields& f, std::string* field) {
  if (f.kind != "individual" && f.kind != "group") {
    return Bad("kind", "Le type de contact doit être « individual » ou « group ».", field);
  }
  const std::pair<const char*, const std::string*> kText[] = {{"fn", &f.fn},
                                                              {"given", &f.given},
                                                              {"family", &f.family},
                                                              {"org", &f.org},
                                                              {"title", &f.title}};
  for (const auto& [name, value] : kText) {
    if (!OneLine(*value)) {
      return Bad(name, std::string("Le champ « ") + name + " » contient un caractère interdit.",
                 field);
    }
  }
  if (FindTextFault(f.note, TextRules::kContentLines)) {
    return Bad("note", "La note contient un caractère interdit.", field);
  }
  for (const TypedValue& e : f.emails) {
    if (std::find(kEmailTypes.begin(), kEmailTypes.end(), e.type) == kEmailTypes.end() &&
        !e.type.empty()) {
      return Bad("emails", "Le type d'adresse « " + e.type + " » est inconnu (work, home, other).",
                 field);
    }
    if (e.value.empty() || !OneLine(e.value) || e.value.find('@') == std::string::npos) {
      return Bad("emails", "L'adresse électronique « " + e.value + " » n'est pas valable.", field);
    }
  }
  for (const TypedValue& t : f.phones) {
    if (std::find(kPhoneTypes.begin(), kPhoneTypes.end(), t.type) == kPhoneTypes.end() &&
        !t.type.empty()) {
      return Bad("phones",
                 "Le type de téléphone « " + t.type +
                     " » est inconnu (work, home, cell, fax, "
                     "pager, other).",
                 field);
    }
    if (t.value.empty() || !OneLine(t.value)) {
      return Bad("phones", "Le numéro de téléphone « " + t.value + " » n'est pas valable.", field);
    }
  }
  for (const std::string& m : f.members) {
    if (m.empty() || !OneLine(m)) return Bad("members", "Un membre du groupe est vide.", field);
  }
  if (f.kind == "individual" && !f.members.empty()) {
    return Bad("members", "Seul un groupe a des membres.", field);
  }
  if (f.kind == "group" ? f.fn.empty() : MadeFn(f).empty() && f.fn.empty()) {
    return Bad("fn",
               f.kind == "group" ? "Donnez un nom au groupe."
                                 : "Donnez au moins un nom, une organisation ou une adresse.",
               field);
  }
  return Status::OK();
}

void ApplyContact(const ContactFields& before, const ContactFields& after, VCard* card) {
  const bool v4 = card->version == "4.0";
  const std::string fn = after.fn.empty() ? MadeFn(after) : after.fn;
  if (fn != before.fn || card->Find("FN") == nullptr) SetText(card, "FN", fn);
  const bool individual = after.kind == "individual";
  // Apple writes a group's name in N as well as FN: a renamed group renames both.
  std::string family = after.family;
  if (!individual && fn != before.fn && family == before.family && family == before.fn &&
      card->Find("N") != nullptr) {
    family = fn;
  }
  if (family != before.family || after.given != before.given ||
      (individual && card->Find("N") == nullptr)) {
    const VCardProperty* n = card->Find("N");
    std::vector<std::string> parts =
        n != nullptr ? Components(n->value) : std::vector<std::string>{};
    parts.resize(std::max<size_t>(parts.size(), 5));
    parts[0] = EscapeText(family);
    parts[1] = EscapeText(after.given);
    VCardProperty fresh = n != nullptr ? *n : Make("N", "");
    fresh.value = JoinComponents(parts);
    Replace(card, "N", {}, {std::move(fresh)});
  }
  if (after.org != before.org) {
    const VCardProperty* org = card->Find("ORG");
    std::vector<std::string> parts =
        org != nullptr ? Components(org->value) : std::vector<std::string>{""};
    parts[0] = EscapeText(after.org);
    std::vector<VCardProperty> fresh;
    if (!after.org.empty()) fresh.push_back(Make("ORG", JoinComponents(parts)));
    Replace(card, "ORG", {}, std::move(fresh));
  }
  if (after.title != before.title) SetText(card, "TITLE", after.title);
  if (after.note != before.note) SetText(card, "NOTE", after.note);
  if (after.emails != before.emails) SetTyped(card, "EMAIL", after.emails, kEmailTypes);
  if (after.phones != before.phones) SetTyped(card, "TEL", after.phones, kPhoneTypes);
  if (after.kind != before.kind) {
    std::vector<VCardProperty> fresh;
    if (!individual) fresh.push_back(Make(v4 ? "KIND" : std::string(kAppleKind), "group"));
    Replace(card, "KIND", kAppleKind, std::move(fresh));
  }
  if (after.members != before.members || after.kind != before.kind) {
    std::vector<VCardProperty> fresh;
    for (const std::string& m : individual ? std::vector<std::string>{} : after.members) {
      std::string uri = m.find(':') == std::string::npos ? std::string(kUrnUuid) + m : m;
      fresh.push_back(Make(v4 ? "MEMBER" : std::string(kAppleMember), uri));
    }
    Replace(card, "MEMBER", kAppleMember, std::move(fresh));
  }
}

VCard NewContact(const std::string& uid, const ContactFields& fields) {
  VCard card;
  card.version = "3.0";
  card.properties = {Make("VERSION", "3.0"), Make("PRODID", "-//Cartable//Contacts web//FR"),
                     Make("UID", EscapeText(uid))};
  ContactFields empty;
  empty.kind = "individual";
  ApplyContact(empty, fields, &card);
  return card;
}

std::string NewContactUid() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  std::array<unsigned char, 16> b;
  for (size_t i = 0; i < b.size(); i += 8) {
    uint64_t r = rng();
    for (size_t k = 0; k < 8; ++k) b[i + k] = static_cast<unsigned char>(r >> (8 * k));
  }
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 9562 variant
  char out[40];
  std::snprintf(out, sizeof out,
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
                b[15]);
  return out;
}

std::vector<std::string> SplitVCards(std::string_view text, size_t max_cards, bool* truncated) {
  std::vector<std::string> cards;
  *truncated = false;
  size_t start = std::string_view::npos;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    size_t next = eol == std::string_view::npos ? text.size() : eol + 1;
    std::string_view line = text.substr(pos, next - pos);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    if (start == std::string_view::npos) {
      if (EqualsIgnoreCase(line, "BEGIN:VCARD")) {
        if (cards.size() == max_cards) {
          *truncated = true;
          return cards;
        }
        start = pos;
      }
    } else if (EqualsIgnoreCase(line, "END:VCARD")) {
      cards.emplace_back(text.substr(start, next - start));
      start = std::string_view::npos;
    }
    pos = next;
  }
  if (start != std::string_view::npos) cards.emplace_back(text.substr(start));
  return cards;
}

}  // namespace cartable::dav::carddav
