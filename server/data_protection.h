// Data-protection requests (issue 16, docs/data-protection.md): `cartable user export LOGIN
// DEST.zip` and `cartable user delete LOGIN --purge`. Application glue: it reads and writes
// through the store, the sharing service (so that sharees' clients see a purged collection go)
// and the iCalendar engine (export files, scheduling messages in others' inboxes).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "dav/context.h"
#include "dav/status.h"
#include "dav/store/store.h"

namespace cartable::server {

// What an export wrote.
struct ExportCounts {
  int64_t calendars = 0;     // .ics files (calendars and task lists)
  int64_t events = 0;        // calendar objects in them
  int64_t addressbooks = 0;  // .vcf files
  int64_t cards = 0;
  int64_t files = 0;  // files of the files home
  int64_t bytes = 0;  // sum of the stored sizes of everything exported
};

// Writes everything of `login` into a new zip archive at `zip_path` (refused when it exists):
//   account.json                 the account, its security state (no secret), app passwords
//                                and web sessions (no token), shares granted and received,
//                                delegations both ways, the directory entry, audit entries
//   calendars/{name}.ics         one VCALENDAR per calendar (every object, each time zone once)
//   tasks/{name}.ics             the same for calendars that hold only tasks (VTODO)
//   addressbooks/{name}.vcf      every card of an address book
//   files/{path}                 the files home, as files under their paths
//   scheduling/{inbox|outbox}/{name}.ics   scheduling messages waiting there, as stored
// Reads in one read transaction (a consistent snapshot) and holds one object in memory at a
// time: libzip pulls each entry's bytes from the store while it writes the archive.
// Errors: kNotFound (no such person), kConflict (zip_path exists), kInternal (writing), store
// errors. A failed export leaves no archive behind.
Result<ExportCounts> ExportUser(store::Store& store, const std::string& login,
                                const std::string& zip_path);

// What a purge removed.
struct PurgeReport {
  store::Session::PurgeCounts store;  // the store's part (store.h PurgeUser)
  int64_t shares_revoked = 0;         // shares of their collections (sharees told)
  int64_t inbox_messages = 0;         // their scheduling messages removed from others' inboxes
};

// Deletes the person `login` and everything that is theirs (docs/data-protection.md):
//  1. disables the account (committed: nobody signs in or schedules as them from here on);
//  2. finds, outside the write lock, the scheduling messages they sent (REQUEST, CANCEL,
//     ADD... as organizer; REPLY, COUNTER, REFRESH as attendee) waiting in other people's
//     inboxes: reads every inbox, parsing only messages whose bytes contain their address;
//  3. in ONE write transaction: revokes every share of their calendars and address books
//     (each sharee's next sync reports the mount gone), deletes those inbox messages (if
//     unchanged since step 2), store PurgeUser, and appends the audit record
//     "account-purged" (user_id 0, their login, the counts; nothing else about them).
// Others' calendars are not changed: an organizer's copy of an event they attended and an
// attendee's copy of an event they organized stay as they are (RFC 5545/6638: each copy is
// its owner's). Errors: kNotFound (no such user), kForbidden (a group account: the directory
// import owns those), store errors (then nothing of step 3 happened).
Result<PurgeReport> PurgeUser(const dav::DavContext& ctx, const std::string& login);

namespace internal {
// Calls `visit` with each collection under the calendar and address-book homes of `login` and
// the shares of it (what the person granted), in that order; a home not created yet is skipped.
// Stops at the first error, a store's or `visit`'s. The export lists these shares, the purge
// revokes them.
Status ForEachGrantedShares(
    store::Session& s, const std::string& login,
    const std::function<Status(const store::Collection&, const std::vector<store::Share>&)>& visit);
}  // namespace internal

}  // namespace cartable::server
