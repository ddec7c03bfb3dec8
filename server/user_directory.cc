#include "server/user_directory.h"

#include <algorithm>

#include "directory/password.h"

namespace cartable::server {

AccountsUserDirectory::AccountsUserDirectory(directory::Accounts& accounts,
                                             directory::AccountService& service)
    : accounts_(accounts), service_(service) {
  directory::DummyPasswordHash();
}

AuthUser AccountsUserDirectory::ToAuthUser(const store::User& u) {
  return {u.id,
          u.login,
          u.display_name,
          u.email,
          u.credential_version,
          u.state == store::UserState::kActive};
}

std::optional<AuthUser> AccountsUserDirectory::Recheck(int64_t id, int64_t app_password_id) {
  Result<store::User> u = accounts_.FindById(id);
  if (!u.ok()) return std::nullopt;
  if (app_password_id != 0) {
    // A revoked app password stops working at once, not when the cache entry expires.
    Result<std::vector<store::AppPassword>> apps =
        service_.store().ThreadSession().ListAppPasswords(id);
    if (!apps.ok() || std::none_of(apps->begin(), apps->end(), [&](const store::AppPassword& a) {
          return a.id == app_password_id;
        })) {
      return std::nullopt;
    }
  }
  return ToAuthUser(*u);
}

AuthResult AccountsUserDirectory::SignIn(const Credentials& credentials) {
  directory::SignInResult r =
      service_.SignIn(directory::Channel::kBasic, credentials.name, credentials.password,
                      std::nullopt, directory::ClientInfo{credentials.address, credentials.device});
  switch (r.outcome) {
    case directory::SignInOutcome::kOk:
      if (!r.user) return AuthResult{};
      return AuthResult{AuthOutcome::kOk, ToAuthUser(*r.user), r.app_password_id};
    case directory::SignInOutcome::kMustChange:
      return AuthResult{AuthOutcome::kMustChange, std::nullopt, 0};
    case directory::SignInOutcome::kAppPasswordNeeded:
    case directory::SignInOutcome::kNeedsOtp:  // web outcomes; Basic never gets them
    case directory::SignInOutcome::kNeedsEnrolment:
      return AuthResult{AuthOutcome::kAppPasswordNeeded, std::nullopt, 0};
    case directory::SignInOutcome::kUnavailable:
      return AuthResult{AuthOutcome::kUnavailable, std::nullopt, 0};
    case directory::SignInOutcome::kRefused: break;
  }
  return AuthResult{};
}

}  // namespace cartable::server
