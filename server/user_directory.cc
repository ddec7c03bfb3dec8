#include "server/user_directory.h"

#include "directory/password.h"

namespace cartable::server {

AccountsUserDirectory::AccountsUserDirectory(directory::Accounts& accounts) : accounts_(accounts) {
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

std::optional<AuthUser> AccountsUserDirectory::FindByName(const std::string& login_or_email) {
  Result<store::User> u = accounts_.Find(login_or_email);
  if (!u.ok()) return std::nullopt;
  return ToAuthUser(*u);
}

std::optional<AuthUser> AccountsUserDirectory::FindById(int64_t id) {
  Result<store::User> u = accounts_.FindById(id);
  if (!u.ok()) return std::nullopt;
  return ToAuthUser(*u);
}

bool AccountsUserDirectory::VerifyPassword(const AuthUser* user, std::string_view password) {
  if (user == nullptr) {
    directory::VerifyDummyPassword(password);
    return false;
  }
  return accounts_.VerifyPassword(user->id, password);
}

}  // namespace cartable::server
