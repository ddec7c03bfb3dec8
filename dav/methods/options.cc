// OPTIONS: the DAV compliance classes and the methods allowed on the target (from the same
// method table that answers 405).
#include "dav/methods/methods.h"

namespace cartable::dav {

std::string DavComplianceHeader(bool scheduling) {
  // Class 2 (locking) is not offered. calendar-auto-schedule only while the server schedules:
  // advertising it with scheduling off leaves Thunderbird sending nothing (docs/clients.md #6).
  std::string classes = "1, 3, access-control, extended-mkcol, calendar-access, addressbook";
  if (scheduling) classes += ", calendar-auto-schedule";
  // caldav-sharing §5.1: macOS and iOS offer sharing only when this is advertised.
  classes += ", calendarserver-sharing";
  return classes;
}

MethodResult HandleOptions(const Request& req, Target&) {
  // The dispatcher adds Allow for the target; see DavHandler::Handle.
  http::HttpResponse r;
  r.status = 200;
  // Only what is on for this user (docs/clients.md #6).
  bool scheduling = req.ctx.options.scheduling;
  if (scheduling) {
    Result<store::User> me = req.session.GetUserById(req.principal.user_id);
    scheduling = !me.ok() || me->scheduling;
  }
  r.headers.Set("DAV", DavComplianceHeader(scheduling));
  return r;
}

}  // namespace cartable::dav
