// Retries the iMIP mail the relay did not take (store::QueuedMail): a background thread sends
// what is due, backs off exponentially (retry, 2x, 4x, ... at most one hour) and drops a mail
// after the expiry. When a mail finally goes, the organizer's copy shows SCHEDULE-STATUS 1.1
// for that attendee instead of 1.0; when it is dropped, 5.1.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "dav/context.h"

namespace cartable::dav::scheduling {

// Whether requests should talk to the relay at all. Mail is sent while the request holds the
// store's write lock; after the relay failed (unreachable, 4xx), requests queue their mail
// without waiting on it for `kPauseSeconds`, and the queue (which keeps trying) clears the
// mark when a send works. Thread-safe.
class RelayHealth {
 public:
  static constexpr int64_t kPauseSeconds = 60;
  bool Usable(int64_t now) const { return now >= down_until_.load(std::memory_order_relaxed); }
  void Failed(int64_t now) { down_until_.store(now + kPauseSeconds, std::memory_order_relaxed); }
  void Worked() { down_until_.store(0, std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> down_until_{0};
};

class MailQueue {
 public:
  // `ctx` (its store, mail sender, clock and options) must outlive the queue.
  explicit MailQueue(const DavContext& ctx);
  ~MailQueue();  // stops the thread
  MailQueue(const MailQueue&) = delete;
  MailQueue& operator=(const MailQueue&) = delete;

  // Starts the thread: it wakes every `poll_seconds` (and on Wake()).
  void Start(int64_t poll_seconds);
  void Stop();
  void Wake();

  // One pass over the due mail, on the calling thread. Returns how many were sent.
  int RunOnce();

 private:
  void Loop(int64_t poll_seconds);
  // Rewrites SCHEDULE-STATUS of `recipient` on the origin object (best effort).
  void RecordStatus(store::Session& session, const store::QueuedMail& mail,
                    const std::string& status);

  const DavContext& ctx_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool woken_ = false;
  std::thread thread_;
};

}  // namespace cartable::dav::scheduling
