// /healthz, /readyz and /metrics (issue 16) through HTTP: status, content type, who may read
// the metrics (addresses, bearer token), counters that move with requests, sign-in failures and
// lockouts, the store's figures, readiness on a stale or newer schema and with PostgreSQL
// stopped. The exposition is read by a strict parser of the text format 0.0.4 and by Debian's
// promtool (package prometheus).
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "dav/store/store.h"
#include "server/app.h"
#include "tests/testlib/pg_server.h"
#include "tests/testlib/raw_client.h"
#include "tests/testlib/temp_store.h"
#include "tests/testlib/test_server.h"

namespace cartable {
namespace {

using testlib::Reply;
using testlib::TestServer;

// ---- a strict reader of the text exposition format 0.0.4 ----

// Every sample of an exposition, by series ("name{a=\"x\",b=\"y\"}", labels sorted), and the
// family types. Parse() fails the test (ADD_FAILURE with the line) on anything the format does
// not allow: unknown line shapes, bad names or escapes, samples before their TYPE or apart from
// their family, duplicate series, histogram buckets that are not cumulative or lack +Inf.
struct Exposition {
  std::map<std::string, double> samples;
  std::map<std::string, std::string> types;  // family -> counter/gauge/histogram/...
  bool ok = true;

  std::optional<double> Get(const std::string& name,
                            const std::map<std::string, std::string>& labels = {}) const {
    auto it = samples.find(Key(name, labels));
    if (it == samples.end()) return std::nullopt;
    return it->second;
  }
  double ValueOr0(const std::string& name,
                  const std::map<std::string, std::string>& labels = {}) const {
    return Get(name, labels).value_or(0);
  }
  static std::string Key(const std::string& name, const std::map<std::string, std::string>& l) {
    std::string key = name;
    if (l.empty()) return key;
    key += '{';
    for (const auto& [k, v] : l) key += k + "=\"" + v + "\",";
    key.back() = '}';
    return key;
  }
};

std::optional<double> ParseValue(const std::string& text) {
  if (text == "+Inf") return INFINITY;
  if (text == "-Inf") return -INFINITY;
  if (text == "NaN") return NAN;
  static const std::regex kNumber(R"([-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?)");
  if (!std::regex_match(text, kNumber)) return std::nullopt;
  return std::stod(text);
}

// The family a sample belongs to: histogram samples carry _bucket/_sum/_count.
std::string FamilyOf(const std::string& name, const std::map<std::string, std::string>& types) {
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    const std::string s = suffix;
    if (name.size() > s.size() && name.ends_with(s)) {
      const std::string base = name.substr(0, name.size() - s.size());
      auto it = types.find(base);
      if (it != types.end() && (it->second == "histogram" || it->second == "summary")) {
        return base;
      }
    }
  }
  return name;
}

Exposition Parse(const std::string& text) {
  Exposition e;
  auto fail = [&e](const std::string& why, const std::string& line) {
    ADD_FAILURE() << why << ": " << line;
    e.ok = false;
  };
  if (text.empty() || text.back() != '\n') fail("the exposition must end with a line feed", "");
  static const std::regex kName("[a-zA-Z_:][a-zA-Z0-9_:]*");
  static const std::regex kLabelName("[a-zA-Z_][a-zA-Z0-9_]*");
  static const std::set<std::string> kTypes = {"counter", "gauge", "histogram", "summary",
                                               "untyped"};
  std::set<std::string> helped, finished;
  std::string current;  // the family whose samples are being read
  // Histogram checks: family -> series without le -> (le, count) in order.
  std::map<std::string, std::map<std::string, std::vector<std::pair<double, double>>>> buckets;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(start, end - start);
    start = end + 1;
    if (line.empty()) continue;
    if (line[0] == '#') {
      std::smatch m;
      static const std::regex kMeta(R"(# (HELP|TYPE) ([^ ]+) (.*))");
      if (!std::regex_match(line, m, kMeta)) continue;  // a plain comment
      const std::string name = m[2], rest = m[3];
      if (!std::regex_match(name, kName)) fail("bad metric name", line);
      if (m[1] == "HELP") {
        if (!helped.insert(name).second) fail("second HELP", line);
        for (size_t i = 0; i < rest.size(); ++i) {
          if (rest[i] == '\\' &&
              (i + 1 >= rest.size() || (rest[i + 1] != '\\' && rest[i + 1] != 'n'))) {
            fail("bad escape in HELP", line);
          }
          if (rest[i] == '\\') ++i;
        }
      } else {
        if (!kTypes.count(rest)) fail("unknown type", line);
        if (e.types.count(name)) fail("second TYPE", line);
        if (finished.count(name) || current == name) fail("TYPE after the family's samples", line);
        e.types[name] = rest;
      }
      continue;
    }
    // name [{labels}] value [timestamp]
    size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
    const std::string name = line.substr(0, i);
    if (!std::regex_match(name, kName)) {
      fail("bad sample name", line);
      continue;
    }
    std::map<std::string, std::string> labels;
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        size_t eq = line.find('=', i);
        if (eq == std::string::npos || eq + 1 >= line.size() || line[eq + 1] != '"') {
          fail("bad label", line);
          break;
        }
        const std::string label = line.substr(i, eq - i);
        if (!std::regex_match(label, kLabelName)) fail("bad label name", line);
        std::string value;
        size_t j = eq + 2;
        for (; j < line.size() && line[j] != '"'; ++j) {
          if (line[j] == '\\') {
            ++j;
            if (j >= line.size() || (line[j] != '\\' && line[j] != '"' && line[j] != 'n')) {
              fail("bad escape in a label value", line);
            }
          }
          value += j < line.size() ? line[j] : '?';
        }
        if (j >= line.size()) {
          fail("unterminated label value", line);
          break;
        }
        if (!labels.emplace(label, value).second) fail("repeated label", line);
        i = j + 1;
        if (i < line.size() && line[i] == ',') ++i;
      }
      if (i >= line.size() || line[i] != '}') {
        fail("unterminated label set", line);
        continue;
      }
      ++i;
    }
    if (i >= line.size() || line[i] != ' ') {
      fail("no value", line);
      continue;
    }
    std::string rest = line.substr(i + 1);
    const size_t space = rest.find(' ');
    std::optional<double> value = ParseValue(rest.substr(0, space));
    if (!value) fail("bad value", line);
    if (space != std::string::npos &&
        !std::regex_match(rest.substr(space + 1), std::regex("-?[0-9]+"))) {
      fail("bad timestamp", line);
    }
    const std::string family = FamilyOf(name, e.types);
    if (!e.types.count(family)) fail("sample before its TYPE", line);
    if (family != current) {
      if (finished.count(family)) fail("family's samples are not together", line);
      if (!current.empty()) finished.insert(current);
      current = family;
    }
    const std::string type = e.types.count(family) ? e.types[family] : "";
    if (type == "counter" && value && *value < 0) fail("negative counter", line);
    if (type == "histogram" && name == family + "_bucket") {
      auto le = labels.find("le");
      if (le == labels.end()) {
        fail("bucket without le", line);
      } else {
        std::optional<double> bound = ParseValue(le->second);
        std::map<std::string, std::string> series = labels;
        series.erase("le");
        if (bound && value)
          buckets[family][Exposition::Key("", series)].push_back({*bound, *value});
      }
    }
    if (!e.samples.emplace(Exposition::Key(name, labels), value.value_or(NAN)).second) {
      fail("duplicate series", line);
    }
  }
  for (const auto& [family, by_series] : buckets) {
    for (const auto& [series, list] : by_series) {
      for (size_t k = 1; k < list.size(); ++k) {
        if (!(list[k].first > list[k - 1].first) || list[k].second < list[k - 1].second) {
          fail("buckets not increasing and cumulative", family + series);
        }
      }
      if (list.empty() || !std::isinf(list.back().first)) fail("no +Inf bucket", family + series);
      const std::string count_key = family + "_count" + series;
      if (!e.samples.count(count_key) || e.samples[count_key] != list.back().second) {
        fail("+Inf bucket differs from _count", family + series);
      }
    }
  }
  return e;
}

TEST(ExpositionParserTest, RefusesWhatTheFormatDoesNotAllow) {
  // The reader must be able to fail, or the tests below prove nothing.
  const char* bad[] = {
      "x 1\n",                                                     // no TYPE
      "# TYPE x gauge\nx{a=\"1} 1\n",                              // unterminated
      "# TYPE x gauge\nx{a=\"\\q\"} 1\n",                          // bad escape
      "# TYPE x gauge\nx one\n",                                   // bad value
      "# TYPE x gauge\nx 1\nx 2\n",                                // duplicate series
      "# TYPE x counter\nx -1\n",                                  // negative counter
      "# TYPE x gauge\n# TYPE y gauge\nx 1\ny 1\nx{a=\"b\"} 1\n",  // family split
      "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_count 1\nh_sum 1\n",
      "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_count 1\nh_sum 1\n",  // no +Inf
      "# TYPE x gauge\nx 1",                                             // no final line feed
  };
  for (const char* text : bad) {
    ::testing::TestPartResultArray failures;
    {
      ::testing::ScopedFakeTestPartResultReporter reporter(
          ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &failures);
      EXPECT_FALSE(Parse(text).ok);
    }
    EXPECT_GT(failures.size(), 0) << text;
  }
  Exposition good = Parse(
      "# HELP x A \\\\ help\\n.\n# TYPE x counter\nx{a=\"q\\\"\\n\",b=\"2\"} 3\n"
      "# TYPE h histogram\nh_bucket{le=\"0.5\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 1.5\nh_count "
      "2\n");
  EXPECT_TRUE(good.ok);
  EXPECT_EQ(good.ValueOr0("x", {{"a", "q\"n"}, {"b", "2"}}), 3);
  EXPECT_EQ(good.ValueOr0("h_count"), 2);
}

// ---- helpers ----

// One request from `source` (a loopback address of the test's choosing).
std::optional<testlib::RawResponse> RequestFrom(uint16_t port, const std::string& source,
                                                const std::string& method, const std::string& path,
                                                const std::string& extra_headers = "") {
  testlib::RawClient client(port, std::chrono::milliseconds(10000), "127.0.0.1", source);
  if (!client.connected()) return std::nullopt;
  return client.RoundTrip(method + " " + path + " HTTP/1.1\r\nHost: cartable\r\n" + extra_headers +
                              "Connection: close\r\n\r\n",
                          method == "HEAD");
}

Exposition Scrape(TestServer& server) {
  Reply r = server.Request("GET", "/metrics");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  return Parse(r.body);
}

std::string DatabaseFile(TestServer& server) { return server.data_dir() + "/cartable.db"; }

// Runs `sql` on the SQLite store's file through a connection of the test's own (another
// process's view).
void SqliteExec(const std::string& file, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  EXPECT_EQ(rc, SQLITE_OK) << (error ? error : "") << " in " << sql;
  sqlite3_free(error);
  sqlite3_close(db);
}

int BinarySchema(TestServer& server) {
  Result<store::SchemaVersions> v = server.store().ThreadSession().GetSchemaVersions();
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  return v.ok() ? v->binary : 0;
}

// ---- /healthz, /readyz ----

TEST(HealthHttpTest, HealthzSaysOkToGetAndHeadOnly) {
  TestServer server;
  Reply ok = server.Request("GET", "/healthz");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "ok\n");
  EXPECT_EQ(ok.Header("content-type"), "text/plain; charset=utf-8");
  EXPECT_EQ(ok.Header("cache-control"), "no-store");
  Reply head = server.Request("HEAD", "/healthz");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");
  Reply post = server.Request("POST", "/healthz", "x");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.Header("allow"), "GET, HEAD");
  // No account is needed, whatever the address.
  std::optional<testlib::RawResponse> other =
      RequestFrom(server.port(), "127.0.0.2", "GET", "/healthz");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 200);
}

TEST(HealthHttpTest, ReadyzFollowsTheSchemaVersion) {
  TestServer server;
  const int binary = BinarySchema(server);
  Reply ready = server.Request("GET", "/readyz");
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_EQ(ready.body, "ready\n");
  EXPECT_EQ(ready.Header("cache-control"), "no-store");

  // A database one migration behind (a binary upgraded without `cartable migrate`).
  SqliteExec(DatabaseFile(server), "PRAGMA user_version = " + std::to_string(binary - 1));
  Reply older = server.Request("GET", "/readyz");
  EXPECT_EQ(older.status, 503);
  EXPECT_EQ(older.Header("retry-after"), std::to_string(store::kBusyRetryAfterSeconds));
  EXPECT_EQ(older.body, "not ready: the database schema is at version " +
                            std::to_string(binary - 1) + ", this binary needs " +
                            std::to_string(binary) + " (run cartable migrate)\n");

  // A database migrated by a newer binary (a downgrade).
  SqliteExec(DatabaseFile(server), "PRAGMA user_version = " + std::to_string(binary + 1));
  Reply newer = server.Request("GET", "/readyz");
  EXPECT_EQ(newer.status, 503);
  EXPECT_NE(newer.body.find("newer than this binary's " + std::to_string(binary)),
            std::string::npos)
      << newer.body;
  EXPECT_EQ(server.Request("GET", "/healthz").status, 200);  // alive all the same

  SqliteExec(DatabaseFile(server), "PRAGMA user_version = " + std::to_string(binary));
  EXPECT_EQ(server.Request("GET", "/readyz").status, 200);
}

// ---- who may read /metrics ----

TEST(MetricsHttpTest, LoopbackReadsTheTextFormat) {
  TestServer server;
  // The request counter's family appears with its first series.
  EXPECT_EQ(server.Request("GET", "/healthz").status, 200);
  Reply r = server.Request("GET", "/metrics");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(r.Header("cache-control"), "no-store");
  Exposition e = Parse(r.body);
  EXPECT_TRUE(e.ok);
  const std::map<std::string, std::string> kTypes = {
      {"cartable_http_requests_total", "counter"},
      {"cartable_http_request_duration_seconds", "histogram"},
      {"cartable_http_requests_in_flight", "gauge"},
      {"cartable_store_busy_total", "counter"},
      {"cartable_store_wait_seconds_total", "counter"},
      {"cartable_store_up", "gauge"},
      {"cartable_schema_version", "gauge"},
      {"cartable_mail_queue_depth", "gauge"},
      {"cartable_mail_queue_oldest_age_seconds", "gauge"},
      {"cartable_sign_in_failures_total", "counter"},
      {"cartable_lockouts_total", "counter"},
      {"cartable_web_sessions_active", "gauge"},
      {"cartable_build_info", "gauge"},
      {"process_resident_memory_bytes", "gauge"},
      {"process_cpu_seconds_total", "counter"},
      {"process_start_time_seconds", "gauge"},
  };
  for (const auto& [name, type] : kTypes) {
    EXPECT_EQ(e.types[name], type) << name;
  }
  EXPECT_EQ(e.ValueOr0("cartable_store_up"), 1);
  EXPECT_EQ(e.ValueOr0("cartable_schema_version"), BinarySchema(server));
  EXPECT_EQ(e.ValueOr0("cartable_build_info", {{"backend", "sqlite"}}), 1);
  EXPECT_GT(e.ValueOr0("process_resident_memory_bytes"), 1 << 20);
  const double start = e.ValueOr0("process_start_time_seconds");
  EXPECT_LE(start, static_cast<double>(std::time(nullptr)) + 1);
  EXPECT_GT(start, static_cast<double>(std::time(nullptr)) - 3600);
  // Every route's histogram is there from the start, with its buckets from 1 ms to 10 s.
  for (const char* route :
       {"dav", "caldav-discovery", "web", "api", "static", "health", "metrics", "other"}) {
    EXPECT_TRUE(
        e.Get("cartable_http_request_duration_seconds_bucket", {{"route", route}, {"le", "0.001"}}))
        << route;
    EXPECT_TRUE(
        e.Get("cartable_http_request_duration_seconds_bucket", {{"route", route}, {"le", "10"}}))
        << route;
  }
}

TEST(MetricsHttpTest, OtherAddressesGet403WithoutAToken) {
  TestServer server;
  for (const std::string& headers :
       {std::string(), std::string("Authorization: Bearer anything\r\n"),
        "Authorization: Basic " + testlib::BasicAuth("a", "b") + "\r\n"}) {
    std::optional<testlib::RawResponse> r =
        RequestFrom(server.port(), "127.0.0.2", "GET", "/metrics", headers);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 403) << headers;
    EXPECT_EQ(r->body, "Forbidden\n");  // no hint of how to get in
  }
  // A refused scrape is counted like any request.
  Exposition e = Scrape(server);
  EXPECT_EQ(e.ValueOr0("cartable_http_requests_total",
                       {{"method", "GET"}, {"route", "metrics"}, {"status", "403"}}),
            3);
}

std::string* token_file = nullptr;  // the path TokenServer's config names

void WithToken(server::Config& c) {
  c.metrics_token_file = *token_file;
  c.metrics_allow = server::AddressSet();  // nobody by address: only the token
}

TEST(MetricsHttpTest, TheBearerTokenOpensMetricsFromAnyAddress) {
  testlib::TempDir dir;
  std::string path = dir.path() + "/metrics.token";
  const std::string token = "7c1f0a9e3b5d4c2a8e6f1b0d9c3a5e7f";
  std::ofstream(path) << token << "\n";
  token_file = &path;
  TestServer server(&WithToken);
  auto status_with = [&](const std::string& source, const std::string& authorization) {
    std::optional<testlib::RawResponse> r =
        RequestFrom(server.port(), source, "GET", "/metrics",
                    authorization.empty() ? "" : "Authorization: " + authorization + "\r\n");
    return r ? r->status : 0;
  };
  EXPECT_EQ(status_with("127.0.0.2", "Bearer " + token), 200);
  EXPECT_EQ(status_with("127.0.0.1", "Bearer " + token), 200);
  EXPECT_EQ(status_with("127.0.0.2", "bearer " + token), 200);  // the scheme ignores case
  EXPECT_EQ(status_with("127.0.0.1", ""), 403);                 // loopback is no longer in allow
  EXPECT_EQ(status_with("127.0.0.2", "Bearer " + token.substr(1)), 403);
  EXPECT_EQ(status_with("127.0.0.2", "Bearer " + token + "x"), 403);
  EXPECT_EQ(status_with("127.0.0.2", "Bearer"), 403);
  EXPECT_EQ(status_with("127.0.0.2", "Basic " + token), 403);
  token_file = nullptr;
}

TEST(MetricsHttpTest, AnUnreadableTokenFileStopsTheServer) {
  testlib::TempDir dir;
  server::Config config;
  config.data_dir = dir.path();
  Result<std::unique_ptr<store::Store>> store = server::StoreFromConfig(config);
  ASSERT_TRUE(store.ok());
  config.metrics_token_file = dir.path() + "/missing.token";
  try {
    server::App app(config, **store);
    ADD_FAILURE() << "the App started without its token file";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(config.metrics_token_file), std::string::npos) << e.what();
  }
  std::ofstream(dir.path() + "/empty.token") << " \n";
  config.metrics_token_file = dir.path() + "/empty.token";
  try {
    server::App app(config, **store);
    ADD_FAILURE() << "the App started with an empty token file";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("holds no token"), std::string::npos) << e.what();
  }
}

// ---- what the metrics count ----

TEST(MetricsHttpTest, RequestCountersMoveWithRequests) {
  TestServer server;
  server.AddUser("jlabert", "pw", "Jean Labert", "jean.labert@ac-orleans-tours.fr");
  Exposition before = Scrape(server);
  auto count = [](const Exposition& e, const char* method, const char* route, const char* status) {
    return e.ValueOr0("cartable_http_requests_total",
                      {{"method", method}, {"route", route}, {"status", status}});
  };
  auto observed = [](const Exposition& e, const char* route) {
    return e.ValueOr0("cartable_http_request_duration_seconds_count", {{"route", route}});
  };
  EXPECT_EQ(server.Request("GET", "/nowhere").status, 404);
  EXPECT_EQ(server.Request("GET", "/nowhere/else").status, 404);
  EXPECT_EQ(server.Request("PROPFIND", "/dav/", "", {{"Depth", "0"}}, "jlabert", "pw").status, 207);
  EXPECT_EQ(server.Request("GET", "/.well-known/caldav").status, 301);
  EXPECT_EQ(server.Request("GET", "/healthz").status, 200);
  // A method outside the known set is counted as "other", never as its own series.
  const int search = server.Request("SEARCH", "/dav/").status;
  Exposition after = Scrape(server);
  EXPECT_TRUE(after.ok);
  EXPECT_EQ(count(after, "GET", "other", "404") - count(before, "GET", "other", "404"), 2);
  EXPECT_EQ(count(after, "PROPFIND", "dav", "207") - count(before, "PROPFIND", "dav", "207"), 1);
  EXPECT_EQ(count(after, "GET", "caldav-discovery", "301"), 1);
  EXPECT_EQ(count(after, "GET", "health", "200"), 1);
  const std::string search_status = std::to_string(search);
  EXPECT_EQ(count(after, "other", "dav", search_status.c_str()), 1);
  EXPECT_FALSE(after.Get("cartable_http_requests_total",
                         {{"method", "SEARCH"}, {"route", "dav"}, {"status", search_status}}));
  EXPECT_EQ(count(after, "GET", "metrics", "200"), 1);  // the first scrape
  EXPECT_EQ(observed(after, "dav") - observed(before, "dav"), 2);
  EXPECT_EQ(observed(after, "other") - observed(before, "other"), 2);
  // The raw paths never appear.
  for (const auto& [series, value] : after.samples) {
    EXPECT_EQ(series.find("nowhere"), std::string::npos) << series;
  }
  // This scrape is in flight while it is rendered.
  EXPECT_GE(after.ValueOr0("cartable_http_requests_in_flight"), 1);
}

void LockAfterTwo(server::Config& c) {
  c.lockout_threshold = 2;
  c.lockout_max_temporary = 3;
}

TEST(MetricsHttpTest, SignInFailuresAndLockoutsAreCounted) {
  TestServer server(&LockAfterTwo);
  server.AddUser("jlabert", "pw", "Jean Labert", "jean.labert@ac-orleans-tours.fr");
  EXPECT_EQ(server.Request("PROPFIND", "/dav/", "", {{"Depth", "0"}}, "jlabert", "pw").status, 207);
  Exposition start = Scrape(server);
  EXPECT_EQ(start.ValueOr0("cartable_sign_in_failures_total"), 0);
  EXPECT_EQ(start.ValueOr0("cartable_lockouts_total"), 0);
  EXPECT_EQ(server.Request("PROPFIND", "/dav/", "", {{"Depth", "0"}}, "nobody", "x").status, 401);
  EXPECT_EQ(server.Request("PROPFIND", "/dav/", "", {{"Depth", "0"}}, "jlabert", "w1").status, 401);
  Exposition one = Scrape(server);
  EXPECT_EQ(one.ValueOr0("cartable_sign_in_failures_total"), 2);
  EXPECT_EQ(one.ValueOr0("cartable_lockouts_total"), 0);
  // The second distinct wrong password locks the account; then even the right one is refused.
  EXPECT_EQ(server.Request("PROPFIND", "/dav/", "", {{"Depth", "0"}}, "jlabert", "w2").status, 401);
  EXPECT_EQ(server.Request("PROPFIND", "/dav/", "", {{"Depth", "0"}}, "jlabert", "pw").status, 401);
  Exposition locked = Scrape(server);
  EXPECT_EQ(locked.ValueOr0("cartable_sign_in_failures_total"), 4);
  EXPECT_EQ(locked.ValueOr0("cartable_lockouts_total"), 1);
}

void BusyQuickly(server::Config& c) { c.store_busy_timeout_ms = 50; }

TEST(MetricsHttpTest, StoreFiguresAreReadAtEachScrape) {
  TestServer server(&BusyQuickly);
  server.AddUser("jlabert", "pw", "Jean Labert", "jean.labert@ac-orleans-tours.fr");
  Exposition empty = Scrape(server);
  EXPECT_EQ(empty.ValueOr0("cartable_mail_queue_depth"), 0);
  EXPECT_EQ(empty.ValueOr0("cartable_mail_queue_oldest_age_seconds"), 0);
  EXPECT_EQ(empty.ValueOr0("cartable_web_sessions_active"), 0);

  // Two queued mails due tomorrow (the worker leaves them), the oldest queued an hour ago; one
  // live web session and one idle past session_idle_minutes.
  const int64_t now = std::time(nullptr);
  const std::string mail =
      "INSERT INTO mail_queue (envelope_from, recipient, message, next_attempt, created_at) "
      "VALUES ('a@ac-orleans-tours.fr', 'b@example.org', x'00', " +
      std::to_string(now + 86400) + ", ";
  SqliteExec(DatabaseFile(server), mail + std::to_string(now - 3600) + ")");
  SqliteExec(DatabaseFile(server), mail + std::to_string(now - 60) + ")");
  store::Session& s = server.store().ThreadSession();
  Result<store::User> user = s.GetUserByLogin("jlabert");
  ASSERT_TRUE(user.ok());
  store::WebSession w;
  w.user_id = user->id;
  w.csrf_token = "csrf";
  w.token_hash = "live";
  w.created_at = w.last_seen_at = now;
  ASSERT_TRUE(s.CreateWebSession(w).ok());
  w.token_hash = "idle";
  w.last_seen_at = now - 24 * 3600;
  ASSERT_TRUE(s.CreateWebSession(w).ok());

  // Another process holds the write lock past busy_timeout_ms: the PUT is refused (503).
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(DatabaseFile(server).c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  Reply refused = server.Request("PUT", "/dav/files/jlabert/note.txt", "x",
                                 {{"Content-Type", "text/plain"}}, "jlabert", "pw");
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  EXPECT_EQ(refused.status, 503) << refused.body;

  Exposition e = Scrape(server);
  EXPECT_EQ(e.ValueOr0("cartable_mail_queue_depth"), 2);
  const double age = e.ValueOr0("cartable_mail_queue_oldest_age_seconds");
  EXPECT_GE(age, 3600);
  EXPECT_LT(age, 3600 + 600);  // the test's clock and the server's agree within minutes
  EXPECT_EQ(e.ValueOr0("cartable_web_sessions_active"), 1);
  EXPECT_GE(e.ValueOr0("cartable_store_busy_total"), 1);
  EXPECT_GT(e.ValueOr0("cartable_store_wait_seconds_total"),
            empty.ValueOr0("cartable_store_wait_seconds_total"));
}

// Debian's promtool (package prometheus) lints the exposition: names, units, suffixes, help.
TEST(MetricsHttpTest, PromtoolChecksTheExposition) {
  ASSERT_EQ(std::system("command -v promtool >/dev/null"), 0)
      << "promtool is missing: scripts/lib.sh installs the Debian package prometheus";
  TestServer server;
  server.AddUser("jlabert", "pw", "Jean Labert", "jean.labert@ac-orleans-tours.fr");
  EXPECT_EQ(server.Request("PROPFIND", "/dav/", "", {{"Depth", "0"}}, "jlabert", "pw").status, 207);
  EXPECT_EQ(server.Request("GET", "/nowhere").status, 404);
  Reply r = server.Request("GET", "/metrics");
  ASSERT_EQ(r.status, 200);
  testlib::TempDir dir;
  const std::string file = dir.path() + "/metrics.txt";
  std::ofstream(file) << r.body;
  const std::string command = "promtool check metrics < " + file + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[512];
  while (size_t n = fread(buffer, 1, sizeof(buffer), pipe)) output.append(buffer, n);
  const int status = pclose(pipe);
  EXPECT_EQ(status, 0) << output;
  EXPECT_EQ(output, "") << r.body;
}

// ---- PostgreSQL ----

TEST(HealthPostgresHttpTest, ReadyzAndTheStoreFiguresFollowTheDatabase) {
  TestServer server(testlib::UsePostgresql);
  EXPECT_EQ(server.Request("GET", "/readyz").status, 200);
  Exposition up = Scrape(server);
  EXPECT_EQ(up.ValueOr0("cartable_store_up"), 1);
  EXPECT_EQ(up.ValueOr0("cartable_build_info", {{"backend", "postgresql"}}), 1);

  Result<testlib::PgServer*> pg = testlib::PgServer::Get();
  ASSERT_TRUE(pg.ok());
  ASSERT_TRUE((*pg)->Stop().ok());
  Reply down = server.Request("GET", "/readyz");
  EXPECT_EQ(down.status, 503);
  EXPECT_EQ(down.Header("retry-after"), std::to_string(store::kBusyRetryAfterSeconds));
  EXPECT_EQ(down.body, "not ready: the store does not answer\n");
  EXPECT_EQ(server.Request("GET", "/healthz").status, 200);  // the process still serves
  Exposition e = Scrape(server);
  EXPECT_TRUE(e.ok);
  EXPECT_EQ(e.ValueOr0("cartable_store_up"), 0);
  EXPECT_FALSE(e.Get("cartable_mail_queue_depth"));  // not read: absent rather than wrong
  EXPECT_TRUE(e.Get("process_resident_memory_bytes"));

  ASSERT_TRUE((*pg)->Start().ok());
  EXPECT_EQ(server.Request("GET", "/readyz").status, 200);
  EXPECT_EQ(Scrape(server).ValueOr0("cartable_store_up"), 1);
}

std::string pg_url;  // the database UsePostgresqlAndKeepUrl chose

void UsePostgresqlAndKeepUrl(server::Config& c) {
  testlib::UsePostgresql(c);
  pg_url = c.postgresql_url;
}

TEST(HealthPostgresHttpTest, ReadyzRefusesAnOlderSchema) {
  TestServer server(&UsePostgresqlAndKeepUrl);
  const int binary = BinarySchema(server);
  Result<testlib::PgServer*> pg = testlib::PgServer::Get();
  ASSERT_TRUE(pg.ok());
  const std::string db = testlib::PgServer::DatabaseOf(pg_url);
  ASSERT_TRUE((*pg)->Execute(db, "UPDATE schema_version SET version = version - 1").ok());
  Reply older = server.Request("GET", "/readyz");
  EXPECT_EQ(older.status, 503);
  EXPECT_NE(older.body.find("this binary needs " + std::to_string(binary)), std::string::npos)
      << older.body;
  ASSERT_TRUE((*pg)->Execute(db, "UPDATE schema_version SET version = version + 1").ok());
  EXPECT_EQ(server.Request("GET", "/readyz").status, 200);
}

}  // namespace
}  // namespace cartable
