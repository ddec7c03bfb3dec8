// Address-book collections (RFC 6352 §5-6): member validation, the default personal book and the
// shared staff directory, and the CardDAV live properties.
#pragma once

#include <vector>

#include "dav/context.h"
#include "dav/property_registry.h"
#include "dav/store/store.h"

namespace cartable::dav::carddav {

inline constexpr uint64_t kMaxCardResourceSize = 1u << 20;

// MemberValidator of address books: text/vcard (3.0 or 4.0, as sent), one vCard with UID and FN,
// the size limit, and UID uniqueness within the address book (CARDDAV:no-uid-conflict with the
// holder's href).
Result<store::ObjectIndex> ValidateCardMember(const Request& req, const store::Collection& parent,
                                              const std::string& name,
                                              const store::Object* existing, std::string_view body,
                                              std::string_view content_type);

// The personal address book every home has, under its home.
inline constexpr char kDefaultAddressbook[] = "contacts/";

// Fills a new address-book home: the personal "Contacts" book (contacts/), and the shared
// directory collection (/dav/directory/, "Annuaire académique") if no import created it yet.
Status CreateDefaultAddressbooks(store::Session& session, const store::Collection& home);

// CollectionType::check_delete of address books: the home's contacts/ stays where it is (403
// {urn:cartable}default-addressbook-needed). It is created with the home only, and without it
// macOS syncs the read-only directory as the account's one address book (docs/clients.md #17).
// CardDAV names no precondition for this; the element is ours, modelled on RFC 6638's
// CALDAV:default-calendar-needed. Other address books may be deleted.
Status KeepDefaultAddressbook(const Request& req, const struct Target& book, bool moving);

// Appends the CardDAV live properties to the registry table.
void AddAddressbookProperties(std::vector<LiveProperty>& table);

// Whether `t` is a vCard in an address book or in the directory.
bool IsCard(const struct Target& t);

}  // namespace cartable::dav::carddav
