// The human part of an iMIP mail (RFC 6047 §2.4 recommends one): a short French summary of an
// iTIP message, for colleagues outside the academy and mail-only clients.
#pragma once

#include <string>
#include <string_view>

#include "dav/caldav/ical_object.h"
#include "dav/status.h"

namespace cartable::dav::caldav {

struct ImipText {
  std::string subject;  // "Invitation : Conseil de classe 3e B (mar. 1er déc. 2026 17:00)"
  std::string body;     // UTF-8, LF line ends, lines under 78 characters where possible
};

// Describes the iTIP message `itip` (a VCALENDAR with METHOD REQUEST, ADD, CANCEL or REPLY and
// one UID) in French:
//   what (SUMMARY, "(sans titre)" if none), when (the first instance's start and end in
//   Europe/Paris, "mardi 1er décembre 2026, 17:00 – 18:30 (heure de Paris)"; all-day events as
//   dates; a recurring event says so, "(répétition hebdomadaire)" etc.), where (LOCATION),
//   who organises (ORGANIZER CN and address), the attendees; for REPLY who answered and what
//   ("Jean Labert a accepté"); for CANCEL that it is cancelled ("Annulé : ..." subject).
// The component described is the first VEVENT/VTODO without RECURRENCE-ID, else the first
// one; a VTODO's DUE is shown as "Échéance". Other methods (PUBLISH, ...) get a neutral
// "Calendrier : ..." subject. Field values are made single-line; long ones wrap at 76
// characters, continuation lines aligned under the value.
// Errors: kBadRequest if `itip` does not parse or has no VEVENT/VTODO.
Result<ImipText> DescribeItip(std::string_view itip);
// The same on a parsed message (no parse: scheduling describes what it is about to send).
Result<ImipText> DescribeItip(const CalendarObject& itip);

}  // namespace cartable::dav::caldav
