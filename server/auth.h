// HTTP Basic authentication (RFC 7617) with a short-lived cache of verified credentials, so the
// (deliberately slow) password hash does not run on every request: DAV clients send credentials
// with every request.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "server/http/message.h"

namespace cartable::server {

struct AuthUser {
  int64_t id = 0;
  std::string login;
  std::string display_name;
  std::string email;
  int64_t credential_version = 0;
  bool active = false;
};

// Where users come from (implemented by directory/accounts over the store).
class UserDirectory {
 public:
  virtual ~UserDirectory() = default;
  // By login or by email address (case-insensitive); nullopt if unknown.
  virtual std::optional<AuthUser> FindByName(const std::string& login_or_email) = 0;
  virtual std::optional<AuthUser> FindById(int64_t id) = 0;
  // Runs the password hash. Slow on purpose.
  virtual bool VerifyPassword(const AuthUser& user, std::string_view password) = 0;
};

class Authenticator {
 public:
  // Thread-safe. `cache_seconds` = 0 disables the cache.
  Authenticator(UserDirectory& users, std::string realm, unsigned cache_seconds);

  // The active user whose valid credentials `request` carries, or nullopt. A cached entry is
  // used only while the user's credential_version is unchanged (a password change or a disable
  // bumps it) and the user is active.
  std::optional<AuthUser> Authenticate(const http::HttpRequest& request);
  // 401 with WWW-Authenticate: Basic realm="...", charset="UTF-8".
  http::HttpResponse Challenge() const;

  // Decodes "Basic base64(user:password)"; false when malformed.
  static bool ParseBasic(std::string_view header, std::string* user, std::string* password);

 private:
  struct Entry {
    int64_t user_id;
    int64_t credential_version;
    std::chrono::steady_clock::time_point expires;
  };
  std::string CacheKey(std::string_view user, std::string_view password) const;

  UserDirectory& users_;
  std::string realm_;
  std::chrono::seconds ttl_;
  unsigned char key_[32];  // random per process: cache keys reveal nothing about passwords
  std::mutex mu_;
  std::unordered_map<std::string, Entry> cache_;
};

}  // namespace cartable::server
