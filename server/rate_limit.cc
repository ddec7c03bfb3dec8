#include "server/rate_limit.h"

#include <algorithm>

namespace cartable::server {

RateLimiter::RateLimiter(unsigned max_events, std::chrono::seconds window, size_t max_keys)
    : max_events_(max_events), window_(window), max_keys_(std::max<size_t>(max_keys, 1)) {}

void RateLimiter::Prune(Entry& entry, Clock::time_point now) {
  while (!entry.events.empty() && entry.events.front() + window_ <= now) entry.events.pop_front();
}

unsigned RateLimiter::RetryAfterLocked(const std::string& key, Clock::time_point now) {
  if (max_events_ == 0) return 0;
  auto it = entries_.find(key);
  if (it == entries_.end()) return 0;
  Prune(it->second, now);
  if (it->second.events.size() < max_events_) return 0;
  // Allowed again when the oldest event that keeps the count at the bound leaves the window.
  Clock::time_point free_at = it->second.events[it->second.events.size() - max_events_] + window_;
  auto wait = std::chrono::ceil<std::chrono::seconds>(free_at - now).count();
  return static_cast<unsigned>(std::max<int64_t>(wait, 1));
}

unsigned RateLimiter::RetryAfter(const std::string& key, Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mu_);
  return RetryAfterLocked(key, now);
}

void RateLimiter::Record(const std::string& key, Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mu_);
  if (max_events_ == 0) return;
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    if (entries_.size() >= max_keys_) {  // forget the least recently touched key
      entries_.erase(order_.front());
      order_.pop_front();
    }
    order_.push_back(key);
    it = entries_.emplace(key, Entry{{}, std::prev(order_.end())}).first;
  } else {
    order_.splice(order_.end(), order_, it->second.order);
  }
  Prune(it->second, now);
  it->second.events.push_back(now);
  // Only the last max_events_ matter for RetryAfter: memory per key stays bounded.
  while (it->second.events.size() > max_events_) it->second.events.pop_front();
}

unsigned RateLimiter::Take(const std::string& key, Clock::time_point now) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (unsigned wait = RetryAfterLocked(key, now); wait > 0) return wait;
  }
  Record(key, now);
  return 0;
}

void RateLimiter::SetLimits(unsigned max_events, std::chrono::seconds window) {
  std::lock_guard<std::mutex> lock(mu_);
  max_events_ = max_events;
  window_ = window;
}

void RateLimiter::Clear(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  order_.erase(it->second.order);
  entries_.erase(it);
}

}  // namespace cartable::server
