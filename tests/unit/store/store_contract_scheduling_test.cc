// The Store contract for scheduling: schedule tags follow their object, and the mail queue
// hands back due mail in order. Run against every implementation.
#include <string>
#include <vector>

#include "tests/unit/store/store_test_fixture.h"

namespace cartable::store {
namespace {

using Code = Status::Code;

template <typename Impl>
class StoreSchedulingTest : public StoreTest<Impl> {};
TYPED_TEST_SUITE(StoreSchedulingTest, StoreImplementations);

TYPED_TEST(StoreSchedulingTest, ScheduleTagFollowsTheObject) {
  Session& s = this->session();
  Id owner = this->MakeUser("a");
  Collection cal = this->MakeCollection("/dav/calendars/a/", 0, owner, kKindCalendarHome);
  Result<Object> o = s.PutObject(cal.id, "e.ics", "text/calendar", "v1");
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(*s.GetScheduleTag(o->id), "");
  ASSERT_TRUE(s.SetScheduleTag(o->id, "\"t1\"").ok());
  EXPECT_EQ(*s.GetScheduleTag(o->id), "\"t1\"");
  // Replacing the content keeps the tag (the scheduling layer decides when it changes).
  ASSERT_TRUE(s.PutObject(cal.id, "e.ics", "text/calendar", "v2").ok());
  EXPECT_EQ(*s.GetScheduleTag(o->id), "\"t1\"");
  ASSERT_TRUE(s.SetScheduleTag(o->id, "\"t2\"").ok());
  EXPECT_EQ(*s.GetScheduleTag(o->id), "\"t2\"");
  ASSERT_TRUE(s.SetScheduleTag(o->id, "").ok());
  EXPECT_EQ(*s.GetScheduleTag(o->id), "");
  ASSERT_TRUE(s.SetScheduleTag(o->id, "\"t3\"").ok());
  ASSERT_TRUE(s.DeleteObject(cal.id, "e.ics").ok());
  EXPECT_EQ(s.GetScheduleTag(o->id).status().code(), Code::kNotFound);
  EXPECT_EQ(s.SetScheduleTag(o->id, "\"t4\"").code(), Code::kNotFound);
  // A new object never inherits a deleted one's tag.
  Result<Object> again = s.PutObject(cal.id, "e.ics", "text/calendar", "v3");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*s.GetScheduleTag(again->id), "");
}

TYPED_TEST(StoreSchedulingTest, ScheduleTagRollsBackWithTheTransaction) {
  Session& s = this->session();
  Id owner = this->MakeUser("a");
  Collection cal = this->MakeCollection("/dav/calendars/a/", 0, owner, kKindCalendarHome);
  Result<Object> o = s.PutObject(cal.id, "e.ics", "text/calendar", "v1");
  ASSERT_TRUE(o.ok());
  {
    auto txn = s.Begin(true);
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE(s.SetScheduleTag(o->id, "\"t1\"").ok());
  }  // rolled back
  EXPECT_EQ(*s.GetScheduleTag(o->id), "");
}

TYPED_TEST(StoreSchedulingTest, MailQueueOrderAndRetries) {
  Session& s = this->session();
  QueuedMail m;
  m.envelope_from = "org@ac-orleans-tours.fr";
  m.recipient = "ext@example.org";
  m.message = std::string("Subject: x\r\n\r\nbody\0bytes", 24);
  m.origin_collection = 7;
  m.origin_name = "e.ics";
  m.next_attempt = 100;
  Result<Id> first = s.EnqueueMail(m);
  ASSERT_TRUE(first.ok());
  m.recipient = "other@example.org";
  m.next_attempt = 50;
  Result<Id> second = s.EnqueueMail(m);
  ASSERT_TRUE(second.ok());
  EXPECT_NE(*first, *second);

  EXPECT_TRUE(s.DueMail(49, 10)->empty());
  std::vector<QueuedMail> due = *s.DueMail(100, 10);
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].id, *second);  // the earliest attempt first
  EXPECT_EQ(due[1].recipient, "ext@example.org");
  EXPECT_EQ(due[1].message, std::string("Subject: x\r\n\r\nbody\0bytes", 24));
  EXPECT_EQ(due[1].origin_collection, 7);
  EXPECT_EQ(due[1].origin_name, "e.ics");
  EXPECT_EQ(due[1].attempts, 0);
  EXPECT_EQ(s.DueMail(100, 1)->size(), 1u);

  ASSERT_TRUE(s.RescheduleMail(*second, 500, "relay down").ok());
  due = *s.DueMail(100, 10);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].id, *first);
  due = *s.DueMail(500, 10);
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[1].attempts, 1);
  EXPECT_EQ(due[1].last_error, "relay down");

  ASSERT_TRUE(s.DeleteMail(*first).ok());
  ASSERT_TRUE(s.DeleteMail(*first).ok());  // absent: still OK
  EXPECT_EQ(s.DueMail(1000, 10)->size(), 1u);
}

}  // namespace
}  // namespace cartable::store
