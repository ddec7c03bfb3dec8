// A minimal browser for HTTP tests of the web front door (server/web/): keeps the cookies the
// server sets, sends them back, remembers the CSRF token of the last form it saw, and posts
// forms (application/x-www-form-urlencoded) or JSON. One fresh connection per request.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace cartable::testlib {

using Fields = std::vector<std::pair<std::string, std::string>>;

struct WebPage {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // in order, names as sent
  std::string body;
  // First value of header `name` (case-insensitive), "" when absent.
  std::string Header(const std::string& name) const;
  // Every Set-Cookie value, in order.
  std::vector<std::string> SetCookies() const;
  // The Set-Cookie value for cookie `name`, "" when not set by this response.
  std::string SetCookie(const std::string& name) const;
  std::string Location() const { return Header("Location"); }
};

class WebClient {
 public:
  explicit WebClient(uint16_t port) : port_(port) {}

  // `headers` are added to the request (e.g. Origin, Sec-Fetch-Site).
  WebPage Get(const std::string& path, const Fields& headers = {});
  // Posts `fields`; adds `csrf` (the last token seen) unless `fields` has one or `with_csrf` is
  // false.
  WebPage Post(const std::string& path, const Fields& fields, const Fields& headers = {},
               bool with_csrf = true);
  // A JSON request; adds X-CSRF-Token (the last token the JSON API gave) when `with_csrf`.
  WebPage Json(const std::string& method, const std::string& path, const std::string& body = "",
               const Fields& headers = {}, bool with_csrf = true);
  // Any request, as is (cookies added).
  WebPage Send(const std::string& method, const std::string& path, const std::string& body,
               const Fields& headers);

  std::string Cookie(const std::string& name) const;
  void SetCookie(const std::string& name, const std::string& value) { cookies_[name] = value; }
  void DropCookie(const std::string& name) { cookies_.erase(name); }
  const std::string& csrf() const { return csrf_; }
  void set_csrf(std::string token) { csrf_ = std::move(token); }
  const std::string& json_csrf() const { return json_csrf_; }
  void set_json_csrf(std::string token) { json_csrf_ = std::move(token); }

  static std::string FormEncode(const Fields& fields);

 private:
  uint16_t port_;
  std::map<std::string, std::string> cookies_;
  std::string csrf_;
  std::string json_csrf_;
};

}  // namespace cartable::testlib
