// The SQLite Store (implementation detail; callers use store.h: OpenSqliteStore).
//
// One database file (data_dir/cartable.db) in WAL mode. Each thread gets its own connection
// (SqliteSession), owned by the SqliteStore in a map keyed by std::thread::id, so every connection
// is closed when the Store is destroyed, whatever the threads' lifetimes. A session whose thread
// exited stays in the map (and is reused by a later thread that gets the same id); servers use a
// fixed pool of threads, so the map stays small.
//
// Atomicity: a mutating call runs inside the caller's write transaction under a SAVEPOINT (a failed
// call undoes only itself), or, outside any transaction, in its own BEGIN IMMEDIATE transaction.
// A mutating call inside a read transaction fails with kInternal.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "dav/store/sqlite_backup.h"
#include "dav/store/sqlite_commit.h"
#include "dav/store/sqlite_util.h"
#include "dav/store/store.h"

namespace cartable::store {

class SqliteSession : public Session {
 public:
  // `db` is null when the connection could not be opened: each call then tries again to open
  // `db_file` (a database busy past the timeout, or briefly missing, must not break this thread
  // for the life of the process) and fails with the error of that open, e.g. kUnavailable for a
  // busy database; with no `db_file`, with `open_error`. `writer` is the store's write mutex
  // (see SqliteStore::writer_). `options` must outlive the session (the store's), and so must
  // `group` (the store's group commit; null: no WAL hook, commits do not wait for an fsync), and
  // `stats` (the store's wait counters; null: not counted).
  SqliteSession(std::unique_ptr<Db> db, Status open_error, std::mutex* writer,
                const StoreOptions* options, std::string db_file = "", GroupCommit* group = nullptr,
                StoreStats* stats = nullptr);
  ~SqliteSession() override;

  Result<std::unique_ptr<Transaction>> Begin(bool write) override;

  Result<Id> CreateUser(const User& user) override;
  Result<User> GetUserById(Id id) override;
  Result<User> GetUserByLogin(const std::string& login) override;
  Result<User> GetUserByEmail(const std::string& email) override;
  Result<std::vector<User>> ListUsers() override;
  Status UpdateUser(const User& user) override;
  Status SetPasswordHash(Id user_id, const std::string& hash, bool must_change) override;
  Result<PurgeCounts> PurgeUser(Id user_id) override;  // sqlite_purge.cc

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

  // occurrence index (issue 14), in sqlite_occurrences.cc
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

 private:
  friend class SqliteTransaction;
  friend class WriteScope;
  enum class TxnState { kNone, kRead, kWrite };

  // OK when the connection is open, else the error of a new attempt to open it (see above).
  Status EnsureOpen();
  // Takes the store's write mutex and begins a write transaction; releases it on failure.
  Status BeginWrite();
  // After COMMIT or ROLLBACK of a write transaction: lets the next writer in.
  void EndWrite();
  // After a successful COMMIT, with the writer mutex still held: the commit's sequence number in
  // the group commit, or 0 when there is nothing to wait for (no frames written, no group, or a
  // connection that syncs in COMMIT itself).
  uint64_t TakeCommitSeq();
  // After COMMIT (or its failure, `committed`) of a write transaction, writer mutex held:
  // TakeCommitSeq when it succeeded, then EndWrite. The sequence number, 0 for nothing to wait for.
  uint64_t EndWriteAfterCommit(const Status& committed);
  // Ends a write transaction whose COMMIT gave `committed`: lets the next writer in, then (on
  // success) waits until the commit is durable (see sqlite_commit.cc). Returns `committed` or
  // the fsync error.
  Status EndCommit(Status committed);
  // EndCommit without the wait: `durable` gets what EndCommit would return, at once or later on
  // the group's syncer thread (GroupCommit::WhenDurable).
  void EndCommitThen(Status committed, std::function<void(Status)> durable);
  // Attaches the WAL hook to a newly opened connection.
  void AttachHook();

  // Prepares (from the cache) or returns the open error.
  Result<Stmt> Prepare(std::string_view sql);
  // One writing statement in its own write scope (committed when all succeeded, rolled back
  // otherwise): prepares `sql`, lets `bind` bind the parameters and runs it (`what` names the
  // operation in errors). `check`, when given, maps the status of the run before the scope ends.
  Status WriteOne(std::string_view sql, const std::string& what,
                  const std::function<void(Stmt&)>& bind,
                  const std::function<Status(Status)>& check = nullptr);
  // `st`, or kNotFound(`missing`) when `st` is OK but the last statement changed no row.
  Status RequireChange(Status st, const std::string& missing);
  Result<User> QueryUser(std::string_view sql, const std::string& key);
  Result<std::vector<User>> QueryUsers(std::string_view sql);
  // Steps a query on the collection columns; kNotFound (naming `what`) when it has no row.
  Result<Collection> StepCollection(Stmt& stmt, const std::string& what);
  // For a root (parent 0) at `path`: kConflict when an existing collection contains it or lies
  // under it, so that "the paths under P" and "the descendants of P" always mean the same rows.
  Status CheckRootFree(const std::string& path);
  // The path rules for a collection at `path` under `parent_id` (0 = a root): kNotFound for a
  // missing parent, else CheckCollectionPath against the parent's path.
  Status CheckPathUnder(const std::string& path, Id parent_id);
  // Nothing else at `path`: CheckMemberFree under the parent, or CheckRootFree for a root.
  Status CheckPathFree(const std::string& path, Id parent_id);
  Result<Collection> DoCreateCollection(const std::string& path, Id parent_id, Id owner_id,
                                        const std::string& kind);
  // Adds `delta` to the used_bytes of `owner_id`; nothing for 0 (a collection owned by no user).
  Status AddUsedBytes(Id owner_id, int64_t delta);
  // Increments the collection's sync_seq, sets modified_at, logs `name`, prunes the log (see
  // PruneChanges). Returns the new seq.
  Result<int64_t> Bump(Id collection_id, const std::string& name, bool deleted);
  // Applies options_->retention to the collection whose log now ends at `seq` with floor
  // `floor`: deletes the entries beyond max_entries or older than max_age_seconds and raises
  // changes_floor past them. Costs one indexed probe when nothing is due, and in steady state
  // deletes about one row per logged change.
  Status PruneChanges(Id collection_id, int64_t seq, int64_t floor);
  // The store's clock (StoreOptions::clock); every timestamp the session writes comes from it.
  UnixTime Now() const;
  // kConflict when the collection path `path` or the object `name` in `parent_id` is taken.
  Status CheckMemberFree(Id parent_id, const std::string& name, const std::string& path);
  Status DoDeleteCollection(Id collection_id);
  Status DoMoveCollection(Id collection_id, const std::string& new_path, Id new_parent_id);
  Result<Object> DoPutObject(Id collection_id, const std::string& name,
                             const std::string& content_type, const std::string& data,
                             const ObjectIndex& index);
  // Steps `stmt` (rows of OBJECT_COLUMNS, then data when `with_data`) calling the visitor fn
  // per object (see ObjectVisitor). `what` names the operation in errors.
  Status StepObjects(Stmt& stmt, bool with_data, const ObjectVisitor& fn, std::string_view what);
  Status DoDeleteObject(Id collection_id, const std::string& name);
  Result<Id> DoPutDirectoryEntry(const DirectoryEntry& entry);
  // Steps `stmt` (rows of DIRECTORY_COLUMNS) into a list.
  Result<std::vector<DirectoryEntry>> StepDirectoryEntries(Stmt& stmt);
  // Steps `stmt` (one id per row) into a list.
  Result<std::vector<Id>> StepIds(Stmt& stmt, std::string_view what);
  // Raises the collection's max_object_span (see 0002_object_index.sql) to cover `index`.
  Status WidenObjectSpan(Id collection_id, const ObjectIndex& index);
  // Replaces the occurrence rows of object `object_id` by `index.occurrences` (issue 14).
  Status WriteOccurrences(Id object_id, Id collection_id, const ObjectIndex& index);

  // ---- rows remembered across read transactions (issue 14) ----
  // A GET reads the same few rows request after request (the principal, the owner, the
  // collection): the last ones read are kept while the database's data version
  // (SQLITE_FCNTL_DATA_VERSION: it changes with every commit, this connection's or another's) is
  // the one they were read at. Only read transactions whose snapshot is open use them (a write
  // transaction must see its own changes); beginning a write forgets them. Two rows of each
  // kind, whatever the requests: a principal and an owner, a collection and its parent.
  struct ReadMemo {
    std::optional<uint32_t> version;
    std::array<std::optional<User>, 2> users;
    std::array<std::optional<Collection>, 2> collections;
    size_t next_user = 0;
    size_t next_collection = 0;
  };
  // Whether the memo may serve this read (a read transaction with its snapshot open); drops
  // rows read at another data version.
  bool MemoUsable();
  void Remember(const User& user);
  void Remember(const Collection& collection);
  void Forget() { memo_ = ReadMemo{}; }

  ReadMemo memo_;
  WalHookState hook_;  // declared before db_: the connection's WAL hook points here
  std::unique_ptr<Db> db_;
  Status open_error_;
  std::string db_file_;
  GroupCommit* group_ = nullptr;
  TxnState txn_ = TxnState::kNone;
  std::mutex* writer_ = nullptr;
  const StoreOptions* options_;
  StoreStats* stats_ = nullptr;
  std::unique_lock<std::mutex> write_lock_;
};

// Makes one mutating call atomic (see the file comment). Usage:
//   WriteScope scope(*this); if (!scope.status().ok()) return scope.status();
//   ... return scope.Finish(result_status);
class WriteScope {
 public:
  explicit WriteScope(SqliteSession& session);
  ~WriteScope();  // rolls back when Finish was not called
  WriteScope(const WriteScope&) = delete;
  WriteScope& operator=(const WriteScope&) = delete;

  const Status& status() const { return status_; }
  // Keeps the work when `result` is OK (RELEASE / COMMIT), undoes it otherwise. Returns `result`,
  // or the commit error.
  Status Finish(const Status& result);

 private:
  void Undo();
  SqliteSession& session_;
  Status status_;
  bool own_txn_ = false;  // true: BEGIN IMMEDIATE issued here; false: SAVEPOINT
  bool active_ = false;
};

// The SQL of QueryObjects: ?1 collection id, ?3 start, ?4 end; when by_component, ?2 the
// component and ?5 the earliest first_start a bounded object may have to overlap. Exposed for the
// query-plan test and store_bench.
const char* QueryObjectsSql(bool by_component, bool with_data);
// The statement of FindObjectByUid (for the query-plan test: it must search objects_uid, never
// walk the collection in name order).
const char* FindObjectByUidSql();
// The listing query of ForEachObjectListing (for the query-plan test).
const char* ObjectListingSql();

// The statements of SearchDirectory with words (?1 the FTS5 query, ?2 the department or '', ?3 1
// for active only, ?4 the limit) and of DirectoryEntriesContaining with a needle of 3 characters or
// more (?1 the quoted needle, ?2 the limit). For the query-plan test and store_bench: both must be
// driven by their FTS5 table, never scan directory_entries.
const char* SearchDirectorySql();
const char* DirectoryContainsSql();

class SqliteStore : public Store {
 public:
  // `lock`: the shared data directory lock, held for the store's life (sqlite_backup.h).
  SqliteStore(std::string db_file, StoreOptions options, DataDirLock lock = {})
      : db_file_(std::move(db_file)),
        options_(std::move(options)),
        lock_(std::move(lock)),
        group_(db_file_, options_.busy_timeout_ms, &writer_) {}
  ~SqliteStore() override = default;
  Session& ThreadSession() override;
  // The group commit (tests read its counters).
  GroupCommit& group_commit() { return group_; }

 private:
  const std::string db_file_;
  const StoreOptions options_;
  DataDirLock lock_;
  // Serialises write transactions of this process in user space. Without it, two worker
  // threads contending for SQLite's write lock fall into the busy handler, which sleeps
  // (1, 2, 5, 10... ms): durable PUTs from 8 clients dropped to a few hundred per second.
  // Other processes (the CLI) still meet busy_timeout. The fsync that makes a commit durable
  // happens after this mutex is released (group_).
  std::mutex writer_;
  // Declared before sessions_: the sessions' connections (whose WAL hooks point here) close
  // first, then the checkpointer stops.
  GroupCommit group_;
  std::mutex mu_;
  std::map<std::thread::id, std::unique_ptr<SqliteSession>> sessions_;  // guarded by mu_
};

}  // namespace cartable::store
