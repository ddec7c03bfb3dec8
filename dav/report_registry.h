// REPORTs as a table: {name, applies-to, handler}. supported-report-set is rendered from it, and
// the REPORT method dispatches through it (403 DAV:supported-report for anything else).
#pragma once

#include <pugixml.hpp>
#include <string>
#include <vector>

#include "dav/methods/methods.h"
#include "dav/target.h"
#include "dav/xml_names.h"

namespace cartable::dav {

struct ReportHandler {
  QName name;
  // The kinds of resource the report runs on (elsewhere 403 DAV:supported-report).
  KindSet applies;
  // `root` is the parsed request body's document element.
  MethodResult (*run)(const Request& req, Target& target, const pugi::xml_node& root);
  // The privileges the principal needs on the target (dav/sharing/access.h; else 403
  // DAV:need-privileges): read, or read-free-busy for free-busy-query (RFC 4791 §7.10).
  uint32_t needs = kPrivRead;
};

class ReportRegistry {
 public:
  static const ReportRegistry& Default();
  const ReportHandler* Find(const QName& name) const;
  const std::vector<ReportHandler>& All() const { return reports_; }

 private:
  explicit ReportRegistry(std::vector<ReportHandler> reports) : reports_(std::move(reports)) {}
  std::vector<ReportHandler> reports_;
};

// The report handlers (dav/reports/*.cc).
MethodResult RunSyncCollection(const Request& req, Target& target, const pugi::xml_node& root);
// calendar-multiget and addressbook-multiget.
MethodResult RunMultiget(const Request& req, Target& target, const pugi::xml_node& root);
MethodResult RunAddressbookQuery(const Request& req, Target& target, const pugi::xml_node& root);
MethodResult RunPrincipalPropertySearch(const Request& req, Target& target,
                                        const pugi::xml_node& root);
MethodResult RunPrincipalSearchPropertySet(const Request& req, Target& target,
                                           const pugi::xml_node& root);
MethodResult RunCalendarServerPrincipalSearch(const Request& req, Target& target,
                                              const pugi::xml_node& root);
MethodResult RunCalendarQuery(const Request& req, Target& target, const pugi::xml_node& root);
MethodResult RunFreeBusyQuery(const Request& req, Target& target, const pugi::xml_node& root);

// Sync tokens (RFC 6578) and CalendarServer ctags share one format, so they move together:
// "urn:cartable:sync:{collection id}:{sequence}".
std::string SyncToken(const store::Collection& collection);
// The sequence of `token` if it names `collection`; nullopt for a foreign or malformed token.
std::optional<int64_t> ParseSyncToken(std::string_view token, const store::Collection& collection);

}  // namespace cartable::dav
