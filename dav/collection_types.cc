#include "dav/collection_types.h"

#include <algorithm>

#include "dav/caldav/calendar_collection.h"
#include "dav/carddav/addressbook_collection.h"

namespace cartable::dav {
namespace {

const std::vector<CollectionType>& Table() {
  static const std::vector<CollectionType> kTable = {
      {store::kKindCollection, {}, {store::kKindCollection}, true, true, true, nullptr},
      {store::kKindFilesHome, {}, {store::kKindCollection}, true, false, true, nullptr},
      {store::kKindCalendarHome, {}, {store::kKindCalendar}, false, false, false, nullptr,
       caldav::CreateDefaultCalendars},
      {store::kKindAddressbookHome, {}, {store::kKindAddressbook}, false, false, false, nullptr,
       carddav::CreateDefaultAddressbooks},
      {store::kKindAddressbook,
       {{std::string(ns::kCardDav), "addressbook"}},
       {},
       true,
       true,
       false,
       carddav::ValidateCardMember},
      // The staff directory: read-only for everyone (CanWrite), written by the import.
      {store::kKindDirectory,
       {{std::string(ns::kCardDav), "addressbook"}, {std::string(ns::kCardDav), "directory"}},
       {},
       false,
       false,
       false,
       nullptr},
      // RFC 6638 inbox: the server delivers iTIP messages; the owner reads and deletes them.
      {store::kKindScheduleInbox,
       {{std::string(ns::kCalDav), "schedule-inbox"}},
       {},
       false,
       false,
       false,
       nullptr},
      // RFC 6638 outbox: only POST (free-busy requests).
      {store::kKindScheduleOutbox,
       {{std::string(ns::kCalDav), "schedule-outbox"}},
       {},
       false,
       false,
       false,
       nullptr},
      {store::kKindCalendar,
       {{std::string(ns::kCalDav), "calendar"}},
       {},
       true,
       true,
       false,
       caldav::ValidateCalendarMember},
  };
  return kTable;
}

}  // namespace

const CollectionType& DescribeCollection(std::string_view kind) {
  for (const CollectionType& t : Table()) {
    if (t.kind == kind) return t;
  }
  return Table().front();
}

const CollectionType* KindForResourcetype(const std::vector<QName>& resourcetype) {
  for (const CollectionType& t : Table()) {
    if (t.resourcetype.size() != resourcetype.size()) continue;
    if (std::is_permutation(t.resourcetype.begin(), t.resourcetype.end(), resourcetype.begin())) {
      return &t;
    }
  }
  return nullptr;
}

bool MayContain(std::string_view parent_kind, std::string_view child_kind) {
  const auto& kinds = DescribeCollection(parent_kind).child_kinds;
  return std::find(kinds.begin(), kinds.end(), child_kind) != kinds.end();
}

}  // namespace cartable::dav
