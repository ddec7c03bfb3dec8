// One VCALENDAR out of many calendar objects (ical_export.h).
#include "dav/caldav/ical_export.h"

#include <libical/ical.h>

#include <cstdlib>

#include "dav/caldav/ical_internal.h"

namespace cartable::dav::caldav {
namespace {

constexpr std::string_view kEnd = "END:VCALENDAR\r\n";

// libical's serialisation of `comp` (CRLF line ends, folded).
std::string Serialise(icalcomponent* comp) {
  char* text = icalcomponent_as_ical_string_r(comp);
  std::string out = text != nullptr ? text : "";
  free(text);
  return out;
}

}  // namespace

std::string ExportHeader(std::string_view name) {
  internal::ComponentPtr vcal(icalcomponent_new(ICAL_VCALENDAR_COMPONENT));
  icalcomponent_add_property(vcal.get(), icalproperty_new_version("2.0"));
  icalcomponent_add_property(vcal.get(), icalproperty_new_prodid("-//Cartable//export//FR"));
  if (!name.empty()) {
    icalproperty* p = icalproperty_new_x(std::string(name).c_str());
    icalproperty_set_x_name(p, "X-WR-CALNAME");
    icalcomponent_add_property(vcal.get(), p);
  }
  std::string text = Serialise(vcal.get());
  // Everything but the footer, which ExportFooter writes after the components.
  if (text.size() >= kEnd.size() &&
      text.compare(text.size() - kEnd.size(), kEnd.size(), kEnd) == 0) {
    text.resize(text.size() - kEnd.size());
  }
  return text;
}

std::string ExportFooter() { return std::string(kEnd); }

Result<std::string> ExportComponents(std::string_view ics, std::set<std::string>* zones) {
  Result<CalendarObject> parsed = CalendarObject::Parse(ics);
  if (!parsed.ok()) return parsed.status();
  icalcomponent* vcal = parsed->Vcal();
  std::string out;
  for (icalcomponent* c = icalcomponent_get_first_component(vcal, ICAL_VTIMEZONE_COMPONENT);
       c != nullptr; c = icalcomponent_get_next_component(vcal, ICAL_VTIMEZONE_COMPONENT)) {
    icalproperty* tzid = icalcomponent_get_first_property(c, ICAL_TZID_PROPERTY);
    const char* id = tzid != nullptr ? icalproperty_get_tzid(tzid) : nullptr;
    if (id == nullptr || !zones->insert(id).second) continue;
    out += Serialise(c);
  }
  for (icalcomponent* c = icalcomponent_get_first_component(vcal, ICAL_ANY_COMPONENT); c != nullptr;
       c = icalcomponent_get_next_component(vcal, ICAL_ANY_COMPONENT)) {
    if (icalcomponent_isa(c) == ICAL_VTIMEZONE_COMPONENT) continue;
    out += Serialise(c);
  }
  return out;
}

}  // namespace cartable::dav::caldav
