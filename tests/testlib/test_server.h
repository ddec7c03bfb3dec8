// A real Cartable server for HTTP-level tests: SQLite store in a temporary directory (or, with
// the UsePostgresql tweak, a fresh database of the test process's PostgreSQL cluster), the App,
// and the HttpServer on 127.0.0.1 with an ephemeral port. Stops and cleans up on destruction.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "dav/context.h"
#include "dav/store/store.h"
#include "server/app.h"
#include "server/config.h"
#include "server/listener.h"
#include "tests/testlib/raw_client.h"

namespace cartable::testlib {

struct Reply {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? "" : it->second;
  }
};

class TestServer {
 public:
  // `tweak` may adjust the config before the server starts. `data_dir` reuses an existing store
  // directory (kept on destruction); empty = a fresh temporary one (removed on destruction).
  // `clock` is the App's (sessions, lockout, ...); empty = the system clock.
  explicit TestServer(void (*tweak)(server::Config&) = nullptr, const std::string& data_dir = "",
                      dav::Clock clock = {});
  ~TestServer();

  uint16_t port() const { return http_->port(); }
  server::App& app() { return *app_; }
  store::Store& store() { return *store_; }
  const std::string& data_dir() const { return dir_; }

  // Creates an active user; aborts the test on failure.
  void AddUser(const std::string& login, const std::string& password, const std::string& name,
               const std::string& email);

  // One request on a fresh connection, with Basic credentials when `user` is not empty.
  Reply Request(const std::string& method, const std::string& path, const std::string& body = "",
                const std::vector<std::pair<std::string, std::string>>& headers = {},
                const std::string& user = "", const std::string& password = "");

  // Same, as the default user set by SetDefaultUser.
  Reply As(const std::string& method, const std::string& path, const std::string& body = "",
           const std::vector<std::pair<std::string, std::string>>& headers = {});
  void SetDefaultUser(const std::string& user, const std::string& password) {
    user_ = user;
    password_ = password;
  }

 private:
  std::string dir_;
  bool own_dir_ = true;
  server::Config config_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<server::App> app_;
  std::unique_ptr<server::HttpServer> http_;
  std::string user_, password_;
};

// A multistatus parsed into {href: {"{ns}local": {status, inner XML of the property}}}.
struct PropValue {
  int status = 0;
  std::string xml;   // the property element's children serialised (pugixml, raw)
  std::string text;  // the property element's text content, concatenated
};
struct MultiStatus {
  std::map<std::string, std::map<std::string, PropValue>> props;
  std::map<std::string, int> response_status;  // responses with a bare DAV:status
  bool ok = false;                             // parsed as DAV:multistatus
};
MultiStatus ParseMultiStatus(const std::string& body);

// A TestServer tweak: [store] backend = postgresql on a fresh database of the test process's
// throw-away PostgreSQL cluster (tests/testlib/pg_server.h). Aborts the test when the cluster
// cannot start.
void UsePostgresql(server::Config& config);

// Base64 of "user:password".
std::string BasicAuth(const std::string& user, const std::string& password);

}  // namespace cartable::testlib
