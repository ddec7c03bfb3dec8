// A tiny blocking HTTP/1.1 client over a raw TCP socket, for tests that need exact control of
// the bytes on the wire (pipelining, partial requests, malformed input, timeouts).
// Every read is bounded by the client's timeout, so a misbehaving server fails a test instead
// of hanging it.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cartable::testlib {

struct RawResponse {
  std::string version;  // "HTTP/1.1"
  int status = 0;
  std::string reason;
  std::vector<std::pair<std::string, std::string>> headers;  // in order, names as sent
  std::string body;                                          // de-chunked

  // First value of header `name` (case-insensitive), or nullopt.
  std::optional<std::string> Header(std::string_view name) const;
};

class RawClient {
 public:
  // Connects to 127.0.0.1:`port` (or `host`, an IPv4/IPv6 literal), from `source` when given
  // (e.g. "127.0.0.2": another client address on the loopback). Check connected().
  explicit RawClient(uint16_t port,
                     std::chrono::milliseconds timeout = std::chrono::milliseconds(5000),
                     const std::string& host = "127.0.0.1", const std::string& source = "");
  ~RawClient();
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return fd_ >= 0; }
  void set_timeout(std::chrono::milliseconds timeout) { timeout_ = timeout; }

  // Writes all of `bytes`. False on error, or when the server has not read for the timeout.
  bool Send(std::string_view bytes);
  // Reads one response (a 1xx interim response counts as one). `head`: the request was HEAD,
  // so no body follows the headers. Nullopt on timeout, EOF or a malformed response.
  std::optional<RawResponse> ReadResponse(bool head = false);
  // Send + ReadResponse.
  std::optional<RawResponse> RoundTrip(std::string_view request, bool head = false);
  // True when the server closes the connection (EOF or reset) within `timeout`; bytes that
  // arrive meanwhile are kept for ReadResponse/ReadAll.
  bool WaitForClose(std::chrono::milliseconds timeout);
  // Everything received until EOF or the timeout, including unread buffered bytes.
  std::string ReadAll();
  // Closes the socket now.
  void Close();

 private:
  // Reads more bytes into buf_, waiting until `deadline`. 0 on EOF, -1 on timeout/error.
  int Fill(std::chrono::steady_clock::time_point deadline);
  bool ReadUntil(std::string_view delimiter, std::chrono::steady_clock::time_point deadline,
                 size_t& pos);
  bool ReadBytes(size_t n, std::chrono::steady_clock::time_point deadline);
  bool ReadChunked(RawResponse& response, std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  std::chrono::milliseconds timeout_;
  std::string buf_;
};

}  // namespace cartable::testlib
