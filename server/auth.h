// HTTP Basic authentication (RFC 7617) with a short-lived cache of verified credentials, so the
// (deliberately slow) password hash does not run on every request: DAV clients send credentials
// with every request.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

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
  // Whether `password` is `user`'s. Runs the password hash: slow on purpose, and just as slow
  // when `user` is null (unknown login or disabled account) or has no password: it then
  // verifies against a dummy hash made with the same parameters and returns false, so that the
  // time taken does not tell which logins exist.
  virtual bool VerifyPassword(const AuthUser* user, std::string_view password) = 0;
};

// A small fixed set of threads for password hashing, with a bounded queue, so that hashing never
// runs on a reactor thread and a flood of guesses costs a bounded amount of CPU and memory.
class HashPool {
 public:
  // `threads` >= 1; at most `queue_limit` jobs wait (not counting the ones running).
  HashPool(unsigned threads, unsigned queue_limit);
  // Drops the jobs still queued (without running them) and joins the threads.
  ~HashPool();
  HashPool(const HashPool&) = delete;
  HashPool& operator=(const HashPool&) = delete;

  // Queues `job`; false (and `job` is dropped) when `queue_limit` jobs are already waiting.
  bool Submit(std::function<void()> job);

 private:
  void Run();

  const size_t queue_limit_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

struct HashPoolOptions {
  unsigned threads = 2;       // [auth] hash_threads
  unsigned queue_limit = 64;  // [auth] hash_queue
};

struct Credentials {
  std::string name;  // login or email address, as sent
  std::string password;
};

class Authenticator {
 public:
  // Thread-safe. `cache_seconds` = 0 disables the cache. `users` must outlive the authenticator.
  Authenticator(UserDirectory& users, std::string realm, unsigned cache_seconds,
                HashPoolOptions pool = {});

  // The Basic credentials `request` carries, or nullopt when absent or malformed.
  static std::optional<Credentials> FromRequest(const http::HttpRequest& request);
  // The active user whose credentials were verified recently (the cache), or nullopt; never
  // hashes. A cached entry is used only while the user's credential_version is unchanged (a
  // password change or a disable bumps it) and the user is active.
  std::optional<AuthUser> Cached(const Credentials& credentials);
  // The active user the credentials belong to, or nullopt. Runs the hash (an unknown login or
  // a disabled account costs the same as a wrong password) and caches a success: blocking, so
  // not for reactor threads.
  std::optional<AuthUser> Verify(const Credentials& credentials);
  // Runs Verify on the hash pool and calls `done` with its result on a pool thread. False when
  // the pool's queue is full (`done` is then never called).
  bool VerifyAsync(Credentials credentials, std::function<void(std::optional<AuthUser>)> done);

  // Cached, then Verify: blocking, for callers off the reactor threads.
  std::optional<AuthUser> Authenticate(const http::HttpRequest& request);
  // 401 with WWW-Authenticate: Basic realm="...", charset="UTF-8".
  http::HttpResponse Challenge() const;
  // 503 with Retry-After: the hash pool's queue is full.
  static http::HttpResponse Busy();

  // How many password verifications (hashes) ran, for tests and monitoring.
  uint64_t verifications() const { return verifications_.load(std::memory_order_relaxed); }

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
  std::atomic<uint64_t> verifications_{0};
  HashPool pool_;  // last: its threads stop before the rest is destroyed
};

}  // namespace cartable::server
