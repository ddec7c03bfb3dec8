// OPTIONS: the DAV compliance classes and the methods allowed on the target (from the same
// method table that answers 405).
#include "dav/methods/methods.h"

namespace cartable::dav {

std::string_view DavComplianceHeader() {
  // Class 2 (locking) is not offered. calendar-auto-schedule joins with server-side scheduling.
  return "1, 3, access-control, extended-mkcol, calendar-access, addressbook";
}

MethodResult HandleOptions(const Request&, Target&) {
  // The dispatcher adds Allow for the target; see DavHandler::Handle.
  server::HttpResponse r;
  r.status = 200;
  r.headers.Set("DAV", std::string(DavComplianceHeader()));
  return r;
}

}  // namespace cartable::dav
