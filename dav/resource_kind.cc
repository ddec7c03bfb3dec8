#include "dav/resource_kind.h"

#include "dav/store/store.h"
#include "dav/target.h"

namespace cartable::dav {
namespace {

using K = ResourceKind;

// Store collection kind -> the kind of the collection and of its members.
struct StoreKindRow {
  std::string_view store_kind;
  ResourceKind collection;
  ResourceKind member;
};

constexpr StoreKindRow kStoreKinds[] = {
    {store::kKindCollection, K::kPlainCollection, K::kPlainFile},
    {store::kKindFilesHome, K::kFilesHome, K::kPlainFile},
    {store::kKindCalendarHome, K::kCalendarHome, K::kPlainFile},
    {store::kKindAddressbookHome, K::kAddressbookHome, K::kPlainFile},
    {store::kKindCalendar, K::kCalendar, K::kCalendarObject},
    {store::kKindScheduleInbox, K::kInbox, K::kInboxMessage},
    {store::kKindScheduleOutbox, K::kOutbox, K::kPlainFile},
    {store::kKindAddressbook, K::kAddressbook, K::kCard},
    {store::kKindDirectory, K::kDirectory, K::kDirectoryCard},
    {store::kKindNotifications, K::kNotifications, K::kNotification},
};

const StoreKindRow& RowFor(std::string_view store_kind) {
  for (const StoreKindRow& row : kStoreKinds) {
    if (row.store_kind == store_kind) return row;
  }
  return kStoreKinds[0];
}

constexpr std::string_view kNames[kResourceKindCount] = {
    "missing",
    "virtual-collection",
    "principal-collection",
    "principal",
    "files-home",
    "calendar-home",
    "addressbook-home",
    "plain-collection",
    "calendar",
    "inbox",
    "outbox",
    "addressbook",
    "notifications",
    "directory",
    "plain-file",
    "calendar-object",
    "inbox-message",
    "card",
    "notification",
    "directory-card",
};

}  // namespace

ResourceKind CollectionKind(std::string_view store_kind) { return RowFor(store_kind).collection; }

ResourceKind MemberKind(std::string_view store_kind) { return RowFor(store_kind).member; }

ResourceKind KindOf(const Target& t) {
  switch (t.type) {
    case NodeType::kMissing: return K::kMissing;
    case NodeType::kVirtual:
      return t.virtual_kind == VirtualKind::kPrincipals ||
                     t.virtual_kind == VirtualKind::kPrincipalUsers
                 ? K::kPrincipalCollection
                 : K::kVirtualCollection;
    case NodeType::kPrincipal: return K::kPrincipal;
    case NodeType::kCollection: return CollectionKind(t.collection.kind);
    case NodeType::kObject: return MemberKind(t.collection.kind);
  }
  return K::kMissing;
}

std::string_view KindName(ResourceKind kind) { return kNames[static_cast<int>(kind)]; }

}  // namespace cartable::dav
