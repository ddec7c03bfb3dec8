// Calendar objects written from typed fields (the web agenda's JSON API, dav/api/events_api.h):
// a new VEVENT or VTODO, and edits of a stored object with the recurrence scopes of calendar
// applications (RFC 5545 §3.8.4.4 RECURRENCE-ID overrides, EXDATE, UNTIL cuts), as Nextcloud
// Calendar, SOGo and Roundcube offer them: "this occurrence", "this and the following", "all".
// Everything the fields do not name (unknown properties, X- properties, other components,
// VTIMEZONEs) is kept as it was. Bytes in, bytes out: libical stays in ical_edit.cc.
//
// Times: timed events are written as local time with TZID (default Europe/Paris) and the
// VTIMEZONE of the system database, all-day events as VALUE=DATE with an exclusive end.
// Errors are kBadRequest Status whose message is French and begins with the field's name
// («start» : ...); *field (when given) receives that name.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dav/caldav/ical.h"
#include "dav/status.h"

namespace cartable::dav::caldav {

// A time as the API takes it: "2026-12-07T14:30:00Z" / "...+01:00" (an instant),
// "2026-12-07T15:30:00" (wall time in the event's zone) or "2026-12-07" (a date).
struct TimeValue {
  enum class Kind { kInstant, kLocal, kDate } kind = Kind::kInstant;
  Seconds utc = 0;                                                     // kInstant
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;  // kLocal, kDate
};
// Parses one of the three forms; nullopt for anything else (or an impossible date).
std::optional<TimeValue> ParseTimeValue(std::string_view text);

struct Party {
  std::string address;  // "mailto:x@y" (a bare address gets mailto:)
  std::string name;     // CN, may be empty
};

// The bounds of EventFields/TaskFields, checked by CheckEventFields / the builders.
inline constexpr size_t kMaxAlarms = 10;
inline constexpr int kMaxAlarmMinutes = 4 * 7 * 24 * 60;  // four weeks before
inline constexpr int kMaxRuleCount = 1000;
inline constexpr int kMaxRuleInterval = 1000;

// The fields of an event. Absent = not given (a PATCH leaves it as it is).
struct EventFields {
  std::optional<std::string> summary, location, description;
  std::optional<TimeValue> start, end;
  std::optional<int64_t> duration_minutes;  // instead of end
  std::optional<bool> all_day;
  std::optional<std::string> timezone;  // IANA name; default "Europe/Paris"
  std::optional<std::string> klass;     // "PUBLIC", "PRIVATE", "CONFIDENTIAL"
  std::optional<bool> transparent;
  std::optional<std::vector<int>> alarms;              // minutes before the start
  std::optional<std::optional<RecurrenceRule>> rrule;  // inner nullopt: no longer repeats
  std::optional<std::vector<Party>> attendees;         // empty: no longer a meeting
};

// Checks what needs no calendar object: CLASS, timezone, alarms (≤ kMaxAlarms, 0..four weeks),
// the rule (FREQ, INTERVAL, BYDAY, UNTIL as a date, COUNT ≤ kMaxRuleCount, not both),
// attendees' addresses (≤ max_attendees).
Status CheckEventFields(const EventFields& f, size_t max_attendees, std::string* field = nullptr);

// A new VCALENDAR with one VEVENT of `uid` from `f` (summary and start required), DTSTAMP and
// CREATED `now`, and, when attendees are given, `me` as ORGANIZER (and attendee, ACCEPTED).
Result<std::string> NewEvent(const EventFields& f, const std::string& uid, const Party& me,
                             Seconds now, std::string* field = nullptr);

enum class Scope { kAll, kOne, kFollowing };

struct EditedEvent {
  std::string ics;         // the object's new text ("" = delete the whole resource)
  std::string new_series;  // kFollowing: the new series' object ("" otherwise)
};

// Applies `f` to the event `ics` (one UID). Non-recurring: `scope` and `occurrence` ignored.
// A series: kOne adds or changes the override of `occurrence` (the instance's original start,
// UTC), kFollowing cuts the series before `occurrence` (UNTIL, later overrides removed) and
// starts a new series of UID `new_uid` there with the changes, kAll changes the master (a moved
// start shifts it by the occurrence's move, wall-clock time in its zone). SEQUENCE grows when
// times, rule or place change. `me` is the organizer when attendees are set.
// Errors: kBadRequest (bad field, no such occurrence, `occurrence` missing for kOne/kFollowing).
Result<EditedEvent> EditEvent(std::string_view ics, const EventFields& f, Scope scope,
                              std::optional<Seconds> occurrence, const std::string& new_uid,
                              const Party& me, Seconds now, std::string* field = nullptr);

// Removes instances of the event `ics`: kAll (or a non-recurring event) the whole resource
// (EditedEvent::ics ""), kOne the instance `occurrence` (EXDATE, its override dropped),
// kFollowing it and every later one (UNTIL; the whole resource from the first instance).
Result<EditedEvent> DeleteOccurrences(std::string_view ics, Scope scope,
                                      std::optional<Seconds> occurrence, Seconds now);

// ---- tasks (VTODO) ----

struct TaskFields {
  std::optional<std::string> summary, description;
  std::optional<std::optional<TimeValue>> due;  // inner nullopt: no due date
  std::optional<int> priority;                  // 0 none, 1 high ... 9 low
  std::optional<std::string> status;            // NEEDS-ACTION, IN-PROCESS, COMPLETED, CANCELLED
  std::optional<bool> done;  // true: COMPLETED now, PERCENT-COMPLETE 100; false: reopened
  std::optional<std::string> timezone;  // of a local due time; default Europe/Paris
};

Result<std::string> NewTask(const TaskFields& f, const std::string& uid, Seconds now,
                            std::string* field = nullptr);
Result<std::string> EditTask(std::string_view ics, const TaskFields& f, Seconds now,
                             std::string* field = nullptr);

struct TaskInfo {
  std::string uid, summary, description, status;
  std::string due, start;          // "2026-12-07" (DATE) or RFC 3339 UTC, "" when none
  std::optional<Seconds> due_utc;  // for sorting and "overdue" (a DATE: its end, in UTC)
  int priority = 0;
  std::string completed;  // RFC 3339 UTC or ""
  int percent = 0;
};
// The VTODO of `ics` (its master); nullopt when there is none.
std::optional<TaskInfo> ReadTask(std::string_view ics);

// "2026-12-07T14:30:00Z" for UTC seconds.
std::string Rfc3339Utc(Seconds t);

}  // namespace cartable::dav::caldav
