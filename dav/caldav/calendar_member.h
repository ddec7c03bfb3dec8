// The calendar collection type's member hooks (collection_types.h MemberHooks): validation at
// the door, implicit scheduling on writes and deletes, Schedule-Tag on GET and
// If-Schedule-Tag-Match, and what COPY and MOVE may do with scheduling object resources.
#pragma once

#include "dav/collection_types.h"

namespace cartable::dav::caldav {

// The hooks of store::kKindCalendar's row.
MemberHooks CalendarMemberHooks();

}  // namespace cartable::dav::caldav
