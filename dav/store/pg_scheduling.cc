// PgSession: schedule tags and the mail queue (schemas/postgres/0004_scheduling.sql, and
// 0012_mail_claims.sql for the claims of nodes), as sqlite_scheduling.cc.
//
// Several nodes run the mail queue worker (dav/scheduling/mail_queue.cc) on one database. The
// worker calls DueMail outside any transaction, sends each mail with no transaction open (the
// relay may take its whole timeout), then deletes or reschedules it in a short write
// transaction. A row lock cannot last across that, so DueMail *claims* what it returns: in one
// statement it picks the due rows with FOR UPDATE SKIP LOCKED (rows another node is claiming at
// that moment, or holds in its open transaction, are skipped, never waited for) and stamps them
// with this store's claim id and a lease (claimed_until). After the statement commits the claim
// stays in the row: other nodes skip the message until RescheduleMail or DeleteMail ends the
// claim, or until the lease runs out (the node died while sending: another one retries). The
// claiming store itself still sees its claimed rows, so one node's DueMail answers as on SQLite
// (its due rows, oldest first), and so does a call asking about a time after the store's clock
// (`cartable mail queue`, tests: DueMail(max, n)), which inspects the queue and claims nothing.
#include <algorithm>
#include <cstdio>
#include <random>
#include <string>

#include "dav/store/pg_store.h"

namespace cartable::store {
namespace {

using pg::SqlLimit;

// This store's claim id: random per process, and the address of the store's options, which
// differs between the stores of one process (tests open two on one database).
std::string ClaimId(const StoreOptions* options) {
  static const uint64_t process = [] {
    std::random_device rd;
    return (uint64_t{rd()} << 32) ^ rd();
  }();
  char buf[64];
  std::snprintf(buf, sizeof buf, "%016llx-%llx", static_cast<unsigned long long>(process),
                static_cast<unsigned long long>(reinterpret_cast<uintptr_t>(options)));
  return buf;
}

#define PG_MAIL_COLUMNS(T)                                                             \
  T "id, " T "envelope_from, " T "recipient, " T "message, " T "origin_collection, " T \
    "origin_name, " T "attempts, " T "next_attempt, " T "last_error, " T "created_at"

std::vector<QueuedMail> ReadMail(const pg::Rows& r) {
  std::vector<QueuedMail> out;
  out.reserve(r.size());
  for (int i = 0; i < r.size(); ++i) {
    QueuedMail m;
    m.id = r.Int(i, 0);
    m.envelope_from = r.Text(i, 1);
    m.recipient = r.Text(i, 2);
    m.message = r.Text(i, 3);
    m.origin_collection = r.Int(i, 4);
    m.origin_name = r.Text(i, 5);
    m.attempts = r.Int(i, 6);
    m.next_attempt = r.Int(i, 7);
    m.last_error = r.Text(i, 8);
    m.created_at = r.Int(i, 9);
    out.push_back(std::move(m));
  }
  // RETURNING gives no order: oldest attempt first, as the contract says.
  std::sort(out.begin(), out.end(), [](const QueuedMail& a, const QueuedMail& b) {
    return a.next_attempt != b.next_attempt ? a.next_attempt < b.next_attempt : a.id < b.id;
  });
  return out;
}

}  // namespace

Result<std::string> PgSession::GetScheduleTag(Id object_id) {
  Result<pg::Rows> r = Exec(
      "SELECT coalesce(t.tag, '') FROM objects o LEFT JOIN schedule_tags t ON t.object_id = o.id "
      "WHERE o.id = $1",
      pg::Params().Add(object_id), "reading a schedule tag");
  if (!r.ok()) return r.status();
  if (r->empty()) return Status::NotFound("no object #" + std::to_string(object_id));
  return r->Text(0, 0);
}

Status PgSession::SetScheduleTag(Id object_id, const std::string& tag) {
  PgWriteScope scope(*this);
  if (!scope.status().ok()) return scope.status();
  Result<pg::Rows> exists =
      Exec("SELECT 1 FROM objects WHERE id = $1", pg::Params().Add(object_id), "finding an object");
  if (!exists.ok()) return scope.Finish(exists.status());
  if (exists->empty()) {
    return scope.Finish(Status::NotFound("no object #" + std::to_string(object_id)));
  }
  Result<pg::Rows> r = tag.empty()
                           ? Exec("DELETE FROM schedule_tags WHERE object_id = $1",
                                  pg::Params().Add(object_id), "storing a schedule tag")
                           : Exec(
                                 "INSERT INTO schedule_tags (object_id, tag) VALUES ($1, $2) "
                                 "ON CONFLICT (object_id) DO UPDATE SET tag = excluded.tag",
                                 pg::Params().Add(object_id).Add(tag), "storing a schedule tag");
  return scope.Finish(r.status());
}

Result<Id> PgSession::EnqueueMail(const QueuedMail& mail) {
  PgWriteScope scope(*this);
  if (!scope.status().ok()) return scope.status();
  Result<pg::Rows> r = Exec(
      "INSERT INTO mail_queue (envelope_from, recipient, message, origin_collection, origin_name, "
      "next_attempt, last_error, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
      pg::Params()
          .Add(mail.envelope_from)
          .Add(mail.recipient)
          .AddBytes(mail.message)
          .Add(mail.origin_collection)
          .Add(mail.origin_name)
          .Add(mail.next_attempt)
          .Add(mail.last_error)
          .Add(Now()),
      "queueing a mail");
  if (Status st = scope.Finish(r.status()); !st.ok()) return st;
  return r->Int(0, 0);
}

Result<std::vector<QueuedMail>> PgSession::DueMail(UnixTime now, size_t limit) {
  const UnixTime clock = Now();
  bool claim = now <= clock;
  if (claim) {
    // Inside the caller's read transaction nothing can be written: the rows are only read.
    Result<pg::Rows> ro =
        Exec("SELECT current_setting('transaction_read_only') = 'on'", "reading the mail queue");
    if (!ro.ok()) return ro.status();
    claim = !ro->Bool(0, 0);
  }
  if (!claim) {
    Result<pg::Rows> r =
        Exec("SELECT " PG_MAIL_COLUMNS("") " FROM mail_queue WHERE next_attempt <= $1 "
                                           "ORDER BY next_attempt, id LIMIT $2",
             pg::Params().Add(now).Add(SqlLimit(limit)), "reading the mail queue");
    if (!r.ok()) return r.status();
    return ReadMail(*r);
  }
  // One statement: outside a transaction it commits at once (and takes no write lock: claiming
  // changes nothing the other writers read); inside the caller's write transaction the rows stay
  // locked, and skipped by other nodes, until it ends.
  Result<pg::Rows> r = Exec(
      "WITH due AS (SELECT id FROM mail_queue WHERE next_attempt <= $1 "
      "AND (claimed_by = $3 OR claimed_until <= $4) ORDER BY next_attempt, id LIMIT $2 "
      "FOR UPDATE SKIP LOCKED) "
      "UPDATE mail_queue m SET claimed_by = $3, claimed_until = $5 FROM due WHERE m.id = due.id "
      "RETURNING " PG_MAIL_COLUMNS("m."),
      pg::Params()
          .Add(now)
          .Add(SqlLimit(limit))
          .Add(ClaimId(&options()))
          .Add(clock)
          .Add(clock + options().mail_claim_seconds),
      "taking due mail");
  if (!r.ok()) return r.status();
  return ReadMail(*r);
}

Status PgSession::RescheduleMail(Id id, UnixTime next_attempt, const std::string& error) {
  PgWriteScope scope(*this);
  if (!scope.status().ok()) return scope.status();
  // The claim ends: the retry is any node's once due.
  Result<pg::Rows> r = Exec(
      "UPDATE mail_queue SET attempts = attempts + 1, next_attempt = $2, last_error = $3, "
      "claimed_by = '', claimed_until = 0 WHERE id = $1",
      pg::Params().Add(id).Add(next_attempt).Add(error), "rescheduling a mail");
  return scope.Finish(r.status());
}

Status PgSession::DeleteMail(Id id) {
  PgWriteScope scope(*this);
  if (!scope.status().ok()) return scope.status();
  Result<pg::Rows> r =
      Exec("DELETE FROM mail_queue WHERE id = $1", pg::Params().Add(id), "deleting a queued mail");
  return scope.Finish(r.status());
}

}  // namespace cartable::store
