// What a resource is, as one value: the node type of its Target refined by the kind of the store
// collection it is or lives in. Live properties, reports and methods say where they apply with a
// KindSet column (Cyrus' per-type tables) instead of a predicate redefined in every file.
#pragma once

#include <cstdint>
#include <string_view>

namespace cartable::dav {

struct Target;

enum class ResourceKind : uint8_t {
  kMissing,              // nothing there (yet): PUT, MKCOL, MKCALENDAR may create it
  kVirtualCollection,    // /dav/ and the area roots /dav/files/, /dav/calendars/, ...
  kPrincipalCollection,  // /dav/principals/ and /dav/principals/users/
  kPrincipal,            // a user principal
  kFilesHome,            // /dav/files/{login}/
  kCalendarHome,         // /dav/calendars/{login}/
  kAddressbookHome,      // /dav/addressbooks/{login}/
  kPlainCollection,      // a WebDAV collection in the files area (and any unknown store kind)
  kCalendar,             // RFC 4791 calendar collection
  kInbox,                // RFC 6638 scheduling inbox
  kOutbox,               // RFC 6638 scheduling outbox
  kAddressbook,          // RFC 6352 address book
  kNotifications,        // sharing invitations (CS:notification-URL, caldav-sharing §4)
  kDirectory,            // the shared staff directory (an address book, read-only)
  kPlainFile,            // a stored object that is neither calendar nor vCard data
  kCalendarObject,       // a member of a calendar
  kInboxMessage,         // a member of a scheduling inbox (an iTIP message)
  kCard,                 // a vCard in an address book
  kNotification,         // a CS notification (application/xml) in a notification collection
  kDirectoryCard,        // a vCard in the directory
};
inline constexpr int kResourceKindCount = static_cast<int>(ResourceKind::kDirectoryCard) + 1;

// A set of resource kinds; `|` builds one, a single kind converts to a one-element set.
class KindSet {
 public:
  constexpr KindSet() = default;
  constexpr KindSet(ResourceKind kind) : bits_(Bit(kind)) {}  // NOLINT: implicit on purpose

  constexpr bool Has(ResourceKind kind) const { return (bits_ & Bit(kind)) != 0; }
  constexpr bool Empty() const { return bits_ == 0; }
  friend constexpr KindSet operator|(KindSet a, KindSet b) { return FromBits(a.bits_ | b.bits_); }
  friend constexpr bool operator==(KindSet a, KindSet b) { return a.bits_ == b.bits_; }

 private:
  static constexpr uint32_t Bit(ResourceKind kind) { return 1u << static_cast<unsigned>(kind); }
  static constexpr KindSet FromBits(uint32_t bits) {
    KindSet s;
    s.bits_ = bits;
    return s;
  }
  uint32_t bits_ = 0;
};
static_assert(kResourceKindCount <= 32, "KindSet holds the kinds in one 32-bit word");

constexpr KindSet operator|(ResourceKind a, ResourceKind b) { return KindSet(a) | KindSet(b); }

// One-kind sets under short names, so table rows read `.applies = kCalendar | kInbox`.
inline constexpr KindSet kMissing = ResourceKind::kMissing;
inline constexpr KindSet kVirtualCollection = ResourceKind::kVirtualCollection;
inline constexpr KindSet kPrincipalCollection = ResourceKind::kPrincipalCollection;
inline constexpr KindSet kPrincipal = ResourceKind::kPrincipal;
inline constexpr KindSet kFilesHome = ResourceKind::kFilesHome;
inline constexpr KindSet kCalendarHome = ResourceKind::kCalendarHome;
inline constexpr KindSet kAddressbookHome = ResourceKind::kAddressbookHome;
inline constexpr KindSet kPlainCollection = ResourceKind::kPlainCollection;
inline constexpr KindSet kCalendar = ResourceKind::kCalendar;
inline constexpr KindSet kInbox = ResourceKind::kInbox;
inline constexpr KindSet kOutbox = ResourceKind::kOutbox;
inline constexpr KindSet kAddressbook = ResourceKind::kAddressbook;
inline constexpr KindSet kDirectory = ResourceKind::kDirectory;
inline constexpr KindSet kPlainFile = ResourceKind::kPlainFile;
inline constexpr KindSet kCalendarObject = ResourceKind::kCalendarObject;
inline constexpr KindSet kInboxMessage = ResourceKind::kInboxMessage;
inline constexpr KindSet kCard = ResourceKind::kCard;
inline constexpr KindSet kNotifications = ResourceKind::kNotifications;
inline constexpr KindSet kNotification = ResourceKind::kNotification;
inline constexpr KindSet kDirectoryCard = ResourceKind::kDirectoryCard;

// The sets the tables share.
// Collections with a row in the store.
inline constexpr KindSet kStoreCollections = kFilesHome | kCalendarHome | kAddressbookHome |
                                             kPlainCollection | kCalendar | kInbox | kOutbox |
                                             kAddressbook | kDirectory | kNotifications;
// Objects with a row in the store.
inline constexpr KindSet kObjects =
    kPlainFile | kCalendarObject | kInboxMessage | kCard | kDirectoryCard | kNotification;
// Resources with a row in the store (and so stored properties, creation and modification times).
inline constexpr KindSet kStored = kStoreCollections | kObjects;
// Everything that exists.
inline constexpr KindSet kExisting =
    kStored | kVirtualCollection | kPrincipalCollection | kPrincipal;
inline constexpr KindSet kAnyKind = kExisting | kMissing;
// The collections of the files area (the ones that count against the document quota).
inline constexpr KindSet kFileCollections = kFilesHome | kPlainCollection;
// Collections whose members are iCalendar data read as calendar objects: calendars, and
// scheduling inboxes (RFC 6638 §2.2.1: calendar-data, calendar-query and calendar-multiget work
// there).
inline constexpr KindSet kCalendarDataCollections = kCalendar | kInbox;
// Their members: what the calendar-data property is served on.
inline constexpr KindSet kCalendarData = kCalendarObject | kInboxMessage;
// Address books, the directory included (RFC 6352 reports and properties work on both).
inline constexpr KindSet kAddressBooks = kAddressbook | kDirectory;
// Their members: what the address-data property is served on.
inline constexpr KindSet kCards = kCard | kDirectoryCard;

// The kind of `target` from its node type, virtual kind and (store) collection kind. Resolve
// and the Child*Target builders store it in Target::kind; call it again only after changing one
// of those fields of a Target by hand.
ResourceKind KindOf(const Target& target);

// The kind of a store collection of store kind `store_kind` (store::kKind*), and of its members.
// Unknown kinds are plain collections holding plain files, as DescribeCollection treats them.
ResourceKind CollectionKind(std::string_view store_kind);
ResourceKind MemberKind(std::string_view store_kind);

// "calendar", "inbox-message"... for test messages and logs.
std::string_view KindName(ResourceKind kind);

}  // namespace cartable::dav
