#include "server/access_log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

namespace cartable::server {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

http::HttpRequest Request(const std::string& path) {
  http::HttpRequest r;
  r.remote_addr = "192.0.2.7";
  r.user = "alice";
  r.method = "GET";
  r.raw_path = path;
  r.request_id = "rid-" + path.substr(1);
  return r;
}

class AccessLogTest : public ::testing::Test {
 protected:
  void TearDown() override { unlink(path_.c_str()); }
  std::string path_ = ::testing::TempDir() + "/cartable_access_log_" + std::to_string(getpid());
};

// Batched lines ([log] access_log_flush_ms) stay in memory until a flush, then reach the file
// whole and in request order; the destructor writes what is left.
TEST_F(AccessLogTest, BatchedLinesAreWrittenInOrderOnFlushAndAtTheEnd) {
  {
    AccessLog log(path_, /*flush_ms=*/3600 * 1000);
    log.Write(Request("/a"), 200, 10, std::chrono::milliseconds(1));
    log.Write(Request("/b"), 404, 0, std::chrono::milliseconds(2));
    EXPECT_EQ(ReadFile(path_), "") << "batched: no write per request";
    log.Flush();
    std::string text = ReadFile(path_);
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2) << text;
    EXPECT_LT(text.find(" 192.0.2.7 alice GET /a 200 10 1.0ms rid-a\n"),
              text.find(" 192.0.2.7 alice GET /b 404 0 2.0ms rid-b\n"))
        << text;
    log.Write(Request("/c"), 201, 0, std::chrono::milliseconds(0));
  }
  std::string text = ReadFile(path_);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 3) << text;
  EXPECT_NE(text.find(" 192.0.2.7 alice GET /c 201 0 0.0ms rid-c\n"), std::string::npos) << text;
}

// Without an explicit flush, the background thread writes a batched line soon (bounded: the
// line must not be delayed beyond 10 s, for a 20 ms interval).
TEST_F(AccessLogTest, BatchedLinesReachTheFileWithoutAFlush) {
  AccessLog log(path_, /*flush_ms=*/20);
  log.Write(Request("/soon"), 200, 1, std::chrono::milliseconds(0));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::string text;
  while ((text = ReadFile(path_)).empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_NE(text.find(" GET /soon 200 1 "), std::string::npos) << text;
}

// flush_ms = 0: every line is in the file when Write returns (the former behaviour).
TEST_F(AccessLogTest, UnbatchedLinesAreWrittenAtOnce) {
  AccessLog log(path_, 0);
  log.Write(Request("/now"), 200, 3, std::chrono::milliseconds(0));
  EXPECT_NE(ReadFile(path_).find(" 192.0.2.7 alice GET /now 200 3 0.0ms rid-now\n"),
            std::string::npos);
}

// Lines written by several threads at once are never interleaved.
TEST_F(AccessLogTest, ConcurrentLinesStayWhole) {
  {
    AccessLog log(path_, 5);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&log] {
        for (int i = 0; i < 500; ++i) {
          log.Write(Request("/p"), 200, 0, std::chrono::milliseconds(0));
        }
      });
    }
    for (auto& t : threads) t.join();
  }
  std::istringstream in(ReadFile(path_));
  int lines = 0;
  for (std::string line; std::getline(in, line); ++lines) {
    ASSERT_NE(line.find(" 192.0.2.7 alice GET /p 200 0 0.0ms"), std::string::npos) << line;
  }
  EXPECT_EQ(lines, 2000);
}

// [log] format = text ends each line with the request id ("-" when there is none).
TEST_F(AccessLogTest, TextLinesEndWithTheRequestId) {
  {
    AccessLog log(path_, 0);
    http::HttpRequest r = Request("/x");
    r.request_id.clear();
    r.user.clear();
    log.Write(r, 400, 12, std::chrono::microseconds(1500));
  }
  std::string text = ReadFile(path_);
  EXPECT_EQ(text.substr(24), " 192.0.2.7 - GET /x 400 12 1.5ms -\n") << text;
}

// The duration has one decimal, rounded as printf's %.1f rounds (ties of the binary value to
// even), and large figures are written whole.
TEST_F(AccessLogTest, TextDurationsRoundAsPrintfDoes) {
  const std::chrono::nanoseconds durations[] = {
      std::chrono::nanoseconds(0),        std::chrono::nanoseconds(49999),
      std::chrono::nanoseconds(50000),    std::chrono::nanoseconds(250000),
      std::chrono::nanoseconds(350000),   std::chrono::nanoseconds(1234567),
      std::chrono::nanoseconds(99950000), std::chrono::seconds(86400 * 400),
  };
  {
    AccessLog log(path_, 0);
    for (std::chrono::nanoseconds d : durations) {
      http::HttpRequest r = Request("/d");
      log.Write(r, 200, 4294967296u, d);
    }
  }
  std::string text = ReadFile(path_);
  for (std::chrono::nanoseconds d : durations) {
    char expected[64];
    std::snprintf(expected, sizeof expected, " 200 4294967296 %.1fms ",
                  std::chrono::duration<double, std::milli>(d).count());
    EXPECT_NE(text.find(expected), std::string::npos) << expected << "\n" << text;
  }
}

// [log] format = json: one object per line with every field, strings escaped (a client's
// path or method cannot end the object or the line), the peer beside the client.
TEST_F(AccessLogTest, JsonLinesAreOneObjectEach) {
  EXPECT_EQ(AccessLog::ParseFormat("json"), AccessLog::Format::kJson);
  EXPECT_EQ(AccessLog::ParseFormat("text"), AccessLog::Format::kText);
  EXPECT_EQ(AccessLog::ParseFormat("JSON"), std::nullopt);
  {
    AccessLog log(path_, 0);
    log.SetFormat(AccessLog::Format::kJson);
    http::HttpRequest r = Request("/a\"b\n{c}");
    r.peer_addr = "127.0.0.1";
    r.remote_addr = "2001:db8::5";
    r.request_id = "0123456789abcdef0123456789abcdef";
    log.Write(r, 207, 1234, std::chrono::microseconds(3250));
    r.user.clear();
    r.raw_path = "/\xff";
    log.Write(r, 401, 0, std::chrono::milliseconds(0));
  }
  std::string text = ReadFile(path_);
  ASSERT_EQ(std::count(text.begin(), text.end(), '\n'), 2) << text;
  std::istringstream in(text);
  std::string first, second;
  std::getline(in, first);
  std::getline(in, second);
  nlohmann::json a = nlohmann::json::parse(first);
  EXPECT_EQ(a["remote"], "2001:db8::5");
  EXPECT_EQ(a["peer"], "127.0.0.1");
  EXPECT_EQ(a["user"], "alice");
  EXPECT_EQ(a["method"], "GET");
  EXPECT_EQ(a["path"], "/a\"b\n{c}");
  EXPECT_EQ(a["status"], 207);
  EXPECT_EQ(a["bytes"], 1234);
  EXPECT_DOUBLE_EQ(a["duration_ms"].get<double>(), 3.3);
  EXPECT_EQ(a["request_id"], "0123456789abcdef0123456789abcdef");
  std::string time = a["time"];
  EXPECT_EQ(time.size(), 24u) << time;
  EXPECT_EQ(time.back(), 'Z');
  EXPECT_EQ(a.size(), 10u) << first;
  nlohmann::json b = nlohmann::json::parse(second);
  EXPECT_TRUE(b["user"].is_null());
  EXPECT_EQ(b["path"], "/\xef\xbf\xbd") << "invalid UTF-8 replaced, the line stays JSON";
}

// A reload after logrotate moved the file: the lines before it stay in the moved file, the
// path is created again and gets the lines after; switching off writes nothing, and a path that
// cannot be opened is refused with the old file kept.
TEST_F(AccessLogTest, ReconfigureReopensThePathAndSwitchesOff) {
  const std::string rotated = path_ + ".1";
  {
    AccessLog log(path_, /*flush_ms=*/3600 * 1000);
    log.Write(Request("/before"), 200, 1, std::chrono::milliseconds(1));
    ASSERT_EQ(::rename(path_.c_str(), rotated.c_str()), 0);
    EXPECT_EQ(log.Reconfigure(true, path_, 0), "");
    log.Write(Request("/after"), 200, 1, std::chrono::milliseconds(1));  // written at once now
    EXPECT_NE(ReadFile(path_).find(" GET /after 200 "), std::string::npos);
    EXPECT_NE(ReadFile(rotated).find(" GET /before 200 "), std::string::npos);
    EXPECT_EQ(ReadFile(rotated).find("/after"), std::string::npos);

    EXPECT_EQ(log.Reconfigure(false, path_, 0), "");
    log.Write(Request("/off"), 200, 1, std::chrono::milliseconds(1));
    std::string refused = log.Reconfigure(true, "/nonexistent-dir/access.log", 10);
    EXPECT_NE(refused.find("/nonexistent-dir/access.log"), std::string::npos) << refused;
    log.Write(Request("/still-off"), 200, 1, std::chrono::milliseconds(1));
    EXPECT_EQ(log.Reconfigure(true, path_, 10), "");  // a flusher thread starts now
    log.Write(Request("/batched"), 200, 1, std::chrono::milliseconds(1));
  }
  std::string after = ReadFile(path_);
  EXPECT_EQ(after.find("/off"), std::string::npos);
  EXPECT_EQ(after.find("/still-off"), std::string::npos);
  EXPECT_NE(after.find(" GET /batched 200 "), std::string::npos);
  unlink(rotated.c_str());
}

}  // namespace
}  // namespace cartable::server
