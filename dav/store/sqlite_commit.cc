// Group commit: several write transactions share one fsync of the WAL, and each is acknowledged
// only once that fsync has returned.
//
// How a write transaction ends (SqliteTransaction::Commit, WriteScope::Finish):
//   1. COMMIT, with the store's writer mutex held. The connection runs synchronous=NORMAL
//      (sqlite_util.cc, Db::Open), so SQLite appends the transaction's frames to the WAL with
//      write() and publishes them in the wal-index, without fsync.
//   2. Still under the writer mutex, the transaction takes its sequence number (Committed()):
//      sequence numbers follow the order of the frames in the WAL.
//   3. The writer mutex is released: the next writer runs its transaction while this one waits.
//   4. WaitDurable(seq): if `synced_` already covers seq, done. Otherwise take sync_mu_ (the
//      sync leader's mutex; the others queue on it), look again, read `committed_` (every commit
//      numbered so far has finished its write() calls), fsync the WAL, publish synced_ = that
//      number. The commits that arrived during the previous fsync all ride on this one.
//   5. Only then does Commit return OK, and the caller answer 201/204.
//   A caller that can answer later (Transaction::CommitThen: a DAV write whose HTTP response is
//   deferred) does steps 1-3 and hands step 4 to the syncer thread (WhenDurable): the same fsync
//   as leader, then its callback sends the answer. The committing thread serves other requests
//   during the fsync, so with as many server threads as cores, the commits of every connection
//   still share one fsync instead of one or two per fsync.
//
// Why an acknowledged commit is durable, against a power loss or kernel crash: its frames, and
// its commit frame, were written to the WAL before step 4's fsync began, and fsync flushes every
// page of the file whichever descriptor wrote it. SQLite's recovery replays the WAL up to the
// last commit frame whose checksum chain and salts are valid, so the acknowledged transaction
// and every transaction before it come back. Frames written by later, unacknowledged commits may
// or may not be on disk: only a whole transaction is ever replayed. Against a process crash
// (kill -9) the frames are in the kernel's page cache once write() returned, so even the
// unacknowledged commits survive; tests/unit/store/sqlite_durability_test.cc kills a writer
// mid-stream and finds every acknowledged write, and checks that the fsync happens before the
// acknowledgement (the property that covers power loss, which a test cannot cut).
//
// What SQLite does around this, and why it stays correct (SQLite 3.40, wal.c / pager.c):
//   - WAL restart: after a checkpoint has copied the whole WAL into the database, the next
//     writer rewrites the WAL from its start with a new header (new salts). With any
//     synchronous other than OFF, SQLite fsyncs that header before writing frames after it
//     (sqlite3WalFrames: syncHeader), and the checkpoint fsynced the WAL before copying and the
//     database file after (walCheckpoint), so the frames being overwritten are durable in the
//     database file already. A commit whose frames were checkpointed before its leader's fsync
//     is durable through the database file; the extra fsync is harmless.
//   - Checkpoints: SQLite's autocheckpoint would run inside the COMMIT call of whichever
//     connection pushes the WAL past 1000 pages, with our writer mutex held (two fsyncs and the
//     page copies in the write path). Our WAL hook replaces it (GroupCommit::Attach) and wakes a
//     background thread that runs a PASSIVE checkpoint on its own connection every 1000 pages:
//     it never blocks writers or readers, and copies what it can. Past 4000 pages (a steady
//     stream of writes never lets the WAL restart) it copies the last few frames with the writer
//     mutex held. journal_size_limit (16 MiB, about 4000 pages) truncates the WAL at restart.
//   - Sector padding: synchronous=FULL pads the commit to a sector boundary when the file
//     system lacks powersafe overwrite; Db::Open keeps synchronous=FULL (no deferral) there.
//   - Visibility: a commit is visible to other connections from step 1, before it is durable
//     (with synchronous=FULL it became visible only after its fsync). A power loss within that
//     window (one fsync, a few milliseconds) can lose a write that another client already read
//     but whose author was never told it succeeded; that reader may then see its sync token
//     handed out again for another change. No acknowledged write is affected: a write that
//     depends on the lost one (If-Match on its ETag, the next sync token) comes after it in the
//     WAL, so it is never acknowledged without it. SQLite's own synchronous=NORMAL has the same
//     window, without the guarantee for acknowledged writes.
//   - A failed fsync: Linux may have dropped the dirty pages it could not write and mark them
//     clean, so a later fsync that succeeds proves nothing about them (PostgreSQL's 2018
//     "fsyncgate"). The first failure is therefore kept: that commit and every later one report
//     kInternal until the process restarts and SQLite recovers from what is on disk.
#include "dav/store/sqlite_commit.h"

#include <algorithm>

namespace cartable::store {

GroupCommit::GroupCommit(std::string db_file, int busy_timeout_ms, std::mutex* writer,
                         int checkpoint_pages)
    : db_file_(std::move(db_file)),
      busy_timeout_ms_(busy_timeout_ms),
      checkpoint_pages_(std::max(checkpoint_pages, 1)),
      writer_(writer),
      next_checkpoint_(std::max(checkpoint_pages, 1)) {}

GroupCommit::~GroupCommit() {
  {
    std::lock_guard<std::mutex> lock(wait_mu_);
    syncer_stop_ = true;
  }
  wait_cv_.notify_all();
  if (syncer_.joinable()) syncer_.join();  // after answering every waiter
  {
    std::lock_guard<std::mutex> lock(ckpt_mu_);
    stop_ = true;
  }
  ckpt_cv_.notify_all();
  if (checkpointer_.joinable()) checkpointer_.join();
}

void GroupCommit::Attach(Db& db, WalHookState* state) {
  state->group = this;
  sqlite3_wal_hook(db.raw(), &GroupCommit::WalHook, state);
}

int GroupCommit::WalHook(void* arg, sqlite3* /*db*/, const char* /*schema*/, int frames) {
  // Called by SQLite after a commit that appended frames, once SQLite's own write lock is
  // released (our writer mutex is still held): keep it cheap.
  auto* state = static_cast<WalHookState*>(arg);
  state->wrote = true;
  state->group->OnWalFrames(frames);
  return SQLITE_OK;
}

void GroupCommit::OnWalFrames(int frames) {
  // Fewer frames than at the last commit: the WAL restarted (a new generation after a complete
  // checkpoint), so the next checkpoint is due one threshold from its start.
  if (frames < last_frames_.exchange(frames)) {
    wal_generation_.fetch_add(1);
    next_checkpoint_.store(checkpoint_pages_);
  }
  if (frames < next_checkpoint_.load()) return;
  std::lock_guard<std::mutex> lock(ckpt_mu_);
  if (stop_) return;
  if (!checkpointer_.joinable()) checkpointer_ = std::thread([this] { CheckpointLoop(); });
  ckpt_cv_.notify_one();
}

void GroupCommit::CheckpointLoop() {
  std::unique_ptr<Db> db;
  std::unique_lock<std::mutex> lock(ckpt_mu_);
  while (true) {
    ckpt_cv_.wait(lock, [&] { return stop_ || last_frames_.load() >= next_checkpoint_.load(); });
    if (stop_) return;
    lock.unlock();
    const uint64_t generation = wal_generation_.load();
    if (!db) {
      Result<std::unique_ptr<Db>> opened = Db::Open(db_file_, busy_timeout_ms_);
      if (opened.ok()) db = std::move(*opened);
    }
    int log = -1;
    if (db) {
      int copied = -1;
      int rc =
          sqlite3_wal_checkpoint_v2(db->raw(), "main", SQLITE_CHECKPOINT_PASSIVE, &log, &copied);
      // Under a steady stream of commits the WAL never restarts: a writer restarts it only when
      // the last checkpoint copied every frame, and new frames keep arriving while the
      // checkpoint runs. Past kRestartFactor thresholds, copy the remainder with the writer
      // mutex held (the frames of the last few commits, and two fsyncs), so that the next
      // commit restarts the WAL.
      if (rc == SQLITE_OK && writer_ != nullptr &&
          last_frames_.load() >= kRestartFactor * checkpoint_pages_) {
        std::lock_guard<std::mutex> writers(*writer_);
        sqlite3_wal_checkpoint_v2(db->raw(), "main", SQLITE_CHECKPOINT_PASSIVE, &log, &copied);
      }
      checkpoints_.fetch_add(1);
    }
    lock.lock();
    // Wake again once another threshold's worth of frames follows what was just copied (or,
    // when the connection could not be opened, a threshold later than now: never spin), unless
    // the WAL restarted meanwhile: the hook then set the threshold of the new WAL.
    if (wal_generation_.load() == generation) {
      next_checkpoint_.store(std::max(last_frames_.load(), log) + checkpoint_pages_);
    }
  }
}

Status GroupCommit::WaitDurable(uint64_t seq, Db& db) {
  if (seq == 0) return Status::OK();
  if (synced_.load(std::memory_order_acquire) >= seq) return Status::OK();
  return SyncPast(seq, db);
}

Status GroupCommit::SyncPast(uint64_t seq, Db& db) {
  std::lock_guard<std::mutex> leader(sync_mu_);
  if (!failed_.ok()) return failed_;
  if (synced_.load(std::memory_order_acquire) >= seq) return Status::OK();  // a leader did it
  const uint64_t upto = committed_.load(std::memory_order_acquire);
  Status s = db.SyncWal();
  syncs_.fetch_add(1);
  if (!s.ok()) {
    failed_ = Status::Internal(s.message() +
                               "; the last writes may not be on disk: writes are refused until "
                               "the server restarts");
    return failed_;
  }
  synced_.store(upto, std::memory_order_release);
  return Status::OK();
}

void GroupCommit::WhenDurable(uint64_t seq, Db& db, std::function<void(Status)> done) {
  if (seq == 0 || synced_.load(std::memory_order_acquire) >= seq) return done(Status::OK());
  {
    std::lock_guard<std::mutex> lock(wait_mu_);
    if (!syncer_stop_ && SyncerReady()) {
      waiters_.push_back({seq, std::move(done)});
      wait_cv_.notify_one();
      return;
    }
  }
  done(WaitDurable(seq, db));
}

bool GroupCommit::SyncerReady() {
  if (syncer_failed_) return false;
  if (!sync_db_) {
    // Its own connection: the committing ones go on with their next transactions meanwhile.
    // Opening it opens the WAL (journal_mode=WAL reads the database header through it).
    Result<std::unique_ptr<Db>> opened = Db::Open(db_file_, busy_timeout_ms_);
    if (!opened.ok()) {
      syncer_failed_ = true;
      return false;
    }
    sync_db_ = std::move(*opened);
  }
  if (!syncer_.joinable()) syncer_ = std::thread([this] { SyncLoop(); });
  return true;
}

void GroupCommit::SyncLoop() {
  std::unique_lock<std::mutex> lock(wait_mu_);
  while (true) {
    wait_cv_.wait(lock, [&] { return syncer_stop_ || !waiters_.empty(); });
    if (waiters_.empty()) return;  // stopping, and everyone answered
    std::vector<Waiter> batch;
    batch.swap(waiters_);
    lock.unlock();
    // Every waiter's commit was numbered before it queued, so one fsync covers the batch; those
    // that queue during it wait for the next one (or find it done: SyncPast looks first).
    uint64_t upto = 0;
    for (const Waiter& w : batch) upto = std::max(upto, w.seq);
    const Status s = SyncPast(upto, *sync_db_);
    for (Waiter& w : batch) w.done(s);
    lock.lock();
  }
}

}  // namespace cartable::store
