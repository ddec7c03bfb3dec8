// The Store contract for what /readyz and /metrics read (issue 16): the schema versions, the
// mail queue's length and oldest entry, the web sessions still alive, and the wait counters.
// Run against every implementation.
#include <string>
#include <tuple>
#include <vector>

#include "tests/unit/store/store_test_fixture.h"

namespace cartable::store {
namespace {

template <typename Impl>
class StoreOperationsTest : public StoreTest<Impl> {};
TYPED_TEST_SUITE(StoreOperationsTest, StoreImplementations);

TYPED_TEST(StoreOperationsTest, SchemaVersionsAgreeAfterOpening) {
  Result<SchemaVersions> v = this->session().GetSchemaVersions();
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_GT(v->binary, 10);           // 0012_mail_claims.sql and later exist
  EXPECT_EQ(v->database, v->binary);  // opening applies every migration
}

TYPED_TEST(StoreOperationsTest, CountsQueuedMailAndLiveSessions) {
  UnixTime now = 1000;
  this->options_.clock = [&now] { return now; };
  this->Reopen();
  Session& s = this->session();
  Result<OperationalCounts> empty = s.ReadOperationalCounts(0, 0);
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_EQ(empty->mail_queued, 0);
  EXPECT_EQ(empty->mail_oldest, 0);
  EXPECT_EQ(empty->web_sessions, 0);

  QueuedMail m;
  m.envelope_from = "org@ac-orleans-tours.fr";
  m.recipient = "ext@example.org";
  m.message = "Subject: x\r\n\r\nbody";
  m.next_attempt = 5000;
  ASSERT_TRUE(s.EnqueueMail(m).ok());
  now = 1200;
  Result<Id> second = s.EnqueueMail(m);
  ASSERT_TRUE(second.ok());

  Id a = this->MakeUser("a");
  WebSession w;
  w.user_id = a;
  w.csrf_token = "csrf";
  for (auto [hash, created, seen] : {std::tuple{"old", 100, 900},   // created too long ago
                                     std::tuple{"idle", 500, 600},  // idle too long
                                     std::tuple{"live", 500, 950}}) {
    w.token_hash = hash;
    w.created_at = created;
    w.last_seen_at = seen;
    ASSERT_TRUE(s.CreateWebSession(w).ok());
  }
  // Alive: seen at 700 or later, created at 400 or later.
  Result<OperationalCounts> c = s.ReadOperationalCounts(700, 400);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->mail_queued, 2);
  EXPECT_EQ(c->mail_oldest, 1000);
  EXPECT_EQ(c->web_sessions, 1);

  // The oldest goes: the next one is the oldest.
  std::vector<QueuedMail> due = *s.DueMail(10000, 10);
  ASSERT_EQ(due.size(), 2u);
  ASSERT_TRUE(s.DeleteMail(due[0].id == *second ? due[1].id : due[0].id).ok());
  c = s.ReadOperationalCounts(0, 0);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->mail_queued, 1);
  EXPECT_EQ(c->mail_oldest, 1200);
  EXPECT_EQ(c->web_sessions, 3);
}

TYPED_TEST(StoreOperationsTest, WritesCountTheirWaitAndNothingIsBusyAlone) {
  const StoreStats& stats = this->store_->stats();
  EXPECT_EQ(stats.busy_total.load(), 0u);
  this->MakeUser("a");
  auto txn = this->session().Begin(true);
  ASSERT_TRUE(txn.ok());
  ASSERT_TRUE((*txn)->Commit().ok());
  // Every write transaction adds its wait for the write lock (a few microseconds at least).
  EXPECT_GT(stats.wait_nanoseconds_total.load(), 0u);
  EXPECT_EQ(stats.busy_total.load(), 0u);
}

// Another process (SQLite: the CLI, a backup) or node (PostgreSQL) holding the write lock past
// busy_timeout_ms: the refused write is counted as busy, and its wait too.
TYPED_TEST(StoreOperationsTest, AWriteRefusedForAnothersLockCountsAsBusy) {
  this->options_.busy_timeout_ms = 50;  // the test must not wait the production 5 s
  this->Reopen();
  this->MakeUser("a");
  Result<std::unique_ptr<Store>> other =
      TypeParam::Open(this->dir_.path() + "/data", this->options_);
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  const StoreStats& stats = this->store_->stats();
  const uint64_t waited_before = stats.wait_nanoseconds_total.load();
  {
    Result<std::unique_ptr<Transaction>> holder = (*other)->ThreadSession().Begin(true);
    ASSERT_TRUE(holder.ok()) << holder.status().ToString();
    Result<std::unique_ptr<Transaction>> refused = this->session().Begin(true);
    EXPECT_EQ(refused.status().code(), Status::Code::kUnavailable) << refused.status().ToString();
    EXPECT_EQ(stats.busy_total.load(), 1u);
    EXPECT_GT(stats.wait_nanoseconds_total.load(), waited_before);
    EXPECT_EQ((*other)->stats().busy_total.load(), 0u);  // the holder waited for nobody
  }
  // The lock is free again: the write goes through and nothing more is counted as busy.
  Result<std::unique_ptr<Transaction>> txn = this->session().Begin(true);
  ASSERT_TRUE(txn.ok()) << txn.status().ToString();
  ASSERT_TRUE((*txn)->Commit().ok());
  EXPECT_EQ(stats.busy_total.load(), 1u);
}

}  // namespace
}  // namespace cartable::store
