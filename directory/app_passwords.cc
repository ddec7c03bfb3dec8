// App passwords (one per CalDAV/CardDAV device): AccountService::AddAppPassword,
// ListAppPasswords, RevokeAppPassword. The password is random, shown once and kept only as a
// keyed hash, so Basic auth finds it with one indexed lookup and no Argon2 (sign_in.cc).
#include <string>
#include <vector>

#include "dav/text_check.h"
#include "dav/text_fold.h"
#include "directory/account_service.h"

namespace cartable::directory {
namespace {

constexpr size_t kMaxNameChars = 64;

// The name without surrounding blanks, or "" when it is not 1-64 printable characters (UTF-8,
// no control character: it is shown on pages, in the CLI's columns and in the audit log).
std::string CleanName(const std::string& name) {
  size_t b = name.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  std::string out = name.substr(b, name.find_last_not_of(" \t") - b + 1);
  if (FindTextFault(out, TextRules::kName)) return "";
  size_t chars = 0;
  for (unsigned char c : out) chars += (c & 0xC0) != 0x80;
  return chars <= kMaxNameChars ? out : "";
}

}  // namespace

Result<std::string> AccountService::AddAppPassword(store::Id user_id, const std::string& name,
                                                   const ClientInfo& client) {
  const std::string clean = CleanName(name);
  if (clean.empty()) return AccountFailure(AccountError::kInvalidName);
  // 10 random bytes = 80 bits = 16 base32 characters, shown as xxxx-xxxx-xxxx-xxxx in lower
  // case (easy to type on a phone); hashed without the hyphens, as Basic auth normalises.
  const std::string raw = AsciiLower(RandomToken(10));
  std::string shown;
  for (size_t i = 0; i < raw.size(); ++i) {
    if (i > 0 && i % 4 == 0) shown += '-';
    shown += raw[i];
  }
  store::AppPassword ap;
  ap.user_id = user_id;
  ap.name = clean;
  ap.hash = key_.Hash("app-password", raw);
  ap.created_at = Now();

  store::Session& s = store_.ThreadSession();
  std::string login;
  Status added = [&]() -> Status {
    Result<std::unique_ptr<store::Transaction>> txn = s.Begin(true);
    if (!txn.ok()) return txn.status();
    Result<store::User> user = s.GetUserById(user_id);
    if (!user.ok()) return user.status();
    login = user->login;
    Result<std::vector<store::AppPassword>> existing = s.ListAppPasswords(user_id);
    if (!existing.ok()) return existing.status();
    for (const store::AppPassword& e : *existing) {
      if (e.name == clean) return AccountFailure(AccountError::kNameTaken);
    }
    if (existing->size() >= options_.max_app_passwords) {
      return AccountFailure(AccountError::kTooMany);
    }
    Result<store::Id> id = s.CreateAppPassword(ap);
    if (!id.ok()) return id.status();
    return (*txn)->Commit();
  }();
  if (!added.ok()) return added;
  Audit("app-password-added", user_id, login, client, clean);
  return shown;
}

Result<std::vector<store::AppPassword>> AccountService::ListAppPasswords(store::Id user_id) {
  return store_.ThreadSession().ListAppPasswords(user_id);
}

Status AccountService::RevokeAppPassword(store::Id user_id, const std::string& name,
                                         const ClientInfo& client) {
  const std::string clean = CleanName(name);
  if (clean.empty()) return Status::NotFound("no app password named '" + name + "'");
  store::Session& s = store_.ThreadSession();
  std::string login;
  Status revoked = [&]() -> Status {
    Result<std::unique_ptr<store::Transaction>> txn = s.Begin(true);
    if (!txn.ok()) return txn.status();
    Result<store::User> user = s.GetUserById(user_id);
    if (!user.ok()) return user.status();
    login = user->login;
    if (Status st = s.DeleteAppPassword(user_id, clean); !st.ok()) return st;
    // The Basic auth cache keeps verified credentials by credential_version: bumping it makes
    // the revoked password stop working at once, not when its cache entry expires.
    Result<store::UserSecurity> sec = s.GetUserSecurity(user_id);
    if (!sec.ok()) return sec.status();
    if (Status st = s.SetUserSecurity(user_id, *sec, true); !st.ok()) return st;
    return (*txn)->Commit();
  }();
  if (!revoked.ok()) return revoked;
  Audit("app-password-revoked", user_id, login, client, clean);
  return Status::OK();
}

}  // namespace cartable::directory
