// Benchmark helper (not a test): serves EchoHandler-like small responses on the given port so
// that `wrk -t2 -c8 -d5s http://127.0.0.1:PORT/` measures the transport alone.
// Usage: echo_server [PORT] [WORKERS]
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "server/listener.h"

namespace {

class HelloHandler : public cartable::http::RequestHandler {
 public:
  cartable::http::HttpResponse Handle(cartable::http::HttpRequest&) override {
    return cartable::http::HttpResponse::Text(200, "Hello, World!\n");
  }
};

}  // namespace

int main(int argc, char** argv) {
  cartable::server::Config config;
  config.listen = "127.0.0.1:" + std::string(argc > 1 ? argv[1] : "8080");
  config.workers = argc > 2 ? static_cast<unsigned>(std::atoi(argv[2])) : 0;
  HelloHandler handler;
  cartable::server::HttpServer server(config, handler, nullptr);
  std::string err = server.Start();
  if (!err.empty()) {
    std::fprintf(stderr, "%s\n", err.c_str());
    return 1;
  }
  std::printf("listening on 127.0.0.1:%u\n", server.port());
  std::fflush(stdout);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  int sig = 0;
  sigwait(&set, &sig);
  server.Shutdown();
  return 0;
}
