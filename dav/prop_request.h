// What a PROPFIND (or a REPORT's DAV:prop) asks for, and how one resource's answer is rendered.
// Shared by PROPFIND and the REPORTs so every property is computed by the same code.
#pragma once

#include <pugixml.hpp>
#include <vector>

#include "dav/caldav/ical.h"
#include "dav/carddav/vcard.h"
#include "dav/context.h"
#include "dav/members.h"
#include "dav/multistatus.h"
#include "dav/target.h"
#include "dav/xml_names.h"

namespace cartable::dav {

struct PropRequest {
  enum class Mode { kProp, kAllprop, kPropname };
  Mode mode = Mode::kAllprop;
  std::vector<QName> names;  // kProp: the names asked for; kAllprop: the <include> names
  // A REPORT's <C:calendar-data> with content (partial retrieval, expand...).
  std::optional<caldav::CalendarDataRequest> calendar_data;
  // A REPORT's <CARD:address-data> with content (version, property selection).
  std::optional<carddav::AddressDataRequest> address_data;
};

// Parses a PROPFIND body (empty = allprop). kBadRequest with a message for anything else.
Result<PropRequest> ParsePropfindBody(std::string_view body);
// Collects the property names inside a DAV:prop element.
std::vector<QName> PropNames(const pugi::xml_node& prop);
// Parses a REPORT's DAV:prop / allprop / propname children of `report_root` (absent = allprop),
// including a <C:calendar-data> request.
Result<PropRequest> ParseReportProps(const pugi::xml_node& report_root);

// Appends one <d:response> for `target` answering `props`. The target's stored property rows
// are read when a getter or a dead property needs them: from `bulk` when the caller walks a
// collection's objects (one query for all of them), else with one query for this resource.
// Errors only from the store.
Status WritePropResponse(const Request& req, const Target& target, const PropRequest& props,
                         bool minimal, MultistatusWriter& out, MemberProperties* bulk = nullptr);

}  // namespace cartable::dav
