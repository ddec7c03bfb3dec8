// JSON answers of the webmail API: one place for the content type and the error shape.
#pragma once

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "dav/caldav/ical.h"
#include "dav/multistatus.h"
#include "server/http/message.h"

namespace cartable::dav::api {

// The one serialisation of JSON answers. Stored data is not trusted to be UTF-8 (an object
// stored before the door checked it, or copied from another user's event by an invitation):
// invalid bytes become U+FFFD instead of nlohmann::json throwing type_error.316 (a 500).
inline std::string DumpJson(const nlohmann::json& body) {
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

inline http::HttpResponse Json(int status, const nlohmann::json& body) {
  http::HttpResponse r;
  r.status = status;
  r.headers.Set("Content-Type", "application/json; charset=utf-8");
  r.body = DumpJson(body);
  return r;
}

// {"error": message} with `status`.
inline http::HttpResponse JsonError(int status, const std::string& message) {
  return Json(status, nlohmann::json{{"error", message}});
}

// {"error": message} for a non-OK Status, with the code and headers of ResponseForStatus (503 +
// Retry-After for a busy store).
inline http::HttpResponse JsonError(const Status& s) {
  http::HttpResponse r = ResponseForStatus(s);
  r.headers.Set("Content-Type", "application/json; charset=utf-8");
  r.body = DumpJson(nlohmann::json{{"error", s.message()}});
  return r;
}

// The error shape of the web application's calls (issue 13): {"error": code, "message": French
// text for the person[, "field": the request member at fault]} with `status`. The wording of a
// Status of the DAV engine is per area: CalendarApiError (events_api.h), CardApiError
// (contacts_api.h).
inline http::HttpResponse ApiError(int status, const std::string& code, const std::string& message,
                                   const std::string& field = "") {
  nlohmann::json body{{"error", code}, {"message", message}};
  if (!field.empty()) body["field"] = field;
  return Json(status, body);
}

// 405 for anything but GET/HEAD, or nullopt.
inline std::optional<http::HttpResponse> OnlyGet(const http::HttpRequest& request) {
  if (request.method == "GET" || request.method == "HEAD") return std::nullopt;
  http::HttpResponse r = JsonError(405, "only GET is allowed here");
  r.headers.Set("Allow", "GET, HEAD");
  return r;
}

// 405 (with Allow) unless the method is one of `allowed` (HEAD goes with GET), or nullopt.
inline std::optional<http::HttpResponse> OnlyMethods(
    const http::HttpRequest& request, std::initializer_list<std::string_view> allowed) {
  std::string allow;
  for (std::string_view m : allowed) {
    if (request.method == m || (m == "GET" && request.method == "HEAD")) return std::nullopt;
    allow += allow.empty() ? "" : ", ";
    allow += m;
    if (m == "GET") allow += ", HEAD";
  }
  http::HttpResponse r = JsonError(405, "allowed here: " + allow);
  r.headers.Set("Allow", allow);
  return r;
}

// 204 No Content (a successful DELETE): no body, so no content type.
inline http::HttpResponse NoContent() {
  http::HttpResponse r;
  r.status = 204;
  return r;
}

// The request body as a JSON object, or nullopt when it is not one (the caller answers 400).
inline std::optional<nlohmann::json> JsonObjectBody(const http::HttpRequest& request) {
  nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) return std::nullopt;
  return body;
}

// A string member of a JSON object ("" when absent or not a string).
inline std::string StringMember(const nlohmann::json& object, const char* name) {
  auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// "2026-11-23T12:00:00Z" for UTC seconds.
inline std::string IsoUtc(caldav::Seconds t) {
  std::string s = caldav::FormatUtcDateTime(t);  // 20261123T120000Z
  if (s.size() != 16) return s;
  return s.substr(0, 4) + "-" + s.substr(4, 2) + "-" + s.substr(6, 2) + "T" + s.substr(9, 2) + ":" +
         s.substr(11, 2) + ":" + s.substr(13, 2) + "Z";
}

// Accepts 2026-11-23T10:00:00Z, 2026-11-23 (midnight UTC) and 20261123T100000Z.
inline std::optional<caldav::Seconds> ParseInstant(const std::string& value) {
  std::string compact;
  for (char c : value) {
    if (c != '-' && c != ':') compact.push_back(c);
  }
  if (compact.size() == 8) compact += "T000000Z";
  return caldav::ParseUtcDateTime(compact);
}

}  // namespace cartable::dav::api
