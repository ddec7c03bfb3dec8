#include "dav/scheduling/group_expand.h"

#include <algorithm>
#include <iostream>
#include <set>

#include "dav/caldav/group_attendees.h"
#include "dav/sharing/principal_groups.h"

namespace cartable::dav::scheduling {
namespace {

// The group attendees of `info` the server schedules, once each, in order of appearance.
std::vector<std::string> GroupAddresses(const caldav::SchedulingInfo& info) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const caldav::ItipComponent& c : info.components) {
    for (const caldav::ItipAttendee& a : c.attendees) {
      if (a.cutype == "GROUP" && a.schedule_agent == "SERVER" && seen.insert(a.address).second) {
        out.push_back(a.address);
      }
    }
  }
  return out;
}

}  // namespace

Result<std::map<std::string, std::string>> ExpandGroupAttendees(
    store::Session& session, const DavContext& ctx, caldav::CalendarObject& object,
    const caldav::SchedulingInfo& info, const std::vector<std::string>& own) {
  std::map<std::string, std::string> status;
  if (info.OrganizerComponent().organizer_agent != "SERVER") return status;
  for (const std::string& address : GroupAddresses(info)) {
    Result<store::User> group = sharing::GroupOfAddress(session, address);
    if (!group.ok()) {
      if (group.status().code() == Status::Code::kNotFound) continue;  // not ours: as is
      return group.status();
    }
    const size_t max = ctx.options.max_group_members;
    bool over = false;
    Result<std::vector<store::User>> members = sharing::GroupMembers(session, *group, max, &over);
    if (!members.ok()) return members.status();
    if (over) {
      std::cerr << "cartable: scheduling: " << info.uid << ": the group " << group->login
                << " has more than " << max
                << " members ([scheduling] max_group_members): not expanded, SCHEDULE-STATUS 5.3"
                << std::endl;
      status[address] = "5.3";
      continue;
    }
    std::vector<caldav::GroupMember> list;
    for (const store::User& u : *members) {
      if (u.email.empty()) continue;  // no calendar address to invite
      std::string member = caldav::NormalizeAddress("mailto:" + u.email);
      if (std::find(own.begin(), own.end(), member) != own.end()) continue;  // the organizer
      list.push_back({std::move(member), u.display_name});
    }
    caldav::AddGroupMembers(object, address, list);
    status[address] = "2.0";
  }
  return status;
}

}  // namespace cartable::dav::scheduling
