// SqliteSession: sharing (0009_sharing.sql): shares, sharees' own settings, per-user data of
// calendar objects, delegation, and the directory groups.
#include <algorithm>
#include <string>
#include <vector>

#include "dav/store/sqlite_store.h"
#include "dav/store/store_codec.h"
#include "dav/store/store_util.h"

namespace cartable::store {
namespace {

constexpr char kShareColumns[] =
    "SELECT id, collection_id, sharee_user_id, sharee_group, access, status, summary, invite_uid, "
    "created_at, updated_at FROM shares ";

constexpr char kMemberColumns[] =
    "SELECT share_id, user_id, hidden, display_name, color, sort_order, transparent, updated_at "
    "FROM share_members ";

Share ReadShare(const Stmt& s) {
  Share h;
  h.id = s.Int(0);
  h.collection_id = s.Int(1);
  h.sharee_user_id = s.IsNull(2) ? 0 : s.Int(2);
  h.sharee_group = s.Text(3);
  h.access = AccessOf(s.Text(4));
  h.status = StatusOf(s.Text(5));
  h.summary = s.Text(6);
  h.invite_uid = s.Text(7);
  h.created_at = s.Int(8);
  h.updated_at = s.Int(9);
  return h;
}

ShareMember ReadMember(const Stmt& s) {
  ShareMember m;
  m.share_id = s.Int(0);
  m.user_id = s.Int(1);
  m.hidden = s.Int(2) != 0;
  if (!s.IsNull(3)) m.display_name = s.Text(3);
  if (!s.IsNull(4)) m.color = s.Text(4);
  if (!s.IsNull(5)) m.order = s.Int(5);
  if (!s.IsNull(6)) m.transparent = s.Int(6) != 0;
  m.updated_at = s.Int(7);
  return m;
}

PerUserData ReadPerUser(const Stmt& s) {
  PerUserData p;
  p.object_id = s.Int(0);
  p.user_id = s.Int(1);
  p.data = s.Text(2);
  p.etag = s.Text(3);
  return p;
}

Delegate ReadDelegate(const Stmt& s) {
  Delegate d;
  d.owner_id = s.Int(0);
  d.delegate_id = s.Int(1);
  d.access = DelegateOf(s.Text(2));
  d.created_at = s.Int(3);
  return d;
}

// One row or kNotFound(`missing`).
template <typename T, typename Read>
Result<T> StepOne(Stmt& s, Read read, const std::string& missing, std::string_view what) {
  int rc = s.Step();
  if (rc == SQLITE_ROW) return read(s);
  if (rc == SQLITE_DONE) return Status::NotFound(missing);
  return SqliteStatus(s.db(), rc, what);
}

}  // namespace

// ---- shares ----

Result<Id> SqliteSession::CreateShare(const Share& share) {
  const UnixTime now = Now();
  Status st = WriteOne(
      "INSERT INTO shares (collection_id, sharee_user_id, sharee_group, access, status, summary, "
      "invite_uid, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)",
      "creating a share", [&](Stmt& s) {
        s.Bind(1, share.collection_id);
        if (share.sharee_user_id != 0) {
          s.Bind(2, share.sharee_user_id).BindNull(3);
        } else {
          s.BindNull(2).Bind(3, share.sharee_group);
        }
        s.Bind(4, AccessText(share.access)).Bind(5, StatusText(share.status));
        s.Bind(6, share.summary).Bind(7, share.invite_uid).Bind(8, now).Bind(9, now);
      });
  if (!st.ok()) return st;
  return db_->LastInsertId();
}

Status SqliteSession::UpdateShare(const Share& share) {
  return WriteOne(
      "UPDATE shares SET access = ?1, status = ?2, summary = ?3, updated_at = ?4 WHERE id = ?5",
      "updating a share",
      [&](Stmt& s) {
        s.Bind(1, AccessText(share.access)).Bind(2, StatusText(share.status));
        s.Bind(3, share.summary).Bind(4, Now()).Bind(5, share.id);
      },
      [&](Status st) {
        return RequireChange(std::move(st), "no share with id " + std::to_string(share.id));
      });
}

Result<Share> SqliteSession::GetShare(Id id) {
  Result<Stmt> s = Prepare(std::string(kShareColumns) + "WHERE id = ?");
  if (!s.ok()) return s.status();
  s->Bind(1, id);
  return StepOne<Share>(*s, ReadShare, "no share with id " + std::to_string(id), "reading a share");
}

Result<Share> SqliteSession::FindShareByInvite(const std::string& invite_uid) {
  Result<Stmt> s = Prepare(std::string(kShareColumns) + "WHERE invite_uid = ?");
  if (!s.ok()) return s.status();
  s->Bind(1, invite_uid);
  return StepOne<Share>(*s, ReadShare, "no share invitation " + invite_uid, "reading a share");
}

Status SqliteSession::DeleteShare(Id id) {
  return WriteOne(
      "DELETE FROM shares WHERE id = ?", "deleting a share", [&](Stmt& s) { s.Bind(1, id); },
      [&](Status st) {
        return RequireChange(std::move(st), "no share with id " + std::to_string(id));
      });
}

Result<std::vector<Share>> SqliteSession::ListShares(Id collection_id) {
  Result<Stmt> s = Prepare(std::string(kShareColumns) + "WHERE collection_id = ? ORDER BY id");
  if (!s.ok()) return s.status();
  s->Bind(1, collection_id);
  return StepAll<Share>(*s, ReadShare, "listing the shares of a collection");
}

Result<std::vector<Share>> SqliteSession::SharesForSharee(
    Id user_id, const std::vector<std::string>& group_keys) {
  std::vector<Share> out;
  {
    Result<Stmt> s = Prepare(std::string(kShareColumns) + "WHERE sharee_user_id = ?");
    if (!s.ok()) return s.status();
    s->Bind(1, user_id);
    Result<std::vector<Share>> rows = StepAll<Share>(*s, ReadShare, "listing a user's shares");
    if (!rows.ok()) return rows.status();
    out = std::move(rows.value());
  }
  for (const std::string& key : group_keys) {
    Result<Stmt> s = Prepare(std::string(kShareColumns) + "WHERE sharee_group = ?");
    if (!s.ok()) return s.status();
    s->Bind(1, key);
    Result<std::vector<Share>> rows = StepAll<Share>(*s, ReadShare, "listing a group's shares");
    if (!rows.ok()) return rows.status();
    out.insert(out.end(), rows->begin(), rows->end());
  }
  std::sort(out.begin(), out.end(), [](const Share& a, const Share& b) { return a.id < b.id; });
  return out;
}

Result<ShareMember> SqliteSession::GetShareMember(Id share_id, Id user_id) {
  Result<Stmt> s = Prepare(std::string(kMemberColumns) + "WHERE share_id = ? AND user_id = ?");
  if (!s.ok()) return s.status();
  s->Bind(1, share_id).Bind(2, user_id);
  return StepOne<ShareMember>(*s, ReadMember, "no settings of this user on this share",
                              "reading a share member");
}

Status SqliteSession::PutShareMember(const ShareMember& m) {
  return WriteOne(
      "INSERT OR REPLACE INTO share_members (share_id, user_id, hidden, display_name, color, "
      "sort_order, transparent, updated_at) VALUES (?,?,?,?,?,?,?,?)",
      "storing a sharee's settings", [&](Stmt& s) {
        s.Bind(1, m.share_id).Bind(2, m.user_id).Bind(3, int64_t{m.hidden});
        s.BindOrNull(4, m.display_name).BindOrNull(5, m.color).BindOrNull(6, m.order);
        if (m.transparent) {
          s.Bind(7, int64_t{*m.transparent});
        } else {
          s.BindNull(7);
        }
        s.Bind(8, Now());
      });
}

Result<std::vector<ShareMember>> SqliteSession::ListShareMembers(Id user_id) {
  Result<Stmt> s = Prepare(std::string(kMemberColumns) + "WHERE user_id = ? ORDER BY share_id");
  if (!s.ok()) return s.status();
  s->Bind(1, user_id);
  return StepAll<ShareMember>(*s, ReadMember, "listing a user's share settings");
}

// ---- per-user data ----

Result<PerUserData> SqliteSession::GetPerUserData(Id object_id, Id user_id) {
  Result<Stmt> s = Prepare(
      "SELECT object_id, user_id, data, etag FROM per_user_data "
      "WHERE object_id = ? AND user_id = ?");
  if (!s.ok()) return s.status();
  s->Bind(1, object_id).Bind(2, user_id);
  return StepOne<PerUserData>(*s, ReadPerUser, "no per-user data", "reading per-user data");
}

Status SqliteSession::PutPerUserData(Id object_id, Id user_id, const std::string& data) {
  return WriteOne(
      "INSERT OR REPLACE INTO per_user_data (object_id, user_id, data, etag) VALUES (?,?,?,?)",
      "storing per-user data", [&](Stmt& s) {
        s.Bind(1, object_id).Bind(2, user_id).Bind(3, data).Bind(4, ComputeEtag(data));
      });
}

Status SqliteSession::DeletePerUserData(Id object_id, Id user_id) {
  return WriteOne("DELETE FROM per_user_data WHERE object_id = ? AND user_id = ?",
                  "deleting per-user data",
                  [&](Stmt& s) { s.Bind(1, object_id).Bind(2, user_id); });
}

Status SqliteSession::ForEachPerUserData(Id collection_id, Id user_id,
                                         const std::function<Status(const PerUserData&)>& fn) {
  Result<Stmt> s = Prepare(
      "SELECT p.object_id, p.user_id, p.data, p.etag FROM per_user_data p "
      "JOIN objects o ON o.id = p.object_id WHERE o.collection_id = ? AND p.user_id = ? "
      "ORDER BY p.object_id");
  if (!s.ok()) return s.status();
  s->Bind(1, collection_id).Bind(2, user_id);
  int rc;
  while ((rc = s->Step()) == SQLITE_ROW) {
    if (Status st = fn(ReadPerUser(*s)); !st.ok()) return EndVisit(st);
  }
  if (rc != SQLITE_DONE) return SqliteStatus(db_->raw(), rc, "reading per-user data");
  return Status::OK();
}

// ---- delegation ----

Status SqliteSession::PutDelegate(const Delegate& d) {
  if (d.owner_id == d.delegate_id) return Status::BadRequest("a user cannot be their own delegate");
  return WriteOne(
      "INSERT INTO delegates (owner_id, delegate_id, access, created_at) VALUES (?1,?2,?3,?4) "
      "ON CONFLICT (owner_id, delegate_id) DO UPDATE SET access = excluded.access",
      "storing a delegate", [&](Stmt& s) {
        s.Bind(1, d.owner_id).Bind(2, d.delegate_id).Bind(3, DelegateText(d.access));
        s.Bind(4, d.created_at != 0 ? d.created_at : Now());
      });
}

Status SqliteSession::DeleteDelegate(Id owner_id, Id delegate_id) {
  return WriteOne("DELETE FROM delegates WHERE owner_id = ? AND delegate_id = ?",
                  "deleting a delegate",
                  [&](Stmt& s) { s.Bind(1, owner_id).Bind(2, delegate_id); });
}

Result<Delegate> SqliteSession::GetDelegate(Id owner_id, Id delegate_id) {
  Result<Stmt> s = Prepare(
      "SELECT owner_id, delegate_id, access, created_at FROM delegates "
      "WHERE owner_id = ? AND delegate_id = ?");
  if (!s.ok()) return s.status();
  s->Bind(1, owner_id).Bind(2, delegate_id);
  return StepOne<Delegate>(*s, ReadDelegate, "not a delegate", "reading a delegate");
}

Result<std::vector<Delegate>> SqliteSession::ListDelegates(Id owner_id) {
  Result<Stmt> s = Prepare(
      "SELECT owner_id, delegate_id, access, created_at FROM delegates WHERE owner_id = ? "
      "ORDER BY delegate_id");
  if (!s.ok()) return s.status();
  s->Bind(1, owner_id);
  return StepAll<Delegate>(*s, ReadDelegate, "listing delegates");
}

Result<std::vector<Delegate>> SqliteSession::ListDelegations(Id delegate_id) {
  Result<Stmt> s = Prepare(
      "SELECT owner_id, delegate_id, access, created_at FROM delegates WHERE delegate_id = ? "
      "ORDER BY owner_id");
  if (!s.ok()) return s.status();
  s->Bind(1, delegate_id);
  return StepAll<Delegate>(*s, ReadDelegate, "listing delegations");
}

// ---- groups ----

Result<std::vector<std::string>> SqliteSession::GroupKeysOfUser(Id user_id) {
  Result<Stmt> s = Prepare(
      "SELECT 'departement:' || departement FROM directory_entries "
      "WHERE user_id = ?1 AND active = 1 AND departement <> '' "
      "UNION SELECT 'etablissement:' || uai FROM directory_entries "
      "WHERE user_id = ?1 AND active = 1 AND uai <> '' ORDER BY 1");
  if (!s.ok()) return s.status();
  s->Bind(1, user_id);
  return StepAll<std::string>(
      *s, [](const Stmt& r) { return r.Text(0); }, "reading a user's groups");
}

Result<std::vector<Id>> SqliteSession::GroupMemberIds(const std::string& group_key, size_t limit) {
  const std::optional<GroupKey> key = ParseGroupKey(group_key);
  if (!key) return std::vector<Id>{};
  std::string_view sql;
  if (key->kind == GroupKey::Kind::kDepartement) {
    sql =
        "SELECT DISTINCT e.user_id FROM directory_entries e JOIN users u ON u.id = e.user_id "
        "WHERE e.departement = ? AND e.active = 1 AND u.kind = 'person' ORDER BY e.user_id "
        "LIMIT ?";
  } else {  // GroupKey::Kind::kEtablissement
    sql =
        "SELECT DISTINCT e.user_id FROM directory_entries e JOIN users u ON u.id = e.user_id "
        "WHERE e.uai = ? AND e.active = 1 AND u.kind = 'person' ORDER BY e.user_id LIMIT ?";
  }
  Result<Stmt> s = Prepare(sql);
  if (!s.ok()) return s.status();
  s->Bind(1, key->value).Bind(2, static_cast<int64_t>(limit));
  return StepAll<Id>(
      *s, [](const Stmt& r) { return r.Int(0); }, "listing a group's members");
}

}  // namespace cartable::store
