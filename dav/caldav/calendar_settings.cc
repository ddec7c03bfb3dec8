#include "dav/caldav/calendar_settings.h"

#include <cctype>
#include <charconv>

#include "dav/caldav/ical.h"
#include "dav/resource_kind.h"
#include "dav/sharing/mount_settings.h"
#include "dav/target.h"
#include "dav/xml.h"

namespace cartable::dav::caldav {
namespace {

std::string_view TrimSpace(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

bool GetDescription(const PropContext& c, XmlWriter& w) {
  const auto& v = c.target.collection.settings.description;
  if (!v) return false;
  w.Text(*v);
  return true;
}

// xml:lang is not kept: one description per calendar, in the language the client wrote it.
Status UpdateDescription(const Request&, const Target&, const pugi::xml_node& value,
                         store::CollectionSettings& s) {
  s.description = value ? std::optional(ElementText(value)) : std::nullopt;
  return Status::OK();
}

bool GetTimezone(const PropContext& c, XmlWriter& w) {
  const auto& v = c.target.collection.settings.time_zone;
  if (!v) return false;
  w.Text(*v);
  return true;
}

Status UpdateTimezone(const Request&, const Target&, const pugi::xml_node& value,
                      store::CollectionSettings& s) {
  if (!value) {
    s.time_zone.reset();
    return Status::OK();
  }
  std::string text = ElementText(value);
  if (Status st = ValidateTimezoneObject(text); !st.ok()) return st;
  s.time_zone = std::move(text);
  return Status::OK();
}

// Colour and order on a share mount are the sharee's own (dav/sharing/mount_settings.h).
bool GetColor(const PropContext& c, XmlWriter& w) {
  const auto v = sharing::SettingsSeen(c.target).color;
  if (!v) return false;
  w.Text(*v);
  return true;
}

// Apple's symbolic-color attribute is not kept: clients read the value only.
Status UpdateColor(const Request&, const Target&, const pugi::xml_node& value,
                   store::CollectionSettings& s) {
  if (!value) {
    s.color.reset();
    return Status::OK();
  }
  std::string text = ElementText(value);
  std::string_view color = TrimSpace(text);
  if (!IsCalendarColor(color)) {
    return Status::Conflict("calendar-color must be #RRGGBB or #RRGGBBAA, not \"" +
                            std::string(color.substr(0, 40)) + "\"");
  }
  s.color = std::string(color);
  return Status::OK();
}

bool GetOrder(const PropContext& c, XmlWriter& w) {
  const auto v = sharing::SettingsSeen(c.target).order;
  if (!v) return false;
  w.Text(std::to_string(*v));
  return true;
}

Status UpdateOrder(const Request&, const Target&, const pugi::xml_node& value,
                   store::CollectionSettings& s) {
  if (!value) {
    s.order.reset();
    return Status::OK();
  }
  std::string text = ElementText(value);
  std::string_view digits = TrimSpace(text);
  int64_t order = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), order);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) {
    return Status::Conflict("calendar-order must be an integer, not \"" +
                            std::string(digits.substr(0, 40)) + "\"");
  }
  s.order = order;
  return Status::OK();
}

}  // namespace

bool IsCalendarColor(std::string_view text) {
  if ((text.size() != 7 && text.size() != 9) || text[0] != '#') return false;
  for (char c : text.substr(1)) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

void AddCalendarSettingProperties(std::vector<LiveProperty>& table) {
  const std::string cal(ns::kCalDav), apple(ns::kApple);
  // RFC 4791 §5.2.1-2: description and time zone SHOULD NOT be in allprop. Elsewhere than on
  // calendars these names are dead properties.
  table.push_back({.name = {cal, "calendar-description"},
                   .applies = kCalendar,
                   .is_protected = false,
                   .dead_elsewhere = true,
                   .get = GetDescription,
                   .update_setting = UpdateDescription});
  table.push_back({.name = {cal, "calendar-timezone"},
                   .applies = kCalendar,
                   .is_protected = false,
                   .dead_elsewhere = true,
                   .get = GetTimezone,
                   .update_setting = UpdateTimezone});
  // Returned by allprop, as when they were dead properties.
  table.push_back({.name = {apple, "calendar-color"},
                   .applies = kCalendar,
                   .in_allprop = true,
                   .is_protected = false,
                   .dead_elsewhere = true,
                   .get = GetColor,
                   .update_setting = UpdateColor});
  table.push_back({.name = {apple, "calendar-order"},
                   .applies = kCalendar,
                   .in_allprop = true,
                   .is_protected = false,
                   .dead_elsewhere = true,
                   .get = GetOrder,
                   .update_setting = UpdateOrder});
}

}  // namespace cartable::dav::caldav
