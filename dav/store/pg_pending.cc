// TEMPORARY during the port of the PostgreSQL store (issue 15): every PgSession method not yet
// written in its pg_*.cc file. Each port deletes its methods from here; the file is deleted
// when it is empty. Nothing may ship with a method left here.
#include "dav/store/pg_store.h"

namespace cartable::store {

Result<Id> PgSession::CreateUser(const User&) {
  return Status::Internal("PgSession::CreateUser: not ported yet");
}

Result<User> PgSession::GetUserById(Id) {
  return Status::Internal("PgSession::GetUserById: not ported yet");
}

Result<User> PgSession::GetUserByLogin(const std::string&) {
  return Status::Internal("PgSession::GetUserByLogin: not ported yet");
}

Result<User> PgSession::GetUserByEmail(const std::string&) {
  return Status::Internal("PgSession::GetUserByEmail: not ported yet");
}

Result<std::vector<User>> PgSession::ListUsers() {
  return Status::Internal("PgSession::ListUsers: not ported yet");
}

Status PgSession::UpdateUser(const User&) {
  return Status::Internal("PgSession::UpdateUser: not ported yet");
}

Status PgSession::SetPasswordHash(Id, const std::string&, bool) {
  return Status::Internal("PgSession::SetPasswordHash: not ported yet");
}

Result<UserSecurity> PgSession::GetUserSecurity(Id) {
  return Status::Internal("PgSession::GetUserSecurity: not ported yet");
}

Status PgSession::SetUserSecurity(Id, const UserSecurity&, bool) {
  return Status::Internal("PgSession::SetUserSecurity: not ported yet");
}

Result<User> PgSession::FindUserByNumenHash(const std::string&) {
  return Status::Internal("PgSession::FindUserByNumenHash: not ported yet");
}

Result<std::vector<std::string>> PgSession::PasswordHistory(Id, size_t) {
  return Status::Internal("PgSession::PasswordHistory: not ported yet");
}

Status PgSession::AddPasswordHistory(Id, const std::string&, UnixTime, size_t) {
  return Status::Internal("PgSession::AddPasswordHistory: not ported yet");
}

Result<std::vector<AuthFailure>> PgSession::AuthFailuresSince(Id, UnixTime) {
  return Status::Internal("PgSession::AuthFailuresSince: not ported yet");
}

Status PgSession::AddAuthFailure(Id, const AuthFailure&) {
  return Status::Internal("PgSession::AddAuthFailure: not ported yet");
}

Status PgSession::ClearAuthFailures(Id) {
  return Status::Internal("PgSession::ClearAuthFailures: not ported yet");
}

Result<Id> PgSession::CreateAppPassword(const AppPassword&) {
  return Status::Internal("PgSession::CreateAppPassword: not ported yet");
}

Result<std::vector<AppPassword>> PgSession::ListAppPasswords(Id) {
  return Status::Internal("PgSession::ListAppPasswords: not ported yet");
}

Result<AppPassword> PgSession::FindAppPasswordByHash(const std::string&) {
  return Status::Internal("PgSession::FindAppPasswordByHash: not ported yet");
}

Status PgSession::DeleteAppPassword(Id, const std::string&) {
  return Status::Internal("PgSession::DeleteAppPassword: not ported yet");
}

Status PgSession::TouchAppPassword(Id, UnixTime, const std::string&) {
  return Status::Internal("PgSession::TouchAppPassword: not ported yet");
}

Result<Id> PgSession::CreateWebSession(const WebSession&) {
  return Status::Internal("PgSession::CreateWebSession: not ported yet");
}

Result<WebSession> PgSession::FindWebSession(const std::string&) {
  return Status::Internal("PgSession::FindWebSession: not ported yet");
}

Result<WebSession> PgSession::GetWebSession(Id) {
  return Status::Internal("PgSession::GetWebSession: not ported yet");
}

Result<std::vector<WebSession>> PgSession::ListWebSessions(Id) {
  return Status::Internal("PgSession::ListWebSessions: not ported yet");
}

Status PgSession::UpdateWebSession(const WebSession&) {
  return Status::Internal("PgSession::UpdateWebSession: not ported yet");
}

Status PgSession::DeleteWebSession(Id) {
  return Status::Internal("PgSession::DeleteWebSession: not ported yet");
}

Result<int64_t> PgSession::DeleteWebSessions(Id, Id) {
  return Status::Internal("PgSession::DeleteWebSessions: not ported yet");
}

Result<int64_t> PgSession::DeleteExpiredWebSessions(UnixTime, UnixTime) {
  return Status::Internal("PgSession::DeleteExpiredWebSessions: not ported yet");
}

Status PgSession::CreateAccountToken(const AccountToken&) {
  return Status::Internal("PgSession::CreateAccountToken: not ported yet");
}

Result<AccountToken> PgSession::TakeAccountToken(const std::string&, const std::string&, UnixTime) {
  return Status::Internal("PgSession::TakeAccountToken: not ported yet");
}

Status PgSession::DeleteAccountTokens(Id, const std::string&) {
  return Status::Internal("PgSession::DeleteAccountTokens: not ported yet");
}

Status PgSession::SetRecoveryCodes(Id, const std::vector<std::string>&) {
  return Status::Internal("PgSession::SetRecoveryCodes: not ported yet");
}

Result<bool> PgSession::UseRecoveryCode(Id, const std::string&, UnixTime) {
  return Status::Internal("PgSession::UseRecoveryCode: not ported yet");
}

Result<int64_t> PgSession::UnusedRecoveryCodes(Id) {
  return Status::Internal("PgSession::UnusedRecoveryCodes: not ported yet");
}

Result<Id> PgSession::AppendAudit(const AuditEntry&) {
  return Status::Internal("PgSession::AppendAudit: not ported yet");
}

Result<std::vector<AuditEntry>> PgSession::ListAudit(const AuditQuery&) {
  return Status::Internal("PgSession::ListAudit: not ported yet");
}

Result<Collection> PgSession::GetCollection(const std::string&) {
  return Status::Internal("PgSession::GetCollection: not ported yet");
}

Result<Collection> PgSession::GetCollectionById(Id) {
  return Status::Internal("PgSession::GetCollectionById: not ported yet");
}

Result<Collection> PgSession::CreateCollection(const std::string&, Id, Id, const std::string&) {
  return Status::Internal("PgSession::CreateCollection: not ported yet");
}

Result<std::vector<Collection>> PgSession::ListChildCollections(Id) {
  return Status::Internal("PgSession::ListChildCollections: not ported yet");
}

Status PgSession::DeleteCollection(Id) {
  return Status::Internal("PgSession::DeleteCollection: not ported yet");
}

Status PgSession::MoveCollection(Id, const std::string&, Id) {
  return Status::Internal("PgSession::MoveCollection: not ported yet");
}

Status PgSession::SetCollectionSettings(Id, const CollectionSettings&) {
  return Status::Internal("PgSession::SetCollectionSettings: not ported yet");
}

Result<int64_t> PgSession::Touch(Id, const std::string&, bool) {
  return Status::Internal("PgSession::Touch: not ported yet");
}

Result<Object> PgSession::GetObject(Id, const std::string&, bool) {
  return Status::Internal("PgSession::GetObject: not ported yet");
}

Status PgSession::ForEachObject(Id, const ObjectVisitor&) {
  return Status::Internal("PgSession::ForEachObject: not ported yet");
}

Status PgSession::QueryObjects(Id, const ObjectQuery&, const ObjectVisitor&) {
  return Status::Internal("PgSession::QueryObjects: not ported yet");
}

Result<std::vector<Object>> PgSession::GetObjects(Id, const std::vector<std::string>&, bool) {
  return Status::Internal("PgSession::GetObjects: not ported yet");
}

Result<Object> PgSession::FindObjectByUid(Id, const std::string&) {
  return Status::Internal("PgSession::FindObjectByUid: not ported yet");
}

Result<Object> PgSession::PutObject(Id, const std::string&, const std::string&, const std::string&,
                                    const ObjectIndex&) {
  return Status::Internal("PgSession::PutObject: not ported yet");
}

Status PgSession::DeleteObject(Id, const std::string&) {
  return Status::Internal("PgSession::DeleteObject: not ported yet");
}

Result<std::vector<DeadProperty>> PgSession::GetProperties(Owner, Id) {
  return Status::Internal("PgSession::GetProperties: not ported yet");
}

Status PgSession::ForEachObjectProperty(Id, const PropertyVisitor&) {
  return Status::Internal("PgSession::ForEachObjectProperty: not ported yet");
}

Status PgSession::SetProperty(Owner, Id, const DeadProperty&) {
  return Status::Internal("PgSession::SetProperty: not ported yet");
}

Status PgSession::RemoveProperty(Owner, Id, const std::string&, const std::string&) {
  return Status::Internal("PgSession::RemoveProperty: not ported yet");
}

Result<User> PgSession::GetUserByGroupKey(const std::string&) {
  return Status::Internal("PgSession::GetUserByGroupKey: not ported yet");
}

Result<std::vector<User>> PgSession::ListGroups() {
  return Status::Internal("PgSession::ListGroups: not ported yet");
}

Result<std::vector<Change>> PgSession::ChangesSince(Id, int64_t) {
  return Status::Internal("PgSession::ChangesSince: not ported yet");
}

Status PgSession::ForEachObjectListing(Id, const ObjectVisitor&) {
  return Status::Internal("PgSession::ForEachObjectListing: not ported yet");
}

Result<Session::OccurrenceMatches> PgSession::QueryOccurrences(Id, const std::string&, int64_t,
                                                               int64_t, const std::string&) {
  return Status::Internal("PgSession::QueryOccurrences: not ported yet");
}

Result<std::vector<Object>> PgSession::GetObjectsById(Id, const std::vector<Id>&, bool) {
  return Status::Internal("PgSession::GetObjectsById: not ported yet");
}

Result<std::vector<Id>> PgSession::OccurrenceBackfillCollections() {
  return Status::Internal("PgSession::OccurrenceBackfillCollections: not ported yet");
}

Result<std::vector<Object>> PgSession::ObjectsWithoutOccurrences(Id, size_t) {
  return Status::Internal("PgSession::ObjectsWithoutOccurrences: not ported yet");
}

Result<bool> PgSession::BackfillOccurrences(Id, const std::string&, const OccurrenceSet&) {
  return Status::Internal("PgSession::BackfillOccurrences: not ported yet");
}

Result<bool> PgSession::FinishOccurrenceBackfill(Id) {
  return Status::Internal("PgSession::FinishOccurrenceBackfill: not ported yet");
}

}  // namespace cartable::store
