// PgSession::PurgeUser (issue 16, docs/data-protection.md): a person's account and everything
// that is theirs, in one write transaction; as sqlite_purge.cc (the contract is in store.h).
#include <string>
#include <vector>

#include "dav/store/pg_store.h"
#include "dav/text_fold.h"

namespace cartable::store {

Result<Session::PurgeCounts> PgSession::PurgeUser(Id user_id) {
  PgWriteScope scope(*this);
  if (!scope.status().ok()) return scope.status();
  PurgeCounts counts;
  Status st = [&]() -> Status {
    Result<User> user = GetUserById(user_id);
    if (!user.ok()) return user.status();
    Result<UserSecurity> security = GetUserSecurity(user_id);
    if (!security.ok()) return security.status();

    Result<pg::Rows> count = Exec(
        "SELECT (SELECT COUNT(*) FROM collections WHERE owner_id = $1), COUNT(o.id), "
        "COALESCE(SUM(o.size), 0)::bigint FROM objects o "
        "JOIN collections c ON c.id = o.collection_id WHERE c.owner_id = $1",
        pg::Params().Add(user_id), "counting a user's collections");
    if (!count.ok()) return count.status();
    counts.collections = count->Int(0, 0);
    counts.objects = count->Int(0, 1);
    counts.bytes = count->Int(0, 2);

    // Mail first: its origin is one of the collections deleted below.
    std::vector<std::string> addresses;
    for (const std::string* address :
         {&user->email, &security->backup_email, &security->backup_email_pending}) {
      if (!address->empty()) addresses.push_back(AsciiLower(*address));
    }
    Result<pg::Rows> mail = Exec(
        "DELETE FROM mail_queue WHERE origin_collection IN "
        "(SELECT id FROM collections WHERE owner_id = $1) "
        "OR lower(envelope_from) = ANY($2::text[]) OR lower(recipient) = ANY($2::text[])",
        pg::Params().Add(user_id).AddTexts(addresses), "deleting a user's queued mail");
    if (!mail.ok()) return mail.status();
    counts.mail = mail->affected();

    // The tops of their subtrees: parent missing or someone else's. Deleting these deletes
    // every collection they own.
    Result<pg::Rows> tops = Exec(
        "SELECT c.id FROM collections c LEFT JOIN collections p ON p.id = c.parent_id "
        "WHERE c.owner_id = $1 AND (p.id IS NULL OR p.owner_id IS DISTINCT FROM $1) "
        "ORDER BY c.path",
        pg::Params().Add(user_id), "listing a user's collections");
    if (!tops.ok()) return tops.status();
    for (Id id : pg::FirstColumn(*tops)) {
      // DeleteCollection gives the bytes back and logs the deletion in a parent that is not
      // theirs; a subtree already deleted with an earlier one is kNotFound.
      Status s = DeleteCollection(id);
      if (!s.ok() && s.code() != Status::Code::kNotFound) return s;
    }

    Result<pg::Rows> audit =
        Exec("DELETE FROM audit_log WHERE user_id = $1 OR (user_id = 0 AND login = $2)",
             pg::Params().Add(user_id).Add(user->login), "deleting a user's audit entries");
    if (!audit.ok()) return audit.status();

    // The rest goes with the row: ON DELETE CASCADE (sessions, app passwords, tokens, recovery
    // codes, password history, failures, shares received, share settings, per-user data,
    // delegations) and SET NULL (the directory entry's link).
    return Exec("DELETE FROM users WHERE id = $1", pg::Params().Add(user_id),
                "deleting user " + user->login)
        .status();
  }();
  if (Status s = scope.Finish(st); !s.ok()) return s;
  return counts;
}

}  // namespace cartable::store
