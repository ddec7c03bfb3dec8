// Plain HTTP/1.1 request and response structs shared by the transport and the application.
// No parsing or I/O here: server/http_connection fills HttpRequest and serialises HttpResponse.
#pragma once

#include <chrono>
#include <cstdint>
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
  std::string body;         // de-chunked request body
  std::string remote_addr;  // peer address, for the access log
  std::string user;         // set by auth: the authenticated login, for the access log
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

  static HttpResponse Text(int status, std::string body,
                           std::string content_type = "text/plain; charset=utf-8");
};

// The standard reason phrase of `status` ("Multi-Status" for 207); "Unknown" if none.
std::string_view ReasonPhrase(int status);

// Formats `t` as an IMF-fixdate (RFC 9110 §5.6.7): "Sun, 06 Nov 1994 08:49:37 GMT".
std::string HttpDate(std::chrono::system_clock::time_point t);
// Parses an IMF-fixdate; nullopt when malformed.
std::optional<std::chrono::system_clock::time_point> ParseHttpDate(std::string_view s);

// The application seam: one call per complete request, on the worker thread that read it.
// Must not throw; the transport answers 500 if it does.
class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  virtual HttpResponse Handle(HttpRequest& request) = 0;
};

}  // namespace cartable::http
