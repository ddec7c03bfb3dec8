#include "server/auth.h"

#include <sodium.h>

#include <algorithm>

namespace cartable::server {
namespace {

constexpr size_t kMaxCacheEntries = 100000;
constexpr size_t kMaxDevice = 200;  // User-Agent bytes kept (store::WebSession::device)

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

bool DecodeBase64(std::string_view in, std::string* out) {
  out->clear();
  uint32_t acc = 0;
  int bits = 0;
  size_t i = 0;
  for (; i < in.size() && in[i] != '='; ++i) {
    int v = Base64Value(in[i]);
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  for (; i < in.size(); ++i) {
    if (in[i] != '=') return false;
  }
  return true;
}

}  // namespace

HashPool::HashPool(unsigned threads, unsigned queue_limit) : queue_limit_(queue_limit) {
  threads_.reserve(std::max(threads, 1u));
  for (unsigned i = 0; i < std::max(threads, 1u); ++i) threads_.emplace_back([this] { Run(); });
}

HashPool::~HashPool() {
  std::deque<std::function<void()>> dropped;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    dropped.swap(queue_);
  }
  cv_.notify_all();
  for (std::thread& t : threads_) t.join();
}

bool HashPool::Submit(std::function<void()> job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_ || queue_.size() >= queue_limit_) return false;
    queue_.push_back(std::move(job));
  }
  cv_.notify_one();
  return true;
}

void HashPool::Run() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    job();
  }
}

Authenticator::Authenticator(UserDirectory& users, std::string realm, unsigned cache_seconds,
                             HashPoolOptions pool)
    : users_(users),
      realm_(std::move(realm)),
      ttl_(cache_seconds),
      pool_(pool.threads, pool.queue_limit) {
  if (sodium_init() < 0) abort();
  randombytes_buf(key_, sizeof key_);
}

bool Authenticator::ParseBasic(std::string_view header, std::string* user, std::string* password) {
  while (!header.empty() && header.front() == ' ') header.remove_prefix(1);
  if (header.size() < 6 || !http::EqualsIgnoreCase(header.substr(0, 6), "Basic ")) return false;
  header.remove_prefix(6);
  while (!header.empty() && header.front() == ' ') header.remove_prefix(1);
  while (!header.empty() && header.back() == ' ') header.remove_suffix(1);
  std::string decoded;
  if (!DecodeBase64(header, &decoded)) return false;
  size_t colon = decoded.find(':');
  if (colon == std::string::npos || colon == 0) return false;
  *user = decoded.substr(0, colon);
  *password = decoded.substr(colon + 1);
  return true;
}

std::string Authenticator::CacheKey(std::string_view user, std::string_view password) const {
  unsigned char out[32];
  crypto_generichash_state st;
  crypto_generichash_init(&st, key_, sizeof key_, sizeof out);
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(user.data()), user.size());
  const unsigned char sep = 0;
  crypto_generichash_update(&st, &sep, 1);
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(password.data()),
                            password.size());
  crypto_generichash_final(&st, out, sizeof out);
  return std::string(reinterpret_cast<char*>(out), sizeof out);
}

std::optional<Credentials> Authenticator::FromRequest(const http::HttpRequest& request) {
  std::optional<std::string_view> header = request.headers.Get("Authorization");
  Credentials c;
  if (!header || !ParseBasic(*header, &c.name, &c.password)) return std::nullopt;
  c.address = request.remote_addr;
  c.device = std::string(request.headers.Get("User-Agent").value_or("").substr(0, kMaxDevice));
  return c;
}

std::optional<Authenticator::CacheHit> Authenticator::Lookup(const Credentials& credentials) {
  if (ttl_.count() == 0) return std::nullopt;
  std::string key = CacheKey(credentials.name, credentials.password);
  auto now = std::chrono::steady_clock::now();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = cache_.find(key);
  if (it == cache_.end()) return std::nullopt;
  if (it->second.expires <= now) {
    cache_.erase(it);
    return std::nullopt;
  }
  const Entry& e = it->second;
  return CacheHit{std::move(key), e.user_id, e.credential_version, e.app_password_id};
}

std::optional<AuthUser> Authenticator::Confirm(const CacheHit& hit) {
  std::optional<AuthUser> user = users_.Recheck(hit.user_id, hit.app_password_id);
  if (user && user->active && user->credential_version == hit.credential_version) return user;
  std::lock_guard<std::mutex> lock(mu_);
  cache_.erase(hit.key);
  return std::nullopt;
}

std::optional<AuthUser> Authenticator::Cached(const Credentials& credentials) {
  std::optional<CacheHit> hit = Lookup(credentials);
  if (!hit) return std::nullopt;
  return Confirm(*hit);
}

AuthResult Authenticator::Verify(const Credentials& credentials) {
  // Unknown, disabled and locked logins go through a (dummy) hash too: same cost, same answer.
  verifications_.fetch_add(1, std::memory_order_relaxed);
  AuthResult result = users_.SignIn(credentials);
  if (result.outcome != AuthOutcome::kOk || !result.user || !result.user->active) {
    return AuthResult{result.outcome == AuthOutcome::kOk ? AuthOutcome::kRefused : result.outcome,
                      std::nullopt, 0};
  }
  if (ttl_.count() > 0) {
    std::string key = CacheKey(credentials.name, credentials.password);
    std::lock_guard<std::mutex> lock(mu_);
    if (cache_.size() >= kMaxCacheEntries) cache_.clear();
    cache_[key] = Entry{result.user->id, result.user->credential_version, result.app_password_id,
                        std::chrono::steady_clock::now() + ttl_};
  }
  return result;
}

bool Authenticator::VerifyAsync(Credentials credentials, std::function<void(AuthResult)> done) {
  if (ttl_.count() == 0) return SubmitVerify(std::move(credentials), std::move(done), std::nullopt);
  std::string key = CacheKey(credentials.name, credentials.password);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = in_flight_.find(key);
    if (it != in_flight_.end()) {
      it->second.push_back(Waiter{std::move(credentials), std::move(done)});
      return true;
    }
    in_flight_.emplace(key, Flight{});
  }
  if (SubmitVerify(std::move(credentials), std::move(done), key)) return true;
  // Queue full. Calls that joined in the meantime were told true: each gets a try of its own.
  Flight joined;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = in_flight_.find(key);
    joined = std::move(it->second);
    in_flight_.erase(it);
  }
  for (Waiter& w : joined) {
    if (!SubmitVerify(std::move(w.credentials), w.done, std::nullopt)) {
      w.done(AuthResult{AuthOutcome::kUnavailable, std::nullopt, 0});
    }
  }
  return false;
}

bool Authenticator::SubmitVerify(Credentials credentials, std::function<void(AuthResult)> done,
                                 std::optional<std::string> flight_key) {
  return pool_.Submit([this, credentials = std::move(credentials), done = std::move(done),
                       flight_key = std::move(flight_key)] {
    AuthResult result;
    try {
      result = Verify(credentials);
    } catch (...) {  // a store error: refuse rather than leave the connection waiting
      result = AuthResult{};
    }
    Flight joined;
    if (flight_key) {
      // A success is in the cache by now, so later calls hit it instead of joining.
      std::lock_guard<std::mutex> lock(mu_);
      auto it = in_flight_.find(*flight_key);
      if (it != in_flight_.end()) {
        joined = std::move(it->second);
        in_flight_.erase(it);
      }
    }
    const bool shared = result.outcome == AuthOutcome::kOk;
    for (Waiter& w : joined) {
      if (shared) {
        w.done(result);
      } else if (!VerifyAsync(std::move(w.credentials), w.done)) {
        w.done(AuthResult{AuthOutcome::kUnavailable, std::nullopt, 0});
      }
    }
    done(std::move(result));
  });
}

AuthResult Authenticator::Authenticate(const http::HttpRequest& request) {
  std::optional<Credentials> credentials = FromRequest(request);
  if (!credentials) return AuthResult{};
  if (std::optional<AuthUser> user = Cached(*credentials)) {
    return AuthResult{AuthOutcome::kOk, std::move(user), 0};
  }
  return Verify(*credentials);
}

http::HttpResponse Authenticator::Challenge() const {
  http::HttpResponse r = http::HttpResponse::Text(401, "Authentication required.\n");
  r.headers.Set("WWW-Authenticate", "Basic realm=\"" + realm_ + "\", charset=\"UTF-8\"");
  return r;
}

http::HttpResponse Authenticator::Busy() {
  http::HttpResponse r =
      http::HttpResponse::Text(503, "Too many logins are being checked; retry in a moment.\n");
  r.headers.Set("Retry-After", "1");
  return r;
}

}  // namespace cartable::server
