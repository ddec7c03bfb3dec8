// Sign-in decisions (directory/account_service.h, design "Rules"): which password opens what,
// the lockout, one-time codes, app passwords, and the audit of every outcome.
//
// Order of work in SignIn: read the account (no lock held), run the password hash (slow, no
// lock held), then one short write transaction for what the outcome changes (a failure, a lock,
// cleared counters, an app password's last use). Audit entries are written after that
// transaction: AccountService::Audit uses its own.
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

SignInResult AccountService::SignIn(Channel channel, const std::string& login_or_email,
                                    const std::string& password,
                                    const std::optional<std::string>& otp,
                                    const ClientInfo& client) {
  const store::UnixTime now = Now();
  const char* via = channel == Channel::kBasic ? "basic" : "web";
  store::Session& s = store_.ThreadSession();
  const std::string name = AsciiLower(login_or_email);
  Result<store::User> found =
      name.find('@') != std::string::npos ? s.GetUserByEmail(name) : s.GetUserByLogin(name);
  const bool active = found.ok() && found->state == store::UserState::kActive;

  // App passwords: Basic only, looked up by their keyed hash before any Argon2 (the design:
  // "Basic tries it first"). One that belongs to another account is no match.
  if (channel == Channel::kBasic && active) {
    std::string normal = NormalAppPassword(password);
    if (LooksLikeAppPassword(normal)) {
      Result<store::AppPassword> app = s.FindAppPasswordByHash(key_.Hash("app-password", normal));
      Result<store::UserSecurity> sec = s.GetUserSecurity(found->id);
      if (app.ok() && app->user_id == found->id && sec.ok()) {
        if (lockout::Locked(*sec, now)) {
          // The same answer as any refused password, after the same work.
          VerifyDummyPassword(password);
          Audit("sign-in-refused-locked", found->id, found->login, client, via);
          return {};
        }
        if (now - app->last_used_at >= kTouchEverySeconds) {
          Status touched = lockout::InWriteTransaction(store_, [&](store::Session& w) {
            return w.TouchAppPassword(app->id, now, client.address);
          });
          (void)touched;  // a busy store must not refuse a right password: next time
        }
        (void)lockout::ClearFailures(store_, found->id);
        Audit("sign-in", found->id, found->login, client, "basic app-password " + app->name);
        return {SignInOutcome::kOk, *found, app->id};
      }
    }
  }

  // Unknown, disabled: the dummy hash, so the time taken does not tell which logins exist.
  if (!active) {
    VerifyDummyPassword(password);
    Audit("sign-in-failed", found.ok() ? found->id : 0,
          found.ok() ? found->login : AuditLogin(login_or_email), client,
          std::string(via) + (found.ok() ? " disabled" : " unknown"));
    return {};
  }
  const store::User& user = *found;
  Result<store::UserSecurity> sec_or = s.GetUserSecurity(user.id);
  if (!sec_or.ok()) {
    VerifyDummyPassword(password);
    return {};
  }
  const store::UserSecurity sec = *sec_or;

  // The external directory checks personal passwords; initial (NUMEN) ones stay local.
  const bool external = verifier_ && !user.must_change_password;
  if (lockout::Locked(sec, now)) {
    // Locked or blocked: the right password too gets the answer of a wrong one, after the same
    // hashing work (never the external directory: it has its own lockout to protect).
    if (external || user.password_hash.empty()) {
      VerifyDummyPassword(password);
    } else {
      (void)VerifyPasswordEvenly(user.password_hash, password);
    }
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
    Result<std::string> lock =
        lockout::CountFailure(store_, key_, options_, user, password, client, now);
    Audit("sign-in-failed", user.id, user.login, client, via);
    if (lock.ok() && !lock->empty()) Audit(*lock, user.id, user.login, client);
    return {};
  }

  // The password is right. What it opens:
  const bool enrolled = !sec.otp_secret.empty();
  const bool otp_required = sec.otp_required || sec.role == store::Role::kAdmin;
  const uint64_t expiry_seconds = uint64_t{options_.password.expiry_days} * 86400;
  const store::UnixTime changed_at =
      sec.password_changed_at != 0 ? sec.password_changed_at : user.created_at;
  const bool expired = !external && expiry_seconds > 0 && changed_at > 0 &&
                       now - changed_at >= static_cast<store::UnixTime>(expiry_seconds);
  // An initial password (or an expired one) only lets the person choose a new one, on the web;
  // this comes before the one-time code: such an account has not enrolled yet.
  if (user.must_change_password || (expired && !enrolled)) {
    if (!enrolled) (void)lockout::ClearFailures(store_, user.id);
    Audit("sign-in", user.id, user.login, client,
          std::string(via) + (user.must_change_password ? " must-change" : " password-expired"));
    return {SignInOutcome::kMustChange, user, 0};
  }
  if (channel == Channel::kBasic) {
    // An account that requires a code (or has one) is not opened by its password over Basic:
    // its devices use app passwords. Failures are not cleared (that would let a guesser of the
    // code reset the lockout with the password).
    if (otp_required || enrolled) {
      Audit("sign-in", user.id, user.login, client, "basic app-password-needed");
      return {SignInOutcome::kAppPasswordNeeded, user, 0};
    }
    (void)lockout::ClearFailures(store_, user.id);
    Audit("sign-in", user.id, user.login, client, via);
    return {SignInOutcome::kOk, user, 0};
  }
  if (enrolled) {
    if (!otp) {
      Audit("sign-in", user.id, user.login, client, "web code-pending");
      return {SignInOutcome::kNeedsOtp, user, 0};
    }
    if (!VerifySecondFactor(user.id, *otp, client)) return {};
    if (expired) return {SignInOutcome::kMustChange, user, 0};
    return {SignInOutcome::kOk, user, 0};
  }
  if (otp_required) {
    (void)lockout::ClearFailures(store_, user.id);
    Audit("sign-in", user.id, user.login, client, "web enrolment-needed");
    return {SignInOutcome::kNeedsEnrolment, user, 0};
  }
  (void)lockout::ClearFailures(store_, user.id);
  Audit("sign-in", user.id, user.login, client, via);
  return {SignInOutcome::kOk, user, 0};
}

bool AccountService::VerifySecondFactor(store::Id user_id, const std::string& code,
                                        const ClientInfo& client) {
  const store::UnixTime now = Now();
  store::Session& s = store_.ThreadSession();
  Result<store::User> user = s.GetUserById(user_id);
  Result<store::UserSecurity> sec = s.GetUserSecurity(user_id);
  if (!user.ok() || !sec.ok() || user->state != store::UserState::kActive) return false;
  if (lockout::Locked(*sec, now)) {
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
    Result<std::string> lock =
        lockout::CountFailure(store_, key_, options_, *user, typed, client, now);
    Audit("otp-failed", user->id, user->login, client);
    if (lock.ok() && !lock->empty()) Audit(*lock, user->id, user->login, client);
    return false;
  }
  (void)lockout::ClearFailures(store_, user_id);
  Audit("sign-in", user->id, user->login, client, "web " + how);
  return true;
}

}  // namespace cartable::directory
