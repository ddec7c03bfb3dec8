// Group commit and background checkpoints for the SQLite store: one GroupCommit per SqliteStore,
// shared by its sessions. Why an acknowledged write is durable: sqlite_commit.cc.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "dav/status.h"
#include "dav/store/sqlite_util.h"

namespace cartable::store {

// Pages in the WAL after which the checkpointer copies them back into the database file
// (SQLite's own wal_autocheckpoint default).
inline constexpr int kCheckpointPages = 1000;
// WAL size, in checkpoint thresholds, past which a checkpoint finishes with the writer mutex held
// so that the WAL restarts (see CheckpointLoop).
inline constexpr int kRestartFactor = 4;

class GroupCommit;

// The WAL hook's state for one connection (owned by its session).
struct WalHookState {
  GroupCommit* group = nullptr;
  bool wrote = false;  // set by each COMMIT on the connection that appended frames to the WAL
};

class GroupCommit {
 public:
  // `db_file` and `busy_timeout_ms` open the checkpointer's own connection; `writer` is the
  // store's writer mutex (may be null); `checkpoint_pages` is the WAL size (pages) that wakes
  // the checkpointer.
  GroupCommit(std::string db_file, int busy_timeout_ms, std::mutex* writer,
              int checkpoint_pages = kCheckpointPages);
  ~GroupCommit();  // stops and joins the checkpointer thread
  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;

  // Installs the WAL hook on `db`, a connection to this store's file: each COMMIT that appends
  // frames sets state->wrote and, past the threshold, wakes the checkpointer. This replaces
  // SQLite's autocheckpoint on that connection (sqlite3_wal_hook), which would otherwise run the
  // checkpoint inside the committing call, with the store's writer mutex held. `state` must
  // outlive the connection.
  void Attach(Db& db, WalHookState* state);

  // Called with the store's writer mutex held, right after a COMMIT that appended frames: the
  // commit's sequence number (this process's commits are numbered in commit order, from 1).
  uint64_t Committed() { return committed_.fetch_add(1, std::memory_order_acq_rel) + 1; }

  // Called without the writer mutex: returns once the WAL has been fsynced past commit `seq`
  // (0: nothing to wait for), leading the fsync when no other caller is doing it. `db` is the
  // caller's connection (its handle on the WAL is the one synced). kInternal when the fsync
  // failed, for this and every later commit of the process (see sqlite_commit.cc).
  Status WaitDurable(uint64_t seq, Db& db);

  // WaitDurable without the wait: `done` is called once the WAL has been fsynced past commit
  // `seq`, with OK or the fsync error, on the group's syncer thread (at once on this thread when
  // seq is already durable, or when the syncer cannot open its own connection: then it waits,
  // on `db`, as WaitDurable). The syncer runs one fsync at a time, each for every commit
  // numbered before it began, so a thread that hands its commit over here serves other
  // requests meanwhile and their commits share the next fsync. `done` must not block.
  void WhenDurable(uint64_t seq, Db& db, std::function<void(Status)> done);

  // Counts for tests: WAL fsyncs done by WaitDurable, and checkpoints run.
  uint64_t syncs() const { return syncs_.load(); }
  uint64_t checkpoints() const { return checkpoints_.load(); }

 private:
  static int WalHook(void* state, sqlite3* db, const char* schema, int frames);
  void OnWalFrames(int frames);
  void CheckpointLoop();
  // As the sync leader (sync_mu_): fsyncs the WAL through `db` unless commit `seq` is durable
  // already; OK or the fsync error, kept for good.
  Status SyncPast(uint64_t seq, Db& db);
  // With wait_mu_ held: the syncer's connection open and its thread started; false when the
  // connection cannot be opened.
  bool SyncerReady();
  void SyncLoop();

  const std::string db_file_;
  const int busy_timeout_ms_;
  const int checkpoint_pages_;
  std::mutex* const writer_;

  std::atomic<uint64_t> committed_{0};  // the last sequence number handed out
  std::atomic<uint64_t> synced_{0};     // every commit up to this one is fsynced
  std::atomic<uint64_t> syncs_{0};
  std::mutex sync_mu_;  // held by the sync leader
  Status failed_;       // guarded by sync_mu_: the first fsync error, for good

  // The checkpointer: wakes when the WAL holds at least next_checkpoint_ pages.
  std::atomic<int> next_checkpoint_;
  std::atomic<int> last_frames_{0};          // the WAL size reported by the last commit
  std::atomic<uint64_t> wal_generation_{0};  // WAL restarts seen by the hook
  std::atomic<uint64_t> checkpoints_{0};
  std::mutex ckpt_mu_;
  std::condition_variable ckpt_cv_;
  int wal_frames_ = 0;        // guarded by ckpt_mu_: the WAL size reported by the last commit
  bool stop_ = false;         // guarded by ckpt_mu_
  std::thread checkpointer_;  // started on first need (no thread in short CLI runs)

  // The syncer (WhenDurable): commits waiting for an fsync, and the thread that runs it.
  struct Waiter {
    uint64_t seq;
    std::function<void(Status)> done;
  };
  std::mutex wait_mu_;
  std::condition_variable wait_cv_;
  std::vector<Waiter> waiters_;  // guarded by wait_mu_
  bool syncer_stop_ = false;     // guarded by wait_mu_
  bool syncer_failed_ = false;   // guarded by wait_mu_: its connection could not be opened
  std::unique_ptr<Db> sync_db_;  // the syncer's own connection (its handle on the WAL)
  std::thread syncer_;           // started on first need
};

}  // namespace cartable::store
