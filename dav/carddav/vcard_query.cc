// addressbook-query filters (RFC 6352 §10.5) and address-data (§10.4), and the GET Accept
// negotiation of the vCard version (RFC 6352 §5.1.1, RFC 6350 §10.1).
#include <algorithm>
#include <cstdlib>

#include "dav/carddav/vcard.h"
#include "dav/carddav/vcard_internal.h"
#include "dav/collation.h"
#include "dav/xml.h"

namespace cartable::dav::carddav {
namespace {

using dav::Precondition;
using internal::EqualsIgnoreCase;
using internal::Upper;

Status Unsupported(std::string msg) {
  return Status::Violates(Precondition::kCardSupportedFilter, std::move(msg));
}

bool IsCard(const pugi::xml_node& n, std::string_view local) { return Is(n, ns::kCardDav, local); }

// test="anyof|allof" (absent = anyof).
Result<bool> ParseTest(const pugi::xml_node& n) {
  std::string_view test = n.attribute("test").value();
  if (test.empty() || test == "anyof") return false;
  if (test == "allof") return true;
  return Unsupported("unknown test value " + std::string(test));
}

// RFC 6352 §10.5.4: the default collation of a CardDAV text-match is i;unicode-casemap.
Result<TextMatch> ParseTextMatch(const pugi::xml_node& n) {
  return dav::ParseTextMatch(n, "i;unicode-casemap", Precondition::kCardSupportedCollation,
                             Precondition::kNone, Precondition::kCardSupportedFilter);
}

Result<ParamFilter> ParseParamFilter(const pugi::xml_node& n) {
  ParamFilter pf;
  pf.name = Upper(n.attribute("name").value());
  if (pf.name.empty()) return Status::BadRequest("param-filter without name");
  Status s = ForEachElement(n, [&](const pugi::xml_node& c) -> Status {
    if (IsCard(c, "is-not-defined")) {
      pf.is_not_defined = true;
    } else if (IsCard(c, "text-match")) {
      Result<TextMatch> tm = ParseTextMatch(c);
      if (!tm.ok()) return tm.status();
      pf.text_match = std::move(*tm);
    } else {
      return Unsupported("unsupported element in param-filter: " + std::string(c.name()));
    }
    return Status::OK();
  });
  if (!s.ok()) return s;
  return pf;
}

Result<PropFilter> ParsePropFilter(const pugi::xml_node& n) {
  PropFilter pf;
  pf.name = Upper(n.attribute("name").value());
  if (pf.name.empty()) return Status::BadRequest("prop-filter without name");
  Result<bool> all_of = ParseTest(n);
  if (!all_of.ok()) return all_of.status();
  pf.all_of = *all_of;
  Status s = ForEachElement(n, [&](const pugi::xml_node& c) -> Status {
    if (IsCard(c, "is-not-defined")) {
      pf.is_not_defined = true;
    } else if (IsCard(c, "text-match")) {
      Result<TextMatch> tm = ParseTextMatch(c);
      if (!tm.ok()) return tm.status();
      pf.text_matches.push_back(std::move(*tm));
    } else if (IsCard(c, "param-filter")) {
      Result<ParamFilter> p = ParseParamFilter(c);
      if (!p.ok()) return p.status();
      pf.param_filters.push_back(std::move(*p));
    } else {
      return Unsupported("unsupported element in prop-filter: " + std::string(c.name()));
    }
    return Status::OK();
  });
  if (!s.ok()) return s;
  return pf;
}

bool Matches(std::string_view text, const TextMatch& tm) {
  return CollationMatches(text, tm.value, tm.collation, tm.match_type);
}

// The values of parameter `name` on `p`. For TYPE, 2.1-style bare parameters ("TEL;CELL:")
// count as TYPE values, as they mean exactly that.
std::vector<std::string_view> ParamValues(const VCardProperty& p, std::string_view name) {
  std::vector<std::string_view> values;
  bool found = false;
  for (const VCardParam& param : p.params) {
    if (param.name == name) {
      found = true;
      values.insert(values.end(), param.values.begin(), param.values.end());
    } else if (name == "TYPE" && param.values.empty()) {
      found = true;
      values.push_back(param.name);
    }
  }
  if (found && values.empty()) values.push_back("");
  return values;
}

bool ParamMatches(const VCardProperty& p, const ParamFilter& pf) {
  std::vector<std::string_view> values = ParamValues(p, pf.name);
  if (pf.is_not_defined) return values.empty();
  if (values.empty()) return false;
  if (!pf.text_match) return true;
  // Negation applies to the parameter as a whole: TYPE=work,home does not match "not work".
  bool any = std::any_of(values.begin(), values.end(),
                         [&](std::string_view v) { return Matches(v, *pf.text_match); });
  return any != pf.text_match->negate;
}

// One occurrence of the property against the prop-filter's tests.
bool OccurrenceMatches(const VCardProperty& p, const std::string& unescaped, const PropFilter& pf) {
  auto text_ok = [&](const TextMatch& tm) { return Matches(unescaped, tm) != tm.negate; };
  auto param_ok = [&](const ParamFilter& f) { return ParamMatches(p, f); };
  if (pf.all_of) {
    return std::all_of(pf.text_matches.begin(), pf.text_matches.end(), text_ok) &&
           std::all_of(pf.param_filters.begin(), pf.param_filters.end(), param_ok);
  }
  return std::any_of(pf.text_matches.begin(), pf.text_matches.end(), text_ok) ||
         std::any_of(pf.param_filters.begin(), pf.param_filters.end(), param_ok);
}

bool NameMatches(const VCardProperty& p, std::string_view name) {
  if (p.name == name) return true;
  // name="item1.EMAIL" selects one group's property.
  size_t dot = name.find('.');
  return dot != std::string_view::npos && p.name == name.substr(dot + 1) &&
         EqualsIgnoreCase(p.group, name.substr(0, dot));
}

bool PropFilterMatches(const VCard& card, const PropFilter& pf) {
  bool defined = false;
  for (const VCardProperty& p : card.properties) {
    if (!NameMatches(p, pf.name)) continue;
    defined = true;
    if (pf.is_not_defined) return false;
    if (pf.text_matches.empty() && pf.param_filters.empty()) return true;
    if (OccurrenceMatches(p, UnescapeText(p.value), pf)) return true;
  }
  return !defined && pf.is_not_defined;
}

}  // namespace

Result<CardFilter> ParseCardFilter(const pugi::xml_node& filter) {
  if (!IsCard(filter, "filter")) return Status::BadRequest("expected CARD:filter");
  CardFilter cf;
  Result<bool> all_of = ParseTest(filter);
  if (!all_of.ok()) return all_of.status();
  cf.all_of = *all_of;
  Status s = ForEachElement(filter, [&](const pugi::xml_node& c) -> Status {
    if (!IsCard(c, "prop-filter")) {
      return Unsupported("unsupported element in filter: " + std::string(c.name()));
    }
    Result<PropFilter> pf = ParsePropFilter(c);
    if (!pf.ok()) return pf.status();
    cf.prop_filters.push_back(std::move(*pf));
    return Status::OK();
  });
  if (!s.ok()) return s;
  return cf;
}

bool MatchesCardFilter(std::string_view text, const CardFilter& filter) {
  Result<VCard> card = ParseVCard(text);
  if (!card.ok()) return false;
  if (filter.prop_filters.empty()) return true;
  auto matches = [&](const PropFilter& pf) { return PropFilterMatches(*card, pf); };
  return filter.all_of
             ? std::all_of(filter.prop_filters.begin(), filter.prop_filters.end(), matches)
             : std::any_of(filter.prop_filters.begin(), filter.prop_filters.end(), matches);
}

Result<AddressDataRequest> ParseAddressDataRequest(const pugi::xml_node& address_data) {
  AddressDataRequest req;
  std::string_view type = address_data.attribute("content-type").value();
  if (!type.empty() && !EqualsIgnoreCase(type, "text/vcard")) {
    return Status::Violates(Precondition::kSupportedAddressData,
                            "unsupported address-data content-type " + std::string(type));
  }
  req.version = address_data.attribute("version").value();
  if (!req.version.empty() && req.version != "3.0" && req.version != "4.0") {
    return Status::Violates(Precondition::kSupportedAddressData,
                            "unsupported address-data version " + req.version);
  }
  bool all_prop = false;
  for (pugi::xml_node c = address_data.first_child(); c; c = c.next_sibling()) {
    if (c.type() != pugi::node_element) continue;
    if (IsCard(c, "allprop")) {
      all_prop = true;
    } else if (IsCard(c, "prop")) {
      std::string name = Upper(c.attribute("name").value());
      if (name.empty()) return Status::BadRequest("address-data prop without name");
      req.all_props = false;
      req.props.push_back(std::move(name));
    }
  }
  if (all_prop && !req.all_props) {
    return Status::BadRequest("address-data has both allprop and prop");
  }
  return req;
}

Result<std::string> RenderAddressData(std::string_view text, const AddressDataRequest& request) {
  if (request.all_props && request.version.empty()) return std::string(text);
  Result<VCard> card = ParseVCard(text);
  if (!card.ok()) return card.status();
  if (request.all_props && request.version == card->version) return std::string(text);
  if (!request.version.empty()) internal::ConvertCard(&*card, request.version);
  if (!request.all_props) {
    auto& props = card->properties;
    props.erase(std::remove_if(props.begin(), props.end(),
                               [&](const VCardProperty& p) {
                                 if (p.name == "VERSION" || p.name == "UID") return false;
                                 return std::none_of(
                                     request.props.begin(), request.props.end(),
                                     [&](const std::string& n) { return NameMatches(p, n); });
                               }),
                props.end());
  }
  return SerializeVCard(*card);
}

std::string VersionFromAccept(std::string_view accept) {
  double best_q = 0;
  std::string best;
  bool any = false;
  while (!accept.empty()) {
    size_t comma = accept.find(',');
    std::string_view range = accept.substr(0, comma);
    accept = comma == std::string_view::npos ? "" : accept.substr(comma + 1);
    std::string type;
    std::string version;
    double q = 1;
    bool first = true;
    while (true) {
      size_t semi = range.find(';');
      std::string_view part = range.substr(0, semi);
      while (!part.empty() && (part.front() == ' ' || part.front() == '\t')) part.remove_prefix(1);
      while (!part.empty() && (part.back() == ' ' || part.back() == '\t')) part.remove_suffix(1);
      if (first) {
        type = internal::Upper(part);
        first = false;
      } else if (size_t eq = part.find('='); eq != std::string_view::npos) {
        std::string name = Upper(part.substr(0, eq));
        std::string_view value = part.substr(eq + 1);
        while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
          value = value.substr(1, value.size() - 2);
        }
        if (name == "Q") {
          q = std::strtod(std::string(value).c_str(), nullptr);
        } else if (name == "VERSION") {
          version = std::string(value);
        }
      }
      if (semi == std::string_view::npos) break;
      range.remove_prefix(semi + 1);
    }
    std::string candidate;
    if (type == "TEXT/VCARD") {
      if (!version.empty() && version != "3.0" && version != "4.0") continue;
      candidate = version;
    } else if (type == "TEXT/X-VCARD" || type == "TEXT/DIRECTORY") {
      candidate = "3.0";
    } else if (type != "*/*" && type != "TEXT/*") {
      continue;
    }
    if (q <= 0) continue;
    if (!any || q > best_q) {
      best_q = q;
      best = candidate;
      any = true;
    }
  }
  return best;
}

}  // namespace cartable::dav::carddav
