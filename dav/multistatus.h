// Renders 207 Multi-Status bodies and DAV:error bodies.
#pragma once

#include <string>
#include <string_view>

#include "dav/status.h"
#include "dav/xml.h"
#include "server/http/message.h"

namespace cartable::dav {

// "HTTP/1.1 404 Not Found"
std::string StatusLine(int code);

// <d:propstat><d:prop>{props_xml}</d:prop><d:status>..</d:status></d:propstat>
void WritePropstat(XmlWriter& w, int code, std::string_view props_xml);

// Streams one multistatus document into a string.
class MultistatusWriter {
 public:
  MultistatusWriter();
  XmlWriter& xml() { return writer_; }
  // <d:response><d:href>..</d:href>  (href already encoded)
  void BeginResponse(std::string_view href);
  void Propstat(int code, std::string_view props_xml) { WritePropstat(writer_, code, props_xml); }
  void EndResponse();
  // A response with a status and no propstat (deleted members, 404 multiget hrefs, COPY errors).
  void StatusResponse(std::string_view href, int code);
  // <d:sync-token>..</d:sync-token> after the responses (RFC 6578).
  void SyncToken(std::string_view token) { writer_.TextElement(ns::kDav, "sync-token", token); }
  // Closes the document and returns the 207 response.
  http::HttpResponse Finish();

 private:
  std::string body_;
  XmlWriter writer_;
};

inline constexpr char kXmlContentType[] = "application/xml; charset=utf-8";

// A response carrying the XML document `body` (schedule-response, multistatus...).
http::HttpResponse XmlResponse(int status, std::string body);

// The HTTP response for a failed Status: the precondition's DAV:error body when it has one,
// else a plain-text message. 401/405 headers are the caller's business.
http::HttpResponse ErrorResponse(const Status& status);

}  // namespace cartable::dav
