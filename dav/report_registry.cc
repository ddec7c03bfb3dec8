#include "dav/report_registry.h"

#include <charconv>

namespace cartable::dav {
namespace {

// Calendars and scheduling inboxes (Apple reads invitations with a multiget there), and their
// members.
constexpr KindSet kCalendarReportScope = kCalendarDataCollections | kCalendarData;
constexpr KindSet kAddressbookReportScope = kAddressBooks | kCards;
// Principal searches run on the principal collections (and, leniently, on any principal).
constexpr KindSet kPrincipalSearchScope = kPrincipalCollection | kPrincipal;

std::vector<ReportHandler> BuildTable() {
  const std::string d(ns::kDav), cal(ns::kCalDav), card(ns::kCardDav), cs(ns::kCalendarServer);
  return {
      {.name = {d, "sync-collection"}, .applies = kStoreCollections, .run = RunSyncCollection},
      {.name = {cal, "calendar-multiget"}, .applies = kCalendarReportScope, .run = RunMultiget},
      {.name = {cal, "calendar-query"}, .applies = kCalendarReportScope, .run = RunCalendarQuery},
      {.name = {cal, "free-busy-query"},
       .applies = kCalendar,
       .run = RunFreeBusyQuery,
       .needs = kPrivReadFreeBusy},
      {.name = {card, "addressbook-query"},
       .applies = kAddressbookReportScope,
       .run = RunAddressbookQuery},
      {.name = {card, "addressbook-multiget"},
       .applies = kAddressbookReportScope,
       .run = RunMultiget},
      {.name = {d, "principal-property-search"},
       .applies = kPrincipalSearchScope,
       .run = RunPrincipalPropertySearch},
      {.name = {d, "principal-search-property-set"},
       .applies = kPrincipalSearchScope,
       .run = RunPrincipalSearchPropertySet},
      {.name = {cs, "calendarserver-principal-search"},
       .applies = kPrincipalSearchScope,
       .run = RunCalendarServerPrincipalSearch},
  };
}

constexpr std::string_view kTokenPrefix = "urn:cartable:sync:";

}  // namespace

const ReportRegistry& ReportRegistry::Default() {
  static const ReportRegistry kRegistry(BuildTable());
  return kRegistry;
}

const ReportHandler* ReportRegistry::Find(const QName& name) const {
  for (const ReportHandler& r : reports_) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

std::string SyncToken(const store::Collection& collection) {
  return std::string(kTokenPrefix) + std::to_string(collection.id) + ":" +
         std::to_string(collection.sync_seq);
}

std::optional<int64_t> ParseSyncToken(std::string_view token, const store::Collection& c) {
  if (token.substr(0, kTokenPrefix.size()) != kTokenPrefix) return std::nullopt;
  token.remove_prefix(kTokenPrefix.size());
  size_t colon = token.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  int64_t id = 0, seq = 0;
  auto r1 = std::from_chars(token.data(), token.data() + colon, id);
  auto r2 = std::from_chars(token.data() + colon + 1, token.data() + token.size(), seq);
  if (r1.ec != std::errc() || r1.ptr != token.data() + colon || r2.ec != std::errc() ||
      r2.ptr != token.data() + token.size() || id != c.id) {
    return std::nullopt;
  }
  return seq;
}

}  // namespace cartable::dav
