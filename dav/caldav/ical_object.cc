// The parsed calendar object: ownership of the libical tree and its text.
#include "dav/caldav/ical_object.h"

#include "dav/caldav/ical_internal.h"

namespace cartable::dav::caldav {

CalendarObject::CalendarObject() = default;
CalendarObject::~CalendarObject() = default;
CalendarObject::CalendarObject(CalendarObject&& other) noexcept = default;
CalendarObject& CalendarObject::operator=(CalendarObject&& other) noexcept = default;

void CalendarObject::Deleter::operator()(icalcomponent_impl* c) const { icalcomponent_free(c); }

Result<CalendarObject> CalendarObject::Parse(std::string_view ics) {
  internal::ComponentPtr vcal = internal::ParseCalendar(ics);
  if (!vcal) {
    return Status::Violates(Precondition::kValidCalendarData, "the calendar data does not parse");
  }
  CalendarObject out;
  out.vcal_.reset(vcal.release());
  out.text_.assign(ics);
  out.text_valid_ = true;
  return out;
}

CalendarObject CalendarObject::Clone() const {
  CalendarObject out;
  if (vcal_) out.vcal_.reset(icalcomponent_new_clone(vcal_.get()));
  out.text_ = text_;
  out.text_valid_ = text_valid_;
  out.changed_ = changed_;
  out.validation_ = validation_;  // the same tree
  return out;
}

const std::string& CalendarObject::Text() const {
  if (!text_valid_) {
    text_ = vcal_ ? internal::Serialize(vcal_.get()) : std::string();
    text_valid_ = true;
  }
  return text_;
}

void CalendarObject::Touch() {
  changed_ = true;
  validation_.reset();
  text_valid_ = false;
  text_.clear();
}

CalendarObject CalendarObject::Adopt(icalcomponent_impl* vcal) {
  CalendarObject out;
  out.vcal_.reset(vcal);
  out.changed_ = true;
  return out;
}

bool HasOrganizer(const CalendarObject& object) {
  if (object.empty()) return false;
  icalcomponent* vcal = object.Vcal();
  for (icalcomponent* c = icalcomponent_get_first_component(vcal, ICAL_ANY_COMPONENT); c;
       c = icalcomponent_get_next_component(vcal, ICAL_ANY_COMPONENT)) {
    if (icalcomponent_isa(c) == ICAL_VTIMEZONE_COMPONENT) continue;
    if (icalcomponent_get_first_property(c, ICAL_ORGANIZER_PROPERTY)) return true;
  }
  return false;
}

bool MayHaveOrganizer(std::string_view ics) {
  constexpr std::string_view kName = "ORGANIZER";
  // At each line start, the logical line's first characters, skipping folds (CRLF or LF, then
  // a space or a tab) and CRs: a property name may be folded anywhere, even inside.
  size_t pos = 0;
  while (pos < ics.size()) {
    size_t i = pos;
    size_t matched = 0;
    while (i < ics.size() && matched <= kName.size()) {
      char c = ics[i];
      if (c == '\r') {
        ++i;
        continue;
      }
      if (c == '\n') {
        if (i + 1 < ics.size() && (ics[i + 1] == ' ' || ics[i + 1] == '\t')) {
          i += 2;  // a fold: the logical line goes on
          continue;
        }
        break;  // the logical line ended
      }
      if (matched == kName.size()) {
        if (c == ':' || c == ';') return true;
        break;
      }
      if ((c & ~0x20) != kName[matched]) break;  // ASCII letters only in the name
      ++matched;
      ++i;
    }
    // The next physical line that does not continue a fold.
    size_t eol = ics.find('\n', i);
    while (eol != std::string_view::npos && eol + 1 < ics.size() &&
           (ics[eol + 1] == ' ' || ics[eol + 1] == '\t')) {
      eol = ics.find('\n', eol + 1);
    }
    if (eol == std::string_view::npos) break;
    pos = eol + 1;
  }
  return false;
}

}  // namespace cartable::dav::caldav
