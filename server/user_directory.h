// Application glue: the transport's UserDirectory (server/auth.h) over the directory's accounts
// and the account service's sign-in rules. The directory knows nothing of the transport; this
// adapter is the only place both meet.
#pragma once

#include "directory/account_service.h"
#include "directory/accounts.h"
#include "server/auth.h"

namespace cartable::server {

class AccountsUserDirectory : public UserDirectory {
 public:
  // `accounts` and `service` must outlive the adapter. Thread-safe as they are (one store
  // session per thread).
  // Makes the dummy password hash now, so that the first unknown login costs no more than later
  // ones.
  AccountsUserDirectory(directory::Accounts& accounts, directory::AccountService& service);

  std::optional<AuthUser> Recheck(int64_t id, int64_t app_password_id) override;
  // AccountService::SignIn on the Basic channel.
  AuthResult SignIn(const Credentials& credentials) override;

  // The transport's view of a stored user: active unless disabled.
  static AuthUser ToAuthUser(const store::User& user);

 private:
  directory::Accounts& accounts_;
  directory::AccountService& service_;
};

}  // namespace cartable::server
