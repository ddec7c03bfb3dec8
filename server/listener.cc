// HttpServer on Pistache's TCP layer. Pistache gives us accept, epoll reactors and a write
// queue; everything HTTP is in HttpConnection. Per-connection state hangs on the Pistache peer
// (the handler is cloned per worker); a registry of weak pointers lets one reaper thread
// enforce request and idle timeouts without touching the hot path.
#include "server/listener.h"

#include <pistache/listener.h>
#include <pistache/peer.h>
#include <pistache/prototype.h>
#include <pistache/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <limits>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "server/http_connection.h"
#include "server/reactor_transport.h"

namespace cartable::server {

namespace {

const std::string kPeerDataKey = "cartable";
constexpr auto kReaperPeriod = std::chrono::milliseconds(200);

// One connection: protocol state plus the socket, whose closing is serialised with the
// peer's disconnection so that a reused fd number is never shut down by mistake.
struct ConnState {
  ConnState(TransportContext& ctx, std::string remote_addr, int fd_in, uint64_t id_in)
      : conn(ctx, std::move(remote_addr)), fd(fd_in), id(id_in) {}

  // Half-closes the socket both ways: the reactor then sees EOF and drops the peer.
  // `preface` (e.g. a 408 response) is written first, best effort, without blocking.
  void Close(std::string_view preface = {}) {
    std::lock_guard<std::mutex> lock(fd_mu);
    if (closed) return;
    if (!preface.empty()) {
      [[maybe_unused]] ssize_t n =
          ::send(fd, preface.data(), preface.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    }
    ::shutdown(fd, SHUT_RDWR);
  }
  // After a response sent before its request's body was read: sends FIN but goes on reading
  // (and discarding) until the client closes or `deadline_ms`, so that the client reads the
  // response instead of a reset caused by its unread bytes (RFC 9112 §9.6).
  void Linger(int64_t deadline_ms) {
    std::lock_guard<std::mutex> lock(fd_mu);
    if (closed) return;
    linger_until.store(deadline_ms, std::memory_order_relaxed);
    ::shutdown(fd, SHUT_WR);
  }
  bool lingering() const { return linger_until.load(std::memory_order_relaxed) != 0; }
  void MarkDisconnected() {
    conn.MarkClosing();
    std::lock_guard<std::mutex> lock(fd_mu);
    closed = true;
  }

  // Responses of this connection counted in TransportContext::in_flight whose bytes are not
  // written yet. Pistache drops queued writes of a peer that disconnects without settling their
  // promises, so the disconnection releases what is left (else Shutdown waits for them).
  void AddPending(int n) {
    std::lock_guard<std::mutex> lock(pending_mu);
    pending += n;
  }
  void ReleasePending(std::atomic<long>& in_flight, int n) {
    std::lock_guard<std::mutex> lock(pending_mu);
    int k = std::min(n, pending);
    pending -= k;
    in_flight.fetch_sub(k, std::memory_order_relaxed);
  }

  HttpConnection conn;
  const int fd;
  const uint64_t id;
  std::mutex fd_mu;
  bool closed = false;                   // guarded by fd_mu; the peer is gone and fd may be reused
  std::atomic<int64_t> linger_until{0};  // steady ms; 0 = not lingering
  std::mutex pending_mu;
  int pending = 0;  // guarded by pending_mu
};

}  // namespace

class HttpServerImpl {
 public:
  HttpServerImpl(const Config& config, http::RequestHandler& handler, AccessLog* access_log)
      : config_(config) {
    ctx_.config = &config_;
    ctx_.handler = &handler;
    ctx_.access_log = access_log;
  }

  std::string Start();
  void Shutdown();
  uint16_t port() const { return port_; }

  void OnConnection(const std::shared_ptr<Pistache::Tcp::Peer>& peer, ReactorTransport& transport);
  void OnInput(const char* data, size_t len, const std::shared_ptr<Pistache::Tcp::Peer>& peer,
               ReactorTransport& transport);
  void OnDisconnection(const std::shared_ptr<Pistache::Tcp::Peer>& peer);

 private:
  void ReaperLoop();
  void ReapOnce();
  void SendOutput(const std::shared_ptr<ConnState>& state,
                  const std::shared_ptr<Pistache::Tcp::Peer>& peer, bool close);
  void OnAdmission(const std::shared_ptr<ConnState>& state,
                   const std::shared_ptr<Pistache::Tcp::Peer>& peer, http::Admission admission,
                   ReactorTransport& transport);

  const Config config_;
  TransportContext ctx_;
  std::unique_ptr<Pistache::Tcp::Listener> listener_;
  uint16_t port_ = 0;
  bool running_ = false;

  std::mutex registry_mu_;
  std::unordered_map<uint64_t, std::weak_ptr<ConnState>> registry_;
  uint64_t next_id_ = 1;

  std::mutex reaper_mu_;
  std::condition_variable reaper_cv_;
  bool reaper_stop_ = false;
  std::thread reaper_;
};

namespace {

// Cloned once per reactor worker; holds no state of its own.
class TcpHandler : public Pistache::Tcp::Handler {
 public:
  PROTOTYPE_OF(Pistache::Tcp::Handler, TcpHandler)

  explicit TcpHandler(HttpServerImpl* server) : server_(server) {}

  // Our transport factory makes every transport a ReactorTransport.
  void onConnection(const std::shared_ptr<Pistache::Tcp::Peer>& peer) override {
    server_->OnConnection(peer, static_cast<ReactorTransport&>(*transport()));
  }
  void onInput(const char* buffer, size_t len,
               const std::shared_ptr<Pistache::Tcp::Peer>& peer) override {
    server_->OnInput(buffer, len, peer, static_cast<ReactorTransport&>(*transport()));
  }
  void onDisconnection(const std::shared_ptr<Pistache::Tcp::Peer>& peer) override {
    server_->OnDisconnection(peer);
  }

 private:
  HttpServerImpl* server_;
};

}  // namespace

void HttpServerImpl::OnConnection(const std::shared_ptr<Pistache::Tcp::Peer>& peer,
                                  ReactorTransport& transport) {
  try {
    std::shared_ptr<ConnState> state;
    {
      std::lock_guard<std::mutex> lock(registry_mu_);
      uint64_t id = next_id_++;
      state = std::make_shared<ConnState>(ctx_, peer->address().host(), peer->fd(), id);
      registry_.emplace(id, state);
    }
    // A pending admission (a password hash) finishes on a pool thread; the connection is
    // resumed on its own reactor, which alone touches its state.
    std::weak_ptr<ConnState> weak_state = state;
    std::weak_ptr<Pistache::Tcp::Peer> weak_peer = peer;
    state->conn.set_resume(
        [this, weak_state, weak_peer, mailbox = transport.mailbox()](http::Admission admission) {
          mailbox->Post([this, weak_state, weak_peer,
                         admission = std::move(admission)](ReactorTransport& t) mutable {
            auto s = weak_state.lock();
            auto p = weak_peer.lock();
            if (s && p) OnAdmission(s, p, std::move(admission), t);
          });
        });
    peer->putData(kPeerDataKey, state);
    if (ctx_.draining.load(std::memory_order_relaxed)) {
      state->conn.MarkClosing();
      state->Close();
    }
  } catch (...) {
    ::shutdown(peer->fd(), SHUT_RDWR);  // still inside the reactor: the fd is ours
  }
}

void HttpServerImpl::OnDisconnection(const std::shared_ptr<Pistache::Tcp::Peer>& peer) {
  try {
    auto state = std::static_pointer_cast<ConnState>(peer->tryGetData(kPeerDataKey));
    if (!state) return;
    state->MarkDisconnected();
    state->ReleasePending(ctx_.in_flight, std::numeric_limits<int>::max());
    std::lock_guard<std::mutex> lock(registry_mu_);
    registry_.erase(state->id);
  } catch (...) {
  }
}

void HttpServerImpl::OnInput(const char* data, size_t len,
                             const std::shared_ptr<Pistache::Tcp::Peer>& peer,
                             ReactorTransport& transport) {
  std::shared_ptr<ConnState> state;
  try {
    state = std::static_pointer_cast<ConnState>(peer->tryGetData(kPeerDataKey));
    if (!state || state->lingering()) return;  // discarded
    if (state->conn.phase() == HttpConnection::Phase::kClosing) {
      // Its last response is queued and its write closes the connection; a close from here
      // would overtake it. Discarded meanwhile, for a bounded time (the reaper closes).
      int64_t none = 0;
      state->linger_until.compare_exchange_strong(
          none, SteadyNowMs() + int64_t{ctx_.config->refused_linger_seconds} * 1000);
      return;
    }
    bool close = state->conn.Feed(data, len);
    SendOutput(state, peer, close);
    // Its body stays unread (in the kernel, then held back by TCP) until the admission is known.
    if (!close && state->conn.awaiting_admission()) transport.PauseReading(peer->fd());
  } catch (...) {
    if (state) {
      ctx_.in_flight.fetch_sub(state->conn.TakeResponseCount(), std::memory_order_relaxed);
      state->conn.MarkClosing();
      state->Close();
    }
  }
}

// On the reactor thread: continues a connection whose admission was pending, then reads it
// again (its own read loop was stopped).
void HttpServerImpl::OnAdmission(const std::shared_ptr<ConnState>& state,
                                 const std::shared_ptr<Pistache::Tcp::Peer>& peer,
                                 http::Admission admission, ReactorTransport& transport) {
  try {
    bool close = state->conn.Resume(std::move(admission));
    SendOutput(state, peer, close);
    if (!close && state->conn.awaiting_admission()) return;  // the next pipelined request waits
  } catch (...) {
    ctx_.in_flight.fetch_sub(state->conn.TakeResponseCount(), std::memory_order_relaxed);
    state->conn.MarkClosing();
    state->Close();
  }
  // Closing or not, read again: a closed connection must see its EOF to be released.
  transport.ResumeReading(peer);
}

// Queues the connection's pending output on Pistache's write queue. In-flight requests are
// released once the bytes are written (or the write failed); a closing connection is shut
// down from the same callback, on the reactor thread, after its last byte.
void HttpServerImpl::SendOutput(const std::shared_ptr<ConnState>& state,
                                const std::shared_ptr<Pistache::Tcp::Peer>& peer, bool close) {
  std::string& out = state->conn.output();
  int responses = state->conn.TakeResponseCount();
  // The request's body was left unread: linger rather than close at once.
  int64_t linger_ms = close && state->conn.body_unread()
                          ? SteadyNowMs() + int64_t{ctx_.config->refused_linger_seconds} * 1000
                          : 0;
  if (out.empty()) {
    ctx_.in_flight.fetch_sub(responses, std::memory_order_relaxed);
    if (close && linger_ms != 0) {
      state->Linger(linger_ms);
    } else if (close) {
      state->Close();
    }
    return;
  }
  size_t size = out.size();
  Pistache::RawBuffer buffer(std::move(out), size);
  out.clear();
  TransportContext* ctx = &ctx_;
  state->AddPending(responses);
  peer->send(buffer).then(
      [state, ctx, responses, close, linger_ms](ssize_t) {
        state->ReleasePending(ctx->in_flight, responses);
        if (close && linger_ms != 0) {
          state->Linger(linger_ms);
        } else if (close) {
          state->Close();
        }
      },
      [state, ctx, responses](std::exception_ptr) {
        state->ReleasePending(ctx->in_flight, responses);
        state->conn.MarkClosing();
        state->Close();
      });
}

std::string HttpServerImpl::Start() {
  if (running_) return "server already started";
  try {
    Pistache::Address address(config_.listen);
    unsigned workers = config_.workers;
    if (workers == 0) workers = std::max(1u, std::thread::hardware_concurrency());
    listener_ = std::make_unique<Pistache::Tcp::Listener>();
    listener_->init(workers,
                    Pistache::Flags<Pistache::Tcp::Options>(Pistache::Tcp::Options::ReuseAddr) |
                        Pistache::Tcp::Options::NoDelay);
    auto handler = std::make_shared<TcpHandler>(this);
    listener_->setHandler(handler);
    listener_->setTransportFactory(
        [handler] { return std::make_shared<ReactorTransport>(handler); });
    listener_->bind(address);
    port_ = static_cast<uint16_t>(listener_->getPort());
    listener_->runThreaded();
  } catch (const std::exception& e) {
    listener_.reset();
    return "cannot listen on " + config_.listen + ": " + e.what();
  }
  running_ = true;
  reaper_stop_ = false;
  reaper_ = std::thread([this] { ReaperLoop(); });
  return "";
}

void HttpServerImpl::ReaperLoop() {
  std::unique_lock<std::mutex> lock(reaper_mu_);
  while (!reaper_stop_) {
    reaper_cv_.wait_for(lock, kReaperPeriod);
    if (reaper_stop_) break;
    lock.unlock();
    ReapOnce();
    lock.lock();
  }
}

// Answers 408 to connections whose request is overdue and closes overdue idle ones (all idle
// ones while draining). CAS on the connection phase keeps this off requests being handled.
void HttpServerImpl::ReapOnce() {
  std::vector<std::shared_ptr<ConnState>> live;
  {
    std::lock_guard<std::mutex> lock(registry_mu_);
    live.reserve(registry_.size());
    for (const auto& [id, weak] : registry_) {
      if (auto state = weak.lock()) live.push_back(std::move(state));
    }
  }
  int64_t now = SteadyNowMs();
  bool draining = ctx_.draining.load(std::memory_order_relaxed);
  for (const auto& state : live) {
    if (state->lingering() && now >= state->linger_until.load(std::memory_order_relaxed)) {
      state->Close();
      continue;
    }
    HttpConnection::Phase left = state->conn.TryExpire(now, draining);
    if (left == HttpConnection::Phase::kIdle) {
      state->Close();
    } else if (left == HttpConnection::Phase::kReading) {
      http::HttpRequest request;
      request.remote_addr = state->conn.remote_addr();
      request.method.assign(1, '-');  // not = "-": GCC 12 -Wrestrict false positive
      http::HttpResponse response = http::HttpResponse::Text(408, "Request Timeout\n");
      std::string bytes;
      SerializeResponse(ctx_, request, response, /*close=*/true, bytes);
      state->Close(bytes);
      if (ctx_.access_log != nullptr) {
        ctx_.access_log->Write(request, 408, response.body.size(),
                               std::chrono::seconds(config_.request_timeout_seconds));
      }
    }
  }
}

void HttpServerImpl::Shutdown() {
  if (!running_) return;
  running_ = false;
  ctx_.draining.store(true);
  // Idle connections are closed by the reaper; busy ones close after their response.
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(config_.shutdown_grace_seconds);
  { std::lock_guard<std::mutex> lock(reaper_mu_); }
  reaper_cv_.notify_all();
  while (ctx_.in_flight.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  try {
    listener_->shutdown();
    listener_.reset();  // joins the accept and reactor threads
  } catch (...) {
  }
  {
    std::lock_guard<std::mutex> lock(reaper_mu_);
    reaper_stop_ = true;
  }
  reaper_cv_.notify_all();
  if (reaper_.joinable()) reaper_.join();
}

HttpServer::HttpServer(const Config& config, http::RequestHandler& handler, AccessLog* access_log)
    : impl_(std::make_unique<HttpServerImpl>(config, handler, access_log)) {}

HttpServer::~HttpServer() { Shutdown(); }

std::string HttpServer::Start() { return impl_->Start(); }

uint16_t HttpServer::port() const { return impl_->port(); }

void HttpServer::Shutdown() { impl_->Shutdown(); }

}  // namespace cartable::server
