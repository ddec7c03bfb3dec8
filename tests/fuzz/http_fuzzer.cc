// libFuzzer target: HTTP/1.1 framing (server/http_connection). The input is fed to two
// connections, once whole and once cut into chunks whose sizes derive from the input itself;
// both must produce the same responses (framing never depends on how TCP splits the bytes).
// The handler echoes the request (method, path, query, headers, body) so that what the parser
// extracted reaches the output, and exercises the header helpers a real handler uses.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "server/config.h"
#include "server/http/message.h"
#include "server/http/path.h"
#include "server/http_connection.h"

namespace {

using cartable::http::HttpRequest;
using cartable::http::HttpResponse;

class EchoHandler : public cartable::http::RequestHandler {
 public:
  HttpResponse Handle(HttpRequest& request) override {
    HttpResponse r;
    r.status = 200;
    std::string& b = r.body;
    b += request.method + " " + request.path + " ?" + request.query + "\n";
    for (const auto& [name, value] : request.headers.All()) b += name + ": " + value + "\n";
    if (auto dest = request.headers.Get("Destination")) {
      auto host = request.headers.Get("Host");
      if (auto p = cartable::http::ParseDestination(*dest, host ? *host : "")) b += *p + "\n";
    }
    if (auto since = request.headers.Get("If-Modified-Since")) {
      if (auto t = cartable::http::ParseHttpDate(*since)) b += cartable::http::HttpDate(*t);
    }
    b += cartable::http::QueryParam(request.query, "a");
    b += cartable::http::EncodePath(request.path);
    b += request.body;
    r.headers.Set("Content-Type", "application/xml; charset=utf-8");
    if (request.headers.Has("X-Close")) r.close = true;
    return r;
  }
};

const cartable::server::Config& FuzzConfig() {
  static const cartable::server::Config config = [] {
    cartable::server::Config c;
    // Small limits so that the fuzzer reaches 413 and 431 with small inputs.
    c.max_body_bytes = 4096;
    c.max_header_bytes = 2048;
    c.gzip_min_bytes = 64;
    return c;
  }();
  return config;
}

// The output without what legitimately differs between two runs: the Date and X-Request-Id
// headers and "100 Continue" interim responses (sent only when the headers arrive without the
// whole body, i.e. depending on the split).
std::string Canonical(std::string out) {
  static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
  for (size_t at; (at = out.find(kContinue)) != std::string::npos;) out.erase(at, kContinue.size());
  // The clock may tick between the runs; a request id is random per response (issue 16).
  for (const char* name : {"\r\nDate: ", "\r\nX-Request-Id: "}) {
    for (size_t at = 0; (at = out.find(name, at)) != std::string::npos;) {
      size_t end = out.find("\r\n", at + 2);
      if (end == std::string::npos) break;
      out.erase(at, end - at);
    }
  }
  return out;
}

// Feeds `data` in pieces: sizes from a small generator seeded by the input. Returns the output
// and whether the connection asked to close.
std::string Run(const uint8_t* data, size_t size, bool split) {
  EchoHandler handler;
  cartable::server::TransportContext ctx;
  ctx.config = &FuzzConfig();
  ctx.handler = &handler;
  cartable::server::HttpConnection conn(ctx, "192.0.2.1");
  std::string all;
  uint32_t state = 2166136261u;
  for (size_t i = 0; i < size; ++i) state = (state ^ data[i]) * 16777619u;
  size_t offset = 0;
  while (offset < size) {
    size_t n = size - offset;
    if (split) {
      state = state * 1103515245u + 12345u;
      n = std::min<size_t>(n, 1 + (state >> 16) % 17);
    }
    bool close = conn.Feed(reinterpret_cast<const char*>(data) + offset, n);
    offset += n;
    all += conn.output().TakeAll();
    conn.TakeResponseCount();
    if (close) break;
  }
  return all;
}

// Where the last response of `out` starts when it is an error that closes the connection
// (4xx/5xx with Connection: close), else npos. Error bodies are one line of text, so the last
// "HTTP/1.1 " before the last blank line starts that response.
size_t FinalErrorStart(const std::string& out) {
  size_t blank = out.rfind("\r\n\r\n");
  if (blank == std::string::npos) return std::string::npos;
  size_t start = out.rfind("HTTP/1.1 ", blank);
  if (start == std::string::npos || out.size() < start + 10 || out[start + 9] < '4') {
    return std::string::npos;
  }
  if (out.find("\r\nConnection: close\r\n", start) > blank) return std::string::npos;
  return start;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string whole = Canonical(Run(data, size, false));
  std::string pieces = Canonical(Run(data, size, true));
  // A request with two faults (a request line too long and an invalid byte in it) may be
  // refused for either, depending on which one the parser meets first in a read: both answers
  // are right as long as everything before them is the same.
  size_t a = FinalErrorStart(whole), b = FinalErrorStart(pieces);
  if (a != std::string::npos && b != std::string::npos) {
    whole.resize(a);
    pieces.resize(b);
  }
  if (whole != pieces) {
    std::fprintf(stderr, "responses differ with the split:\n--- whole\n%s\n--- split\n%s\n",
                 whole.c_str(), pieces.c_str());
    std::abort();
  }
  return 0;
}
