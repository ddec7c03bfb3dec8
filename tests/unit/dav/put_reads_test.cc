// What one PUT of a calendar object reads: the object it replaces once (with the target, through
// BodyRead::kForWrite) and its Schedule-Tag once (If-Schedule-Tag-Match and scheduling share
// it), however many colleagues the event invites.
#include <gtest/gtest.h>

#include "dav/methods/methods.h"
#include "dav/target.h"
#include "tests/testlib/temp_store.h"
#include "tests/unit/dav/counting_session.h"
#include "tests/unit/dav/dav_test_util.h"

namespace cartable::dav {
namespace {

constexpr const char* kEvent = "/dav/calendars/jlabert/agenda/conseil.ics";

std::string Event(const std::string& start) {
  std::string ics =
      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:conseil\r\n"
      "DTSTAMP:20261201T080000Z\r\nDTSTART:" +
      start +
      "\r\nDURATION:PT1H\r\nSUMMARY:Conseil de classe\r\n"
      "ORGANIZER;CN=Jean Labert:mailto:jean.labert@ac-orleans-tours.fr\r\n"
      "ATTENDEE;PARTSTAT=ACCEPTED:mailto:jean.labert@ac-orleans-tours.fr\r\n";
  for (const char* who : {"marie.dupont", "paul.martin", "anne.roux"}) {
    ics += std::string("ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:") + who + "@ac-orleans-tours.fr\r\n";
  }
  return ics + "END:VEVENT\r\nEND:VCALENDAR\r\n";
}

class PutReadsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    me_ = testing::AddJeanLabert(inner());
    ASSERT_NE(me_.user_id, 0);
    for (auto [login, name] : {std::pair{"mdupont", "marie.dupont"},
                               {"pmartin", "paul.martin"},
                               {"aroux", "anne.roux"}}) {
      Principal colleague =
          testing::AddUser(inner(), login, name, std::string(name) + "@ac-orleans-tours.fr");
      ASSERT_NE(colleague.user_id, 0);
    }
    ASSERT_TRUE(EnsureHome(inner(), "/dav/calendars/jlabert/", me_).ok());
  }

  // One PUT as the dispatcher runs it: resolve (with the body PUT asks for), then the handler.
  int Put(const std::string& body) {
    auto txn = counting_.Begin(true);
    EXPECT_TRUE(txn.ok());
    counting_.Reset();
    http::HttpRequest http;
    http.method = "PUT";
    http.path = kEvent;
    http.body = body;
    http.headers.Set("Content-Type", "text/calendar; charset=utf-8");
    Result<Target> t = Resolve(counting_, kEvent, me_, BodyRead::kForWrite);
    EXPECT_TRUE(t.ok());
    target_ = *t;
    Request req{http, me_, counting_, ctx_};
    MethodResult r = HandlePut(req, *t);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_TRUE((*txn)->Commit().ok());
    return r.ok() ? r->status : 0;
  }

  store::Session& inner() { return store_->ThreadSession(); }
  testlib::TempStore store_;
  store::CountingSession counting_{store_->ThreadSession()};
  DavContext ctx_{*store_, {}, [] { return std::chrono::system_clock::now(); }};
  Principal me_;
  Target target_;
};

TEST_F(PutReadsTest, ReplacingAScheduledEventReadsItAndItsTagOnce) {
  ASSERT_EQ(Put(Event("20261208T160000Z")), 201);
  const std::pair<store::Id, std::string> key{target_.collection.id, "conseil.ics"};
  EXPECT_EQ(counting_.object_reads[key], 1) << "a new object: one lookup, which finds nothing";

  ASSERT_EQ(Put(Event("20261208T170000Z")), 204);  // rescheduled: every colleague is told
  ASSERT_EQ(target_.type, NodeType::kObject);
  ASSERT_TRUE(target_.object.data.has_value()) << "PUT resolves the replaced object's body";
  EXPECT_EQ(counting_.object_reads[key], 1) << "the replaced object is read once";
  EXPECT_EQ(counting_.schedule_tag_reads[target_.object.id], 1) << "its Schedule-Tag once";
}

// DELETE resolves its target as PUT does (the method table asks for BodyRead::kForWrite): the
// calendar's remove hook cancels from that body instead of reading the object again.
TEST_F(PutReadsTest, DeletingAScheduledEventReadsItOnce) {
  ASSERT_EQ(Put(Event("20261208T160000Z")), 201);
  auto txn = counting_.Begin(true);
  ASSERT_TRUE(txn.ok());
  counting_.Reset();
  http::HttpRequest http;
  http.method = "DELETE";
  http.path = kEvent;
  Result<Target> t = Resolve(counting_, kEvent, me_, BodyRead::kForWrite);
  ASSERT_TRUE(t.ok());
  ASSERT_EQ(t->type, NodeType::kObject);
  ASSERT_TRUE(t->object.data.has_value()) << "DELETE resolves the calendar object's body";
  Request req{http, me_, counting_, ctx_};
  MethodResult r = HandleDelete(req, *t);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 204);
  ASSERT_TRUE((*txn)->Commit().ok());
  const std::pair<store::Id, std::string> key{t->collection.id, "conseil.ics"};
  EXPECT_EQ(counting_.object_reads[key], 1) << "the deleted object is read once";
  EXPECT_EQ(inner().GetObject(t->collection.id, "conseil.ics", false).status().code(),
            Status::Code::kNotFound);
  // The organizer's DELETE still cancels: each colleague's inbox holds a CANCEL.
  for (const char* login : {"mdupont", "pmartin", "aroux"}) {
    auto inbox = inner().GetCollection(std::string("/dav/calendars/") + login + "/inbox/");
    ASSERT_TRUE(inbox.ok()) << login;
    std::vector<std::string> names;
    Status each = inner().ForEachObject(inbox->id, [&](const store::Object& o) {
      names.push_back(o.name);
      return Status::OK();
    });
    ASSERT_TRUE(each.ok()) << each.ToString();
    bool cancelled = false;
    for (const std::string& name : names) {
      Result<store::Object> o = inner().GetObject(inbox->id, name, true);
      ASSERT_TRUE(o.ok()) << name;
      cancelled = cancelled || o->data->find("METHOD:CANCEL") != std::string::npos;
    }
    EXPECT_TRUE(cancelled) << login;
  }
}

TEST_F(PutReadsTest, PlainFilesAreNotReadWithTheirBody) {
  ASSERT_TRUE(EnsureHome(inner(), "/dav/files/jlabert/", me_).ok());
  auto home = inner().GetCollection("/dav/files/jlabert/");
  ASSERT_TRUE(home.ok());
  ASSERT_TRUE(inner().PutObject(home->id, "big.bin", "application/octet-stream", "old").ok());
  Result<Target> t = Resolve(counting_, "/dav/files/jlabert/big.bin", me_, BodyRead::kForWrite);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->type, NodeType::kObject);
  EXPECT_FALSE(t->object.data.has_value()) << "a file's old bytes are not read to replace them";
}

}  // namespace
}  // namespace cartable::dav
