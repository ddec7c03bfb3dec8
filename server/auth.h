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

// Basic credentials as sent, with who sent them (for the audit, the lockout fingerprints and
// the last use of app passwords).
struct Credentials {
  std::string name;  // login or email address, as sent
  std::string password;
  std::string address;  // client address
  std::string device;   // User-Agent
};

// What a sign-in with Basic credentials gives.
enum class AuthOutcome {
  kOk,                 // the user below
  kRefused,            // unknown login, wrong password, disabled, locked or blocked: one answer
  kMustChange,         // a right initial (NUMEN) or expired password: choose one on the web first
  kAppPasswordNeeded,  // a right password of an account that requires a one-time code: its
                       // devices use app passwords
  kUnavailable,        // the store could not be read: 503 + Retry-After, never cached or counted
};

struct AuthResult {
  AuthOutcome outcome = AuthOutcome::kRefused;
  std::optional<AuthUser> user;  // kOk
  int64_t app_password_id = 0;   // kOk through an app password
};

// Where users come from (the application glue, server/user_directory.h, over the account
// service).
class UserDirectory {
 public:
  virtual ~UserDirectory() = default;
  // The user `id` as stored now, for a cached credential; nullopt when unknown or when the app
  // password `app_password_id` it used (0 = the account password) no longer exists. Quick (no
  // hash): called on reactor threads.
  virtual std::optional<AuthUser> Recheck(int64_t id, int64_t app_password_id) = 0;
  // The sign-in decision for Basic credentials (lockout, initial passwords, one-time codes, app
  // passwords). Slow on purpose: runs the password hash, and costs as much for an unknown login
  // or a disabled or locked account as for a wrong password, so that the time taken does not
  // tell which logins exist.
  virtual AuthResult SignIn(const Credentials& credentials) = 0;
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

// A verified credential found in the cache, not yet checked against the store
// (Authenticator::Lookup, Confirm).
struct AuthCacheHit {
  std::string key;
  int64_t user_id = 0;
  int64_t credential_version = 0;
  int64_t app_password_id = 0;
};

// What the application's Admit hands to Handle (http::HttpRequest::admitted): a user verified
// now (by a hash or a confirmed cache hit), or a cache hit that Handle confirms itself, inside
// the request's transaction.
struct AdmittedUser {
  std::optional<AuthUser> user;
  std::optional<AuthCacheHit> hit;
};

struct HashPoolOptions {
  unsigned threads = 2;       // [auth] hash_threads
  unsigned queue_limit = 64;  // [auth] hash_queue
};

class Authenticator {
 public:
  // Thread-safe. `cache_seconds` = 0 disables the cache. `users` must outlive the authenticator.
  Authenticator(UserDirectory& users, std::string realm, unsigned cache_seconds,
                HashPoolOptions pool = {});

  // The Basic credentials `request` carries (with its address and User-Agent), or nullopt when
  // absent or malformed.
  static std::optional<Credentials> FromRequest(const http::HttpRequest& request);
  using CacheHit = AuthCacheHit;
  // The cache entry for `credentials` if one is unexpired: no store access, no hash. Cached() =
  // Lookup() then Confirm(); the two halves let a caller run Confirm's store read inside a
  // transaction it opens anyway (a DAV request), instead of a transaction of its own (issue 14:
  // that read was a tenth of a GET's CPU).
  std::optional<CacheHit> Lookup(const Credentials& credentials);
  // The user of `hit` as stored now, under the rules of Cached(); nullopt (and the entry is
  // dropped) when it no longer holds. Reads the store through UserDirectory::Recheck.
  std::optional<AuthUser> Confirm(const CacheHit& hit);
  // The active user whose credentials were verified recently (the cache), or nullopt; never
  // hashes. A cached entry is used only while the user's credential_version is unchanged (a
  // password change, a disable, a lock or block, a role or one-time-code change bump it), the
  // user is active and the app password it used, if any, still exists.
  std::optional<AuthUser> Cached(const Credentials& credentials);
  // The sign-in decision (UserDirectory::SignIn) for the credentials: runs the hash and caches
  // a kOk: blocking, so not for reactor threads.
  AuthResult Verify(const Credentials& credentials);
  // Runs Verify on the hash pool and calls `done` with its result on a pool thread. False when
  // the pool's queue is full (`done` is then never called). With the cache on, a call for
  // credentials whose verification is already queued or running joins it instead of queuing a
  // hash of its own: when the cached entry of a busy client expires, its every connection
  // misses at once, and each Argon2id hash holds 19 MiB (issue 14: two at a time on the pool
  // raised the peak resident memory from 45 to 77 MiB). A joined call shares a success, as a
  // cache hit would; on any other outcome it is verified on its own, so every refused attempt
  // still costs a hash and is counted.
  bool VerifyAsync(Credentials credentials, std::function<void(AuthResult)> done);

  // Runs other password-hashing work (the web sign-in and password forms) on the same pool, so
  // that one bound ([auth] hash_threads, hash_queue) covers every hash. False when the queue is
  // full (`job` is then dropped).
  bool RunSlow(std::function<void()> job) { return pool_.Submit(std::move(job)); }

  // Cached, then Verify: blocking, for callers off the reactor threads. kRefused without
  // credentials.
  AuthResult Authenticate(const http::HttpRequest& request);
  // 401 with WWW-Authenticate: Basic realm="...", charset="UTF-8".
  http::HttpResponse Challenge() const;
  // 503 with Retry-After: the hash pool's queue is full.
  static http::HttpResponse Busy();

  // How many sign-in decisions (each one password hash) ran, for tests and monitoring.
  uint64_t verifications() const { return verifications_.load(std::memory_order_relaxed); }

  // Decodes "Basic base64(user:password)"; false when malformed.
  static bool ParseBasic(std::string_view header, std::string* user, std::string* password);

 private:
  struct Entry {
    int64_t user_id;
    int64_t credential_version;
    int64_t app_password_id;
    std::chrono::steady_clock::time_point expires;
  };
  std::string CacheKey(std::string_view user, std::string_view password) const;
  // The calls that joined a verification in flight (VerifyAsync), by cache key.
  struct Waiter {
    Credentials credentials;
    std::function<void(AuthResult)> done;
  };
  using Flight = std::vector<Waiter>;
  // Verify on the pool; `flight_key` set when later calls may join it (in_flight_).
  bool SubmitVerify(Credentials credentials, std::function<void(AuthResult)> done,
                    std::optional<std::string> flight_key);

  UserDirectory& users_;
  std::string realm_;
  std::chrono::seconds ttl_;
  unsigned char key_[32];  // random per process: cache keys reveal nothing about passwords
  std::mutex mu_;
  std::unordered_map<std::string, Entry> cache_;
  std::unordered_map<std::string, Flight> in_flight_;  // under mu_
  std::atomic<uint64_t> verifications_{0};
  HashPool pool_;  // last: its threads stop before the rest is destroyed
};

}  // namespace cartable::server
