// A parsed calendar object (one VCALENDAR): parsed once where the bytes enter (validation of a
// PUT body, a stored copy read back, an incoming iTIP message), handed through the iTIP engine
// and scheduling, and serialised once when stored or sent. libical stays behind this type: its
// tree is reachable only from dav/caldav's .cc files (ical_internal.h, Vcal()).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "dav/status.h"

struct icalcomponent_impl;  // libical's icalcomponent

namespace cartable::dav::caldav {

// How many times the one parse function of dav/caldav (internal::ParseCalendar) has run in
// this process: a cheap relaxed counter, for tests asserting that a request parses its data
// once (tests/http/scheduling_test.cc). Never reset; compare differences.
uint64_t ParseCount();

class CalendarObject {
 public:
  CalendarObject();
  ~CalendarObject();
  CalendarObject(CalendarObject&& other) noexcept;
  CalendarObject& operator=(CalendarObject&& other) noexcept;
  CalendarObject(const CalendarObject&) = delete;
  CalendarObject& operator=(const CalendarObject&) = delete;

  // Parses `ics` as one VCALENDAR (counted by ParseCount). The text is kept: Text() returns
  // it byte for byte until the object is changed. Errors: kBadRequest (valid-calendar-data)
  // when it does not parse or is not a VCALENDAR. Syntax errors libical recovers from are left
  // for validation to report (ValidateCalendarObject).
  static Result<CalendarObject> Parse(std::string_view ics);

  // A deep copy (no parse); shares nothing with this object.
  CalendarObject Clone() const;

  bool empty() const { return vcal_ == nullptr; }

  // The iCalendar text: the parsed bytes while unchanged, else the tree serialised (CRLF, folded)
  // once and kept until the next change. Empty for an empty object.
  const std::string& Text() const;
  // Whether the tree was changed since it was parsed (Text() is then a serialisation).
  bool changed() const { return changed_; }

  // For dav/caldav's .cc files only: the VCALENDAR tree, owned by this object. Call Touch()
  // after changing it.
  icalcomponent_impl* Vcal() const { return vcal_.get(); }
  void Touch();
  // Takes ownership of a VCALENDAR tree built in memory (an iTIP message); changed() is true.
  static CalendarObject Adopt(icalcomponent_impl* vcal);

  // What a successful ValidateCalendarObject computed, with the options it ran under (ical.cc):
  // a body validated at the door, before the write transaction, is not validated again inside
  // it. Dropped by Touch().
  struct Validation;
  const Validation* validation() const { return validation_.get(); }
  void set_validation(std::shared_ptr<const Validation> v) { validation_ = std::move(v); }

 private:
  struct Deleter {
    void operator()(icalcomponent_impl* c) const;
  };
  std::unique_ptr<icalcomponent_impl, Deleter> vcal_;
  mutable std::string text_;
  mutable bool text_valid_ = false;
  bool changed_ = false;
  std::shared_ptr<const Validation> validation_;
};

// Whether a top-level component of `object` (not a VTIMEZONE) has an ORGANIZER property. Without
// one the object is no scheduling object resource (RFC 6638 §3.1): implicit scheduling has
// nothing to inspect, send or check, so a PUT of a plain event skips it.
bool HasOrganizer(const CalendarObject& object);

// The same question of iCalendar text, without parsing it: whether some logical line (RFC 5545
// §3.1 unfolding) is an ORGANIZER property (its name in any case, folded or not). False proves
// there is none; for the DELETE of a stored plain event, which is then not parsed at all.
bool MayHaveOrganizer(std::string_view ics);

}  // namespace cartable::dav::caldav
