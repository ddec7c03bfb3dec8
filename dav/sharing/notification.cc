#include "dav/sharing/notification.h"

#include <chrono>

#include "dav/property_registry.h"
#include "dav/target.h"

namespace cartable::dav::sharing {
namespace {

// CS:dtstamp as CalendarServer writes it: an iCalendar UTC DATE-TIME ("20261206T140000Z"), the
// RFC 3339 form without its separators.
std::string Dtstamp(store::UnixTime now) {
  std::string out = Rfc3339(now);
  std::erase_if(out, [](char c) { return c == '-' || c == ':'; });
  return out;
}

std::string_view SharedType(const store::Collection& collection) {
  return collection.kind == store::kKindAddressbook ? "addressbook" : "calendar";
}

}  // namespace

std::string NotificationsPath(const std::string& login) {
  return HomePath(CalendarArea(), login) + "notifications/";
}

std::string NotificationName(const store::Share& share) { return share.invite_uid + ".xml"; }

std::string UserHref(const store::User& user) {
  if (!user.email.empty()) return "mailto:" + user.email;
  return PrincipalPath(user);
}

void WriteCsAccess(XmlWriter& w, store::ShareAccess access) {
  switch (access) {
    case store::ShareAccess::kRead: w.Empty(ns::kCalendarServer, "read"); break;
    case store::ShareAccess::kReadWrite: w.Empty(ns::kCalendarServer, "read-write"); break;
    case store::ShareAccess::kFreeBusy: w.Empty(ns::kCalDav, "read-free-busy"); break;
  }
}

std::string InviteNotificationXml(const store::Share& share, const store::User& sharee,
                                  const store::User& owner, const store::Collection& collection,
                                  store::UnixTime now) {
  std::string out;
  XmlWriter w(out);
  w.OpenRoot(ns::kCalendarServer, "notification");
  w.TextElement(ns::kCalendarServer, "dtstamp", Dtstamp(now));
  w.OpenWithAttributes(ns::kCalendarServer, "invite-notification",
                       {{"shared-type", SharedType(collection)}});
  w.TextElement(ns::kCalendarServer, "uid", share.invite_uid);
  w.TextElement(ns::kDav, "href", UserHref(sharee));
  w.Empty(ns::kCalendarServer, "invite-noresponse");
  w.Open(ns::kCalendarServer, "access");
  WriteCsAccess(w, share.access);
  w.Close();
  w.Open(ns::kCalendarServer, "hosturl");
  w.TextElement(ns::kDav, "href", Href(collection.path));
  w.Close();
  w.Open(ns::kCalendarServer, "organizer");
  w.TextElement(ns::kDav, "href", UserHref(owner));
  w.TextElement(ns::kCalendarServer, "common-name", owner.display_name);
  w.Close();
  std::string summary = share.summary;
  if (summary.empty() && collection.settings.display_name) {
    summary = *collection.settings.display_name;
  }
  if (!summary.empty()) w.TextElement(ns::kCalendarServer, "summary", summary);
  // caldav-sharing §6.15: a copy of the calendar's component set, so the client knows before
  // accepting whether it holds events or tasks.
  if (collection.kind == store::kKindCalendar && !collection.settings.components.empty()) {
    w.Open(ns::kCalDav, "supported-calendar-component-set");
    for (const std::string& c : collection.settings.components) {
      w.EmptyWithAttributes(ns::kCalDav, "comp", {{"name", c}});
    }
    w.Close();
  }
  w.Finish();
  return out;
}

NotificationType ReadNotificationType(std::string_view xml) {
  NotificationType type;
  Result<std::unique_ptr<pugi::xml_document>> doc = ParseXml(xml);
  if (!doc.ok()) return type;
  pugi::xml_node root = (*doc)->document_element();
  if (!Is(root, ns::kCalendarServer, "notification")) return type;
  for (pugi::xml_node c = root.first_child(); c; c = c.next_sibling()) {
    if (c.type() != pugi::node_element || Is(c, ns::kCalendarServer, "dtstamp")) continue;
    QName name = NameOf(c);
    if (name.ns != ns::kCalendarServer) continue;
    type.local = name.local;
    type.shared_type = c.attribute("shared-type").value();
    break;
  }
  return type;
}

Status PutInvite(const Request& req, const store::Share& share, const store::User& sharee,
                 const store::User& owner, const store::Collection& collection) {
  Result<store::Collection> home = GetOrCreateHome(req.session, CalendarArea(), sharee.id,
                                                   HomePath(CalendarArea(), sharee.login));
  if (!home.ok()) return home.status();
  const std::string path = NotificationsPath(sharee.login);
  Result<store::Collection> box = req.session.GetCollection(path);
  if (!box.ok() && box.status().code() == Status::Code::kNotFound) {
    box = req.session.CreateCollection(path, home->id, sharee.id, store::kKindNotifications);
  }
  if (!box.ok()) return box.status();
  store::UnixTime now = req.ctx.clock ? std::chrono::system_clock::to_time_t(req.ctx.clock())
                                      : store::UnixTime(std::time(nullptr));
  std::string xml = InviteNotificationXml(share, sharee, owner, collection, now);
  Result<store::Object> stored =
      req.session.PutObject(box->id, NotificationName(share), std::string(kNotificationType), xml);
  return stored.ok() ? Status::OK() : stored.status();
}

Status DeleteInvite(store::Session& session, const store::Share& share, const store::User& sharee) {
  Result<store::Collection> box = session.GetCollection(NotificationsPath(sharee.login));
  if (!box.ok()) {
    return box.status().code() == Status::Code::kNotFound ? Status::OK() : box.status();
  }
  Status s = session.DeleteObject(box->id, NotificationName(share));
  return s.code() == Status::Code::kNotFound ? Status::OK() : s;
}

}  // namespace cartable::dav::sharing
