// The Store contract for the change log's retention (ChangeRetention: pruning by count and by age,
// the floor below which ChangesSince answers kNotFound) and for visitors (StopVisit, errors
// raised inside a visitor reach the caller), against every implementation.
#include "tests/unit/store/store_test_fixture.h"

namespace cartable::store {
namespace {

using Code = Status::Code;

// "name" or "name-" (deleted) per change, oldest first.
std::vector<std::string> Names(const Result<std::vector<Change>>& changes) {
  std::vector<std::string> out;
  if (!changes.ok()) return {"<" + changes.status().ToString() + ">"};
  for (const Change& c : *changes) out.push_back(c.name + (c.deleted ? "-" : ""));
  return out;
}

template <typename Impl>
class StoreChangesTest : public StoreTest<Impl> {
 protected:
  // Reopens the store with `retention` and the test's clock, and makes one collection.
  void Open(ChangeRetention retention) {
    this->options_.retention = retention;
    this->options_.clock = [this] { return now_; };
    this->Reopen();
    owner_ = this->MakeUser("a");
    coll_ = this->MakeCollection("/dav/files/a/", 0, owner_, kKindFilesHome);
  }
  Result<std::vector<Change>> Since(int64_t seq) {
    return this->session().ChangesSince(coll_.id, seq);
  }

  UnixTime now_ = 1'800'000'000;
  Id owner_ = 0;
  Collection coll_;
};
TYPED_TEST_SUITE(StoreChangesTest, StoreImplementations);

TYPED_TEST(StoreChangesTest, CountLimitRaisesTheFloor) {
  this->Open({.max_entries = 3, .max_age_seconds = 0});
  for (const char* n : {"a", "b", "c"}) this->Put(this->coll_.id, n, n);
  EXPECT_EQ(Names(this->Since(0)), (std::vector<std::string>{"a", "b", "c"})) << "at the limit";
  this->Put(this->coll_.id, "d", "d");
  ASSERT_TRUE(this->session().DeleteObject(this->coll_.id, "a").ok());  // seq 5
  // Seqs 1 and 2 are gone: the floor is 2, so tokens 0 and 1 are no longer answerable.
  EXPECT_EQ(this->Since(0).status().code(), Code::kNotFound);
  EXPECT_EQ(this->Since(1).status().code(), Code::kNotFound);
  // A token at the floor or above still gets exactly the changes after it.
  EXPECT_EQ(Names(this->Since(2)), (std::vector<std::string>{"c", "d", "a-"}));
  EXPECT_EQ(Names(this->Since(4)), (std::vector<std::string>{"a-"}));
  EXPECT_TRUE(this->Since(5)->empty());
  EXPECT_EQ(this->Since(6).status().code(), Code::kNotFound) << "beyond sync_seq";
  // The floor survives a restart.
  this->Reopen();
  EXPECT_EQ(this->Since(1).status().code(), Code::kNotFound);
  EXPECT_EQ(Names(this->Since(2)), (std::vector<std::string>{"c", "d", "a-"}));
}

TYPED_TEST(StoreChangesTest, AgeLimitPrunesOnTheNextWrite) {
  this->Open({.max_entries = 0, .max_age_seconds = 100});
  this->Put(this->coll_.id, "a", "1");  // seq 1 at t
  this->now_ += 50;
  this->Put(this->coll_.id, "b", "1");  // seq 2 at t+50
  this->now_ += 60;
  // Nothing is pruned without a write: a's entry is 110 s old but still answers.
  EXPECT_EQ(Names(this->Since(0)), (std::vector<std::string>{"a", "b"}));
  this->Put(this->coll_.id, "c", "1");  // seq 3 at t+110: a (older than 100 s) goes
  EXPECT_EQ(this->Since(0).status().code(), Code::kNotFound);
  EXPECT_EQ(Names(this->Since(1)), (std::vector<std::string>{"b", "c"}));
  this->now_ += 1000;
  ASSERT_TRUE(this->session().Touch(this->coll_.id, "a", false).ok());  // seq 4: b, c go
  EXPECT_EQ(this->Since(2).status().code(), Code::kNotFound);
  EXPECT_EQ(Names(this->Since(3)), (std::vector<std::string>{"a"}));
}

TYPED_TEST(StoreChangesTest, NoLimitsKeepEverything) {
  this->Open({.max_entries = 0, .max_age_seconds = 0});
  for (int i = 0; i < 30; ++i) {
    this->Put(this->coll_.id, "x", std::to_string(i));
    this->now_ += 86400 * 365;
  }
  Result<std::vector<Change>> all = this->Since(0);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(Names(all), (std::vector<std::string>{"x"}));
  EXPECT_EQ(all->front().seq, 30);
}

TYPED_TEST(StoreChangesTest, DefaultsKeepARecentLog) {
  this->Open(ChangeRetention{});
  for (int i = 0; i < 50; ++i) this->Put(this->coll_.id, "f" + std::to_string(i), "x");
  EXPECT_EQ(this->Since(0)->size(), 50u);
}

TYPED_TEST(StoreChangesTest, PruningRollsBackWithItsTransaction) {
  this->Open({.max_entries = 1, .max_age_seconds = 0});
  this->Put(this->coll_.id, "a", "1");
  {
    Result<std::unique_ptr<Transaction>> txn = this->session().Begin(true);
    ASSERT_TRUE(txn.ok());
    this->Put(this->coll_.id, "b", "1");
    EXPECT_EQ(this->Since(0).status().code(), Code::kNotFound) << "pruned inside the transaction";
  }  // rolled back
  EXPECT_EQ(Names(this->Since(0)), (std::vector<std::string>{"a"}));
}

TYPED_TEST(StoreChangesTest, VisitorsStopEarlyAndPassErrorsThrough) {
  this->Open(ChangeRetention{});
  Session& s = this->session();
  for (const char* n : {"a", "b", "c"}) this->Put(this->coll_.id, n, n);
  for (const char* n : {"a", "b"}) {
    Result<Object> o = s.GetObject(this->coll_.id, n, false);
    ASSERT_TRUE(o.ok());
    ASSERT_TRUE(s.SetProperty(Owner::kObject, o->id, {"urn:x", "p", "<x:p/>"}).ok());
  }
  const Status boom = Status::Conflict("raised by the visitor");
  int calls = 0;
  Status st = s.ForEachObject(this->coll_.id, [&](const Object&) {
    ++calls;
    return boom;
  });
  EXPECT_EQ(st.code(), Code::kConflict);
  EXPECT_EQ(st.message(), "raised by the visitor");
  EXPECT_EQ(calls, 1) << "the walk ends at the error";

  calls = 0;
  st = s.QueryObjects(this->coll_.id, ObjectQuery{}, [&](const Object& o) {
    ++calls;
    return o.name == "b" ? Status::Unavailable("busy", 3) : Status::OK();
  });
  EXPECT_EQ(st.code(), Code::kUnavailable);
  EXPECT_EQ(st.retry_after_seconds(), 3);
  EXPECT_EQ(calls, 2);

  calls = 0;
  st = s.ForEachObjectProperty(this->coll_.id, [&](Id, const DeadProperty&) {
    ++calls;
    return boom;
  });
  EXPECT_EQ(st.code(), Code::kConflict);
  EXPECT_EQ(calls, 1);

  calls = 0;
  st = s.ForEachObjectProperty(this->coll_.id, [&](Id, const DeadProperty&) {
    ++calls;
    return StopVisit();
  });
  EXPECT_TRUE(st.ok()) << "StopVisit is not an error: " << st.ToString();
  EXPECT_EQ(calls, 1);

  calls = 0;
  st = s.QueryObjects(this->coll_.id, ObjectQuery{}, [&](const Object&) {
    ++calls;
    return StopVisit();
  });
  EXPECT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace cartable::store
