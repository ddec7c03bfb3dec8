// The vCard engine (RFC 6350 vCard 4.0, RFC 2426 vCard 3.0): parsing what real clients send
// (Apple and Thunderbird 3.0, CardBook/DAVx5 4.0, vendor extensions, sloppy folding), keeping
// unknown properties and parameters byte-faithfully, version conversion, CardDAV filters
// (RFC 6352 §10.5) and partial address-data (§10.4). Bytes in, values out; nothing here knows
// HTTP or the store.
#pragma once

#include <optional>
#include <pugixml.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "dav/collation.h"
#include "dav/status.h"
#include "dav/store/store.h"

namespace cartable::dav::carddav {

struct VCardParam {
  std::string name;                 // upper case
  std::vector<std::string> values;  // unquoted, in order
};

struct VCardProperty {
  std::string group;  // "item1" of "item1.EMAIL", or ""
  std::string name;   // upper case ("EMAIL", "X-ABLABEL")
  std::vector<VCardParam> params;
  std::string value;  // raw value as sent (escapes kept), unfolded
  // The parameter's first value, or nullopt.
  std::optional<std::string> Param(std::string_view name) const;
};

struct VCard {
  std::string version;                    // "3.0" or "4.0"
  std::vector<VCardProperty> properties;  // in order, BEGIN/END excluded, VERSION included
  // The first property named `name` (upper case), or nullptr.
  const VCardProperty* Find(std::string_view name) const;
};

// Parses exactly one vCard (BEGIN:VCARD ... END:VCARD; LF or CRLF; folded lines with a space or
// a tab; quoted-printable 2.1 leftovers are kept raw). Errors: Status::Violates(
// Precondition::kValidAddressData, message) for anything that is not one well-formed vCard 3.0
// or 4.0 (no VERSION, another version, several vCards, missing END, a line without ':').
Result<VCard> ParseVCard(std::string_view text);

// Serialises with CRLF line endings, folding lines at 75 octets without splitting UTF-8
// sequences. Parse + Serialize keeps every property, group, parameter and value as it was.
std::string SerializeVCard(const VCard& card);

// The unescaped text of a value (\n \, \; \\), and the reverse.
std::string UnescapeText(std::string_view value);
std::string EscapeText(std::string_view text);

// The character-level door of vCard data, before any parse: well-formed UTF-8 (RFC 6350 §3.1),
// no control character but HTAB inside a line (§3.3 VALUE-CHAR, QSAFE-CHAR), CR only before LF,
// no U+FFFE/U+FFFF (dav/text_check.h kContentLines). Errors: valid-address-data with a message
// naming the line. A plain function of the bytes, for the fuzz target of vCard parsing too.
Status CheckVCardText(std::string_view text);

// Validates a vCard about to be stored in an address book (RFC 6352 §5.1): CheckVCardText, one
// vCard, version
// 3.0 or 4.0, a UID, an FN; at most `max_size` bytes (else kCardMaxResourceSize). Returns the
// index: uid, component "VCARD", time bounds unbounded, needs_expansion false.
// Errors: valid-address-data, max-resource-size (CardDAV namespace preconditions).
Result<store::ObjectIndex> ValidateVCard(std::string_view text, uint64_t max_size);

// The vCard in `version` ("3.0" or "4.0"); unchanged when it already is. Converts what differs
// between the versions, both ways, without losing information clients rely on:
//   4.0 KIND:group + MEMBER:urn:uuid:x  <->  3.0 X-ADDRESSBOOKSERVER-KIND:group +
//                                            X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:x (Apple)
//   4.0 BDAY:--0412 (no year)           <->  3.0 BDAY;X-APPLE-OMIT-YEAR=1604:1604-04-12
//   PREF=1 <-> TYPE=pref, VALUE=uri photos/data URIs <-> ENCODING=b, TEL;VALUE=uri:tel: <-> text,
//   4.0-only properties (ANNIVERSARY, GENDER, KIND other than group...) kept as X- or as is.
// Errors: valid-address-data when `text` does not parse.
Result<std::string> ConvertVCard(std::string_view text, std::string_view version);

// ---- addressbook-query (RFC 6352 §10.5) ----

// The text-match kinds, TextMatch and ParamFilter are the ones shared with the other protocol's
// filters (dav/collation.h).
using MatchType = ::cartable::dav::MatchKind;

struct PropFilter {
  std::string name;  // upper case
  bool is_not_defined = false;
  bool all_of = false;  // test="allof" (default anyof) over its text-matches and param-filters
  std::vector<TextMatch> text_matches;
  std::vector<ParamFilter> param_filters;
};

struct CardFilter {
  bool all_of = false;                   // test="allof" over the prop-filters (default anyof)
  std::vector<PropFilter> prop_filters;  // empty = every card matches
};

// Parses <CARD:filter>. Errors: Status::Violates(kCardSupportedFilter) for an unknown element or
// test value, kCardSupportedCollation for an unknown collation, kBadRequest for malformed input.
Result<CardFilter> ParseCardFilter(const pugi::xml_node& filter);

// Whether the vCard `text` matches (text matches on the unescaped values; for structured
// values such as N and ADR, on the whole value). Unparsable text matches nothing.
bool MatchesCardFilter(std::string_view text, const CardFilter& filter);

// ---- address-data (RFC 6352 §10.4) ----

struct AddressDataRequest {
  std::string version = "";  // "" = as stored; "3.0" or "4.0" to convert
  bool all_props = true;
  std::vector<std::string> props;  // upper case, when !all_props (VERSION, UID always kept)
};

// Parses a <CARD:address-data> request element (content-type="text/vcard" version="3.0|4.0",
// <CARD:allprop/> or <CARD:prop name="..."/>...). Errors: Status::Violates(
// kSupportedAddressData) for another content type or version.
Result<AddressDataRequest> ParseAddressDataRequest(const pugi::xml_node& address_data);

// The vCard to return for `text` under `request` (conversion, then property selection).
// Unchanged bytes when nothing is asked. Errors: valid-address-data if `text` does not parse.
Result<std::string> RenderAddressData(std::string_view text, const AddressDataRequest& request);

// The vCard version a GET asks for through its Accept header ("text/vcard; version=4.0",
// "text/vcard;version=3.0", "text/x-vcard" = 3.0); "" when any version will do.
std::string VersionFromAccept(std::string_view accept);

}  // namespace cartable::dav::carddav
