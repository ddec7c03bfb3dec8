// JSON answers of the webmail API: one place for the content type and the error shape.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "server/http_message.h"

namespace cartable::dav::api {

inline server::HttpResponse Json(int status, const nlohmann::json& body) {
  server::HttpResponse r;
  r.status = status;
  r.headers.Set("Content-Type", "application/json; charset=utf-8");
  r.body = body.dump();
  return r;
}

// {"error": message} with `status`.
inline server::HttpResponse JsonError(int status, const std::string& message) {
  return Json(status, nlohmann::json{{"error", message}});
}

// 405 for anything but GET/HEAD, or nullopt.
inline std::optional<server::HttpResponse> OnlyGet(const server::HttpRequest& request) {
  if (request.method == "GET" || request.method == "HEAD") return std::nullopt;
  server::HttpResponse r = JsonError(405, "only GET is allowed here");
  r.headers.Set("Allow", "GET, HEAD");
  return r;
}

}  // namespace cartable::dav::api
