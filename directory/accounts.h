// Accounts: creating users, passwords, disabling; the server's UserDirectory for authentication.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "dav/status.h"
#include "dav/store/store.h"
#include "server/auth.h"

namespace cartable::directory {

class Accounts : public server::UserDirectory {
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
  // Turns server-side scheduling on or off for the user (CLIENTS.md #6).
  Status SetScheduling(const std::string& login, bool on);
  // Sets the user's quota in bytes; -1 restores the configured default.
  Status SetQuota(const std::string& login, int64_t bytes);
  Result<std::vector<store::User>> List();

  // server::UserDirectory
  std::optional<server::AuthUser> FindByName(const std::string& login_or_email) override;
  std::optional<server::AuthUser> FindById(int64_t id) override;
  bool VerifyPassword(const server::AuthUser& user, std::string_view password) override;

  static bool ValidLogin(const std::string& login);
  static bool ValidEmail(const std::string& email);

 private:
  Status SetState(const std::string& login, store::UserState state);
  // Loads the user `login`, applies `change` and saves it, in one write transaction.
  Status UpdateUser(const std::string& login, const std::function<void(store::User&)>& change);
  store::Store& store_;
};

}  // namespace cartable::directory
