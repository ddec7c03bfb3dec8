// Renders 207 Multi-Status bodies and DAV:error bodies.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "dav/status.h"
#include "dav/xml.h"
#include "server/http/message.h"

namespace cartable::dav {

// "HTTP/1.1 404 Not Found"
std::string StatusLine(int code);

// <d:propstat><d:prop>{props_xml}</d:prop><d:status>..</d:status></d:propstat>
// Where a propstat's fragment comes from: kForeign is repaired on the way in (XmlWriter::Raw);
// kWritten was produced by this server's XmlWriter (text escaped, stored fragments already
// repaired by Raw) and is appended without a second scan.
enum class Fragment { kForeign, kWritten };
void WritePropstat(XmlWriter& w, int code, std::string_view props_xml,
                   Fragment from = Fragment::kForeign);

// Streams one multistatus document into a string of at most `max_bytes` ([limits]
// max_response_bytes; 0 = no bound). The bound is what the answer may hold in memory: handlers
// stop walking when WithinLimit() fails after a response, and Finish() refuses a document that
// outgrew it anyway.
class MultistatusWriter {
 public:
  explicit MultistatusWriter(uint64_t max_bytes);
  XmlWriter& xml() { return writer_; }
  // <d:response><d:href>..</d:href>  (href already encoded)
  void BeginResponse(std::string_view href);
  // The same for a decoded path, written as Href(path): the encoded parent of the previous
  // path is kept, so the members of one collection each encode only their own name.
  void BeginResponseAt(std::string_view path);
  void Propstat(int code, std::string_view props_xml, Fragment from = Fragment::kForeign) {
    WritePropstat(writer_, code, props_xml, from);
  }
  // Three property buffers (found, missing, forbidden) that WritePropResponse reuses from one
  // response to the next instead of allocating them per member; empty when handed out.
  // TakeBuffers() returns null while they are taken (ReleaseBuffers clears and returns them).
  struct PropBuffers {
    std::string found, missing, forbidden;
    XmlWriter found_w{found}, missing_w{missing}, forbidden_w{forbidden};
  };
  PropBuffers* TakeBuffers();
  void ReleaseBuffers(PropBuffers* b);
  void EndResponse();
  // A response with a status and no propstat (deleted members, 404 multiget hrefs, COPY errors).
  void StatusResponse(std::string_view href, int code);
  // <d:sync-token>..</d:sync-token> after the responses (RFC 6578).
  void SyncToken(std::string_view token) { writer_.TextElement(ns::kDav, "sync-token", token); }
  // OK while the document is within max_bytes; else 507 DAV:number-of-matches-within-limits
  // (RFC 4918 §11.5: the server cannot hold the representation; the DAV:error element is the
  // one RFC 5323 and RFC 6578 §3.6 give for a result set beyond a server limit). The whole
  // request is refused rather than truncated: a client reading a partial PROPFIND or query
  // would take the missing members for deleted ones.
  Status WithinLimit() const;
  // Closes the document and returns the 207 response, or WithinLimit()'s error response.
  http::HttpResponse Finish();

 private:
  // Past kListingBytes, EndResponse reserves the body up to max_bytes (at most
  // kListingReserveBytes) at once (see there).
  static constexpr size_t kListingBytes = 64 << 10;
  static constexpr size_t kListingReserveBytes = 80 << 20;
  uint64_t max_bytes_;
  std::string body_;
  XmlWriter writer_;
  std::string parent_path_, parent_href_;  // BeginResponseAt's cache (href escaped for XML)
  std::string name_href_;                  // BeginResponseAt's scratch, reused per member
  std::unique_ptr<PropBuffers> buffers_;
  bool buffers_taken_ = false;
};

inline constexpr char kXmlContentType[] = "application/xml; charset=utf-8";

// A response carrying the XML document `body` (schedule-response, multistatus...).
http::HttpResponse XmlResponse(int status, std::string body);

// The HTTP response for a failed Status: the precondition's DAV:error body when it has one,
// else a plain-text message. 401/405 headers are the caller's business.
http::HttpResponse ErrorResponse(const Status& status);

// The one place a non-OK Status becomes an HTTP status code and headers (no body), shared by
// ErrorResponse (DAV bodies) and api::JsonError (JSON bodies): the code is Status::HttpCode();
// kUnavailable (a busy store, a relay down) answers 503 with Retry-After (RFC 9110 §10.2.3:
// the status's retry hint, else kDefaultRetryAfterSeconds), so clients retry later instead of
// reporting a server error.
http::HttpResponse ResponseForStatus(const Status& status);
inline constexpr int kDefaultRetryAfterSeconds = 5;

}  // namespace cartable::dav
