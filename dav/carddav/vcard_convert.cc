// vCard 3.0 <-> 4.0 conversion (RFC 6350 Appendix A lists the differences). What is mapped is
// what Apple, Thunderbird, DAVx5 and CardBook rely on; the rest is kept as is, and properties
// that exist in only one version travel as X-<name> so a 4.0 -> 3.0 -> 4.0 trip restores them
// (the same convention sabre/vobject's converter uses).
#include <algorithm>
#include <cctype>

#include "dav/carddav/vcard.h"
#include "dav/carddav/vcard_internal.h"
#include "dav/text_fold.h"

namespace cartable::dav::carddav {
namespace internal {
namespace {

// Apple stores a birthday without year as 1604-MM-DD with this parameter naming the year.
constexpr std::string_view kOmitYear = "X-APPLE-OMIT-YEAR";
constexpr std::string_view kAppleKind = "X-ADDRESSBOOKSERVER-KIND";
constexpr std::string_view kAppleMember = "X-ADDRESSBOOKSERVER-MEMBER";

constexpr std::string_view kOnlyIn4[] = {"ANNIVERSARY", "GENDER",       "LANG",
                                         "RELATED",     "CLIENTPIDMAP", "XML"};
constexpr std::string_view kOnlyIn3[] = {"NAME",  "MAILER",      "LABEL",
                                         "CLASS", "SORT-STRING", "AGENT"};
constexpr std::string_view kBinary[] = {"PHOTO", "LOGO", "SOUND", "KEY"};
constexpr std::string_view kDated[] = {"BDAY", "ANNIVERSARY", "DEATHDATE"};

template <size_t N>
bool In(const std::string_view (&list)[N], std::string_view name) {
  return std::find(std::begin(list), std::end(list), name) != std::end(list);
}

bool AllOf(std::string_view s, std::string_view chars) {
  return !s.empty() && s.find_first_not_of(chars) == std::string_view::npos;
}

void RemoveParam(VCardProperty& p, std::string_view name) {
  p.params.erase(std::remove_if(p.params.begin(), p.params.end(),
                                [&](const VCardParam& q) { return q.name == name; }),
                 p.params.end());
}

// ---- dates: 4.0 uses ISO 8601 basic format ("19850412", "--0412"), 3.0 clients extended ----

void DateTo3(VCardProperty& p) {
  std::string& v = p.value;
  if (p.Param("VALUE").value_or("") == "text") return;
  if (v.size() == 6 && v.starts_with("--") && AllOf(v.substr(2), "0123456789")) {
    v = "1604-" + v.substr(2, 2) + "-" + v.substr(4, 2);
    p.params.push_back({std::string(kOmitYear), {"1604"}});
    return;
  }
  if (v.size() >= 8 && AllOf(v.substr(0, 8), "0123456789")) {
    std::string date = v.substr(0, 4) + "-" + v.substr(4, 2) + "-" + v.substr(6, 2);
    std::string rest = v.substr(8);
    if (rest.size() >= 7 && rest[0] == 'T' && AllOf(rest.substr(1, 6), "0123456789")) {
      rest = "T" + rest.substr(1, 2) + ":" + rest.substr(3, 2) + ":" + rest.substr(5, 2) +
             rest.substr(7);
    }
    v = date + rest;
  }
}

void DateTo4(VCardProperty& p) {
  std::string& v = p.value;
  std::optional<std::string> omit = p.Param(kOmitYear);
  RemoveParam(p, kOmitYear);
  if (omit && v.size() >= 10 && v.starts_with(*omit + "-")) {
    v = "--" + v.substr(5, 2) + v.substr(8, 2);
    return;
  }
  if (v.size() == 7 && v.starts_with("--") && v[4] == '-') {  // "--04-12"
    v = "--" + v.substr(2, 2) + v.substr(5, 2);
    return;
  }
  if (!AllOf(v, "0123456789-:TZ+") || v.size() < 10 || v[4] != '-' || v[7] != '-') return;
  size_t t = v.find('T');
  std::string date = v.substr(0, std::min(t, v.size()));
  date.erase(std::remove(date.begin(), date.end(), '-'), date.end());
  std::string time = t == std::string::npos ? "" : v.substr(t);
  time.erase(std::remove(time.begin(), time.end(), ':'), time.end());
  v = date + time;
}

// ---- inline binary: 4.0 data: URIs, 3.0 ENCODING=b;TYPE=JPEG ----

std::string MediaType(std::string_view prop, std::string_view type) {
  std::string t = AsciiLower(type);
  if (t.find('/') != std::string::npos) return t;
  if (prop == "KEY") return t == "pgp" ? "application/pgp-keys" : "application/" + t;
  return std::string(prop == "SOUND" ? "audio/" : "image/") + t;
}

// Whether `s` is a media type name (RFC 6838 §4.2 restricted-name), fit for a TYPE parameter.
bool IsMediaName(std::string_view s) {
  return !s.empty() && s.find_first_not_of(
                           "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                           "0123456789!#$&-^_.+") == std::string_view::npos;
}

void BinaryTo3(VCardProperty& p) {
  if (!p.value.starts_with("data:")) {
    if (p.value.find(':') != std::string::npos && p.Param("VALUE") == std::nullopt) {
      p.params.push_back({"VALUE", {"uri"}});
    }
    return;
  }
  size_t comma = p.value.find(',');
  if (comma == std::string::npos) return;
  std::string_view meta = std::string_view(p.value).substr(5, comma - 5);
  if (!meta.ends_with(";base64")) return;  // a percent-encoded data: URI; keep as a URI
  meta.remove_suffix(7);
  // A media type that is not a name would become a TYPE value no parser reads back (a DQUOTE
  // in it cannot be quoted; found by tests/fuzz/vcard_fuzzer): keep such a URI as it is.
  if (size_t slash = meta.find('/');
      slash != std::string_view::npos && !IsMediaName(meta.substr(slash + 1))) {
    return;
  }
  RemoveParam(p, "VALUE");
  RemoveParam(p, "MEDIATYPE");
  p.params.push_back({"ENCODING", {"b"}});
  if (size_t slash = meta.find('/'); slash != std::string_view::npos) {
    std::string_view sub = meta.substr(slash + 1);
    p.params.push_back({"TYPE", {sub == "pgp-keys" ? "PGP" : Upper(sub)}});
  }
  p.value = p.value.substr(comma + 1);
}

void BinaryTo4(VCardProperty& p) {
  std::string encoding = Upper(p.Param("ENCODING").value_or(""));
  if (encoding != "B" && encoding != "BASE64") {
    if (EqualsIgnoreCase(p.Param("VALUE").value_or(""), "uri")) RemoveParam(p, "VALUE");
    return;
  }
  std::optional<std::string> type = p.Param("TYPE");
  std::string media = type ? MediaType(p.name, *type) : "application/octet-stream";
  RemoveParam(p, "ENCODING");
  RemoveParam(p, "TYPE");
  p.value = "data:" + media + ";base64," + p.value;
}

// ---- PREF: 4.0 PREF=1 <-> 3.0 TYPE=pref, in place so the trip back keeps parameter order ----

void PrefTo3(VCardProperty& p) {
  for (auto it = p.params.begin(); it != p.params.end();) {
    if (it->name != "PREF") {
      ++it;
    } else if (!it->values.empty() && it->values.front() == "1") {
      *it = {"TYPE", {"pref"}};
      ++it;
    } else {
      it = p.params.erase(it);  // 3.0 has no ranking beyond "preferred"
    }
  }
}

void PrefTo4(VCardProperty& p) {
  bool pref = false;
  for (auto it = p.params.begin(); it != p.params.end();) {
    if (it->values.empty() && EqualsIgnoreCase(it->name, "PREF")) {  // 2.1 bare "PREF"
      *it = {"PREF", {"1"}};
      pref = true;
    } else if (it->values.empty() && it->name != "PREF") {  // 2.1 bare "CELL"
      *it = {"TYPE", {AsciiLower(it->name)}};
    }
    if (it->name != "TYPE") {
      ++it;
      continue;
    }
    auto& values = it->values;
    auto end = std::remove_if(values.begin(), values.end(),
                              [](const std::string& v) { return EqualsIgnoreCase(v, "pref"); });
    if (end == values.end()) {
      ++it;
      continue;
    }
    values.erase(end, values.end());
    if (pref) {
      it = values.empty() ? p.params.erase(it) : it + 1;
    } else if (values.empty()) {
      *it++ = {"PREF", {"1"}};
    } else {
      it = p.params.insert(it, {"PREF", {"1"}}) + 2;
    }
    pref = true;
  }
}

void PropertyTo3(VCardProperty& p) {
  if (p.name == "KIND") {
    p.name = kAppleKind;
  } else if (p.name == "MEMBER") {
    p.name = kAppleMember;
  } else if (p.name == "TEL" && EqualsIgnoreCase(p.Param("VALUE").value_or(""), "uri")) {
    RemoveParam(p, "VALUE");
    if (p.value.starts_with("tel:")) p.value = p.value.substr(4);
  } else if (In(kBinary, p.name)) {
    BinaryTo3(p);
  }
  if (In(kDated, p.name)) DateTo3(p);
  if (In(kOnlyIn4, p.name)) p.name = "X-" + p.name;
  PrefTo3(p);
}

void PropertyTo4(VCardProperty& p) {
  if (p.name == kAppleKind) {
    p.name = "KIND";
    p.value = AsciiLower(p.value);
  } else if (p.name == kAppleMember) {
    p.name = "MEMBER";
  } else if (In(kBinary, p.name)) {
    BinaryTo4(p);
  } else if (In(kOnlyIn3, p.name)) {
    p.name = "X-" + p.name;
  } else if (p.name.starts_with("X-") && In(kOnlyIn4, std::string_view(p.name).substr(2))) {
    p.name = p.name.substr(2);
  }
  if (In(kDated, p.name)) DateTo4(p);
  PrefTo4(p);
  RemoveParam(p, "CHARSET");  // 2.1 leftover, always UTF-8 in 4.0
}

}  // namespace

void ConvertCard(VCard* card, std::string_view version) {
  if (card->version == version) return;
  bool to4 = version == "4.0";
  for (VCardProperty& p : card->properties) {
    if (p.name == "VERSION") {
      p.value = std::string(version);
    } else if (p.value.find_first_of("\r\n") != std::string::npos) {
      // A value holding a quoted-printable soft break (a vCard 2.1 leftover, joined raw by the
      // parser) reads back only while its line keeps every parameter that says
      // QUOTED-PRINTABLE — in ENCODING, CHARSET or any garbled parameter (found three times by
      // tests/fuzz/vcard_fuzzer: a data: URI, a dropped CHARSET, a dropped
      // X-APPLE-OMIT-YEAR). Such a property crosses versions as it came.
      continue;
    } else if (to4) {
      PropertyTo4(p);
    } else {
      PropertyTo3(p);
    }
  }
  card->version = std::string(version);
}

}  // namespace internal

Result<std::string> ConvertVCard(std::string_view text, std::string_view version) {
  Result<VCard> card = ParseVCard(text);
  if (!card.ok()) return card.status();
  if (card->version == version) return std::string(text);
  if (version != "3.0" && version != "4.0") {
    return Status::Violates(dav::Precondition::kSupportedAddressData,
                            "cannot convert to vCard version " + std::string(version));
  }
  internal::ConvertCard(&*card, version);
  return SerializeVCard(*card);
}

}  // namespace cartable::dav::carddav
