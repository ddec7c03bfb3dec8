#include "dav/report_registry.h"

#include <charconv>

#include "dav/caldav/calendar_collection.h"

namespace cartable::dav {
namespace {

bool IsStoreCollection(const Target& t) { return t.type == NodeType::kCollection; }
bool IsCalendar(const Target& t) {
  return t.type == NodeType::kCollection && t.collection.kind == store::kKindCalendar;
}
// Calendars and scheduling inboxes (Apple reads invitations with a multiget there), and their
// members.
bool IsCalendarOrMember(const Target& t) {
  return (t.type == NodeType::kCollection || t.type == NodeType::kObject) &&
         caldav::HoldsCalendarData(t.collection.kind);
}
bool IsBookKind(const std::string& kind) {
  return kind == store::kKindAddressbook || kind == store::kKindDirectory;
}
bool IsBookOrMember(const Target& t) {
  return (t.type == NodeType::kCollection || t.type == NodeType::kObject) &&
         IsBookKind(t.collection.kind);
}
// Principal searches run on the principal collections (and, leniently, on any principal).
bool IsPrincipalCollection(const Target& t) {
  return t.type == NodeType::kPrincipal ||
         (t.type == NodeType::kVirtual && (t.virtual_kind == VirtualKind::kPrincipals ||
                                           t.virtual_kind == VirtualKind::kPrincipalUsers));
}

std::vector<ReportHandler> BuildTable() {
  const std::string d(ns::kDav), cal(ns::kCalDav), card(ns::kCardDav);
  return {
      {{d, "sync-collection"}, IsStoreCollection, RunSyncCollection},
      {{cal, "calendar-multiget"}, IsCalendarOrMember, RunMultiget},
      {{cal, "calendar-query"}, IsCalendarOrMember, RunCalendarQuery},
      {{cal, "free-busy-query"}, IsCalendar, RunFreeBusyQuery},
      {{card, "addressbook-query"}, IsBookOrMember, RunAddressbookQuery},
      {{card, "addressbook-multiget"}, IsBookOrMember, RunMultiget},
      {{d, "principal-property-search"}, IsPrincipalCollection, RunPrincipalPropertySearch},
      {{d, "principal-search-property-set"}, IsPrincipalCollection, RunPrincipalSearchPropertySet},
      {{std::string(ns::kCalendarServer), "calendarserver-principal-search"}, IsPrincipalCollection,
       RunCalendarServerPrincipalSearch},
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
