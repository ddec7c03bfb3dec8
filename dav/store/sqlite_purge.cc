// SqliteSession::PurgeUser (issue 16, docs/data-protection.md): a person's account and everything
// that is theirs, in one write transaction. The contract is in store.h; pg_purge.cc mirrors it.
#include <string>
#include <vector>

#include "dav/store/sqlite_store.h"
#include "dav/text_fold.h"

namespace cartable::store {
namespace {

// The collections of `user` that are the top of one of their subtrees: their parent is missing
// or belongs to someone else. Deleting these deletes every collection they own.
constexpr char kTopCollections[] =
    "SELECT c.id FROM collections c LEFT JOIN collections p ON p.id = c.parent_id "
    "WHERE c.owner_id = ?1 AND (p.id IS NULL OR p.owner_id IS NOT ?1) ORDER BY c.path";

}  // namespace

Result<Session::PurgeCounts> SqliteSession::PurgeUser(Id user_id) {
  WriteScope scope(*this);
  if (!scope.status().ok()) return scope.status();
  PurgeCounts counts;
  Status st = [&]() -> Status {
    Result<User> user = GetUserById(user_id);
    if (!user.ok()) return user.status();
    Result<UserSecurity> security = GetUserSecurity(user_id);
    if (!security.ok()) return security.status();

    Result<Stmt> count = Prepare(
        "SELECT (SELECT COUNT(*) FROM collections WHERE owner_id = ?1), COUNT(o.id), "
        "COALESCE(SUM(o.size), 0) FROM objects o JOIN collections c ON c.id = o.collection_id "
        "WHERE c.owner_id = ?1");
    if (!count.ok()) return count.status();
    count->Bind(1, user_id);
    if (int rc = count->Step(); rc != SQLITE_ROW) {
      return SqliteStatus(count->db(), rc, "counting a user's collections");
    }
    counts.collections = count->Int(0);
    counts.objects = count->Int(1);
    counts.bytes = count->Int(2);

    // Mail first: its origin is one of the collections deleted below. NULL matches nothing,
    // so an unset address binds NULL.
    Result<Stmt> mail = Prepare(
        "DELETE FROM mail_queue WHERE origin_collection IN "
        "(SELECT id FROM collections WHERE owner_id = ?1) "
        "OR lower(envelope_from) IN (?2, ?3, ?4) OR lower(recipient) IN (?2, ?3, ?4)");
    if (!mail.ok()) return mail.status();
    mail->Bind(1, user_id);
    int index = 2;
    for (const std::string* address :
         {&user->email, &security->backup_email, &security->backup_email_pending}) {
      if (address->empty()) {
        mail->BindNull(index++);
      } else {
        mail->Bind(index++, AsciiLower(*address));
      }
    }
    if (Status s = mail->Run("deleting a user's queued mail"); !s.ok()) return s;
    counts.mail = sqlite3_changes64(mail->db());

    Result<Stmt> tops = Prepare(kTopCollections);
    if (!tops.ok()) return tops.status();
    tops->Bind(1, user_id);
    Result<std::vector<Id>> ids = StepAll<Id>(
        *tops, [](const Stmt& s) { return s.Int(0); }, "listing a user's collections");
    if (!ids.ok()) return ids.status();
    for (Id id : *ids) {
      // DeleteCollection gives the bytes back and logs the deletion in a parent that is not
      // theirs; a subtree already deleted with an earlier one is kNotFound.
      Status s = DoDeleteCollection(id);
      if (!s.ok() && s.code() != Status::Code::kNotFound) return s;
    }

    Result<Stmt> audit =
        Prepare("DELETE FROM audit_log WHERE user_id = ?1 OR (user_id = 0 AND login = ?2)");
    if (!audit.ok()) return audit.status();
    audit->Bind(1, user_id).Bind(2, user->login);
    if (Status s = audit->Run("deleting a user's audit entries"); !s.ok()) return s;

    // The rest goes with the row: ON DELETE CASCADE (sessions, app passwords, tokens, recovery
    // codes, password history, failures, shares received, share settings, per-user data,
    // delegations) and SET NULL (the directory entry's link).
    Result<Stmt> del = Prepare("DELETE FROM users WHERE id = ?1");
    if (!del.ok()) return del.status();
    del->Bind(1, user_id);
    return del->Run("deleting user " + user->login);
  }();
  if (Status s = scope.Finish(st); !s.ok()) return s;
  return counts;
}

}  // namespace cartable::store
