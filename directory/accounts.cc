#include "directory/accounts.h"

#include <algorithm>
#include <ctime>

#include "dav/text_fold.h"
#include "directory/password.h"

namespace cartable::directory {
namespace {}  // namespace

bool Accounts::ValidLogin(const std::string& login) {
  if (login.empty() || login.size() > 64) return false;
  return std::all_of(login.begin(), login.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
  });
}

bool Accounts::ValidEmail(const std::string& email) {
  size_t at = email.find('@');
  return at != std::string::npos && at > 0 && at + 1 < email.size() &&
         email.find('@', at + 1) == std::string::npos &&
         email.find_first_of(" \t\r\n/<>") == std::string::npos;
}

Result<store::Id> Accounts::AddUser(const std::string& login, const std::string& display_name,
                                    const std::string& email, std::string_view password) {
  if (!ValidLogin(login)) {
    return Status::BadRequest("invalid login '" + login +
                              "': use lowercase letters, digits, '.', '-' or '_'");
  }
  if (display_name.empty()) return Status::BadRequest("the display name is empty");
  if (!email.empty() && !ValidEmail(email)) return Status::BadRequest("invalid email: " + email);
  if (password.empty()) return Status::BadRequest("the password is empty");
  store::User u;
  u.login = login;
  u.display_name = display_name;
  u.email = AsciiLower(email);
  u.password_hash = HashPassword(password);
  u.created_at = std::time(nullptr);
  store::Session& s = store_.ThreadSession();
  Result<std::unique_ptr<store::Transaction>> txn = s.Begin(true);
  if (!txn.ok()) return txn.status();
  Result<store::Id> id = s.CreateUser(u);
  if (!id.ok()) return id.status();
  if (Status st = (*txn)->Commit(); !st.ok()) return st;
  return id;
}

Status Accounts::SetPassword(const std::string& login, std::string_view password) {
  if (password.empty()) return Status::BadRequest("the password is empty");
  store::Session& s = store_.ThreadSession();
  Result<std::unique_ptr<store::Transaction>> txn = s.Begin(true);
  if (!txn.ok()) return txn.status();
  Result<store::User> u = s.GetUserByLogin(AsciiLower(login));
  if (!u.ok()) return u.status();
  if (Status st = s.SetPasswordHash(u->id, HashPassword(password), false); !st.ok()) return st;
  return (*txn)->Commit();
}

Status Accounts::UpdateUser(const std::string& login,
                            const std::function<void(store::User&)>& change) {
  store::Session& s = store_.ThreadSession();
  Result<std::unique_ptr<store::Transaction>> txn = s.Begin(true);
  if (!txn.ok()) return txn.status();
  Result<store::User> u = s.GetUserByLogin(AsciiLower(login));
  if (!u.ok()) return u.status();
  change(*u);
  if (Status st = s.UpdateUser(*u); !st.ok()) return st;
  return (*txn)->Commit();
}

Status Accounts::SetState(const std::string& login, store::UserState state) {
  return UpdateUser(login, [state](store::User& u) { u.state = state; });
}

Status Accounts::SetQuota(const std::string& login, int64_t bytes) {
  if (bytes < -1) return Status::BadRequest("the quota must be -1 or a number of bytes");
  return UpdateUser(login, [bytes](store::User& u) { u.quota_bytes = bytes; });
}

Status Accounts::SetScheduling(const std::string& login, bool on) {
  return UpdateUser(login, [on](store::User& u) { u.scheduling = on; });
}

Status Accounts::Disable(const std::string& login) {
  return SetState(login, store::UserState::kDisabled);
}
Status Accounts::Enable(const std::string& login) {
  return SetState(login, store::UserState::kActive);
}

Result<std::vector<store::User>> Accounts::List() { return store_.ThreadSession().ListUsers(); }

Result<store::User> Accounts::Find(const std::string& login_or_email) {
  std::string key = AsciiLower(login_or_email);
  store::Session& s = store_.ThreadSession();
  return key.find('@') != std::string::npos ? s.GetUserByEmail(key) : s.GetUserByLogin(key);
}

Result<store::User> Accounts::FindById(store::Id id) {
  return store_.ThreadSession().GetUserById(id);
}

bool Accounts::VerifyPassword(store::Id user_id, std::string_view password) {
  Result<store::User> u = store_.ThreadSession().GetUserById(user_id);
  if (!u.ok() || u->password_hash.empty()) {
    directory::VerifyDummyPassword(password);
    return false;
  }
  return directory::VerifyPasswordEvenly(u->password_hash, password);
}

}  // namespace cartable::directory
