// Password changes by the person (directory/account_service.h): the current password, the
// policy (directory/password_policy.h) plus what needs the store and the key (not the NUMEN,
// not one of the last `history` passwords), then an Argon2id hash at the standard cost.
#include <algorithm>
#include <string>
#include <vector>

#include "directory/account_service.h"
#include "directory/lockout.h"
#include "directory/password.h"

namespace cartable::directory {
namespace {

bool Has(const std::vector<PasswordProblem>& problems, const std::string& code) {
  return std::any_of(problems.begin(), problems.end(),
                     [&](const PasswordProblem& p) { return p.code == code; });
}

// Every problem of `candidate` for `user`. `numen` is the NUMEN in clear when the caller has it
// (the initial password of a kMustChange account is the NUMEN); otherwise the directory's keyed
// hash of the NUMEN is compared with the candidate's.
std::vector<PasswordProblem> Problems(store::Session& s, const SecretKey& key,
                                      const PasswordPolicy& policy, const store::User& user,
                                      const std::string& candidate, const std::string& numen) {
  PasswordContext context;
  context.login = user.login;
  context.email = user.email;
  context.numen = numen;
  if (!user.display_name.empty()) context.names.push_back(user.display_name);
  Result<store::DirectoryEntry> entry = s.GetDirectoryEntryByUser(user.id);
  if (entry.ok()) {
    for (const std::string* n : {&entry->nom, &entry->prenom}) {
      if (!n->empty()) context.names.push_back(*n);
    }
  }
  std::vector<PasswordProblem> problems = CheckPassword(policy, candidate, context);
  if (entry.ok() && !entry->numen_hash.empty() && !Has(problems, "is-numen") &&
      key.Hash("numen", NormalNumen(candidate)) == entry->numen_hash) {
    problems.push_back(MakePasswordProblem("is-numen", policy));
  }
  // History: Argon2 verification of each previous hash (slow, bounded by `history` <= 24).
  // Not for a candidate the policy already refuses as too long or not UTF-8.
  if (policy.history == 0 || Has(problems, "too-long") || Has(problems, "not-utf8")) {
    return problems;
  }
  std::vector<std::string> previous;
  if (!user.password_hash.empty()) previous.push_back(user.password_hash);
  Result<std::vector<std::string>> history = s.PasswordHistory(user.id, policy.history);
  if (history.ok()) {
    for (const std::string& h : *history) {
      if (std::find(previous.begin(), previous.end(), h) == previous.end()) previous.push_back(h);
    }
  }
  for (const std::string& h : previous) {
    if (VerifyPassword(h, candidate)) {
      problems.push_back(MakePasswordProblem("reused", policy));
      break;
    }
  }
  return problems;
}

}  // namespace

std::vector<PasswordProblem> AccountService::CheckNewPassword(const store::User& user,
                                                              const std::string& candidate) {
  return Problems(store_.ThreadSession(), key_, options_.password, user, candidate, "");
}

Status AccountService::ChangePassword(store::Id user_id, const std::string& current,
                                      const std::string& new_password, const ClientInfo& client,
                                      store::Id keep_session_id) {
  const store::UnixTime now = Now();
  store::Session& s = store_.ThreadSession();
  Result<store::User> user = s.GetUserById(user_id);
  if (!user.ok()) return user.status();
  if (verifier_ && !user->must_change_password) {
    return AccountFailure(AccountError::kManagedByDirectory);
  }
  Result<store::UserSecurity> sec = s.GetUserSecurity(user_id);
  if (!sec.ok()) return sec.status();
  const bool locked = lockout::Locked(*sec, now);
  bool right = false;
  if (user->password_hash.empty() || user->state != store::UserState::kActive) {
    VerifyDummyPassword(current);
  } else {
    right = VerifyPasswordEvenly(user->password_hash, current);
  }
  if (locked) {
    Audit("sign-in-refused-locked", user->id, user->login, client, "password-change");
    return AccountFailure(AccountError::kWrongPassword);
  }
  if (!right) {
    // A wrong current password counts towards the lockout like a wrong sign-in: a stolen
    // session must not become a way to guess the password without limit.
    (void)lockout::CountFailure(*this, *user, current, client, now, "sign-in-failed",
                                "password-change");
    return AccountFailure(AccountError::kWrongPassword);
  }
  std::vector<PasswordProblem> problems =
      Problems(s, key_, options_.password, *user, new_password,
               user->must_change_password ? current : std::string());
  if (!problems.empty()) return AccountFailure(problems.front().code);

  const std::string hash = HashPassword(new_password, HashStrength::kStandard);
  int64_t ended = 0;
  {
    Result<std::unique_ptr<store::Transaction>> txn = s.Begin(true);
    if (!txn.ok()) return txn.status();
    // Clears must_change_password and bumps credential_version (cached credentials end).
    if (Status st = s.SetPasswordHash(user_id, hash, /*must_change=*/false); !st.ok()) return st;
    if (options_.password.history > 0) {
      Status st = s.AddPasswordHistory(user_id, hash, now, options_.password.history);
      if (!st.ok()) return st;
    }
    Result<store::UserSecurity> fresh = s.GetUserSecurity(user_id);
    if (!fresh.ok()) return fresh.status();
    fresh->password_changed_at = now;
    if (Status st = s.SetUserSecurity(user_id, *fresh, false); !st.ok()) return st;
    Result<int64_t> gone = s.DeleteWebSessions(user_id, keep_session_id);
    if (!gone.ok()) return gone.status();
    ended = *gone;
    if (Status st = (*txn)->Commit(); !st.ok()) return st;
  }
  Audit("password-changed", user->id, user->login, client,
        user->must_change_password ? "initial password replaced" : "");
  if (ended > 0) {
    Audit("sessions-ended", user->id, user->login, client,
          std::to_string(ended) + " other session(s), password changed");
  }
  return Status::OK();
}

}  // namespace cartable::directory
