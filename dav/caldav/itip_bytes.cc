// The iTIP engine on bytes: each function parses its arguments once and serialises its result,
// for one-off callers (the mail queue's status update) and the RFC 5546 fixture tests. Request
// paths use the parsed-object versions in itip.cc.
#include "dav/caldav/itip.h"

namespace cartable::dav::caldav {

Result<SchedulingInfo> InspectScheduling(std::string_view ics) {
  Result<CalendarObject> cal = CalendarObject::Parse(ics);
  if (!cal.ok()) return cal.status();
  return InspectScheduling(*cal);
}

Result<std::string> BuildRequest(std::string_view organizer_ics, const std::string& attendee,
                                 const std::string& method) {
  Result<CalendarObject> cal = CalendarObject::Parse(organizer_ics);
  if (!cal.ok()) return cal.status();
  Result<CalendarObject> out = BuildRequest(*cal, attendee, method);
  if (!out.ok()) return out.status();
  return out->Text();
}

Result<std::string> BuildCancel(std::string_view organizer_ics, const std::string& attendee,
                                const std::vector<std::string>& keys) {
  Result<CalendarObject> cal = CalendarObject::Parse(organizer_ics);
  if (!cal.ok()) return cal.status();
  Result<CalendarObject> out = BuildCancel(*cal, attendee, keys);
  if (!out.ok()) return out.status();
  return out->Text();
}

Result<std::string> BuildReply(std::string_view attendee_ics, const std::string& attendee,
                               const std::vector<std::string>& keys) {
  Result<CalendarObject> cal = CalendarObject::Parse(attendee_ics);
  if (!cal.ok()) return cal.status();
  Result<CalendarObject> out = BuildReply(*cal, attendee, keys);
  if (!out.ok()) return out.status();
  return out->Text();
}

Result<std::string> ApplyReply(std::string_view organizer_ics, std::string_view reply,
                               const std::string& attendee, bool* changed) {
  *changed = false;
  Result<CalendarObject> cal = CalendarObject::Parse(organizer_ics);
  if (!cal.ok()) return cal.status();
  Result<CalendarObject> msg = CalendarObject::Parse(reply);
  if (!msg.ok()) return msg.status();
  if (Status s = ApplyReply(*cal, *msg, attendee, changed); !s.ok()) return s;
  return cal->Text();
}

Result<std::string> ApplyRequest(std::string_view existing, std::string_view request) {
  Result<CalendarObject> msg = CalendarObject::Parse(request);
  if (!msg.ok()) return msg.status();
  Result<CalendarObject> old = CalendarObject();
  if (!existing.empty()) old = CalendarObject::Parse(existing);
  if (!old.ok()) return old.status();
  Result<CalendarObject> out = ApplyRequest(existing.empty() ? nullptr : &*old, *msg);
  if (!out.ok()) return out.status();
  return out->Text();
}

Result<std::string> ApplyCancel(std::string_view existing, std::string_view cancel) {
  Result<CalendarObject> cal = CalendarObject::Parse(existing);
  if (!cal.ok()) return cal.status();
  Result<CalendarObject> msg = CalendarObject::Parse(cancel);
  if (!msg.ok()) return msg.status();
  if (Status s = ApplyCancel(*cal, *msg); !s.ok()) return s;
  return cal->Text();
}

Result<std::string> SetPartstat(std::string_view ics, const std::string& attendee,
                                const std::string& partstat, const std::string& key) {
  Result<CalendarObject> cal = CalendarObject::Parse(ics);
  if (!cal.ok()) return cal.status();
  if (Status s = SetPartstat(*cal, attendee, partstat, key); !s.ok()) return s;
  return cal->Text();
}

Result<std::string> CarryAnswers(std::string_view from, std::string_view into,
                                 const std::string& organizer, bool* changed) {
  *changed = false;
  Result<CalendarObject> old = CalendarObject::Parse(from);
  if (!old.ok()) return old.status();
  Result<CalendarObject> now = CalendarObject::Parse(into);
  if (!now.ok()) return now.status();
  if (Status s = CarryAnswers(*old, *now, organizer, changed); !s.ok()) return s;
  return now->Text();
}

Result<std::string> SetScheduleStatus(std::string_view ics,
                                      const std::map<std::string, std::string>& status) {
  Result<CalendarObject> cal = CalendarObject::Parse(ics);
  if (!cal.ok()) return cal.status();
  SetScheduleStatus(*cal, status);
  return cal->Text();
}

Result<std::string> SetOrganizerScheduleStatus(std::string_view ics, const std::string& status) {
  Result<CalendarObject> cal = CalendarObject::Parse(ics);
  if (!cal.ok()) return cal.status();
  SetOrganizerScheduleStatus(*cal, status);
  return cal->Text();
}

std::string RecurrenceKeyAt(std::string_view ics, int64_t start) {
  Result<CalendarObject> cal = CalendarObject::Parse(ics);
  return cal.ok() ? RecurrenceKeyAt(*cal, start) : "";
}

}  // namespace cartable::dav::caldav
