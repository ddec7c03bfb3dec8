// HttpServer on Pistache's TCP layer. Pistache gives us accept, epoll reactors and a write
// queue; everything HTTP is in HttpConnection. Per-connection state hangs on the Pistache peer
// (the handler is cloned per worker); a registry of weak pointers lets one reaper thread
// enforce request and idle timeouts without touching the hot path.
//
// Output goes through a per-connection queue handed to Pistache one bounded chunk at a time:
// Pistache copies a raw buffer on every write attempt and copies its unsent rest on every
// partial write (Transport::asyncWriteImpl, BufferHolder::raw/detach), so a whole pipelined
// output handed over at once made a slow reader cost O(size) per partial write (1.3 GB and a
// reactor at 100 % CPU for 100 GETs of a 9 MB file). With the queue those copies are bounded by
// kWriteChunkBytes and each response byte is copied once more. Pump writes to the socket itself
// first and hands Pistache only what the socket does not take at once.
#include "server/listener.h"

#include <pistache/listener.h>
#include <pistache/peer.h>
#include <pistache/prototype.h>
#include <pistache/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <exception>
#include <functional>
#include <limits>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "server/forwarded.h"
#include "server/http_connection.h"
#include "server/metrics.h"
#include "server/reactor_transport.h"

namespace cartable::server {

namespace {

const std::string kPeerDataKey = "cartable";
constexpr auto kReaperPeriod = std::chrono::milliseconds(200);
// Bytes handed to Pistache per write: bounds its per-attempt copies (see the file comment).
constexpr size_t kWriteChunkBytes = 128 << 10;
// Segments of the queue one send gathers at most.
constexpr size_t kGatherSegments = 8;
// File descriptors kept free beside max_connections: store, logs, epoll and event fds, and
// refused connections while they linger.
constexpr rlim_t kFdReserve = 256;
// Retry-After of the 503 answered to a connection over the limits.
constexpr int kRetryAfterSeconds = 10;

// One connection: protocol state plus the socket, whose closing is serialised with the
// peer's disconnection so that a reused fd number is never shut down by mistake.
struct ConnState {
  ConnState(TransportContext& ctx, std::string remote_addr, int fd_in, uint64_t id_in)
      : conn(ctx, std::move(remote_addr)), fd(fd_in), id(id_in) {}

  // Half-closes the socket both ways: the reactor then sees EOF and drops the peer.
  // `preface` (e.g. a 408 response) is written first, best effort, without blocking.
  void Close(std::string_view preface = {}) {
    std::lock_guard<std::mutex> lock(fd_mu);
    linger_deadline_ms.store(0, std::memory_order_relaxed);
    if (closed) return;
    if (!preface.empty()) {
      [[maybe_unused]] ssize_t n =
          ::send(fd, preface.data(), preface.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    }
    ::shutdown(fd, SHUT_RDWR);
  }
  // Lingering close (as Apache and nginx do): after the last response byte, send FIN but keep
  // reading (and discarding) until the client closes or `deadline_ms`, so that a client still
  // sending a refused body reads our status instead of a reset.
  void Linger(int64_t deadline_ms) {
    std::lock_guard<std::mutex> lock(fd_mu);
    if (closed) return;
    linger_deadline_ms.store(deadline_ms, std::memory_order_relaxed);
    ::shutdown(fd, SHUT_WR);
  }
  bool lingering() const { return linger_deadline_ms.load(std::memory_order_relaxed) != 0; }
  // Writes what the socket takes at once of `iov` (gathered), without blocking: the bytes
  // written, 0 when it takes none now, -1 when the connection is broken or already closed.
  ssize_t TrySend(iovec* iov, size_t count) {
    std::lock_guard<std::mutex> lock(fd_mu);
    if (closed) return -1;
    msghdr message{};
    message.msg_iov = iov;
    message.msg_iovlen = count;
    ssize_t n = ::sendmsg(fd, &message, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n >= 0) return n;
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
  }
  // Ends a lingering close that exceeded its bounds with a reset (SO_LINGER 0 makes Pistache's
  // close() send RST): a graceful close could leave a client that keeps sending stuck behind a
  // zero window instead of failing at once.
  void Abort() {
    {
      std::lock_guard<std::mutex> lock(fd_mu);
      if (closed) return;
      linger abort{1, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
    }
    Close();
  }
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
  bool HasPending() {
    std::lock_guard<std::mutex> lock(pending_mu);
    return pending > 0;
  }

  HttpConnection conn;
  const int fd;
  const uint64_t id;
  std::mutex fd_mu;
  bool closed = false;  // guarded by fd_mu; the peer is gone and fd may be reused
  std::mutex pending_mu;
  int pending = 0;                             // guarded by pending_mu
  std::atomic<int64_t> linger_deadline_ms{0};  // 0 = not lingering

  // Reactor thread only: output not yet written, in order.
  struct Segment {
    std::string bytes;
    int responses;  // final responses ending in this segment, counted in in_flight
  };
  std::deque<Segment> queue;
  size_t front_written = 0;  // bytes of queue.front() already written
  uint64_t unsent = 0;       // bytes in queue not yet written
  bool writing = false;      // a chunk is with Pistache
  bool close_after = false;  // linger-close once the queue is written
  uint64_t discarded = 0;    // bytes read while lingering
  bool counted = false;      // counted in the connection limits (not a refused one)
  bool per_address = false;  // counted per address too (not a trusted proxy's connection)
};

}  // namespace

class HttpServerImpl {
 public:
  HttpServerImpl(const Config& config, http::RequestHandler& handler, AccessLog* access_log,
                 Metrics* metrics)
      : config_(config) {
    ctx_.config = &config_;
    ctx_.handler = &handler;
    ctx_.access_log = access_log;
    ctx_.metrics = metrics;
    if (metrics != nullptr) metrics->SetInFlight(&ctx_.in_flight);
  }
  ~HttpServerImpl() {
    if (ctx_.metrics != nullptr) ctx_.metrics->SetInFlight(nullptr);
  }

  std::string Start();
  void Shutdown();
  uint16_t port() const { return port_; }
  void Reconfigure(const Config* config) { ctx_.config = config; }

  void OnConnection(const std::shared_ptr<Pistache::Tcp::Peer>& peer, ReactorTransport& transport);
  void OnInput(const char* data, size_t len, const std::shared_ptr<Pistache::Tcp::Peer>& peer,
               ReactorTransport& transport);
  void OnDisconnection(const std::shared_ptr<Pistache::Tcp::Peer>& peer);

 private:
  void ReaperLoop();
  void ReapOnce();
  void SendOutput(const std::shared_ptr<ConnState>& state,
                  const std::shared_ptr<Pistache::Tcp::Peer>& peer, bool close);
  void Pump(const std::shared_ptr<ConnState>& state,
            const std::shared_ptr<Pistache::Tcp::Peer>& peer);
  // Goes on with a connection that waited for a pending admission or a deferred response:
  // `finish` hands the result to the connection (true = close), then output is sent and reading
  // resumes.
  void Continue(const std::shared_ptr<ConnState>& state,
                const std::shared_ptr<Pistache::Tcp::Peer>& peer, ReactorTransport& transport,
                const std::function<bool()>& finish);
  void OnWritten(const std::shared_ptr<ConnState>& state,
                 const std::weak_ptr<Pistache::Tcp::Peer>& weak_peer, size_t n);
  void Advance(const std::shared_ptr<ConnState>& state, size_t n);
  bool Admit(const std::shared_ptr<ConnState>& state);
  void Refuse(const std::shared_ptr<ConnState>& state,
              const std::shared_ptr<Pistache::Tcp::Peer>& peer);
  unsigned EffectiveMaxConnections();

  const Config config_;
  TransportContext ctx_;
  std::unique_ptr<Pistache::Tcp::Listener> listener_;
  uint16_t port_ = 0;
  bool running_ = false;

  std::mutex registry_mu_;
  std::unordered_map<uint64_t, std::weak_ptr<ConnState>> registry_;
  uint64_t next_id_ = 1;
  // Admitted connections, in total and per client address (guarded by registry_mu_).
  unsigned max_connections_ = 0;
  unsigned connections_ = 0;
  std::unordered_map<std::string, unsigned> per_address_;

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
            if (s && p) {
              Continue(s, p, t, [&] { return s->conn.FinishAdmission(std::move(admission)); });
            }
          });
        });
    // A deferred response (slow work after the body, on the hash pool) is delivered the same
    // way. When the connection is gone by then, its in-flight count is released here.
    TransportContext* ctx = &ctx_;
    state->conn.set_deliver([this, ctx, weak_state, weak_peer,
                             mailbox = transport.mailbox()](http::HttpResponse response) {
      bool posted = mailbox->Post([this, ctx, weak_state, weak_peer,
                                   response = std::move(response)](ReactorTransport& t) mutable {
        auto s = weak_state.lock();
        auto p = weak_peer.lock();
        if (s && p) {
          Continue(s, p, t, [&] { return s->conn.FinishResponse(std::move(response)); });
        } else {
          ctx->in_flight.fetch_sub(1, std::memory_order_relaxed);
        }
      });
      if (!posted) ctx->in_flight.fetch_sub(1, std::memory_order_relaxed);
    });
    peer->putData(kPeerDataKey, state);
    if (ctx_.draining.load(std::memory_order_relaxed)) {
      state->conn.MarkClosing();
      state->Close();
    } else if (!Admit(state)) {
      Refuse(state, peer);
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
    if (state->counted) --connections_;
    if (state->per_address) {  // the per-address count is released on every close
      auto it = per_address_.find(state->conn.remote_addr());
      if (it != per_address_.end() && --it->second == 0) per_address_.erase(it);
    }
  } catch (...) {
  }
}

void HttpServerImpl::OnInput(const char* data, size_t len,
                             const std::shared_ptr<Pistache::Tcp::Peer>& peer,
                             ReactorTransport& transport) {
  std::shared_ptr<ConnState> state;
  try {
    state = std::static_pointer_cast<ConnState>(peer->tryGetData(kPeerDataKey));
    if (!state) return;
    if (state->lingering() || state->close_after) {
      // A final response is decided; what the client still sends is discarded, and bounded.
      state->discarded += len;
      if (state->discarded > ctx_.config->lingering_close_bytes) state->Abort();
      return;
    }
    bool close = state->conn.Feed(data, len);
    SendOutput(state, peer, close);
    // Its body stays unread (in the kernel, then held back by TCP) until the admission is known.
    if (!close && (state->conn.awaiting_admission() || state->conn.awaiting_response())) {
      transport.PauseReading(peer->fd());
    }
  } catch (...) {
    if (state) {
      ctx_.in_flight.fetch_sub(state->conn.TakeResponseCount(), std::memory_order_relaxed);
      state->conn.MarkClosing();
      state->Close();
    }
  }
}

// On the reactor thread: continues a connection whose admission was pending or whose response
// was deferred, goes on with the pipelined requests kept meanwhile, then reads it again (its own
// read loop was stopped).
void HttpServerImpl::Continue(const std::shared_ptr<ConnState>& state,
                              const std::shared_ptr<Pistache::Tcp::Peer>& peer,
                              ReactorTransport& transport, const std::function<bool()>& finish) {
  try {
    bool close = finish();
    SendOutput(state, peer, close);
    // The next pipelined request waits for its own admission or deferred response.
    if (!close && (state->conn.awaiting_admission() || state->conn.awaiting_response())) return;
  } catch (...) {
    ctx_.in_flight.fetch_sub(state->conn.TakeResponseCount(), std::memory_order_relaxed);
    state->conn.MarkClosing();
    state->Close();
  }
  // Closing or not, read again: a closed connection must see its EOF to be released.
  transport.ResumeReading(peer);
}

// Moves the connection's pending output to its queue and starts writing it. In-flight requests
// are released once their bytes are written (or the connection is gone); a closing connection
// linger-closes after its last byte.
void HttpServerImpl::SendOutput(const std::shared_ptr<ConnState>& state,
                                const std::shared_ptr<Pistache::Tcp::Peer>& peer, bool close) {
  std::vector<std::string> segments = state->conn.output().TakeSegments();
  int responses = state->conn.TakeResponseCount();
  if (segments.empty()) {
    ctx_.in_flight.fetch_sub(responses, std::memory_order_relaxed);
    if (close && state->queue.empty()) {
      state->Close();  // nothing was answered: no need to linger
      return;
    }
  } else {
    state->AddPending(responses);
    for (size_t i = 0; i < segments.size(); ++i) {
      state->unsent += segments[i].size();
      // The responses are released once their last byte is written.
      state->queue.push_back({std::move(segments[i]), i + 1 == segments.size() ? responses : 0});
    }
    state->conn.set_unsent_bytes(state->unsent);
  }
  if (close) state->close_after = true;
  Pump(state, peer);
}

// Writes the queue: to the socket directly, then the next chunk to Pistache; one chunk at a time,
// so the queue (not Pistache) holds the unsent bytes and nothing but a chunk is ever copied.
//
// The socket is tried first, on this reactor thread: a response that fits in the socket buffer
// (nearly all) is written by one send(), while Pistache's write path queues every buffer for the
// reactor and wakes it through an eventfd (a write, an epoll wake-up, a read and an epoll_ctl
// rearm per response: ~15 % of a GET's CPU in perf, issue 14). Pistache takes over what the
// socket does not take at once (it waits for writability). Not while the input is paused: the
// parse resumes in OnWritten, after a write Pistache completes.
void HttpServerImpl::Pump(const std::shared_ptr<ConnState>& state,
                          const std::shared_ptr<Pistache::Tcp::Peer>& peer) {
  if (state->writing) return;
  while (!state->queue.empty() && !state->conn.input_paused()) {
    // Up to kWriteChunkBytes of the first kGatherSegments segments (a response's headers and
    // its moved-in body, pipelined responses) in one send.
    iovec iov[kGatherSegments];
    size_t count = 0;
    size_t n = 0;
    size_t offset = state->front_written;
    for (auto it = state->queue.begin();
         it != state->queue.end() && count < kGatherSegments && n < kWriteChunkBytes; ++it) {
      size_t len = std::min(kWriteChunkBytes - n, it->bytes.size() - offset);
      iov[count++] = {it->bytes.data() + offset, len};
      n += len;
      offset = 0;
    }
    ssize_t sent = state->TrySend(iov, count);
    if (sent < 0) {  // as a failed Pistache write
      state->ReleasePending(ctx_.in_flight, std::numeric_limits<int>::max());
      state->conn.MarkClosing();
      state->Close();
      return;
    }
    if (sent == 0) break;
    Advance(state, static_cast<size_t>(sent));
    if (static_cast<size_t>(sent) < n) break;  // the socket buffer is full
  }
  if (state->queue.empty()) {
    if (state->close_after) {
      state->close_after = false;
      state->Linger(SteadyNowMs() + int64_t{ctx_.config->lingering_close_seconds} * 1000);
    }
    return;
  }
  const std::string& bytes = state->queue.front().bytes;
  size_t n = std::min(kWriteChunkBytes, bytes.size() - state->front_written);
  Pistache::RawBuffer chunk(bytes.substr(state->front_written, n), n);
  state->writing = true;
  std::weak_ptr<Pistache::Tcp::Peer> weak_peer = peer;
  TransportContext* ctx = &ctx_;
  peer->send(chunk).then([this, state, weak_peer, n](ssize_t) { OnWritten(state, weak_peer, n); },
                         [state, ctx](std::exception_ptr) {
                           state->ReleasePending(ctx->in_flight, std::numeric_limits<int>::max());
                           state->conn.MarkClosing();
                           state->Close();
                         });
}

// A chunk is written (on the reactor thread): advance the queue, resume parsing pipelined
// requests once the queue is back under max_queued_output_bytes, write on.
void HttpServerImpl::OnWritten(const std::shared_ptr<ConnState>& state,
                               const std::weak_ptr<Pistache::Tcp::Peer>& weak_peer, size_t n) {
  state->writing = false;
  Advance(state, n);
  auto peer = weak_peer.lock();
  if (!peer) return;
  try {
    if (state->conn.input_paused()) {
      bool close = state->conn.Resume();
      SendOutput(state, peer, close);
      return;
    }
    Pump(state, peer);
  } catch (...) {
    ctx_.in_flight.fetch_sub(state->conn.TakeResponseCount(), std::memory_order_relaxed);
    state->conn.MarkClosing();
    state->Close();
  }
}

// `n` more bytes of the queue are written, from its front on (a gathered send spans segments):
// each segment written whole leaves the queue and releases its responses.
void HttpServerImpl::Advance(const std::shared_ptr<ConnState>& state, size_t n) {
  state->unsent -= n;
  while (n > 0) {
    ConnState::Segment& front = state->queue.front();
    size_t taken = std::min(n, front.bytes.size() - state->front_written);
    state->front_written += taken;
    n -= taken;
    if (state->front_written == front.bytes.size()) {
      state->ReleasePending(ctx_.in_flight, front.responses);
      state->queue.pop_front();
      state->front_written = 0;
    }
  }
  state->conn.set_unsent_bytes(state->unsent);
  state->conn.NoteOutputProgress();
}

// Counts a new connection against [limits] max_connections and max_connections_per_address.
// A trusted proxy's connections carry every client behind it: they count in the total only
// (the proxy bounds connections per real client itself, e.g. nginx's limit_conn).
bool HttpServerImpl::Admit(const std::shared_ptr<ConnState>& state) {
  std::lock_guard<std::mutex> lock(registry_mu_);
  if (!config_.trusted_proxies.empty() &&
      config_.trusted_proxies.Contains(state->conn.remote_addr())) {
    if (connections_ >= max_connections_) return false;
    ++connections_;
    state->counted = true;
    return true;
  }
  unsigned& mine = per_address_[state->conn.remote_addr()];
  if (connections_ >= max_connections_ || mine >= ctx_.config->max_connections_per_address) {
    if (mine == 0) per_address_.erase(state->conn.remote_addr());
    return false;
  }
  ++connections_;
  ++mine;
  state->counted = true;
  state->per_address = true;
  return true;
}

// A connection over the limits gets 503 with Retry-After, then a lingering close. A status
// rather than a bare close: clients treat 503 + Retry-After as "try later" (RFC 9110
// §15.6.4) while a reset looks like a network failure they retry at once. Refused connections
// hold their descriptor for at most lingering_close_seconds (kFdReserve covers them).
void HttpServerImpl::Refuse(const std::shared_ptr<ConnState>& state,
                            const std::shared_ptr<Pistache::Tcp::Peer>& peer) {
  state->conn.MarkClosing();
  http::HttpRequest request;
  request.remote_addr = state->conn.remote_addr();
  request.peer_addr = request.remote_addr;
  request.request_id = NewRequestId();
  request.method.assign(1, '-');
  http::HttpResponse response =
      http::HttpResponse::Text(503, "Service Unavailable: too many connections\n");
  response.headers.Set("Retry-After", std::to_string(kRetryAfterSeconds));
  const size_t body_bytes =
      SerializeResponse(ctx_, request, response, /*close=*/true, state->conn.output());
  if (ctx_.access_log != nullptr) {
    ctx_.access_log->Write(request, 503, body_bytes, std::chrono::seconds(0));
  }
  if (ctx_.metrics != nullptr) {
    ctx_.metrics->ObserveRequest(request.method, request.path, 503, std::chrono::seconds(0));
  }
  SendOutput(state, peer, /*close=*/true);
}

// max_connections, lowered to fit the open-file limit (raised to its hard limit if needed):
// running out of descriptors would make accept() fail for everybody.
unsigned HttpServerImpl::EffectiveMaxConnections() {
  rlim_t wanted = rlim_t{config_.max_connections} + kFdReserve;
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY ||
      limit.rlim_cur >= wanted) {
    return config_.max_connections;
  }
  rlimit raised = limit;
  raised.rlim_cur = limit.rlim_max == RLIM_INFINITY ? wanted : std::min(wanted, limit.rlim_max);
  if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  if (limit.rlim_cur >= wanted) return config_.max_connections;
  unsigned fit = limit.rlim_cur > 2 * kFdReserve
                     ? static_cast<unsigned>(limit.rlim_cur - kFdReserve)
                     : static_cast<unsigned>(limit.rlim_cur / 2);
  std::fprintf(stderr,
               "cartable: [limits] max_connections = %u exceeds the open-file limit (%llu); "
               "using %u (raise `ulimit -n` to allow more)\n",
               config_.max_connections, static_cast<unsigned long long>(limit.rlim_cur), fit);
  return fit;
}

std::string HttpServerImpl::Start() {
  if (running_) return "server already started";
  max_connections_ = EffectiveMaxConnections();
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
    if (int64_t linger = state->linger_deadline_ms.load(std::memory_order_relaxed);
        linger != 0 && now >= linger) {
      state->Abort();
      continue;
    }
    // While draining, a connection between requests is closed at once unless a response is
    // still being written to it (a slow reader of a large answer): that one finishes first,
    // within shutdown_grace_seconds.
    HttpConnection::Phase left = state->conn.TryExpire(now, draining && !state->HasPending());
    if (left == HttpConnection::Phase::kIdle) {
      state->Close();
    } else if (left == HttpConnection::Phase::kReading) {
      http::HttpRequest request;
      request.remote_addr = state->conn.remote_addr();
      request.peer_addr = request.remote_addr;
      request.request_id = NewRequestId();
      request.method.assign(1, '-');  // not = "-": GCC 12 -Wrestrict false positive
      http::HttpResponse response = http::HttpResponse::Text(408, "Request Timeout\n");
      OutputBuffer bytes;
      const size_t body_bytes = SerializeResponse(ctx_, request, response, /*close=*/true, bytes);
      state->Close(bytes.TakeAll());
      if (ctx_.access_log != nullptr) {
        ctx_.access_log->Write(request, 408, body_bytes,
                               std::chrono::seconds(ctx_.config->request_timeout_seconds));
      }
      if (ctx_.metrics != nullptr) {
        ctx_.metrics->ObserveRequest(request.method, request.path, 408,
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
      std::chrono::steady_clock::now() + std::chrono::seconds(ctx_.config->shutdown_grace_seconds);
  { std::lock_guard<std::mutex> lock(reaper_mu_); }
  reaper_cv_.notify_all();
  while (ctx_.in_flight.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  // Once more from this thread: on a loaded machine the reaper may not have run since
  // draining began, and idle connections must not outlive the listener open.
  ReapOnce();
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

HttpServer::HttpServer(const Config& config, http::RequestHandler& handler, AccessLog* access_log,
                       Metrics* metrics)
    : impl_(std::make_unique<HttpServerImpl>(config, handler, access_log, metrics)) {}

HttpServer::~HttpServer() { Shutdown(); }

std::string HttpServer::Start() { return impl_->Start(); }

uint16_t HttpServer::port() const { return impl_->port(); }

void HttpServer::Shutdown() { impl_->Shutdown(); }

void HttpServer::Reconfigure(const Config* config) { impl_->Reconfigure(config); }

}  // namespace cartable::server
