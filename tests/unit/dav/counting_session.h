// A store::Session that forwards every call to another one and counts the property, object and
// schedule-tag reads, so DAV tests can assert how many queries a request costs (no sockets, no
// SQL).
#pragma once

#include <map>
#include <utility>

#include "dav/store/store.h"

namespace cartable::store {

class CountingSession : public Session {
 public:
  explicit CountingSession(Session& inner) : inner_(inner) {}

  int collection_property_reads = 0;  // GetProperties(kCollection, ...)
  int object_property_reads = 0;      // GetProperties(kObject, ...): one query per object
  int bulk_property_reads = 0;        // ForEachObjectProperty: one query per collection
  std::map<std::pair<Id, std::string>, int> object_reads;  // GetObject by (collection, name)
  std::map<Id, int> schedule_tag_reads;                    // GetScheduleTag by object id

  void Reset() {
    collection_property_reads = object_property_reads = bulk_property_reads = 0;
    object_reads.clear();
    schedule_tag_reads.clear();
  }

  using Session::PutObject;

  Result<std::unique_ptr<Transaction>> Begin(bool write) override { return inner_.Begin(write); }
  Result<Id> CreateUser(const User& user) override { return inner_.CreateUser(user); }
  Result<User> GetUserById(Id id) override { return inner_.GetUserById(id); }
  Result<User> GetUserByLogin(const std::string& login) override {
    return inner_.GetUserByLogin(login);
  }
  Result<User> GetUserByEmail(const std::string& email) override {
    return inner_.GetUserByEmail(email);
  }
  Result<std::vector<User>> ListUsers() override { return inner_.ListUsers(); }
  Status UpdateUser(const User& user) override { return inner_.UpdateUser(user); }
  Status SetPasswordHash(Id user_id, const std::string& hash, bool must_change) override {
    return inner_.SetPasswordHash(user_id, hash, must_change);
  }
  Result<PurgeCounts> PurgeUser(Id user_id) override { return inner_.PurgeUser(user_id); }
  Result<UserSecurity> GetUserSecurity(Id user_id) override {
    return inner_.GetUserSecurity(user_id);
  }
  Status SetUserSecurity(Id user_id, const UserSecurity& security, bool bump_credentials) override {
    return inner_.SetUserSecurity(user_id, security, bump_credentials);
  }
  Result<User> FindUserByNumenHash(const std::string& numen_hash) override {
    return inner_.FindUserByNumenHash(numen_hash);
  }
  Result<std::vector<std::string>> PasswordHistory(Id user_id, size_t limit) override {
    return inner_.PasswordHistory(user_id, limit);
  }
  Status AddPasswordHistory(Id user_id, const std::string& hash, UnixTime at,
                            size_t keep) override {
    return inner_.AddPasswordHistory(user_id, hash, at, keep);
  }
  Result<std::vector<AuthFailure>> AuthFailuresSince(Id user_id, UnixTime since) override {
    return inner_.AuthFailuresSince(user_id, since);
  }
  Status AddAuthFailure(Id user_id, const AuthFailure& failure) override {
    return inner_.AddAuthFailure(user_id, failure);
  }
  Status ClearAuthFailures(Id user_id) override { return inner_.ClearAuthFailures(user_id); }
  Result<Id> CreateAppPassword(const AppPassword& app_password) override {
    return inner_.CreateAppPassword(app_password);
  }
  Result<std::vector<AppPassword>> ListAppPasswords(Id user_id) override {
    return inner_.ListAppPasswords(user_id);
  }
  Result<AppPassword> FindAppPasswordByHash(const std::string& hash) override {
    return inner_.FindAppPasswordByHash(hash);
  }
  Status DeleteAppPassword(Id user_id, const std::string& name) override {
    return inner_.DeleteAppPassword(user_id, name);
  }
  Status TouchAppPassword(Id id, UnixTime at, const std::string& address) override {
    return inner_.TouchAppPassword(id, at, address);
  }
  Result<Id> CreateWebSession(const WebSession& session) override {
    return inner_.CreateWebSession(session);
  }
  Result<WebSession> FindWebSession(const std::string& token_hash) override {
    return inner_.FindWebSession(token_hash);
  }
  Result<WebSession> GetWebSession(Id id) override { return inner_.GetWebSession(id); }
  Result<std::vector<WebSession>> ListWebSessions(Id user_id) override {
    return inner_.ListWebSessions(user_id);
  }
  Status UpdateWebSession(const WebSession& session) override {
    return inner_.UpdateWebSession(session);
  }
  Status DeleteWebSession(Id id) override { return inner_.DeleteWebSession(id); }
  Result<int64_t> DeleteWebSessions(Id user_id, Id except_id) override {
    return inner_.DeleteWebSessions(user_id, except_id);
  }
  Result<int64_t> DeleteExpiredWebSessions(UnixTime idle_before, UnixTime created_before) override {
    return inner_.DeleteExpiredWebSessions(idle_before, created_before);
  }
  Status CreateAccountToken(const AccountToken& token) override {
    return inner_.CreateAccountToken(token);
  }
  Result<AccountToken> TakeAccountToken(const std::string& token_hash, const std::string& purpose,
                                        UnixTime now) override {
    return inner_.TakeAccountToken(token_hash, purpose, now);
  }
  Status DeleteAccountTokens(Id user_id, const std::string& purpose) override {
    return inner_.DeleteAccountTokens(user_id, purpose);
  }
  Status SetRecoveryCodes(Id user_id, const std::vector<std::string>& hashes) override {
    return inner_.SetRecoveryCodes(user_id, hashes);
  }
  Result<bool> UseRecoveryCode(Id user_id, const std::string& hash, UnixTime at) override {
    return inner_.UseRecoveryCode(user_id, hash, at);
  }
  Result<int64_t> UnusedRecoveryCodes(Id user_id) override {
    return inner_.UnusedRecoveryCodes(user_id);
  }
  Result<Id> AppendAudit(const AuditEntry& entry) override { return inner_.AppendAudit(entry); }
  Result<std::vector<AuditEntry>> ListAudit(const AuditQuery& query) override {
    return inner_.ListAudit(query);
  }
  Result<Collection> GetCollection(const std::string& path) override {
    return inner_.GetCollection(path);
  }
  Result<Collection> GetCollectionById(Id id) override { return inner_.GetCollectionById(id); }
  Result<Collection> CreateCollection(const std::string& path, Id parent_id, Id owner_id,
                                      const std::string& kind) override {
    return inner_.CreateCollection(path, parent_id, owner_id, kind);
  }
  Result<std::vector<Collection>> ListChildCollections(Id collection_id) override {
    return inner_.ListChildCollections(collection_id);
  }
  Status DeleteCollection(Id collection_id) override {
    return inner_.DeleteCollection(collection_id);
  }
  Status MoveCollection(Id collection_id, const std::string& new_path, Id new_parent_id) override {
    return inner_.MoveCollection(collection_id, new_path, new_parent_id);
  }
  Result<int64_t> Touch(Id collection_id, const std::string& name, bool deleted) override {
    return inner_.Touch(collection_id, name, deleted);
  }
  Result<Object> GetObject(Id collection_id, const std::string& name, bool with_data) override {
    ++object_reads[{collection_id, name}];
    return inner_.GetObject(collection_id, name, with_data);
  }
  Status SetCollectionSettings(Id collection_id, const CollectionSettings& settings) override {
    return inner_.SetCollectionSettings(collection_id, settings);
  }
  Status ForEachObject(Id collection_id, const ObjectVisitor& fn) override {
    return inner_.ForEachObject(collection_id, fn);
  }
  Status ForEachObjectListing(Id collection_id, const ObjectVisitor& fn) override {
    return inner_.ForEachObjectListing(collection_id, fn);
  }
  Status QueryObjects(Id collection_id, const ObjectQuery& query,
                      const ObjectVisitor& fn) override {
    return inner_.QueryObjects(collection_id, query, fn);
  }
  Result<std::vector<Object>> GetObjects(Id collection_id, const std::vector<std::string>& names,
                                         bool with_data) override {
    return inner_.GetObjects(collection_id, names, with_data);
  }
  Result<Object> FindObjectByUid(Id collection_id, const std::string& uid) override {
    return inner_.FindObjectByUid(collection_id, uid);
  }
  Result<Object> PutObject(Id collection_id, const std::string& name,
                           const std::string& content_type, const std::string& data,
                           const ObjectIndex& index) override {
    return inner_.PutObject(collection_id, name, content_type, data, index);
  }
  Status DeleteObject(Id collection_id, const std::string& name) override {
    return inner_.DeleteObject(collection_id, name);
  }
  Result<std::vector<DeadProperty>> GetProperties(Owner owner, Id id) override {
    ++(owner == Owner::kObject ? object_property_reads : collection_property_reads);
    return inner_.GetProperties(owner, id);
  }
  Status ForEachObjectProperty(Id collection_id, const PropertyVisitor& fn) override {
    ++bulk_property_reads;
    return inner_.ForEachObjectProperty(collection_id, fn);
  }
  Status SetProperty(Owner owner, Id id, const DeadProperty& prop) override {
    return inner_.SetProperty(owner, id, prop);
  }
  Status RemoveProperty(Owner owner, Id id, const std::string& ns,
                        const std::string& local) override {
    return inner_.RemoveProperty(owner, id, ns, local);
  }
  Result<std::vector<DirectoryEntry>> ListDirectoryEntries() override {
    return inner_.ListDirectoryEntries();
  }
  Result<Id> PutDirectoryEntry(const DirectoryEntry& entry) override {
    return inner_.PutDirectoryEntry(entry);
  }
  Result<DirectoryEntry> GetDirectoryEntryByUser(Id user_id) override {
    return inner_.GetDirectoryEntryByUser(user_id);
  }
  Result<std::vector<DirectoryEntry>> GetDirectoryEntries(const std::vector<Id>& ids) override {
    return inner_.GetDirectoryEntries(ids);
  }
  Result<std::vector<DirectoryEntry>> SearchDirectory(const DirectoryQuery& query) override {
    return inner_.SearchDirectory(query);
  }
  Result<std::vector<Id>> DirectoryEntriesContaining(const std::string& needle,
                                                     size_t limit) override {
    return inner_.DirectoryEntriesContaining(needle, limit);
  }
  Result<std::string> GetScheduleTag(Id object_id) override {
    ++schedule_tag_reads[object_id];
    return inner_.GetScheduleTag(object_id);
  }
  Status SetScheduleTag(Id object_id, const std::string& tag) override {
    return inner_.SetScheduleTag(object_id, tag);
  }
  Result<Id> EnqueueMail(const QueuedMail& mail) override { return inner_.EnqueueMail(mail); }
  Result<std::vector<QueuedMail>> DueMail(UnixTime now, size_t limit) override {
    return inner_.DueMail(now, limit);
  }
  Status RescheduleMail(Id id, UnixTime next_attempt, const std::string& error) override {
    return inner_.RescheduleMail(id, next_attempt, error);
  }
  Status DeleteMail(Id id) override { return inner_.DeleteMail(id); }
  Result<Id> CreateShare(const Share& share) override { return inner_.CreateShare(share); }
  Status UpdateShare(const Share& share) override { return inner_.UpdateShare(share); }
  Result<Share> GetShare(Id id) override { return inner_.GetShare(id); }
  Result<Share> FindShareByInvite(const std::string& invite_uid) override {
    return inner_.FindShareByInvite(invite_uid);
  }
  Status DeleteShare(Id id) override { return inner_.DeleteShare(id); }
  Result<std::vector<Share>> ListShares(Id collection_id) override {
    return inner_.ListShares(collection_id);
  }
  Result<std::vector<Share>> SharesForSharee(Id user_id,
                                             const std::vector<std::string>& group_keys) override {
    return inner_.SharesForSharee(user_id, group_keys);
  }
  Result<ShareMember> GetShareMember(Id share_id, Id user_id) override {
    return inner_.GetShareMember(share_id, user_id);
  }
  Status PutShareMember(const ShareMember& member) override {
    return inner_.PutShareMember(member);
  }
  Result<std::vector<ShareMember>> ListShareMembers(Id user_id) override {
    return inner_.ListShareMembers(user_id);
  }
  Result<PerUserData> GetPerUserData(Id object_id, Id user_id) override {
    return inner_.GetPerUserData(object_id, user_id);
  }
  Status PutPerUserData(Id object_id, Id user_id, const std::string& data) override {
    return inner_.PutPerUserData(object_id, user_id, data);
  }
  Status DeletePerUserData(Id object_id, Id user_id) override {
    return inner_.DeletePerUserData(object_id, user_id);
  }
  Status ForEachPerUserData(Id collection_id, Id user_id,
                            const std::function<Status(const PerUserData&)>& fn) override {
    return inner_.ForEachPerUserData(collection_id, user_id, fn);
  }
  Status PutDelegate(const Delegate& delegate) override { return inner_.PutDelegate(delegate); }
  Status DeleteDelegate(Id owner_id, Id delegate_id) override {
    return inner_.DeleteDelegate(owner_id, delegate_id);
  }
  Result<Delegate> GetDelegate(Id owner_id, Id delegate_id) override {
    return inner_.GetDelegate(owner_id, delegate_id);
  }
  Result<std::vector<Delegate>> ListDelegates(Id owner_id) override {
    return inner_.ListDelegates(owner_id);
  }
  Result<std::vector<Delegate>> ListDelegations(Id delegate_id) override {
    return inner_.ListDelegations(delegate_id);
  }
  Result<std::vector<std::string>> GroupKeysOfUser(Id user_id) override {
    return inner_.GroupKeysOfUser(user_id);
  }
  Result<std::vector<Id>> GroupMemberIds(const std::string& group_key, size_t limit) override {
    return inner_.GroupMemberIds(group_key, limit);
  }
  Result<User> GetUserByGroupKey(const std::string& group_key) override {
    return inner_.GetUserByGroupKey(group_key);
  }
  Result<std::vector<User>> ListGroups() override { return inner_.ListGroups(); }
  Result<std::vector<Change>> ChangesSince(Id collection_id, int64_t since) override {
    return inner_.ChangesSince(collection_id, since);
  }
  // occurrence index (issue 14)
  Result<OccurrenceMatches> QueryOccurrences(Id collection_id, const std::string& component,
                                             int64_t start, int64_t end,
                                             const std::string& floating_zone) override {
    return inner_.QueryOccurrences(collection_id, component, start, end, floating_zone);
  }
  Result<std::vector<Object>> GetObjectsById(Id collection_id, const std::vector<Id>& ids,
                                             bool with_data) override {
    return inner_.GetObjectsById(collection_id, ids, with_data);
  }
  Result<std::vector<Id>> OccurrenceBackfillCollections() override {
    return inner_.OccurrenceBackfillCollections();
  }
  Result<std::vector<Object>> ObjectsWithoutOccurrences(Id collection_id, size_t limit) override {
    return inner_.ObjectsWithoutOccurrences(collection_id, limit);
  }
  Result<bool> BackfillOccurrences(Id object_id, const std::string& etag,
                                   const OccurrenceSet& set) override {
    return inner_.BackfillOccurrences(object_id, etag, set);
  }
  Result<bool> FinishOccurrenceBackfill(Id collection_id) override {
    return inner_.FinishOccurrenceBackfill(collection_id);
  }
  Result<SchemaVersions> GetSchemaVersions() override { return inner_.GetSchemaVersions(); }
  Result<OperationalCounts> ReadOperationalCounts(UnixTime idle_before,
                                                  UnixTime created_before) override {
    return inner_.ReadOperationalCounts(idle_before, created_before);
  }

 private:
  Session& inner_;
};

}  // namespace cartable::store
