#include "dav/collection_types.h"

#include "dav/store/store.h"

namespace cartable::dav {
namespace {

const std::vector<CollectionType>& Table() {
  static const std::vector<CollectionType> kTable = {
      {store::kKindCollection, {}, true, true, true, true, true},
      {store::kKindFilesHome, {}, false, true, true, false, true},
      // CalDAV and CardDAV homes hold calendars and address books (created by later issues);
      // plain collections and loose objects are refused there.
      {store::kKindCalendarHome, {}, false, false, false, false, false},
      {store::kKindAddressbookHome, {}, false, false, false, false, false},
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

}  // namespace cartable::dav
