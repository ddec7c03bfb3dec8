#include "dav/caldav/calendar_collection.h"

#include <algorithm>

#include "dav/caldav/calendar_settings.h"
#include "dav/caldav/ical.h"
#include "dav/property_registry.h"
#include "dav/target.h"
#include "dav/xml.h"
#include "server/http/message.h"

namespace cartable::dav::caldav {
namespace {

constexpr const char* kAllComponents[] = {"VEVENT", "VTODO", "VJOURNAL", "VFREEBUSY"};

bool GetComponentSet(const PropContext& c, XmlWriter& w) {
  for (const std::string& comp : ComponentSet(c.target.collection.settings)) {
    w.EmptyWithAttributes(ns::kCalDav, "comp", {{"name", comp}});
  }
  return true;
}

bool GetSupportedCalendarData(const PropContext&, XmlWriter& w) {
  w.EmptyWithAttributes(ns::kCalDav, "calendar-data",
                        {{"content-type", "text/calendar"}, {"version", "2.0"}});
  return true;
}

bool GetMaxResourceSize(const PropContext&, XmlWriter& w) {
  w.Text(std::to_string(kMaxCalendarResourceSize));
  return true;
}

bool GetMinDateTime(const PropContext&, XmlWriter& w) {
  w.Text(kMinDateTime);
  return true;
}

bool GetMaxDateTime(const PropContext&, XmlWriter& w) {
  w.Text(kMaxDateTime);
  return true;
}

bool GetCollationSet(const PropContext&, XmlWriter& w) {
  for (const char* c : {"i;ascii-casemap", "i;unicode-casemap", "i;octet"}) {
    w.TextElement(ns::kCalDav, "supported-collation", c);
  }
  return true;
}

bool GetCalendarData(const PropContext& c, XmlWriter& w) {
  std::optional<std::string> data = ObjectBody(c);
  if (!data) return false;
  if (c.calendar_data == nullptr) {
    w.Text(*data);
    return true;
  }
  const CalendarDataRequest& cd = *c.calendar_data;
  // expand and the limit sets evaluate floating and DATE values in the query's time zone, else
  // the calendar's (RFC 4791 §9.6.5, §9.8, §9.9); an object target's collection is its calendar.
  std::string zone = "UTC";
  if (cd.query_floating_tz) {
    zone = *cd.query_floating_tz;
  } else if (cd.expand || cd.limit_recurrence || cd.limit_freebusy) {
    zone = FloatingZoneOf(c.target.collection.settings.time_zone.value_or(""));
  }
  Result<std::string> rendered = RenderCalendarData(*data, cd, zone);
  if (!rendered.ok()) {
    // Unparsable stored data leaves the property out; a request bound fails the request.
    if (rendered.status().code() != Status::Code::kInternal) c.Fail(rendered.status());
    return false;
  }
  w.Text(*rendered);
  return true;
}

// Settable at creation only (MKCALENDAR, extended MKCOL; the row is protected otherwise): the comp
// names of the value, upper-cased, each one a component this server stores.
Status UpdateComponentSet(const Request&, const Target&, const pugi::xml_node& value,
                          store::CollectionSettings& settings) {
  std::vector<std::string> comps;
  for (pugi::xml_node c : value.children()) {
    if (!Is(c, ns::kCalDav, "comp")) continue;
    std::string name = c.attribute("name").value();
    std::transform(name.begin(), name.end(), name.begin(), ::toupper);
    if (std::find(std::begin(kAllComponents), std::end(kAllComponents), name) ==
        std::end(kAllComponents)) {
      return Status::Violates(Precondition::kSupportedCalendarComponent,
                              "calendars hold VEVENT, VTODO, VJOURNAL and VFREEBUSY, not \"" +
                                  name.substr(0, 40) + "\"");
    }
    if (std::find(comps.begin(), comps.end(), name) == comps.end()) comps.push_back(name);
  }
  if (value && comps.empty()) {
    return Status::Violates(Precondition::kSupportedCalendarComponent,
                            "supported-calendar-component-set names no component");
  }
  settings.components = std::move(comps);
  return Status::OK();
}

}  // namespace

std::vector<std::string> ComponentSet(const store::CollectionSettings& settings) {
  if (!settings.components.empty()) return settings.components;
  return {std::begin(kAllComponents), std::end(kAllComponents)};
}

Result<store::ObjectIndex> ValidateCalendarMember(
    const Request& req, const store::Collection& parent, const std::string& name,
    const store::Object* existing, std::string_view body, std::string_view content_type,
    CalendarObject* parsed) {
  std::string_view media = content_type.substr(0, content_type.find(';'));
  if (!http::EqualsIgnoreCase(http::Trim(media), "text/calendar")) {
    return Status::Violates(Precondition::kSupportedCalendarData,
                            "calendar collections hold text/calendar data only");
  }
  CalendarObject object;
  // A body parsed and validated at the door (dav/prepared_body.h) comes in `parsed`.
  Result<store::ObjectIndex> index =
      parsed != nullptr && !parsed->empty()
          ? ValidateForCalendar(req.session, parent, name, *parsed)
          : ValidateForCalendar(req.session, parent, name, body, &object);
  if (!index.ok()) return index;
  // A calendar object resource is one event (or to-do...) identified by its UID: replacing it
  // with another UID is not an update. RFC 4791 §5.3.2 lists no-uid-conflict for a UID held by
  // *another* resource; for the same URL CalendarServer refuses "Cannot change the UID in an
  // existing resource" with 403 valid-calendar-object-resource (the §4.1 rules), as we do.
  // Clients that mean a new event PUT it at a new URL (and DELETE the old one).
  if (existing != nullptr && !existing->index.uid.empty() && existing->index.uid != index->uid) {
    return Status::Violates(
        Precondition::kValidCalendarObjectResource,
        "the UID of an existing calendar object resource cannot change (it is " +
            existing->index.uid + ", the new data has " + index->uid + ")");
  }
  if (parsed != nullptr && !object.empty()) *parsed = std::move(object);
  return index;
}

namespace {

Result<ValidateOptions> OptionsFor(store::Session&, const store::Collection& parent) {
  ValidateOptions options;
  options.allowed_components = ComponentSet(parent.settings);
  options.max_resource_size = kMaxCalendarResourceSize;
  options.min_date_time = *ParseUtcDateTime(kMinDateTime);
  options.max_date_time = *ParseUtcDateTime(kMaxDateTime);
  return options;
}

// no-uid-conflict: one UID per calendar (RFC 4791 §5.3.2.1).
Status CheckUidFree(store::Session& session, const store::Collection& parent,
                    const std::string& name, const std::string& uid) {
  Result<store::Object> holder = session.FindObjectByUid(parent.id, uid);
  if (holder.ok() && holder->name != name) {
    return Status::Violates(Precondition::kNoUidConflict,
                            "the UID " + uid + " is already used in this calendar",
                            Href(parent.path + holder->name));
  }
  if (!holder.ok() && holder.status().code() != Status::Code::kNotFound) return holder.status();
  return Status::OK();
}

}  // namespace

Result<store::ObjectIndex> ValidateForCalendar(store::Session& session,
                                               const store::Collection& parent,
                                               const std::string& name, std::string_view body,
                                               CalendarObject* parsed) {
  Result<ValidateOptions> options = OptionsFor(session, parent);
  if (!options.ok()) return options.status();
  CalendarObject object;
  Result<store::ObjectIndex> index = ValidateCalendarObject(body, *options, &object);
  if (!index.ok()) return index;
  if (Status s = CheckUidFree(session, parent, name, index->uid); !s.ok()) return s;
  if (parsed != nullptr) *parsed = std::move(object);
  return index;
}

Result<store::ObjectIndex> ValidateForCalendar(store::Session& session,
                                               const store::Collection& parent,
                                               const std::string& name,
                                               const CalendarObject& parsed) {
  Result<ValidateOptions> options = OptionsFor(session, parent);
  if (!options.ok()) return options.status();
  Result<store::ObjectIndex> index = ValidateCalendarObject(parsed, *options);
  if (!index.ok()) return index;
  if (Status s = CheckUidFree(session, parent, name, index->uid); !s.ok()) return s;
  return index;
}

Status CreateDefaultCalendars(store::Session& session, const store::Collection& home) {
  struct Default {
    const char* segment;
    const char* name;
    const char* component;
  };
  for (const Default& d :
       {Default{"agenda", "Agenda", "VEVENT"}, Default{"taches", "Tâches", "VTODO"}}) {
    Result<store::Collection> c = session.CreateCollection(home.path + d.segment + "/", home.id,
                                                           home.owner_id, store::kKindCalendar);
    if (!c.ok()) return c.status();
    store::CollectionSettings settings;
    settings.display_name = d.name;
    settings.components = {d.component};
    if (Status s = session.SetCollectionSettings(c->id, settings); !s.ok()) return s;
  }
  // notifications/: sharing invitations (CS:notification-URL, dav/sharing/notification.h).
  for (auto [segment, kind] : {std::pair{"inbox/", store::kKindScheduleInbox},
                               std::pair{"outbox/", store::kKindScheduleOutbox},
                               std::pair{"notifications/", store::kKindNotifications}}) {
    Result<store::Collection> box =
        session.CreateCollection(home.path + segment, home.id, home.owner_id, kind);
    if (!box.ok()) return box.status();
  }
  return Status::OK();
}

void AddCalendarProperties(std::vector<LiveProperty>& table) {
  const std::string cal(ns::kCalDav);
  table.push_back({.name = {cal, "supported-calendar-component-set"},
                   .applies = kCalendar,
                   .settable_at_creation = true,
                   .get = GetComponentSet,
                   .update_setting = UpdateComponentSet});
  table.push_back({.name = {cal, "supported-calendar-data"},
                   .applies = kCalendar,
                   .get = GetSupportedCalendarData});
  table.push_back(
      {.name = {cal, "max-resource-size"}, .applies = kCalendar, .get = GetMaxResourceSize});
  table.push_back({.name = {cal, "min-date-time"}, .applies = kCalendar, .get = GetMinDateTime});
  table.push_back({.name = {cal, "max-date-time"}, .applies = kCalendar, .get = GetMaxDateTime});
  table.push_back(
      {.name = {cal, "supported-collation-set"}, .applies = kCalendar, .get = GetCollationSet});
  // Calendar objects and inbox messages (RFC 6638 §2.2.1).
  table.push_back(
      {.name = {cal, "calendar-data"}, .applies = kCalendarData, .get = GetCalendarData});
  AddCalendarSettingProperties(table);
}

}  // namespace cartable::dav::caldav
