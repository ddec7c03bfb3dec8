// Pistache's TCP transport with two additions the HTTP layer needs, both on the reactor thread:
// - a connection can stop being read while work for it runs elsewhere (a password hash): its
//   bytes stay in the kernel, and TCP flow control holds back a client that keeps sending;
// - functions posted from other threads (a finished hash) run on the connection's reactor, so
//   that a connection's protocol state is only ever touched by its own reactor thread.
// Pistache 0.0.5 reads every readable peer until EAGAIN and has no way to stop in between, so
// this transport reads its peers itself (the same loop, checking for a pause after each read);
// writes, timers and new peers stay with Pistache.
#pragma once

#include <pistache/peer.h>
#include <pistache/tcp.h>
#include <pistache/transport.h>

#include <functional>
#include <memory>
#include <mutex>
#include <unordered_set>
#include <vector>

namespace cartable::server {

class ReactorTransport : public Pistache::Tcp::Transport {
 public:
  using Task = std::function<void(ReactorTransport&)>;

  // Where other threads post tasks for one reactor. Thread-safe; may outlive its transport
  // (tasks posted after the reactor stopped are dropped, not run).
  class Mailbox {
   public:
    ~Mailbox();
    // Runs `task` on the reactor thread soon; false (task dropped) once the reactor stopped.
    bool Post(Task task);

   private:
    friend class ReactorTransport;
    std::mutex mu_;
    int event_fd_ = -1;  // guarded by mu_; -1 before registration and after the reactor stops
    std::vector<Task> tasks_;
  };

  explicit ReactorTransport(const std::shared_ptr<Pistache::Tcp::Handler>& handler);
  ~ReactorTransport() override;

  std::shared_ptr<Pistache::Aio::Handler> clone() const override;
  void registerPoller(Pistache::Polling::Epoll& poller) override;
  void onReady(const Pistache::Aio::FdSet& fds) override;

  const std::shared_ptr<Mailbox>& mailbox() const { return mailbox_; }
  // Reactor thread only. Reads nothing more from `fd` (not even the rest of the current read
  // loop) until ResumeReading.
  void PauseReading(Pistache::Fd fd) { paused_.insert(fd); }
  // Reactor thread only. Reads `peer` again, at once: what arrived while paused raised no new
  // event (the peers are edge-triggered).
  void ResumeReading(const std::shared_ptr<Pistache::Tcp::Peer>& peer);

 private:
  void ReadPeer(const std::shared_ptr<Pistache::Tcp::Peer>& peer);
  void RunTasks();

  std::shared_ptr<Pistache::Tcp::Handler> handler_;
  std::shared_ptr<Mailbox> mailbox_ = std::make_shared<Mailbox>();
  std::unordered_set<Pistache::Fd> paused_;
};

}  // namespace cartable::server
