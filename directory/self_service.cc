// Self-service steps of the account lifecycle (issue 11): activation and the "compte bloqué"
// identity check, forgotten login, forgotten password (a mailed single-use link), backup address.
//
// Identity checks compare keyed hashes only (directory/secret_key.h): the NUMEN and the birth
// date never reach the store or the audit log in clear. Links carry a random token; the store
// keeps key.Hash("token", token), so a copy of the database opens no account. A mail is queued
// in the very transaction that stores its token (a rollback sends nothing), and the mail worker
// is woken after the commit. The HTTP layer rate-limits every step (server/web/).
#include <sodium.h>

#include <algorithm>
#include <optional>
#include <string>

#include "dav/text_fold.h"
#include "directory/account_mail.h"
#include "directory/account_service.h"
#include "directory/password.h"

namespace cartable::directory {
namespace {

constexpr const char* kResetPurpose = "reset";
constexpr const char* kConfirmEmailPurpose = "confirm-email";
// What the audit log keeps of a typed login (it may be anything, even a mistyped password:
// keep it short).
constexpr size_t kAuditLoginBytes = 64;

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// Keyed hashes are hex strings of one length: compared without an early exit.
bool SameHash(const std::string& a, const std::string& b) {
  return !a.empty() && a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

// The outcome of an identity check. `user` is set whenever the identifier named an account (for
// the audit log), `match` only when the directory entry agrees with everything given.
struct Identity {
  std::optional<store::User> user;
  bool match = false;
};

// NUMEN (or, when `login_allowed`, the login) + birth date [+ last name] against the directory
// entry of an active account. An unknown identifier, a missing or inactive entry, an entry
// without the hashes, a date that is not a date: no match.
Result<Identity> CheckIdentity(store::Session& session, const SecretKey& key,
                               const std::string& identifier, bool login_allowed,
                               const std::string& birth_date,
                               const std::optional<std::string>& nom) {
  Identity out;
  std::string id = Trim(identifier);
  if (id.empty()) return out;
  Result<store::User> user = session.FindUserByNumenHash(key.Hash("numen", NormalNumen(id)));
  if (!user.ok() && user.status().code() == Status::Code::kNotFound && login_allowed) {
    user = session.GetUserByLogin(AsciiLower(id));
  }
  if (!user.ok()) {
    if (user.status().code() == Status::Code::kNotFound) return out;
    return user.status();
  }
  out.user = *user;
  if (user->state != store::UserState::kActive) return out;
  Result<store::DirectoryEntry> entry = session.GetDirectoryEntryByUser(user->id);
  if (!entry.ok()) {
    if (entry.status().code() == Status::Code::kNotFound) return out;
    return entry.status();
  }
  if (!entry->active) return out;
  std::optional<std::string> birth = NormalBirthDate(Trim(birth_date));
  if (!birth || !SameHash(entry->birth_hash, key.Hash("birth", *birth))) return out;
  if (nom) {
    std::string typed = NormalLastName(*nom);
    if (typed.empty() || typed != NormalLastName(entry->nom)) return out;
  }
  out.match = true;
  return out;
}

// The base of the links in mails, without a trailing slash.
std::string PublicBase(const AccountOptions& options) {
  std::string base = options.public_url.empty() ? "http://localhost" : options.public_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base;
}

// The sender of account mail: mail_from, else noreply at the mail domain, else at the public
// host.
std::string MailFrom(const AccountOptions& options) {
  if (!options.mail_from.empty()) return options.mail_from;
  if (!options.mail_domain.empty()) return "noreply@" + AsciiLower(options.mail_domain);
  std::string host = PublicBase(options);
  size_t scheme = host.find("://");
  if (scheme != std::string::npos) host = host.substr(scheme + 3);
  host = host.substr(0, host.find_first_of(":/"));
  if (host.empty() || host.find('.') == std::string::npos) host = "localhost.localdomain";
  return "noreply@" + AsciiLower(host);
}

std::string Greeting(const store::User& user) {
  return "Bonjour" + (user.display_name.empty() ? std::string() : " " + user.display_name) +
         ",\n\n";
}

constexpr const char* kSignature =
    "\n-- \nCartable, agenda et contacts de l'académie\n"
    "(message automatique : merci de ne pas y répondre)\n";

// Queues `text` to `to` in the current transaction of `session`.
Status QueueMail(store::Session& session, const AccountOptions& options, store::UnixTime now,
                 const std::string& to, const std::string& subject, const std::string& text) {
  AccountMail mail;
  mail.from = MailFrom(options);
  mail.to = to;
  mail.subject = subject;
  mail.text = text;
  mail.date = now;
  Result<std::string> message = BuildAccountMail(mail);
  if (!message.ok()) return message.status();
  store::QueuedMail queued;
  queued.envelope_from = mail.from;
  queued.recipient = to;
  queued.message = *message;
  queued.next_attempt = now;
  queued.created_at = now;
  return session.EnqueueMail(queued).status();
}

// What StorePersonalPassword changed besides the password.
struct Stored {
  bool was_locked = false;  // the account was locked or blocked
  int64_t sessions_ended = 0;
};

// Sets a new personal password of `user_id` (already hashed) and clears every lock: the steps
// that prove the person's identity (activation, identity check, reset link) all end this way.
// Runs in the caller's write transaction.
Result<Stored> StorePersonalPassword(store::Session& session, const AccountOptions& options,
                                     store::UnixTime now, store::Id user_id,
                                     const std::string& hash) {
  Stored out;
  Result<store::UserSecurity> security = session.GetUserSecurity(user_id);
  if (!security.ok()) return security.status();
  out.was_locked = security->blocked || security->locked_until > now;
  // Clears must_change_password and bumps credential_version (cached credentials end).
  if (Status s = session.SetPasswordHash(user_id, hash, false); !s.ok()) return s;
  if (options.password.history > 0) {
    Status s = session.AddPasswordHistory(user_id, hash, now, options.password.history);
    if (!s.ok()) return s;
  }
  security->password_changed_at = now;
  security->blocked = false;
  security->locked_until = 0;
  security->temporary_locks = 0;
  if (Status s = session.SetUserSecurity(user_id, *security, true); !s.ok()) return s;
  if (Status s = session.ClearAuthFailures(user_id); !s.ok()) return s;
  // A new password ends every session (whoever held one may be who the person locks out) and
  // makes older reset links useless.
  Result<int64_t> ended = session.DeleteWebSessions(user_id, 0);
  if (!ended.ok()) return ended.status();
  out.sessions_ended = *ended;
  if (Status s = session.DeleteAccountTokens(user_id, kResetPurpose); !s.ok()) return s;
  return out;
}

std::string PolicyCode(const std::vector<PasswordProblem>& problems) {
  return problems.front().code;
}

}  // namespace

Result<store::User> AccountService::Activate(const std::string& login_or_numen,
                                             const std::string& birth_date, const std::string& nom,
                                             const std::string& new_password,
                                             const ClientInfo& client) {
  if (verifier_) return AccountFailure(AccountError::kManagedByDirectory);
  store::Session& session = store_.ThreadSession();
  Result<Identity> identity =
      CheckIdentity(session, key_, login_or_numen, /*login_allowed=*/true, birth_date, nom);
  if (!identity.ok()) return identity.status();
  // The audit never holds what was typed here: it may be a NUMEN.
  store::Id audit_id = identity->user ? identity->user->id : 0;
  std::string audit_login = identity->user ? identity->user->login : "";
  if (!identity->match) {
    Audit("activation-failed", audit_id, audit_login, client, AccountError::kIdentityMismatch);
    return AccountFailure(AccountError::kIdentityMismatch);
  }
  const store::User& user = *identity->user;
  Result<store::UserSecurity> security = session.GetUserSecurity(user.id);
  if (!security.ok()) return security.status();
  // A personal password exists: activation is over, unless the account is blocked (then this
  // is the "compte bloqué" identity check, which sets a new password and unblocks).
  const bool personal = !user.password_hash.empty() && !user.must_change_password;
  if (personal && !security->blocked) {
    Audit("activation-failed", user.id, user.login, client, AccountError::kAlreadyActive);
    return AccountFailure(AccountError::kAlreadyActive);
  }
  std::vector<PasswordProblem> problems = CheckNewPassword(user, new_password);
  if (!problems.empty()) {
    Audit("activation-failed", user.id, user.login, client, PolicyCode(problems));
    return AccountFailure(PolicyCode(problems));
  }
  std::string hash = HashPassword(new_password, HashStrength::kStandard);  // SLOW, no lock held
  const store::UnixTime now = Now();
  Stored stored;
  {
    Result<std::unique_ptr<store::Transaction>> txn = session.Begin(true);
    if (!txn.ok()) return txn.status();
    Result<Stored> done = StorePersonalPassword(session, options_, now, user.id, hash);
    if (!done.ok()) return done.status();
    stored = *done;
    if (Status s = (*txn)->Commit(); !s.ok()) return s;
  }
  if (stored.was_locked) {
    Audit("unlocked", user.id, user.login, client, "identity check (compte bloqué)");
  }
  Audit("activated", user.id, user.login, client,
        personal ? "new password after the identity check" : "first personal password");
  if (stored.sessions_ended > 0) {
    Audit("sessions-ended", user.id, user.login, client,
          std::to_string(stored.sessions_ended) + " session(s), new password");
  }
  return session.GetUserById(user.id);
}

Result<std::string> AccountService::ForgottenLogin(const std::string& numen,
                                                   const std::string& birth_date,
                                                   const ClientInfo& client) {
  store::Session& session = store_.ThreadSession();
  Result<Identity> identity =
      CheckIdentity(session, key_, numen, /*login_allowed=*/false, birth_date, std::nullopt);
  if (!identity.ok()) return identity.status();
  if (!identity->match) {
    Audit("forgotten-login", identity->user ? identity->user->id : 0,
          identity->user ? identity->user->login : "", client, AccountError::kIdentityMismatch);
    return AccountFailure(AccountError::kIdentityMismatch);
  }
  Audit("forgotten-login", identity->user->id, identity->user->login, client, "login shown");
  return identity->user->login;
}

Status AccountService::RequestPasswordReset(const std::string& login_or_email,
                                            const ClientInfo& client) {
  std::string name = AsciiLower(Trim(login_or_email));
  if (name.empty()) return Status::OK();
  std::string typed = name.substr(0, kAuditLoginBytes);
  store::Session& session = store_.ThreadSession();
  Result<store::User> user = name.find('@') != std::string::npos ? session.GetUserByEmail(name)
                                                                 : session.GetUserByLogin(name);
  // Whatever happens below, the caller learns nothing: the same OK.
  if (!user.ok()) {
    if (user.status().code() != Status::Code::kNotFound) return user.status();
    Audit("password-reset-requested", 0, typed, client, "no such account: nothing sent");
    return Status::OK();
  }
  if (user->state != store::UserState::kActive) {
    Audit("password-reset-requested", user->id, user->login, client,
          "account disabled: nothing sent");
    return Status::OK();
  }
  if (verifier_) {
    Audit("password-reset-requested", user->id, user->login, client,
          "password managed by the directory: nothing sent");
    return Status::OK();
  }
  Result<store::UserSecurity> security = session.GetUserSecurity(user->id);
  if (!security.ok()) return security.status();
  if (security->backup_email.empty()) {
    Audit("password-reset-requested", user->id, user->login, client,
          "no confirmed backup address: nothing sent");
    return Status::OK();
  }
  const store::UnixTime now = Now();
  const std::string token = RandomToken(32);
  const std::string link = PublicBase(options_) + "/reinitialisation?jeton=" + token;
  const std::string text =
      Greeting(*user) +
      "Une réinitialisation du mot de passe de votre compte Cartable (identifiant : " +
      user->login +
      ") a été demandée.\n\nPour choisir un nouveau mot de passe, ouvrez ce lien dans les " +
      std::to_string(options_.reset_link_minutes) + " minutes :\n\n" + link +
      "\n\nCe lien ne sert qu'une fois. Si vous n'êtes pas à l'origine de cette demande, ignorez "
      "ce "
      "message : votre mot de passe reste inchangé.\n" +
      kSignature;
  {
    Result<std::unique_ptr<store::Transaction>> txn = session.Begin(true);
    if (!txn.ok()) return txn.status();
    // A new request replaces the links mailed before.
    if (Status s = session.DeleteAccountTokens(user->id, kResetPurpose); !s.ok()) return s;
    store::AccountToken row;
    row.token_hash = key_.Hash("token", token);
    row.user_id = user->id;
    row.purpose = kResetPurpose;
    row.created_at = now;
    row.expires_at = now + int64_t{options_.reset_link_minutes} * 60;
    if (Status s = session.CreateAccountToken(row); !s.ok()) return s;
    if (Status s = QueueMail(session, options_, now, security->backup_email,
                             "Réinitialisation de votre mot de passe Cartable", text);
        !s.ok()) {
      return s;
    }
    if (Status s = (*txn)->Commit(); !s.ok()) return s;
  }
  if (mail_committed_) mail_committed_();
  Audit("password-reset-requested", user->id, user->login, client,
        "link mailed to the backup address");
  return Status::OK();
}

Status AccountService::ResetPassword(const std::string& token, const std::string& new_password,
                                     const ClientInfo& client) {
  if (verifier_) return AccountFailure(AccountError::kManagedByDirectory);
  const std::string token_hash = key_.Hash("token", Trim(token));
  if (Trim(token).empty()) return AccountFailure(AccountError::kInvalidLink);
  store::Session& session = store_.ThreadSession();
  // Which account the link opens, without using it up: the new password may still be refused
  // by the policy, and the person then tries again with the same link. The take is rolled back.
  store::Id user_id = 0;
  {
    Result<std::unique_ptr<store::Transaction>> txn = session.Begin(true);
    if (!txn.ok()) return txn.status();
    Result<store::AccountToken> peek = session.TakeAccountToken(token_hash, kResetPurpose, Now());
    if (!peek.ok()) {
      if (peek.status().code() == Status::Code::kNotFound) {
        return AccountFailure(AccountError::kInvalidLink);
      }
      return peek.status();
    }
    user_id = peek->user_id;
  }  // rolled back
  Result<store::User> user = session.GetUserById(user_id);
  if (!user.ok()) {
    if (user.status().code() == Status::Code::kNotFound) {
      return AccountFailure(AccountError::kInvalidLink);
    }
    return user.status();
  }
  if (user->state != store::UserState::kActive) return AccountFailure(AccountError::kInvalidLink);
  std::vector<PasswordProblem> problems = CheckNewPassword(*user, new_password);
  if (!problems.empty()) return AccountFailure(PolicyCode(problems));
  std::string hash = HashPassword(new_password, HashStrength::kStandard);  // SLOW, no lock held
  const store::UnixTime now = Now();
  Stored stored;
  {
    Result<std::unique_ptr<store::Transaction>> txn = session.Begin(true);
    if (!txn.ok()) return txn.status();
    // Taken for good now; a concurrent use of the same link finds it gone.
    Result<store::AccountToken> taken = session.TakeAccountToken(token_hash, kResetPurpose, now);
    if (!taken.ok()) {
      if (taken.status().code() == Status::Code::kNotFound) {
        return AccountFailure(AccountError::kInvalidLink);
      }
      return taken.status();
    }
    Result<Stored> done = StorePersonalPassword(session, options_, now, user->id, hash);
    if (!done.ok()) return done.status();
    stored = *done;
    if (Status s = (*txn)->Commit(); !s.ok()) return s;
  }
  if (stored.was_locked) Audit("unlocked", user->id, user->login, client, "password reset");
  Audit("password-reset", user->id, user->login, client);
  if (stored.sessions_ended > 0) {
    Audit("sessions-ended", user->id, user->login, client,
          std::to_string(stored.sessions_ended) + " session(s), new password");
  }
  return Status::OK();
}

Status AccountService::RequestBackupEmail(store::Id user_id, const std::string& address,
                                          const ClientInfo& client) {
  const std::string normal = AsciiLower(Trim(address));
  if (!IsMailAddress(normal)) return AccountFailure(AccountError::kInvalidAddress);
  store::Session& session = store_.ThreadSession();
  Result<store::User> user = session.GetUserById(user_id);
  if (!user.ok()) return user.status();
  if (user->state != store::UserState::kActive) return Status::Forbidden("account disabled");
  const store::UnixTime now = Now();
  const std::string token = RandomToken(32);
  const std::string link =
      PublicBase(options_) + "/compte/adresse-secours/confirmer?jeton=" + token;
  const std::string text =
      Greeting(*user) +
      "Cette adresse a été indiquée comme adresse de secours du compte Cartable « " + user->login +
      " ». Elle servira à vous envoyer un lien si vous oubliez votre mot de passe.\n\n"
      "Pour la confirmer, ouvrez ce lien dans les " +
      std::to_string(options_.reset_link_minutes) + " minutes :\n\n" + link +
      "\n\nSans confirmation, cette adresse ne sera pas utilisée. Si vous ne connaissez pas ce "
      "compte, ignorez ce message.\n" +
      kSignature;
  {
    Result<std::unique_ptr<store::Transaction>> txn = session.Begin(true);
    if (!txn.ok()) return txn.status();
    Result<store::UserSecurity> security = session.GetUserSecurity(user_id);
    if (!security.ok()) return security.status();
    security->backup_email_pending = normal;
    if (Status s = session.SetUserSecurity(user_id, *security, false); !s.ok()) return s;
    // Only the newest confirmation link works.
    if (Status s = session.DeleteAccountTokens(user_id, kConfirmEmailPurpose); !s.ok()) return s;
    store::AccountToken row;
    row.token_hash = key_.Hash("token", token);
    row.user_id = user_id;
    row.purpose = kConfirmEmailPurpose;
    row.payload = normal;
    row.created_at = now;
    row.expires_at = now + int64_t{options_.reset_link_minutes} * 60;
    if (Status s = session.CreateAccountToken(row); !s.ok()) return s;
    if (Status s = QueueMail(session, options_, now, normal,
                             "Confirmez votre adresse de secours Cartable", text);
        !s.ok()) {
      return s;
    }
    if (Status s = (*txn)->Commit(); !s.ok()) return s;
  }
  if (mail_committed_) mail_committed_();
  Audit("backup-email-requested", user->id, user->login, client, "pending: " + normal);
  return Status::OK();
}

Status AccountService::ConfirmBackupEmail(const std::string& token, const ClientInfo& client) {
  if (Trim(token).empty()) return AccountFailure(AccountError::kInvalidLink);
  store::Session& session = store_.ThreadSession();
  store::User user;
  std::string address;
  {
    Result<std::unique_ptr<store::Transaction>> txn = session.Begin(true);
    if (!txn.ok()) return txn.status();
    Result<store::AccountToken> taken =
        session.TakeAccountToken(key_.Hash("token", Trim(token)), kConfirmEmailPurpose, Now());
    if (!taken.ok()) {
      if (taken.status().code() == Status::Code::kNotFound) {
        return AccountFailure(AccountError::kInvalidLink);
      }
      return taken.status();
    }
    Result<store::User> owner = session.GetUserById(taken->user_id);
    if (!owner.ok()) return owner.status();
    if (owner->state != store::UserState::kActive) {
      return AccountFailure(AccountError::kInvalidLink);
    }
    user = *owner;
    address = taken->payload;
    Result<store::UserSecurity> security = session.GetUserSecurity(user.id);
    if (!security.ok()) return security.status();
    security->backup_email = address;
    if (security->backup_email_pending == address) security->backup_email_pending.clear();
    if (Status s = session.SetUserSecurity(user.id, *security, false); !s.ok()) return s;
    // Reset links already mailed went to the previous address: they stop working.
    if (Status s = session.DeleteAccountTokens(user.id, kResetPurpose); !s.ok()) return s;
    if (Status s = (*txn)->Commit(); !s.ok()) return s;
  }
  Audit("backup-email-confirmed", user.id, user.login, client, address);
  return Status::OK();
}

}  // namespace cartable::directory
