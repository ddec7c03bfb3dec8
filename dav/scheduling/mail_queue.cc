#include "dav/scheduling/mail_queue.h"

#include <algorithm>
#include <chrono>

#include "dav/caldav/itip.h"

namespace cartable::dav::scheduling {
namespace {

constexpr int64_t kMaxBackoff = 3600;
constexpr size_t kBatch = 50;

int64_t NowSeconds(const DavContext& ctx) {
  return std::chrono::system_clock::to_time_t(ctx.clock());
}

}  // namespace

MailQueue::MailQueue(const DavContext& ctx, MailSender* sender) : ctx_(ctx), sender_(sender) {}

MailQueue::~MailQueue() { Stop(); }

void MailQueue::Start(int64_t poll_seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this, poll_seconds] { Loop(std::max<int64_t>(poll_seconds, 1)); });
}

void MailQueue::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void MailQueue::Wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

void MailQueue::Loop(int64_t poll_seconds) {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    cv_.wait_for(lock, std::chrono::seconds(poll_seconds), [this] { return stop_ || woken_; });
    if (stop_) break;
    woken_ = false;
    lock.unlock();
    RunOnce();
    lock.lock();
  }
}

int MailQueue::RunOnce() {
  store::Session& session = ctx_.store.ThreadSession();
  const int64_t now = NowSeconds(ctx_);
  Result<std::vector<store::QueuedMail>> due = session.DueMail(now, kBatch);
  if (!due.ok()) return 0;
  int sent = 0;
  for (const store::QueuedMail& m : *due) {
    // No transaction is open here: the relay may take its whole timeout.
    Status st = sender_ ? sender_->Send(m.envelope_from, {m.recipient}, m.message)
                        : Status::Unavailable("no SMTP relay configured");
    Result<std::unique_ptr<store::Transaction>> txn = session.Begin(true);
    if (!txn.ok()) continue;
    if (st.ok() || st.code() != Status::Code::kUnavailable ||
        now - m.created_at >= ctx_.options.mail_expire_seconds) {
      if (!session.DeleteMail(m.id).ok()) continue;
      RecordStatus(session, m, st.ok() ? "1.1" : "5.1");
      sent += st.ok();
    } else {
      // The first attempt follows the commit at once; retries wait retry, 2x, 4x, ...
      int64_t delay = ctx_.options.mail_retry_seconds << std::min<int64_t>(m.attempts, 12);
      if (!session.RescheduleMail(m.id, now + std::min(delay, kMaxBackoff), st.message()).ok()) {
        continue;
      }
    }
    (void)(*txn)->Commit();
  }
  return sent;
}

void MailQueue::RecordStatus(store::Session& session, const store::QueuedMail& mail,
                             const std::string& status) {
  if (mail.origin_collection == 0 || mail.origin_name.empty()) return;
  Result<store::Object> o = session.GetObject(mail.origin_collection, mail.origin_name, true);
  if (!o.ok()) return;  // the event is gone
  const std::string address = caldav::NormalizeAddress("mailto:" + mail.recipient);
  Result<caldav::CalendarObject> cal = caldav::CalendarObject::Parse(*o->data);  // parsed once
  if (!cal.ok()) return;
  Result<caldav::SchedulingInfo> info = caldav::InspectScheduling(*cal);
  if (info.ok() && info->organizer == address) {
    caldav::SetOrganizerScheduleStatus(*cal, status);
  } else {
    caldav::SetScheduleStatus(*cal, {{address, status}});
  }
  if (cal->Text() == *o->data) return;
  // Same index (only a parameter changed); the Schedule-Tag stays (not an organizer change).
  (void)session.PutObject(o->collection_id, o->name, o->content_type, cal->Text(), o->index);
}

}  // namespace cartable::dav::scheduling
