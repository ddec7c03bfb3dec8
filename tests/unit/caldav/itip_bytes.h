// The iTIP engine on bytes, for the RFC 5546 fixture tests: each function parses its arguments
// once, calls the parsed-object version (dav/caldav/itip.h) and serialises the result. Product
// code parses where the bytes enter and never goes through these.
#pragma once

#include <string>
#include <string_view>
#include <type_traits>

#include "dav/caldav/itip.h"

namespace cartable::dav::caldav {

namespace itip_bytes_detail {

// Parses `ics`, hands the object to `f` and serialises the outcome. `f` either builds a new
// object (returns Result<CalendarObject>, which is serialised) or changes the parsed one in
// place (returns Status or nothing; the parsed object is serialised).
template <typename F>
inline Result<std::string> OnParsed(std::string_view ics, F f) {
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
inline Result<std::string> OnParsedPair(std::string_view ics, std::string_view message, F f) {
  return OnParsed(ics, [&](CalendarObject& cal) -> Status {
    Result<CalendarObject> msg = CalendarObject::Parse(message);
    if (!msg.ok()) return msg.status();
    return f(cal, *msg);
  });
}

}  // namespace itip_bytes_detail

inline Result<SchedulingInfo> InspectScheduling(std::string_view ics) {
  Result<CalendarObject> cal = CalendarObject::Parse(ics);
  if (!cal.ok()) return cal.status();
  return InspectScheduling(*cal);
}

inline Result<std::string> BuildRequest(std::string_view organizer_ics, const std::string& attendee,
                                        const std::string& method = "REQUEST") {
  return itip_bytes_detail::OnParsed(
      organizer_ics, [&](CalendarObject& cal) { return BuildRequest(cal, attendee, method); });
}

inline Result<std::string> BuildCancel(std::string_view organizer_ics, const std::string& attendee,
                                       const std::vector<std::string>& keys = {}) {
  return itip_bytes_detail::OnParsed(
      organizer_ics, [&](CalendarObject& cal) { return BuildCancel(cal, attendee, keys); });
}

inline Result<std::string> BuildReply(std::string_view attendee_ics, const std::string& attendee,
                                      const std::vector<std::string>& keys = {}) {
  return itip_bytes_detail::OnParsed(
      attendee_ics, [&](CalendarObject& cal) { return BuildReply(cal, attendee, keys); });
}

inline Result<std::string> ApplyReply(std::string_view organizer_ics, std::string_view reply,
                                      const std::string& attendee, bool* changed) {
  *changed = false;
  return itip_bytes_detail::OnParsedPair(organizer_ics, reply,
                                         [&](CalendarObject& cal, CalendarObject& msg) {
                                           return ApplyReply(cal, msg, attendee, changed);
                                         });
}

inline Result<std::string> ApplyRequest(std::string_view existing, std::string_view request) {
  return itip_bytes_detail::OnParsed(request, [&](CalendarObject& msg) -> Result<CalendarObject> {
    Result<CalendarObject> old = CalendarObject();
    if (!existing.empty()) old = CalendarObject::Parse(existing);
    if (!old.ok()) return old.status();
    return ApplyRequest(existing.empty() ? nullptr : &*old, msg);
  });
}

inline Result<std::string> ApplyCancel(std::string_view existing, std::string_view cancel) {
  return itip_bytes_detail::OnParsedPair(
      existing, cancel,
      [&](CalendarObject& cal, CalendarObject& msg) { return ApplyCancel(cal, msg); });
}

inline Result<std::string> SetPartstat(std::string_view ics, const std::string& attendee,
                                       const std::string& partstat, const std::string& key = "") {
  return itip_bytes_detail::OnParsed(
      ics, [&](CalendarObject& cal) { return SetPartstat(cal, attendee, partstat, key); });
}

inline Result<std::string> CarryAnswers(std::string_view from, std::string_view into,
                                        const std::string& organizer, bool* changed) {
  *changed = false;
  Result<CalendarObject> old = CalendarObject::Parse(from);
  if (!old.ok()) return old.status();
  return itip_bytes_detail::OnParsed(
      into, [&](CalendarObject& now) { return CarryAnswers(*old, now, organizer, changed); });
}

inline Result<std::string> SetScheduleStatus(std::string_view ics,
                                             const std::map<std::string, std::string>& status) {
  return itip_bytes_detail::OnParsed(ics,
                                     [&](CalendarObject& cal) { SetScheduleStatus(cal, status); });
}

inline Result<std::string> SetOrganizerScheduleStatus(std::string_view ics,
                                                      const std::string& status) {
  return itip_bytes_detail::OnParsed(
      ics, [&](CalendarObject& cal) { SetOrganizerScheduleStatus(cal, status); });
}

inline std::string RecurrenceKeyAt(std::string_view ics, int64_t start) {
  Result<CalendarObject> cal = CalendarObject::Parse(ics);
  return cal.ok() ? RecurrenceKeyAt(*cal, start) : "";
}

}  // namespace cartable::dav::caldav
