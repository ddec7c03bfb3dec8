// Typed contact fields over a vCard, for the web application's contact editor (issue 13,
// dav/api/contacts_api.h): what a person edits in a form (names, organisation, e-mails, phones,
// note, the members of a group) read from any stored card and written back into it without
// touching the rest (PHOTO, X-ABLabel groups, X- properties, parameters of unchanged values).
//
// Groups exist in two spellings and both are read:
//   vCard 3.0 (iOS/macOS Contacts, Thunderbird, DAVx5 in Apple mode):
//   X-ADDRESSBOOKSERVER-KIND:group
//     and one X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:UID per member;
//   vCard 4.0 (RFC 6350 §6.1.4, §6.6.5): KIND:group and MEMBER:urn:uuid:UID.
// A card is edited in its own version; new cards are written as 3.0, as iOS and Thunderbird
// write them, since those clients read only 3.0 groups.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dav/carddav/vcard.h"
#include "dav/status.h"

namespace cartable::dav::carddav {

// An e-mail address or a phone number with its kind: e-mails "work", "home" or "other"; phones
// "work", "home", "cell", "fax", "pager" or "other". "other" is a value without TYPE.
struct TypedValue {
  std::string type;
  std::string value;
  bool operator==(const TypedValue&) const = default;
};

struct ContactFields {
  std::string uid;                  // read only: the card's UID
  std::string kind = "individual";  // "individual" or "group"
  std::string fn, given, family, org, title, note;
  std::vector<TypedValue> emails, phones;
  // Groups: the UIDs of the members, without the "urn:uuid:" of MEMBER values (a member that
  // is not a urn:uuid: URI, such as mailto:, is kept as its URI).
  std::vector<std::string> members;
  bool operator==(const ContactFields&) const = default;
};

// The fields of `card` (unknown properties are ignored). The first ORG component only is
// `org`; N gives `family` and `given`; TYPE values "internet", "pref" and "voice" are not kinds.
ContactFields ReadContact(const VCard& card);

// Checks the fields a client sent: kind, the e-mail and phone kinds, values without control
// characters, and that a card has something to show (FN, or names, an organisation or an
// e-mail to make one from). Errors: kBadRequest whose message is a French sentence naming the
// field, and `field` set to its JSON name.
Status CheckContact(const ContactFields& fields, std::string* field);

// Writes into `card` the fields that differ between `before` (what ReadContact gave for it)
// and `after`: each changed field's properties are replaced (kept in place when the value is
// the same, so their parameters and groups stay), every other property is left as it was.
// FN is made from the names (or the organisation, or the first e-mail) when `after.fn` is
// empty. The group spelling follows the card's version (3.0 X-ADDRESSBOOKSERVER-*, 4.0
// KIND/MEMBER).
void ApplyContact(const ContactFields& before, const ContactFields& after, VCard* card);

// A new vCard 3.0 with UID `uid` and `fields` (PRODID names Cartable).
VCard NewContact(const std::string& uid, const ContactFields& fields);

// A fresh random UID (a version-4 UUID, lower case, without "urn:uuid:", as iOS makes them).
std::string NewContactUid();

// Splits a text holding one or many vCards (an export of Contacts, Thunderbird or Outlook) into
// the text of each BEGIN:VCARD ... END:VCARD block, in order; at most `max_cards` (the rest
// is dropped and *truncated set). Lines outside a block are ignored; a block without END ends
// the text and is returned as it is (its validation refuses it).
std::vector<std::string> SplitVCards(std::string_view text, size_t max_cards, bool* truncated);

// The UID of a member as ContactFields holds it ("urn:uuid:X" -> "X").
std::string MemberUid(std::string_view uri);

}  // namespace cartable::dav::carddav
