// The RFC 6638 live properties: principal addresses and boxes, the inbox's default calendar,
// calendars' schedule-calendar-transp and objects' schedule-tag.
#include "dav/scheduling/scheduling_properties.h"

#include "dav/scheduling/delivery.h"
#include "dav/sharing/mount_settings.h"
#include "dav/target.h"
#include "dav/xml.h"
#include "server/http/path.h"

namespace cartable::dav::scheduling {
namespace {

// Scheduling object resources live in calendars only (RFC 6638 §3.2.10), not in the inbox.
constexpr KindSet kScheduleTagged = kCalendarObject;

void WriteHref(XmlWriter& w, const std::string& path) {
  w.TextElement(ns::kDav, "href", Href(path));
}

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

bool GetDefaultCalendar(const PropContext& c, XmlWriter& w) {
  std::string path;
  if (store::Id id = c.target.collection.settings.default_calendar_id; id != 0) {
    Result<store::Collection> chosen = c.req.session.GetCollectionById(id);
    if (chosen.ok()) path = chosen->path;
  }
  if (path.empty()) {  // RFC 6638 §9.2: the server picks one when the client did not
    Result<store::Collection> chosen =
        internal::DefaultCalendar(c.req.session, *c.target.owner, "VEVENT");
    if (!chosen.ok()) return false;
    path = chosen->path;
  }
  WriteHref(w, path);
  return true;
}

}  // namespace

Status KeepDefaultCalendar(const Request& req, const Target& calendar, bool moving) {
  if (moving || !calendar.owner || calendar.area == nullptr) return Status::OK();
  const store::Id id = calendar.collection.id;
  bool needed = false;
  Result<store::Collection> inbox =
      req.session.GetCollection(HomePath(*calendar.area, calendar.owner->login) + "inbox/");
  if (inbox.ok()) needed = inbox->settings.default_calendar_id == id;
  if (!needed) {
    Result<store::Collection> chosen =
        internal::DefaultCalendar(req.session, *calendar.owner, "VEVENT");
    needed = chosen.ok() && chosen->id == id;
  }
  if (!needed) return Status::OK();
  return Status::Violates(Precondition::kDefaultCalendarNeeded,
                          "this calendar receives your invitations "
                          "(schedule-default-calendar-URL); name another calendar the default "
                          "first",
                          Href(calendar.path));
}

namespace {

// Removing it returns to the server's choice (the first calendar taking events).
Status UpdateDefaultCalendar(const Request& req, const Target& t, const pugi::xml_node& value,
                             store::CollectionSettings& settings) {
  if (!value) {
    settings.default_calendar_id = 0;
    return Status::OK();
  }
  pugi::xml_node href = OnlyChild(value);
  std::optional<std::string> path =
      Is(href, ns::kDav, "href") ? http::DecodePath(href.child_value()) : std::nullopt;
  Result<store::Collection> c =
      path ? req.session.GetCollection(*path) : Result<store::Collection>(Status::NotFound(""));
  if (!c.ok() || c->kind != store::kKindCalendar || c->owner_id != t.owner->id) {
    return Status::Violates(Precondition::kValidScheduleDefaultCalendarUrl,
                            "the default calendar must be one of your calendars");
  }
  settings.default_calendar_id = c->id;
  return Status::OK();
}

// RFC 6638 §9.1: opaque unless set otherwise (also after a DAV:remove).
// On a share mount, the sharee's own (dav/sharing/mount_settings.h).
bool GetCalendarTransp(const PropContext& c, XmlWriter& w) {
  bool transparent = sharing::SettingsSeen(c.target).transparent.value_or(false);
  w.Empty(ns::kCalDav, transparent ? "transparent" : "opaque");
  return true;
}

Status UpdateCalendarTransp(const Request&, const Target&, const pugi::xml_node& value,
                            store::CollectionSettings& settings) {
  if (!value) {
    settings.transparent.reset();
    return Status::OK();
  }
  pugi::xml_node v = OnlyChild(value);
  if (!Is(v, ns::kCalDav, "opaque") && !Is(v, ns::kCalDav, "transparent")) {
    return Status::Violates(Precondition::kValidScheduleCalendarTransp,
                            "schedule-calendar-transp is <C:opaque/> or <C:transparent/>");
  }
  settings.transparent = Is(v, ns::kCalDav, "transparent");
  return Status::OK();
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
  table.push_back({.name = {cal, "schedule-inbox-URL"}, .applies = kPrincipal, .get = GetInboxUrl});
  table.push_back(
      {.name = {cal, "schedule-outbox-URL"}, .applies = kPrincipal, .get = GetOutboxUrl});
  table.push_back({.name = {cal, "calendar-user-type"}, .applies = kPrincipal, .get = GetUserType});
  table.push_back({.name = {cal, "schedule-default-calendar-URL"},
                   .applies = kInbox,
                   .is_protected = false,
                   .get = GetDefaultCalendar,
                   .update_setting = UpdateDefaultCalendar});
  table.push_back({.name = {cal, "schedule-calendar-transp"},
                   .applies = kCalendar,
                   .is_protected = false,
                   .settable_at_creation = true,
                   .get = GetCalendarTransp,
                   .update_setting = UpdateCalendarTransp});
  table.push_back(
      {.name = {cal, "schedule-tag"}, .applies = kScheduleTagged, .get = GetScheduleTag});
}

}  // namespace cartable::dav::scheduling
