// SQLite only: the group commit (dav/store/sqlite_commit.cc) keeps the store's contract, "Commit
// returns OK only once the write is durable".
//  - A writer process killed with SIGKILL mid-stream loses no write it acknowledged (crash
//    consistency of the process; the page cache survives, so this cannot show a power loss).
//  - What covers a power loss is the order "fsync of the WAL, then the acknowledgement": a VFS
//    shim records writes and fsyncs of the -wal file, and after every acknowledged write nothing
//    written to the WAL is left unsynced.
//  - 8 threads committing at once: every write present, sync tokens dense and strictly
//    increasing, no lost update in read-modify-write transactions.
//  - A failed fsync, or a busy database, is reported to the committer, never a false OK.
// Own binary: the kill test forks, which is safe only while the process has one thread.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <filesystem>
#include <future>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "dav/store/commit_later.h"
#include "dav/store/sqlite_store.h"
#include "dav/store/sqlite_util.h"
#include "tests/testlib/temp_store.h"

namespace cartable::store {
namespace {

using testlib::TempDir;

// ---- a VFS shim that watches the -wal file ----
// The default VFS with one change: files opened with SQLITE_OPEN_WAL get a copy of their
// io_methods whose xWrite and xSync record what happened (and whose xSync can be made to fail).
// The file structure itself is the real one, so every other method runs unchanged.
struct WalWatch {
  std::atomic<int64_t> writes{0};  // xWrite calls on a -wal file
  std::atomic<int64_t> synced{0};  // the value of `writes` when the last xSync began
  std::atomic<int64_t> syncs{0};   // xSync calls on a -wal file
  std::atomic<bool> fail_sync{false};
};
WalWatch g_watch;
sqlite3_vfs g_shim;
sqlite3_vfs* g_real = nullptr;
sqlite3_io_methods g_wal_methods;
const sqlite3_io_methods* g_real_wal_methods = nullptr;

// The number of this thread's last xWrite on a -wal file (a connection writes its own frames
// in its own thread, inside COMMIT).
thread_local int64_t t_last_write = 0;

int ShimWrite(sqlite3_file* f, const void* data, int n, sqlite3_int64 offset) {
  t_last_write = g_watch.writes.fetch_add(1) + 1;
  return g_real_wal_methods->xWrite(f, data, n, offset);
}

int ShimSync(sqlite3_file* f, int flags) {
  if (g_watch.fail_sync.load()) return SQLITE_IOERR_FSYNC;
  const int64_t writes = g_watch.writes.load();
  int rc = g_real_wal_methods->xSync(f, flags);
  if (rc == SQLITE_OK) {
    g_watch.syncs.fetch_add(1);
    int64_t prev = g_watch.synced.load();
    while (prev < writes && !g_watch.synced.compare_exchange_weak(prev, writes)) {
    }
  }
  return rc;
}

int ShimOpen(sqlite3_vfs* /*vfs*/, const char* name, sqlite3_file* file, int flags, int* out) {
  int rc = g_real->xOpen(g_real, name, file, flags, out);
  if (rc == SQLITE_OK && (flags & SQLITE_OPEN_WAL) && file->pMethods != nullptr) {
    if (g_real_wal_methods == nullptr) {
      g_real_wal_methods = file->pMethods;
      g_wal_methods = *file->pMethods;
      g_wal_methods.xWrite = ShimWrite;
      g_wal_methods.xSync = ShimSync;
    }
    if (file->pMethods == g_real_wal_methods) file->pMethods = &g_wal_methods;
  }
  return rc;
}

// Makes the shim the default VFS of this process (once).
void InstallShim() {
  if (g_real != nullptr) return;
  g_real = sqlite3_vfs_find(nullptr);
  ASSERT_NE(g_real, nullptr);
  g_shim = *g_real;
  g_shim.zName = "cartable-wal-watch";
  g_shim.xOpen = ShimOpen;
  ASSERT_EQ(sqlite3_vfs_register(&g_shim, 1), SQLITE_OK);
}

struct Fixture {
  TempDir dir;
  std::unique_ptr<Store> store;
  Id collection = 0;

  std::string data_dir() const { return dir.path() + "/data"; }
  void Open(StoreOptions options = {}) {
    store.reset();
    Result<std::unique_ptr<Store>> s = OpenSqliteStore(data_dir(), options);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store = std::move(*s);
  }
  // Opens the store with a user and a collection.
  void Setup(StoreOptions options = {}) {
    Open(options);
    Session& s = store->ThreadSession();
    User u;
    u.login = "a";
    Result<Id> owner = s.CreateUser(u);
    ASSERT_TRUE(owner.ok()) << owner.status().ToString();
    Result<Collection> c = s.CreateCollection("/dav/files/a/", 0, *owner, kKindFilesHome);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    collection = c->id;
  }
};

std::string Payload(const std::string& name) { return "payload of " + name; }

// ---- the pragmas ----

TEST(SqliteDurabilityTest, CommitsDeferTheirSyncOnlyWhereThatIsSafe) {
  TempDir dir;
  // A plain file on a Linux file system: powersafe overwrite, WAL, synchronous=NORMAL (1); the
  // store's group commit syncs.
  Result<std::unique_ptr<Db>> db = Db::Open(dir.path() + "/a.db");
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  EXPECT_TRUE((*db)->defers_sync());
  EXPECT_EQ(*(*db)->QueryInt("PRAGMA synchronous"), 1);
  Result<Stmt> mode = (*db)->Prepare("PRAGMA journal_mode");
  ASSERT_TRUE(mode.ok());
  ASSERT_EQ(mode->Step(), SQLITE_ROW);
  EXPECT_EQ(mode->Text(0), "wal");
  // Without powersafe overwrite SQLite pads each synced commit to a sector: keep FULL (2), where
  // COMMIT itself fsyncs, and nothing is deferred.
  Result<std::unique_ptr<Db>> unsafe = Db::Open("file:" + dir.path() + "/b.db?psow=0");
  ASSERT_TRUE(unsafe.ok()) << unsafe.status().ToString();
  EXPECT_FALSE((*unsafe)->defers_sync());
  EXPECT_EQ(*(*unsafe)->QueryInt("PRAGMA synchronous"), 2);
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/b.db"));
}

// ---- kill -9 ----

constexpr int kChildThreads = 4;

// The child: kChildThreads writers, each acknowledged name written to `fd` as one line (a write
// of less than PIPE_BUF bytes to a pipe is atomic). Never returns.
[[noreturn]] void ChildWriter(const std::string& data_dir, Id collection, int fd) {
  Result<std::unique_ptr<Store>> store = OpenSqliteStore(data_dir);
  if (!store.ok()) _exit(2);
  std::vector<std::thread> threads;
  for (int t = 0; t < kChildThreads; ++t) {
    threads.emplace_back([&, t] {
      Session& s = (*store)->ThreadSession();
      for (int i = 0; i < 100000; ++i) {  // bounded, should the parent never kill it
        const std::string name = "w" + std::to_string(t) + "-" + std::to_string(i);
        Result<Object> put = s.PutObject(collection, name, "text/plain", Payload(name));
        const std::string line = put.ok() ? name + "\n" : "E " + put.status().ToString() + "\n";
        if (write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) _exit(3);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  _exit(0);
}

TEST(SqliteDurabilityTest, EveryAcknowledgedWriteSurvivesKill9) {
  Fixture f;
  f.Setup();
  const Id collection = f.collection;
  f.store.reset();  // no SQLite connection may cross fork()

  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(fds[0]);
    ChildWriter(f.data_dir(), collection, fds[1]);
  }
  close(fds[1]);

  // Read acknowledgements until 400 arrived, then kill the writer in the middle of its stream.
  std::set<std::string> acked;
  std::vector<std::string> errors;
  std::string buffer;
  bool killed = false;
  auto consume = [&] {
    size_t nl;
    while ((nl = buffer.find('\n')) != std::string::npos) {
      std::string line = buffer.substr(0, nl);
      buffer.erase(0, nl + 1);
      if (line.rfind("E ", 0) == 0) {
        errors.push_back(line);
      } else {
        acked.insert(line);
      }
    }
  };
  char chunk[4096];
  while (true) {
    if (!killed && acked.size() >= 400) {
      ASSERT_EQ(kill(pid, SIGKILL), 0);
      killed = true;
    }
    pollfd p{fds[0], POLLIN, 0};
    if (poll(&p, 1, 60000) <= 0) break;  // bounded: a stuck child fails below
    ssize_t n = read(fds[0], chunk, sizeof chunk);
    if (n <= 0) break;  // EOF: the child is gone (its end closed)
    buffer.append(chunk, n);
    consume();
  }
  close(fds[0]);
  if (!killed) kill(pid, SIGKILL);
  int wstatus = 0;
  ASSERT_EQ(waitpid(pid, &wstatus, 0), pid);
  ASSERT_TRUE(killed) << "the child stopped before 400 writes";
  EXPECT_TRUE(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL) << wstatus;
  EXPECT_TRUE(errors.empty()) << errors.front();
  ASSERT_GE(acked.size(), 400u);

  // Reopen (SQLite recovers the WAL left behind) and find every acknowledged write.
  f.Open();
  Session& s = f.store->ThreadSession();
  for (const std::string& name : acked) {
    Result<Object> o = s.GetObject(collection, name, true);
    ASSERT_TRUE(o.ok()) << name << ": " << o.status().ToString();
    EXPECT_EQ(*o->data, Payload(name));
  }
  Result<std::unique_ptr<Db>> db = Db::Open(f.data_dir() + "/cartable.db");
  ASSERT_TRUE(db.ok());
  Result<Stmt> check = (*db)->Prepare("PRAGMA integrity_check");
  ASSERT_TRUE(check.ok());
  ASSERT_EQ(check->Step(), SQLITE_ROW);
  EXPECT_EQ(check->Text(0), "ok");
}

// ---- fsync before acknowledgement ----

TEST(SqliteDurabilityTest, TheWalIsSyncedBeforeEveryAcknowledgement) {
  InstallShim();
  Fixture f;
  f.Setup();
  Session& s = f.store->ThreadSession();
  for (int i = 0; i < 20; ++i) {
    const std::string name = "n" + std::to_string(i);
    const int64_t writes_before = g_watch.writes.load();
    ASSERT_TRUE(s.PutObject(f.collection, name, "text/plain", Payload(name)).ok());
    // The write reached the WAL, and a sync began after the last byte written to it.
    EXPECT_GT(g_watch.writes.load(), writes_before) << name;
    EXPECT_EQ(g_watch.synced.load(), g_watch.writes.load()) << name;
  }
  // The same through an explicit transaction.
  Result<std::unique_ptr<Transaction>> txn = s.Begin(true);
  ASSERT_TRUE(txn.ok());
  ASSERT_TRUE(s.PutObject(f.collection, "in-txn", "text/plain", "x").ok());
  ASSERT_TRUE((*txn)->Commit().ok());
  EXPECT_EQ(g_watch.synced.load(), g_watch.writes.load());
  // A write transaction that wrote nothing costs no fsync.
  const int64_t syncs = g_watch.syncs.load();
  txn = s.Begin(true);
  ASSERT_TRUE(txn.ok());
  ASSERT_TRUE(s.GetObject(f.collection, "in-txn", false).ok());
  ASSERT_TRUE((*txn)->Commit().ok());
  EXPECT_EQ(g_watch.syncs.load(), syncs);

  // 8 threads at once, where one fsync serves several commits: when a commit is acknowledged,
  // an fsync has begun after the last frame its thread wrote.
  std::atomic<int> unsynced{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      Session& ts = f.store->ThreadSession();
      for (int i = 0; i < 30; ++i) {
        const std::string name = "c" + std::to_string(t) + "-" + std::to_string(i);
        if (!ts.PutObject(f.collection, name, "text/plain", Payload(name)).ok()) {
          failed.fetch_add(1);
        } else if (g_watch.synced.load() < t_last_write) {
          unsynced.fetch_add(1);
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(unsynced.load(), 0);
}

// CommitThen (a write answered later): the transaction ends before the return, and the callback
// runs exactly once, only after an fsync that began past the commit's last WAL write.
TEST(SqliteDurabilityTest, CommitThenCallsBackOnlyOnceTheCommitIsSynced) {
  InstallShim();
  Fixture f;
  f.Setup();
  std::atomic<int> unsynced{0}, failed{0}, calls{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      Session& ts = f.store->ThreadSession();
      for (int i = 0; i < 30; ++i) {
        const std::string name = "t" + std::to_string(t) + "-" + std::to_string(i);
        Result<std::unique_ptr<Transaction>> txn = ts.Begin(true);
        ASSERT_TRUE(txn.ok());
        ASSERT_TRUE(ts.PutObject(f.collection, name, "text/plain", Payload(name)).ok());
        std::promise<std::pair<Status, int64_t>> answered;
        dynamic_cast<CommitsLater&>(**txn).CommitThen([&](Status s) {
          calls.fetch_add(1);
          answered.set_value({std::move(s), g_watch.synced.load()});
        });
        // The transaction is over: this thread may begin the next one at once.
        const int64_t last_write = t_last_write;
        auto [status, synced] = answered.get_future().get();
        if (!status.ok()) {
          failed.fetch_add(1);
        } else if (synced < last_write) {
          unsynced.fetch_add(1);
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(unsynced.load(), 0);
  EXPECT_EQ(calls.load(), 8 * 30);
  for (int t = 0; t < 8; ++t) {
    for (int i = 0; i < 30; ++i) {
      const std::string name = "t" + std::to_string(t) + "-" + std::to_string(i);
      Result<Object> o = f.store->ThreadSession().GetObject(f.collection, name, true);
      ASSERT_TRUE(o.ok()) << name << ": " << o.status().ToString();
      EXPECT_EQ(*o->data, Payload(name));
    }
  }

  // A failed fsync reaches the callback, as it reaches Commit().
  Session& s = f.store->ThreadSession();
  Result<std::unique_ptr<Transaction>> txn = s.Begin(true);
  ASSERT_TRUE(txn.ok());
  ASSERT_TRUE(s.PutObject(f.collection, "n", "text/plain", "v").ok());
  g_watch.fail_sync = true;
  std::promise<Status> answered;
  dynamic_cast<CommitsLater&>(**txn).CommitThen(
      [&](Status st) { answered.set_value(std::move(st)); });
  Status st = answered.get_future().get();
  g_watch.fail_sync = false;
  EXPECT_EQ(st.code(), Status::Code::kInternal) << st.ToString();
}

TEST(SqliteDurabilityTest, AFailedSyncIsReportedAndLaterWritesAreRefused) {
  InstallShim();
  Fixture f;
  f.Setup();
  Session& s = f.store->ThreadSession();
  ASSERT_TRUE(s.PutObject(f.collection, "before", "text/plain", "v").ok());
  g_watch.fail_sync = true;
  Status put = s.PutObject(f.collection, "n", "text/plain", "v").status();
  g_watch.fail_sync = false;
  EXPECT_EQ(put.code(), Status::Code::kInternal) << put.ToString();
  EXPECT_NE(put.message().find("syncing the database log"), std::string::npos) << put.message();
  // After a failed fsync nothing proves the earlier pages reached the disk: later commits fail
  // too, through a transaction as well, until the process restarts.
  Status again = s.PutObject(f.collection, "m", "text/plain", "v").status();
  EXPECT_EQ(again.code(), Status::Code::kInternal) << again.ToString();
  Result<std::unique_ptr<Transaction>> txn = s.Begin(true);
  ASSERT_TRUE(txn.ok());
  ASSERT_TRUE(s.PutObject(f.collection, "k", "text/plain", "v").ok());  // a savepoint
  EXPECT_EQ((*txn)->Commit().code(), Status::Code::kInternal);
  // Reads go on.
  Result<Object> read = s.GetObject(f.collection, "before", true);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(*read->data, "v");
  // A new store (the restart) writes again.
  f.Open();
  EXPECT_TRUE(f.store->ThreadSession().PutObject(f.collection, "after", "text/plain", "v").ok());
}

TEST(SqliteDurabilityTest, ABusyCommitReportsTheErrorWithoutWaiting) {
  Fixture f;
  StoreOptions options;
  options.busy_timeout_ms = 20;
  f.Setup(options);
  Session& s = f.store->ThreadSession();
  Result<std::unique_ptr<Db>> other = Db::Open(f.data_dir() + "/cartable.db", 0);
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE((*other)->Exec("BEGIN IMMEDIATE").ok());
  Status put = s.PutObject(f.collection, "n", "text/plain", "v").status();
  EXPECT_EQ(put.code(), Status::Code::kUnavailable) << put.ToString();
  ASSERT_TRUE((*other)->Exec("ROLLBACK").ok());
  // The failure left no writer mutex held and no pending sequence: the next write goes through.
  ASSERT_TRUE(s.PutObject(f.collection, "n", "text/plain", "v2").ok());
  EXPECT_EQ(*s.GetObject(f.collection, "n", true)->data, "v2");
}

// ---- checkpoints ----

TEST(SqliteDurabilityTest, CheckpointsRunInTheBackgroundAndTheWalStaysBounded) {
  Fixture f;
  f.Setup();
  auto* sqlite = dynamic_cast<SqliteStore*>(f.store.get());
  ASSERT_NE(sqlite, nullptr);
  Session& s = f.store->ThreadSession();
  // 400 commits of 10 objects of 16 KiB: about 18,000 WAL frames (72 MiB), 18 checkpoint
  // thresholds. Without checkpoints the WAL would hold them all; the checkpointer copies them
  // back in the background and, past 4,000 frames, lets the WAL restart (journal_size_limit
  // then truncates it to 16 MiB).
  const std::string wal = f.data_dir() + "/cartable.db-wal";
  const std::string data(16 * 1024, 'x');
  uintmax_t largest = 0;
  for (int c = 0; c < 400; ++c) {
    Result<std::unique_ptr<Transaction>> txn = s.Begin(true);
    ASSERT_TRUE(txn.ok()) << txn.status().ToString();
    for (int i = 0; i < 10; ++i) {
      ASSERT_TRUE(
          s.PutObject(f.collection, "o" + std::to_string(c * 10 + i), "text/plain", data).ok());
    }
    ASSERT_TRUE((*txn)->Commit().ok());
    std::error_code ec;
    largest = std::max(largest, std::filesystem::file_size(wal, ec));
  }
  EXPECT_GE(sqlite->group_commit().checkpoints(), 2u);
  EXPECT_LE(largest, uintmax_t{32} << 20);  // 16 MiB, plus the commits during a checkpoint
  Result<Object> last = s.GetObject(f.collection, "o3999", true);
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(*last->data, data);
}

// ---- concurrency ----

TEST(SqliteDurabilityTest, ConcurrentCommitsAreAllDurableDenseAndOrdered) {
  Fixture f;
  f.Setup();
  Session& main = f.store->ThreadSession();
  ASSERT_TRUE(main.PutObject(f.collection, "counter", "text/plain", "0").ok());
  const int64_t seq0 = main.GetCollectionById(f.collection)->sync_seq;

  constexpr int kThreads = 8, kPuts = 40, kIncrements = 10;
  std::atomic<int> failures{0};
  std::vector<std::string> first_error(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Session& s = f.store->ThreadSession();
      auto fail = [&](const Status& st) {
        failures.fetch_add(1);
        if (first_error[t].empty()) first_error[t] = st.ToString();
      };
      for (int i = 0; i < kPuts; ++i) {
        const std::string name = "t" + std::to_string(t) + "-" + std::to_string(i);
        Result<Object> put = s.PutObject(f.collection, name, "text/plain", Payload(name));
        if (!put.ok()) fail(put.status());
        if (i % (kPuts / kIncrements) != 0) continue;
        // Read-modify-write of a shared counter: the write transaction must see the latest value.
        Result<std::unique_ptr<Transaction>> txn = s.Begin(true);
        if (!txn.ok()) {
          fail(txn.status());
          continue;
        }
        Result<Object> counter = s.GetObject(f.collection, "counter", true);
        if (!counter.ok()) {
          fail(counter.status());
          continue;
        }
        const std::string next = std::to_string(std::stoi(*counter->data) + 1);
        Result<Object> put2 = s.PutObject(f.collection, "counter", "text/plain", next);
        if (!put2.ok()) fail(put2.status());
        if (Status c = (*txn)->Commit(); !c.ok()) fail(c);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (const std::string& e : first_error) EXPECT_TRUE(e.empty()) << e;
  ASSERT_EQ(failures.load(), 0);

  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPuts; ++i) {
      const std::string name = "t" + std::to_string(t) + "-" + std::to_string(i);
      Result<Object> o = main.GetObject(f.collection, name, true);
      ASSERT_TRUE(o.ok()) << name;
      EXPECT_EQ(*o->data, Payload(name));
    }
  }
  EXPECT_EQ(*main.GetObject(f.collection, "counter", true)->data,
            std::to_string(kThreads * kIncrements));
  // Every commit took exactly the next token of the collection: kThreads * (kPuts + kIncrements)
  // changes, tokens seq0+1... with no gap and no repeat, in the order of the objects' change_seq.
  const int64_t total = kThreads * (kPuts + kIncrements);
  EXPECT_EQ(main.GetCollectionById(f.collection)->sync_seq, seq0 + total);
  Result<std::vector<Change>> changes = main.ChangesSince(f.collection, seq0);
  ASSERT_TRUE(changes.ok()) << changes.status().ToString();
  std::map<std::string, int64_t> last_seq;
  int64_t prev = seq0;
  for (const Change& c : *changes) {
    EXPECT_GT(c.seq, prev) << c.name;
    prev = c.seq;
    last_seq[c.name] = c.seq;
  }
  EXPECT_EQ(changes->size(), static_cast<size_t>(kThreads * kPuts + 1));  // one per name
  EXPECT_EQ(prev, seq0 + total);  // the counter's last increment is the last change
  for (const auto& [name, seq] : last_seq) {
    EXPECT_EQ(main.GetObject(f.collection, name, false)->change_seq, seq) << name;
  }

  // And all of it is there after a reopen.
  f.Open();
  EXPECT_EQ(f.store->ThreadSession().GetCollectionById(f.collection)->sync_seq, seq0 + total);
}

}  // namespace
}  // namespace cartable::store
