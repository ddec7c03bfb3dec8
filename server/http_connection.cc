#include "server/http_connection.h"

#include <algorithm>
#include <climits>
#include <exception>

#include "server/forwarded.h"
#include "server/gzip.h"
#include "server/http/path.h"
#include "server/metrics.h"

namespace cartable::server {

namespace {

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

bool IsCompressibleType(std::string_view type) {
  return type.starts_with("text/") || type.find("xml") != std::string_view::npos ||
         type.find("json") != std::string_view::npos;
}

bool HasBodyHeaders(int status) { return status >= 200 && status != 204 && status != 304; }

void MaybeGzip(const TransportContext& ctx, const http::HttpRequest& request,
               http::HttpResponse& response) {
  if (response.body.size() < ctx.config->gzip_min_bytes || response.body.empty() ||
      !HasBodyHeaders(response.status) || response.headers.Has("Content-Encoding")) {
    return;
  }
  auto type = response.headers.Get("Content-Type");
  auto accept = request.headers.Get("Accept-Encoding");
  if (!type || !accept || !IsCompressibleType(*type) || !AcceptsGzip(*accept)) return;
  auto compressed = GzipCompress(response.body);
  if (!compressed) return;
  response.body = std::move(*compressed);
  response.headers.Set("Content-Encoding", "gzip");
  response.headers.Add("Vary", "Accept-Encoding");
}

void AppendHeader(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ");
  out.append(value);
  out.append("\r\n");
}

// The Date header value, recomputed at most once per second per thread.
const std::string& CachedHttpDate() {
  thread_local std::string value;
  thread_local std::time_t second = 0;
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  if (t != second) {
    second = t;
    value = http::HttpDate(now);
  }
  return value;
}

// tchar of RFC 9110 §5.6.2, the characters of a method token.
bool IsTchar(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

// The method as the client sent it, for the access log: a token of at most 32 tchars, else "-"
// (never raw bytes in the log).
std::string LoggableMethod(std::string_view line) {
  std::string_view token = line.substr(0, line.find(' '));
  if (token.empty() || token.size() > 32) return "-";
  for (char c : token) {
    if (!IsTchar(static_cast<unsigned char>(c))) return "-";
  }
  return std::string(token);
}

}  // namespace

RequestLineShape ClassifyRequestLine(std::string_view line) {
  size_t i = 0;
  auto at_end = [&] { return i >= line.size(); };
  size_t start = i;
  while (!at_end() && IsTchar(static_cast<unsigned char>(line[i]))) ++i;
  if (at_end()) return RequestLineShape::kIncomplete;
  if (i == start || line[i] != ' ') return RequestLineShape::kMalformed;
  start = ++i;
  while (!at_end() && static_cast<unsigned char>(line[i]) > ' ' && line[i] != 0x7f) ++i;
  if (at_end()) return RequestLineShape::kIncomplete;
  if (i == start || line[i] != ' ') return RequestLineShape::kMalformed;
  ++i;
  constexpr std::string_view kVersion = "HTTP/0.0";  // digits are checked by position
  for (size_t k = 0; k < kVersion.size(); ++k, ++i) {
    if (at_end()) return RequestLineShape::kIncomplete;
    bool digit = kVersion[k] == '0';
    if (digit ? !(line[i] >= '0' && line[i] <= '9') : line[i] != kVersion[k]) {
      return RequestLineShape::kMalformed;
    }
  }
  if (!at_end() && line[i] == '\r') ++i;
  if (at_end()) return RequestLineShape::kIncomplete;
  return line[i] == '\n' ? RequestLineShape::kWellFormed : RequestLineShape::kMalformed;
}

int64_t SteadyNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string& OutputBuffer::Tail() {
  if (!tail_open_) {
    segments_.emplace_back();
    tail_open_ = true;
  }
  return segments_.back();
}

void OutputBuffer::AppendMoved(std::string&& bytes) {
  if (bytes.size() < kMoveBytes) {
    Append(bytes);
    return;
  }
  segments_.push_back(std::move(bytes));
  tail_open_ = false;
}

size_t OutputBuffer::size() const {
  size_t n = 0;
  for (const std::string& segment : segments_) n += segment.size();
  return n;
}

std::vector<std::string> OutputBuffer::TakeSegments() {
  std::vector<std::string> taken = std::move(segments_);
  segments_.clear();
  tail_open_ = false;
  std::erase_if(taken, [](const std::string& segment) { return segment.empty(); });
  return taken;
}

std::string OutputBuffer::TakeAll() {
  std::string all;
  for (std::string& segment : TakeSegments()) all += segment;
  return all;
}

size_t SerializeResponse(const TransportContext& ctx, const http::HttpRequest& request,
                         http::HttpResponse& response, bool close, OutputBuffer& buffer) {
  MaybeGzip(ctx, request, response);
  AbsoluteLocation(*ctx.config, response);
  std::string& out = buffer.Tail();
  out.append("HTTP/1.1 ");
  out.append(std::to_string(response.status));
  out.push_back(' ');
  out.append(http::ReasonPhrase(response.status));
  out.append("\r\n");
  bool has_date = false;
  bool has_server = false;
  for (const auto& [name, value] : response.headers.All()) {
    // The transport owns framing and connection management.
    if (http::EqualsIgnoreCase(name, "Content-Length") ||
        http::EqualsIgnoreCase(name, "Connection") ||
        http::EqualsIgnoreCase(name, "Transfer-Encoding")) {
      continue;
    }
    // The request's id is the transport's too (one per request, the access log's).
    if (http::EqualsIgnoreCase(name, "X-Request-Id")) continue;
    has_date = has_date || http::EqualsIgnoreCase(name, "Date");
    has_server = has_server || http::EqualsIgnoreCase(name, "Server");
    AppendHeader(out, name, value);
  }
  if (!has_date) AppendHeader(out, "Date", CachedHttpDate());
  if (!has_server) AppendHeader(out, "Server", "Cartable");
  if (!request.request_id.empty()) AppendHeader(out, "X-Request-Id", request.request_id);
  bool has_body = HasBodyHeaders(response.status);
  if (has_body) AppendHeader(out, "Content-Length", std::to_string(response.body.size()));
  if (close) {
    AppendHeader(out, "Connection", "close");
  } else if (request.http_major == 1 && request.http_minor == 0) {
    AppendHeader(out, "Connection", "keep-alive");
  }
  out.append("\r\n");
  const size_t body_bytes = response.omit_body ? 0 : response.body.size();
  if (has_body && !response.omit_body) buffer.AppendMoved(std::move(response.body));
  return body_bytes;
}

const http_parser_settings HttpConnection::kSettings = [] {
  http_parser_settings s;
  http_parser_settings_init(&s);
  s.on_message_begin = &HttpConnection::OnMessageBegin;
  s.on_url = &HttpConnection::OnUrl;
  s.on_header_field = &HttpConnection::OnHeaderField;
  s.on_header_value = &HttpConnection::OnHeaderValue;
  s.on_headers_complete = &HttpConnection::OnHeadersComplete;
  s.on_body = &HttpConnection::OnBody;
  s.on_message_complete = &HttpConnection::OnMessageComplete;
  return s;
}();

HttpConnection::HttpConnection(TransportContext& ctx, std::string remote_addr)
    : ctx_(ctx), remote_addr_(std::move(remote_addr)) {
  http_parser_init(&parser_, HTTP_REQUEST);
  parser_.data = this;
  deadline_ms_.store(SteadyNowMs() + int64_t{ctx.config->idle_timeout_seconds} * 1000);
}

bool HttpConnection::TransitionPhase(Phase from, Phase to) {
  int expected = static_cast<int>(from);
  return phase_.compare_exchange_strong(expected, static_cast<int>(to), std::memory_order_acq_rel);
}

HttpConnection::Phase HttpConnection::TryExpire(int64_t now_ms, bool force_idle) {
  Phase p = phase();
  if (p == Phase::kIdle && (force_idle || now_ms >= deadline_ms())) {
    return TransitionPhase(Phase::kIdle, Phase::kClosing) ? Phase::kIdle : Phase::kClosing;
  }
  if (p == Phase::kReading && now_ms >= deadline_ms()) {
    return TransitionPhase(Phase::kReading, Phase::kClosing) ? Phase::kReading : Phase::kClosing;
  }
  return p == Phase::kHandling ? Phase::kHandling : Phase::kClosing;
}

bool HttpConnection::Feed(const char* data, size_t len) {
  if (close_ || phase() == Phase::kClosing) return true;
  if (awaiting_admission_ || awaiting_response_) {  // the caller stops reading: one read at most
    pending_input_.append(data, len);
    return false;
  }
  if (bad_line_) {
    bad_line_bytes_.append(data, std::min<size_t>(len, ctx_.config->max_header_bytes + 1));
    CheckBadRequestLine();
  } else if (paused_) {
    HoldInput(data, len);
  } else {
    Parse(data, len);
  }
  if (continue_pending_ && !close_ && phase() == Phase::kReading) {
    out_.Append(kContinue);
  }
  continue_pending_ = false;
  if (phase() == Phase::kClosing) close_ = true;
  return close_;
}

bool HttpConnection::Resume() {
  if (!paused_ || close_ || phase() == Phase::kClosing || OutputOverLimit()) {
    return close_ || phase() == Phase::kClosing;
  }
  paused_ = false;
  std::string held = std::move(held_);
  held_.clear();
  return Feed(held.data(), held.size());
}

void HttpConnection::NoteOutputProgress() {
  if (phase() == Phase::kIdle) {
    deadline_ms_.store(SteadyNowMs() + int64_t{ctx_.config->idle_timeout_seconds} * 1000,
                       std::memory_order_relaxed);
  }
}

bool HttpConnection::OutputOverLimit() const {
  return out_.size() + unsent_bytes_ > ctx_.config->max_queued_output_bytes;
}

// Keeps pipelined input unparsed while the output drains. A client that sends more than one
// maximal request meanwhile is not reading its answers: it is disconnected.
void HttpConnection::HoldInput(const char* data, size_t len) {
  if (held_.size() + len > ctx_.config->max_header_bytes + ctx_.config->max_body_bytes) {
    close_ = true;
    phase_.store(static_cast<int>(Phase::kClosing), std::memory_order_release);
    return;
  }
  held_.append(data, len);
}

void HttpConnection::Parse(const char* data, size_t len) {
  size_t offset = 0;
  while (offset < len) {
    size_t n = http_parser_execute(&parser_, &kSettings, data + offset, len - offset);
    offset += n;
    http_errno err = HTTP_PARSER_ERRNO(&parser_);
    if (err == HPE_PAUSED) {
      if (close_) break;
      // Parsing resumes at the body once the admission is known, or at the next pipelined
      // request once the deferred response is sent.
      if (awaiting_admission_ || awaiting_response_) {
        pending_input_.append(data + offset, len - offset);
        break;
      }
      http_parser_pause(&parser_, 0);
      if (OutputOverLimit()) {
        paused_ = true;
        HoldInput(data + offset, len - offset);
        break;
      }
      continue;
    }
    if (err == HPE_INVALID_METHOD && !close_ && phase() != Phase::kClosing) {
      StartBadRequestLine(data + offset, len - offset);  // offset: the refused byte
      break;
    }
    if (err != HPE_OK) {
      if (!close_ && phase() != Phase::kClosing) {
        int status = error_status_;
        if (status == 0) status = err == HPE_HEADER_OVERFLOW ? 431 : 400;
        RespondError(status);
      }
      close_ = true;
      break;
    }
    if (parser_.upgrade) {  // CONNECT or Upgrade: not supported; the parser stops here
      close_ = true;
      break;
    }
    if (n == 0) break;
  }
}

// http_parser knows a fixed list of methods and stops at the first byte of any other. Whether
// that deserves 501 (a well-formed request with a method we do not implement, RFC 9110 §15.6.2)
// or 400 (not a request line at all, e.g. garbage or left-over body bytes) depends on the rest
// of the line, so it is collected first (bounded by max_header_bytes and the request timeout).
void HttpConnection::StartBadRequestLine(const char* at, size_t len) {
  std::string prefix;
  if (phase() == Phase::kReading) {
    // The bytes already consumed matched the first `index` characters of parser_.method.
    prefix = std::string_view(http_method_str(static_cast<http_method>(parser_.method)))
                 .substr(0, parser_.index);
  } else if (!BeginRequest()) {
    close_ = true;
    return;
  }
  bad_line_ = true;
  bad_line_bytes_ = std::move(prefix);
  bad_line_bytes_.append(at, std::min<size_t>(len, ctx_.config->max_header_bytes + 1));
  CheckBadRequestLine();
}

void HttpConnection::CheckBadRequestLine() {
  RequestLineShape shape = ClassifyRequestLine(bad_line_bytes_);
  if (shape == RequestLineShape::kIncomplete &&
      bad_line_bytes_.size() <= ctx_.config->max_header_bytes) {
    return;  // wait for the rest of the line
  }
  request_.method = LoggableMethod(bad_line_bytes_);
  int status = shape == RequestLineShape::kWellFormed   ? 501
               : shape == RequestLineShape::kIncomplete ? 431
                                                        : 400;
  bad_line_ = false;
  bad_line_bytes_.clear();
  RespondError(status);
  close_ = true;
}

int HttpConnection::OnMessageBegin(http_parser* p) {
  auto* self = static_cast<HttpConnection*>(p->data);
  return self->BeginRequest() ? 0 : -1;
}

// Moves an idle connection to kReading with a fresh request; false when it timed out.
bool HttpConnection::BeginRequest() {
  if (!TransitionPhase(Phase::kIdle, Phase::kReading)) return false;  // timed out
  started_ = std::chrono::steady_clock::now();
  deadline_ms_.store(SteadyNowMs() + int64_t{ctx_.config->request_timeout_seconds} * 1000,
                     std::memory_order_relaxed);
  request_ = http::HttpRequest();
  request_.remote_addr = remote_addr_;
  request_.peer_addr = remote_addr_;
  field_.clear();
  value_.clear();
  in_value_ = false;
  header_bytes_ = 0;
  error_status_ = 0;
  expects_continue_ = false;
  target_ok_ = false;
  refusal_.reset();
  return true;
}

bool HttpConnection::CountHeaderBytes(size_t len) {
  header_bytes_ += len;
  if (header_bytes_ > ctx_.config->max_header_bytes) {
    error_status_ = 431;
    return false;
  }
  return true;
}

int HttpConnection::OnUrl(http_parser* p, const char* at, size_t len) {
  auto* self = static_cast<HttpConnection*>(p->data);
  if (!self->CountHeaderBytes(len)) return -1;
  self->request_.target.append(at, len);
  return 0;
}

void HttpConnection::FlushHeader() {
  if (!field_.empty()) request_.headers.Add(field_, std::move(value_));
  field_.clear();
  value_.clear();
}

int HttpConnection::OnHeaderField(http_parser* p, const char* at, size_t len) {
  auto* self = static_cast<HttpConnection*>(p->data);
  // ": " and CRLF count once per field, not once per callback: http_parser calls back again
  // for each read a name is split across, and the limit must not depend on TCP segmentation.
  const bool starts = self->in_value_ || self->field_.empty();
  if (!self->CountHeaderBytes(len + (starts ? 4 : 0))) return -1;
  if (self->in_value_) {
    self->FlushHeader();
    self->in_value_ = false;
  }
  self->field_.append(at, len);
  return 0;
}

int HttpConnection::OnHeaderValue(http_parser* p, const char* at, size_t len) {
  auto* self = static_cast<HttpConnection*>(p->data);
  if (!self->CountHeaderBytes(len)) return -1;
  self->in_value_ = true;
  self->value_.append(at, len);
  return 0;
}

int HttpConnection::OnHeadersComplete(http_parser* p) {
  auto* self = static_cast<HttpConnection*>(p->data);
  self->FlushHeader();
  // The client behind a trusted proxy, its scheme and the request id, before anything (the
  // admission's sign-in limit, the handler, the access log of a refusal) reads them.
  ApplyProxyHeaders(*self->ctx_.config, self->request_);
  if (int status = self->FramingError(); status != 0) {
    self->error_status_ = status;
    return -1;
  }
  http::HttpRequest& req = self->request_;
  req.method = http_method_str(static_cast<http_method>(p->method));
  req.http_major = p->http_major;
  req.http_minor = p->http_minor;
  bool has_length = (p->flags & F_CONTENTLENGTH) != 0 && p->content_length != ULLONG_MAX;
  if (has_length && p->content_length > self->ctx_.config->max_body_bytes) {
    self->error_status_ = 413;
    return -1;
  }
  bool expects_body = (has_length && p->content_length > 0) || (p->flags & F_CHUNKED) != 0;
  auto expect = req.headers.Get("Expect");
  bool is_continue = expect && http::EqualsIgnoreCase(http::Trim(*expect), "100-continue");
  if (expect && !is_continue && !http::Trim(*expect).empty()) {
    self->error_status_ = 417;  // an expectation we cannot meet (RFC 9110 §10.1.1)
    return -1;
  }
  self->expects_continue_ = expects_body && is_continue;
  self->AdmitRequest();
  return 0;
}

bool HttpConnection::DecodeTarget() {
  auto target = http::ParseRequestTarget(request_.target);
  if (!target) return false;
  request_.raw_path = std::move(target->raw_path);
  request_.query = std::move(target->query);
  std::optional<std::string> path = request_.raw_path == "*" ? std::optional<std::string>("*")
                                                             : http::DecodePath(request_.raw_path);
  if (!path) return false;
  request_.path = std::move(*path);
  return true;
}

// Asks the handler, before any of the body is read, whether to read it.
void HttpConnection::AdmitRequest() {
  target_ok_ = DecodeTarget();
  if (!target_ok_) {  // answered 400 once complete, without calling the handler
    ApplyAdmission(http::Admission::Accept());
    return;
  }
  http::Admission admission;
  try {
    admission = ctx_.handler->Admit(request_, resume_);
  } catch (...) {
    admission = http::Admission::Refuse(http::HttpResponse::Text(500, "Internal Server Error\n"));
  }
  if (admission.verdict != http::Admission::Verdict::kPending) {
    ApplyAdmission(std::move(admission));
    return;
  }
  // Stop parsing: Feed keeps the rest of the input until FinishAdmission. The phase leaves kReading
  // so that the request timeout does not run while the work is queued.
  awaiting_admission_ = true;
  http_parser_pause(&parser_, 1);
  if (!TransitionPhase(Phase::kReading, Phase::kHandling)) close_ = true;  // timed out already
}

void HttpConnection::ApplyAdmission(http::Admission admission) {
  if (admission.verdict == http::Admission::Verdict::kRefuse) {
    Refuse(std::move(admission.response));
    return;
  }
  request_.admitted = std::move(admission.admitted);
  bool has_length = (parser_.flags & F_CONTENTLENGTH) != 0 && parser_.content_length != ULLONG_MAX;
  if (has_length) request_.body.reserve(parser_.content_length);
  continue_pending_ = expects_continue_;
}

// Answers a request refused before its body was read. A small declared body is read and
// discarded, so the connection stays usable (a DAV client's first, credential-less PROPFIND).
// Otherwise the answer goes out at once without reading the body; its bytes would then be taken
// for the next request, so the connection closes. A client that sent "Expect: 100-continue" may
// or may not send its body after a final status (RFC 9110 §10.1.1): close as well.
void HttpConnection::Refuse(http::HttpResponse response) {
  bool has_length = (parser_.flags & F_CONTENTLENGTH) != 0 && parser_.content_length != ULLONG_MAX;
  bool chunked = (parser_.flags & F_CHUNKED) != 0;
  uint64_t declared = has_length ? parser_.content_length : 0;
  if (!chunked && !expects_continue_ && declared <= ctx_.config->refused_body_drain_bytes) {
    refusal_ = std::move(response);
    return;
  }
  ctx_.in_flight.fetch_add(1, std::memory_order_relaxed);
  if (request_.method == "HEAD") response.omit_body = true;
  Respond(response, true);
  close_ = true;
  phase_.store(static_cast<int>(Phase::kClosing), std::memory_order_release);
  http_parser_pause(&parser_, 1);
}

bool HttpConnection::FinishAdmission(http::Admission admission) {
  if (!awaiting_admission_) return close_;
  awaiting_admission_ = false;
  if (close_ || !TransitionPhase(Phase::kHandling, Phase::kReading)) {
    close_ = true;  // closed meanwhile (peer gone, shutdown)
    pending_input_.clear();
    return true;
  }
  ApplyAdmission(std::move(admission));
  std::string input = std::move(pending_input_);
  pending_input_.clear();
  if (close_) {
    phase_.store(static_cast<int>(Phase::kClosing), std::memory_order_release);
    return true;
  }
  http_parser_pause(&parser_, 0);
  return Feed(input.data(), input.size());
}

// The RFC 9112 framing rules http_parser does not enforce; 0 when the head is acceptable.
int HttpConnection::FramingError() const {
  if (parser_.http_major != 1) return 505;  // HTTP/1.x only; HTTP/1.2+ is served as 1.1
  int hosts = 0;
  for (const auto& [name, value] : request_.headers.All()) {
    // No whitespace in a field name nor before the colon (RFC 9112 §5.1); a first line that
    // starts with whitespace (RFC 9112 §2.2) reaches us as a name with a leading space.
    if (name.find_first_of(" \t") != std::string::npos) return 400;
    if (http::EqualsIgnoreCase(name, "Host")) ++hosts;
  }
  // Exactly one Host in HTTP/1.1, at most one in HTTP/1.0 (RFC 9112 §3.2).
  if (hosts > 1 || (hosts == 0 && parser_.http_minor >= 1)) return 400;
  // Transfer-Encoding in HTTP/1.0 means faulty framing (RFC 9112 §6.1).
  if (parser_.http_minor == 0 && request_.headers.Has("Transfer-Encoding")) return 400;
  return 0;
}

int HttpConnection::OnBody(http_parser* p, const char* at, size_t len) {
  auto* self = static_cast<HttpConnection*>(p->data);
  if (self->refusal_) return 0;  // refused: discarded (at most refused_body_drain_bytes)
  if (self->request_.body.size() + len > self->ctx_.config->max_body_bytes) {
    self->error_status_ = 413;
    return -1;
  }
  self->request_.body.append(at, len);
  return 0;
}

int HttpConnection::OnMessageComplete(http_parser* p) {
  auto* self = static_cast<HttpConnection*>(p->data);
  self->continue_pending_ = false;
  if (!self->CompleteRequest() || self->OutputOverLimit()) {
    // Stop parsing: the connection closes after the output is written, or the next
    // pipelined request waits until the output drains (Feed holds the rest).
    http_parser_pause(p, 1);
  }
  return 0;
}

// Runs the handler for the request just parsed; false when the connection must close or wait
// for a deferred response.
bool HttpConnection::CompleteRequest() {
  if (!TransitionPhase(Phase::kReading, Phase::kHandling)) {
    close_ = true;  // the reaper answered 408 meanwhile
    return false;
  }
  ctx_.in_flight.fetch_add(1, std::memory_order_relaxed);
  bool close = !http_should_keep_alive(&parser_);
  http::HttpResponse response;
  if (refusal_) {
    response = std::move(*refusal_);
    refusal_.reset();
  } else if (!target_ok_) {
    response = http::HttpResponse::Text(400, "Bad Request: invalid request target\n");
  } else {
    request_.deliver_later = deliver_;
    try {
      response = ctx_.handler->Handle(request_);
    } catch (const std::exception&) {
      response = http::HttpResponse::Text(500, "Internal Server Error\n");
    } catch (...) {
      response = http::HttpResponse::Text(500, "Internal Server Error\n");
    }
    request_.deliver_later = nullptr;
    if (response.later && !deliver_) {  // a handler that defers without a way to deliver
      response = http::HttpResponse::Text(500, "Internal Server Error\n");
    }
  }
  if (response.later) {
    // The phase stays kHandling (never timed out) until FinishResponse; parsing stops here.
    awaiting_response_ = true;
    deferred_close_ = close;
    return false;
  }
  return SendResponse(response, close);
}

// Sends the response of the current request; false when the connection closes after it.
bool HttpConnection::SendResponse(http::HttpResponse& response, bool close) {
  if (request_.method == "HEAD") response.omit_body = true;
  // Draining is checked after the handler: shutdown may have begun while it ran.
  close = close || response.close || ctx_.draining.load(std::memory_order_relaxed);
  Respond(response, close);
  if (close) {
    close_ = true;
    phase_.store(static_cast<int>(Phase::kClosing), std::memory_order_release);
    return false;
  }
  deadline_ms_.store(SteadyNowMs() + int64_t{ctx_.config->idle_timeout_seconds} * 1000,
                     std::memory_order_relaxed);
  TransitionPhase(Phase::kHandling, Phase::kIdle);
  return true;
}

bool HttpConnection::FinishResponse(http::HttpResponse response) {
  if (!awaiting_response_) return close_ || phase() == Phase::kClosing;
  awaiting_response_ = false;
  if (close_ || phase() != Phase::kHandling) {  // closed meanwhile (peer gone, shutdown)
    ctx_.in_flight.fetch_sub(1, std::memory_order_relaxed);
    close_ = true;
    pending_input_.clear();
    return true;
  }
  response.later = false;
  if (!SendResponse(response, deferred_close_)) {
    pending_input_.clear();
    return true;
  }
  std::string input = std::move(pending_input_);
  pending_input_.clear();
  http_parser_pause(&parser_, 0);
  if (OutputOverLimit()) {  // as after any response: the next request waits for the output
    paused_ = true;
    HoldInput(input.data(), input.size());
    return close_ || phase() == Phase::kClosing;
  }
  return Feed(input.data(), input.size());
}

void HttpConnection::Respond(http::HttpResponse& response, bool close) {
  // A request refused before its headers were complete has no id yet.
  if (request_.request_id.empty()) request_.request_id = NewRequestId();
  const size_t body_bytes = SerializeResponse(ctx_, request_, response, close, out_);
  ++responses_;
  if (ctx_.access_log != nullptr) {
    ctx_.access_log->Write(request_, response.status, body_bytes,
                           std::chrono::steady_clock::now() - started_);
  }
  if (ctx_.metrics != nullptr) {
    ctx_.metrics->ObserveRequest(request_.method, request_.path, response.status,
                                 std::chrono::steady_clock::now() - started_);
  }
}

// Answers a request that could not be parsed or exceeds a limit, then closes.
void HttpConnection::RespondError(int status) {
  ctx_.in_flight.fetch_add(1, std::memory_order_relaxed);
  if (phase() != Phase::kReading) {  // failed before a request began: log a blank one
    request_ = http::HttpRequest();
    request_.remote_addr = remote_addr_;
    request_.peer_addr = remote_addr_;
    request_.method.assign(1, '-');
    started_ = std::chrono::steady_clock::now();
  }
  if (request_.method.empty()) {
    request_.method = http_method_str(static_cast<http_method>(parser_.method));
  }
  http::HttpResponse response =
      http::HttpResponse::Text(status, std::string(http::ReasonPhrase(status)) + "\n");
  Respond(response, true);
  phase_.store(static_cast<int>(Phase::kClosing), std::memory_order_release);
}

}  // namespace cartable::server
