// SqliteSession: account security (0008_accounts.sql): per-user security state, password
// history, failed sign-ins, app passwords, web sessions, single-use tokens, recovery codes and the
// audit log.
#include <string>
#include <vector>

#include "dav/store/sqlite_store.h"
#include "dav/store/store_codec.h"
#include "dav/store/store_util.h"

namespace cartable::store {
namespace {

constexpr char kSecurityColumns[] =
    "SELECT role, otp_required, otp_secret, otp_enrolled_at, otp_last_step, locked_until, "
    "temporary_locks, blocked, password_changed_at, backup_email, backup_email_pending "
    "FROM users WHERE id = ?";

constexpr char kAppPasswordColumns[] =
    "SELECT id, user_id, name, hash, created_at, last_used_at, last_used_address "
    "FROM app_passwords ";

constexpr char kSessionColumns[] =
    "SELECT id, token_hash, user_id, stage, csrf_token, created_at, last_seen_at, address, device "
    "FROM web_sessions ";

AppPassword ReadAppPassword(const Stmt& s) {
  AppPassword a;
  a.id = s.Int(0);
  a.user_id = s.Int(1);
  a.name = s.Text(2);
  a.hash = s.Text(3);
  a.created_at = s.Int(4);
  a.last_used_at = s.Int(5);
  a.last_used_address = s.Text(6);
  return a;
}

WebSession ReadSession(const Stmt& s) {
  WebSession w;
  w.id = s.Int(0);
  w.token_hash = s.Text(1);
  w.user_id = s.Int(2);
  w.stage = StageOf(s.Text(3));
  w.csrf_token = s.Text(4);
  w.created_at = s.Int(5);
  w.last_seen_at = s.Int(6);
  w.address = s.Text(7);
  w.device = s.Text(8);
  return w;
}

std::string NoUser(Id id) { return "no user with id " + std::to_string(id); }

}  // namespace

Result<UserSecurity> SqliteSession::GetUserSecurity(Id user_id) {
  Result<Stmt> s = Prepare(kSecurityColumns);
  if (!s.ok()) return s.status();
  s->Bind(1, user_id);
  int rc = s->Step();
  if (rc == SQLITE_DONE) return Status::NotFound(NoUser(user_id));
  if (rc != SQLITE_ROW) return SqliteStatus(db_->raw(), rc, "reading a user's security state");
  UserSecurity u;
  u.role = s->Text(0) == "admin" ? Role::kAdmin : Role::kUser;
  u.otp_required = s->Int(1) != 0;
  u.otp_secret = s->Text(2);
  u.otp_enrolled_at = s->Int(3);
  u.otp_last_step = s->Int(4);
  u.locked_until = s->Int(5);
  u.temporary_locks = s->Int(6);
  u.blocked = s->Int(7) != 0;
  u.password_changed_at = s->Int(8);
  u.backup_email = s->Text(9);
  u.backup_email_pending = s->Text(10);
  return u;
}

Status SqliteSession::SetUserSecurity(Id user_id, const UserSecurity& u, bool bump_credentials) {
  return WriteOne(
      "UPDATE users SET role = ?1, otp_required = ?2, otp_secret = ?3, otp_enrolled_at = ?4, "
      "otp_last_step = ?5, locked_until = ?6, temporary_locks = ?7, blocked = ?8, "
      "password_changed_at = ?9, backup_email = ?10, backup_email_pending = ?11, "
      "credential_version = credential_version + ?12 WHERE id = ?13",
      "storing a user's security state",
      [&](Stmt& s) {
        s.Bind(1, u.role == Role::kAdmin ? "admin" : "user").Bind(2, int64_t{u.otp_required});
        s.Bind(3, u.otp_secret).Bind(4, u.otp_enrolled_at).Bind(5, u.otp_last_step);
        s.Bind(6, u.locked_until).Bind(7, u.temporary_locks).Bind(8, int64_t{u.blocked});
        s.Bind(9, u.password_changed_at).Bind(10, u.backup_email);
        s.Bind(11, u.backup_email_pending).Bind(12, int64_t{bump_credentials}).Bind(13, user_id);
      },
      [&](Status st) { return RequireChange(std::move(st), NoUser(user_id)); });
}

Result<User> SqliteSession::FindUserByNumenHash(const std::string& numen_hash) {
  if (numen_hash.empty()) return Status::NotFound("no user with an empty NUMEN hash");
  Result<Stmt> s = Prepare(
      "SELECT user_id FROM directory_entries WHERE numen_hash = ? AND user_id IS NOT NULL "
      "ORDER BY active DESC, id LIMIT 1");
  if (!s.ok()) return s.status();
  s->Bind(1, numen_hash);
  int rc = s->Step();
  if (rc == SQLITE_DONE) return Status::NotFound("no account with this NUMEN");
  if (rc != SQLITE_ROW) return SqliteStatus(db_->raw(), rc, "finding a NUMEN");
  Id user_id = s->Int(0);
  return GetUserById(user_id);
}

// ---- password history ----

Result<std::vector<std::string>> SqliteSession::PasswordHistory(Id user_id, size_t limit) {
  Result<Stmt> s =
      Prepare("SELECT hash FROM password_history WHERE user_id = ? ORDER BY id DESC LIMIT ?");
  if (!s.ok()) return s.status();
  s->Bind(1, user_id).Bind(2, static_cast<int64_t>(limit));
  return StepAll<std::string>(
      *s, [](const Stmt& r) { return r.Text(0); }, "reading the password history");
}

Status SqliteSession::AddPasswordHistory(Id user_id, const std::string& hash, UnixTime at,
                                         size_t keep) {
  WriteScope scope(*this);
  if (!scope.status().ok()) return scope.status();
  Result<Stmt> add =
      Prepare("INSERT INTO password_history (user_id, hash, changed_at) VALUES (?, ?, ?)");
  if (!add.ok()) return scope.Finish(add.status());
  add->Bind(1, user_id).Bind(2, hash).Bind(3, at);
  if (Status st = add->Run("recording a password"); !st.ok()) {
    return scope.Finish(st.code() == Status::Code::kNotFound ? Status::NotFound(NoUser(user_id))
                                                             : st);
  }
  Result<Stmt> trim = Prepare(
      "DELETE FROM password_history WHERE user_id = ?1 AND id NOT IN "
      "(SELECT id FROM password_history WHERE user_id = ?1 ORDER BY id DESC LIMIT ?2)");
  if (!trim.ok()) return scope.Finish(trim.status());
  trim->Bind(1, user_id).Bind(2, static_cast<int64_t>(keep));
  return scope.Finish(trim->Run("trimming the password history"));
}

// ---- failed sign-ins ----

Result<std::vector<AuthFailure>> SqliteSession::AuthFailuresSince(Id user_id, UnixTime since) {
  Result<Stmt> s = Prepare(
      "SELECT at, fingerprint, address FROM auth_failures WHERE user_id = ? AND at >= ? "
      "ORDER BY at, id");
  if (!s.ok()) return s.status();
  s->Bind(1, user_id).Bind(2, since);
  return StepAll<AuthFailure>(
      *s,
      [](const Stmt& r) {
        return AuthFailure{r.Int(0), r.Text(1), r.Text(2)};
      },
      "reading failed sign-ins");
}

Status SqliteSession::AddAuthFailure(Id user_id, const AuthFailure& failure) {
  return WriteOne(
      "INSERT INTO auth_failures (user_id, at, fingerprint, address) VALUES (?, ?, ?, ?)",
      "recording a failed sign-in", [&](Stmt& s) {
        s.Bind(1, user_id).Bind(2, failure.at).Bind(3, failure.fingerprint);
        s.Bind(4, failure.address);
      });
}

Status SqliteSession::ClearAuthFailures(Id user_id) {
  return WriteOne("DELETE FROM auth_failures WHERE user_id = ?", "clearing failed sign-ins",
                  [&](Stmt& s) { s.Bind(1, user_id); });
}

// ---- app passwords ----

Result<Id> SqliteSession::CreateAppPassword(const AppPassword& a) {
  Status st =
      WriteOne("INSERT INTO app_passwords (user_id, name, hash, created_at) VALUES (?, ?, ?, ?)",
               "creating an app password", [&](Stmt& s) {
                 s.Bind(1, a.user_id).Bind(2, a.name).Bind(3, a.hash);
                 s.Bind(4, a.created_at != 0 ? a.created_at : Now());
               });
  if (!st.ok()) return st;
  return db_->LastInsertId();
}

Result<std::vector<AppPassword>> SqliteSession::ListAppPasswords(Id user_id) {
  Result<Stmt> s = Prepare(std::string(kAppPasswordColumns) + "WHERE user_id = ? ORDER BY name");
  if (!s.ok()) return s.status();
  s->Bind(1, user_id);
  return StepAll<AppPassword>(*s, ReadAppPassword, "listing app passwords");
}

Result<AppPassword> SqliteSession::FindAppPasswordByHash(const std::string& hash) {
  Result<Stmt> s = Prepare(std::string(kAppPasswordColumns) + "WHERE hash = ?");
  if (!s.ok()) return s.status();
  s->Bind(1, hash);
  int rc = s->Step();
  if (rc == SQLITE_ROW) return ReadAppPassword(*s);
  if (rc == SQLITE_DONE) return Status::NotFound("no such app password");
  return SqliteStatus(db_->raw(), rc, "finding an app password");
}

Status SqliteSession::DeleteAppPassword(Id user_id, const std::string& name) {
  return WriteOne(
      "DELETE FROM app_passwords WHERE user_id = ? AND name = ?", "revoking an app password",
      [&](Stmt& s) { s.Bind(1, user_id).Bind(2, name); },
      [&](Status st) { return RequireChange(std::move(st), "no app password named " + name); });
}

Status SqliteSession::TouchAppPassword(Id id, UnixTime at, const std::string& address) {
  return WriteOne(
      "UPDATE app_passwords SET last_used_at = ?, last_used_address = ? WHERE id = ?",
      "recording the use of an app password",
      [&](Stmt& s) { s.Bind(1, at).Bind(2, address).Bind(3, id); },
      [&](Status st) {
        return RequireChange(std::move(st), "no app password #" + std::to_string(id));
      });
}

// ---- web sessions ----

Result<Id> SqliteSession::CreateWebSession(const WebSession& w) {
  Status st = WriteOne(
      "INSERT INTO web_sessions (token_hash, user_id, stage, csrf_token, created_at, "
      "last_seen_at, address, device) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      "creating a web session", [&](Stmt& s) {
        UnixTime created = w.created_at != 0 ? w.created_at : Now();
        s.Bind(1, w.token_hash).Bind(2, w.user_id).Bind(3, StageText(w.stage));
        s.Bind(4, w.csrf_token).Bind(5, created);
        s.Bind(6, w.last_seen_at != 0 ? w.last_seen_at : created);
        s.Bind(7, w.address).Bind(8, w.device);
      });
  if (!st.ok()) return st;
  return db_->LastInsertId();
}

Result<WebSession> SqliteSession::FindWebSession(const std::string& token_hash) {
  Result<Stmt> s = Prepare(std::string(kSessionColumns) + "WHERE token_hash = ?");
  if (!s.ok()) return s.status();
  s->Bind(1, token_hash);
  int rc = s->Step();
  if (rc == SQLITE_ROW) return ReadSession(*s);
  if (rc == SQLITE_DONE) return Status::NotFound("no such session");
  return SqliteStatus(db_->raw(), rc, "finding a web session");
}

Result<WebSession> SqliteSession::GetWebSession(Id id) {
  Result<Stmt> s = Prepare(std::string(kSessionColumns) + "WHERE id = ?");
  if (!s.ok()) return s.status();
  s->Bind(1, id);
  int rc = s->Step();
  if (rc == SQLITE_ROW) return ReadSession(*s);
  if (rc == SQLITE_DONE) return Status::NotFound("no such session");
  return SqliteStatus(db_->raw(), rc, "reading a web session");
}

Result<std::vector<WebSession>> SqliteSession::ListWebSessions(Id user_id) {
  Result<Stmt> s = Prepare(std::string(kSessionColumns) +
                           "WHERE user_id = ? ORDER BY last_seen_at DESC, id DESC");
  if (!s.ok()) return s.status();
  s->Bind(1, user_id);
  return StepAll<WebSession>(*s, ReadSession, "listing web sessions");
}

Status SqliteSession::UpdateWebSession(const WebSession& w) {
  return WriteOne(
      "UPDATE web_sessions SET stage = ?, csrf_token = ?, last_seen_at = ?, address = ?, "
      "device = ? WHERE id = ?",
      "updating a web session",
      [&](Stmt& s) {
        s.Bind(1, StageText(w.stage)).Bind(2, w.csrf_token).Bind(3, w.last_seen_at);
        s.Bind(4, w.address).Bind(5, w.device).Bind(6, w.id);
      },
      [&](Status st) {
        return RequireChange(std::move(st), "no web session #" + std::to_string(w.id));
      });
}

Status SqliteSession::DeleteWebSession(Id id) {
  return WriteOne("DELETE FROM web_sessions WHERE id = ?", "ending a web session",
                  [&](Stmt& s) { s.Bind(1, id); });
}

Result<int64_t> SqliteSession::DeleteWebSessions(Id user_id, Id except_id) {
  Status st =
      WriteOne("DELETE FROM web_sessions WHERE user_id = ? AND id <> ?", "ending web sessions",
               [&](Stmt& s) { s.Bind(1, user_id).Bind(2, except_id); });
  if (!st.ok()) return st;
  return db_->Changes();
}

Result<int64_t> SqliteSession::DeleteExpiredWebSessions(UnixTime idle_before,
                                                        UnixTime created_before) {
  Status st = WriteOne("DELETE FROM web_sessions WHERE last_seen_at < ? OR created_at < ?",
                       "deleting expired web sessions",
                       [&](Stmt& s) { s.Bind(1, idle_before).Bind(2, created_before); });
  if (!st.ok()) return st;
  return db_->Changes();
}

// ---- single-use tokens ----

Status SqliteSession::CreateAccountToken(const AccountToken& t) {
  return WriteOne(
      "INSERT INTO account_tokens (token_hash, user_id, purpose, payload, created_at, "
      "expires_at) VALUES (?, ?, ?, ?, ?, ?)",
      "creating a link", [&](Stmt& s) {
        s.Bind(1, t.token_hash).Bind(2, t.user_id).Bind(3, t.purpose).Bind(4, t.payload);
        s.Bind(5, t.created_at != 0 ? t.created_at : Now()).Bind(6, t.expires_at);
      });
}

Result<AccountToken> SqliteSession::TakeAccountToken(const std::string& token_hash,
                                                     const std::string& purpose, UnixTime now) {
  WriteScope scope(*this);
  if (!scope.status().ok()) return scope.status();
  Result<Stmt> s = Prepare(
      "SELECT token_hash, user_id, purpose, payload, created_at, expires_at FROM account_tokens "
      "WHERE token_hash = ?");
  if (!s.ok()) return scope.Finish(s.status());
  s->Bind(1, token_hash);
  int rc = s->Step();
  if (rc == SQLITE_DONE) return scope.Finish(Status::NotFound("no such link"));
  if (rc != SQLITE_ROW) return scope.Finish(SqliteStatus(db_->raw(), rc, "reading a link"));
  AccountToken t{s->Text(0), s->Int(1), s->Text(2), s->Text(3), s->Int(4), s->Int(5)};
  Result<Stmt> del = Prepare("DELETE FROM account_tokens WHERE token_hash = ?");
  if (!del.ok()) return scope.Finish(del.status());
  del->Bind(1, token_hash);
  if (t.purpose != purpose) {
    // Another purpose's token is left alone (and not revealed).
    return scope.Finish(Status::NotFound("no such link"));
  }
  if (Status st = del->Run("using a link"); !st.ok()) return scope.Finish(st);
  if (t.expires_at <= now) {
    // Consumed all the same: an expired link is deleted on sight.
    Status done = scope.Finish(Status::OK());
    if (!done.ok()) return done;
    return Status::NotFound("the link has expired");
  }
  Status done = scope.Finish(Status::OK());
  if (!done.ok()) return done;
  return t;
}

Status SqliteSession::DeleteAccountTokens(Id user_id, const std::string& purpose) {
  return WriteOne("DELETE FROM account_tokens WHERE user_id = ?1 AND (?2 = '' OR purpose = ?2)",
                  "deleting links", [&](Stmt& s) { s.Bind(1, user_id).Bind(2, purpose); });
}

// ---- recovery codes ----

Status SqliteSession::SetRecoveryCodes(Id user_id, const std::vector<std::string>& hashes) {
  WriteScope scope(*this);
  if (!scope.status().ok()) return scope.status();
  Result<Stmt> del = Prepare("DELETE FROM recovery_codes WHERE user_id = ?");
  if (!del.ok()) return scope.Finish(del.status());
  del->Bind(1, user_id);
  if (Status st = del->Run("replacing recovery codes"); !st.ok()) return scope.Finish(st);
  for (const std::string& hash : hashes) {
    Result<Stmt> add = Prepare("INSERT INTO recovery_codes (user_id, hash) VALUES (?, ?)");
    if (!add.ok()) return scope.Finish(add.status());
    add->Bind(1, user_id).Bind(2, hash);
    if (Status st = add->Run("storing a recovery code"); !st.ok()) return scope.Finish(st);
  }
  return scope.Finish(Status::OK());
}

Result<bool> SqliteSession::UseRecoveryCode(Id user_id, const std::string& hash, UnixTime at) {
  Status st = WriteOne(
      "UPDATE recovery_codes SET used_at = ?3 WHERE id = (SELECT id FROM recovery_codes "
      "WHERE user_id = ?1 AND hash = ?2 AND used_at = 0 LIMIT 1)",
      "using a recovery code", [&](Stmt& s) { s.Bind(1, user_id).Bind(2, hash).Bind(3, at); });
  if (!st.ok()) return st;
  return db_->Changes() > 0;
}

Result<int64_t> SqliteSession::UnusedRecoveryCodes(Id user_id) {
  Result<Stmt> s = Prepare("SELECT count(*) FROM recovery_codes WHERE user_id = ? AND used_at = 0");
  if (!s.ok()) return s.status();
  s->Bind(1, user_id);
  int rc = s->Step();
  if (rc != SQLITE_ROW) return SqliteStatus(db_->raw(), rc, "counting recovery codes");
  return s->Int(0);
}

// ---- audit ----

Result<Id> SqliteSession::AppendAudit(const AuditEntry& e) {
  Status st = WriteOne(
      "INSERT INTO audit_log (at, user_id, login, event, address, detail) "
      "VALUES (?, ?, ?, ?, ?, ?)",
      "writing the audit log", [&](Stmt& s) {
        s.Bind(1, e.at != 0 ? e.at : Now()).Bind(2, e.user_id).Bind(3, e.login);
        s.Bind(4, e.event).Bind(5, e.address).Bind(6, e.detail);
      });
  if (!st.ok()) return st;
  return db_->LastInsertId();
}

Result<std::vector<AuditEntry>> SqliteSession::ListAudit(const AuditQuery& q) {
  // The newest `limit` entries, returned oldest first.
  Result<Stmt> s = Prepare(
      "SELECT id, at, user_id, login, event, address, detail FROM (SELECT * FROM audit_log "
      "WHERE (?1 = 0 OR user_id = ?1) AND at >= ?2 ORDER BY at DESC, id DESC LIMIT ?3) "
      "ORDER BY at, id");
  if (!s.ok()) return s.status();
  s->Bind(1, q.user_id).Bind(2, q.since).Bind(3, static_cast<int64_t>(q.limit));
  return StepAll<AuditEntry>(
      *s,
      [](const Stmt& r) {
        return AuditEntry{r.Int(0), r.Int(1), r.Int(2), r.Text(3), r.Text(4), r.Text(5), r.Text(6)};
      },
      "reading the audit log");
}

}  // namespace cartable::store
