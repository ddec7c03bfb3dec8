// An in-memory sliding-window limiter: at most `max_events` events per key within `window`.
// Used per client address (failed sign-ins) and per identity (self-service steps). Memory is
// bounded: at most `max_keys` keys are tracked; beyond that the oldest key is forgotten.
// Per process: with several nodes each node counts its own (the account lockout, in the store,
// is what holds across nodes).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

namespace cartable::server {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  // max_events 0 disables the limiter (everything allowed).
  RateLimiter(unsigned max_events, std::chrono::seconds window, size_t max_keys = 100000);

  // Seconds until `key` may act again (0 = allowed now). Does not record anything.
  unsigned RetryAfter(const std::string& key, Clock::time_point now = Clock::now());
  // Records one event for `key`.
  void Record(const std::string& key, Clock::time_point now = Clock::now());
  // RetryAfter, and when it is 0 records the event: the check-and-count of a rate-limited step.
  unsigned Take(const std::string& key, Clock::time_point now = Clock::now());
  // Forgets `key` (a successful sign-in does not clear its address: only failures count).
  void Clear(const std::string& key);
  // New bounds (a configuration reload); the events recorded so far count against them.
  void SetLimits(unsigned max_events, std::chrono::seconds window);

 private:
  struct Entry {
    std::deque<Clock::time_point> events;
    std::list<std::string>::iterator order;
  };
  void Prune(Entry& entry, Clock::time_point now);
  unsigned RetryAfterLocked(const std::string& key, Clock::time_point now);

  unsigned max_events_;          // guarded by mu_
  std::chrono::seconds window_;  // guarded by mu_
  const size_t max_keys_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> order_;  // least recently touched first
};

}  // namespace cartable::server
