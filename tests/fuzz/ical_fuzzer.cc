// libFuzzer target: iCalendar at the door, the path a PUT takes (dav/caldav): parse into a
// CalendarObject, validate with the options of a calendar collection (calendar_collection.cc
// OptionsFor), read its scheduling view, then serialise it as the server does when it writes a
// copy it changed. What the server serialised must parse again: it is stored and served.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "dav/caldav/calendar_collection.h"
#include "dav/caldav/ical.h"
#include "dav/caldav/ical_object.h"
#include "dav/caldav/itip.h"

namespace {

namespace caldav = cartable::dav::caldav;

const caldav::ValidateOptions& Options() {
  static const caldav::ValidateOptions options = [] {
    caldav::ValidateOptions o;
    o.max_resource_size = caldav::kMaxCalendarResourceSize;
    o.min_date_time = *caldav::ParseUtcDateTime(caldav::kMinDateTime);
    o.max_date_time = *caldav::ParseUtcDateTime(caldav::kMaxDateTime);
    return o;
  }();
  return options;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view ics(reinterpret_cast<const char*>(data), size);
  caldav::CalendarObject parsed;
  auto index = caldav::ValidateCalendarObject(ics, Options(), &parsed);
  if (!index.ok()) return 0;
  (void)caldav::InspectScheduling(parsed);
  (void)caldav::ValidateCalendarObject(parsed, Options());
  caldav::CalendarObject copy = parsed.Clone();
  copy.Touch();
  const std::string& text = copy.Text();
  auto again = caldav::CalendarObject::Parse(text);
  if (!again.ok()) {
    std::fprintf(stderr, "the serialisation of a valid object does not parse: %s\n%s\n",
                 again.status().ToString().c_str(), text.c_str());
    std::abort();
  }
  return 0;
}
