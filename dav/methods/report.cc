// REPORT: dispatches on the report registry. No report is served yet (the CalDAV, CardDAV and
// sync issues add them); an unknown report is 403 DAV:supported-report (RFC 3253 §3.6).
#include "dav/methods/methods.h"
#include "dav/xml.h"

namespace cartable::dav {

MethodResult HandleReport(const Request& req, Target&) {
  Result<std::unique_ptr<pugi::xml_document>> doc = ParseXml(req.http.body);
  if (!doc.ok()) return doc.status();
  QName name = NameOf((*doc)->document_element());
  return Status::Violates(Precondition::kSupportedReport,
                          "the report " + name.Clark() + " is not supported on this resource");
}

}  // namespace cartable::dav
