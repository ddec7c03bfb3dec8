// Sharing invitations as CalendarServer notifications (caldav-sharing §4, §6.15): one XML
// document per invitation in the sharee's notification collection
// /dav/calendars/{login}/notifications/{invite_uid}.xml, whose CS:notification-URL is on their
// principal. macOS and iOS poll that collection, show the invitation and answer it with
// CS:invite-reply (dav/sharing/share_post.cc). Written by the sharing service only.
#pragma once

#include <string>
#include <string_view>

#include "dav/context.h"
#include "dav/status.h"
#include "dav/store/store.h"
#include "dav/xml.h"

namespace cartable::dav::sharing {

// /dav/calendars/{login}/notifications/
std::string NotificationsPath(const std::string& login);
// "{invite_uid}.xml"
std::string NotificationName(const store::Share& share);
// The content type notifications are stored and served with.
inline constexpr std::string_view kNotificationType = "application/xml; charset=utf-8";

// The address a user is named by in invitations and CS:invite / DAV:invite: "mailto:{email}",
// or their principal path when they have no address (group accounts).
std::string UserHref(const store::User& user);

// The content of CS:access: <CS:read/> or <CS:read-write/> (caldav-sharing §6.11); a
// free/busy share, which CalendarServer does not know, as <CALDAV:read-free-busy/> (the RFC
// 4791 §6.1.1 privilege it grants).
void WriteCsAccess(XmlWriter& w, store::ShareAccess access);

// The CS:notification document inviting `sharee` to `collection` of `owner` (status
// invite-noresponse), dated `now` (CS:dtstamp, UTC).
std::string InviteNotificationXml(const store::Share& share, const store::User& sharee,
                                  const store::User& owner, const store::Collection& collection,
                                  store::UnixTime now);

// The root child's name of a stored notification ("invite-notification") and its
// "shared-type" attribute, for CS:notificationtype; empty when `xml` is not a notification.
struct NotificationType {
  std::string local;        // "invite-notification", "invite-reply"
  std::string shared_type;  // "calendar", "addressbook", or ""
};
NotificationType ReadNotificationType(std::string_view xml);

// Stores (or replaces) the invitation of `share` in the sharee's notification collection,
// creating the calendar home and the collection when missing. Inside the caller's write
// transaction.
Status PutInvite(const Request& req, const store::Share& share, const store::User& sharee,
                 const store::User& owner, const store::Collection& collection);
// Deletes the invitation of `share` from the sharee's notification collection (OK when absent).
Status DeleteInvite(store::Session& session, const store::Share& share, const store::User& sharee);

}  // namespace cartable::dav::sharing
