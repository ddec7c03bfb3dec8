// Plain HTTP/1.1 request and response structs shared by the transport and the application.
// No parsing or I/O here: server/http_connection fills HttpRequest and serialises HttpResponse.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cartable::http {

// Case-insensitive ASCII comparison, as header names require (RFC 9110 §5.1).
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// `s` without leading and trailing spaces and tabs (optional white space, RFC 9110 §5.6.3).
std::string_view Trim(std::string_view s);

// An ordered header list. Names keep the case they were given; lookups ignore case.
class Headers {
 public:
  // The first value of `name`, or nullopt. Repeated headers are not joined.
  std::optional<std::string_view> Get(std::string_view name) const;
  bool Has(std::string_view name) const { return Get(name).has_value(); }
  // Replaces every value of `name` with `value`.
  void Set(std::string_view name, std::string value);
  // Appends one more value of `name` (for repeatable headers such as WWW-Authenticate).
  void Add(std::string_view name, std::string value);
  void Remove(std::string_view name);
  const std::vector<std::pair<std::string, std::string>>& All() const { return items_; }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

struct HttpResponse;

struct HttpRequest {
  std::string method;  // as sent, upper case per http_parser ("PROPFIND")
  std::string target;  // the raw request-target ("/dav/files/a%40b/x?y=1" or absolute-URI)
  std::string
      path;  // percent-decoded, normalised path of the target, no query ("/dav/files/a@b/x")
  std::string raw_path;  // the path part of the target, still percent-encoded
  std::string query;     // raw query string without '?', may be empty
  int http_major = 1;
  int http_minor = 1;
  Headers headers;
  std::string body;  // de-chunked request body
  // The client's address: the TCP peer, or what a trusted proxy says ([server]
  // trusted_proxies, server/forwarded.h). Per-address limits, lockouts, sessions and the access
  // log read this one.
  std::string remote_addr;
  std::string peer_addr;   // the TCP peer (the proxy's address behind a proxy)
  bool secure = false;     // the client used https (public_url https, or a trusted proxy says so)
  std::string request_id;  // X-Request-Id of the response and the access log line
  std::string user;        // set by auth: the authenticated login, for the access log
  // What RequestHandler::Admit established before the body was read (e.g. the verified user),
  // for Handle's use so that it does not repeat that work. Opaque to the transport.
  std::shared_ptr<const void> admitted;
  // Set by the transport before Handle: a handler whose answer needs slow work (a password
  // hash on the hash pool) may keep a copy, return HttpResponse::Later() and call it exactly
  // once, from any thread, with the response. Empty when the caller cannot wait (a direct call
  // in a test): answer at once. The handler must not keep a reference to the request itself.
  std::function<void(HttpResponse)> deliver_later;
};

struct HttpResponse {
  int status = 200;
  Headers headers;
  std::string body;
  // When true the transport sends headers with the Content-Length of `body` but no body
  // (HEAD). Set by the transport for HEAD requests; handlers answer HEAD like GET.
  bool omit_body = false;
  // Close the connection after this response (the transport also closes on errors and on
  // "Connection: close" requests).
  bool close = false;
  // The answer comes later through HttpRequest::deliver_later (see there); nothing else of this
  // response is used. Meanwhile the connection reads nothing more, so pipelined requests are
  // answered in order.
  bool later = false;

  static HttpResponse Later() {
    HttpResponse r;
    r.later = true;
    return r;
  }
  static HttpResponse Text(int status, std::string body,
                           std::string content_type = "text/plain; charset=utf-8");
};

// The standard reason phrase of `status` ("Multi-Status" for 207); "Unknown" if none.
std::string_view ReasonPhrase(int status);

// Formats `t` as an IMF-fixdate (RFC 9110 §5.6.7): "Sun, 06 Nov 1994 08:49:37 GMT".
std::string HttpDate(std::chrono::system_clock::time_point t);
// Parses an IMF-fixdate; nullopt when malformed.
std::optional<std::chrono::system_clock::time_point> ParseHttpDate(std::string_view s);

// What the application decides once a request's headers are complete, before its body is read
// (RFC 9110 §10.1.1: a server may answer with a final status instead of "100 Continue").
struct Admission {
  enum class Verdict {
    kAccept,   // read the body, then call Handle
    kRefuse,   // answer `response` without reading the body
    kPending,  // slow work was queued: the transport stops reading until the handler resumes it
  };
  Verdict verdict = Verdict::kAccept;
  HttpResponse response;                 // kRefuse only
  std::shared_ptr<const void> admitted;  // kAccept: copied to HttpRequest::admitted

  static Admission Accept(std::shared_ptr<const void> admitted = nullptr) {
    return {Verdict::kAccept, {}, std::move(admitted)};
  }
  static Admission Refuse(HttpResponse response) {
    return {Verdict::kRefuse, std::move(response), nullptr};
  }
  static Admission Pending() { return {Verdict::kPending, {}, nullptr}; }
};

// Delivers a deferred response (HttpResponse::Later), from any thread, exactly once.
using DeliverResponse = std::function<void(HttpResponse)>;

// Called by the handler, from any thread, to finish a kPending admission.
using ResumeAdmission = std::function<void(Admission)>;

// The application seam: one call per complete request, on the worker thread that read it.
// Must not throw; the transport answers 500 if it does.
class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  virtual HttpResponse Handle(HttpRequest& request) = 0;
  // Called on the worker thread once `request`'s headers are complete (path decoded, body not
  // read yet) and before Handle. Must be quick: it runs on a reactor thread. kPending promises
  // exactly one call of `resume` (from any thread) with kAccept or kRefuse; the handler must not
  // keep a reference to `request` for it. The default accepts everything.
  virtual Admission Admit(HttpRequest& request, const ResumeAdmission& resume) {
    (void)request;
    (void)resume;
    return Admission::Accept();
  }
};

}  // namespace cartable::http
