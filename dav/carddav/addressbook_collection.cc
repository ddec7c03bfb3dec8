#include "dav/carddav/addressbook_collection.h"

#include "dav/carddav/vcard.h"
#include "dav/property_registry.h"
#include "dav/target.h"
#include "dav/xml.h"
#include "server/http/message.h"

namespace cartable::dav::carddav {
namespace {

// RFC 6352 §6.3.2.1: where clients look for the directory gateway.
constexpr KindSet kHasGateway = kPrincipal | kAddressbookHome;

bool GetSupportedAddressData(const PropContext&, XmlWriter& w) {
  for (const char* v : {"3.0", "4.0"}) {
    w.EmptyWithAttributes(ns::kCardDav, "address-data-type",
                          {{"content-type", "text/vcard"}, {"version", v}});
  }
  return true;
}

bool GetMaxResourceSize(const PropContext&, XmlWriter& w) {
  w.Text(std::to_string(kMaxCardResourceSize));
  return true;
}

bool GetCollationSet(const PropContext&, XmlWriter& w) {
  for (const char* c : {"i;unicode-casemap", "i;ascii-casemap", "i;octet"}) {
    w.TextElement(ns::kCardDav, "supported-collation", c);
  }
  return true;
}

bool GetDirectoryGateway(const PropContext& c, XmlWriter& w) {
  const std::string& login = c.target.owner ? c.target.owner->login : c.req.principal.login;
  w.TextElement(ns::kDav, "href", Href(DirectoryMountPath(login)));
  return true;
}

bool GetAddressData(const PropContext& c, XmlWriter& w) {
  std::optional<std::string> data = ObjectBody(c);
  if (!data) return false;
  if (c.address_data == nullptr) {
    w.Text(*data);
    return true;
  }
  Result<std::string> rendered = RenderAddressData(*data, *c.address_data);
  if (!rendered.ok()) return false;
  w.Text(*rendered);
  return true;
}

// displayname is a setting of the collection (store.h CollectionSettings), not a property row.
Status SetDisplayname(store::Session& session, store::Id collection, std::string_view name) {
  Result<store::Collection> c = session.GetCollectionById(collection);
  if (!c.ok()) return c.status();
  store::CollectionSettings settings = c->settings;
  settings.display_name = std::string(name);
  return session.SetCollectionSettings(collection, settings);
}

}  // namespace

bool IsCard(const Target& t) { return kCards.Has(t.kind); }

Result<store::ObjectIndex> ValidateCardMember(const Request& req, const store::Collection& parent,
                                              const std::string& name,
                                              const store::Object* existing, std::string_view body,
                                              std::string_view content_type) {
  std::string_view media = http::Trim(content_type.substr(0, content_type.find(';')));
  if (!http::EqualsIgnoreCase(media, "text/vcard") &&
      !http::EqualsIgnoreCase(media, "text/x-vcard")) {
    return Status::Violates(Precondition::kSupportedAddressData,
                            "address books hold text/vcard data only");
  }
  Result<store::ObjectIndex> index = ValidateVCard(body, kMaxCardResourceSize);
  if (!index.ok()) return index;
  // An address object resource is one contact identified by its UID (RFC 6352 §5.1): replacing
  // it with another UID is refused like CalDAV's changed UID (calendar_collection.cc), with
  // valid-address-data; no-uid-conflict keeps its one meaning, a UID held by *another*
  // resource (its href tells the client which), which is not the case here.
  if (existing != nullptr && !existing->index.uid.empty() && existing->index.uid != index->uid) {
    return Status::Violates(Precondition::kValidAddressData,
                            "the UID of an existing address object resource cannot change (it is " +
                                existing->index.uid + ", the new data has " + index->uid + ")");
  }
  Result<store::Object> holder = req.session.FindObjectByUid(parent.id, index->uid);
  if (holder.ok() && holder->name != name) {
    return Status::Violates(Precondition::kCardNoUidConflict,
                            "the UID " + index->uid + " is already used in this address book",
                            Href(parent.path + holder->name));
  }
  if (!holder.ok() && holder.status().code() != Status::Code::kNotFound) return holder.status();
  return index;
}

Status KeepDefaultAddressbook(const Request&, const Target& book, bool) {
  if (!book.owner || book.collection.path !=
                         HomePath(AddressbookArea(), book.owner->login) + kDefaultAddressbook) {
    return Status::OK();
  }
  return Status::Violates(Precondition::kDefaultAddressbookNeeded,
                          "your personal address book cannot be deleted or moved; delete its "
                          "cards instead",
                          Href(book.path));
}

Status CreateDefaultAddressbooks(store::Session& session, const store::Collection& home) {
  Result<store::Collection> contacts = session.CreateCollection(
      home.path + kDefaultAddressbook, home.id, home.owner_id, store::kKindAddressbook);
  if (!contacts.ok()) return contacts.status();
  if (Status s = SetDisplayname(session, contacts->id, "Contacts"); !s.ok()) return s;
  if (session.GetCollection(store::kDirectoryPath).ok()) return Status::OK();
  return session.CreateCollection(store::kDirectoryPath, 0, 0, store::kKindDirectory).status();
}

void AddAddressbookProperties(std::vector<LiveProperty>& table) {
  const std::string card(ns::kCardDav);
  table.push_back({.name = {card, "supported-address-data"},
                   .applies = kAddressBooks,
                   .get = GetSupportedAddressData});
  table.push_back(
      {.name = {card, "max-resource-size"}, .applies = kAddressBooks, .get = GetMaxResourceSize});
  table.push_back({.name = {card, "supported-collation-set"},
                   .applies = kAddressBooks,
                   .get = GetCollationSet});
  table.push_back(
      {.name = {card, "directory-gateway"}, .applies = kHasGateway, .get = GetDirectoryGateway});
  table.push_back({.name = {card, "address-data"}, .applies = kCards, .get = GetAddressData});
}

}  // namespace cartable::dav::carddav
