// The PostgreSQL Store (implementation detail; callers use store.h: OpenPostgresStore).
//
// Schema: schemas/postgres/NNNN_*.sql mirror schemas/sqlite/ (same tables, columns and
// meaning; times are BIGINT seconds since the epoch; paths, names and other keys compared
// bytewise are TEXT COLLATE "C" so that ordering and "path >= P AND path < P'" prefix ranges
// match SQLite's BINARY collation; bodies are BYTEA).
//
// Connections: a pool of at most StoreOptions::pool_size connections (PgPool) shared by the
// threads of the process. Each thread has its own PgSession (PgStore::ThreadSession). A session
// borrows a connection for a transaction (Begin .. Commit/rollback) and, outside a transaction,
// for each call; it waits up to busy_timeout_ms for a free one, then fails with kUnavailable.
// A broken connection is dropped, never lent again; the next borrow opens a new one, so a
// PostgreSQL restart costs 503s with Retry-After until the server is back, then nothing.
//
// Transactions:
//   read:  BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY (one consistent snapshot);
//   write: BEGIN (READ COMMITTED) then pg_advisory_xact_lock(kWriteLockKey): write
//          transactions of every node are serialised, exactly like SQLite's one writer, so the
//          read-check-write sequences above the store (If-Match, sync_seq bumps, quota) keep
//          the meaning they have on SQLite. Readers never wait for writers (MVCC). The lock is
//          released by COMMIT/ROLLBACK, so a node killed mid-transaction releases it too.
// A mutating call inside the caller's write transaction runs under a SAVEPOINT (a failed call
// undoes only itself); outside any transaction, in its own write transaction (PgWriteScope).
// A mutating call inside a read transaction fails with kInternal.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "dav/store/pg_util.h"
#include "dav/store/store.h"

namespace cartable::store {

// The advisory lock key that serialises write transactions across nodes ("CARTABLE" folded).
inline constexpr int64_t kWriteLockKey = 0x4341525441424c45;

// A bounded pool of connections to one database.
class PgPool {
 public:
  // `stats` (may be null) counts the waits for a connection and the refusals; it must outlive
  // the pool (the store's).
  PgPool(std::string url, int size, int wait_ms, StoreStats* stats = nullptr);
  ~PgPool();
  // A connection, opened when none is idle and fewer than `size` exist; waits up to wait_ms for
  // one to be given back, then kUnavailable (retry after kBusyRetryAfterSeconds).
  Result<std::unique_ptr<pg::Conn>> Borrow();
  StoreStats* stats() const { return stats_; }
  // Gives `conn` back (dropped when it is no longer healthy).
  void Return(std::unique_ptr<pg::Conn> conn);
  const std::string& url() const { return url_; }

 private:
  const std::string url_;
  const int size_;
  const int wait_ms_;
  StoreStats* const stats_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<pg::Conn>> idle_;  // guarded by mu_
  int open_ = 0;                                 // connections lent or idle; guarded by mu_
};

class PgSession : public Session {
 public:
  PgSession(PgPool* pool, const StoreOptions* options);
  ~PgSession() override;

  Result<std::unique_ptr<Transaction>> Begin(bool write) override;

  Result<Id> CreateUser(const User& user) override;
  Result<User> GetUserById(Id id) override;
  Result<User> GetUserByLogin(const std::string& login) override;
  Result<User> GetUserByEmail(const std::string& email) override;
  Result<std::vector<User>> ListUsers() override;
  Status UpdateUser(const User& user) override;
  Status SetPasswordHash(Id user_id, const std::string& hash, bool must_change) override;
  Result<PurgeCounts> PurgeUser(Id user_id) override;  // pg_purge.cc

  Result<UserSecurity> GetUserSecurity(Id user_id) override;
  Status SetUserSecurity(Id user_id, const UserSecurity& security, bool bump_credentials) override;
  Result<User> FindUserByNumenHash(const std::string& numen_hash) override;
  Result<std::vector<std::string>> PasswordHistory(Id user_id, size_t limit) override;
  Status AddPasswordHistory(Id user_id, const std::string& hash, UnixTime at, size_t keep) override;
  Result<std::vector<AuthFailure>> AuthFailuresSince(Id user_id, UnixTime since) override;
  Status AddAuthFailure(Id user_id, const AuthFailure& failure) override;
  Status ClearAuthFailures(Id user_id) override;
  Result<Id> CreateAppPassword(const AppPassword& app_password) override;
  Result<std::vector<AppPassword>> ListAppPasswords(Id user_id) override;
  Result<AppPassword> FindAppPasswordByHash(const std::string& hash) override;
  Status DeleteAppPassword(Id user_id, const std::string& name) override;
  Status TouchAppPassword(Id id, UnixTime at, const std::string& address) override;
  Result<Id> CreateWebSession(const WebSession& session) override;
  Result<WebSession> FindWebSession(const std::string& token_hash) override;
  Result<WebSession> GetWebSession(Id id) override;
  Result<std::vector<WebSession>> ListWebSessions(Id user_id) override;
  Status UpdateWebSession(const WebSession& session) override;
  Status DeleteWebSession(Id id) override;
  Result<int64_t> DeleteWebSessions(Id user_id, Id except_id) override;
  Result<int64_t> DeleteExpiredWebSessions(UnixTime idle_before, UnixTime created_before) override;
  Status CreateAccountToken(const AccountToken& token) override;
  Result<AccountToken> TakeAccountToken(const std::string& token_hash, const std::string& purpose,
                                        UnixTime now) override;
  Status DeleteAccountTokens(Id user_id, const std::string& purpose) override;
  Status SetRecoveryCodes(Id user_id, const std::vector<std::string>& hashes) override;
  Result<bool> UseRecoveryCode(Id user_id, const std::string& hash, UnixTime at) override;
  Result<int64_t> UnusedRecoveryCodes(Id user_id) override;
  Result<Id> AppendAudit(const AuditEntry& entry) override;
  Result<std::vector<AuditEntry>> ListAudit(const AuditQuery& query) override;

  Result<Collection> GetCollection(const std::string& path) override;
  Result<Collection> GetCollectionById(Id id) override;
  Result<Collection> CreateCollection(const std::string& path, Id parent_id, Id owner_id,
                                      const std::string& kind) override;
  Result<std::vector<Collection>> ListChildCollections(Id collection_id) override;
  Status DeleteCollection(Id collection_id) override;
  Status MoveCollection(Id collection_id, const std::string& new_path, Id new_parent_id) override;
  Status SetCollectionSettings(Id collection_id, const CollectionSettings& settings) override;
  Result<int64_t> Touch(Id collection_id, const std::string& name, bool deleted) override;

  Result<Object> GetObject(Id collection_id, const std::string& name, bool with_data) override;
  Status ForEachObject(Id collection_id, const ObjectVisitor& fn) override;
  Status QueryObjects(Id collection_id, const ObjectQuery& query, const ObjectVisitor& fn) override;
  Result<std::vector<Object>> GetObjects(Id collection_id, const std::vector<std::string>& names,
                                         bool with_data) override;
  Result<Object> FindObjectByUid(Id collection_id, const std::string& uid) override;
  using Session::PutObject;  // the 4-argument overload for plain files
  Result<Object> PutObject(Id collection_id, const std::string& name,
                           const std::string& content_type, const std::string& data,
                           const ObjectIndex& index) override;
  Status DeleteObject(Id collection_id, const std::string& name) override;

  Result<std::vector<DeadProperty>> GetProperties(Owner owner, Id id) override;
  Status ForEachObjectProperty(Id collection_id, const PropertyVisitor& fn) override;
  Status SetProperty(Owner owner, Id id, const DeadProperty& prop) override;
  Status RemoveProperty(Owner owner, Id id, const std::string& ns,
                        const std::string& local) override;

  Result<std::vector<DirectoryEntry>> ListDirectoryEntries() override;
  Result<Id> PutDirectoryEntry(const DirectoryEntry& entry) override;
  Result<DirectoryEntry> GetDirectoryEntryByUser(Id user_id) override;
  Result<std::vector<DirectoryEntry>> GetDirectoryEntries(const std::vector<Id>& ids) override;
  Result<std::vector<DirectoryEntry>> SearchDirectory(const DirectoryQuery& query) override;
  Result<std::vector<Id>> DirectoryEntriesContaining(const std::string& needle,
                                                     size_t limit) override;

  Result<std::string> GetScheduleTag(Id object_id) override;
  Status SetScheduleTag(Id object_id, const std::string& tag) override;
  Result<Id> EnqueueMail(const QueuedMail& mail) override;
  Result<std::vector<QueuedMail>> DueMail(UnixTime now, size_t limit) override;
  Status RescheduleMail(Id id, UnixTime next_attempt, const std::string& error) override;
  Status DeleteMail(Id id) override;

  Result<Id> CreateShare(const Share& share) override;
  Status UpdateShare(const Share& share) override;
  Result<Share> GetShare(Id id) override;
  Result<Share> FindShareByInvite(const std::string& invite_uid) override;
  Status DeleteShare(Id id) override;
  Result<std::vector<Share>> ListShares(Id collection_id) override;
  Result<std::vector<Share>> SharesForSharee(Id user_id,
                                             const std::vector<std::string>& group_keys) override;
  Result<ShareMember> GetShareMember(Id share_id, Id user_id) override;
  Status PutShareMember(const ShareMember& member) override;
  Result<std::vector<ShareMember>> ListShareMembers(Id user_id) override;
  Result<PerUserData> GetPerUserData(Id object_id, Id user_id) override;
  Status PutPerUserData(Id object_id, Id user_id, const std::string& data) override;
  Status DeletePerUserData(Id object_id, Id user_id) override;
  Status ForEachPerUserData(Id collection_id, Id user_id,
                            const std::function<Status(const PerUserData&)>& fn) override;
  Status PutDelegate(const Delegate& delegate) override;
  Status DeleteDelegate(Id owner_id, Id delegate_id) override;
  Result<Delegate> GetDelegate(Id owner_id, Id delegate_id) override;
  Result<std::vector<Delegate>> ListDelegates(Id owner_id) override;
  Result<std::vector<Delegate>> ListDelegations(Id delegate_id) override;
  Result<std::vector<std::string>> GroupKeysOfUser(Id user_id) override;
  Result<std::vector<Id>> GroupMemberIds(const std::string& group_key, size_t limit) override;
  Result<User> GetUserByGroupKey(const std::string& group_key) override;
  Result<std::vector<User>> ListGroups() override;

  Result<std::vector<Change>> ChangesSince(Id collection_id, int64_t since) override;
  Status ForEachObjectListing(Id collection_id, const ObjectVisitor& fn) override;

  Result<SchemaVersions> GetSchemaVersions() override;
  Result<OperationalCounts> ReadOperationalCounts(UnixTime idle_before,
                                                  UnixTime created_before) override;

  // occurrence index (issue 14), pg_objects.cc
  Result<OccurrenceMatches> QueryOccurrences(Id collection_id, const std::string& component,
                                             int64_t start, int64_t end,
                                             const std::string& floating_zone) override;
  Result<std::vector<Object>> GetObjectsById(Id collection_id, const std::vector<Id>& ids,
                                             bool with_data) override;
  Result<std::vector<Id>> OccurrenceBackfillCollections() override;
  Result<std::vector<Object>> ObjectsWithoutOccurrences(Id collection_id, size_t limit) override;
  Result<bool> BackfillOccurrences(Id object_id, const std::string& etag,
                                   const OccurrenceSet& set) override;
  Result<bool> FinishOccurrenceBackfill(Id collection_id) override;

  // ---- for the pg_*.cc files ----
  // Runs one statement on the transaction's connection, or (outside a transaction) on a
  // connection borrowed for this call. Errors mapped by pg::PgStatus.
  Result<pg::Rows> Exec(std::string_view sql, const pg::Params& params, std::string_view what);
  Result<pg::Rows> Exec(std::string_view sql, std::string_view what) {
    return Exec(sql, pg::Params(), what);
  }
  // The store's clock (StoreOptions::clock); every timestamp the session writes comes from it.
  UnixTime Now() const;
  const StoreOptions& options() const { return *options_; }

 private:
  friend class PgTransaction;
  friend class PgWriteScope;
  enum class TxnState { kNone, kRead, kWrite };

  PgPool* pool_;
  const StoreOptions* options_;
  TxnState txn_ = TxnState::kNone;
  std::unique_ptr<pg::Conn> conn_;  // lent by pool_ for the current transaction
};

// Makes one mutating call atomic (see the file comment). Usage, in a PgSession method:
//   PgWriteScope scope(*this); if (!scope.status().ok()) return scope.status();
//   ... return scope.Finish(result_status);
class PgWriteScope {
 public:
  explicit PgWriteScope(PgSession& session);
  ~PgWriteScope();  // rolls back when Finish was not called
  PgWriteScope(const PgWriteScope&) = delete;
  PgWriteScope& operator=(const PgWriteScope&) = delete;

  const Status& status() const { return status_; }
  // Keeps the work when `result` is OK (RELEASE / COMMIT), undoes it otherwise. Returns `result`,
  // or the commit error.
  Status Finish(const Status& result);

 private:
  void Undo();
  PgSession& session_;
  Status status_;
  bool own_txn_ = false;  // true: a write transaction begun here; false: SAVEPOINT
  bool active_ = false;
};

class PgStore : public Store {
 public:
  PgStore(std::string url, StoreOptions options);
  ~PgStore() override;
  Session& ThreadSession() override;

 private:
  const StoreOptions options_;
  PgPool pool_;
  std::mutex mu_;
  std::map<std::thread::id, std::unique_ptr<PgSession>> sessions_;  // guarded by mu_
};

}  // namespace cartable::store
