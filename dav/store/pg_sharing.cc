// PgSession: sharing (schemas/postgres/0009_sharing.sql): shares, sharees' own settings,
// per-user data of calendar objects, delegation, and the directory groups; as sqlite_sharing.cc.
#include <algorithm>
#include <string>
#include <vector>

#include "dav/store/pg_store.h"
#include "dav/store/store_codec.h"
#include "dav/store/store_util.h"

namespace cartable::store {
namespace {

using pg::ReadAll;
using pg::ReadOne;

constexpr char kShareColumns[] =
    "SELECT id, collection_id, sharee_user_id, sharee_group, access, status, summary, invite_uid, "
    "created_at, updated_at FROM shares ";

constexpr char kMemberColumns[] =
    "SELECT share_id, user_id, hidden, display_name, color, sort_order, transparent, updated_at "
    "FROM share_members ";

constexpr char kDelegateColumns[] =
    "SELECT owner_id, delegate_id, access, created_at FROM delegates ";

Share ReadShare(const pg::Rows& r, int i) {
  Share h;
  h.id = r.Int(i, 0);
  h.collection_id = r.Int(i, 1);
  h.sharee_user_id = r.Int(i, 2);  // NULL reads as 0
  h.sharee_group = r.Text(i, 3);
  h.access = AccessOf(r.View(i, 4));
  h.status = StatusOf(r.View(i, 5));
  h.summary = r.Text(i, 6);
  h.invite_uid = r.Text(i, 7);
  h.created_at = r.Int(i, 8);
  h.updated_at = r.Int(i, 9);
  return h;
}

ShareMember ReadMember(const pg::Rows& r, int i) {
  ShareMember m;
  m.share_id = r.Int(i, 0);
  m.user_id = r.Int(i, 1);
  m.hidden = r.Int(i, 2) != 0;
  if (!r.IsNull(i, 3)) m.display_name = r.Text(i, 3);
  if (!r.IsNull(i, 4)) m.color = r.Text(i, 4);
  if (!r.IsNull(i, 5)) m.order = r.Int(i, 5);
  if (!r.IsNull(i, 6)) m.transparent = r.Int(i, 6) != 0;
  m.updated_at = r.Int(i, 7);
  return m;
}

PerUserData ReadPerUser(const pg::Rows& r, int i) {
  PerUserData p;
  p.object_id = r.Int(i, 0);
  p.user_id = r.Int(i, 1);
  p.data = r.Text(i, 2);
  p.etag = r.Text(i, 3);
  return p;
}

Delegate ReadDelegate(const pg::Rows& r, int i) {
  Delegate d;
  d.owner_id = r.Int(i, 0);
  d.delegate_id = r.Int(i, 1);
  d.access = DelegateOf(r.View(i, 2));
  d.created_at = r.Int(i, 3);
  return d;
}

// An optional boolean column: 1/0, or NULL. Sent as BIGINT and cast by the statement, so the
// column may be INTEGER or BOOLEAN.
pg::Params& AddOptionalFlag(pg::Params& p, const std::optional<bool>& v) {
  return v ? p.Add(int64_t{*v}) : p.AddNull();
}

}  // namespace

// ---- shares ----

Result<Id> PgSession::CreateShare(const Share& share) {
  const UnixTime now = Now();
  PgWriteScope scope(*this);
  if (!scope.status().ok()) return scope.status();
  pg::Params p;
  p.Add(share.collection_id);
  if (share.sharee_user_id != 0) {
    p.Add(share.sharee_user_id).AddNull();
  } else {
    p.AddNull().Add(share.sharee_group);
  }
  p.Add(AccessText(share.access)).Add(StatusText(share.status)).Add(share.summary);
  p.Add(share.invite_uid).Add(now).Add(now);
  Result<pg::Rows> r = Exec(
      "INSERT INTO shares (collection_id, sharee_user_id, sharee_group, access, status, summary, "
      "invite_uid, created_at, updated_at) VALUES ($1, $2::bigint, $3::text, $4, $5, $6, $7, $8, "
      "$9) RETURNING id",
      p, "creating a share");
  if (Status st = scope.Finish(r.status()); !st.ok()) return st;
  return r->Int(0, 0);
}

Status PgSession::UpdateShare(const Share& share) {
  PgWriteScope scope(*this);
  if (!scope.status().ok()) return scope.status();
  Result<pg::Rows> r = Exec(
      "UPDATE shares SET access = $1, status = $2, summary = $3, updated_at = $4 WHERE id = $5",
      pg::Params()
          .Add(AccessText(share.access))
          .Add(StatusText(share.status))
          .Add(share.summary)
          .Add(Now())
          .Add(share.id),
      "updating a share");
  if (r.ok() && r->affected() == 0) {
    return scope.Finish(Status::NotFound("no share with id " + std::to_string(share.id)));
  }
  return scope.Finish(r.status());
}

Result<Share> PgSession::GetShare(Id id) {
  return ReadOne<Share>(
      Exec(std::string(kShareColumns) + "WHERE id = $1", pg::Params().Add(id), "reading a share"),
      ReadShare, "no share with id " + std::to_string(id));
}

Result<Share> PgSession::FindShareByInvite(const std::string& invite_uid) {
  return ReadOne<Share>(Exec(std::string(kShareColumns) + "WHERE invite_uid = $1",
                             pg::Params().Add(invite_uid), "reading a share"),
                        ReadShare, "no share invitation " + invite_uid);
}

Status PgSession::DeleteShare(Id id) {
  PgWriteScope scope(*this);
  if (!scope.status().ok()) return scope.status();
  Result<pg::Rows> r =
      Exec("DELETE FROM shares WHERE id = $1", pg::Params().Add(id), "deleting a share");
  if (r.ok() && r->affected() == 0) {
    return scope.Finish(Status::NotFound("no share with id " + std::to_string(id)));
  }
  return scope.Finish(r.status());
}

Result<std::vector<Share>> PgSession::ListShares(Id collection_id) {
  Result<pg::Rows> r = Exec(std::string(kShareColumns) + "WHERE collection_id = $1 ORDER BY id",
                            pg::Params().Add(collection_id), "listing the shares of a collection");
  if (!r.ok()) return r.status();
  return ReadAll<Share>(*r, ReadShare);
}

Result<std::vector<Share>> PgSession::SharesForSharee(Id user_id,
                                                      const std::vector<std::string>& group_keys) {
  // One statement, each arm an index lookup (shares_user, shares_group).
  Result<pg::Rows> r =
      Exec(std::string(kShareColumns) +
               "WHERE sharee_user_id = $1 "
               "UNION ALL " +
               kShareColumns + "WHERE sharee_group = ANY($2::text[]) ORDER BY 1",
           pg::Params().Add(user_id).AddTexts(group_keys), "listing a user's shares");
  if (!r.ok()) return r.status();
  return ReadAll<Share>(*r, ReadShare);
}

Result<ShareMember> PgSession::GetShareMember(Id share_id, Id user_id) {
  return ReadOne<ShareMember>(
      Exec(std::string(kMemberColumns) + "WHERE share_id = $1 AND user_id = $2",
           pg::Params().Add(share_id).Add(user_id), "reading a share member"),
      ReadMember, "no settings of this user on this share");
}

Status PgSession::PutShareMember(const ShareMember& m) {
  PgWriteScope scope(*this);
  if (!scope.status().ok()) return scope.status();
  pg::Params p;
  p.Add(m.share_id).Add(m.user_id).Add(int64_t{m.hidden});
  p.AddOrNull(m.display_name).AddOrNull(m.color).AddOrNull(m.order);
  AddOptionalFlag(p, m.transparent).Add(Now());
  Result<pg::Rows> r = Exec(
      "INSERT INTO share_members (share_id, user_id, hidden, display_name, color, sort_order, "
      "transparent, updated_at) VALUES ($1, $2, $3::bigint, $4::text, $5::text, $6::bigint, "
      "$7::bigint, $8) ON CONFLICT (share_id, user_id) DO UPDATE SET hidden = excluded.hidden, "
      "display_name = excluded.display_name, color = excluded.color, "
      "sort_order = excluded.sort_order, transparent = excluded.transparent, "
      "updated_at = excluded.updated_at",
      p, "storing a sharee's settings");
  return scope.Finish(r.status());
}

Result<std::vector<ShareMember>> PgSession::ListShareMembers(Id user_id) {
  Result<pg::Rows> r = Exec(std::string(kMemberColumns) + "WHERE user_id = $1 ORDER BY share_id",
                            pg::Params().Add(user_id), "listing a user's share settings");
  if (!r.ok()) return r.status();
  return ReadAll<ShareMember>(*r, ReadMember);
}

// ---- per-user data ----

Result<PerUserData> PgSession::GetPerUserData(Id object_id, Id user_id) {
  return ReadOne<PerUserData>(
      Exec("SELECT object_id, user_id, data, etag FROM per_user_data "
           "WHERE object_id = $1 AND user_id = $2",
           pg::Params().Add(object_id).Add(user_id), "reading per-user data"),
      ReadPerUser, "no per-user data");
}

Status PgSession::PutPerUserData(Id object_id, Id user_id, const std::string& data) {
  PgWriteScope scope(*this);
  if (!scope.status().ok()) return scope.status();
  Result<pg::Rows> r = Exec(
      "INSERT INTO per_user_data (object_id, user_id, data, etag) VALUES ($1, $2, $3, $4) "
      "ON CONFLICT (object_id, user_id) DO UPDATE SET data = excluded.data, etag = excluded.etag",
      pg::Params().Add(object_id).Add(user_id).Add(data).Add(ComputeEtag(data)),
      "storing per-user data");
  return scope.Finish(r.status());
}

Status PgSession::DeletePerUserData(Id object_id, Id user_id) {
  PgWriteScope scope(*this);
  if (!scope.status().ok()) return scope.status();
  Result<pg::Rows> r = Exec("DELETE FROM per_user_data WHERE object_id = $1 AND user_id = $2",
                            pg::Params().Add(object_id).Add(user_id), "deleting per-user data");
  return scope.Finish(r.status());
}

Status PgSession::ForEachPerUserData(Id collection_id, Id user_id,
                                     const std::function<Status(const PerUserData&)>& fn) {
  Result<pg::Rows> r = Exec(
      "SELECT p.object_id, p.user_id, p.data, p.etag FROM per_user_data p "
      "JOIN objects o ON o.id = p.object_id WHERE o.collection_id = $1 AND p.user_id = $2 "
      "ORDER BY p.object_id",
      pg::Params().Add(collection_id).Add(user_id), "reading per-user data");
  if (!r.ok()) return r.status();
  for (int i = 0; i < r->size(); ++i) {
    if (Status st = fn(ReadPerUser(*r, i)); !st.ok()) return EndVisit(st);
  }
  return Status::OK();
}

// ---- delegation ----

Status PgSession::PutDelegate(const Delegate& d) {
  if (d.owner_id == d.delegate_id) return Status::BadRequest("a user cannot be their own delegate");
  PgWriteScope scope(*this);
  if (!scope.status().ok()) return scope.status();
  Result<pg::Rows> r = Exec(
      "INSERT INTO delegates (owner_id, delegate_id, access, created_at) VALUES ($1, $2, $3, $4) "
      "ON CONFLICT (owner_id, delegate_id) DO UPDATE SET access = excluded.access",
      pg::Params()
          .Add(d.owner_id)
          .Add(d.delegate_id)
          .Add(DelegateText(d.access))
          .Add(d.created_at != 0 ? d.created_at : Now()),
      "storing a delegate");
  return scope.Finish(r.status());
}

Status PgSession::DeleteDelegate(Id owner_id, Id delegate_id) {
  PgWriteScope scope(*this);
  if (!scope.status().ok()) return scope.status();
  Result<pg::Rows> r = Exec("DELETE FROM delegates WHERE owner_id = $1 AND delegate_id = $2",
                            pg::Params().Add(owner_id).Add(delegate_id), "deleting a delegate");
  return scope.Finish(r.status());
}

Result<Delegate> PgSession::GetDelegate(Id owner_id, Id delegate_id) {
  return ReadOne<Delegate>(
      Exec(std::string(kDelegateColumns) + "WHERE owner_id = $1 AND delegate_id = $2",
           pg::Params().Add(owner_id).Add(delegate_id), "reading a delegate"),
      ReadDelegate, "not a delegate");
}

Result<std::vector<Delegate>> PgSession::ListDelegates(Id owner_id) {
  Result<pg::Rows> r =
      Exec(std::string(kDelegateColumns) + "WHERE owner_id = $1 ORDER BY delegate_id",
           pg::Params().Add(owner_id), "listing delegates");
  if (!r.ok()) return r.status();
  return ReadAll<Delegate>(*r, ReadDelegate);
}

Result<std::vector<Delegate>> PgSession::ListDelegations(Id delegate_id) {
  Result<pg::Rows> r =
      Exec(std::string(kDelegateColumns) + "WHERE delegate_id = $1 ORDER BY owner_id",
           pg::Params().Add(delegate_id), "listing delegations");
  if (!r.ok()) return r.status();
  return ReadAll<Delegate>(*r, ReadDelegate);
}

// ---- groups ----

Result<std::vector<std::string>> PgSession::GroupKeysOfUser(Id user_id) {
  Result<pg::Rows> r = Exec(
      "SELECT 'departement:' || departement COLLATE \"C\" FROM directory_entries "
      "WHERE user_id = $1 AND active = 1 AND departement <> '' "
      "UNION SELECT 'etablissement:' || uai COLLATE \"C\" FROM directory_entries "
      "WHERE user_id = $1 AND active = 1 AND uai <> '' ORDER BY 1",
      pg::Params().Add(user_id), "reading a user's groups");
  if (!r.ok()) return r.status();
  return ReadAll<std::string>(*r, [](const pg::Rows& rows, int i) { return rows.Text(i, 0); });
}

Result<std::vector<Id>> PgSession::GroupMemberIds(const std::string& group_key, size_t limit) {
  const std::optional<GroupKey> key = ParseGroupKey(group_key);
  if (!key) return std::vector<Id>{};
  std::string_view sql;
  if (key->kind == GroupKey::Kind::kDepartement) {
    sql =
        "SELECT DISTINCT e.user_id FROM directory_entries e JOIN users u ON u.id = e.user_id "
        "WHERE e.departement = $1 AND e.active = 1 AND u.kind = 'person' ORDER BY e.user_id "
        "LIMIT $2";
  } else {  // GroupKey::Kind::kEtablissement
    sql =
        "SELECT DISTINCT e.user_id FROM directory_entries e JOIN users u ON u.id = e.user_id "
        "WHERE e.uai = $1 AND e.active = 1 AND u.kind = 'person' ORDER BY e.user_id LIMIT $2";
  }
  Result<pg::Rows> r =
      Exec(sql, pg::Params().Add(key->value).Add(pg::SqlLimit(limit)), "listing a group's members");
  if (!r.ok()) return r.status();
  return pg::FirstColumn(*r);
}

}  // namespace cartable::store
