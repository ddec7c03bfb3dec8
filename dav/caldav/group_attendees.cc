#include "dav/caldav/group_attendees.h"

#include <set>

#include "dav/caldav/ical_internal.h"
#include "dav/caldav/itip.h"

namespace cartable::dav::caldav {
namespace {

using internal::Props;

std::string ValueText(icalproperty* p) {
  const char* v = icalproperty_get_value_as_string(p);
  return v ? v : "";
}

}  // namespace

size_t AddGroupMembers(CalendarObject& cal, const std::string& group,
                       const std::vector<GroupMember>& members) {
  if (cal.empty() || members.empty()) return 0;
  size_t added = 0;
  for (icalcomponent* c = icalcomponent_get_first_component(cal.Vcal(), ICAL_ANY_COMPONENT); c;
       c = icalcomponent_get_next_component(cal.Vcal(), ICAL_ANY_COMPONENT)) {
    if (icalcomponent_isa(c) == ICAL_VTIMEZONE_COMPONENT) continue;
    std::set<std::string> listed;
    std::string group_as_written;
    for (icalproperty* p : Props(c, ICAL_ATTENDEE_PROPERTY)) {
      std::string address = NormalizeAddress(ValueText(p));
      if (address == group && group_as_written.empty()) group_as_written = ValueText(p);
      listed.insert(std::move(address));
    }
    if (group_as_written.empty()) continue;  // the group is not invited to this instance
    for (const GroupMember& m : members) {
      if (!listed.insert(m.address).second) continue;
      icalproperty* p = icalproperty_new_attendee(m.address.c_str());
      if (!m.name.empty()) icalproperty_set_parameter_from_string(p, "CN", m.name.c_str());
      icalproperty_set_parameter_from_string(p, "CUTYPE", "INDIVIDUAL");
      icalproperty_set_parameter_from_string(p, "PARTSTAT", "NEEDS-ACTION");
      icalproperty_set_parameter_from_string(p, "RSVP", "TRUE");
      icalproperty_add_parameter(p, icalparameter_new_member(group_as_written.c_str()));
      icalcomponent_add_property(c, p);
      ++added;
    }
  }
  if (added > 0) cal.Touch();
  return added;
}

}  // namespace cartable::dav::caldav
