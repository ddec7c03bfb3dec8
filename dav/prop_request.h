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

struct LiveProperty;  // dav/property_registry.h

struct PropRequest {
  enum class Mode { kProp, kAllprop, kPropname };
  Mode mode = Mode::kAllprop;
  std::vector<QName> names;  // kProp: the names asked for; kAllprop: the <include> names
  // The registry's entry for each of `names` (nullptr: not a live property), looked up once by
  // the first WritePropResponse: a listing renders thousands of members with the same names.
  mutable std::vector<const LiveProperty*> live;
  // A REPORT's <C:calendar-data> with content (partial retrieval, expand...).
  std::optional<caldav::CalendarDataRequest> calendar_data;
  // A REPORT's <CARD:address-data> with content (version, property selection).
  std::optional<carddav::AddressDataRequest> address_data;
};

// Parses a PROPFIND body (empty = allprop). kBadRequest with a message for anything else;
// bodies beyond the XML limits as ParseXml says, and more than
// options.max_properties_per_request names (prop or include) give TooManyProperties.
Result<PropRequest> ParsePropfindBody(std::string_view body, const DavOptions& options);
// Collects the property names inside a DAV:prop element.
std::vector<QName> PropNames(const pugi::xml_node& prop);
// Parses a REPORT's DAV:prop / allprop / propname children of `report_root` (absent = allprop),
// including a <C:calendar-data> request. More than options.max_properties_per_request names:
// TooManyProperties.
Result<PropRequest> ParseReportProps(const pugi::xml_node& report_root, const DavOptions& options);

// OK when `count` property names or updates are within options.max_properties_per_request;
// else 413 naming the bound (nothing in RFC 4918 bounds them; the answer grows with their
// number times the members, so a 1 MB PROPFIND could ask for a 259 MB answer).
Status CheckPropertyCount(size_t count, const DavOptions& options);

// Appends one <d:response> for `target` answering `props`. The target's stored property rows
// are read when a getter or a dead property needs them: from `bulk` when the caller walks a
// collection's objects (one query for all of them), else with one query for this resource.
// Errors only from the store.
Status WritePropResponse(const Request& req, const Target& target, const PropRequest& props,
                         bool minimal, MultistatusWriter& out, MemberProperties* bulk = nullptr);

}  // namespace cartable::dav
