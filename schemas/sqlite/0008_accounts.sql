-- Cartable SQLite schema, version 8: the account lifecycle (issue 11). Store types in
-- dav/store/store.h ("account security"); the rules that use them in directory/account_service.h.
-- Every secret is stored as a hash: passwords (Argon2id), app passwords, session and link
-- tokens, recovery codes (BLAKE2b keyed with the server key), NUMEN and birth date (keyed
-- hashes, directory/secret_key.h). The one-time-code secret is sealed with the server key.

-- 1. Per-user security state (store::UserSecurity).
ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin'));
ALTER TABLE users ADD COLUMN otp_required INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN otp_secret TEXT NOT NULL DEFAULT '';        -- sealed; '' = not enrolled
ALTER TABLE users ADD COLUMN otp_enrolled_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN otp_last_step INTEGER NOT NULL DEFAULT 0;  -- replay guard (RFC 6238 §5.2)
ALTER TABLE users ADD COLUMN locked_until INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN temporary_locks INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN blocked INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN password_changed_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN backup_email TEXT NOT NULL DEFAULT '';      -- confirmed address
ALTER TABLE users ADD COLUMN backup_email_pending TEXT NOT NULL DEFAULT '';  -- awaiting its link

-- 2. Identity hashes of the directory (activation, forgotten login, blocked account).
ALTER TABLE directory_entries ADD COLUMN numen_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE directory_entries ADD COLUMN birth_hash TEXT NOT NULL DEFAULT '';
CREATE INDEX directory_entries_numen ON directory_entries(numen_hash) WHERE numen_hash <> '';

-- 3. Previous password hashes (the policy refuses the last N).
CREATE TABLE password_history (
  id         INTEGER PRIMARY KEY,
  user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  hash       TEXT    NOT NULL,
  changed_at INTEGER NOT NULL
);
CREATE INDEX password_history_user ON password_history(user_id, id);

-- 4. Failed sign-ins per account (lockout). `fingerprint` is a keyed hash of the wrong password,
--    so the same wrong password sent again by a device counts once.
CREATE TABLE auth_failures (
  id          INTEGER PRIMARY KEY,
  user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  at          INTEGER NOT NULL,
  fingerprint TEXT    NOT NULL,
  address     TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX auth_failures_user ON auth_failures(user_id, at);

-- 5. App passwords: one per device, random, looked up by their keyed hash.
CREATE TABLE app_passwords (
  id                INTEGER PRIMARY KEY,
  user_id           INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name              TEXT    NOT NULL,
  hash              TEXT    NOT NULL UNIQUE,
  created_at        INTEGER NOT NULL,
  last_used_at      INTEGER NOT NULL DEFAULT 0,
  last_used_address TEXT    NOT NULL DEFAULT '',
  UNIQUE (user_id, name)
);

-- 6. Web sessions (cookie = random token; only its hash is stored).
CREATE TABLE web_sessions (
  id           INTEGER PRIMARY KEY,
  token_hash   TEXT    NOT NULL UNIQUE,
  user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  stage        TEXT    NOT NULL,                 -- store::SessionStage
  csrf_token   TEXT    NOT NULL,
  created_at   INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  address      TEXT    NOT NULL DEFAULT '',
  device       TEXT    NOT NULL DEFAULT ''       -- User-Agent, truncated
);
CREATE INDEX web_sessions_user ON web_sessions(user_id);

-- 7. Single-use links and codes (password reset, backup e-mail confirmation).
CREATE TABLE account_tokens (
  token_hash TEXT    PRIMARY KEY,
  user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  purpose    TEXT    NOT NULL,
  payload    TEXT    NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX account_tokens_user ON account_tokens(user_id, purpose);

-- 8. One-time-code recovery codes.
CREATE TABLE recovery_codes (
  id      INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  hash    TEXT    NOT NULL,
  used_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX recovery_codes_user ON recovery_codes(user_id);

-- 9. The audit log: never a secret. user_id is kept when the user row goes (no FK): the log
--    outlives accounts; `login` is what was typed or the account's login.
CREATE TABLE audit_log (
  id      INTEGER PRIMARY KEY,
  at      INTEGER NOT NULL,
  user_id INTEGER NOT NULL DEFAULT 0,
  login   TEXT    NOT NULL DEFAULT '',
  event   TEXT    NOT NULL,
  address TEXT    NOT NULL DEFAULT '',
  detail  TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_user ON audit_log(user_id, at);
CREATE INDEX audit_log_at ON audit_log(at);
