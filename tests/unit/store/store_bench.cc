// Store throughput (not a ctest test). Usage: store_bench [data_dir or postgresql:// URL] [objects]
// [people]
// First the staff directory (store_bench_directory.cc: `people`, default 50000; 0 skips it).
// Puts `objects` (default 10000) ~1 KB indexed events into one collection (one every 50
// minutes, so 10,000 span about a year), one durable write transaction per put, and prints
// puts/s for the first and last 1000, then for 8 threads putting 500 each at once (the group
// commit); then GetObject/s (with data), QueryObjects for one week (metadata only and with
// data) with its query plan, GetObjects of 50 names, ForEachObject rows/s and
// ForEachObjectProperty (a dead property on every 10th object). The default data_dir is a fresh
// directory under /tmp (removed afterwards); pass a directory on the disk you care about (tmpfs
// makes fsync free).
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "dav/store/sqlite_store.h"
#include "dav/store/sqlite_util.h"
#include "dav/store/store.h"

using cartable::Result;
using cartable::Status;
using namespace cartable::store;  // NOLINT: a benchmark main

namespace cartable::store {
Status BenchDirectory(Session& s, int people);  // store_bench_directory.cc
}  // namespace cartable::store

namespace {

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

int Fail(const Status& s) {
  std::fprintf(stderr, "store_bench: %s\n", s.ToString().c_str());
  return 1;
}

constexpr int64_t kYearStart = 1735689600;  // 2025-01-01T00:00:00Z
constexpr int64_t kEvery = 50 * 60;         // one event every 50 minutes
constexpr int64_t kWeek = 7 * 86400;

std::string EventName(int i) { return "event-" + std::to_string(i) + ".ics"; }

ObjectIndex EventIndex(int i) {
  ObjectIndex index;
  index.uid = "uid-" + std::to_string(i) + "@bench";
  index.component = "VEVENT";
  index.first_start = kYearStart + i * kEvery;
  index.last_end = index.first_start + 3600;
  return index;
}

// Prints SQLite's plan for the one-week query (the same SQL QueryObjects runs).
void PrintQueryPlan(const std::string& db_file) {
  Result<std::unique_ptr<Db>> db = Db::Open(db_file);
  if (!db.ok()) return;
  Result<Stmt> plan =
      (*db)->Prepare(std::string("EXPLAIN QUERY PLAN ") + QueryObjectsSql(true, false));
  if (!plan.ok()) return;
  while (plan->Step() == SQLITE_ROW) std::printf("      plan: %s\n", plan->Text(3).c_str());
}

// Runs `rounds` one-week queries spread over the year; prints queries/s and rows per query.
Status BenchWeekQueries(Session& s, Id collection_id, int n, bool with_data) {
  const int rounds = 2000;
  const int64_t span = std::max<int64_t>(int64_t{n} * kEvery - kWeek, 1);
  int64_t rows = 0;
  auto start = std::chrono::steady_clock::now();
  for (int r = 0; r < rounds; ++r) {
    ObjectQuery q;
    q.component = "VEVENT";
    q.start = kYearStart + (int64_t{r} * 7919 * 3600) % span;
    q.end = q.start + kWeek;
    q.with_data = with_data;
    Status st = s.QueryObjects(collection_id, q, [&](const Object&) {
      ++rows;
      return Status::OK();
    });
    if (!st.ok()) return st;
  }
  const double secs = Seconds(start);
  std::printf("query one week %-9s: %8.0f queries/s (%.1f us each, %.0f rows each)\n",
              with_data ? "with data" : "metadata", rounds / secs, secs * 1e6 / rounds,
              double(rows) / rounds);
  return Status::OK();
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir;
  bool remove = false;
  if (argc > 1) {
    dir = argv[1];
  } else {
    char tmpl[] = "/tmp/cartable-bench-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) return 1;
    dir = tmpl;
    remove = true;
  }
  const int n = argc > 2 ? std::atoi(argv[2]) : 10000;
  const int people = argc > 3 ? std::atoi(argv[3]) : 50000;
  const int window = std::min(1000, n);
  // A postgresql:// URL benchmarks the PostgreSQL store on that (empty) database instead.
  const bool postgres = dir.rfind("postgresql://", 0) == 0;
  if (postgres) remove = false;
  Result<std::unique_ptr<Store>> store = postgres ? OpenPostgresStore(dir) : OpenSqliteStore(dir);
  if (!store.ok()) return Fail(store.status());
  Session& s = (*store)->ThreadSession();
  if (people > 0) {
    Status st = BenchDirectory(s, people);
    if (!st.ok()) return Fail(st);
  }
  if (n <= 0) {  // the directory only
    store->reset();
    if (remove) std::filesystem::remove_all(dir);
    return 0;
  }
  User u;
  u.login = "bench" + std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
  Result<Id> owner = s.CreateUser(u);
  if (!owner.ok()) return Fail(owner.status());
  Result<Collection> c =
      s.CreateCollection("/dav/calendars/" + u.login + "/", 0, *owner, kKindCalendar);
  if (!c.ok()) return Fail(c.status());

  std::string body(1024, 'x');
  auto start = std::chrono::steady_clock::now();
  auto window_start = start;
  for (int i = 0; i < n; ++i) {
    body.replace(0, 16, std::to_string(1000000000000000LL + i));
    Result<std::unique_ptr<Transaction>> txn = s.Begin(true);
    if (!txn.ok()) return Fail(txn.status());
    Result<Object> o =
        s.PutObject(c->id, EventName(i), "text/calendar; charset=utf-8", body, EventIndex(i));
    if (!o.ok()) return Fail(o.status());
    Status st = (*txn)->Commit();
    if (!st.ok()) return Fail(st);
    if (i + 1 == window) {
      std::printf("put   first %5d: %8.0f puts/s\n", window, window / Seconds(window_start));
    }
    if (i + 1 == n - window) window_start = std::chrono::steady_clock::now();
  }
  std::printf("put   last  %5d: %8.0f puts/s (%d objects in the collection)\n", window,
              window / Seconds(window_start), n);
  std::printf("put   all   %5d: %8.0f puts/s\n", n, n / Seconds(start));

  // Durable puts from 8 threads at once (8 server workers): the group commit shares fsyncs.
  {
    constexpr int kThreads = 8;
    const int each = std::max(window / 2, 1);
    std::atomic<bool> failed{false};
    std::vector<std::thread> threads;
    start = std::chrono::steady_clock::now();
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        Session& ts = (*store)->ThreadSession();
        for (int i = 0; i < each && !failed; ++i) {
          const int k = n + t * each + i;
          Result<std::unique_ptr<Transaction>> txn = ts.Begin(true);
          if (!txn.ok() ||
              !ts.PutObject(c->id, EventName(k), "text/calendar", body, EventIndex(k)).ok() ||
              !(*txn)->Commit().ok()) {
            failed = true;
          }
        }
      });
    }
    for (std::thread& t : threads) t.join();
    if (failed) return Fail(Status::Internal("a concurrent put failed"));
    std::printf("put   %d threads %5d: %8.0f puts/s\n", kThreads, kThreads * each,
                kThreads * each / Seconds(start));
  }

  start = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) {
    Result<Object> o = s.GetObject(c->id, "event-" + std::to_string((i * 7919) % n) + ".ics", true);
    if (!o.ok()) return Fail(o.status());
  }
  std::printf("get   (with data)  : %8.0f gets/s\n", n / Seconds(start));

  const int rounds = 20;
  int64_t rows = 0;
  start = std::chrono::steady_clock::now();
  for (int r = 0; r < rounds; ++r) {
    Status st = s.ForEachObject(c->id, [&](const Object&) {
      ++rows;
      return Status::OK();
    });
    if (!st.ok()) return Fail(st);
  }
  std::printf("list  ForEachObject: %8.0f rows/s (%d rounds)\n", rows / Seconds(start), rounds);

  PrintQueryPlan(dir + "/cartable.db");
  for (bool with_data : {false, true}) {
    Status st = BenchWeekQueries(s, c->id, n, with_data);
    if (!st.ok()) return Fail(st);
  }

  const int multigets = 2000;
  rows = 0;
  start = std::chrono::steady_clock::now();
  for (int r = 0; r < multigets; ++r) {
    std::vector<std::string> names;
    for (int k = 0; k < 50; ++k) names.push_back(EventName((r * 50 + k) * 7919 % n));
    Result<std::vector<Object>> got = s.GetObjects(c->id, names, true);
    if (!got.ok()) return Fail(got.status());
    rows += static_cast<int64_t>(got->size());
  }
  std::printf("multiget 50 names  : %8.0f calls/s (with data, %.0f found each)\n",
              multigets / Seconds(start), double(rows) / multigets);

  {
    Result<std::unique_ptr<Transaction>> txn = s.Begin(true);
    if (!txn.ok()) return Fail(txn.status());
    Status st;
    std::vector<Id> ids;
    st = s.ForEachObject(c->id, [&](const Object& o) {
      if (o.id % 10 == 0) ids.push_back(o.id);
      return Status::OK();
    });
    for (Id id : ids) {
      if (st.ok()) st = s.SetProperty(Owner::kObject, id, {"urn:bench", "color", "<b:color/>"});
    }
    if (st.ok()) st = (*txn)->Commit();
    if (!st.ok()) return Fail(st);
  }
  rows = 0;
  start = std::chrono::steady_clock::now();
  for (int r = 0; r < rounds; ++r) {
    Status st = s.ForEachObjectProperty(c->id, [&](Id, const DeadProperty&) {
      ++rows;
      return Status::OK();
    });
    if (!st.ok()) return Fail(st);
  }
  std::printf("props ForEachObjectProperty: %.2f ms/call (%.0f properties each, %d objects)\n",
              Seconds(start) * 1e3 / rounds, double(rows) / rounds, n);
  store->reset();
  if (remove) std::filesystem::remove_all(dir);
  return 0;
}
