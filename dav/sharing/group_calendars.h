// Establishment and department agendas (issue 12, `cartable group-calendar`): a calendar owned
// by a group account (directory/group_accounts.h) at /dav/calendars/{group login}/{slug}/,
// shared read with the group (every member the directory lists sees it in their home, and
// follows re-imports) and read-write with each manager (colleague shares, accepted at once).
// Everything goes through the sharing service (sharing_service.h): the members' homes are
// Touched there.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dav/context.h"
#include "dav/status.h"
#include "dav/store/store.h"

namespace cartable::dav::sharing {

// The path segment of a calendar named `name`: accents folded, lower case, runs of anything
// but a-z0-9 as one '-', at most 60 characters; "agenda" when nothing is left; "agenda-" in
// front of a name the homes reserve ("partage-12", "inbox", "outbox", "notifications").
std::string CalendarSlug(std::string_view name);

struct GroupCalendarSpec {
  std::string group_key;              // "departement:37", "etablissement:0370001A"
  std::string name;                   // its display name
  std::vector<std::string> managers;  // logins (or e-mails) given read-write access
};

// Creates the group's calendar home when it has none (without the default calendars, inbox or
// outbox a person's home gets: nobody signs in as a group), a calendar named by
// CalendarSlug(spec.name) (a free "-2", "-3"... suffix when taken) with displayname spec.name,
// a group share (read) and one accepted colleague share per manager (read-write), in one write
// transaction. Returns the calendar's path. Errors: kNotFound (no such group account: import
// the directory first; an unknown manager), kBadRequest (empty name, a group as manager), the
// sharing service's errors (max_shares_per_collection).
Result<std::string> CreateGroupCalendar(const DavContext& ctx, store::Session& session,
                                        const GroupCalendarSpec& spec);

struct GroupCalendar {
  std::string path;
  std::string name;  // displayname
  store::User group;
  std::vector<std::string> managers;  // logins with read-write access
};
// Every calendar of every group account, ordered by group login then path.
Result<std::vector<GroupCalendar>> ListGroupCalendars(store::Session& session);

// Deletes the group calendar at `url` (a path or an absolute URL): its shares first (the
// members' next sync sees the mount go), then the calendar with its events. kNotFound when it
// is no calendar of a group account.
Status DeleteGroupCalendar(const DavContext& ctx, store::Session& session, std::string_view url);

}  // namespace cartable::dav::sharing
