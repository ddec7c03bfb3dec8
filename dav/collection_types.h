// The collection-type descriptor table: what each kind of collection is, what its resourcetype
// says, what it may contain and how members are validated. Methods vary by descriptor, not by
// special cases (Cyrus' per-collection-type descriptors).
#pragma once

#include <string_view>
#include <vector>

#include "dav/context.h"
#include "dav/status.h"
#include "dav/store/store.h"
#include "dav/xml_names.h"

namespace cartable::dav {

struct Target;

// Checks a member body about to be stored in `parent` (PUT, COPY, MOVE) and returns its index.
// `name` is the member name, `existing` the object being replaced (nullptr when new).
using MemberValidator = Result<store::ObjectIndex> (*)(const Request& req,
                                                      const store::Collection& parent,
                                                      const std::string& name,
                                                      const store::Object* existing,
                                                      std::string_view body,
                                                      std::string_view content_type);

struct CollectionType {
  std::string_view kind;                   // store::kKind* value
  std::vector<QName> resourcetype;         // besides DAV:collection
  std::vector<std::string_view> child_kinds;  // kinds MKCOL/MKCALENDAR may create inside
  bool allows_objects;                     // PUT of members
  bool deletable;                          // DELETE/MOVE allowed (homes are not)
  bool counts_quota;                       // members count against the user's document quota
  MemberValidator validate;                // nullptr: any content is accepted as is
  // Fills a collection of this kind right after it is created (a home's default calendars).
  Status (*populate)(store::Session& session, const store::Collection& created) = nullptr;
};

// The descriptor of `kind`; the plain collection's for an unknown kind.
const CollectionType& DescribeCollection(std::string_view kind);

// The kind whose resourcetype is exactly `resourcetype` (besides DAV:collection), or nullptr.
const CollectionType* KindForResourcetype(const std::vector<QName>& resourcetype);

// Whether `parent_kind` may contain a collection of `child_kind`.
bool MayContain(std::string_view parent_kind, std::string_view child_kind);

}  // namespace cartable::dav
