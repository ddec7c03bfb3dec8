// What a PROPFIND (or a REPORT's DAV:prop) asks for, and how one resource's answer is rendered.
// Shared by PROPFIND and the REPORTs so every property is computed by the same code.
#pragma once

#include <pugixml.hpp>

#include <vector>

#include "dav/context.h"
#include "dav/multistatus.h"
#include "dav/target.h"
#include "dav/xml_names.h"

namespace cartable::dav {

struct PropRequest {
  enum class Mode { kProp, kAllprop, kPropname };
  Mode mode = Mode::kAllprop;
  std::vector<QName> names;  // kProp: the names asked for; kAllprop: the <include> names
};

// Parses a PROPFIND body (empty = allprop). kBadRequest with a message for anything else.
Result<PropRequest> ParsePropfindBody(std::string_view body);
// Collects the property names inside a DAV:prop element.
std::vector<QName> PropNames(const pugi::xml_node& prop);

// Appends one <d:response> for `target` answering `props`. Errors only from the store.
Status WritePropResponse(const Request& req, const Target& target, const PropRequest& props,
                         bool minimal, MultistatusWriter& out);

}  // namespace cartable::dav
