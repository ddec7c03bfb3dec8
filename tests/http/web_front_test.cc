// WebFront without sockets: slow rows go to the slow runner and answer through deliver_later;
// a full queue is 503 + Retry-After; rows without deliver_later (a direct caller) run inline.
#include <gtest/gtest.h>

#include <thread>

#include "directory/account_service.h"
#include "directory/secret_key.h"
#include "server/web/web.h"
#include "tests/testlib/temp_store.h"

namespace cartable::server::web {
namespace {

class WebFrontTest : public ::testing::Test {
 protected:
  WebFrontTest()
      : key_(directory::SecretKey::FromBytes(std::string(32, 'k'))),
        accounts_(*store_, key_, directory::AccountOptions{}) {
    table_.Add({"/lent", "POST", Access::kAnonymous, true, [this](WebRequest& r) {
                  handler_thread_ = std::this_thread::get_id();
                  return Json(200, {{"champ", r.Field("champ")}});
                }});
  }
  http::HttpRequest Post(const std::string& body) {
    http::HttpRequest r;
    r.method = "POST";
    r.path = r.target = "/lent";
    r.headers.Set("Host", "localhost");
    r.headers.Set("Content-Type", "application/x-www-form-urlencoded");
    r.headers.Set("Cookie", "cartable_csrf=ABCDEFGHIJKLMNOP");
    r.body = body;
    return r;
  }

  testlib::TempStore store_;
  directory::SecretKey key_;
  directory::AccountService accounts_;
  Config config_;
  PageTable table_;
  std::thread::id handler_thread_;
};

TEST_F(WebFrontTest, SlowRowRunsOnTheRunnerAndAnswersLater) {
  std::thread worker;
  WebFront front(accounts_, table_, config_, [&](std::function<void()> job) {
    worker = std::thread(std::move(job));
    return true;
  });
  http::HttpRequest request = Post("csrf=ABCDEFGHIJKLMNOP&champ=valeur");
  std::optional<http::HttpResponse> delivered;
  request.deliver_later = [&](http::HttpResponse r) { delivered = std::move(r); };
  http::HttpResponse now = front.Serve(request, 0);
  EXPECT_TRUE(now.later);
  worker.join();
  ASSERT_TRUE(delivered);
  EXPECT_EQ(delivered->status, 200);
  EXPECT_NE(delivered->body.find("\"valeur\""), std::string::npos);
  EXPECT_NE(handler_thread_, std::this_thread::get_id()) << "not on the caller's (reactor) thread";
}

TEST_F(WebFrontTest, FullQueueIs503WithRetryAfter) {
  WebFront front(accounts_, table_, config_, [](std::function<void()>) { return false; });
  http::HttpRequest request = Post("csrf=ABCDEFGHIJKLMNOP&champ=x");
  request.deliver_later = [](http::HttpResponse) { ADD_FAILURE() << "nothing to deliver"; };
  http::HttpResponse r = front.Serve(request, 0);
  EXPECT_FALSE(r.later);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.headers.Get("Retry-After").value_or(""), "1");
}

TEST_F(WebFrontTest, CsrfIsCheckedBeforeQueueing) {
  bool queued = false;
  WebFront front(accounts_, table_, config_, [&](std::function<void()>) {
    queued = true;
    return true;
  });
  http::HttpRequest request = Post("csrf=WRONGWRONGWRONGWR&champ=x");
  request.deliver_later = [](http::HttpResponse) {};
  EXPECT_EQ(front.Serve(request, 0).status, 403);
  EXPECT_FALSE(queued) << "a refused request costs no hash";
}

TEST_F(WebFrontTest, WithoutDeliverLaterTheRowRunsInline) {
  WebFront front(accounts_, table_, config_, [](std::function<void()>) { return false; });
  http::HttpRequest request = Post("csrf=ABCDEFGHIJKLMNOP&champ=y");
  http::HttpResponse r = front.Serve(request, 0);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(handler_thread_, std::this_thread::get_id());
}

TEST_F(WebFrontTest, UnknownMethodIs405WithAllow) {
  WebFront front(accounts_, table_, config_, {});
  http::HttpRequest request = Post("");
  request.method = "GET";
  http::HttpResponse r = front.Serve(request, 0);
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.headers.Get("Allow").value_or(""), "POST");
}

}  // namespace
}  // namespace cartable::server::web
