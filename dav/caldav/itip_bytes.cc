// The iTIP engine on bytes: each function parses its arguments once and serialises its result,
// for one-off callers (the mail queue's status update) and the RFC 5546 fixture tests. Request
// paths use the parsed-object versions in itip.cc.
#include <type_traits>

#include "dav/caldav/itip.h"

namespace cartable::dav::caldav {

namespace {

// Parses `ics`, hands the object to `f` and serialises the outcome. `f` either builds a new
// object (returns Result<CalendarObject>, which is serialised) or changes the parsed one in
// place (returns Status or nothing; the parsed object is serialised).
template <typename F>
Result<std::string> OnParsed(std::string_view ics, F f) {
  Result<CalendarObject> cal = CalendarObject::Parse(ics);
  if (!cal.ok()) return cal.status();
  using R = std::invoke_result_t<F, CalendarObject&>;
  if constexpr (std::is_void_v<R>) {
    f(*cal);
  } else if constexpr (std::is_same_v<R, Status>) {
    if (Status s = f(*cal); !s.ok()) return s;
  } else {
    R out = f(*cal);
    if (!out.ok()) return out.status();
    return out->Text();
  }
  return cal->Text();
}

// OnParsed for the in-place changes driven by a second message: parses `ics`, then `message`,
// and serialises the first after `f(first, second)` succeeded.
template <typename F>
Result<std::string> OnParsedPair(std::string_view ics, std::string_view message, F f) {
  return OnParsed(ics, [&](CalendarObject& cal) -> Status {
    Result<CalendarObject> msg = CalendarObject::Parse(message);
    if (!msg.ok()) return msg.status();
    return f(cal, *msg);
  });
}

}  // namespace

Result<SchedulingInfo> InspectScheduling(std::string_view ics) {
  Result<CalendarObject> cal = CalendarObject::Parse(ics);
  if (!cal.ok()) return cal.status();
  return InspectScheduling(*cal);
}

Result<std::string> BuildRequest(std::string_view organizer_ics, const std::string& attendee,
                                 const std::string& method) {
  return OnParsed(organizer_ics,
                  [&](CalendarObject& cal) { return BuildRequest(cal, attendee, method); });
}

Result<std::string> BuildCancel(std::string_view organizer_ics, const std::string& attendee,
                                const std::vector<std::string>& keys) {
  return OnParsed(organizer_ics,
                  [&](CalendarObject& cal) { return BuildCancel(cal, attendee, keys); });
}

Result<std::string> BuildReply(std::string_view attendee_ics, const std::string& attendee,
                               const std::vector<std::string>& keys) {
  return OnParsed(attendee_ics,
                  [&](CalendarObject& cal) { return BuildReply(cal, attendee, keys); });
}

Result<std::string> ApplyReply(std::string_view organizer_ics, std::string_view reply,
                               const std::string& attendee, bool* changed) {
  *changed = false;
  return OnParsedPair(organizer_ics, reply, [&](CalendarObject& cal, CalendarObject& msg) {
    return ApplyReply(cal, msg, attendee, changed);
  });
}

Result<std::string> ApplyRequest(std::string_view existing, std::string_view request) {
  return OnParsed(request, [&](CalendarObject& msg) -> Result<CalendarObject> {
    Result<CalendarObject> old = CalendarObject();
    if (!existing.empty()) old = CalendarObject::Parse(existing);
    if (!old.ok()) return old.status();
    return ApplyRequest(existing.empty() ? nullptr : &*old, msg);
  });
}

Result<std::string> ApplyCancel(std::string_view existing, std::string_view cancel) {
  return OnParsedPair(existing, cancel, [&](CalendarObject& cal, CalendarObject& msg) {
    return ApplyCancel(cal, msg);
  });
}

Result<std::string> SetPartstat(std::string_view ics, const std::string& attendee,
                                const std::string& partstat, const std::string& key) {
  return OnParsed(ics,
                  [&](CalendarObject& cal) { return SetPartstat(cal, attendee, partstat, key); });
}

Result<std::string> CarryAnswers(std::string_view from, std::string_view into,
                                 const std::string& organizer, bool* changed) {
  *changed = false;
  Result<CalendarObject> old = CalendarObject::Parse(from);
  if (!old.ok()) return old.status();
  return OnParsed(into,
                  [&](CalendarObject& now) { return CarryAnswers(*old, now, organizer, changed); });
}

Result<std::string> SetScheduleStatus(std::string_view ics,
                                      const std::map<std::string, std::string>& status) {
  return OnParsed(ics, [&](CalendarObject& cal) { SetScheduleStatus(cal, status); });
}

Result<std::string> SetOrganizerScheduleStatus(std::string_view ics, const std::string& status) {
  return OnParsed(ics, [&](CalendarObject& cal) { SetOrganizerScheduleStatus(cal, status); });
}

std::string RecurrenceKeyAt(std::string_view ics, int64_t start) {
  Result<CalendarObject> cal = CalendarObject::Parse(ics);
  return cal.ok() ? RecurrenceKeyAt(*cal, start) : "";
}

}  // namespace cartable::dav::caldav
