// One HTTP/1.1 connection's protocol state, independent of sockets: bytes in, response bytes
// out. http_parser frames requests (pipelining, Content-Length and chunked bodies); limits give
// 413/431, malformed input 400 (RFC 9112 framing rules), a well-formed request line with an
// unknown method 501, a major version other than 1 505. The listener owns the socket side.
#pragma once

#include <http_parser.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/access_log.h"
#include "server/config.h"
#include "server/http/message.h"
#include "server/reload.h"

namespace cartable::server {

class Metrics;  // server/metrics.h

// State shared by every connection of one server. Outlives all connections.
struct TransportContext {
  // The current snapshot: a reload (SIGHUP) publishes a new one (server/reload.h).
  ConfigPointer config;
  http::RequestHandler* handler = nullptr;
  AccessLog* access_log = nullptr;  // may be null
  Metrics* metrics = nullptr;       // may be null; counts every response the access log logs
  // Set by graceful shutdown: every further response closes its connection.
  std::atomic<bool> draining{false};
  // Requests received whose response is not yet fully written (see HttpConnection::Feed).
  std::atomic<int64_t> in_flight{0};
};

// A connection's output not yet handed to the listener, in order, as segments. Small writes
// (status lines and headers, small bodies, "100 Continue") are appended to the last segment; a
// large body is moved in as a segment of its own, never copied: copying a 2.6 MB multistatus
// behind its headers, into freshly mapped memory, was a fifth of a PROPFIND Depth 1's CPU (issue
// 14). The listener writes the segments with one gathering send.
class OutputBuffer {
 public:
  // A body this large or larger is moved in; a smaller one is copied behind its headers.
  static constexpr size_t kMoveBytes = 16 << 10;
  // The segment small writes go to: the last one, or a new one after a moved-in body.
  std::string& Tail();
  void Append(std::string_view bytes) { Tail().append(bytes); }
  // Appends `bytes`: from kMoveBytes on as a segment of its own (moved from, left empty).
  void AppendMoved(std::string&& bytes);
  size_t size() const;
  bool empty() const { return size() == 0; }
  // The segments in order, none of them empty; leaves this empty.
  std::vector<std::string> TakeSegments();
  // Everything as one string; leaves this empty (tests, a response written at once).
  std::string TakeAll();

 private:
  std::vector<std::string> segments_;
  bool tail_open_ = false;  // segments_.back() takes appends (it is not a moved-in body)
};

// Milliseconds on the steady clock, the unit of connection deadlines.
int64_t SteadyNowMs();

// How much of a request line that http_parser refused (unknown method) is well-formed per
// RFC 9112 §3 (method SP request-target SP HTTP-version CRLF): kIncomplete when the bytes so
// far could still become one. Only a well-formed line with an unknown method deserves 501.
enum class RequestLineShape { kWellFormed, kIncomplete, kMalformed };
RequestLineShape ClassifyRequestLine(std::string_view line);

// Serialises `response` to `out` (appending): status line, headers, Date, Server,
// Content-Length (not for 1xx/204/304), "Connection: close" when `close`, X-Request-Id (the
// request's id, when it has one), then the body unless response.omit_body. Applies gzip when
// `request` accepts it and the body qualifies; a local Location becomes absolute with
// [server] public_url (server/forwarded.h). A large body is moved to `out` (response.body is
// left empty). Returns the body's size for the access log (0 when response.omit_body).
size_t SerializeResponse(const TransportContext& ctx, const http::HttpRequest& request,
                         http::HttpResponse& response, bool close, OutputBuffer& out);

// Thread-safety: Feed/Resume/FinishAdmission/TakeOutput on one thread at a time (the connection's
// reactor thread); phase()/deadline_ms()/TryExpire() from any thread (the timeout reaper).
//
// When a request's headers are complete the handler's Admit decides, before the body is read,
// whether to read it (RFC 9110 §10.1.1): "100 Continue" is sent only after it accepted; a
// refusal is answered at once. A kPending admission (a password hash on the pool) parks the
// connection: Feed keeps what it was given but parses nothing more, and the caller stops
// reading the socket until FinishAdmission. A handler that answers HttpResponse::Later() (slow
// work after the body, e.g. a sign-in form) parks the connection the same way until
// FinishResponse: pipelined requests behind it wait, so responses stay in order.
class HttpConnection {
 public:
  enum class Phase : int {
    kIdle,      // between requests; deadline = idle timeout
    kReading,   // a request has started; deadline = request timeout
    kHandling,  // the handler runs, or its admission is pending; never timed out
    kClosing,   // closed or about to be; ignore further input
  };

  HttpConnection(TransportContext& ctx, std::string remote_addr);
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  // Parses `data`, calls the handler for every complete request (in order) and appends the
  // responses (and "100 Continue" interim responses) to output(). ctx.in_flight is incremented
  // once per request handled; the caller decrements it by `responses` once output is written.
  // Returns true when the connection must be closed after output() is written.
  // While output() plus unsent_bytes() exceeds [limits] max_queued_output_bytes, no further
  // pipelined request is parsed: the bytes are held (up to max_header_bytes + max_body_bytes,
  // beyond which the connection closes) until Resume().
  bool Feed(const char* data, size_t len);
  // Where the handler's kPending admissions are resumed: the caller forwards the call to the
  // connection's thread and calls FinishAdmission there. Set before the first Feed.
  void set_resume(http::ResumeAdmission resume) { resume_ = std::move(resume); }
  // True between a kPending admission and its FinishAdmission: read nothing more from the socket.
  bool awaiting_admission() const { return awaiting_admission_; }
  // Finishes the pending admission and parses the input kept meanwhile (appending responses
  // and "100 Continue" to output() as Feed does). Same result as Feed.
  bool FinishAdmission(http::Admission admission);
  // Where deferred responses (HttpResponse::Later) are delivered: the caller forwards the call
  // to the connection's thread and calls FinishResponse there. Unset: handlers cannot defer.
  void set_deliver(http::DeliverResponse deliver) { deliver_ = std::move(deliver); }
  // True between a deferred response and its FinishResponse: read nothing more from the socket.
  bool awaiting_response() const { return awaiting_response_; }
  // Sends the deferred response and parses the input kept meanwhile. Same result as Feed. When
  // the connection closed meanwhile the response is dropped (and its in-flight count released).
  bool FinishResponse(http::HttpResponse response);
  // Parses held input once the queued output is back under the bound; same result as Feed.
  bool Resume();
  // True while pipelined input waits for the output to drain.
  bool input_paused() const { return paused_; }
  // Bytes the listener took from output() and has not written yet.
  void set_unsent_bytes(uint64_t n) { unsent_bytes_ = n; }
  // The client read some output: an idle connection's deadline starts again (a slow reader
  // is not idle, one that reads nothing for idle_timeout_seconds is).
  void NoteOutputProgress();
  OutputBuffer& output() { return out_; }
  // Number of final responses in output() since the last call; resets the count.
  int TakeResponseCount() {
    int n = responses_;
    responses_ = 0;
    return n;
  }

  Phase phase() const { return static_cast<Phase>(phase_.load(std::memory_order_acquire)); }
  int64_t deadline_ms() const { return deadline_ms_.load(std::memory_order_relaxed); }
  // Moves an expired connection to kClosing. Returns the phase it left (kReading: the caller
  // answers 408; kIdle: the caller closes silently) or kClosing/kHandling when nothing expired.
  // `force_idle` expires idle connections regardless of their deadline (graceful shutdown).
  Phase TryExpire(int64_t now_ms, bool force_idle);
  // Marks the connection closed (peer gone); later input is ignored.
  void MarkClosing() { phase_.store(static_cast<int>(Phase::kClosing), std::memory_order_release); }
  const std::string& remote_addr() const { return remote_addr_; }

 private:
  static int OnMessageBegin(http_parser* p);
  static int OnUrl(http_parser* p, const char* at, size_t len);
  static int OnHeaderField(http_parser* p, const char* at, size_t len);
  static int OnHeaderValue(http_parser* p, const char* at, size_t len);
  static int OnHeadersComplete(http_parser* p);
  static int OnBody(http_parser* p, const char* at, size_t len);
  static int OnMessageComplete(http_parser* p);
  static const http_parser_settings kSettings;

  bool CountHeaderBytes(size_t len);
  bool BeginRequest();
  int FramingError() const;
  bool OutputOverLimit() const;
  void Parse(const char* data, size_t len);
  void HoldInput(const char* data, size_t len);
  void StartBadRequestLine(const char* at, size_t len);
  void CheckBadRequestLine();
  void FlushHeader();
  bool DecodeTarget();
  void AdmitRequest();
  void ApplyAdmission(http::Admission admission);
  void Refuse(http::HttpResponse response);
  bool CompleteRequest();
  bool SendResponse(http::HttpResponse& response, bool close);
  void Respond(http::HttpResponse& response, bool close);
  void RespondError(int status);
  bool TransitionPhase(Phase from, Phase to);

  TransportContext& ctx_;
  http_parser parser_;
  std::string remote_addr_;
  http::HttpRequest request_;
  std::string field_;
  std::string value_;
  bool in_value_ = false;
  uint64_t header_bytes_ = 0;
  int error_status_ = 0;  // set by a callback before it fails the parse
  bool continue_pending_ = false;
  bool expects_continue_ = false;  // this request has a body and "Expect: 100-continue"
  bool target_ok_ = false;         // request_.path holds the decoded target
  http::ResumeAdmission resume_;
  bool awaiting_admission_ = false;
  http::DeliverResponse deliver_;
  bool awaiting_response_ = false;
  bool deferred_close_ = false;  // the deferred request asked to close after its response
  // Input received while awaiting an admission or a deferred response (at most one read).
  std::string pending_input_;
  // A refusal answered once its small body has been read and discarded (keeps the connection).
  std::optional<http::HttpResponse> refusal_;
  bool close_ = false;
  int responses_ = 0;
  std::chrono::steady_clock::time_point started_;
  OutputBuffer out_;
  uint64_t unsent_bytes_ = 0;
  bool paused_ = false;
  std::string held_;       // input not parsed while paused_
  bool bad_line_ = false;  // collecting a request line http_parser refused
  std::string bad_line_bytes_;
  std::atomic<int> phase_{static_cast<int>(Phase::kIdle)};
  std::atomic<int64_t> deadline_ms_{0};
};

}  // namespace cartable::server
