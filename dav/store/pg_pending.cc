// TEMPORARY during the port of the PostgreSQL store (issue 15): every PgSession method not yet
// written in its pg_*.cc file. Each port deletes its methods from here; the file is deleted
// when it is empty. Nothing may ship with a method left here.
#include "dav/store/pg_store.h"

namespace cartable::store {

Result<Id> PgSession::CreateUser(const User& user) {
  return Status::Internal("PgSession::CreateUser: not ported yet");
}

Result<User> PgSession::GetUserById(Id id) {
  return Status::Internal("PgSession::GetUserById: not ported yet");
}

Result<User> PgSession::GetUserByLogin(const std::string& login) {
  return Status::Internal("PgSession::GetUserByLogin: not ported yet");
}

Result<User> PgSession::GetUserByEmail(const std::string& email) {
  return Status::Internal("PgSession::GetUserByEmail: not ported yet");
}

Result<std::vector<User>> PgSession::ListUsers() {
  return Status::Internal("PgSession::ListUsers: not ported yet");
}

Status PgSession::UpdateUser(const User& user) {
  return Status::Internal("PgSession::UpdateUser: not ported yet");
}

Status PgSession::SetPasswordHash(Id user_id, const std::string& hash, bool must_change) {
  return Status::Internal("PgSession::SetPasswordHash: not ported yet");
}

Result<UserSecurity> PgSession::GetUserSecurity(Id user_id) {
  return Status::Internal("PgSession::GetUserSecurity: not ported yet");
}

Status PgSession::SetUserSecurity(Id user_id, const UserSecurity& security, bool bump_credentials) {
  return Status::Internal("PgSession::SetUserSecurity: not ported yet");
}

Result<User> PgSession::FindUserByNumenHash(const std::string& numen_hash) {
  return Status::Internal("PgSession::FindUserByNumenHash: not ported yet");
}

Result<std::vector<std::string>> PgSession::PasswordHistory(Id user_id, size_t limit) {
  return Status::Internal("PgSession::PasswordHistory: not ported yet");
}

Status PgSession::AddPasswordHistory(Id user_id, const std::string& hash, UnixTime at, size_t keep) {
  return Status::Internal("PgSession::AddPasswordHistory: not ported yet");
}

Result<std::vector<AuthFailure>> PgSession::AuthFailuresSince(Id user_id, UnixTime since) {
  return Status::Internal("PgSession::AuthFailuresSince: not ported yet");
}

Status PgSession::AddAuthFailure(Id user_id, const AuthFailure& failure) {
  return Status::Internal("PgSession::AddAuthFailure: not ported yet");
}

Status PgSession::ClearAuthFailures(Id user_id) {
  return Status::Internal("PgSession::ClearAuthFailures: not ported yet");
}

Result<Id> PgSession::CreateAppPassword(const AppPassword& app_password) {
  return Status::Internal("PgSession::CreateAppPassword: not ported yet");
}

Result<std::vector<AppPassword>> PgSession::ListAppPasswords(Id user_id) {
  return Status::Internal("PgSession::ListAppPasswords: not ported yet");
}

Result<AppPassword> PgSession::FindAppPasswordByHash(const std::string& hash) {
  return Status::Internal("PgSession::FindAppPasswordByHash: not ported yet");
}

Status PgSession::DeleteAppPassword(Id user_id, const std::string& name) {
  return Status::Internal("PgSession::DeleteAppPassword: not ported yet");
}

Status PgSession::TouchAppPassword(Id id, UnixTime at, const std::string& address) {
  return Status::Internal("PgSession::TouchAppPassword: not ported yet");
}

Result<Id> PgSession::CreateWebSession(const WebSession& session) {
  return Status::Internal("PgSession::CreateWebSession: not ported yet");
}

Result<WebSession> PgSession::FindWebSession(const std::string& token_hash) {
  return Status::Internal("PgSession::FindWebSession: not ported yet");
}

Result<WebSession> PgSession::GetWebSession(Id id) {
  return Status::Internal("PgSession::GetWebSession: not ported yet");
}

Result<std::vector<WebSession>> PgSession::ListWebSessions(Id user_id) {
  return Status::Internal("PgSession::ListWebSessions: not ported yet");
}

Status PgSession::UpdateWebSession(const WebSession& session) {
  return Status::Internal("PgSession::UpdateWebSession: not ported yet");
}

Status PgSession::DeleteWebSession(Id id) {
  return Status::Internal("PgSession::DeleteWebSession: not ported yet");
}

Result<int64_t> PgSession::DeleteWebSessions(Id user_id, Id except_id) {
  return Status::Internal("PgSession::DeleteWebSessions: not ported yet");
}

Result<int64_t> PgSession::DeleteExpiredWebSessions(UnixTime idle_before, UnixTime created_before) {
  return Status::Internal("PgSession::DeleteExpiredWebSessions: not ported yet");
}

Status PgSession::CreateAccountToken(const AccountToken& token) {
  return Status::Internal("PgSession::CreateAccountToken: not ported yet");
}

Result<AccountToken> PgSession::TakeAccountToken(const std::string& token_hash, const std::string& purpose, UnixTime now) {
  return Status::Internal("PgSession::TakeAccountToken: not ported yet");
}

Status PgSession::DeleteAccountTokens(Id user_id, const std::string& purpose) {
  return Status::Internal("PgSession::DeleteAccountTokens: not ported yet");
}

Status PgSession::SetRecoveryCodes(Id user_id, const std::vector<std::string>& hashes) {
  return Status::Internal("PgSession::SetRecoveryCodes: not ported yet");
}

Result<bool> PgSession::UseRecoveryCode(Id user_id, const std::string& hash, UnixTime at) {
  return Status::Internal("PgSession::UseRecoveryCode: not ported yet");
}

Result<int64_t> PgSession::UnusedRecoveryCodes(Id user_id) {
  return Status::Internal("PgSession::UnusedRecoveryCodes: not ported yet");
}

Result<Id> PgSession::AppendAudit(const AuditEntry& entry) {
  return Status::Internal("PgSession::AppendAudit: not ported yet");
}

Result<std::vector<AuditEntry>> PgSession::ListAudit(const AuditQuery& query) {
  return Status::Internal("PgSession::ListAudit: not ported yet");
}

Result<Collection> PgSession::GetCollection(const std::string& path) {
  return Status::Internal("PgSession::GetCollection: not ported yet");
}

Result<Collection> PgSession::GetCollectionById(Id id) {
  return Status::Internal("PgSession::GetCollectionById: not ported yet");
}

Result<Collection> PgSession::CreateCollection(const std::string& path, Id parent_id, Id owner_id, const std::string& kind) {
  return Status::Internal("PgSession::CreateCollection: not ported yet");
}

Result<std::vector<Collection>> PgSession::ListChildCollections(Id collection_id) {
  return Status::Internal("PgSession::ListChildCollections: not ported yet");
}

Status PgSession::DeleteCollection(Id collection_id) {
  return Status::Internal("PgSession::DeleteCollection: not ported yet");
}

Status PgSession::MoveCollection(Id collection_id, const std::string& new_path, Id new_parent_id) {
  return Status::Internal("PgSession::MoveCollection: not ported yet");
}

Status PgSession::SetCollectionSettings(Id collection_id, const CollectionSettings& settings) {
  return Status::Internal("PgSession::SetCollectionSettings: not ported yet");
}

Result<int64_t> PgSession::Touch(Id collection_id, const std::string& name, bool deleted) {
  return Status::Internal("PgSession::Touch: not ported yet");
}

Result<Object> PgSession::GetObject(Id collection_id, const std::string& name, bool with_data) {
  return Status::Internal("PgSession::GetObject: not ported yet");
}

Status PgSession::ForEachObject(Id collection_id, const ObjectVisitor& fn) {
  return Status::Internal("PgSession::ForEachObject: not ported yet");
}

Status PgSession::QueryObjects(Id collection_id, const ObjectQuery& query, const ObjectVisitor& fn) {
  return Status::Internal("PgSession::QueryObjects: not ported yet");
}

Result<std::vector<Object>> PgSession::GetObjects(Id collection_id, const std::vector<std::string>& names, bool with_data) {
  return Status::Internal("PgSession::GetObjects: not ported yet");
}

Result<Object> PgSession::FindObjectByUid(Id collection_id, const std::string& uid) {
  return Status::Internal("PgSession::FindObjectByUid: not ported yet");
}

Result<Object> PgSession::PutObject(Id collection_id, const std::string& name, const std::string& content_type, const std::string& data, const ObjectIndex& index) {
  return Status::Internal("PgSession::PutObject: not ported yet");
}

Status PgSession::DeleteObject(Id collection_id, const std::string& name) {
  return Status::Internal("PgSession::DeleteObject: not ported yet");
}

Result<std::vector<DeadProperty>> PgSession::GetProperties(Owner owner, Id id) {
  return Status::Internal("PgSession::GetProperties: not ported yet");
}

Status PgSession::ForEachObjectProperty(Id collection_id, const PropertyVisitor& fn) {
  return Status::Internal("PgSession::ForEachObjectProperty: not ported yet");
}

Status PgSession::SetProperty(Owner owner, Id id, const DeadProperty& prop) {
  return Status::Internal("PgSession::SetProperty: not ported yet");
}

Status PgSession::RemoveProperty(Owner owner, Id id, const std::string& ns, const std::string& local) {
  return Status::Internal("PgSession::RemoveProperty: not ported yet");
}

Result<std::vector<DirectoryEntry>> PgSession::ListDirectoryEntries() {
  return Status::Internal("PgSession::ListDirectoryEntries: not ported yet");
}

Result<Id> PgSession::PutDirectoryEntry(const DirectoryEntry& entry) {
  return Status::Internal("PgSession::PutDirectoryEntry: not ported yet");
}

Result<DirectoryEntry> PgSession::GetDirectoryEntryByUser(Id user_id) {
  return Status::Internal("PgSession::GetDirectoryEntryByUser: not ported yet");
}

Result<std::vector<DirectoryEntry>> PgSession::GetDirectoryEntries(const std::vector<Id>& ids) {
  return Status::Internal("PgSession::GetDirectoryEntries: not ported yet");
}

Result<std::vector<DirectoryEntry>> PgSession::SearchDirectory(const DirectoryQuery& query) {
  return Status::Internal("PgSession::SearchDirectory: not ported yet");
}

Result<std::vector<Id>> PgSession::DirectoryEntriesContaining(const std::string& needle, size_t limit) {
  return Status::Internal("PgSession::DirectoryEntriesContaining: not ported yet");
}

Result<std::string> PgSession::GetScheduleTag(Id object_id) {
  return Status::Internal("PgSession::GetScheduleTag: not ported yet");
}

Status PgSession::SetScheduleTag(Id object_id, const std::string& tag) {
  return Status::Internal("PgSession::SetScheduleTag: not ported yet");
}

Result<Id> PgSession::EnqueueMail(const QueuedMail& mail) {
  return Status::Internal("PgSession::EnqueueMail: not ported yet");
}

Result<std::vector<QueuedMail>> PgSession::DueMail(UnixTime now, size_t limit) {
  return Status::Internal("PgSession::DueMail: not ported yet");
}

Status PgSession::RescheduleMail(Id id, UnixTime next_attempt, const std::string& error) {
  return Status::Internal("PgSession::RescheduleMail: not ported yet");
}

Status PgSession::DeleteMail(Id id) {
  return Status::Internal("PgSession::DeleteMail: not ported yet");
}

Result<Id> PgSession::CreateShare(const Share& share) {
  return Status::Internal("PgSession::CreateShare: not ported yet");
}

Status PgSession::UpdateShare(const Share& share) {
  return Status::Internal("PgSession::UpdateShare: not ported yet");
}

Result<Share> PgSession::GetShare(Id id) {
  return Status::Internal("PgSession::GetShare: not ported yet");
}

Result<Share> PgSession::FindShareByInvite(const std::string& invite_uid) {
  return Status::Internal("PgSession::FindShareByInvite: not ported yet");
}

Status PgSession::DeleteShare(Id id) {
  return Status::Internal("PgSession::DeleteShare: not ported yet");
}

Result<std::vector<Share>> PgSession::ListShares(Id collection_id) {
  return Status::Internal("PgSession::ListShares: not ported yet");
}

Result<std::vector<Share>> PgSession::SharesForSharee(Id user_id, const std::vector<std::string>& group_keys) {
  return Status::Internal("PgSession::SharesForSharee: not ported yet");
}

Result<ShareMember> PgSession::GetShareMember(Id share_id, Id user_id) {
  return Status::Internal("PgSession::GetShareMember: not ported yet");
}

Status PgSession::PutShareMember(const ShareMember& member) {
  return Status::Internal("PgSession::PutShareMember: not ported yet");
}

Result<std::vector<ShareMember>> PgSession::ListShareMembers(Id user_id) {
  return Status::Internal("PgSession::ListShareMembers: not ported yet");
}

Result<PerUserData> PgSession::GetPerUserData(Id object_id, Id user_id) {
  return Status::Internal("PgSession::GetPerUserData: not ported yet");
}

Status PgSession::PutPerUserData(Id object_id, Id user_id, const std::string& data) {
  return Status::Internal("PgSession::PutPerUserData: not ported yet");
}

Status PgSession::DeletePerUserData(Id object_id, Id user_id) {
  return Status::Internal("PgSession::DeletePerUserData: not ported yet");
}

Status PgSession::ForEachPerUserData(Id collection_id, Id user_id, const std::function<Status(const PerUserData&)>& fn) {
  return Status::Internal("PgSession::ForEachPerUserData: not ported yet");
}

Status PgSession::PutDelegate(const Delegate& delegate) {
  return Status::Internal("PgSession::PutDelegate: not ported yet");
}

Status PgSession::DeleteDelegate(Id owner_id, Id delegate_id) {
  return Status::Internal("PgSession::DeleteDelegate: not ported yet");
}

Result<Delegate> PgSession::GetDelegate(Id owner_id, Id delegate_id) {
  return Status::Internal("PgSession::GetDelegate: not ported yet");
}

Result<std::vector<Delegate>> PgSession::ListDelegates(Id owner_id) {
  return Status::Internal("PgSession::ListDelegates: not ported yet");
}

Result<std::vector<Delegate>> PgSession::ListDelegations(Id delegate_id) {
  return Status::Internal("PgSession::ListDelegations: not ported yet");
}

Result<std::vector<std::string>> PgSession::GroupKeysOfUser(Id user_id) {
  return Status::Internal("PgSession::GroupKeysOfUser: not ported yet");
}

Result<std::vector<Id>> PgSession::GroupMemberIds(const std::string& group_key, size_t limit) {
  return Status::Internal("PgSession::GroupMemberIds: not ported yet");
}

Result<User> PgSession::GetUserByGroupKey(const std::string& group_key) {
  return Status::Internal("PgSession::GetUserByGroupKey: not ported yet");
}

Result<std::vector<User>> PgSession::ListGroups() {
  return Status::Internal("PgSession::ListGroups: not ported yet");
}

Result<std::vector<Change>> PgSession::ChangesSince(Id collection_id, int64_t since) {
  return Status::Internal("PgSession::ChangesSince: not ported yet");
}

Status PgSession::ForEachObjectListing(Id collection_id, const ObjectVisitor& fn) {
  return Status::Internal("PgSession::ForEachObjectListing: not ported yet");
}

Result<OccurrenceMatches> PgSession::QueryOccurrences(Id collection_id, const std::string& component, int64_t start, int64_t end, const std::string& floating_zone) {
  return Status::Internal("PgSession::QueryOccurrences: not ported yet");
}

Result<std::vector<Object>> PgSession::GetObjectsById(Id collection_id, const std::vector<Id>& ids, bool with_data) {
  return Status::Internal("PgSession::GetObjectsById: not ported yet");
}

Result<std::vector<Id>> PgSession::OccurrenceBackfillCollections() {
  return Status::Internal("PgSession::OccurrenceBackfillCollections: not ported yet");
}

Result<std::vector<Object>> PgSession::ObjectsWithoutOccurrences(Id collection_id, size_t limit) {
  return Status::Internal("PgSession::ObjectsWithoutOccurrences: not ported yet");
}

Result<bool> PgSession::BackfillOccurrences(Id object_id, const std::string& etag, const OccurrenceSet& set) {
  return Status::Internal("PgSession::BackfillOccurrences: not ported yet");
}

Result<bool> PgSession::FinishOccurrenceBackfill(Id collection_id) {
  return Status::Internal("PgSession::FinishOccurrenceBackfill: not ported yet");
}

}  // namespace cartable::store
