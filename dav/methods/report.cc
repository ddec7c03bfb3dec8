// REPORT: dispatches on the report registry; a report not in it, or not applicable to the
// target, is 403 DAV:supported-report (RFC 3253 §3.6).
#include "dav/methods/methods.h"
#include "dav/report_registry.h"
#include "dav/xml.h"

namespace cartable::dav {

MethodResult HandleReport(const Request& req, Target& target) {
  Result<std::unique_ptr<pugi::xml_document>> doc =
      ParseXml(req.http.body, XmlLimitsOf(req.ctx.options));
  if (!doc.ok()) return doc.status();
  pugi::xml_node root = (*doc)->document_element();
  QName name = NameOf(root);
  const ReportHandler* report = ReportRegistry::Default().Find(name);
  if (report == nullptr || !report->applies.Has(target.kind)) {
    return Status::Violates(Precondition::kSupportedReport,
                            "the report " + name.Clark() + " is not supported on this resource");
  }
  if (!target.access.Has(report->needs)) {
    return Denied(target, "REPORT " + name.local + " on");
  }
  return report->run(req, target, root);
}

}  // namespace cartable::dav
