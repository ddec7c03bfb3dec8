// The iTIP engine (RFC 5546) for CalDAV scheduling (RFC 6638) and iMIP (RFC 6047): what a
// calendar object says about scheduling, the messages an organizer or attendee change produces,
// and applying received messages to a copy. Bytes in, bytes out; libical stays in dav/caldav.
//
// Calendar user addresses are compared normalised (NormalizeAddress): "MAILTO:Jean@X.fr" and
// "mailto:jean@x.fr" are the same person. Instances are named by a recurrence key: "" for the
// master component, else the RECURRENCE-ID as UTC "20261201T160000Z" (floating and DATE values
// as written, "20261201T160000" / "20261201").
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dav/caldav/ical.h"
#include "dav/status.h"

namespace cartable::dav::caldav {

// "mailto:" + the lowercase address for mailto: addresses (any case of the scheme); other URIs
// unchanged but trimmed.
std::string NormalizeAddress(std::string_view address);
// The bare mail address of a mailto: URI ("" for other URIs).
std::string MailAddress(std::string_view address);

struct ItipAttendee {
  std::string address;         // normalised
  std::string name;            // CN
  std::string partstat;        // upper case; "NEEDS-ACTION" when absent
  std::string schedule_agent;  // "SERVER" (default), "CLIENT", "NONE"
  std::string force_send;      // SCHEDULE-FORCE-SEND ("REQUEST", "REPLY") or ""
  std::string cutype;          // CUTYPE, upper case; "INDIVIDUAL" when absent
};

// One component of the object: the master or an override.
struct ItipComponent {
  std::string recurrence_key;   // "" = master
  std::string organizer;        // normalised; "" = none
  std::string organizer_name;   // CN
  std::string organizer_agent;  // SCHEDULE-AGENT of ORGANIZER ("SERVER" default)
  std::string organizer_force_send;
  std::vector<ItipAttendee> attendees;  // deduplicated by address (first wins)
  // What attendees must be told about when it changes: times, recurrence, summary, location,
  // description, status and the set of attendees (never PARTSTATs, alarms, DTSTAMP, X-props).
  std::string signature;
  bool cancelled = false;  // STATUS:CANCELLED
  int sequence = 0;

  const ItipAttendee* FindAttendee(const std::string& address) const;
};

struct SchedulingInfo {
  std::string uid;
  std::string component;  // "VEVENT", "VTODO", ...
  std::string method;     // METHOD ("" for a calendar object resource)
  // The organizer, normalised: the master's, else the first override's that names one. A
  // personal series with one occurrence turned into a meeting (Apple Calendar, Thunderbird)
  // has an ORGANIZER on that override only.
  std::string organizer;
  // Every component that names an ORGANIZER names the same one (RFC 6638 §3.2.4.1: "when
  // present"); components without one do not count.
  bool same_organizer = true;
  std::vector<ItipComponent> components;  // master first when there is one

  // The component with `key`, or nullptr.
  const ItipComponent* Find(const std::string& key) const;
  // The component whose ORGANIZER property speaks for the organizer (its CN, SCHEDULE-AGENT):
  // the first (master first) that names `organizer`, else the first one. Never call on an
  // empty `components` (InspectScheduling never returns one).
  const ItipComponent& OrganizerComponent() const;
  // Whether `address` is an attendee of any component.
  bool HasAttendee(const std::string& address) const;
  // Every attendee address of any component, once, in order of appearance.
  std::vector<std::string> AttendeeAddresses() const;
  // A scheduling object resource (RFC 6638 §3.1): an ORGANIZER and at least one ATTENDEE.
  bool IsSchedulingObject() const;
};

// Reads the scheduling view of a calendar object or iTIP message (no parse).
// Errors: kBadRequest (valid-calendar-data) when it is empty or has no UID component.
Result<SchedulingInfo> InspectScheduling(const CalendarObject& cal);

// ---- messages (each returns a whole VCALENDAR with METHOD; serialised when stored or sent) ----

// The REQUEST (or ADD) an organizer's object sends to `attendee`: the components the attendee
// takes part in (a master they are not in is left out; an override they are not in becomes an
// EXDATE of the master), without VALARMs, SCHEDULE-* parameters or organizer-private data.
// Errors: kNotFound when `attendee` is in no component.
Result<CalendarObject> BuildRequest(const CalendarObject& organizer, const std::string& attendee,
                                    const std::string& method = "REQUEST");

// The CANCEL for `attendee`: every component they take part in (`keys` empty), or only the
// instances `keys` (built from the master when not overridden), with STATUS:CANCELLED. Keeps the
// VTIMEZONEs (docs/clients.md #8). `organizer` is not changed.
Result<CalendarObject> BuildCancel(const CalendarObject& organizer, const std::string& attendee,
                                   const std::vector<std::string>& keys = {});

// The REPLY of `attendee` from their copy: for each component in `keys` (empty = every
// component), ORGANIZER, the attendee alone with their PARTSTAT, times, SUMMARY, SEQUENCE,
// RECURRENCE-ID (docs/clients.md #8: ORGANIZER is always present).
Result<CalendarObject> BuildReply(const CalendarObject& copy, const std::string& attendee,
                                  const std::vector<std::string>& keys = {});

// ---- applying messages to copies (in place; on an error the copy may be partly changed and
// is to be dropped) ----

// The organizer's copy after a REPLY: the replying attendee's PARTSTAT set on every component
// the reply names (an instance without an override gets one, made from the master). Attendees
// the organizer did not invite are refused: kForbidden. `*changed` says whether any PARTSTAT
// moved. The SCHEDULE-STATUS of that attendee becomes 2.0.
Status ApplyReply(CalendarObject& organizer, const CalendarObject& reply,
                  const std::string& attendee, bool* changed);

// The attendee's copy after a REQUEST/ADD: the organizer's data (METHOD removed), keeping the
// attendee's own VALARMs and TRANSP from `existing` (their previous copy; null when none).
Result<CalendarObject> ApplyRequest(const CalendarObject* existing, const CalendarObject& request);

// The attendee's copy after a CANCEL: everything STATUS:CANCELLED, or, for instance keys, those
// instances removed (EXDATE on the master, overrides dropped).
Status ApplyCancel(CalendarObject& existing, const CalendarObject& cancel);

// Sets `attendee`'s PARTSTAT in the instance `key` ("" = master and every override where they
// are listed; an instance without an override gets one). kNotFound when they are not invited.
Status SetPartstat(CalendarObject& cal, const std::string& attendee, const std::string& partstat,
                   const std::string& key = "");

// Every ATTENDEE of `cal` whose address is `from` (normalised) now names `to` instead, its
// parameters kept. kNotFound when `from` is not listed.
Status RenameAttendee(CalendarObject& cal, const std::string& from, const std::string& to);

// Scheduling on someone's behalf (RFC 5545 §3.2.18 SENT-BY; a delegate or a read-write sharee
// writing in the owner's calendar). SetOrganizer: every ORGANIZER names `address` with SENT-BY
// `sent_by` ("" removes the parameter); CN becomes `name` where the address changes. The object
// is left untouched (same bytes) when it already says so. SetAttendeeSentBy: the same for
// SENT-BY on every ATTENDEE whose address is `attendee` (normalised); kNotFound when none.
Status SetOrganizer(CalendarObject& cal, const std::string& address, const std::string& name,
                    const std::string& sent_by);
Status SetAttendeeSentBy(CalendarObject& cal, const std::string& attendee,
                         const std::string& sent_by);

// The organizer's new copy `into` with the attendees' answers of `from` (their previous copy)
// carried over wherever the organizer changed nothing attendees care about (same signature):
// an organizer's client that saved a stale copy does not undo replies processed meanwhile
// (RFC 6638 §3.2.10). `organizer` keeps their own answer. `*changed` says whether any moved;
// when none did, `into` keeps its bytes.
Status CarryAnswers(const CalendarObject& from, CalendarObject& into, const std::string& organizer,
                    bool* changed);

// Sets SCHEDULE-STATUS on the ATTENDEE properties named in `status` (address -> "1.2"), in
// every component, and removes every SCHEDULE-FORCE-SEND parameter (RFC 6638 §3.2.4).
void SetScheduleStatus(CalendarObject& cal, const std::map<std::string, std::string>& status);
// Sets SCHEDULE-STATUS on ORGANIZER (the attendee's copy after sending a reply).
void SetOrganizerScheduleStatus(CalendarObject& cal, const std::string& status);

// Replaces "METHOD:..." (or removes it when `method` is ""), keeping everything else.
Result<std::string> WithMethod(std::string_view ics, const std::string& method);

// ---- free/busy (RFC 6638 §5, RFC 5546 §3.3) ----

struct FreeBusyRequest {
  std::string uid;
  std::string organizer;               // normalised
  std::vector<std::string> attendees;  // normalised, once each
  int64_t start = 0;                   // UTC seconds
  int64_t end = 0;
};

// Reads a METHOD:REQUEST VFREEBUSY. Errors: valid-calendar-data when it does not parse;
// kBadRequest (valid-scheduling-message) without METHOD:REQUEST, one VFREEBUSY, ORGANIZER,
// ATTENDEE, DTSTART and DTEND (end after start).
Result<FreeBusyRequest> ParseFreeBusyRequest(std::string_view ics);

// The METHOD:REPLY VFREEBUSY answering `request` for `attendee` with `busy` (no VTIMEZONE,
// docs/clients.md #9).
std::string FreeBusyReply(const FreeBusyRequest& request, const std::string& attendee,
                          const std::vector<BusyPeriod>& busy);

// The recurrence key of the instance starting at UTC `start` of a recurring master, in the
// master's form (as ApplyReply/SetPartstat expect), or "" when `ics` has no such master.
std::string RecurrenceKeyAt(const CalendarObject& cal, int64_t start);

}  // namespace cartable::dav::caldav
