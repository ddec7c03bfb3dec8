// TEMPORARY during the port of the PostgreSQL store (issue 15): every PgSession method not yet
// written in its pg_*.cc file. Each port deletes its methods from here; the file is deleted
// when it is empty. Nothing may ship with a method left here.
#include "dav/store/pg_store.h"

namespace cartable::store {

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

Result<std::vector<DirectoryEntry>> PgSession::ListDirectoryEntries() {
  return Status::Internal("PgSession::ListDirectoryEntries: not ported yet");
}

Result<Id> PgSession::PutDirectoryEntry(const DirectoryEntry&) {
  return Status::Internal("PgSession::PutDirectoryEntry: not ported yet");
}

Result<DirectoryEntry> PgSession::GetDirectoryEntryByUser(Id) {
  return Status::Internal("PgSession::GetDirectoryEntryByUser: not ported yet");
}

Result<std::vector<DirectoryEntry>> PgSession::GetDirectoryEntries(const std::vector<Id>&) {
  return Status::Internal("PgSession::GetDirectoryEntries: not ported yet");
}

Result<std::vector<DirectoryEntry>> PgSession::SearchDirectory(const DirectoryQuery&) {
  return Status::Internal("PgSession::SearchDirectory: not ported yet");
}

Result<std::vector<Id>> PgSession::DirectoryEntriesContaining(const std::string&, size_t) {
  return Status::Internal("PgSession::DirectoryEntriesContaining: not ported yet");
}

Result<std::string> PgSession::GetScheduleTag(Id) {
  return Status::Internal("PgSession::GetScheduleTag: not ported yet");
}

Status PgSession::SetScheduleTag(Id, const std::string&) {
  return Status::Internal("PgSession::SetScheduleTag: not ported yet");
}

Result<Id> PgSession::EnqueueMail(const QueuedMail&) {
  return Status::Internal("PgSession::EnqueueMail: not ported yet");
}

Result<std::vector<QueuedMail>> PgSession::DueMail(UnixTime, size_t) {
  return Status::Internal("PgSession::DueMail: not ported yet");
}

Status PgSession::RescheduleMail(Id, UnixTime, const std::string&) {
  return Status::Internal("PgSession::RescheduleMail: not ported yet");
}

Status PgSession::DeleteMail(Id) {
  return Status::Internal("PgSession::DeleteMail: not ported yet");
}

Result<Id> PgSession::CreateShare(const Share&) {
  return Status::Internal("PgSession::CreateShare: not ported yet");
}

Status PgSession::UpdateShare(const Share&) {
  return Status::Internal("PgSession::UpdateShare: not ported yet");
}

Result<Share> PgSession::GetShare(Id) {
  return Status::Internal("PgSession::GetShare: not ported yet");
}

Result<Share> PgSession::FindShareByInvite(const std::string&) {
  return Status::Internal("PgSession::FindShareByInvite: not ported yet");
}

Status PgSession::DeleteShare(Id) {
  return Status::Internal("PgSession::DeleteShare: not ported yet");
}

Result<std::vector<Share>> PgSession::ListShares(Id) {
  return Status::Internal("PgSession::ListShares: not ported yet");
}

Result<std::vector<Share>> PgSession::SharesForSharee(Id, const std::vector<std::string>&) {
  return Status::Internal("PgSession::SharesForSharee: not ported yet");
}

Result<ShareMember> PgSession::GetShareMember(Id, Id) {
  return Status::Internal("PgSession::GetShareMember: not ported yet");
}

Status PgSession::PutShareMember(const ShareMember&) {
  return Status::Internal("PgSession::PutShareMember: not ported yet");
}

Result<std::vector<ShareMember>> PgSession::ListShareMembers(Id) {
  return Status::Internal("PgSession::ListShareMembers: not ported yet");
}

Result<PerUserData> PgSession::GetPerUserData(Id, Id) {
  return Status::Internal("PgSession::GetPerUserData: not ported yet");
}

Status PgSession::PutPerUserData(Id, Id, const std::string&) {
  return Status::Internal("PgSession::PutPerUserData: not ported yet");
}

Status PgSession::DeletePerUserData(Id, Id) {
  return Status::Internal("PgSession::DeletePerUserData: not ported yet");
}

Status PgSession::ForEachPerUserData(Id, Id, const std::function<Status(const PerUserData&)>&) {
  return Status::Internal("PgSession::ForEachPerUserData: not ported yet");
}

Status PgSession::PutDelegate(const Delegate&) {
  return Status::Internal("PgSession::PutDelegate: not ported yet");
}

Status PgSession::DeleteDelegate(Id, Id) {
  return Status::Internal("PgSession::DeleteDelegate: not ported yet");
}

Result<Delegate> PgSession::GetDelegate(Id, Id) {
  return Status::Internal("PgSession::GetDelegate: not ported yet");
}

Result<std::vector<Delegate>> PgSession::ListDelegates(Id) {
  return Status::Internal("PgSession::ListDelegates: not ported yet");
}

Result<std::vector<Delegate>> PgSession::ListDelegations(Id) {
  return Status::Internal("PgSession::ListDelegations: not ported yet");
}

Result<std::vector<std::string>> PgSession::GroupKeysOfUser(Id) {
  return Status::Internal("PgSession::GroupKeysOfUser: not ported yet");
}

Result<std::vector<Id>> PgSession::GroupMemberIds(const std::string&, size_t) {
  return Status::Internal("PgSession::GroupMemberIds: not ported yet");
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
