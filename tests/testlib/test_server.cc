#include "tests/testlib/test_server.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <pugixml.hpp>
#include <sstream>

#include "dav/xml.h"
#include "tests/testlib/pg_server.h"

namespace cartable::testlib {

TestServer::TestServer(void (*tweak)(server::Config&), const std::string& data_dir,
                       dav::Clock clock) {
  if (data_dir.empty()) {
    char tmpl[] = "/tmp/cartable-http-XXXXXX";
    dir_ = mkdtemp(tmpl);
  } else {
    dir_ = data_dir;
    own_dir_ = false;
  }
  config_.listen = "127.0.0.1:0";
  config_.workers = 2;
  config_.data_dir = dir_;
  config_.access_log = false;
  if (tweak) tweak(config_);
  auto store = server::StoreFromConfig(config_);
  if (!store.ok()) {
    ADD_FAILURE() << store.status().ToString();
    abort();
  }
  store_ = std::move(store.value());
  app_ = std::make_unique<server::App>(config_, *store_, std::move(clock));
  http_ = std::make_unique<server::HttpServer>(config_, *app_, nullptr, &app_->metrics());
  std::string err = http_->Start();
  if (!err.empty()) {
    ADD_FAILURE() << err;
    abort();
  }
}

TestServer::~TestServer() {
  http_->Shutdown();
  http_.reset();
  app_.reset();
  store_.reset();
  if (own_dir_) std::filesystem::remove_all(dir_);
}

void UsePostgresql(server::Config& config) {
  Result<PgServer*> pg = PgServer::Get();
  Result<std::string> url = pg.ok() ? (*pg)->FreshDatabase() : Result<std::string>(pg.status());
  if (!url.ok()) {
    ADD_FAILURE() << url.status().ToString();
    abort();
  }
  config.store_backend = "postgresql";
  config.postgresql_url = *url;
}

void TestServer::AddUser(const std::string& login, const std::string& password,
                         const std::string& name, const std::string& email) {
  auto id = app_->accounts().AddUser(login, name, email, password);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
}

std::string BasicAuth(const std::string& user, const std::string& password) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string in = user + ":" + password, out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(v >> s) & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += "=";
  }
  return out;
}

Reply TestServer::Request(const std::string& method, const std::string& path,
                          const std::string& body,
                          const std::vector<std::pair<std::string, std::string>>& headers,
                          const std::string& user, const std::string& password) {
  RawClient client(port());
  std::string req = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port()) +
                    "\r\nConnection: close\r\n";
  bool has_length = false;
  for (const auto& [k, v] : headers) {
    req += k + ": " + v + "\r\n";
    if (http::EqualsIgnoreCase(k, "Content-Length") ||
        http::EqualsIgnoreCase(k, "Transfer-Encoding")) {
      has_length = true;
    }
  }
  if (!user.empty()) req += "Authorization: Basic " + BasicAuth(user, password) + "\r\n";
  if (!has_length) req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  req += "\r\n" + body;
  Reply reply;
  std::optional<RawResponse> r = client.RoundTrip(req, method == "HEAD");
  if (!r) {
    ADD_FAILURE() << "no response to " << method << " " << path;
    return reply;
  }
  reply.status = r->status;
  for (const auto& [k, v] : r->headers) {
    std::string lower = k;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    reply.headers[lower] = v;
  }
  reply.body = r->body;
  return reply;
}

Reply TestServer::As(const std::string& method, const std::string& path, const std::string& body,
                     const std::vector<std::pair<std::string, std::string>>& headers) {
  return Request(method, path, body, headers, user_, password_);
}

MultiStatus ParseMultiStatus(const std::string& body) {
  MultiStatus ms;
  auto doc = dav::ParseXml(body);
  if (!doc.ok()) return ms;
  pugi::xml_node root = (*doc)->document_element();
  if (!dav::Is(root, dav::ns::kDav, "multistatus")) return ms;
  ms.ok = true;
  auto status_code = [](const pugi::xml_node& s) {
    std::string t = s.text().get();
    return t.size() >= 12 ? std::atoi(t.c_str() + 9) : 0;
  };
  for (pugi::xml_node resp : root.children()) {
    if (!dav::Is(resp, dav::ns::kDav, "response")) continue;
    std::string href = dav::Child(resp, dav::ns::kDav, "href").text().get();
    if (pugi::xml_node st = dav::Child(resp, dav::ns::kDav, "status")) {
      ms.response_status[href] = status_code(st);
    }
    auto& props = ms.props[href];
    for (pugi::xml_node ps : resp.children()) {
      if (!dav::Is(ps, dav::ns::kDav, "propstat")) continue;
      int code = status_code(dav::Child(ps, dav::ns::kDav, "status"));
      for (pugi::xml_node p : dav::Child(ps, dav::ns::kDav, "prop").children()) {
        if (p.type() != pugi::node_element) continue;
        PropValue v;
        v.status = code;
        std::ostringstream os;
        for (pugi::xml_node c : p.children()) c.print(os, "", pugi::format_raw);
        v.xml = os.str();
        v.text = p.child_value();
        props[dav::NameOf(p).Clark()] = v;
      }
    }
  }
  return ms;
}

}  // namespace cartable::testlib
