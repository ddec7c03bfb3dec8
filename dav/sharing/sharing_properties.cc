#include "dav/sharing/sharing_properties.h"

#include "dav/sharing/notification.h"
#include "dav/sharing/sharing_service.h"

namespace cartable::dav::sharing {
namespace {

constexpr KindSet kShareable = kCalendar | kAddressbook;

void WriteHref(XmlWriter& w, const std::string& path) {
  w.TextElement(ns::kDav, "href", Href(path));
}

// The shares of the target's collection; a store error fails the request (PropContext::Fail).
std::optional<std::vector<store::Share>> SharesOf(const PropContext& c) {
  Result<std::vector<store::Share>> shares = c.req.session.ListShares(c.target.collection.id);
  if (!shares.ok()) {
    c.Fail(shares.status());
    return std::nullopt;
  }
  return std::move(shares.value());
}

// The account a share names: the colleague, or the group account.
std::optional<store::User> ShareeOf(const PropContext& c, const store::Share& s) {
  Result<store::User> u = s.sharee_user_id != 0 ? c.req.session.GetUserById(s.sharee_user_id)
                                                : c.req.session.GetUserByGroupKey(s.sharee_group);
  if (u.ok()) return std::move(u.value());
  if (u.status().code() != Status::Code::kNotFound) c.Fail(u.status());
  return std::nullopt;
}

std::string_view CsStatus(store::ShareStatus status) {
  switch (status) {
    case store::ShareStatus::kPending: return "invite-noresponse";
    case store::ShareStatus::kAccepted: return "invite-accepted";
    case store::ShareStatus::kDeclined: return "invite-declined";
  }
  return "invite-noresponse";
}

// The access the viewer of a mount has: what ComputeAccess found (the greatest of their
// shares), else the access of the share the mount names.
store::ShareAccess MountAccess(const Target& t) {
  if (t.access.via == AccessVia::kShare) return t.access.share_access;
  return t.mount->share.access;
}

void WriteDavAccess(XmlWriter& w, store::ShareAccess access) {
  switch (access) {
    case store::ShareAccess::kRead: w.Empty(ns::kDav, "read"); break;
    case store::ShareAccess::kReadWrite: w.Empty(ns::kDav, "read-write"); break;
    // The draft has no free/busy level: the CalDAV privilege it grants (RFC 4791 §6.1.1).
    case store::ShareAccess::kFreeBusy: w.Empty(ns::kCalDav, "read-free-busy"); break;
  }
}

// caldav-sharing §5.2.2: CS:organizer? then one CS:user per sharee.
bool GetCsInvite(const PropContext& c, XmlWriter& w) {
  const Target& t = c.target;
  std::optional<std::vector<store::Share>> shares = SharesOf(c);
  if (!shares || (shares->empty() && !t.mount)) return false;
  if (t.mount && t.owner) {
    w.Open(ns::kCalendarServer, "organizer");
    w.TextElement(ns::kDav, "href", UserHref(*t.owner));
    w.TextElement(ns::kCalendarServer, "common-name", t.owner->display_name);
    w.Close();
  }
  for (const store::Share& s : *shares) {
    std::optional<store::User> who = ShareeOf(c, s);
    if (!who) continue;
    w.Open(ns::kCalendarServer, "user");
    w.TextElement(ns::kDav, "href", UserHref(*who));
    w.TextElement(ns::kCalendarServer, "common-name", who->display_name);
    w.Empty(ns::kCalendarServer, CsStatus(s.status));
    w.Open(ns::kCalendarServer, "access");
    WriteCsAccess(w, s.access);
    w.Close();
    if (!s.summary.empty()) w.TextElement(ns::kCalendarServer, "summary", s.summary);
    w.Close();
  }
  return true;
}

void WriteDavSharee(XmlWriter& w, const store::User& who, std::string_view status,
                    const std::function<void()>& access) {
  w.Open(ns::kDav, "sharee");
  WriteHref(w, PrincipalPath(who));
  w.Open(ns::kDav, "prop");
  w.TextElement(ns::kDav, "displayname", who.display_name);
  w.Close();
  w.Open(ns::kDav, "share-access");
  access();
  w.Close();
  w.Empty(ns::kDav, status);
  w.Close();
}

// draft-pot-webdav-resource-sharing §4.4.2, as SabreDAV lists it: the owner first
// (DAV:shared-owner), then every sharee with their access and answer.
bool GetDavInvite(const PropContext& c, XmlWriter& w) {
  const Target& t = c.target;
  std::optional<std::vector<store::Share>> shares = SharesOf(c);
  if (!shares || !t.owner) return false;
  WriteDavSharee(w, *t.owner, "invite-accepted", [&] { w.Empty(ns::kDav, "shared-owner"); });
  for (const store::Share& s : *shares) {
    std::optional<store::User> who = ShareeOf(c, s);
    if (!who) continue;
    WriteDavSharee(w, *who, CsStatus(s.status), [&] { WriteDavAccess(w, s.access); });
  }
  return true;
}

bool GetAllowedSharingModes(const PropContext& c, XmlWriter& w) {
  if (c.target.mount || !c.target.owner || c.target.owner->id != c.req.principal.user_id) {
    return false;
  }
  w.Empty(ns::kCalendarServer, "can-be-shared");
  return true;
}

bool GetShareAccess(const PropContext& c, XmlWriter& w) {
  const Target& t = c.target;
  if (t.mount) {
    WriteDavAccess(w, MountAccess(t));
    return true;
  }
  std::optional<std::vector<store::Share>> shares = SharesOf(c);
  if (!shares) return false;
  w.Empty(ns::kDav, shares->empty() ? "not-shared" : "shared-owner");
  return true;
}

bool GetSharerUrl(const PropContext& c, XmlWriter& w) {
  if (!c.target.mount) return false;
  WriteHref(w, c.target.collection.path);
  return true;
}

bool GetNotificationUrl(const PropContext& c, XmlWriter& w) {
  const std::optional<store::User>& owner = c.target.owner;
  if (!owner || owner->kind != store::UserKind::kPerson) return false;
  WriteHref(w, NotificationsPath(owner->login));
  return true;
}

// caldav-sharing §4.2.1: the document's type element, empty, with its attributes.
bool GetNotificationType(const PropContext& c, XmlWriter& w) {
  std::optional<std::string> body = ObjectBody(c);
  if (!body) return false;
  NotificationType type = ReadNotificationType(*body);
  if (type.local.empty()) return false;
  if (type.shared_type.empty()) {
    w.Empty(ns::kCalendarServer, type.local);
  } else {
    w.EmptyWithAttributes(ns::kCalendarServer, type.local, {{"shared-type", type.shared_type}});
  }
  return true;
}

}  // namespace

void WriteSharingResourcetype(const PropContext& c, XmlWriter& w) {
  const Target& t = c.target;
  if (t.type != NodeType::kCollection || !kShareable.Has(t.kind)) return;
  if (t.mount) {
    w.Empty(ns::kCalendarServer, "shared");
    return;
  }
  std::optional<std::vector<store::Share>> shares = SharesOf(c);
  if (shares && !shares->empty()) w.Empty(ns::kCalendarServer, "shared-owner");
}

void AddSharingProperties(std::vector<LiveProperty>& table) {
  const std::string d(ns::kDav), cs(ns::kCalendarServer);
  table.push_back({.name = {cs, "invite"}, .applies = kShareable, .get = GetCsInvite});
  table.push_back({.name = {d, "invite"}, .applies = kShareable, .get = GetDavInvite});
  table.push_back(
      {.name = {cs, "allowed-sharing-modes"}, .applies = kCalendar, .get = GetAllowedSharingModes});
  table.push_back({.name = {d, "share-access"}, .applies = kShareable, .get = GetShareAccess});
  table.push_back({.name = {d, "sharer-resource-uri"}, .applies = kShareable, .get = GetSharerUrl});
  table.push_back({.name = {cs, "shared-url"}, .applies = kShareable, .get = GetSharerUrl});
  table.push_back(
      {.name = {cs, "notification-URL"}, .applies = kPrincipal, .get = GetNotificationUrl});
  table.push_back(
      {.name = {d, "notification-URL"}, .applies = kPrincipal, .get = GetNotificationUrl});
  table.push_back(
      {.name = {cs, "notificationtype"}, .applies = kNotification, .get = GetNotificationType});
}

}  // namespace cartable::dav::sharing
