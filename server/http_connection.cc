#include "server/http_connection.h"

#include <climits>
#include <exception>

#include "server/gzip.h"
#include "server/http/path.h"

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

}  // namespace

int64_t SteadyNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void SerializeResponse(const TransportContext& ctx, const http::HttpRequest& request,
                       http::HttpResponse& response, bool close, std::string& out) {
  MaybeGzip(ctx, request, response);
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
    has_date = has_date || http::EqualsIgnoreCase(name, "Date");
    has_server = has_server || http::EqualsIgnoreCase(name, "Server");
    AppendHeader(out, name, value);
  }
  if (!has_date) AppendHeader(out, "Date", CachedHttpDate());
  if (!has_server) AppendHeader(out, "Server", "Cartable");
  bool has_body = HasBodyHeaders(response.status);
  if (has_body) AppendHeader(out, "Content-Length", std::to_string(response.body.size()));
  if (close) {
    AppendHeader(out, "Connection", "close");
  } else if (request.http_major == 1 && request.http_minor == 0) {
    AppendHeader(out, "Connection", "keep-alive");
  }
  out.append("\r\n");
  if (has_body && !response.omit_body) out.append(response.body);
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
  size_t offset = 0;
  while (offset < len) {
    size_t n = http_parser_execute(&parser_, &kSettings, data + offset, len - offset);
    offset += n;
    http_errno err = HTTP_PARSER_ERRNO(&parser_);
    if (err == HPE_PAUSED) {
      if (close_) break;
      http_parser_pause(&parser_, 0);
      continue;
    }
    if (err != HPE_OK) {
      if (!close_ && phase() != Phase::kClosing) {
        int status = error_status_;
        if (status == 0) {
          status = err == HPE_INVALID_METHOD ? 501 : err == HPE_HEADER_OVERFLOW ? 431 : 400;
        }
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
  if (continue_pending_ && !close_ && phase() == Phase::kReading) {
    out_.append(kContinue);
  }
  continue_pending_ = false;
  if (phase() == Phase::kClosing) close_ = true;
  return close_;
}

int HttpConnection::OnMessageBegin(http_parser* p) {
  auto* self = static_cast<HttpConnection*>(p->data);
  if (!self->TransitionPhase(Phase::kIdle, Phase::kReading)) return -1;  // timed out
  self->started_ = std::chrono::steady_clock::now();
  self->deadline_ms_.store(
      SteadyNowMs() + int64_t{self->ctx_.config->request_timeout_seconds} * 1000,
      std::memory_order_relaxed);
  self->request_ = http::HttpRequest();
  self->request_.remote_addr = self->remote_addr_;
  self->field_.clear();
  self->value_.clear();
  self->in_value_ = false;
  self->header_bytes_ = 0;
  self->error_status_ = 0;
  return 0;
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
  http::HttpRequest& req = self->request_;
  req.method = http_method_str(static_cast<http_method>(p->method));
  req.http_major = p->http_major;
  req.http_minor = p->http_minor;
  bool has_length = (p->flags & F_CONTENTLENGTH) != 0 && p->content_length != ULLONG_MAX;
  if (has_length && p->content_length > self->ctx_.config->max_body_bytes) {
    self->error_status_ = 413;
    return -1;
  }
  if (has_length) req.body.reserve(p->content_length);
  bool expects_body = (has_length && p->content_length > 0) || (p->flags & F_CHUNKED) != 0;
  auto expect = req.headers.Get("Expect");
  self->continue_pending_ =
      expects_body && expect && http::EqualsIgnoreCase(*expect, "100-continue");
  return 0;
}

int HttpConnection::OnBody(http_parser* p, const char* at, size_t len) {
  auto* self = static_cast<HttpConnection*>(p->data);
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
  if (!self->CompleteRequest()) {
    // Stop parsing: the connection closes after the output is written.
    http_parser_pause(p, 1);
  }
  return 0;
}

// Runs the handler for the request just parsed; false when the connection must close.
bool HttpConnection::CompleteRequest() {
  if (!TransitionPhase(Phase::kReading, Phase::kHandling)) {
    close_ = true;  // the reaper answered 408 meanwhile
    return false;
  }
  ctx_.in_flight.fetch_add(1, std::memory_order_relaxed);
  bool close = !http_should_keep_alive(&parser_);
  http::HttpResponse response;
  auto target = http::ParseRequestTarget(request_.target);
  std::optional<std::string> path;
  if (target) {
    request_.raw_path = std::move(target->raw_path);
    request_.query = std::move(target->query);
    path = request_.raw_path == "*" ? std::optional<std::string>("*")
                                    : http::DecodePath(request_.raw_path);
  }
  if (!path) {
    response = http::HttpResponse::Text(400, "Bad Request: invalid request target\n");
  } else {
    request_.path = std::move(*path);
    try {
      response = ctx_.handler->Handle(request_);
    } catch (const std::exception&) {
      response = http::HttpResponse::Text(500, "Internal Server Error\n");
    } catch (...) {
      response = http::HttpResponse::Text(500, "Internal Server Error\n");
    }
  }
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

void HttpConnection::Respond(http::HttpResponse& response, bool close) {
  SerializeResponse(ctx_, request_, response, close, out_);
  ++responses_;
  if (ctx_.access_log != nullptr) {
    ctx_.access_log->Write(request_, response.status, response.omit_body ? 0 : response.body.size(),
                           std::chrono::steady_clock::now() - started_);
  }
}

// Answers a request that could not be parsed or exceeds a limit, then closes.
void HttpConnection::RespondError(int status) {
  ctx_.in_flight.fetch_add(1, std::memory_order_relaxed);
  if (phase() != Phase::kReading) {  // failed before a request began: log a blank one
    request_ = http::HttpRequest();
    request_.remote_addr = remote_addr_;
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
