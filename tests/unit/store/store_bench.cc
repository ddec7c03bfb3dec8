// SQLite store throughput (not a ctest test). Usage: store_bench [data_dir] [objects]
// Puts `objects` (default 10000) ~1 KB objects into one collection, one durable write
// transaction per put, and prints puts/s for the first and last 1000, then GetObject/s (with
// data) and ForEachObject rows/s. The default data_dir is a fresh directory under /tmp (removed
// afterwards); pass a directory on the disk you care about (tmpfs makes fsync free).
#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "dav/store/store.h"

using cartable::Result;
using cartable::Status;
using namespace cartable::store;  // NOLINT: a benchmark main

namespace {

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

int Fail(const Status& s) {
  std::fprintf(stderr, "store_bench: %s\n", s.ToString().c_str());
  return 1;
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
  const int window = std::min(1000, n);
  Result<std::unique_ptr<Store>> store = OpenSqliteStore(dir);
  if (!store.ok()) return Fail(store.status());
  Session& s = (*store)->ThreadSession();
  User u;
  u.login = "bench" + std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
  Result<Id> owner = s.CreateUser(u);
  if (!owner.ok()) return Fail(owner.status());
  Result<Collection> c = s.CreateCollection("/dav/calendars/" + u.login + "/", 0, *owner,
                                            kKindCalendar);
  if (!c.ok()) return Fail(c.status());

  std::string body(1024, 'x');
  auto start = std::chrono::steady_clock::now();
  auto window_start = start;
  for (int i = 0; i < n; ++i) {
    body.replace(0, 16, std::to_string(1000000000000000LL + i));
    Result<std::unique_ptr<Transaction>> txn = s.Begin(true);
    if (!txn.ok()) return Fail(txn.status());
    Result<Object> o = s.PutObject(c->id, "event-" + std::to_string(i) + ".ics",
                                   "text/calendar; charset=utf-8", body);
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
    Status st = s.ForEachObject(c->id, [&](const Object&) { return ++rows; });
    if (!st.ok()) return Fail(st);
  }
  std::printf("list  ForEachObject: %8.0f rows/s (%d rounds)\n", rows / Seconds(start), rounds);
  store->reset();
  if (remove) std::filesystem::remove_all(dir);
  return 0;
}
