// Administration of accounts (the command line): AccountService::Unlock, SetRole,
// SetOtpRequired. Each change of what may sign in bumps the user's credential_version, so the
// Basic auth cache stops trusting what it verified before, and is audited.
#include <functional>
#include <string>

#include "dav/text_fold.h"
#include "directory/account_service.h"

namespace cartable::directory {
namespace {

// Loads `login`'s user and security record in a write transaction, lets `change` edit the
// record (returning false when nothing changes), saves it with bumped credentials and commits.
// `user` is filled whenever the user exists. `changed` says whether anything was written.
Status UpdateSecurity(store::Session& s, const std::string& login, store::User& user, bool& changed,
                      const std::function<Status(store::UserSecurity&, bool&)>& change) {
  changed = false;
  Result<std::unique_ptr<store::Transaction>> txn = s.Begin(true);
  if (!txn.ok()) return txn.status();
  Result<store::User> u = s.GetUserByLogin(AsciiLower(login));
  if (!u.ok()) {
    return u.status().code() == Status::Code::kNotFound
               ? Status::NotFound("no user '" + login + "'")
               : u.status();
  }
  user = *u;
  Result<store::UserSecurity> sec = s.GetUserSecurity(user.id);
  if (!sec.ok()) return sec.status();
  if (Status st = change(*sec, changed); !st.ok() || !changed) return st;
  if (Status st = s.SetUserSecurity(user.id, *sec, true); !st.ok()) return st;
  return (*txn)->Commit();
}

// When a one-time code becomes required for an account that has not enrolled one, its web
// sessions were opened with the password alone: they end, so that the next sign-in enrols
// (the issue: "the person enrols at the next web sign-in"). Returns how many ended.
Result<int64_t> EndSessionsWithoutCode(store::Session& s, store::Id user_id,
                                       const store::UserSecurity& before, bool required_now) {
  const bool required_before = before.otp_required || before.role == store::Role::kAdmin;
  if (!required_now || required_before || !before.otp_secret.empty()) return int64_t{0};
  return s.DeleteWebSessions(user_id, 0);
}

}  // namespace

Status AccountService::Unlock(const std::string& login, const ClientInfo& client) {
  store::Session& s = store_.ThreadSession();
  store::User user;
  bool changed = false;
  Status st = UpdateSecurity(
      s, login, user, changed, [&](store::UserSecurity& sec, bool& changed_now) -> Status {
        Result<std::vector<store::AuthFailure>> failures = s.AuthFailuresSince(user.id, 0);
        if (!failures.ok()) return failures.status();
        changed_now =
            sec.locked_until != 0 || sec.temporary_locks != 0 || sec.blocked || !failures->empty();
        if (!changed_now) return Status::OK();
        sec.locked_until = 0;
        sec.temporary_locks = 0;
        sec.blocked = false;
        return s.ClearAuthFailures(user.id);
      });
  if (!st.ok()) return st;
  if (changed) Audit("unlocked", user.id, user.login, client, "administrator");
  return Status::OK();
}

Status AccountService::SetRole(const std::string& login, store::Role role,
                               const ClientInfo& client) {
  store::Session& s = store_.ThreadSession();
  store::User user;
  bool changed = false;
  int64_t ended = 0;
  Status st = UpdateSecurity(
      s, login, user, changed, [&](store::UserSecurity& sec, bool& changed_now) -> Status {
        changed_now = sec.role != role;
        if (!changed_now) return Status::OK();
        // An admin always needs a one-time code (OtpRequired): the role change is a change of
        // what opens the account.
        Result<int64_t> n = EndSessionsWithoutCode(s, user.id, sec, role == store::Role::kAdmin);
        if (!n.ok()) return n.status();
        ended = *n;
        sec.role = role;
        return Status::OK();
      });
  if (!st.ok()) return st;
  if (changed) {
    std::string detail = role == store::Role::kAdmin ? "admin" : "user";
    if (ended > 0) detail += ", " + std::to_string(ended) + " web session(s) ended";
    Audit("role-changed", user.id, user.login, client, detail);
  }
  return Status::OK();
}

Status AccountService::SetOtpRequired(const std::string& login, bool required,
                                      const ClientInfo& client) {
  store::Session& s = store_.ThreadSession();
  store::User user;
  bool changed = false;
  int64_t ended = 0;
  Status st = UpdateSecurity(
      s, login, user, changed, [&](store::UserSecurity& sec, bool& changed_now) -> Status {
        changed_now = sec.otp_required != required;
        if (!changed_now) return Status::OK();
        Result<int64_t> n =
            EndSessionsWithoutCode(s, user.id, sec, required || sec.role == store::Role::kAdmin);
        if (!n.ok()) return n.status();
        ended = *n;
        sec.otp_required = required;
        return Status::OK();
      });
  if (!st.ok()) return st;
  if (changed) {
    std::string detail = required ? "required" : "optional";
    if (ended > 0) detail += ", " + std::to_string(ended) + " web session(s) ended";
    Audit("otp-required", user.id, user.login, client, detail);
  }
  return Status::OK();
}

}  // namespace cartable::directory
