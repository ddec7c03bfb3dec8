#include "dav/caldav/calendar_collection.h"

#include <algorithm>

#include "dav/caldav/ical.h"
#include "dav/property_registry.h"
#include "dav/target.h"
#include "dav/xml.h"
#include "server/http/message.h"

namespace cartable::dav::caldav {
namespace {

constexpr const char* kAllComponents[] = {"VEVENT", "VTODO", "VJOURNAL", "VFREEBUSY"};

bool IsCalendar(const Target& t) {
  return t.type == NodeType::kCollection && t.collection.kind == store::kKindCalendar;
}
bool IsCalendarObject(const Target& t) {
  return t.type == NodeType::kObject && HoldsCalendarData(t.collection.kind);
}

bool GetComponentSet(const PropContext& c, XmlWriter& w) {
  for (const std::string& comp : ComponentSet(*c.stored)) {
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
  Result<std::string> rendered = RenderCalendarData(*data, *c.calendar_data);
  if (!rendered.ok()) return false;
  w.Text(*rendered);
  return true;
}

// Parses the comp names out of a stored supported-calendar-component-set fragment.
std::vector<std::string> ParseComponents(const std::string& xml) {
  std::vector<std::string> out;
  Result<std::unique_ptr<pugi::xml_document>> doc = ParseXml(xml);
  if (!doc.ok()) return out;
  for (pugi::xml_node c : (*doc)->document_element().children()) {
    if (!Is(c, ns::kCalDav, "comp")) continue;
    std::string name = c.attribute("name").value();
    std::transform(name.begin(), name.end(), name.begin(), ::toupper);
    if (!name.empty()) out.push_back(name);
  }
  return out;
}

}  // namespace

bool HoldsCalendarData(std::string_view kind) {
  return kind == store::kKindCalendar || kind == store::kKindScheduleInbox;
}

std::vector<std::string> ComponentSet(const std::vector<store::DeadProperty>& stored) {
  for (const store::DeadProperty& p : stored) {
    if (p.ns == ns::kCalDav && p.local == "supported-calendar-component-set") {
      std::vector<std::string> comps = ParseComponents(p.xml);
      if (!comps.empty()) return comps;
    }
  }
  return {std::begin(kAllComponents), std::end(kAllComponents)};
}

store::DeadProperty ComponentSetProperty(const std::vector<std::string>& components) {
  std::string xml = "<C:supported-calendar-component-set xmlns:C=\"urn:ietf:params:xml:ns:caldav\">";
  for (const std::string& c : components) xml += "<C:comp name=\"" + c + "\"/>";
  xml += "</C:supported-calendar-component-set>";
  return {std::string(ns::kCalDav), "supported-calendar-component-set", xml};
}

Result<store::ObjectIndex> ValidateCalendarMember(const Request& req,
                                                  const store::Collection& parent,
                                                  const std::string& name,
                                                  const store::Object*,
                                                  std::string_view body,
                                                  std::string_view content_type) {
  std::string_view media = content_type.substr(0, content_type.find(';'));
  if (!http::EqualsIgnoreCase(http::Trim(media), "text/calendar")) {
    return Status::Violates(Precondition::kSupportedCalendarData,
                            "calendar collections hold text/calendar data only");
  }
  return ValidateForCalendar(req.session, parent, name, body);
}

Result<store::ObjectIndex> ValidateForCalendar(store::Session& session,
                                               const store::Collection& parent,
                                               const std::string& name, std::string_view body) {
  Result<std::vector<store::DeadProperty>> stored =
      session.GetProperties(store::Owner::kCollection, parent.id);
  if (!stored.ok()) return stored.status();
  ValidateOptions options;
  options.allowed_components = ComponentSet(*stored);
  options.max_resource_size = kMaxCalendarResourceSize;
  options.min_date_time = *ParseUtcDateTime(kMinDateTime);
  options.max_date_time = *ParseUtcDateTime(kMaxDateTime);
  Result<store::ObjectIndex> index = ValidateCalendarObject(body, options);
  if (!index.ok()) return index;
  Result<store::Object> holder = session.FindObjectByUid(parent.id, index->uid);
  if (holder.ok() && holder->name != name) {
    return Status::Violates(Precondition::kNoUidConflict,
                            "the UID " + index->uid + " is already used in this calendar",
                            Href(parent.path + holder->name));
  }
  if (!holder.ok() && holder.status().code() != Status::Code::kNotFound) return holder.status();
  return index;
}

Status CreateDefaultCalendars(store::Session& session, const store::Collection& home) {
  struct Default {
    const char* segment;
    const char* name;
    const char* component;
  };
  for (const Default& d : {Default{"agenda", "Agenda", "VEVENT"},
                           Default{"taches", "Tâches", "VTODO"}}) {
    Result<store::Collection> c = session.CreateCollection(
        home.path + d.segment + "/", home.id, home.owner_id, store::kKindCalendar);
    if (!c.ok()) return c.status();
    std::string display = "<D:displayname xmlns:D=\"DAV:\">";
    AppendEscaped(display, d.name);
    display += "</D:displayname>";
    Status s = session.SetProperty(store::Owner::kCollection, c->id,
                                   {std::string(ns::kDav), "displayname", display});
    if (s.ok()) s = session.SetProperty(store::Owner::kCollection, c->id, ComponentSetProperty({d.component}));
    if (!s.ok()) return s;
  }
  for (auto [segment, kind] : {std::pair{"inbox/", store::kKindScheduleInbox},
                               std::pair{"outbox/", store::kKindScheduleOutbox}}) {
    Result<store::Collection> box =
        session.CreateCollection(home.path + segment, home.id, home.owner_id, kind);
    if (!box.ok()) return box.status();
  }
  return Status::OK();
}

void AddCalendarProperties(std::vector<LiveProperty>& table) {
  const std::string cal(ns::kCalDav);
  LiveProperty comps{{cal, "supported-calendar-component-set"}, false, true, false, IsCalendar,
                     GetComponentSet};
  comps.settable_at_creation = true;
  comps.needs_stored = true;
  table.push_back(comps);
  table.push_back({{cal, "supported-calendar-data"}, false, true, false, IsCalendar,
                   GetSupportedCalendarData});
  table.push_back({{cal, "max-resource-size"}, false, true, false, IsCalendar, GetMaxResourceSize});
  table.push_back({{cal, "min-date-time"}, false, true, false, IsCalendar, GetMinDateTime});
  table.push_back({{cal, "max-date-time"}, false, true, false, IsCalendar, GetMaxDateTime});
  table.push_back({{cal, "supported-collation-set"}, false, true, false, IsCalendar, GetCollationSet});
  table.push_back({{cal, "calendar-data"}, false, true, false, IsCalendarObject, GetCalendarData});
}

}  // namespace cartable::dav::caldav
