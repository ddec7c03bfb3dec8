// The yardstick of the GET goal of issue 14: the cheapest HTTP/1.1 server on the same stack as
// server/listener.cc (Pistache Tcp::Listener and reactors, http_parser framing), answering every
// request with a fixed 200 and a small body, keep-alive. Cartable's GET rate is compared with
// this server's rate measured in the same minutes with the same wrk command, so that the ratio
// says what Cartable adds on top of the transport, whatever the load of the shared machine.
//
//   trivial_http_server --listen 127.0.0.1:PORT [--workers N] [--direct-send]
//
// --direct-send writes each response to the socket first (non-blocking send(2) on the reactor
// thread) and hands Pistache only what the socket does not take, as server/listener.cc does since
// issue 14; without it the server uses Pistache's own send path (a queue and an eventfd wake-up
// per response), the yardstick the issue names.
//
// Not a test and not part of the product: built with the project so the benchmark can run it.
#include <http_parser.h>
#include <pistache/listener.h>
#include <pistache/peer.h>
#include <pistache/prototype.h>
#include <pistache/tcp.h>
#include <signal.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

namespace {

constexpr std::string_view kResponse =
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: text/plain\r\n"
    "Content-Length: 13\r\n"
    "\r\n"
    "Hello, world\n";
constexpr std::string_view kCloseResponse =
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: text/plain\r\n"
    "Content-Length: 13\r\n"
    "Connection: close\r\n"
    "\r\n"
    "Hello, world\n";

const std::string kPeerDataKey = "trivial";
bool direct_send = false;

// Per connection: the parser and the output of the requests completed by the current read.
struct Conn {
  Conn() {
    http_parser_init(&parser, HTTP_REQUEST);
    parser.data = this;
  }
  http_parser parser;
  std::string out;
  bool close = false;
};

int OnMessageComplete(http_parser* p) {
  auto* c = static_cast<Conn*>(p->data);
  if (http_should_keep_alive(p)) {
    c->out.append(kResponse);
  } else {
    c->out.append(kCloseResponse);
    c->close = true;
  }
  return 0;
}

const http_parser_settings kSettings = [] {
  http_parser_settings s;
  http_parser_settings_init(&s);
  s.on_message_complete = &OnMessageComplete;
  return s;
}();

class Handler : public Pistache::Tcp::Handler {
 public:
  PROTOTYPE_OF(Pistache::Tcp::Handler, Handler)

  void onConnection(const std::shared_ptr<Pistache::Tcp::Peer>& peer) override {
    peer->putData(kPeerDataKey, std::make_shared<Conn>());
  }

  void onInput(const char* buffer, size_t len,
               const std::shared_ptr<Pistache::Tcp::Peer>& peer) override {
    auto conn = std::static_pointer_cast<Conn>(peer->tryGetData(kPeerDataKey));
    if (!conn || conn->close) return;
    size_t n = http_parser_execute(&conn->parser, &kSettings, buffer, len);
    if (n != len || HTTP_PARSER_ERRNO(&conn->parser) != HPE_OK) conn->close = true;
    if (conn->out.empty()) {
      if (conn->close) ::shutdown(peer->fd(), SHUT_WR);
      return;
    }
    if (direct_send) {
      ssize_t sent =
          ::send(peer->fd(), conn->out.data(), conn->out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (sent > 0) conn->out.erase(0, static_cast<size_t>(sent));
      if (conn->out.empty()) {
        if (conn->close) ::shutdown(peer->fd(), SHUT_WR);
        return;
      }
    }
    size_t size = conn->out.size();
    Pistache::RawBuffer raw(std::move(conn->out), size);
    conn->out.clear();
    bool close = conn->close;
    std::weak_ptr<Pistache::Tcp::Peer> weak = peer;
    // Half-close once the last response is written: the client then sees EOF.
    peer->send(raw).then(
        [weak, close](ssize_t) {
          if (auto p = weak.lock(); p && close) ::shutdown(p->fd(), SHUT_WR);
        },
        [](std::exception_ptr) {});
  }
};

int Usage() {
  std::fprintf(stderr,
               "usage: trivial_http_server --listen HOST:PORT [--workers N] [--direct-send]\n");
  return 64;
}

}  // namespace

int main(int argc, char** argv) {
  std::string listen;
  unsigned workers = 0;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--listen" && i + 1 < argc) {
      listen = argv[++i];
    } else if (arg == "--workers" && i + 1 < argc) {
      workers = static_cast<unsigned>(std::strtoul(argv[++i], nullptr, 10));
    } else if (arg == "--direct-send") {
      direct_send = true;
    } else {
      return Usage();
    }
  }
  if (listen.empty()) return Usage();
  // Same default as Cartable's [server] workers = 0: one reactor per core.
  if (workers == 0) workers = std::max(1u, std::thread::hardware_concurrency());

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // inherited by the reactors

  Pistache::Tcp::Listener listener;
  try {
    listener.init(workers,
                  Pistache::Flags<Pistache::Tcp::Options>(Pistache::Tcp::Options::ReuseAddr) |
                      Pistache::Tcp::Options::NoDelay);
    listener.setHandler(std::make_shared<Handler>());
    listener.bind(Pistache::Address(listen));
    listener.runThreaded();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "trivial_http_server: cannot listen on %s: %s\n", listen.c_str(),
                 e.what());
    return 1;
  }
  std::printf("listening on %s:%d\n", listen.substr(0, listen.rfind(':')).c_str(),
              static_cast<int>(listener.getPort()));
  std::fflush(stdout);
  int sig = 0;
  sigwait(&signals, &sig);
  listener.shutdown();
  return 0;
}
