// Accounts: creating users, finding them, passwords, disabling. The transport's authentication
// reaches them through the application glue (server/user_directory.h), not by inheritance.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "dav/status.h"
#include "dav/store/store.h"

namespace cartable::directory {

class Accounts {
 public:
  explicit Accounts(store::Store& store) : store_(store) {}

  // Creates an active user. Errors: kBadRequest for an invalid login (lowercase a-z, 0-9, '.',
  // '-', '_', 1-64 chars), email or empty display name; kConflict when login or email is taken.
  Result<store::Id> AddUser(const std::string& login, const std::string& display_name,
                            const std::string& email, std::string_view password);
  // kNotFound for an unknown login; kBadRequest for an empty password.
  Status SetPassword(const std::string& login, std::string_view password);
  Status Disable(const std::string& login);
  Status Enable(const std::string& login);
  // Turns server-side scheduling on or off for the user (docs/clients.md #6).
  Status SetScheduling(const std::string& login, bool on);
  // Sets the user's quota in bytes; -1 restores the configured default.
  Status SetQuota(const std::string& login, int64_t bytes);
  Result<std::vector<store::User>> List();

  // The user `login_or_email` names: an address when it holds '@', else a login; case-insensitive.
  // kNotFound when nobody has it; store errors.
  Result<store::User> Find(const std::string& login_or_email);
  Result<store::User> FindById(store::Id id);
  // Whether `password` is the password of user `user_id` (false for an unknown user or one
  // without a password, after verifying against the dummy hash so that the time taken is the
  // same). Runs the deliberately slow hash: never on a reactor thread.
  bool VerifyPassword(store::Id user_id, std::string_view password);

  static bool ValidLogin(const std::string& login);
  static bool ValidEmail(const std::string& email);

 private:
  Status SetState(const std::string& login, store::UserState state);
  // Loads the user `login`, applies `change` and saves it, in one write transaction.
  Status UpdateUser(const std::string& login, const std::function<void(store::User&)>& change);
  store::Store& store_;
};

}  // namespace cartable::directory
