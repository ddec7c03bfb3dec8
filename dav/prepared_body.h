// The door of a write (issue 14): what can be done with a request body before the store's write
// transaction begins, so that the one-writer section holds only the checks that need the store.
#pragma once

#include "dav/caldav/ical_object.h"
#include "server/http/message.h"

namespace cartable::dav {

struct PreparedBody {
  // A PUT of text/calendar, parsed and validated as a calendar object resource (RFC 4791 §4.1)
  // under the options of every calendar (calendar_collection.h): empty when it is not one or
  // does not validate, and the member hook then validates the bytes itself, giving the exact
  // error of the target calendar. Taken (moved out) by the calendar member hook.
  caldav::CalendarObject calendar;
};

// Runs before the write transaction of `http` (DavHandler::Handle), after authentication. Never
// fails: whatever it cannot prepare is done inside the transaction, as before.
PreparedBody PrepareBody(const http::HttpRequest& http);

}  // namespace cartable::dav
