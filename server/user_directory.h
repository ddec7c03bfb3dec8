// Application glue: the transport's UserDirectory (server/auth.h) over the directory's accounts.
// The directory knows nothing of the transport; this adapter is the only place both meet.
#pragma once

#include "directory/accounts.h"
#include "server/auth.h"

namespace cartable::server {

class AccountsUserDirectory : public UserDirectory {
 public:
  // `accounts` must outlive the adapter. Thread-safe as Accounts is (one store session per
  // thread).
  // Makes the dummy password hash now, so that the first unknown login costs no more than later
  // ones.
  explicit AccountsUserDirectory(directory::Accounts& accounts);

  std::optional<AuthUser> FindByName(const std::string& login_or_email) override;
  std::optional<AuthUser> FindById(int64_t id) override;
  bool VerifyPassword(const AuthUser* user, std::string_view password) override;

  // The transport's view of a stored user: active unless disabled.
  static AuthUser ToAuthUser(const store::User& user);

 private:
  directory::Accounts& accounts_;
};

}  // namespace cartable::server
