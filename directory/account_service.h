// The account lifecycle (issue 11): sign-in decisions with lockout and one-time codes, web
// sessions, password changes under the policy, app passwords, activation and the other
// self-service steps, administration, and the audit log. No HTTP here: server/ (Basic auth,
// the web pages under server/web/, the JSON API) calls these and renders the outcome.
//
// Threads: thread-safe (each call uses the calling thread's store session). Calls marked SLOW
// run Argon2id: never on a reactor thread (server/auth.h HashPool).
// Errors: Status with a stable `code` string in AccountError for what the person can fix
// (shown in French by the pages, as the code in JSON), store errors otherwise.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dav/status.h"
#include "dav/store/store.h"
#include "directory/password_policy.h"
#include "directory/secret_key.h"

namespace cartable::directory {

// [accounts] keys (README "Accounts"). Defaults as the issue states.
struct AccountOptions {
  unsigned session_idle_minutes = 30;
  unsigned session_max_hours = 12;
  unsigned max_sessions_per_user = 20;  // a new session beyond it ends the least recently used
  unsigned lockout_threshold = 10;      // failures within the window lock the account
  unsigned lockout_window_minutes = 15;
  unsigned lockout_minutes = 15;       // first lock; doubles on each repeat
  unsigned lockout_max_temporary = 3;  // then the account is blocked
  unsigned reset_link_minutes = 30;    // forgotten-password and confirmation links
  PasswordPolicy password;
  std::string issuer = "Cartable";  // one-time-code issuer shown by authenticator apps
  unsigned max_app_passwords = 50;  // per account; AddAppPassword refuses more
  std::string public_url;           // base of the links in mails ("" = http://localhost)
  std::string mail_from;            // sender of account mail
  std::string mail_domain;          // mail_from "" = noreply@ this ("" = the public host)
};

// Where a sign-in comes from: the web (pages, JSON session) or a DAV/API client with Basic.
enum class Channel { kWeb, kBasic };

// Who is asking: for the audit log, lockout fingerprints and the devices list.
struct ClientInfo {
  std::string address;  // client IP
  std::string device;   // User-Agent
};

enum class SignInOutcome {
  kOk,                 // Basic: full access. Web: a kFull session may be created.
  kRefused,            // unknown login, wrong password or code, locked, blocked, disabled: one
                       // answer for all, so nobody learns which (locked: right password too)
  kMustChange,         // an initial (NUMEN) password, right: web only to choose a personal one;
                       // Basic gets 401 with a body that sends the person to the web page
  kNeedsOtp,           // web: password right, the one-time code is the next step
  kNeedsEnrolment,     // web: password right, the account must enrol a one-time code
  kAppPasswordNeeded,  // Basic: the account requires a one-time code, so its password does not
                       // open CalDAV/CardDAV: its devices use app passwords (401 + body)
  kUnavailable,        // the store could not be read (database down or restarting): neither
                       // right nor wrong, nothing counted or audited; Basic gets 503 + Retry-After
                       // (a 401 would make clients ask the person for the password again)
};

struct SignInResult {
  SignInOutcome outcome = SignInOutcome::kRefused;
  std::optional<store::User> user;  // set unless kRefused
  store::Id app_password_id = 0;    // Basic with an app password
};

// Stable error codes (Status message = the code; the pages map codes to French text).
namespace AccountError {
inline constexpr const char* kWrongPassword = "wrong-password";
inline constexpr const char* kWrongCode = "wrong-code";
inline constexpr const char* kIdentityMismatch = "identity-mismatch";  // activation & co.
inline constexpr const char* kAlreadyActive = "already-active";
inline constexpr const char* kNameTaken = "name-taken";
inline constexpr const char* kInvalidLink = "invalid-link";  // unknown, used or expired
inline constexpr const char* kRateLimited = "rate-limited";
inline constexpr const char* kManagedByDirectory = "managed-by-directory";  // [auth] ldap
inline constexpr const char* kOtpStillRequired = "otp-still-required";
inline constexpr const char* kInvalidAddress = "invalid-address";  // backup e-mail address
inline constexpr const char* kInvalidName = "invalid-name";        // app password name
inline constexpr const char* kTooMany = "too-many";  // app passwords beyond max_app_passwords
// Password policy codes come from PasswordProblem::code ("too-short", "reused", ...).
}  // namespace AccountError

// A Status for an AccountError code or PasswordProblem (kBadRequest, message = code) and the
// French text of a code.
Status AccountFailure(const std::string& code);
std::string FrenchMessage(const std::string& code);

struct NewSession {
  std::string token;  // the cookie value (only its hash is stored)
  store::WebSession session;
};

struct OtpEnrolment {
  std::string secret;  // base32, to type by hand
  std::string uri;     // otpauth://
  std::string qr_svg;  // inline SVG of the uri
};

// A device that reaches the account: a web session or an app password.
struct Device {
  enum class Kind { kWebSession, kAppPassword } kind;
  store::Id id = 0;
  std::string name;  // app password name, or the User-Agent of a session
  store::UnixTime created_at = 0;
  store::UnixTime last_used_at = 0;
  std::string last_address;
  bool current = false;  // the session making the request
};

class AccountService {
 public:
  using Clock = std::function<store::UnixTime()>;
  // `store`, `key` must outlive the service. An empty clock is the system clock.
  AccountService(store::Store& store, const SecretKey& key, AccountOptions options,
                 Clock clock = {});

  const AccountOptions& options() const { return options_; }

  // An external check of personal passwords ([auth] backend = ldap): when set, SignIn asks it
  // instead of the stored hash for accounts without an initial password (initial NUMEN
  // passwords and app passwords stay local), and ChangePassword/ResetPassword/Activate refuse
  // with kBadRequest "managed-by-directory". Called on hash-pool threads; must be thread-safe.
  using PasswordVerifier =
      std::function<bool(const store::User& user, const std::string& password)>;
  void SetPasswordVerifier(PasswordVerifier verifier) { verifier_ = std::move(verifier); }
  // Called after a transaction that queued mail committed (wakes the mail worker).
  void SetMailCommitted(std::function<void()> hook) { mail_committed_ = std::move(hook); }

  // ---- sign-in (directory/sign_in.cc) ----
  // SLOW. Verifies `password` for `login_or_email` on `channel` and applies the rules:
  // lockout (a failure counts once per distinct wrong password within the window; the
  // threshold locks for lockout_minutes doubling each time; past lockout_max_temporary locks
  // the account is blocked), initial password (kMustChange), one-time codes (kNeedsOtp /
  // kNeedsEnrolment on the web, kAppPasswordNeeded on Basic), app passwords (Basic only: any of
  // the account's app passwords is accepted in place of the password; records last use).
  // Audits every outcome. `otp`, when given on the web, is checked in the same call (the JSON
  // session API sends both at once).
  SignInResult SignIn(Channel channel, const std::string& login_or_email,
                      const std::string& password, const std::optional<std::string>& otp,
                      const ClientInfo& client);
  // The second step of a kNeedsOtp sign-in: a TOTP code (accepted once) or a recovery code.
  // False (audited, and counted as a failure for the lockout) when wrong.
  bool VerifySecondFactor(store::Id user_id, const std::string& code, const ClientInfo& client);
  // Whether the user's account is locked or blocked now (pages show "compte bloqué" only after
  // an identity check, never to an anonymous visitor).
  bool IsBlocked(store::Id user_id);

  // ---- web sessions (directory/web_sessions.cc) ----
  Result<NewSession> CreateSession(const store::User& user, store::SessionStage stage,
                                   const ClientInfo& client);
  // The live session for a cookie value, touched (last_seen_at = now): nullopt when unknown,
  // idle for session_idle_minutes, older than session_max_hours, or its user is not active.
  std::optional<store::WebSession> ResolveSession(const std::string& token,
                                                  const ClientInfo& client);
  Status SetSessionStage(store::Id session_id, store::SessionStage stage);
  Status EndSession(store::Id session_id);
  // "Se déconnecter partout": every session but `keep_session_id` (0 = all) and, when
  // `app_passwords` is true, every app password too. Returns how many went.
  Result<int64_t> EndAllSessions(store::Id user_id, store::Id keep_session_id, bool app_passwords);
  Result<std::vector<Device>> ListDevices(store::Id user_id, store::Id current_session_id);

  // ---- passwords (directory/password_change.cc) ----
  // SLOW. `current` must be the password (for a kMustChange session: the initial one).
  // Refuses what the policy refuses and the last `history` passwords; on success stores an
  // Argon2id hash (standard cost), clears must_change_password, ends the user's other
  // sessions, and audits.
  Status ChangePassword(store::Id user_id, const std::string& current,
                        const std::string& new_password, const ClientInfo& client,
                        store::Id keep_session_id);
  // The policy's problems for `candidate` for this user (pages show them before hashing).
  std::vector<PasswordProblem> CheckNewPassword(const store::User& user,
                                                const std::string& candidate);

  // ---- self-service (directory/self_service.cc); every step rate-limited by the caller ----
  // SLOW. Activation: NUMEN (or login) + birth date + last name (accents and case ignored)
  // match the directory entry of an account → sets `new_password` (policy applies). Refuses an
  // account that already has a personal password (kAlreadyActive) except when it was blocked
  // (then this is the identity check of "compte bloqué": unblocks and resets the lockout).
  Result<store::User> Activate(const std::string& login_or_numen, const std::string& birth_date,
                               const std::string& nom, const std::string& new_password,
                               const ClientInfo& client);
  // Forgotten login: the login of the account with this NUMEN and birth date, or
  // kIdentityMismatch.
  Result<std::string> ForgottenLogin(const std::string& numen, const std::string& birth_date,
                                     const ClientInfo& client);
  // Forgotten password: when `login_or_email` names an active account with a confirmed backup
  // address, queues (store mail queue, same transaction) a mail with a single-use link valid
  // reset_link_minutes. Always OK for the caller (the same answer whether or not the account
  // exists), except store errors.
  Status RequestPasswordReset(const std::string& login_or_email, const ClientInfo& client);
  // SLOW. Uses the link's token: sets the new password (policy applies), unblocks, audits.
  Status ResetPassword(const std::string& token, const std::string& new_password,
                       const ClientInfo& client);
  // Registers a backup address: mails a confirmation link to it (it becomes the backup address
  // once confirmed).
  Status RequestBackupEmail(store::Id user_id, const std::string& address,
                            const ClientInfo& client);
  Status ConfirmBackupEmail(const std::string& token, const ClientInfo& client);

  // ---- one-time codes (directory/otp_enrolment.cc) ----
  // A fresh secret for the user to scan; nothing is stored until ConfirmOtp.
  OtpEnrolment BeginOtpEnrolment(const store::User& user);
  // Stores the secret when `code` is right for it; returns the ten recovery codes (shown once).
  Result<std::vector<std::string>> ConfirmOtp(store::Id user_id, const std::string& secret,
                                              const std::string& code, const ClientInfo& client);
  // Removes the enrolment (refused with kBadRequest while the account requires a code).
  Status RemoveOtp(store::Id user_id, const ClientInfo& client);
  // Whether the account must use a one-time code (required flag or admin role).
  bool OtpRequired(store::Id user_id);

  // ---- app passwords (directory/app_passwords.cc) ----
  // Returns the password (shown once): 4 groups of 4 lowercase letters/digits.
  Result<std::string> AddAppPassword(store::Id user_id, const std::string& name,
                                     const ClientInfo& client);
  Result<std::vector<store::AppPassword>> ListAppPasswords(store::Id user_id);
  Status RevokeAppPassword(store::Id user_id, const std::string& name, const ClientInfo& client);

  // ---- administration (directory/account_admin.cc) ----
  Status Unlock(const std::string& login, const ClientInfo& client);
  Status SetRole(const std::string& login, store::Role role, const ClientInfo& client);
  Status SetOtpRequired(const std::string& login, bool required, const ClientInfo& client);

  // ---- audit (directory/audit.cc) ----
  // Appends an entry (errors are logged, never returned: auditing must not fail a sign-in).
  void Audit(const std::string& event, store::Id user_id, const std::string& login,
             const ClientInfo& client, const std::string& detail = "");

  store::Store& store() { return store_; }
  const SecretKey& key() const { return key_; }
  store::UnixTime Now() const { return clock_(); }

  // ---- counters for /metrics (issue 16) ----
  // Refused secrets of a person since start: a wrong, unknown or disabled login's password, a
  // locked account's, a wrong one-time or recovery code, a wrong current password at a change
  // (each audited as sign-in-failed, sign-in-refused-locked or otp-failed).
  uint64_t sign_in_failures() const { return sign_in_failures_.load(std::memory_order_relaxed); }
  // Accounts locked or blocked by failures since start (audited as locked / blocked).
  uint64_t lockouts() const { return lockouts_.load(std::memory_order_relaxed); }
  void CountSignInFailure() { sign_in_failures_.fetch_add(1, std::memory_order_relaxed); }
  void CountLockout() { lockouts_.fetch_add(1, std::memory_order_relaxed); }

 private:
  store::Store& store_;
  const SecretKey& key_;
  AccountOptions options_;
  Clock clock_;
  PasswordVerifier verifier_;
  std::function<void()> mail_committed_;
  std::atomic<uint64_t> sign_in_failures_{0};
  std::atomic<uint64_t> lockouts_{0};
};

}  // namespace cartable::directory
