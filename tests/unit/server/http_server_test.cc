// HttpServer over real loopback sockets: keep-alive, pipelining, bodies, limits, timeouts,
// graceful shutdown. Every read has a timeout (RawClient), so failures cannot hang.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "server/listener.h"
#include "tests/testlib/raw_client.h"
#include "tests/unit/server/echo_handler.h"

namespace cartable::server {
namespace {

using std::chrono::milliseconds;
using testlib::RawClient;
using testlib::RawResponse;

class HttpServerTest : public ::testing::Test {
 protected:
  HttpServerTest() {
    config_.listen = "127.0.0.1:0";
    config_.workers = 2;
    config_.request_timeout_seconds = 1;
    config_.idle_timeout_seconds = 1;
    config_.shutdown_grace_seconds = 3;
    config_.max_body_bytes = 2 << 20;
    config_.max_header_bytes = 4096;
    config_.gzip_min_bytes = 256;
    config_.lingering_close_seconds = 2;
  }
  void SetUp() override { StartServer(); }
  void StartServer(AccessLog* log = nullptr) {
    server_ = std::make_unique<HttpServer>(config_, handler_, log);
    ASSERT_EQ(server_->Start(), "");
    ASSERT_NE(server_->port(), 0);
  }
  std::unique_ptr<RawClient> Connect() {
    auto c = std::make_unique<RawClient>(server_->port(), milliseconds(3000));
    EXPECT_TRUE(c->connected());
    return c;
  }

  Config config_;
  testing::EchoHandler handler_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTest, BindsEphemeralPortAndReportsPortInUse) {
  Config other = config_;
  other.listen = "127.0.0.1:" + std::to_string(server_->port());
  HttpServer second(other, handler_, nullptr);
  EXPECT_NE(second.Start(), "");
  Config bad = config_;
  bad.listen = "not an address";
  HttpServer third(bad, handler_, nullptr);
  EXPECT_NE(third.Start(), "");
}

TEST_F(HttpServerTest, KeepsConnectionsAlive) {
  auto c = Connect();
  for (int i = 0; i < 3; ++i) {
    auto r = c->RoundTrip("GET /k" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->version, "HTTP/1.1");
    EXPECT_EQ(r->body.substr(0, 7), "GET /k" + std::to_string(i));
    EXPECT_FALSE(r->Header("Connection"));
  }
}

TEST_F(HttpServerTest, AnswersPipelinedRequestsInOrder) {
  auto c = Connect();
  std::string batch;
  for (int i = 0; i < 20; ++i) {
    batch += "PROPFIND /p" + std::to_string(i) +
             " HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nb" + std::to_string(i % 10);
  }
  ASSERT_TRUE(c->Send(batch));
  for (int i = 0; i < 20; ++i) {
    auto r = c->ReadResponse();
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(r->body.substr(0, r->body.find(' ', 9)), "PROPFIND /p" + std::to_string(i));
    EXPECT_EQ(r->body.back(), static_cast<char>('0' + i % 10));
  }
}

TEST_F(HttpServerTest, ConnectionCloseClosesAfterResponse) {
  auto c = Connect();
  auto r = c->RoundTrip("GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->Header("Connection"), "close");
  EXPECT_TRUE(c->WaitForClose(milliseconds(2000)));
}

TEST_F(HttpServerTest, Http10ClosesUnlessKeepAlive) {
  auto c = Connect();
  auto r = c->RoundTrip("GET /a HTTP/1.0\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->version, "HTTP/1.1");
  EXPECT_TRUE(c->WaitForClose(milliseconds(2000)));

  auto k = Connect();
  r = k->RoundTrip("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->Header("Connection"), "keep-alive");
  r = k->RoundTrip("GET /b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body.substr(0, 6), "GET /b");
}

TEST_F(HttpServerTest, ReceivesContentLengthAndChunkedBodies) {
  auto c = Connect();
  std::string big(300000, 'x');
  auto r =
      c->RoundTrip("PUT /big HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(big.size()) +
                   "\r\n\r\n" + big);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body.size() > big.size(), true);
  EXPECT_EQ(r->body.substr(r->body.size() - big.size()), big);
  r = c->RoundTrip(
      "PUT /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n"
      "4\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body.substr(r->body.size() - 10), "\nWikipedia");
}

TEST_F(HttpServerTest, SendsLargeResponsesCompletely) {
  auto c = Connect();
  auto r = c->RoundTrip("GET /xml/3000000 HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 207);
  EXPECT_EQ(r->body.size(), 3000000u);
}

// Large bodies leave as segments of their own behind their headers (OutputBuffer): pipelined
// small and large answers, and a HEAD of a large one, still arrive whole and in order.
TEST_F(HttpServerTest, PipelinedLargeAndSmallResponsesArriveWholeInOrder) {
  auto c = Connect();
  const std::vector<std::pair<std::string, size_t>> requests = {
      {"GET /xml/300000", 300000}, {"GET /a", 0}, {"GET /xml/16384", 16384}, {"HEAD /xml/50000", 0},
      {"GET /xml/16383", 16383},   {"GET /b", 0}};
  std::string batch;
  for (const auto& [line, size] : requests) batch += line + " HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_TRUE(c->Send(batch));
  for (const auto& [line, size] : requests) {
    auto r = c->ReadResponse(/*head=*/line.starts_with("HEAD"));
    ASSERT_TRUE(r) << line;
    if (line.starts_with("HEAD")) {
      EXPECT_EQ(r->status, 207) << line;
      EXPECT_TRUE(r->body.empty()) << line;
    } else if (size > 0) {
      EXPECT_EQ(r->status, 207) << line;
      ASSERT_EQ(r->body.size(), size) << line;
      EXPECT_EQ(r->body.find_first_not_of('x'), std::string::npos) << line;
    } else {
      EXPECT_EQ(r->status, 200) << line;
      EXPECT_TRUE(r->body.starts_with(line + " ")) << line << ": " << r->body;
    }
  }
}

TEST_F(HttpServerTest, ExpectContinueGetsInterimResponse) {
  auto c = Connect();
  ASSERT_TRUE(
      c->Send("PUT /e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"));
  auto interim = c->ReadResponse();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  auto r = c->RoundTrip("hello");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body.substr(r->body.size() - 6), "\nhello");

  auto big = Connect();
  r = big->RoundTrip(
      "PUT /e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 99999999\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_TRUE(big->WaitForClose(milliseconds(2000)));
}

// A pending admission (a hash on another thread) parks only its own connection: with a single
// reactor, another connection is served meanwhile; the parked one resumes on its reactor when
// another thread finishes the admission, and only then gets "100 Continue".
TEST_F(HttpServerTest, PendingAdmissionParksOnlyItsConnection) {
  server_.reset();
  config_.workers = 1;
  StartServer();
  auto parked = Connect();
  ASSERT_TRUE(parked->Send(
      "PUT /pending HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"));
  for (int i = 0; i < 500 && handler_.PendingCount() == 0; ++i) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  ASSERT_EQ(handler_.PendingCount(), 1);
  auto other = Connect();
  auto r = other->RoundTrip("GET /x HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  parked->set_timeout(milliseconds(200));
  EXPECT_FALSE(parked->ReadResponse()) << "no 100 Continue before the admission";
  parked->set_timeout(milliseconds(3000));
  std::thread([this] { handler_.ResumePending(http::Admission::Accept()); }).join();
  auto interim = parked->ReadResponse();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  r = parked->RoundTrip("hello");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body.substr(r->body.size() - 6), "\nhello");
}

// A deferred response (HttpResponse::Later) delivered from another thread reaches the client; the
// requests pipelined behind it on the same connection are answered after it, in order, and
// another connection is served meanwhile by the same (single) reactor.
TEST_F(HttpServerTest, DeferredResponseArrivesFromAnotherThreadInOrder) {
  server_.reset();
  config_.workers = 1;
  StartServer();
  auto c = Connect();
  ASSERT_TRUE(
      c->Send("POST /later1 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
              "GET /next HTTP/1.1\r\nHost: x\r\n\r\n"
              "POST /later2 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"
              "GET /last HTTP/1.1\r\nHost: x\r\n\r\n"));
  for (int i = 0; i < 500 && handler_.LaterCount() == 0; ++i) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  ASSERT_EQ(handler_.LaterCount(), 1);
  auto other = Connect();
  auto r = other->RoundTrip("GET /x HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(r) << "the reactor is free while the work runs";
  EXPECT_EQ(r->status, 200);
  c->set_timeout(milliseconds(200));
  EXPECT_FALSE(c->ReadResponse()) << "nothing before the deferred response";
  c->set_timeout(milliseconds(3000));
  std::thread([this] { EXPECT_EQ(handler_.DeliverLater(), 1); }).join();
  r = c->ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "later: POST /later1");
  r = c->ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body.substr(0, 9), "GET /next");
  for (int i = 0; i < 500 && handler_.LaterCount() == 0; ++i) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  std::thread([this] { EXPECT_EQ(handler_.DeliverLater(), 1); }).join();
  r = c->ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "later: POST /later2");
  r = c->ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body.substr(0, 9), "GET /last");
}

// The client leaves while its response is being prepared: the late delivery is dropped without
// harm, and graceful shutdown does not wait for it.
TEST_F(HttpServerTest, DeferredResponseToAClientThatLeft) {
  {
    auto c = Connect();
    ASSERT_TRUE(c->Send("GET /later HTTP/1.1\r\nHost: x\r\n\r\n"));
    for (int i = 0; i < 500 && handler_.LaterCount() == 0; ++i) {
      std::this_thread::sleep_for(milliseconds(10));
    }
    ASSERT_EQ(handler_.LaterCount(), 1);
  }  // closed before the answer
  std::this_thread::sleep_for(milliseconds(200));
  std::thread([this] { EXPECT_EQ(handler_.DeliverLater(), 1); }).join();
  auto r = Connect()->RoundTrip("GET /still HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  auto start = std::chrono::steady_clock::now();
  server_->Shutdown();
  // Had the dropped response stayed counted in flight, Shutdown waited the whole 3 s grace.
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(2000));
}

// Refused before its body: the answer arrives although the client has sent only part of the
// body, and the server half-closes (the client reads the answer, not a reset).
TEST_F(HttpServerTest, RefusalBeforeTheBodyReachesAClientStillSending) {
  auto c = Connect();
  ASSERT_TRUE(c->Send("PUT /refuse HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n"));
  ASSERT_TRUE(c->Send(std::string(200000, 'x')));
  auto r = c->ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  EXPECT_TRUE(c->WaitForClose(milliseconds(3000)));
  EXPECT_EQ(handler_.calls.load(), 0);
}

// Lingering is bounded: a client that keeps sending after the early answer is cut off once
// lingering_close_seconds have passed.
TEST_F(HttpServerTest, LingeringAfterARefusalIsBounded) {
  server_.reset();
  config_.lingering_close_seconds = 1;
  StartServer();
  auto c = Connect();
  ASSERT_TRUE(c->Send("PUT /refuse HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n"));
  auto r = c->ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  auto start = std::chrono::steady_clock::now();
  bool cut = false;
  while (!cut && std::chrono::steady_clock::now() - start < std::chrono::seconds(5)) {
    cut = !c->Send(std::string(4096, 'x'));
    std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_TRUE(cut) << "still accepting bytes after 5 s";
}

TEST_F(HttpServerTest, LimitsAndMalformedRequestsCloseTheConnection) {
  struct Case {
    std::string request;
    int status;
  } cases[] = {
      {"GET /x HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(5000, 'a') + "\r\n\r\n", 431},
      {"PUT /x HTTP/1.1\r\nHost: x\r\nContent-Length: 3000000\r\n\r\n", 413},
      {"PUT /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n200000\r\n" +
           std::string(0x200000, 'c') + "\r\n1\r\nc\r\n0\r\n\r\n",
       413},
      {"GET /x HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n", 400},
      {"FROB /x HTTP/1.1\r\nHost: x\r\n\r\n", 501},
      {"garbage\r\n\r\n", 400},
      {"GET /x HTTP/9.9\r\nHost: x\r\n\r\n", 505},
      {"GET /x HTTP/1.1\r\n\r\n", 400},
      {"GET /x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
      {"PUT /x HTTP/1.1\r\nHost: x\r\nContent-Length : 1\r\n\r\na", 400},
  };
  for (const auto& c : cases) {
    auto client = Connect();
    client->Send(c.request);
    auto r = client->ReadResponse();
    ASSERT_TRUE(r) << c.status;
    EXPECT_EQ(r->status, c.status);
    EXPECT_EQ(r->Header("Connection"), "close");
    EXPECT_TRUE(client->WaitForClose(milliseconds(2000))) << c.status;
  }
  EXPECT_EQ(handler_.calls.load(), 0);
}

TEST_F(HttpServerTest, FillsRequestAndRejectsTraversal) {
  auto c = Connect();
  auto r = c->RoundTrip("GET http://h:1/a%40b//c?x=1 HTTP/1.1\r\nHost: x\r\nX-Test: v\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body.substr(0, r->body.find('\n')), "GET /a@b/c q=x=1 raw=/a%40b//c v=1.1");
  EXPECT_NE(r->body.find("X-Test: v\n"), std::string::npos);
  for (const char* target : {"/a/../etc/passwd", "/a%2F..%2Fb", "/%2e%2e/x"}) {
    r = c->RoundTrip("GET " + std::string(target) + " HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_TRUE(r) << target;
    EXPECT_EQ(r->status, 400) << target;
  }
  EXPECT_EQ(handler_.calls.load(), 1);
}

TEST_F(HttpServerTest, HeadHasLengthButNoBody) {
  auto c = Connect();
  auto r = c->RoundTrip("HEAD /h HTTP/1.1\r\nHost: x\r\n\r\n", /*head=*/true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->Header("Content-Length"),
            std::to_string(std::string("HEAD /h q= raw=/h v=1.1\nHost: x\n\n").size()));
  EXPECT_TRUE(r->body.empty());
  r = c->RoundTrip("GET /after HTTP/1.1\r\nHost: x\r\n\r\n");  // no stray body bytes in between
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body.substr(0, 10), "GET /after");
}

TEST_F(HttpServerTest, HandlerExceptionGives500AndKeepsServing) {
  auto c = Connect();
  auto r = c->RoundTrip("GET /throw HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  r = c->RoundTrip("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(HttpServerTest, GzipsWhenAccepted) {
  auto c = Connect();
  auto r = c->RoundTrip("GET /xml/5000 HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->Header("Content-Encoding"), "gzip");
  EXPECT_EQ(r->Header("Vary"), "Accept-Encoding");
  EXPECT_LT(r->body.size(), 200u);
  r = c->RoundTrip("GET /xml/5000 HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->Header("Content-Encoding"));
  EXPECT_EQ(r->body.size(), 5000u);
}

TEST_F(HttpServerTest, IncompleteRequestGets408) {
  auto headers = Connect();
  ASSERT_TRUE(headers->Send("GET /slow HTTP/1.1\r\nHost: x\r\n"));
  auto body = Connect();
  ASSERT_TRUE(body->Send("PUT /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc"));
  auto start = std::chrono::steady_clock::now();
  for (auto* c : {headers.get(), body.get()}) {
    auto r = c->ReadResponse();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 408);
    EXPECT_EQ(r->Header("Connection"), "close");
    EXPECT_TRUE(c->WaitForClose(milliseconds(2000)));
  }
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(700));
  EXPECT_EQ(handler_.calls.load(), 0);
}

TEST_F(HttpServerTest, IdleConnectionIsClosedSilently) {
  auto c = Connect();
  ASSERT_TRUE(c->RoundTrip("GET /a HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(c->WaitForClose(milliseconds(2500)));
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(700));
  EXPECT_EQ(c->ReadAll(), "");
}

TEST_F(HttpServerTest, SlowClientDoesNotBlockOthers) {
  auto slow = Connect();
  ASSERT_TRUE(slow->Send("PUT /x HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nab"));
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 10; ++i) {
    auto fast = Connect();
    auto r = fast->RoundTrip("GET /fast HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }
  // Blocked behind the slow client, they would wait for its 1 s request timeout.
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(900));
}

TEST_F(HttpServerTest, ShutdownLetsInFlightRequestsFinish) {
  // The idle connection first: a held request blocks its worker, and the idle connection may
  // be served by the same one.
  auto idle = Connect();
  ASSERT_TRUE(idle->RoundTrip("GET /a HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto c = Connect();
  ASSERT_TRUE(c->Send("GET /gate HTTP/1.1\r\nHost: x\r\n\r\n"));
  for (int i = 0; i < 500 && !handler_.entered.load(); ++i)
    std::this_thread::sleep_for(milliseconds(10));
  ASSERT_TRUE(handler_.entered.load()) << "the request is being handled";
  std::thread stopper([&] { server_->Shutdown(); });
  // Draining has begun once new connections are closed at once; only then open the gate, so
  // the in-flight request finishes during the shutdown whatever the machine's load.
  bool draining = false;
  for (int i = 0; i < 100 && !draining; ++i) {
    RawClient probe(server_->port(), milliseconds(200));
    draining = !probe.connected() || probe.WaitForClose(milliseconds(100));
  }
  EXPECT_TRUE(draining);
  handler_.open.store(true);
  auto r = c->ReadResponse();
  stopper.join();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body.substr(0, 9), "GET /gate");
  EXPECT_EQ(r->Header("Connection"), "close");
  EXPECT_TRUE(idle->WaitForClose(milliseconds(1000)));
  RawClient late(server_->port(), milliseconds(500));
  EXPECT_FALSE(late.connected() && late.RoundTrip("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  server_->Shutdown();  // idempotent
}

TEST_F(HttpServerTest, ShutdownDoesNotWaitForClientsThatLeft) {
  // A client that vanishes with large responses still queued: Pistache drops those writes
  // without settling them, and the server must not count them as in flight forever.
  {
    auto c = Connect();
    std::string pipeline;
    for (int i = 0; i < 20; ++i) pipeline += "GET /xml/2000000 HTTP/1.1\r\nHost: x\r\n\r\n";
    ASSERT_TRUE(c->Send(pipeline));
    std::this_thread::sleep_for(milliseconds(300));
  }  // closed unread
  std::this_thread::sleep_for(milliseconds(300));
  auto start = std::chrono::steady_clock::now();
  server_->Shutdown();
  // With the leak, Shutdown waited for the whole 3 s grace period.
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(2000));
}

TEST_F(HttpServerTest, WritesOneAccessLogLinePerRequest) {
  server_->Shutdown();
  std::string path = ::testing::TempDir() + "/cartable_http_access_" + std::to_string(getpid());
  {
    AccessLog log(path);
    StartServer(&log);
    auto c = Connect();
    ASSERT_TRUE(c->RoundTrip(
        "GET /logged?token=s3cret HTTP/1.1\r\nHost: x\r\nAuthorization: Basic eHh4\r\n\r\n"));
    ASSERT_TRUE(c->RoundTrip("FROB /x HTTP/1.1\r\nHost: x\r\n\r\n"));
    server_->Shutdown();
  }
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  unlink(path.c_str());
  EXPECT_NE(text.find(" 127.0.0.1 alice GET /logged 200 "), std::string::npos) << text;
  EXPECT_NE(text.find(" 501 "), std::string::npos) << text;
  EXPECT_EQ(text.find("s3cret"), std::string::npos);
  EXPECT_EQ(text.find("eHh4"), std::string::npos);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2);
}

// Lingering close: a client still sending a refused body reads the 413 instead of a reset.
TEST_F(HttpServerTest, ErrorStatusReachesAClientThatKeepsSending) {
  auto c = Connect();
  ASSERT_TRUE(c->Send("PUT /big HTTP/1.1\r\nHost: x\r\nContent-Length: 50000000\r\n\r\n"));
  std::string chunk(256 << 10, 'b');
  for (int i = 0; i < 32 && c->Send(chunk); ++i) {
  }
  auto r = c->ReadResponse();
  ASSERT_TRUE(r) << "the 413 was lost";
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->Header("Connection"), "close");
  EXPECT_TRUE(c->WaitForClose(milliseconds(2000)));
  EXPECT_EQ(handler_.calls.load(), 0);
}

// Lingering is bounded: past lingering_close_bytes of discarded input the server closes.
TEST_F(HttpServerTest, LingeringCloseIsBoundedInBytes) {
  server_->Shutdown();
  config_.lingering_close_seconds = 30;
  config_.lingering_close_bytes = 1 << 20;
  StartServer();
  auto c = Connect();
  ASSERT_TRUE(c->Send("PUT /big HTTP/1.1\r\nHost: x\r\nContent-Length: 90000000\r\n\r\n"));
  std::string chunk(256 << 10, 'b');
  int sent = 0;
  while (sent < 200 && c->Send(chunk)) ++sent;  // 50 MB at most
  EXPECT_LT(sent, 200) << "the server kept reading";
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(c->WaitForClose(milliseconds(5000)));
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(5000));
}

// Lingering is bounded in time too: a client that goes on sending after reading the status
// is cut off once lingering_close_seconds (2 s here) have passed.
TEST_F(HttpServerTest, LingeringCloseIsBoundedInTime) {
  auto c = Connect();
  ASSERT_TRUE(c->Send("PUT /big HTTP/1.1\r\nHost: x\r\nContent-Length: 90000000\r\n\r\nabc"));
  auto r = c->ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  auto start = std::chrono::steady_clock::now();
  bool cut = false;
  while (!cut && std::chrono::steady_clock::now() - start < milliseconds(6000)) {
    cut = !c->Send(std::string(1024, 'b'));
    std::this_thread::sleep_for(milliseconds(50));
  }
  EXPECT_TRUE(cut);
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(1000));
}

// [limits] max_connections_per_address: one more connection from the same address gets 503 with
// Retry-After and is closed; other addresses and the admitted connections are still served, and
// closing a connection frees its place.
TEST_F(HttpServerTest, LimitsConnectionsPerAddress) {
  server_->Shutdown();
  config_.max_connections_per_address = 3;
  config_.idle_timeout_seconds = 30;
  StartServer();
  std::vector<std::unique_ptr<RawClient>> mine;
  for (int i = 0; i < 3; ++i) {
    mine.push_back(Connect());
    ASSERT_TRUE(mine.back()->RoundTrip("GET /a HTTP/1.1\r\nHost: x\r\n\r\n")) << i;
  }
  auto extra = Connect();
  auto r = extra->ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->Header("Retry-After"), "10");
  EXPECT_EQ(r->Header("Connection"), "close");
  EXPECT_TRUE(extra->WaitForClose(milliseconds(2000)));

  RawClient other(server_->port(), milliseconds(3000), "127.0.0.1", "127.0.0.2");
  ASSERT_TRUE(other.connected());
  r = other.RoundTrip("GET /other HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  for (auto& c : mine) {
    r = c->RoundTrip("GET /b HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }
  mine.pop_back();  // closed: its place is released once the server sees the close
  bool admitted = false;
  for (int i = 0; i < 40 && !admitted; ++i) {
    std::this_thread::sleep_for(milliseconds(50));
    auto again = Connect();
    auto a = again->RoundTrip("GET /again HTTP/1.1\r\nHost: x\r\n\r\n");
    admitted = a && a->status == 200;
  }
  EXPECT_TRUE(admitted);
}

// A trusted proxy's connections carry many clients: max_connections_per_address does not
// apply to them (max_connections still does), while other addresses keep their limit.
TEST_F(HttpServerTest, TrustedProxiesAreExemptFromThePerAddressLimit) {
  server_->Shutdown();
  config_.max_connections_per_address = 2;
  config_.max_connections = 8;
  config_.idle_timeout_seconds = 30;
  ASSERT_EQ(AddressSet::Parse("127.0.0.1", &config_.trusted_proxies), "");
  StartServer();
  auto from = [&](const char* address) {
    return std::make_unique<RawClient>(server_->port(), milliseconds(3000), "127.0.0.1", address);
  };
  std::vector<std::unique_ptr<RawClient>> open;
  for (int i = 0; i < 5; ++i) {
    open.push_back(from("127.0.0.1"));
    auto r = open.back()->RoundTrip("GET /p HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(r->status, 200) << "proxy connection " << i;
  }
  for (int i = 0; i < 2; ++i) {
    open.push_back(from("127.0.0.2"));
    auto r = open.back()->RoundTrip("GET /o HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(r->status, 200) << i;
  }
  auto refused = from("127.0.0.2");
  auto r = refused->ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503) << "an untrusted address keeps max_connections_per_address";
  open.push_back(from("127.0.0.1"));
  r = open.back()->RoundTrip("GET /p HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << "the 8th connection in all";
  auto over = from("127.0.0.1");
  r = over->ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503) << "max_connections holds for the proxy too";
}

TEST_F(HttpServerTest, LimitsConnectionsInTotal) {
  server_->Shutdown();
  config_.max_connections = 2;
  config_.idle_timeout_seconds = 30;
  StartServer();
  auto a = Connect();
  ASSERT_TRUE(a->RoundTrip("GET /a HTTP/1.1\r\nHost: x\r\n\r\n"));
  RawClient b(server_->port(), milliseconds(3000), "127.0.0.1", "127.0.0.2");
  ASSERT_TRUE(b.RoundTrip("GET /b HTTP/1.1\r\nHost: x\r\n\r\n"));
  RawClient c(server_->port(), milliseconds(3000), "127.0.0.1", "127.0.0.3");
  auto r = c.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_TRUE(c.WaitForClose(milliseconds(2000)));
  r = a->RoundTrip("GET /still HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

// Peak resident memory of this process (VmHWM), after resetting it.
uint64_t ReadStatusKb(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with(field)) return std::stoull(line.substr(std::strlen(field)));
  }
  return 0;
}

// A client pipelines 100 GETs of a 2 MB object and reads nothing: the server stops parsing
// its requests once max_queued_output_bytes is queued, so memory stays bounded and another
// client is served at once; then the slow client gets every response, whole and in order.
TEST_F(HttpServerTest, SlowReaderOfPipelinedResponsesHasBoundedOutput) {
  server_->Shutdown();
  config_.max_queued_output_bytes = 1 << 20;
  config_.idle_timeout_seconds = 30;
  StartServer();
  constexpr int kRequests = 100;
  constexpr size_t kSize = 2000000;
  {
    std::ofstream reset("/proc/self/clear_refs");
    reset << "5";  // resets VmHWM to the current RSS
  }
  uint64_t rss_before_kb = ReadStatusKb("VmRSS:");
  auto slow = Connect();
  std::string pipeline;
  for (int i = 0; i < kRequests; ++i) {
    pipeline += "GET /xml/" + std::to_string(kSize) + " HTTP/1.1\r\nHost: x\r\n\r\n";
  }
  ASSERT_TRUE(slow->Send(pipeline));
  std::this_thread::sleep_for(milliseconds(1000));

  auto start = std::chrono::steady_clock::now();
  auto other = Connect();
  auto r = other->RoundTrip("GET /fast HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(2000));

  // Without the bound all 100 responses (200 MB, plus Pistache's copies) were built at once.
  EXPECT_LT(handler_.calls.load(), 30);
  uint64_t peak_kb = ReadStatusKb("VmHWM:");
  EXPECT_LT(peak_kb, rss_before_kb + 64 * 1024)
      << "peak RSS grew by " << (peak_kb - rss_before_kb) / 1024 << " MB";
  for (int i = 0; i < kRequests; ++i) {
    auto s = slow->ReadResponse();
    ASSERT_TRUE(s) << i;
    ASSERT_EQ(s->status, 207) << i;
    ASSERT_EQ(s->body.size(), kSize) << i;
  }
}

TEST(HttpServerIpv6Test, ListensOnIpv6Loopback) {
  Config config;
  config.listen = "[::1]:0";
  config.workers = 1;
  testing::EchoHandler handler;
  HttpServer server(config, handler, nullptr);
  std::string err = server.Start();
  if (!err.empty()) GTEST_SKIP() << "no IPv6 loopback: " << err;
  RawClient c(server.port(), milliseconds(2000), "::1");
  ASSERT_TRUE(c.connected());
  auto r = c.RoundTrip("GET /six HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

}  // namespace
}  // namespace cartable::server
