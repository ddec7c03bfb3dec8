#include "dav/collection_types.h"

#include <algorithm>

#include "dav/caldav/calendar_collection.h"
#include "dav/caldav/calendar_member.h"
#include "dav/carddav/addressbook_collection.h"
#include "dav/scheduling/scheduling_properties.h"
#include "dav/target.h"

namespace cartable::dav {
namespace {

const std::vector<CollectionType>& Table() {
  // One row per kind; fields left out of a row are false or absent.
  static const std::vector<CollectionType> kTable = {
      {.kind = store::kKindCollection,
       .child_kinds = {store::kKindCollection},
       .allows_objects = true,
       .deletable = true,
       .counts_quota = true},
      {.kind = store::kKindFilesHome,
       .child_kinds = {store::kKindCollection},
       .allows_objects = true,
       .counts_quota = true},
      {.kind = store::kKindCalendarHome,
       .child_kinds = {store::kKindCalendar},
       .populate = caldav::CreateDefaultCalendars},
      {.kind = store::kKindAddressbookHome,
       .child_kinds = {store::kKindAddressbook},
       .populate = carddav::CreateDefaultAddressbooks},
      {.kind = store::kKindAddressbook,
       .resourcetype = {{std::string(ns::kCardDav), "addressbook"}},
       .allows_objects = true,
       .deletable = true,
       .validate = carddav::ValidateCardMember,
       .check_delete = carddav::KeepDefaultAddressbook},
      // The staff directory: read-only for everyone (CanWrite), written by the import.
      {.kind = store::kKindDirectory,
       .resourcetype = {{std::string(ns::kCardDav), "addressbook"},
                        {std::string(ns::kCardDav), "directory"}}},
      // RFC 6638 inbox: the server delivers iTIP messages; the owner reads and deletes them.
      {.kind = store::kKindScheduleInbox,
       .resourcetype = {{std::string(ns::kCalDav), "schedule-inbox"}}},
      // RFC 6638 outbox: only POST (free-busy requests).
      {.kind = store::kKindScheduleOutbox,
       .resourcetype = {{std::string(ns::kCalDav), "schedule-outbox"}}},
      // Sharing invitations (caldav-sharing §4): written by the server (dav/sharing/), read
      // and deleted by the home's user.
      {.kind = store::kKindNotifications,
       .resourcetype = {{std::string(ns::kCalendarServer), "notification"}}},
      // Validation happens in the write hook, which keeps the parsed object for scheduling.
      {.kind = store::kKindCalendar,
       .resourcetype = {{std::string(ns::kCalDav), "calendar"}},
       .allows_objects = true,
       .deletable = true,
       .check_delete = scheduling::KeepDefaultCalendar,
       .hooks = caldav::CalendarMemberHooks()},
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

Status CheckChange(const Request& req, const Target& member, MemberChange change,
                   MemberState& state) {
  const MemberHooks& hooks = DescribeCollection(member.collection.kind).hooks;
  return hooks.check_change ? hooks.check_change(req, member, change, state) : Status::OK();
}

Result<WriteResult> WriteMember(const Request& req, const MemberWrite& w, MemberState& state) {
  const Target& t = w.target;
  const CollectionType& type = DescribeCollection(t.collection.kind);
  if (type.hooks.write) return type.hooks.write(req, w, state);
  store::ObjectIndex index;
  if (type.validate != nullptr) {
    Result<store::ObjectIndex> checked =
        type.validate(req, t.collection, t.name,
                      t.type == NodeType::kObject ? &t.object : w.replaced, w.body, w.content_type);
    if (!checked.ok()) return checked.status();
    index = std::move(checked.value());
  }
  Result<store::Object> stored =
      req.session.PutObject(t.collection.id, t.name, w.content_type, w.body, index);
  if (!stored.ok()) return stored.status();
  WriteResult out;
  out.object = std::move(stored.value());
  return out;
}

Status RemoveMember(const Request& req, const Target& member, const Target* moved_to,
                    MemberState& state) {
  const MemberHooks& hooks = DescribeCollection(member.collection.kind).hooks;
  if (hooks.remove) return hooks.remove(req, member, moved_to, state);
  return req.session.DeleteObject(member.collection.id, member.name);
}

void DescribeMember(const Request& req, const Target& member, http::HttpResponse& r) {
  const MemberHooks& hooks = DescribeCollection(member.collection.kind).hooks;
  if (hooks.describe) hooks.describe(req, member, r);
}

Status CheckDelete(const Request& req, const Target& collection, bool moving) {
  const CollectionType& type = DescribeCollection(collection.collection.kind);
  if (!type.deletable) return Status::Forbidden("this collection cannot be deleted or moved");
  return type.check_delete ? type.check_delete(req, collection, moving) : Status::OK();
}

bool MayContain(std::string_view parent_kind, std::string_view child_kind) {
  const auto& kinds = DescribeCollection(parent_kind).child_kinds;
  return std::find(kinds.begin(), kinds.end(), child_kind) != kinds.end();
}

}  // namespace cartable::dav
