// The RFC 6638 live properties: principal addresses and boxes, the inbox's default calendar,
// calendars' schedule-calendar-transp and objects' schedule-tag.
#include "dav/scheduling/scheduling_properties.h"

#include "dav/scheduling/delivery.h"
#include "dav/target.h"
#include "dav/xml.h"
#include "server/http/path.h"

namespace cartable::dav::scheduling {
namespace {

using T = NodeType;

bool IsPrincipal(const Target& t) { return t.type == T::kPrincipal; }
bool IsInbox(const Target& t) {
  return t.type == T::kCollection && t.collection.kind == store::kKindScheduleInbox;
}
bool IsCalendar(const Target& t) {
  return t.type == T::kCollection && t.collection.kind == store::kKindCalendar;
}
bool IsCalendarObject(const Target& t) {
  return t.type == T::kObject && t.collection.kind == store::kKindCalendar;
}

void WriteHref(XmlWriter& w, const std::string& path) { w.TextElement(ns::kDav, "href", Href(path)); }

bool GetInboxUrl(const PropContext& c, XmlWriter& w) {
  WriteHref(w, HomePath(CalendarArea(), c.target.owner->login) + "inbox/");
  return true;
}

bool GetOutboxUrl(const PropContext& c, XmlWriter& w) {
  WriteHref(w, HomePath(CalendarArea(), c.target.owner->login) + "outbox/");
  return true;
}

bool GetUserType(const PropContext&, XmlWriter& w) {
  w.Text("INDIVIDUAL");
  return true;
}

// The one element child of a property element, or an empty node.
pugi::xml_node OnlyChild(const pugi::xml_node& prop) {
  pugi::xml_node found;
  for (pugi::xml_node c : prop.children()) {
    if (c.type() != pugi::node_element) continue;
    if (found) return pugi::xml_node();
    found = c;
  }
  return found;
}

std::string StoredHref(const store::DeadProperty* stored) {
  if (stored == nullptr) return "";
  Result<std::unique_ptr<pugi::xml_document>> doc = ParseXml(stored->xml);
  if (!doc.ok()) return "";
  pugi::xml_node href = OnlyChild((*doc)->document_element());
  return http::DecodePath(href.child_value()).value_or("");
}

bool GetDefaultCalendar(const PropContext& c, XmlWriter& w) {
  std::string path = StoredHref(c.Stored(ns::kCalDav, "schedule-default-calendar-URL"));
  if (path.empty() || !c.req.session.GetCollection(path).ok()) {
    Result<store::Collection> chosen =
        internal::DefaultCalendar(c.req.session, *c.target.owner, "VEVENT");
    if (!chosen.ok()) return false;
    path = chosen->path;
  }
  WriteHref(w, path);
  return true;
}

Status ValidateDefaultCalendar(const Request& req, const Target& t, const pugi::xml_node& value) {
  pugi::xml_node href = OnlyChild(value);
  std::optional<std::string> path =
      Is(href, ns::kDav, "href") ? http::DecodePath(href.child_value()) : std::nullopt;
  Result<store::Collection> c = path ? req.session.GetCollection(*path)
                                     : Result<store::Collection>(Status::NotFound(""));
  if (!c.ok() || c->kind != store::kKindCalendar || c->owner_id != t.owner->id) {
    return Status::Violates(Precondition::kValidScheduleDefaultCalendarUrl,
                            "the default calendar must be one of your calendars");
  }
  return Status::OK();
}

bool GetCalendarTransp(const PropContext& c, XmlWriter& w) {
  const store::DeadProperty* stored = c.Stored(ns::kCalDav, "schedule-calendar-transp");
  bool transparent = stored && stored->xml.find("transparent") != std::string::npos;
  w.Empty(ns::kCalDav, transparent ? "transparent" : "opaque");
  return true;
}

Status ValidateCalendarTransp(const Request&, const Target&, const pugi::xml_node& value) {
  pugi::xml_node v = OnlyChild(value);
  if (Is(v, ns::kCalDav, "opaque") || Is(v, ns::kCalDav, "transparent")) return Status::OK();
  return Status::Violates(Precondition::kValidScheduleCalendarTransp,
                          "schedule-calendar-transp is opaque or transparent");
}

bool GetScheduleTag(const PropContext& c, XmlWriter& w) {
  Result<std::string> tag = c.req.session.GetScheduleTag(c.target.object.id);
  if (!tag.ok() || tag->empty()) return false;
  w.Text(*tag);
  return true;
}

}  // namespace

void AddSchedulingProperties(std::vector<LiveProperty>& table) {
  const std::string cal(ns::kCalDav);
  table.push_back({{cal, "schedule-inbox-URL"}, false, true, false, IsPrincipal, GetInboxUrl});
  table.push_back({{cal, "schedule-outbox-URL"}, false, true, false, IsPrincipal, GetOutboxUrl});
  table.push_back({{cal, "calendar-user-type"}, false, true, false, IsPrincipal, GetUserType});
  LiveProperty default_calendar{{cal, "schedule-default-calendar-URL"}, false, false, false,
                                IsInbox, GetDefaultCalendar};
  default_calendar.needs_stored = true;
  default_calendar.validate = ValidateDefaultCalendar;
  table.push_back(default_calendar);
  LiveProperty transp{{cal, "schedule-calendar-transp"}, false, false, false, IsCalendar,
                      GetCalendarTransp};
  transp.needs_stored = true;
  transp.validate = ValidateCalendarTransp;
  transp.settable_at_creation = true;
  table.push_back(transp);
  table.push_back({{cal, "schedule-tag"}, false, true, false, IsCalendarObject, GetScheduleTag});
}

}  // namespace cartable::dav::scheduling
