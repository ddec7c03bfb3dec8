// `cartable user delete LOGIN --purge` (data_protection.h, docs/data-protection.md).
#include <algorithm>
#include <cctype>
#include <chrono>
#include <string>
#include <vector>

#include "dav/caldav/ical_object.h"
#include "dav/caldav/itip.h"
#include "dav/sharing/sharing_service.h"
#include "dav/target.h"
#include "dav/text_fold.h"
#include "server/data_protection.h"

namespace cartable::server {
namespace {

// A scheduling message the person sent, found in someone else's inbox.
struct InboxMessage {
  store::Id collection_id = 0;
  std::string name;
  std::string etag;  // deleted only if still this version
};

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// Whether iTIP message `ics` was sent by calendar user `me` (normalised): the organizer's
// methods (REQUEST, ADD, CANCEL, DECLINECOUNTER, PUBLISH) by its ORGANIZER, the attendee's
// (REPLY, COUNTER, REFRESH) by its ATTENDEE. Messages that do not parse are nobody's.
bool SentBy(const std::string& ics, const std::string& me) {
  Result<dav::caldav::CalendarObject> cal = dav::caldav::CalendarObject::Parse(ics);
  if (!cal.ok()) return false;
  Result<dav::caldav::SchedulingInfo> info = dav::caldav::InspectScheduling(*cal);
  if (!info.ok()) return false;
  const std::string method = Upper(info->method);
  if (method == "REPLY" || method == "COUNTER" || method == "REFRESH") {
    return info->organizer != me && info->HasAttendee(me);
  }
  return info->organizer == me;
}

// Step 2 of PurgeUser: every inbox of another person, read without the write lock. Only the
// messages whose bytes hold the person's address (any case) are parsed.
Result<std::vector<InboxMessage>> FindSentMessages(store::Session& s, const store::User& user) {
  std::vector<InboxMessage> found;
  if (user.email.empty()) return found;  // no calendar user address: they sent nothing
  const std::string me = dav::caldav::NormalizeAddress("mailto:" + user.email);
  const std::string needle = AsciiLower(user.email);
  Result<std::vector<store::User>> people = s.ListUsers();
  if (!people.ok()) return people.status();
  store::ObjectQuery all;
  all.with_data = true;
  for (const store::User& other : *people) {
    if (other.id == user.id) continue;
    Result<store::Collection> inbox =
        s.GetCollection(dav::HomePath(dav::CalendarArea(), other.login) + "inbox/");
    if (!inbox.ok()) {
      if (inbox.status().code() == Status::Code::kNotFound) continue;
      return inbox.status();
    }
    Status st = s.QueryObjects(inbox->id, all, [&](const store::Object& o) {
      if (!o.data || AsciiLower(*o.data).find(needle) == std::string::npos) return Status::OK();
      if (SentBy(*o.data, me)) found.push_back({inbox->id, o.name, o.etag});
      return Status::OK();
    });
    if (!st.ok()) return st;
  }
  return found;
}

// Revokes every share of the person's calendars and address books through the sharing service,
// so that each sharee's home records the mount gone; returns how many there were.
Result<int64_t> RevokeShares(const dav::DavContext& ctx, store::Session& s,
                             const store::User& user) {
  static const http::HttpRequest kNoRequest;
  const dav::Principal owner{user.id, user.login, user.display_name, user.email};
  const dav::Request req{kNoRequest, owner, s, ctx};
  int64_t revoked = 0;
  Status st = internal::ForEachGrantedShares(
      s, user.login,
      [&](const store::Collection& c, const std::vector<store::Share>& shares) -> Status {
        if (shares.empty()) return Status::OK();
        revoked += static_cast<int64_t>(shares.size());
        return dav::sharing::RevokeAllShares(req, c);
      });
  if (!st.ok()) return st;
  return revoked;
}

}  // namespace

Result<PurgeReport> PurgeUser(const dav::DavContext& ctx, const std::string& login) {
  store::Session& s = ctx.store.ThreadSession();
  Result<store::User> user = s.GetUserByLogin(AsciiLower(login));
  if (!user.ok()) {
    return user.status().code() == Status::Code::kNotFound
               ? Status::NotFound("no user '" + login + "'")
               : user.status();
  }
  if (user->kind == store::UserKind::kGroup) {
    return Status::Forbidden("'" + user->login +
                             "' is a group account; the directory import manages those");
  }
  // 1. From here on nobody signs in or schedules as them (UpdateUser bumps the credentials).
  if (user->state != store::UserState::kDisabled) {
    store::User disabled = *user;
    disabled.state = store::UserState::kDisabled;
    if (Status st = s.UpdateUser(disabled); !st.ok()) return st;
  }
  // 2. Without the write lock: the server keeps serving while every inbox is read.
  Result<std::vector<InboxMessage>> sent = FindSentMessages(s, *user);
  if (!sent.ok()) return sent.status();

  // 3. One write transaction.
  PurgeReport report;
  Result<std::unique_ptr<store::Transaction>> txn = s.Begin(true);
  if (!txn.ok()) return txn.status();
  Result<int64_t> revoked = RevokeShares(ctx, s, *user);
  if (!revoked.ok()) return revoked.status();
  report.shares_revoked = *revoked;
  for (const InboxMessage& m : *sent) {
    Result<store::Object> o = s.GetObject(m.collection_id, m.name, false);
    if (!o.ok()) {
      if (o.status().code() == Status::Code::kNotFound) continue;  // its owner deleted it
      return o.status();
    }
    if (o->etag != m.etag) continue;  // replaced since: no longer the message we read
    if (Status st = s.DeleteObject(m.collection_id, m.name); !st.ok()) return st;
    ++report.inbox_messages;
  }
  Result<store::Session::PurgeCounts> counts = s.PurgeUser(user->id);
  if (!counts.ok()) return counts.status();
  report.store = *counts;
  // The record that the request was carried out: the login (to answer "was X purged?") and
  // counts; no name, address or content. user_id 0: the id names no account any more.
  store::AuditEntry entry;
  entry.at = static_cast<store::UnixTime>(std::chrono::system_clock::to_time_t(
      ctx.clock ? ctx.clock() : std::chrono::system_clock::now()));
  entry.user_id = 0;
  entry.login = user->login;
  entry.event = "account-purged";
  entry.detail = "collections " + std::to_string(counts->collections) + ", objects " +
                 std::to_string(counts->objects) + ", bytes " + std::to_string(counts->bytes) +
                 ", queued mail " + std::to_string(counts->mail) + ", shares revoked " +
                 std::to_string(report.shares_revoked) + ", inbox messages " +
                 std::to_string(report.inbox_messages);
  if (Result<store::Id> id = s.AppendAudit(entry); !id.ok()) return id.status();
  if (Status st = (*txn)->Commit(); !st.ok()) return st;
  return report;
}

}  // namespace cartable::server
