// The outbox of iMIP mail (a transactional outbox). A request that causes mail only queues it
// (store::QueuedMail) in its own write transaction, so a change that rolls back sends nothing.
// After the commit the dispatcher calls DavContext::mail_committed, which wakes this worker; it
// sends what is due on its own thread, outside any transaction, backs off exponentially on
// temporary failures (retry, 2x, 4x, ... at most one hour) and drops a mail after the expiry.
// The organizer's copy shows SCHEDULE-STATUS 1.0 (queued) from the commit on; when the relay
// accepts the mail the worker rewrites it to 1.1, and to 5.1 when the relay refuses it for
// good or the mail expires (RFC 6638 §3.2.9; clients see the change at their next sync).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "dav/context.h"
#include "dav/scheduling/mail_sender.h"

namespace cartable::dav::scheduling {

class MailQueue {
 public:
  // `ctx` (its store, clock and options) must outlive the queue; so must `sender`, which may be
  // null (no relay: mail stays queued until it expires).
  MailQueue(const DavContext& ctx, MailSender* sender);
  ~MailQueue();  // stops the thread
  MailQueue(const MailQueue&) = delete;
  MailQueue& operator=(const MailQueue&) = delete;

  // Starts the worker thread: it runs a pass every `poll_seconds` and at once on Wake(). The
  // poll finds mail queued by other processes (the CLI) and retries that have come due.
  void Start(int64_t poll_seconds);
  // Stops the thread; waits for a send in progress (at most the relay's timeout).
  void Stop();
  // Asks the worker for a pass as soon as it is free; cheap, never blocks on mail. Wakes that
  // arrive during a pass give one more pass. Thread-safe.
  void Wake();

  // One pass over the due mail, on the calling thread: sends each, then records the outcome in
  // a short write transaction of its own. Returns how many were sent.
  int RunOnce();

 private:
  void Loop(int64_t poll_seconds);
  // Rewrites SCHEDULE-STATUS of `recipient` on the origin object (best effort): on ATTENDEE
  // for the organizer's copy, on ORGANIZER for an attendee's copy whose REPLY this was.
  void RecordStatus(store::Session& session, const store::QueuedMail& mail,
                    const std::string& status);

  const DavContext& ctx_;
  MailSender* const sender_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool woken_ = false;
  std::thread thread_;
};

}  // namespace cartable::dav::scheduling
