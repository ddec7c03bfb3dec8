// Calendar collections (RFC 4791 §4-5): member validation, the component set, the default
// calendars of a new home, and the CalDAV live properties.
#pragma once

#include <string>
#include <vector>

#include "dav/caldav/ical_object.h"
#include "dav/context.h"
#include "dav/property_registry.h"
#include "dav/store/store.h"

namespace cartable::dav::caldav {

// The limits advertised and enforced on calendar members.
inline constexpr uint64_t kMaxCalendarResourceSize = 1u << 20;
inline constexpr std::string_view kMinDateTime = "19000101T000000Z";
inline constexpr std::string_view kMaxDateTime = "21001231T235959Z";

// MemberValidator of calendar collections: content type, size, RFC 4791 §4.1 rules, the
// calendar's component set, and UID uniqueness within the calendar (no-uid-conflict with the
// href of the holder). The same UID may live in two calendars of a user (as in SabreDAV), so
// moving an event by PUT-then-DELETE works.
// With `parsed`, the parsed object is moved there on success; a non-empty `parsed` on entry is the
// body parsed and validated at the door (dav/prepared_body.h), checked here as it is.
Result<store::ObjectIndex> ValidateCalendarMember(
    const Request& req, const store::Collection& parent, const std::string& name,
    const store::Object* existing, std::string_view body, std::string_view content_type,
    caldav::CalendarObject* parsed = nullptr);

// ValidateCalendarMember without the content-type check, for data the server itself writes
// (scheduling delivers copies into attendees' calendars). With `parsed`, the parsed object is
// moved there on success (the door: nothing parses `body` again).
Result<store::ObjectIndex> ValidateForCalendar(store::Session& session,
                                               const store::Collection& parent,
                                               const std::string& name, std::string_view body,
                                               caldav::CalendarObject* parsed = nullptr);
// The same for an object already parsed (a copy scheduling built; no parse).
Result<store::ObjectIndex> ValidateForCalendar(store::Session& session,
                                               const store::Collection& parent,
                                               const std::string& name,
                                               const caldav::CalendarObject& parsed);

// The components the calendar accepts: its supported-calendar-component-set setting, or all of
// VEVENT, VTODO, VJOURNAL, VFREEBUSY when none was set.
std::vector<std::string> ComponentSet(const store::CollectionSettings& settings);

// Creates "Agenda" (agenda/, VEVENT) and "Tâches" (taches/, VTODO) in a new calendar home, with
// its scheduling inbox/outbox and its notification collection (notifications/).
Status CreateDefaultCalendars(store::Session& session, const store::Collection& home);

// Appends the CalDAV and CalendarServer/Apple live properties to the registry table.
void AddCalendarProperties(std::vector<LiveProperty>& table);

}  // namespace cartable::dav::caldav
