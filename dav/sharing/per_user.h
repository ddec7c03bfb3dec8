// Per-user data of shared calendars (issue 12, as CalendarServer and Cyrus keep it): a sharee's
// alarms and transparency are theirs. On read, the owner's VALARMs/TRANSP are removed and the
// sharee's (store::PerUserData) merged in; on a sharee's PUT, theirs are split off into
// PerUserData and the owner's kept in the stored object. Only viewers with Access::per_user
// (sharees); delegates act as the owner.
//
// The read view is the one hook every path that lets calendar data leave calls: GET, the
// calendar-data property (PROPFIND and REPORTs, through ObjectBody), calendar-query filters
// (evaluated on what the viewer sees: a text-match on a private event's SUMMARY must not
// match), COPY sources and the JSON events endpoint. It applies per-user data, then the CLASS
// reduction of privacy.h.
//
// A sharee's ETag of an object combines the object's ETag with their per-user data's, so that
// their clients see a change when either changes: ViewerEtag is the one function used by
// getetag, GET's ETag, If-Match/If-None-Match on GET, PUT and DELETE, and the PUT answer.
#pragma once

#include <optional>
#include <string>

#include "dav/caldav/ical_object.h"
#include "dav/context.h"
#include "dav/sharing/access.h"
#include "dav/status.h"
#include "dav/store/store.h"

namespace cartable::dav {
struct Target;
class PropContext;
}  // namespace cartable::dav

namespace cartable::dav::sharing {

// Whether a viewer with `access` sees calendar objects through a view (per-user data or CLASS
// reduction) rather than as stored.
inline bool HasView(const Access& access) { return access.per_user || !access.sees_private; }
// Whether `t` is a calendar object (or a member about to be one) of a calendar collection seen
// through a view.
bool HasCalendarView(const Target& t);

// The read hook: the stored calendar object `object` (its bytes in `data`) as the user `viewer`
// with `access` sees it. Returns `data` unchanged (no parse) when there is nothing to change.
// Errors: store errors; kInternal when `data` does not parse (stored data is valid by
// construction).
Result<std::string> CalendarView(store::Session& session, const Access& access, store::Id viewer,
                                 const store::Object& object, std::string data);
// The same for the object target `t` and the request's principal; `data` unchanged when `t` is
// not a calendar object seen through a view (any other member: vCards, files, inbox messages).
Result<std::string> CalendarView(const Request& req, const Target& t, std::string data);

// The same for a property getter's resource: per-user data read for the whole collection at
// once when the walk has bulk rows (PROPFIND Depth 1, sync-collection).
Result<std::string> CalendarView(const PropContext& ctx, std::string data);

// The ETag of `object` for `viewer` (with `access`): the object's own for everyone but sharees
// with per-user data, for whom it is a hash of the object's ETag and their per-user data's.
Result<std::string> ViewerEtag(store::Session& session, const Access& access, store::Id viewer,
                               const store::Object& object);
// The same for the object target `t` (t.object) and the request's principal.
Result<std::string> ViewerEtag(const Request& req, const Target& t);
// The same for a property getter's resource (getetag), with the walk's bulk rows.
Result<std::string> ViewerEtag(const PropContext& ctx);
// The combination itself (quoted, like Object::etag); `per_user_etag` "" = no per-user data.
std::string CombineEtags(const std::string& object_etag, const std::string& per_user_etag);

// ---- a sharee's write (calendar_member.cc calls these) ----

// What a sharee's PUT of `parsed` at `t` stores: `parsed` loses the sharee's per-user parts
// (kept in `per_user`) and gets the owner's back from `previous` (the stored text; null for a
// new object). A sharee without write-content (a read sharee) may change their per-user data
// only: `per_user_only` is set when the rest is the same event (caldav::SameSharedContent),
// else 403 DAV:need-privileges. A sharee who sees `previous` reduced may not replace it (403,
// "événement privé"; privacy.h).
struct ShareeWrite {
  std::string per_user;        // the sharee's per-user data ("" = none)
  bool per_user_only = false;  // nothing but per-user data changes: the object stays as is
};
Result<ShareeWrite> SplitShareeWrite(const Request& req, const Target& t,
                                     const std::string* previous, caldav::CalendarObject& parsed);

// Stores (or, when `data` is "", deletes) the principal's per-user data of object `object_id`
// of `t`'s collection, and records the change in the collection (Touch) so that the sharee's
// next sync sees their view changed.
Status StorePerUser(const Request& req, const Target& t, store::Id object_id,
                    const std::string& data);

}  // namespace cartable::dav::sharing
