// Setting and removing properties, all or nothing: shared by PROPPATCH and extended MKCOL.
#pragma once

#include <pugixml.hpp>
#include <vector>

#include "dav/context.h"
#include "dav/multistatus.h"
#include "dav/target.h"

namespace cartable::dav {

struct PropUpdate {
  bool remove = false;
  pugi::xml_node element;  // the property element (its content is the new value)
};

struct PropOutcome {
  QName name;
  int code = 200;  // 200, 403 (protected or invalid), 409 (invalid), 424 (another one failed)
  Status error;    // why a setting was refused (rendered as DAV:error + responsedescription)
};

// Collects the set/remove instructions of a DAV:propertyupdate (or DAV:mkcol) element, in
// document order. kBadRequest when the body has neither.
Result<std::vector<PropUpdate>> CollectUpdates(const pugi::xml_node& root);

// Checks every update first; when all are allowed, applies them to the target's stored
// properties and (for live settings, LiveProperty::update_setting) to the collection's typed
// settings record. `at_creation` (MKCOL/MKCALENDAR) also admits properties settable only then.
// Returns one outcome per property; *all_ok tells whether anything was applied.
Result<std::vector<PropOutcome>> ApplyUpdates(const Request& req, const Target& t,
                                              const std::vector<PropUpdate>& updates,
                                              bool at_creation, bool* all_ok);

// Renders outcomes as propstats grouped by status at the current position of `out`.
void WriteOutcomes(const std::vector<PropOutcome>& outcomes, XmlWriter& out);

// PROPPATCH is all or nothing (RFC 4918 §9.2): once one update failed, every other one is
// answered 424 Failed Dependency.
void FailDependencies(std::vector<PropOutcome>& outcomes);

}  // namespace cartable::dav
