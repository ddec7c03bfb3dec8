// PostgreSQL store: users and account security (mirrors the users of sqlite_store.cc and
// sqlite_accounts.cc statement by statement: same statuses, orderings and bounds; the contract
// tests in tests/unit/store/store_contract_*_test.cc run both).
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "dav/store/pg_store.h"
#include "dav/store/store_codec.h"
#include "dav/text_check.h"

namespace cartable::store {
namespace {

using pg::Params;
using pg::Rows;

// Flags are INTEGER 0/1 as in SQLite (schemas/postgres/0001_init.sql), bound as int64_t; ordering
// is bytewise because every TEXT column is COLLATE "C".

constexpr char kUserColumns[] =
    "SELECT id, login, email, display_name, password_hash, state, quota_bytes, used_bytes, "
    "credential_version, must_change_password, created_at, scheduling, kind, group_key "
    "FROM users ";

constexpr char kSecurityColumns[] =
    "SELECT role, otp_required, otp_secret, otp_enrolled_at, otp_last_step, locked_until, "
    "temporary_locks, blocked, password_changed_at, backup_email, backup_email_pending "
    "FROM users WHERE id = $1";

constexpr char kAppPasswordColumns[] =
    "SELECT id, user_id, name, hash, created_at, last_used_at, last_used_address "
    "FROM app_passwords ";

constexpr char kSessionColumns[] =
    "SELECT id, token_hash, user_id, stage, csrf_token, created_at, last_seen_at, address, device "
    "FROM web_sessions ";

User ReadUser(const Rows& r, int row) {
  User u;
  u.id = r.Int(row, 0);
  u.login = r.Text(row, 1);
  u.email = r.Text(row, 2);  // NULL reads as ""
  u.display_name = r.Text(row, 3);
  u.password_hash = r.Text(row, 4);
  u.state = StateOf(r.View(row, 5));
  u.quota_bytes = r.Int(row, 6);
  u.used_bytes = r.Int(row, 7);
  u.credential_version = r.Int(row, 8);
  u.must_change_password = r.Int(row, 9) != 0;
  u.created_at = r.Int(row, 10);
  u.scheduling = r.Int(row, 11) != 0;
  u.kind = KindOf(r.View(row, 12));
  u.group_key = r.Text(row, 13);  // NULL reads as ""
  return u;
}

// `text`, "" as NULL (the UNIQUE constraints on email and group_key then ignore it).
Params& AddTextOrNull(Params& p, const std::string& text) {
  return text.empty() ? p.AddNull() : p.Add(text);
}

// A LIMIT: SQLite reads a negative LIMIT (a size_t beyond INT64_MAX cast) as "no limit";
// PostgreSQL refuses it and reads LIMIT NULL as "no limit".
Params& AddLimit(Params& p, size_t limit) {
  if (limit > static_cast<size_t>(std::numeric_limits<int64_t>::max())) return p.AddNull();
  return p.Add(static_cast<int64_t>(limit));
}

AppPassword ReadAppPassword(const Rows& r, int row) {
  AppPassword a;
  a.id = r.Int(row, 0);
  a.user_id = r.Int(row, 1);
  a.name = r.Text(row, 2);
  a.hash = r.Text(row, 3);
  a.created_at = r.Int(row, 4);
  a.last_used_at = r.Int(row, 5);
  a.last_used_address = r.Text(row, 6);
  return a;
}

WebSession ReadSession(const Rows& r, int row) {
  WebSession w;
  w.id = r.Int(row, 0);
  w.token_hash = r.Text(row, 1);
  w.user_id = r.Int(row, 2);
  w.stage = StageOf(r.Text(row, 3));
  w.csrf_token = r.Text(row, 4);
  w.created_at = r.Int(row, 5);
  w.last_seen_at = r.Int(row, 6);
  w.address = r.Text(row, 7);
  w.device = r.Text(row, 8);
  return w;
}

std::string NoUser(Id id) { return "no user with id " + std::to_string(id); }

// Whether a stored text can equal `text`: PostgreSQL holds only well-formed UTF-8 without NUL
// (writes of anything else are refused with kBadRequest by the server, 22021, or by pg::Conn for
// a NUL). A lookup by such a key therefore finds nothing, as on SQLite, instead of failing with
// kBadRequest: a login typed in Latin-1 at sign-in is an unknown login, not a 400.
bool Storable(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    uint32_t cp = 0;
    size_t n = text[i] == '\0' ? 0 : DecodeUtf8Strict(text, i, &cp);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

// Storable for every text-format parameter (Params::Add(text), AddTexts).
bool Storable(const Params& params) {
  for (int i = 0; i < params.size(); ++i) {
    if (params.formats()[i] == 0 && !params.nulls()[i] && !Storable(params.values()[i])) {
      return false;
    }
  }
  return true;
}

// Runs one mutating statement atomically (PgWriteScope: its own write transaction, or a
// savepoint in the caller's) and returns its rows (RETURNING, affected()).
Result<Rows> WriteOne(PgSession& session, std::string_view sql, const Params& params,
                      std::string_view what) {
  PgWriteScope scope(session);
  if (!scope.status().ok()) return scope.status();
  Result<Rows> rows = session.Exec(sql, params, what);
  Status done = scope.Finish(rows.ok() ? Status::OK() : rows.status());
  if (!done.ok()) return done;
  return rows;
}

// WriteOne, kNotFound(`missing`) when the statement changed no row (SQLite's RequireChange;
// nothing changed, so there is nothing to undo).
Status WriteRequired(PgSession& session, std::string_view sql, const Params& params,
                     std::string_view what, const std::string& missing) {
  Result<Rows> rows = WriteOne(session, sql, params, what);
  if (!rows.ok()) return rows.status();
  if (rows->affected() == 0) return Status::NotFound(missing);
  return Status::OK();
}

Status WriteStatus(PgSession& session, std::string_view sql, const Params& params,
                   std::string_view what) {
  return WriteOne(session, sql, params, what).status();
}

// The id of the row an "INSERT ... RETURNING id" made.
Result<Id> InsertedId(Result<Rows> rows) {
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return Status::Internal("INSERT returned no id");
  return rows->Int(0, 0);
}

// Reads every row of `sql` with `read`. A key no row can hold matches none (as on SQLite).
template <typename T>
Result<std::vector<T>> QueryAll(PgSession& session, std::string_view sql, const Params& params,
                                std::string_view what, T (*read)(const Rows&, int)) {
  if (!Storable(params)) return std::vector<T>();
  Result<Rows> rows = session.Exec(sql, params, what);
  if (!rows.ok()) return rows.status();
  return pg::ReadAll<T>(*rows, read);
}

// The first row of `sql` read with `read`, or kNotFound(`missing`), also for a key no row can
// hold (a login typed with a NUL or in Latin-1 is unknown, as on SQLite, not a 400).
template <typename T>
Result<T> QueryOne(PgSession& session, std::string_view sql, const Params& params,
                   std::string_view what, T (*read)(const Rows&, int), const std::string& missing) {
  if (!Storable(params)) return Status::NotFound(missing);
  Result<Rows> rows = session.Exec(sql, params, what);
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return Status::NotFound(missing);
  return read(*rows, 0);
}

Result<User> QueryUser(PgSession& session, const std::string& where, const std::string& key) {
  return QueryOne<User>(session, std::string(kUserColumns) + where, Params().Add(key),
                        "reading user", ReadUser, "no user " + key);
}

}  // namespace

// ---- users ----

Result<Id> PgSession::CreateUser(const User& user) {
  Params p;
  p.Add(user.login);
  AddTextOrNull(p, user.email);
  p.Add(user.display_name).Add(user.password_hash).Add(StateText(user.state));
  p.Add(user.quota_bytes).Add(user.credential_version > 0 ? user.credential_version : 1);
  p.Add(int64_t{user.must_change_password});
  p.Add(user.created_at != 0 ? user.created_at : Now());
  p.Add(user.kind == UserKind::kGroup ? "group" : "person");
  AddTextOrNull(p, user.group_key);
  p.Add(int64_t{user.scheduling});  // off for group accounts (no inbox)
  return InsertedId(
      WriteOne(*this,
               "INSERT INTO users (login, email, display_name, password_hash, state, quota_bytes, "
               "credential_version, must_change_password, created_at, kind, group_key, scheduling) "
               "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
               p, "creating user " + user.login));
}

Result<User> PgSession::GetUserById(Id id) {
  return QueryOne<User>(*this, std::string(kUserColumns) + "WHERE id = $1", Params().Add(id),
                        "reading user", ReadUser, NoUser(id));
}

Result<User> PgSession::GetUserByLogin(const std::string& login) {
  return QueryUser(*this, "WHERE login = $1", login);
}

Result<User> PgSession::GetUserByEmail(const std::string& email) {
  if (email.empty()) return Status::NotFound("no user with an empty email");
  return QueryUser(*this, "WHERE email = $1", email);
}

Result<User> PgSession::GetUserByGroupKey(const std::string& group_key) {
  if (group_key.empty()) return Status::NotFound("no group with an empty key");
  return QueryUser(*this, "WHERE group_key = $1", group_key);
}

Result<std::vector<User>> PgSession::ListUsers() {
  return QueryAll<User>(*this, std::string(kUserColumns) + "WHERE kind = 'person' ORDER BY login",
                        Params(), "listing users", ReadUser);
}

Result<std::vector<User>> PgSession::ListGroups() {
  return QueryAll<User>(*this, std::string(kUserColumns) + "WHERE kind = 'group' ORDER BY login",
                        Params(), "listing users", ReadUser);
}

Status PgSession::UpdateUser(const User& user) {
  Params p;
  p.Add(user.display_name);
  AddTextOrNull(p, user.email);
  p.Add(user.quota_bytes).Add(int64_t{user.must_change_password}).Add(StateText(user.state));
  p.Add(user.id).Add(int64_t{user.scheduling});
  // In SET expressions `state` is the old value: the version moves only on a real state change.
  return WriteRequired(
      *this,
      "UPDATE users SET display_name = $1, email = $2, quota_bytes = $3, "
      "must_change_password = $4, "
      "credential_version = credential_version + CASE WHEN state <> $5 THEN 1 ELSE 0 END, "
      "state = $5, scheduling = $7 WHERE id = $6",
      p, "updating user " + user.login, NoUser(user.id));
}

Status PgSession::SetPasswordHash(Id user_id, const std::string& hash, bool must_change) {
  return WriteRequired(*this,
                       "UPDATE users SET password_hash = $1, must_change_password = $2, "
                       "credential_version = credential_version + 1 WHERE id = $3",
                       Params().Add(hash).Add(int64_t{must_change}).Add(user_id),
                       "setting a password", NoUser(user_id));
}

// ---- security state ----

Result<UserSecurity> PgSession::GetUserSecurity(Id user_id) {
  Result<Rows> r = Exec(kSecurityColumns, Params().Add(user_id), "reading a user's security state");
  if (!r.ok()) return r.status();
  if (r->empty()) return Status::NotFound(NoUser(user_id));
  UserSecurity u;
  u.role = r->Text(0, 0) == "admin" ? Role::kAdmin : Role::kUser;
  u.otp_required = r->Int(0, 1) != 0;
  u.otp_secret = r->Text(0, 2);
  u.otp_enrolled_at = r->Int(0, 3);
  u.otp_last_step = r->Int(0, 4);
  u.locked_until = r->Int(0, 5);
  u.temporary_locks = r->Int(0, 6);
  u.blocked = r->Int(0, 7) != 0;
  u.password_changed_at = r->Int(0, 8);
  u.backup_email = r->Text(0, 9);
  u.backup_email_pending = r->Text(0, 10);
  return u;
}

Status PgSession::SetUserSecurity(Id user_id, const UserSecurity& u, bool bump_credentials) {
  Params p;
  p.Add(u.role == Role::kAdmin ? "admin" : "user").Add(int64_t{u.otp_required});
  p.Add(u.otp_secret).Add(u.otp_enrolled_at).Add(u.otp_last_step);
  p.Add(u.locked_until).Add(u.temporary_locks).Add(int64_t{u.blocked});
  p.Add(u.password_changed_at).Add(u.backup_email);
  p.Add(u.backup_email_pending).Add(int64_t{bump_credentials}).Add(user_id);
  return WriteRequired(
      *this,
      "UPDATE users SET role = $1, otp_required = $2, otp_secret = $3, otp_enrolled_at = $4, "
      "otp_last_step = $5, locked_until = $6, temporary_locks = $7, blocked = $8, "
      "password_changed_at = $9, backup_email = $10, backup_email_pending = $11, "
      "credential_version = credential_version + $12 WHERE id = $13",
      p, "storing a user's security state", NoUser(user_id));
}

Result<User> PgSession::FindUserByNumenHash(const std::string& numen_hash) {
  if (numen_hash.empty()) return Status::NotFound("no user with an empty NUMEN hash");
  if (!Storable(numen_hash)) return Status::NotFound("no account with this NUMEN");
  Result<Rows> r = Exec(
      "SELECT user_id FROM directory_entries WHERE numen_hash = $1 AND user_id IS NOT NULL "
      "ORDER BY active DESC, id LIMIT 1",
      Params().Add(numen_hash), "finding a NUMEN");
  if (!r.ok()) return r.status();
  if (r->empty()) return Status::NotFound("no account with this NUMEN");
  return GetUserById(r->Int(0, 0));
}

// ---- password history ----

Result<std::vector<std::string>> PgSession::PasswordHistory(Id user_id, size_t limit) {
  Params p;
  p.Add(user_id);
  AddLimit(p, limit);
  return QueryAll<std::string>(
      *this, "SELECT hash FROM password_history WHERE user_id = $1 ORDER BY id DESC LIMIT $2", p,
      "reading the password history", [](const Rows& r, int row) { return r.Text(row, 0); });
}

Status PgSession::AddPasswordHistory(Id user_id, const std::string& hash, UnixTime at,
                                     size_t keep) {
  PgWriteScope scope(*this);
  if (!scope.status().ok()) return scope.status();
  Result<Rows> add =
      Exec("INSERT INTO password_history (user_id, hash, changed_at) VALUES ($1, $2, $3)",
           Params().Add(user_id).Add(hash).Add(at), "recording a password");
  if (!add.ok()) {
    return scope.Finish(add.status().code() == Status::Code::kNotFound
                            ? Status::NotFound(NoUser(user_id))
                            : add.status());
  }
  Params trim;
  trim.Add(user_id);
  AddLimit(trim, keep);
  return scope.Finish(
      Exec("DELETE FROM password_history WHERE user_id = $1 AND id NOT IN "
           "(SELECT id FROM password_history WHERE user_id = $1 ORDER BY id DESC LIMIT $2)",
           trim, "trimming the password history")
          .status());
}

// ---- failed sign-ins ----

Result<std::vector<AuthFailure>> PgSession::AuthFailuresSince(Id user_id, UnixTime since) {
  return QueryAll<AuthFailure>(
      *this,
      "SELECT at, fingerprint, address FROM auth_failures WHERE user_id = $1 AND at >= $2 "
      "ORDER BY at, id",
      Params().Add(user_id).Add(since), "reading failed sign-ins", [](const Rows& r, int row) {
        return AuthFailure{r.Int(row, 0), r.Text(row, 1), r.Text(row, 2)};
      });
}

Status PgSession::AddAuthFailure(Id user_id, const AuthFailure& failure) {
  return WriteStatus(
      *this,
      "INSERT INTO auth_failures (user_id, at, fingerprint, address) VALUES ($1, $2, $3, $4)",
      Params().Add(user_id).Add(failure.at).Add(failure.fingerprint).Add(failure.address),
      "recording a failed sign-in");
}

Status PgSession::ClearAuthFailures(Id user_id) {
  return WriteStatus(*this, "DELETE FROM auth_failures WHERE user_id = $1", Params().Add(user_id),
                     "clearing failed sign-ins");
}

// ---- app passwords ----

Result<Id> PgSession::CreateAppPassword(const AppPassword& a) {
  return InsertedId(WriteOne(
      *this,
      "INSERT INTO app_passwords (user_id, name, hash, created_at) VALUES ($1, $2, $3, $4) "
      "RETURNING id",
      Params().Add(a.user_id).Add(a.name).Add(a.hash).Add(a.created_at != 0 ? a.created_at : Now()),
      "creating an app password"));
}

Result<std::vector<AppPassword>> PgSession::ListAppPasswords(Id user_id) {
  return QueryAll<AppPassword>(
      *this, std::string(kAppPasswordColumns) + "WHERE user_id = $1 ORDER BY name",
      Params().Add(user_id), "listing app passwords", ReadAppPassword);
}

Result<AppPassword> PgSession::FindAppPasswordByHash(const std::string& hash) {
  return QueryOne<AppPassword>(*this, std::string(kAppPasswordColumns) + "WHERE hash = $1",
                               Params().Add(hash), "finding an app password", ReadAppPassword,
                               "no such app password");
}

Status PgSession::DeleteAppPassword(Id user_id, const std::string& name) {
  if (!Storable(name)) return Status::NotFound("no app password named " + name);
  return WriteRequired(*this, "DELETE FROM app_passwords WHERE user_id = $1 AND name = $2",
                       Params().Add(user_id).Add(name), "revoking an app password",
                       "no app password named " + name);
}

Status PgSession::TouchAppPassword(Id id, UnixTime at, const std::string& address) {
  return WriteRequired(
      *this, "UPDATE app_passwords SET last_used_at = $1, last_used_address = $2 WHERE id = $3",
      Params().Add(at).Add(address).Add(id), "recording the use of an app password",
      "no app password #" + std::to_string(id));
}

// ---- web sessions ----

Result<Id> PgSession::CreateWebSession(const WebSession& w) {
  UnixTime created = w.created_at != 0 ? w.created_at : Now();
  Params p;
  p.Add(w.token_hash).Add(w.user_id).Add(StageText(w.stage));
  p.Add(w.csrf_token).Add(created);
  p.Add(w.last_seen_at != 0 ? w.last_seen_at : created);
  p.Add(w.address).Add(w.device);
  return InsertedId(WriteOne(
      *this,
      "INSERT INTO web_sessions (token_hash, user_id, stage, csrf_token, created_at, "
      "last_seen_at, address, device) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
      p, "creating a web session"));
}

Result<WebSession> PgSession::FindWebSession(const std::string& token_hash) {
  return QueryOne<WebSession>(*this, std::string(kSessionColumns) + "WHERE token_hash = $1",
                              Params().Add(token_hash), "finding a web session", ReadSession,
                              "no such session");
}

Result<WebSession> PgSession::GetWebSession(Id id) {
  return QueryOne<WebSession>(*this, std::string(kSessionColumns) + "WHERE id = $1",
                              Params().Add(id), "reading a web session", ReadSession,
                              "no such session");
}

Result<std::vector<WebSession>> PgSession::ListWebSessions(Id user_id) {
  return QueryAll<WebSession>(
      *this,
      std::string(kSessionColumns) + "WHERE user_id = $1 ORDER BY last_seen_at DESC, id DESC",
      Params().Add(user_id), "listing web sessions", ReadSession);
}

Status PgSession::UpdateWebSession(const WebSession& w) {
  return WriteRequired(*this,
                       "UPDATE web_sessions SET stage = $1, csrf_token = $2, last_seen_at = $3, "
                       "address = $4, device = $5 WHERE id = $6",
                       Params()
                           .Add(StageText(w.stage))
                           .Add(w.csrf_token)
                           .Add(w.last_seen_at)
                           .Add(w.address)
                           .Add(w.device)
                           .Add(w.id),
                       "updating a web session", "no web session #" + std::to_string(w.id));
}

Status PgSession::DeleteWebSession(Id id) {
  return WriteStatus(*this, "DELETE FROM web_sessions WHERE id = $1", Params().Add(id),
                     "ending a web session");
}

Result<int64_t> PgSession::DeleteWebSessions(Id user_id, Id except_id) {
  Result<Rows> r = WriteOne(*this, "DELETE FROM web_sessions WHERE user_id = $1 AND id <> $2",
                            Params().Add(user_id).Add(except_id), "ending web sessions");
  if (!r.ok()) return r.status();
  return r->affected();
}

Result<int64_t> PgSession::DeleteExpiredWebSessions(UnixTime idle_before, UnixTime created_before) {
  Result<Rows> r =
      WriteOne(*this, "DELETE FROM web_sessions WHERE last_seen_at < $1 OR created_at < $2",
               Params().Add(idle_before).Add(created_before), "deleting expired web sessions");
  if (!r.ok()) return r.status();
  return r->affected();
}

// ---- single-use tokens ----

Status PgSession::CreateAccountToken(const AccountToken& t) {
  return WriteStatus(*this,
                     "INSERT INTO account_tokens (token_hash, user_id, purpose, payload, "
                     "created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
                     Params()
                         .Add(t.token_hash)
                         .Add(t.user_id)
                         .Add(t.purpose)
                         .Add(t.payload)
                         .Add(t.created_at != 0 ? t.created_at : Now())
                         .Add(t.expires_at),
                     "creating a link");
}

Result<AccountToken> PgSession::TakeAccountToken(const std::string& token_hash,
                                                 const std::string& purpose, UnixTime now) {
  if (!Storable(token_hash)) return Status::NotFound("no such link");
  PgWriteScope scope(*this);
  if (!scope.status().ok()) return scope.status();
  // Write transactions are serialised (pg_store.h), so no other node takes the token between
  // this read and the DELETE below.
  Result<Rows> r = Exec(
      "SELECT token_hash, user_id, purpose, payload, created_at, expires_at FROM account_tokens "
      "WHERE token_hash = $1",
      Params().Add(token_hash), "reading a link");
  if (!r.ok()) return scope.Finish(r.status());
  if (r->empty()) return scope.Finish(Status::NotFound("no such link"));
  AccountToken t{r->Text(0, 0), r->Int(0, 1), r->Text(0, 2),
                 r->Text(0, 3), r->Int(0, 4), r->Int(0, 5)};
  if (t.purpose != purpose) {
    // Another purpose's token is left alone (and not revealed).
    return scope.Finish(Status::NotFound("no such link"));
  }
  Result<Rows> del = Exec("DELETE FROM account_tokens WHERE token_hash = $1",
                          Params().Add(token_hash), "using a link");
  if (!del.ok()) return scope.Finish(del.status());
  Status done = scope.Finish(Status::OK());
  if (!done.ok()) return done;
  // Consumed all the same: an expired link is deleted on sight.
  if (t.expires_at <= now) return Status::NotFound("the link has expired");
  return t;
}

Status PgSession::DeleteAccountTokens(Id user_id, const std::string& purpose) {
  if (!Storable(purpose)) return Status::OK();  // no link has this purpose
  return WriteStatus(*this,
                     "DELETE FROM account_tokens WHERE user_id = $1 AND ($2 = '' OR purpose = $2)",
                     Params().Add(user_id).Add(purpose), "deleting links");
}

// ---- recovery codes ----

Status PgSession::SetRecoveryCodes(Id user_id, const std::vector<std::string>& hashes) {
  PgWriteScope scope(*this);
  if (!scope.status().ok()) return scope.status();
  Result<Rows> del = Exec("DELETE FROM recovery_codes WHERE user_id = $1", Params().Add(user_id),
                          "replacing recovery codes");
  if (!del.ok()) return scope.Finish(del.status());
  if (hashes.empty()) return scope.Finish(Status::OK());
  // One statement for the whole set, ids given in the order of `hashes` as SQLite's loop does.
  Result<Rows> add = Exec(
      "INSERT INTO recovery_codes (user_id, hash) SELECT $1, h FROM unnest($2::text[]) "
      "WITH ORDINALITY AS t(h, n) ORDER BY n",
      Params().Add(user_id).AddTexts(hashes), "storing a recovery code");
  return scope.Finish(add.status());
}

Result<bool> PgSession::UseRecoveryCode(Id user_id, const std::string& hash, UnixTime at) {
  if (!Storable(hash)) return false;  // no code has this hash
  Result<Rows> r =
      WriteOne(*this,
               "UPDATE recovery_codes SET used_at = $3 WHERE id = (SELECT id FROM recovery_codes "
               "WHERE user_id = $1 AND hash = $2 AND used_at = 0 LIMIT 1)",
               Params().Add(user_id).Add(hash).Add(at), "using a recovery code");
  if (!r.ok()) return r.status();
  return r->affected() > 0;
}

Result<int64_t> PgSession::UnusedRecoveryCodes(Id user_id) {
  Result<Rows> r = Exec("SELECT count(*) FROM recovery_codes WHERE user_id = $1 AND used_at = 0",
                        Params().Add(user_id), "counting recovery codes");
  if (!r.ok()) return r.status();
  return r->Int(0, 0);
}

// ---- audit ----

Result<Id> PgSession::AppendAudit(const AuditEntry& e) {
  return InsertedId(WriteOne(*this,
                             "INSERT INTO audit_log (at, user_id, login, event, address, detail) "
                             "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                             Params()
                                 .Add(e.at != 0 ? e.at : Now())
                                 .Add(e.user_id)
                                 .Add(e.login)
                                 .Add(e.event)
                                 .Add(e.address)
                                 .Add(e.detail),
                             "writing the audit log"));
}

Result<std::vector<AuditEntry>> PgSession::ListAudit(const AuditQuery& q) {
  // The newest `limit` entries, returned oldest first.
  Params p;
  p.Add(q.user_id).Add(q.since);
  AddLimit(p, q.limit);
  return QueryAll<AuditEntry>(
      *this,
      "SELECT id, at, user_id, login, event, address, detail FROM (SELECT * FROM audit_log "
      "WHERE ($1 = 0 OR user_id = $1) AND at >= $2 ORDER BY at DESC, id DESC LIMIT $3) AS newest "
      "ORDER BY at, id",
      p, "reading the audit log", [](const Rows& r, int row) {
        return AuditEntry{r.Int(row, 0),  r.Int(row, 1),  r.Int(row, 2), r.Text(row, 3),
                          r.Text(row, 4), r.Text(row, 5), r.Text(row, 6)};
      });
}

}  // namespace cartable::store
