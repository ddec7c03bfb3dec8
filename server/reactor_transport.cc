#include "server/reactor_transport.h"

#include <pistache/config.h>
#include <pistache/os.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace cartable::server {

ReactorTransport::Mailbox::~Mailbox() {
  if (event_fd_ >= 0) ::close(event_fd_);
}

bool ReactorTransport::Mailbox::Post(Task task) {
  std::lock_guard<std::mutex> lock(mu_);
  if (event_fd_ < 0) return false;
  tasks_.push_back(std::move(task));
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(event_fd_, &one, sizeof one);  // EAGAIN: already signalled
  return true;
}

ReactorTransport::ReactorTransport(const std::shared_ptr<Pistache::Tcp::Handler>& handler)
    : Pistache::Tcp::Transport(handler), handler_(handler) {}

ReactorTransport::~ReactorTransport() {
  std::vector<Task> dropped;
  std::lock_guard<std::mutex> lock(mailbox_->mu_);
  if (mailbox_->event_fd_ >= 0) ::close(mailbox_->event_fd_);
  mailbox_->event_fd_ = -1;
  dropped.swap(mailbox_->tasks_);
}

std::shared_ptr<Pistache::Aio::Handler> ReactorTransport::clone() const {
  return std::make_shared<ReactorTransport>(handler_->clone());
}

void ReactorTransport::registerPoller(Pistache::Polling::Epoll& poller) {
  Pistache::Tcp::Transport::registerPoller(poller);
  int fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) throw std::runtime_error("eventfd failed");
  {
    std::lock_guard<std::mutex> lock(mailbox_->mu_);
    mailbox_->event_fd_ = fd;
  }
  poller.addFd(fd, Pistache::Flags<Pistache::Polling::NotifyOn>(Pistache::Polling::NotifyOn::Read),
               Pistache::Polling::Tag(static_cast<uint64_t>(fd)));
}

void ReactorTransport::onReady(const Pistache::Aio::FdSet& fds) {
  int mailbox_fd;
  {
    std::lock_guard<std::mutex> lock(mailbox_->mu_);
    mailbox_fd = mailbox_->event_fd_;
  }
  std::vector<Pistache::Polling::Event> rest;
  for (const auto& entry : fds) {
    // One handler per reactor (the listener's), so a tag is the bare fd.
    auto fd = static_cast<Pistache::Fd>(entry.getTag().value());
    if (fd == mailbox_fd) {
      RunTasks();
      continue;
    }
    if (entry.isReadable()) {
      auto it = peers.find(fd);
      if (it != peers.end()) {
        if (!paused_.contains(fd)) ReadPeer(std::shared_ptr<Pistache::Tcp::Peer>(it->second));
        // Gone (read its EOF), or nothing to write: done with this fd.
        if (!entry.isWritable() || !peers.contains(fd)) continue;
        // Also writable: let Pistache resume the write queue (it would read instead).
        Pistache::Polling::Event writable(entry.getTag());
        writable.flags.setFlag(Pistache::Polling::NotifyOn::Write);
        rest.push_back(std::move(writable));
        continue;
      }
    }
    // Pistache's queues and timers, or a peer's write readiness. A peer removed earlier in this
    // batch (by a task that read its EOF) has no write queue left: Pistache would throw.
    Pistache::Polling::Event event(entry.getTag());
    if (entry.isReadable()) event.flags.setFlag(Pistache::Polling::NotifyOn::Read);
    if (entry.isWritable() && peers.contains(fd)) {
      event.flags.setFlag(Pistache::Polling::NotifyOn::Write);
    }
    if (entry.isHangup()) event.flags.setFlag(Pistache::Polling::NotifyOn::Hangup);
    rest.push_back(std::move(event));
  }
  if (!rest.empty()) Pistache::Tcp::Transport::onReady(Pistache::Aio::FdSet(std::move(rest)));
}

void ReactorTransport::ResumeReading(const std::shared_ptr<Pistache::Tcp::Peer>& peer) {
  if (paused_.erase(peer->fd()) == 0) return;
  if (peers.contains(peer->fd())) ReadPeer(peer);
}

// Pistache's handleIncoming, plus the pause check after each read.
void ReactorTransport::ReadPeer(const std::shared_ptr<Pistache::Tcp::Peer>& peer) {
  char buffer[Pistache::Const::MaxBuffer];
  const Pistache::Fd fd = peer->fd();
  while (!paused_.contains(fd)) {
    ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n > 0) {
      handler_->onInput(buffer, static_cast<size_t>(n), peer);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n < 0 && errno == EINTR) continue;
    paused_.erase(fd);
    handler_->onDisconnection(peer);
    removePeer(peer);
    return;
  }
}

void ReactorTransport::RunTasks() {
  std::vector<Task> tasks;
  {
    std::lock_guard<std::mutex> lock(mailbox_->mu_);
    uint64_t count;
    [[maybe_unused]] ssize_t n = ::read(mailbox_->event_fd_, &count, sizeof count);
    tasks.swap(mailbox_->tasks_);
  }
  for (Task& task : tasks) task(*this);
}

}  // namespace cartable::server
