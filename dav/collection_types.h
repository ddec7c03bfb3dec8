// The collection-type descriptor table: what each kind of collection is, what its resourcetype
// says, and what it may contain. Methods vary by descriptor, not by special cases.
#pragma once

#include <string_view>
#include <vector>

#include "dav/xml_names.h"

namespace cartable::dav {

struct CollectionType {
  std::string_view kind;                 // store::kKind* value
  std::vector<QName> resourcetype;       // besides DAV:collection
  bool user_can_create;                  // MKCOL/MKCALENDAR may create one
  bool allows_child_collections;         // MKCOL inside it
  bool allows_objects;                   // PUT of members
  bool deletable;                        // DELETE allowed (homes are not)
  bool counts_quota;                     // members count against the user's document quota
};

// The descriptor of `kind`; the plain collection's for an unknown kind.
const CollectionType& DescribeCollection(std::string_view kind);

}  // namespace cartable::dav
