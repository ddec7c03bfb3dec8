// Sign-in decisions (directory/account_service.h, design "Rules"): which password opens what,
// the lockout, one-time codes, app passwords, and the audit of every outcome.
//
// Order of work in SignIn: read the account (no lock held), run the password hash (slow, no
// lock held), then short write transactions for what the outcome changes (a failure with its
// audit entries in one; cleared counters, an app password's last use, the audit of a success).
// Every outcome but an accepted app password costs one hash: Argon2id or the dummy one
// (directory/password.h).
#include <algorithm>
#include <cctype>
#include <string>

#include "dav/text_fold.h"
#include "directory/account_service.h"
#include "directory/lockout.h"
#include "directory/otp.h"
#include "directory/password.h"

namespace cartable::directory {
namespace {

constexpr store::UnixTime kTouchEverySeconds = 60;  // app password last use: once a minute
constexpr size_t kMaxAuditLogin = 128;              // what was typed as a login, in the audit

// What an unknown login is recorded as: printable ASCII kept, the rest replaced, bounded (the
// audit shows it to administrators; it is not a secret but it is client-controlled).
std::string AuditLogin(const std::string& typed) {
  std::string out;
  for (char c : typed.substr(0, kMaxAuditLogin)) {
    out += (c >= 0x21 && c <= 0x7e) ? c : '?';
  }
  return out;
}

// App passwords are "xxxx-xxxx-xxxx-xxxx" (lowercase base32): what is hashed is the 16
// characters without hyphens or blanks, lowercase, so that "ABCD EFGH ..." typed by hand works.
std::string NormalAppPassword(const std::string& typed) {
  std::string out;
  for (char c : typed) {
    if (c == '-' || c == ' ') continue;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

bool LooksLikeAppPassword(const std::string& normal) {
  return normal.size() == 16 && std::all_of(normal.begin(), normal.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '2' && c <= '7');
         });
}

bool IsTotpCode(const std::string& code) {
  return code.size() == 6 &&
         std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

bool AccountService::IsBlocked(store::Id user_id) {
  Result<store::UserSecurity> sec = store_.ThreadSession().GetUserSecurity(user_id);
  return sec.ok() && lockout::Locked(*sec, Now());
}

bool AccountService::OtpRequired(store::Id user_id) {
  Result<store::UserSecurity> sec = store_.ThreadSession().GetUserSecurity(user_id);
  return sec.ok() && (sec->otp_required || sec->role == store::Role::kAdmin);
}

namespace {

// Basic with one of the account's app passwords (looked up by its keyed hash: no Argon2), or
// nullopt when `password` is none of them (then the account password is tried).
std::optional<SignInResult> AppPasswordSignIn(AccountService& service, const store::User& user,
                                              const std::string& password, const ClientInfo& client,
                                              store::UnixTime now) {
  const std::string normal = NormalAppPassword(password);
  if (!LooksLikeAppPassword(normal)) return std::nullopt;
  store::Session& s = service.store().ThreadSession();
  Result<store::AppPassword> app =
      s.FindAppPasswordByHash(service.key().Hash("app-password", normal));
  if (!app.ok() || app->user_id != user.id) return std::nullopt;  // another's is no match
  Result<store::UserSecurity> sec = s.GetUserSecurity(user.id);
  if (!sec.ok() || lockout::Locked(*sec, now)) {
    // Locked or blocked: the answer of any refused password, after the same work.
    VerifyDummyPassword(password);
    service.Audit("sign-in-refused-locked", user.id, user.login, client, "basic");
    return SignInResult{};
  }
  if (now - app->last_used_at >= kTouchEverySeconds) {
    // A busy store must not refuse a right password: the last use is written next time.
    (void)lockout::InWriteTransaction(service.store(), [&](store::Session& w) {
      return w.TouchAppPassword(app->id, now, client.address);
    });
  }
  (void)lockout::ClearFailures(service.store(), user.id);
  service.Audit("sign-in", user.id, user.login, client, "basic app-password " + app->name);
  return SignInResult{SignInOutcome::kOk, user, app->id};
}

// What a right password opens: an initial or expired one only the password change, an account
// with a one-time code the code step (web) or nothing (Basic: app passwords), else everything.
// Failures are cleared only when nothing more is to be proved, so that a guesser who knows the
// password cannot reset the lockout between guesses of the code.
SignInResult AfterRightPassword(AccountService& service, Channel channel, const store::User& user,
                                const store::UserSecurity& sec, bool external,
                                const std::optional<std::string>& otp, const ClientInfo& client,
                                store::UnixTime now) {
  const std::string via = channel == Channel::kBasic ? "basic" : "web";
  const bool enrolled = !sec.otp_secret.empty();
  const bool otp_required = sec.otp_required || sec.role == store::Role::kAdmin;
  const int64_t expiry_seconds = int64_t{service.options().password.expiry_days} * 86400;
  const store::UnixTime changed_at =
      sec.password_changed_at != 0 ? sec.password_changed_at : user.created_at;
  const bool expired =
      !external && expiry_seconds > 0 && changed_at > 0 && now - changed_at >= expiry_seconds;
  auto done = [&](SignInOutcome outcome, const std::string& detail, bool clear) {
    if (clear) (void)lockout::ClearFailures(service.store(), user.id);
    service.Audit("sign-in", user.id, user.login, client, detail);
    return SignInResult{outcome, user, 0};
  };
  // Before the one-time code: an initial password belongs to an account that never signed in,
  // so never enrolled.
  if (user.must_change_password || (expired && !enrolled)) {
    return done(SignInOutcome::kMustChange,
                via + (user.must_change_password ? " must-change" : " password-expired"),
                !enrolled);
  }
  if (channel == Channel::kBasic) {
    // From the moment an account requires a code (enrolled or not yet), or has one, its
    // password no longer opens CalDAV/CardDAV: its devices use app passwords.
    if (otp_required || enrolled) {
      return done(SignInOutcome::kAppPasswordNeeded, "basic app-password-needed", false);
    }
    return done(SignInOutcome::kOk, via, true);
  }
  if (enrolled) {
    if (!otp) return done(SignInOutcome::kNeedsOtp, "web code-pending", false);
    // VerifySecondFactor audits (and counts a wrong code) itself.
    if (!service.VerifySecondFactor(user.id, *otp, client)) return SignInResult{};
    return SignInResult{expired ? SignInOutcome::kMustChange : SignInOutcome::kOk, user, 0};
  }
  if (otp_required) return done(SignInOutcome::kNeedsEnrolment, "web enrolment-needed", true);
  return done(SignInOutcome::kOk, via, true);
}

}  // namespace

SignInResult AccountService::SignIn(Channel channel, const std::string& login_or_email,
                                    const std::string& password,
                                    const std::optional<std::string>& otp,
                                    const ClientInfo& client) {
  const store::UnixTime now = Now();
  const std::string via = channel == Channel::kBasic ? "basic" : "web";
  store::Session& s = store_.ThreadSession();
  const std::string name = AsciiLower(login_or_email);
  Result<store::User> found =
      name.find('@') != std::string::npos ? s.GetUserByEmail(name) : s.GetUserByLogin(name);
  // Group accounts (departments, establishments) never sign in, whatever an external
  // directory would say of their login (directory/group_accounts.h).
  // A store that cannot answer (several nodes: the database restarting) says nothing about the
  // login: the request is answered "retry later", never "wrong password".
  if (!found.ok() && found.status().code() == Status::Code::kUnavailable) {
    return {SignInOutcome::kUnavailable, std::nullopt, 0};
  }
  const bool active = found.ok() && found->state == store::UserState::kActive &&
                      found->kind == store::UserKind::kPerson;

  // App passwords: Basic only, tried first (the design: a cheap lookup, no Argon2).
  if (channel == Channel::kBasic && active) {
    if (std::optional<SignInResult> r = AppPasswordSignIn(*this, *found, password, client, now)) {
      return *r;
    }
  }
  // Unknown, disabled: the dummy hash, so the time taken does not tell which logins exist.
  Result<store::UserSecurity> sec =
      active ? s.GetUserSecurity(found->id) : Result<store::UserSecurity>(Status::NotFound(""));
  if (!sec.ok() && sec.status().code() == Status::Code::kUnavailable) {
    return {SignInOutcome::kUnavailable, std::nullopt, 0};
  }
  if (!active || !sec.ok()) {
    VerifyDummyPassword(password);
    CountSignInFailure();
    Audit("sign-in-failed", found.ok() ? found->id : 0,
          found.ok() ? found->login : AuditLogin(login_or_email), client,
          via + (found.ok() ? " disabled" : " unknown"));
    return {};
  }
  const store::User& user = *found;
  // The external directory checks personal passwords; initial (NUMEN) ones stay local.
  const bool external = verifier_ && !user.must_change_password;
  if (lockout::Locked(*sec, now)) {
    // Locked or blocked: the right password too gets the answer of a wrong one, after the same
    // hashing work (never the external directory: it has its own lockout to protect).
    if (external || user.password_hash.empty()) {
      VerifyDummyPassword(password);
    } else {
      (void)VerifyPasswordEvenly(user.password_hash, password);
    }
    CountSignInFailure();
    Audit("sign-in-refused-locked", user.id, user.login, client, via);
    return {};
  }
  bool right = false;
  if (external) {
    right = verifier_(user, password);
  } else if (user.password_hash.empty()) {
    VerifyDummyPassword(password);  // imported without a NUMEN: only activation sets one
  } else {
    right = VerifyPasswordEvenly(user.password_hash, password);
  }
  if (!right) {
    (void)lockout::CountFailure(*this, user, password, client, now, "sign-in-failed", via);
    return {};
  }
  return AfterRightPassword(*this, channel, user, *sec, external, otp, client, now);
}

bool AccountService::VerifySecondFactor(store::Id user_id, const std::string& code,
                                        const ClientInfo& client) {
  const store::UnixTime now = Now();
  store::Session& s = store_.ThreadSession();
  Result<store::User> user = s.GetUserById(user_id);
  Result<store::UserSecurity> sec = s.GetUserSecurity(user_id);
  if (!user.ok() || !sec.ok() || user->state != store::UserState::kActive) return false;
  if (lockout::Locked(*sec, now)) {
    CountSignInFailure();
    Audit("sign-in-refused-locked", user->id, user->login, client, "code");
    return false;
  }
  std::string typed;
  for (char c : code) {
    if (c != ' ') typed += c;
  }
  bool right = false;
  std::string how;
  if (IsTotpCode(typed)) {
    std::optional<std::string> secret =
        sec->otp_secret.empty() ? std::nullopt : key_.Open(sec->otp_secret);
    std::optional<int64_t> step = secret ? VerifyTotp(*secret, typed, now) : std::nullopt;
    if (step) {
      // RFC 6238 §5.2: a code is accepted once. The step is compared again under the write
      // lock, so two requests racing with the same code cannot both pass.
      Status st = lockout::InWriteTransaction(store_, [&](store::Session& w) -> Status {
        Result<store::UserSecurity> cur = w.GetUserSecurity(user_id);
        if (!cur.ok()) return cur.status();
        if (*step <= cur->otp_last_step) return Status::OK();
        cur->otp_last_step = *step;
        right = true;
        return w.SetUserSecurity(user_id, *cur, /*bump_credentials=*/false);
      });
      if (!st.ok()) right = false;
    }
    how = "code";
  } else if (!typed.empty() && typed.size() <= 64) {
    const std::string hash = key_.Hash("recovery", NormalRecoveryCode(typed));
    Result<bool> used = false;
    Status st = lockout::InWriteTransaction(store_, [&](store::Session& w) -> Status {
      used = w.UseRecoveryCode(user_id, hash, now);
      return used.status();
    });
    right = st.ok() && used.ok() && *used;
    how = "recovery-code";
  }
  if (!right) {
    (void)lockout::CountFailure(*this, *user, typed, client, now, "otp-failed", how);
    return false;
  }
  (void)lockout::ClearFailures(store_, user_id);
  Audit("sign-in", user->id, user->login, client, "web " + how);
  return true;
}

}  // namespace cartable::directory
