// SqliteSession: schedule tags and the mail queue (0004_scheduling.sql).
#include <string>

#include "dav/store/sqlite_store.h"
#include "dav/store/store_util.h"

namespace cartable::store {

Result<std::string> SqliteSession::GetScheduleTag(Id object_id) {
  Result<Stmt> s = Prepare(
      "SELECT coalesce(t.tag, '') FROM objects o LEFT JOIN schedule_tags t ON t.object_id = o.id "
      "WHERE o.id = ?");
  if (!s.ok()) return s.status();
  s->Bind(1, object_id);
  int rc = s->Step();
  if (rc == SQLITE_DONE) return Status::NotFound("no object #" + std::to_string(object_id));
  if (rc != SQLITE_ROW) return SqliteStatus(db_->raw(), rc, "reading a schedule tag");
  return s->Text(0);
}

Status SqliteSession::SetScheduleTag(Id object_id, const std::string& tag) {
  WriteScope scope(*this);
  if (!scope.status().ok()) return scope.status();
  Result<Stmt> exists = Prepare("SELECT 1 FROM objects WHERE id = ?");
  if (!exists.ok()) return scope.Finish(exists.status());
  exists->Bind(1, object_id);
  int rc = exists->Step();
  if (rc == SQLITE_DONE) {
    return scope.Finish(Status::NotFound("no object #" + std::to_string(object_id)));
  }
  if (rc != SQLITE_ROW) return scope.Finish(SqliteStatus(db_->raw(), rc, "finding an object"));
  Result<Stmt> s =
      Prepare(tag.empty() ? "DELETE FROM schedule_tags WHERE object_id = ?1"
                          : "INSERT INTO schedule_tags (object_id, tag) VALUES (?1, ?2) "
                            "ON CONFLICT (object_id) DO UPDATE SET tag = ?2");
  if (!s.ok()) return scope.Finish(s.status());
  s->Bind(1, object_id);
  if (!tag.empty()) s->Bind(2, tag);
  return scope.Finish(s->Run("storing a schedule tag"));
}

Result<Id> SqliteSession::EnqueueMail(const QueuedMail& mail) {
  Status st = WriteOne(
      "INSERT INTO mail_queue (envelope_from, recipient, message, origin_collection, origin_name, "
      "next_attempt, last_error, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
      "queueing a mail", [&](Stmt& s) {
        s.Bind(1, mail.envelope_from).Bind(2, mail.recipient).BindBlob(3, mail.message);
        s.Bind(4, mail.origin_collection).Bind(5, mail.origin_name).Bind(6, mail.next_attempt);
        s.Bind(7, mail.last_error).Bind(8, Now());
      });
  if (!st.ok()) return st;
  return db_->LastInsertId();
}

Result<std::vector<QueuedMail>> SqliteSession::DueMail(UnixTime now, size_t limit) {
  Result<Stmt> s = Prepare(
      "SELECT id, envelope_from, recipient, message, origin_collection, origin_name, attempts, "
      "next_attempt, last_error, created_at FROM mail_queue WHERE next_attempt <= ?1 "
      "ORDER BY next_attempt, id LIMIT ?2");
  if (!s.ok()) return s.status();
  s->Bind(1, now).Bind(2, static_cast<int64_t>(std::min<size_t>(limit, INT64_MAX)));
  std::vector<QueuedMail> out;
  int rc;
  while ((rc = s->Step()) == SQLITE_ROW) {
    QueuedMail m;
    m.id = s->Int(0);
    m.envelope_from = s->Text(1);
    m.recipient = s->Text(2);
    m.message = s->Blob(3);
    m.origin_collection = s->Int(4);
    m.origin_name = s->Text(5);
    m.attempts = s->Int(6);
    m.next_attempt = s->Int(7);
    m.last_error = s->Text(8);
    m.created_at = s->Int(9);
    out.push_back(std::move(m));
  }
  if (rc != SQLITE_DONE) return SqliteStatus(db_->raw(), rc, "reading the mail queue");
  return out;
}

Status SqliteSession::RescheduleMail(Id id, UnixTime next_attempt, const std::string& error) {
  return WriteOne(
      "UPDATE mail_queue SET attempts = attempts + 1, next_attempt = ?2, last_error = ?3 "
      "WHERE id = ?1",
      "rescheduling a mail", [&](Stmt& s) { s.Bind(1, id).Bind(2, next_attempt).Bind(3, error); });
}

Status SqliteSession::DeleteMail(Id id) {
  return WriteOne("DELETE FROM mail_queue WHERE id = ?", "deleting a queued mail",
                  [&](Stmt& s) { s.Bind(1, id); });
}

}  // namespace cartable::store
