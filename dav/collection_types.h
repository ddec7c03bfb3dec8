// The collection-type descriptor table: what each kind of collection is, what its resourcetype
// says, what it may contain and how members are validated. Methods vary by descriptor, not by
// special cases (Cyrus' per-collection-type descriptors).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dav/context.h"
#include "dav/status.h"
#include "dav/store/store.h"
#include "dav/xml_names.h"
#include "server/http/message.h"

namespace cartable::dav {

struct Target;

// Checks a member body about to be stored in `parent` (PUT, COPY, MOVE) and returns its index.
// `name` is the member name, `existing` the object being replaced (nullptr when new; for COPY
// and MOVE with Overwrite, the destination deleted first, MemberWrite::replaced).
using MemberValidator = Result<store::ObjectIndex> (*)(
    const Request& req, const store::Collection& parent, const std::string& name,
    const store::Object* existing, std::string_view body, std::string_view content_type);

// One change of a member, as a type's check_change hook sees it.
enum class MemberChange {
  kPut,       // PUT replaces or creates it
  kDelete,    // DELETE
  kCopyTo,    // the destination of a COPY
  kMoveFrom,  // the source of a MOVE
  kMoveTo,    // the destination of a MOVE
};

// What the hooks of one request learn about one member, so that each is read once (the
// Schedule-Tag checked by If-Schedule-Tag-Match is the one a PUT then replaces).
struct MemberState {
  std::optional<std::string> schedule_tag;  // calendars: the member's tag ("" = none)
};

// A member about to be stored: the body of a PUT, or what COPY/MOVE brings.
struct MemberWrite {
  const Target& target;  // the member (kObject when it replaces one, kMissing when new)
  const std::string& body;
  const std::string& content_type;
  MemberChange change = MemberChange::kPut;   // kPut, kCopyTo or kMoveTo
  const Target* source = nullptr;             // COPY/MOVE: where it comes from
  const MemberState* source_state = nullptr;  // MOVE: what the source's hooks read
  // COPY/MOVE with Overwrite: the destination object deleted first (RFC 4918 §9.8.4), so that
  // validation still sees what the write replaces (its UID must not change); null otherwise.
  const store::Object* replaced = nullptr;
};

// What storing a member did.
struct WriteResult {
  store::Object object;
  bool rewritten = false;    // the stored bytes differ from the body (no ETag: docs/clients.md #12)
  std::string schedule_tag;  // calendars: the Schedule-Tag to return ("" = none)
};

struct CollectionType;

// Per-type hooks. Methods are written once and call these; a type without a hook gets the
// generic behaviour (ValidateAndStore, plain delete, no extra check, no extra header).
struct MemberHooks {
  // Checks run before anything changes (PUT, DELETE, both ends of COPY/MOVE): calendars test
  // If-Schedule-Tag-Match (RFC 6638 §8.3) here; sharing adds its privilege checks here.
  Status (*check_change)(const Request& req, const Target& member, MemberChange change,
                         MemberState& state) = nullptr;
  // Validates and stores a member (PUT, COPY and MOVE destinations): calendars run implicit
  // scheduling (RFC 6638 §3.2) here.
  Result<WriteResult> (*write)(const Request& req, const MemberWrite& w,
                               MemberState& state) = nullptr;
  // Removes a member: DELETE (`moved_to` null) or the source of a MOVE (`moved_to` is the
  // destination, not yet written). Calendars cancel or decline on DELETE and refuse to let a
  // scheduling object leave its owner's calendars.
  Status (*remove)(const Request& req, const Target& member, const Target* moved_to,
                   MemberState& state) = nullptr;
  // Headers of a GET/HEAD of a member (calendars: Schedule-Tag, RFC 6638 §3.2.10).
  void (*describe)(const Request& req, const Target& member, http::HttpResponse& r) = nullptr;
  // `write` reads the body of the object it replaces, and `remove` the body of the object it
  // deletes: PUT and DELETE resolve their target with the body (BodyRead::kForWrite), so the
  // stored object is read once per request.
  bool write_reads_replaced = false;
};

struct CollectionType {
  std::string_view kind;                           // store::kKind* value
  std::vector<QName> resourcetype = {};            // besides DAV:collection
  std::vector<std::string_view> child_kinds = {};  // kinds MKCOL/MKCALENDAR may create inside
  bool allows_objects = false;                     // PUT of members
  bool deletable = false;                          // DELETE/MOVE allowed (homes are not)
  bool counts_quota = false;           // members count against the user's document quota
  MemberValidator validate = nullptr;  // nullptr: any content is accepted as is
  // Fills a collection of this kind right after it is created (a home's default calendars).
  Status (*populate)(store::Session& session, const store::Collection& created) = nullptr;
  // For deletable kinds: refuses to let one collection go (DELETE, replaced by COPY or MOVE with
  // Overwrite) or, when `moving`, leave its URL by MOVE, while the account depends on it (the
  // default calendar, the default address book). nullptr: any may go.
  Status (*check_delete)(const Request& req, const Target& collection, bool moving) = nullptr;
  MemberHooks hooks = {};
};

// The descriptor of `kind`; the plain collection's for an unknown kind.
const CollectionType& DescribeCollection(std::string_view kind);

// The kind whose resourcetype is exactly `resourcetype` (besides DAV:collection), or nullptr.
const CollectionType* KindForResourcetype(const std::vector<QName>& resourcetype);

// Whether the collection `collection` may be deleted or replaced (`moving`: moved away): its
// type is deletable (else 403) and its check_delete hook, if any, agrees.
Status CheckDelete(const Request& req, const Target& collection, bool moving = false);

// Whether `parent_kind` may contain a collection of `child_kind`.
bool MayContain(std::string_view parent_kind, std::string_view child_kind);

// The hooks of the type of `member`'s collection, with the generic behaviour where it has none.
// CheckChange: the type's check (OK without one).
Status CheckChange(const Request& req, const Target& member, MemberChange change,
                   MemberState& state);
// WriteMember: the type's write, else validation (MemberValidator) and a plain store.
Result<WriteResult> WriteMember(const Request& req, const MemberWrite& w, MemberState& state);
// RemoveMember: the type's remove, else a plain delete.
Status RemoveMember(const Request& req, const Target& member, const Target* moved_to,
                    MemberState& state);
// DescribeMember: the type's GET/HEAD headers, if any.
void DescribeMember(const Request& req, const Target& member, http::HttpResponse& r);

}  // namespace cartable::dav
