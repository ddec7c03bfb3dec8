// TEMPORARY during the port of the PostgreSQL store (issue 15): every PgSession method not yet
// written in its pg_*.cc file. Each port deletes its methods from here; the file is deleted
// when it is empty. Nothing may ship with a method left here.
#include "dav/store/pg_store.h"

namespace cartable::store {

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

}  // namespace cartable::store
