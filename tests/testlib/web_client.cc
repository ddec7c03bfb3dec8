#include "tests/testlib/web_client.h"

#include <gtest/gtest.h>

#include <cctype>
#include <nlohmann/json.hpp>

#include "tests/testlib/raw_client.h"

namespace cartable::testlib {
namespace {

bool SameName(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string Encode(const std::string& in) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : in) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace

std::string WebPage::Header(const std::string& name) const {
  for (const auto& [k, v] : headers) {
    if (SameName(k, name)) return v;
  }
  return "";
}

std::vector<std::string> WebPage::SetCookies() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : headers) {
    if (SameName(k, "Set-Cookie")) out.push_back(v);
  }
  return out;
}

std::string WebPage::SetCookie(const std::string& name) const {
  for (const std::string& c : SetCookies()) {
    if (c.rfind(name + "=", 0) == 0) return c;
  }
  return "";
}

std::string WebClient::FormEncode(const Fields& fields) {
  std::string out;
  for (const auto& [k, v] : fields) {
    if (!out.empty()) out += '&';
    out += Encode(k) + "=" + Encode(v);
  }
  return out;
}

std::string WebClient::Cookie(const std::string& name) const {
  auto it = cookies_.find(name);
  return it == cookies_.end() ? "" : it->second;
}

WebPage WebClient::Send(const std::string& method, const std::string& path, const std::string& body,
                        const Fields& headers) {
  RawClient client(port_);
  std::string req = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port_) +
                    "\r\nConnection: close\r\n";
  std::string cookie;
  for (const auto& [k, v] : cookies_) cookie += (cookie.empty() ? "" : "; ") + k + "=" + v;
  if (!cookie.empty()) req += "Cookie: " + cookie + "\r\n";
  for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
  req += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  WebPage page;
  std::optional<RawResponse> r = client.RoundTrip(req, method == "HEAD");
  if (!r) {
    ADD_FAILURE() << "no response to " << method << " " << path;
    return page;
  }
  page.status = r->status;
  page.headers = r->headers;
  page.body = r->body;
  for (const std::string& set : page.SetCookies()) {
    size_t eq = set.find('=');
    size_t semi = set.find(';');
    std::string name = set.substr(0, eq);
    std::string value = set.substr(eq + 1, semi == std::string::npos ? semi : semi - eq - 1);
    if (value.empty() || set.find("Max-Age=0") != std::string::npos) {
      cookies_.erase(name);
    } else {
      cookies_[name] = value;
    }
  }
  // The CSRF token of the page's forms, if any.
  const std::string marker = "name=\"csrf\" value=\"";
  if (size_t at = page.body.find(marker); at != std::string::npos) {
    size_t start = at + marker.size();
    csrf_ = page.body.substr(start, page.body.find('"', start) - start);
  }
  if (page.Header("Content-Type").rfind("application/json", 0) == 0) {
    nlohmann::json j = nlohmann::json::parse(page.body, nullptr, false);
    if (j.is_object() && j.contains("csrf_token") && j["csrf_token"].is_string()) {
      json_csrf_ = j["csrf_token"].get<std::string>();
    }
  }
  return page;
}

WebPage WebClient::Get(const std::string& path, const Fields& headers) {
  return Send("GET", path, "", headers);
}

WebPage WebClient::Post(const std::string& path, const Fields& fields, const Fields& headers,
                        bool with_csrf) {
  Fields all = fields;
  bool has_csrf = false;
  for (const auto& [k, v] : fields) has_csrf = has_csrf || k == "csrf";
  if (with_csrf && !has_csrf) all.emplace_back("csrf", csrf_);
  Fields h = headers;
  h.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  return Send("POST", path, FormEncode(all), h);
}

WebPage WebClient::Json(const std::string& method, const std::string& path, const std::string& body,
                        const Fields& headers, bool with_csrf) {
  Fields h = headers;
  if (!body.empty()) h.emplace_back("Content-Type", "application/json");
  if (with_csrf && !json_csrf_.empty()) h.emplace_back("X-CSRF-Token", json_csrf_);
  return Send(method, path, body, h);
}

}  // namespace cartable::testlib
