// libFuzzer target: incoming iMIP mail (dav/scheduling/imip_mime.cc), as `cartable imip
// deliver` reads it before touching the store: find the calendar part of the MIME message,
// then parse it and read its scheduling view (dav/scheduling/imip_in.cc).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dav/caldav/ical_object.h"
#include "dav/caldav/itip.h"
#include "dav/scheduling/imip_mime.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  auto mail = cartable::dav::scheduling::ParseImipMessage(raw);
  if (!mail.ok()) return 0;
  auto itip = cartable::dav::caldav::CalendarObject::Parse(mail->ics);
  if (itip.ok()) (void)cartable::dav::caldav::InspectScheduling(*itip);
  return 0;
}
