// Live properties as a table: {name, applies-to, in allprop, protected, getter}. A getter runs only
// when its property was asked for. Names not in the table are dead properties kept in the store.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "dav/context.h"
#include "dav/target.h"
#include "dav/xml.h"
#include "dav/xml_names.h"

namespace cartable::dav {

namespace caldav {
struct CalendarDataRequest;
}
namespace carddav {
struct AddressDataRequest;
}

class MemberProperties;

// What a getter may look at: one per resource answered.
class PropContext {
 public:
  // `bulk` (optional): the stored rows of the objects of target's collection, read in one query
  // for all of them when the first asks (PROPFIND Depth 1, sync-collection).
  PropContext(const Request& req, const Target& target, MemberProperties* bulk = nullptr)
      : req(req), target(target), bulk_(bulk) {}

  const Request& req;
  const Target& target;
  // The rows of the whole collection read in bulk (PROPFIND Depth 1, sync-collection); null
  // otherwise.
  MemberProperties* bulk() const { return bulk_; }
  // A REPORT's <C:calendar-data> request; null in PROPFIND (the whole data is returned).
  const caldav::CalendarDataRequest* calendar_data = nullptr;
  // A REPORT's <CARD:address-data> request; null = the stored vCard.
  const carddav::AddressDataRequest* address_data = nullptr;

  // The target's stored property rows (dead properties, and live properties kept in the store
  // such as supported-calendar-component-set): read from the store on the first call (or taken
  // from `bulk`) and kept for this resource, so a getter that asks always sees the real data.
  // Empty for resources without rows (principals, virtual collections). On a store error it is
  // empty and error() says why; WritePropResponse fails the request with it.
  const std::vector<store::DeadProperty>& StoredRows() const;
  // The stored property {ns}local, or null.
  const store::DeadProperty* Stored(std::string_view ns, std::string_view local) const;
  // The store error met while loading the stored rows, or the error a getter reported with
  // Fail (OK when none).
  const Status& error() const { return error_; }
  // For getters: an error that fails the whole request instead of leaving this one property
  // out (a per-request bound such as max_instances_per_request). The first error is kept.
  void Fail(Status s) const {
    if (error_.ok()) error_ = std::move(s);
  }

 private:
  MemberProperties* bulk_;
  mutable bool loaded_ = false;
  mutable const std::vector<store::DeadProperty>* rows_ = nullptr;
  mutable std::vector<store::DeadProperty> own_;  // rows read for this resource alone
  mutable Status error_;
};

// One live property. Rows use designated initializers; fields left out take the defaults below.
struct LiveProperty {
  QName name;
  // The kinds of resource the property exists on (elsewhere: 404 in PROPFIND).
  KindSet applies;
  bool in_allprop = false;   // returned by <allprop/> (RFC 4918 §9.1: the properties it defines)
  bool is_protected = true;  // PROPPATCH answers 403 cannot-modify-protected-property
  // Where `applies` does not hold the name is an ordinary dead property (displayname is live on
  // principals, settable elsewhere); otherwise it is protected everywhere.
  bool dead_elsewhere = false;
  // May be set by MKCALENDAR / extended MKCOL (through update_setting), but never changed
  // afterwards (e.g. supported-calendar-component-set).
  bool settable_at_creation = false;
  // Writes the property's value (the content of the property element). Returns false when the
  // resource has no value for it (404). Stored data comes from PropContext::StoredRows().
  bool (*get)(const PropContext& ctx, XmlWriter& out) = nullptr;
  // A setting kept in the collection's typed record (store::CollectionSettings), not as a
  // property row. PROPPATCH, MKCALENDAR and extended MKCOL call it where `applies` holds: it
  // checks `value` (the property element; an empty node for DAV:remove) and writes the new value
  // into `settings` (nullopt on remove). An error refuses the whole update; its HTTP code (403
  // with the precondition where an RFC defines one, else 409) and message go into the propstat.
  Status (*update_setting)(const Request& req, const Target& target, const pugi::xml_node& value,
                           store::CollectionSettings& settings) = nullptr;
  // The privileges (dav/sharing/access.h) the principal needs on the target to read the value;
  // without them the property is answered 403 in its own propstat (RFC 3744 §5.5: DAV:acl
  // needs DAV:read-acl). 0: whoever may PROPFIND the resource.
  uint32_t read_needs = 0;

  bool AppliesTo(const Target& target) const { return applies.Has(target.kind); }
};

// The text content of a property element (its character data, CDATA included), for the
// settings' update_setting hooks.
std::string ElementText(const pugi::xml_node& value);

class PropertyRegistry {
 public:
  // The registry with every live property Cartable serves; built once.
  static const PropertyRegistry& Default();

  const LiveProperty* Find(const QName& name) const;
  // Whether `stored` (a property row of `target`) is the storage of a live property rather than
  // a dead property: such rows are never listed as dead properties.
  bool IsLiveStorage(const store::DeadProperty& stored, const Target& target) const;
  const std::vector<LiveProperty>& All() const { return props_; }

 private:
  explicit PropertyRegistry(std::vector<LiveProperty> props);
  PropertyRegistry(const PropertyRegistry&) = delete;  // by_local_ points into props_
  PropertyRegistry& operator=(const PropertyRegistry&) = delete;
  std::vector<LiveProperty> props_;
  // Find's index: local name -> positions in props_ (a listing looks each requested name up
  // once per member; a scan compared it with every live property).
  std::unordered_multimap<std::string_view, size_t> by_local_;
};

// The body of the object `ctx.target` (already loaded by a REPORT, or read now); nullopt when
// it cannot be read. For the calendar-data and address-data getters.
std::optional<std::string> ObjectBody(const PropContext& ctx);

// The DAV:href of a target path, in the one canonical encoding.
std::string Href(const std::string& decoded_path);

// RFC 3339 UTC ("2026-11-23T07:20:29Z"), for creationdate.
std::string Rfc3339(int64_t unix_seconds);

}  // namespace cartable::dav
