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
  text_valid_ = false;
  text_.clear();
}

CalendarObject CalendarObject::Adopt(icalcomponent_impl* vcal) {
  CalendarObject out;
  out.vcal_.reset(vcal);
  out.changed_ = true;
  return out;
}

}  // namespace cartable::dav::caldav
