// SqliteSession: collections and the change log.
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "dav/store/sqlite_store.h"
#include "dav/store/store_codec.h"
#include "dav/store/store_util.h"

namespace cartable::store {
namespace {

#define COLLECTION_COLUMNS                                                                        \
  "SELECT id, path, parent_id, owner_id, kind, sync_seq, created_at, modified_at, display_name, " \
  "description, color, sort_order, time_zone, transparent, default_calendar_id, components "      \
  "FROM collections "

std::optional<std::string> OptionalText(const Stmt& s, int col) {
  if (s.IsNull(col)) return std::nullopt;
  return s.Text(col);
}

CollectionSettings ReadSettings(const Stmt& s, int first) {
  CollectionSettings c;
  c.display_name = OptionalText(s, first);
  c.description = OptionalText(s, first + 1);
  c.color = OptionalText(s, first + 2);
  if (!s.IsNull(first + 3)) c.order = s.Int(first + 3);
  c.time_zone = OptionalText(s, first + 4);
  if (!s.IsNull(first + 5)) c.transparent = s.Int(first + 5) != 0;
  c.default_calendar_id = s.Int(first + 6);  // NULL reads as 0
  if (!s.IsNull(first + 7)) {
    // components is stored as "VEVENT,VTODO" (names never contain a comma).
    c.components = SplitNonEmpty(s.Text(first + 7), ',');
  }
  return c;
}

Collection ReadCollection(const Stmt& s) {
  Collection c;
  c.id = s.Int(0);
  c.path = s.Text(1);
  c.parent_id = s.Int(2);  // NULL reads as 0
  c.owner_id = s.Int(3);   // NULL (no owner) reads as 0
  c.kind = s.Text(4);
  c.sync_seq = s.Int(5);
  c.created_at = s.Int(6);
  c.modified_at = s.Int(7);
  c.settings = ReadSettings(s, 8);
  return c;
}

// The exclusive upper bound of the paths starting with `path` (which ends with '/'): the same
// string with the final '/' replaced by '0', the next byte. Every path p with that prefix
// satisfies path <= p < upper in bytewise order, so the range uses the path index.
std::string PathUpperBound(const std::string& path) {
  std::string upper = path;
  upper.back() = '0';
  return upper;
}

}  // namespace

Result<Collection> SqliteSession::StepCollection(Stmt& stmt, const std::string& what) {
  int rc = stmt.Step();
  if (rc == SQLITE_ROW) return ReadCollection(stmt);
  if (rc == SQLITE_DONE) return Status::NotFound("no collection " + what);
  return SqliteStatus(db_->raw(), rc, "reading collection " + what);
}

Result<Collection> SqliteSession::GetCollection(const std::string& path) {
  if (MemoUsable()) {  // a GET's collection, request after request (sqlite_store.h ReadMemo)
    for (const std::optional<Collection>& c : memo_.collections) {
      if (c && c->path == path) return *c;
    }
  }
  Result<Stmt> s = Prepare(COLLECTION_COLUMNS "WHERE path = ?");
  if (!s.ok()) return s.status();
  s->Bind(1, path);
  Result<Collection> c = StepCollection(*s, path);
  if (c.ok()) Remember(*c);
  return c;
}

Result<Collection> SqliteSession::GetCollectionById(Id id) {
  Result<Stmt> s = Prepare(COLLECTION_COLUMNS "WHERE id = ?");
  if (!s.ok()) return s.status();
  s->Bind(1, id);
  return StepCollection(*s, "#" + std::to_string(id));
}

Result<std::vector<Collection>> SqliteSession::ListChildCollections(Id collection_id) {
  Result<Collection> self = GetCollectionById(collection_id);
  if (!self.ok()) return self.status();
  Result<Stmt> s = Prepare(COLLECTION_COLUMNS "WHERE parent_id = ? ORDER BY path");
  if (!s.ok()) return s.status();
  s->Bind(1, collection_id);
  std::vector<Collection> out;
  int rc;
  while ((rc = s->Step()) == SQLITE_ROW) out.push_back(ReadCollection(*s));
  if (rc != SQLITE_DONE) return SqliteStatus(db_->raw(), rc, "listing collections");
  return out;
}

Status SqliteSession::CheckMemberFree(Id parent_id, const std::string& name,
                                      const std::string& path) {
  Result<Stmt> obj = Prepare("SELECT 1 FROM objects WHERE collection_id = ? AND name = ?");
  if (!obj.ok()) return obj.status();
  obj->Bind(1, parent_id).Bind(2, name);
  int rc = obj->Step();
  if (rc == SQLITE_ROW) return Status::Conflict("an object named " + name + " exists");
  if (rc != SQLITE_DONE) return SqliteStatus(db_->raw(), rc, "checking " + name);
  Result<Stmt> col = Prepare("SELECT 1 FROM collections WHERE path = ?");
  if (!col.ok()) return col.status();
  col->Bind(1, path);
  rc = col->Step();
  if (rc == SQLITE_ROW) return Status::Conflict("collection " + path + " exists");
  if (rc != SQLITE_DONE) return SqliteStatus(db_->raw(), rc, "checking " + path);
  return Status::OK();
}

Status SqliteSession::CheckRootFree(const std::string& path) {
  Result<Stmt> s = Prepare("SELECT path FROM collections WHERE path >= ? AND path < ? LIMIT 1");
  if (!s.ok()) return s.status();
  s->Bind(1, path).Bind(2, PathUpperBound(path));
  int rc = s->Step();
  if (rc == SQLITE_ROW) return Status::Conflict("collection " + s->Text(0) + " is under " + path);
  if (rc != SQLITE_DONE) return SqliteStatus(db_->raw(), rc, "checking " + path);
  for (size_t slash = path.find('/', 1); slash + 1 < path.size();
       slash = path.find('/', slash + 1)) {
    Result<Collection> ancestor = GetCollection(path.substr(0, slash + 1));
    if (ancestor.ok()) return Status::Conflict(path + " is under collection " + ancestor->path);
    if (ancestor.status().code() != Status::Code::kNotFound) return ancestor.status();
  }
  return Status::OK();
}

Result<int64_t> SqliteSession::Bump(Id collection_id, const std::string& name, bool deleted) {
  const UnixTime now = Now();
  Result<Stmt> up = Prepare(
      "UPDATE collections SET sync_seq = sync_seq + 1, modified_at = ? WHERE id = ? "
      "RETURNING sync_seq, changes_floor");
  if (!up.ok()) return up.status();
  up->Bind(1, now).Bind(2, collection_id);
  int rc = up->Step();
  if (rc == SQLITE_DONE) return Status::NotFound("no collection #" + std::to_string(collection_id));
  if (rc != SQLITE_ROW) return SqliteStatus(db_->raw(), rc, "bumping sync_seq");
  const int64_t seq = up->Int(0);
  const int64_t floor = up->Int(1);
  Status st = up->Run("bumping sync_seq");
  if (!st.ok()) return st;
  Result<Stmt> log = Prepare(
      "INSERT INTO changes (collection_id, seq, name, deleted, changed_at) "
      "VALUES (?, ?, ?, ?, ?)");
  if (!log.ok()) return log.status();
  log->Bind(1, collection_id).Bind(2, seq).Bind(3, name).Bind(4, int64_t{deleted}).Bind(5, now);
  st = log->Run("logging a change");
  if (!st.ok()) return st;
  st = PruneChanges(collection_id, seq, floor);
  if (!st.ok()) return st;
  return seq;
}

Status SqliteSession::PruneChanges(Id collection_id, int64_t seq, int64_t floor) {
  const ChangeRetention& keep = options_->retention;
  int64_t new_floor = floor;
  // Every seq above the floor has its row (Bump logs each one), so seq - floor is the count.
  if (keep.max_entries > 0 && seq - floor > keep.max_entries) new_floor = seq - keep.max_entries;
  if (keep.max_age_seconds > 0) {
    // The oldest entry young enough to keep, walking up from the floor on the primary key: it
    // stops at once when nothing expired, and otherwise reads only the rows it is about to
    // delete (times grow with seq; a clock stepping back only makes it keep more).
    Result<Stmt> young = Prepare(
        "SELECT seq FROM changes WHERE collection_id = ? AND seq > ? AND changed_at >= ? "
        "ORDER BY seq LIMIT 1");
    if (!young.ok()) return young.status();
    young->Bind(1, collection_id).Bind(2, new_floor).Bind(3, Now() - keep.max_age_seconds);
    int rc = young->Step();
    if (rc == SQLITE_ROW) {
      new_floor = std::max(new_floor, young->Int(0) - 1);
    } else if (rc == SQLITE_DONE) {
      new_floor = seq;  // unreachable in practice: the entry just logged is young
    } else {
      return SqliteStatus(db_->raw(), rc, "reading the change log");
    }
  }
  if (new_floor == floor) return Status::OK();
  Result<Stmt> del =
      Prepare("DELETE FROM changes WHERE collection_id = ? AND seq > ? AND seq <= ?");
  if (!del.ok()) return del.status();
  del->Bind(1, collection_id).Bind(2, floor).Bind(3, new_floor);
  Status st = del->Run("pruning the change log");
  if (!st.ok()) return st;
  Result<Stmt> raise = Prepare("UPDATE collections SET changes_floor = ? WHERE id = ?");
  if (!raise.ok()) return raise.status();
  raise->Bind(1, new_floor).Bind(2, collection_id);
  return raise->Run("raising the change-log floor");
}

Status SqliteSession::CheckPathUnder(const std::string& path, Id parent_id) {
  std::string parent_path;
  if (parent_id != 0) {
    Result<Collection> parent = GetCollectionById(parent_id);
    if (!parent.ok()) return parent.status();
    parent_path = parent->path;
  }
  return CheckCollectionPath(path, parent_path);
}

Status SqliteSession::CheckPathFree(const std::string& path, Id parent_id) {
  if (parent_id == 0) return CheckRootFree(path);
  const std::string member = CollectionMemberName(path);
  return CheckMemberFree(parent_id, member.substr(0, member.size() - 1), path);
}

Result<Collection> SqliteSession::DoCreateCollection(const std::string& path, Id parent_id,
                                                     Id owner_id, const std::string& kind) {
  Status st = CheckPathUnder(path, parent_id);
  if (!st.ok()) return st;
  st = CheckPathFree(path, parent_id);
  if (!st.ok()) return st;
  Result<Stmt> s = Prepare(
      "INSERT INTO collections (path, parent_id, owner_id, kind, created_at, modified_at) "
      "VALUES (?, ?, ?, ?, ?, ?)");
  if (!s.ok()) return s.status();
  const UnixTime now = Now();
  s->Bind(1, path);
  if (parent_id != 0) {
    s->Bind(2, parent_id);
  } else {
    s->BindNull(2);
  }
  if (owner_id != 0) {
    s->Bind(3, owner_id);
  } else {
    s->BindNull(3);  // owned by no user (the directory address book)
  }
  s->Bind(4, kind).Bind(5, now).Bind(6, now);
  st = s->Run("creating collection " + path);
  if (!st.ok()) return st;
  const Id id = db_->LastInsertId();
  if (parent_id != 0) {
    Result<int64_t> seq = Bump(parent_id, CollectionMemberName(path), false);
    if (!seq.ok()) return seq.status();
  }
  return GetCollectionById(id);
}

Result<Collection> SqliteSession::CreateCollection(const std::string& path, Id parent_id,
                                                   Id owner_id, const std::string& kind) {
  WriteScope scope(*this);
  if (!scope.status().ok()) return scope.status();
  Result<Collection> created = DoCreateCollection(path, parent_id, owner_id, kind);
  Status st = scope.Finish(created.status());
  if (!st.ok()) return st;
  return created;
}

Status SqliteSession::DoDeleteCollection(Id collection_id) {
  Result<Collection> c = GetCollectionById(collection_id);
  if (!c.ok()) return c.status();
  const std::string upper = PathUpperBound(c->path);
  // Give back the bytes of every object in the subtree, per owner of each collection (owner-less
  // collections group under NULL, which matches no user).
  Result<Stmt> bytes = Prepare(
      "UPDATE users SET used_bytes = used_bytes - t.bytes FROM ("
      "  SELECT c.owner_id AS owner, SUM(o.size) AS bytes FROM collections c"
      "  JOIN objects o ON o.collection_id = c.id"
      "  WHERE c.path >= ?1 AND c.path < ?2 GROUP BY c.owner_id) AS t "
      "WHERE users.id = t.owner");
  if (!bytes.ok()) return bytes.status();
  bytes->Bind(1, c->path).Bind(2, upper);
  Status st = bytes->Run("adjusting used_bytes");
  if (!st.ok()) return st;
  // Objects, properties and change logs go with their collections (ON DELETE CASCADE).
  Result<Stmt> del = Prepare("DELETE FROM collections WHERE path >= ? AND path < ?");
  if (!del.ok()) return del.status();
  del->Bind(1, c->path).Bind(2, upper);
  st = del->Run("deleting collection " + c->path);
  if (!st.ok()) return st;
  if (c->parent_id == 0) return Status::OK();
  return Bump(c->parent_id, CollectionMemberName(c->path), true).status();
}

Status SqliteSession::DeleteCollection(Id collection_id) {
  WriteScope scope(*this);
  if (!scope.status().ok()) return scope.status();
  return scope.Finish(DoDeleteCollection(collection_id));
}

Status SqliteSession::DoMoveCollection(Id collection_id, const std::string& new_path,
                                       Id new_parent_id) {
  Result<Collection> c = GetCollectionById(collection_id);
  if (!c.ok()) return c.status();
  Status st = CheckPathUnder(new_path, new_parent_id);
  if (!st.ok()) return st;
  if (new_path.compare(0, c->path.size(), c->path) == 0) {
    return Status::Conflict("cannot move " + c->path + " into itself");
  }
  st = CheckPathFree(new_path, new_parent_id);
  if (!st.ok()) return st;
  const std::string member = CollectionMemberName(new_path);
  Result<Stmt> rename = Prepare(
      "UPDATE collections SET path = ?1 || substr(path, length(?2) + 1) "
      "WHERE path >= ?2 AND path < ?3");
  if (!rename.ok()) return rename.status();
  rename->Bind(1, new_path).Bind(2, c->path).Bind(3, PathUpperBound(c->path));
  st = rename->Run("renaming " + c->path);
  if (!st.ok()) return st;
  Result<Stmt> reparent =
      Prepare("UPDATE collections SET parent_id = ?, modified_at = ? WHERE id = ?");
  if (!reparent.ok()) return reparent.status();
  if (new_parent_id != 0) {
    reparent->Bind(1, new_parent_id);
  } else {
    reparent->BindNull(1);
  }
  reparent->Bind(2, Now()).Bind(3, collection_id);
  st = reparent->Run("moving " + c->path);
  if (!st.ok()) return st;
  if (c->parent_id != 0) {
    Result<int64_t> seq = Bump(c->parent_id, CollectionMemberName(c->path), true);
    if (!seq.ok()) return seq.status();
  }
  if (new_parent_id != 0) return Bump(new_parent_id, member, false).status();
  return Status::OK();
}

Status SqliteSession::MoveCollection(Id collection_id, const std::string& new_path,
                                     Id new_parent_id) {
  WriteScope scope(*this);
  if (!scope.status().ok()) return scope.status();
  return scope.Finish(DoMoveCollection(collection_id, new_path, new_parent_id));
}

Status SqliteSession::SetCollectionSettings(Id collection_id, const CollectionSettings& settings) {
  return WriteOne(
      "UPDATE collections SET display_name = ?, description = ?, color = ?, sort_order = ?, "
      "time_zone = ?, transparent = ?, default_calendar_id = ?, components = ? WHERE id = ?",
      "setting the settings of collection #" + std::to_string(collection_id),
      [&](Stmt& s) {
        s.BindOrNull(1, settings.display_name);
        s.BindOrNull(2, settings.description);
        s.BindOrNull(3, settings.color);
        s.BindOrNull(4, settings.order);
        s.BindOrNull(5, settings.time_zone);
        s.BindOrNull(6, settings.transparent);
        if (settings.default_calendar_id != 0) {
          s.Bind(7, settings.default_calendar_id);
        } else {
          s.BindNull(7);
        }
        if (settings.components.empty()) {
          s.BindNull(8);
        } else {
          s.Bind(8, JoinComponents(settings.components));
        }
        s.Bind(9, collection_id);
      },
      [&](Status st) {
        // A missing default calendar is a FOREIGN KEY violation, which SqliteStatus maps to
        // kNotFound.
        if (st.code() == Status::Code::kNotFound) {
          return Status::Conflict("the default calendar #" +
                                  std::to_string(settings.default_calendar_id) + " does not exist");
        }
        return RequireChange(std::move(st), "no collection #" + std::to_string(collection_id));
      });
}

Result<int64_t> SqliteSession::Touch(Id collection_id, const std::string& name, bool deleted) {
  WriteScope scope(*this);
  if (!scope.status().ok()) return scope.status();
  Result<int64_t> seq = Bump(collection_id, name, deleted);
  Status st = scope.Finish(seq.status());
  if (!st.ok()) return st;
  return seq;
}

Result<std::vector<Change>> SqliteSession::ChangesSince(Id collection_id, int64_t since) {
  Result<Stmt> head = Prepare("SELECT sync_seq, changes_floor FROM collections WHERE id = ?");
  if (!head.ok()) return head.status();
  head->Bind(1, collection_id);
  int rc = head->Step();
  if (rc == SQLITE_DONE) return Status::NotFound("no collection #" + std::to_string(collection_id));
  if (rc != SQLITE_ROW) return SqliteStatus(db_->raw(), rc, "reading sync_seq");
  if (since > head->Int(0) || since < head->Int(1)) {
    return Status::NotFound("sync position " + std::to_string(since) + " is not retained");
  }
  // SQLite takes the bare columns of an aggregate query from the row holding the MAX().
  Result<Stmt> s = Prepare(
      "SELECT MAX(seq), name, deleted FROM changes WHERE collection_id = ? AND seq > ? "
      "GROUP BY name ORDER BY 1");
  if (!s.ok()) return s.status();
  s->Bind(1, collection_id).Bind(2, since);
  std::vector<Change> out;
  while ((rc = s->Step()) == SQLITE_ROW) out.push_back({s->Int(0), s->Text(1), s->Int(2) != 0});
  if (rc != SQLITE_DONE) return SqliteStatus(db_->raw(), rc, "reading changes");
  return out;
}

// ---- listings (issue 14) ----

const char* ObjectListingSql() {
  // Every column read is in objects_listing (0011_listing_indexes.sql); the rowid is in every
  // index. INDEXED BY: the plan must not fall back to the table (and fails loudly if the index
  // is missing).
  return "SELECT id, name, content_type, etag, size, created_at, modified_at, change_seq "
         "FROM objects INDEXED BY objects_listing WHERE collection_id = ? ORDER BY name";
}

Status SqliteSession::ForEachObjectListing(Id collection_id, const ObjectVisitor& fn) {
  Result<Stmt> exists = Prepare("SELECT 1 FROM collections WHERE id = ?");
  if (!exists.ok()) return exists.status();
  exists->Bind(1, collection_id);
  int rc = exists->Step();
  if (rc == SQLITE_DONE) return Status::NotFound("no collection #" + std::to_string(collection_id));
  if (rc != SQLITE_ROW) return SqliteStatus(db_->raw(), rc, "listing objects");
  Result<Stmt> s = Prepare(ObjectListingSql());
  if (!s.ok()) return s.status();
  s->Bind(1, collection_id);
  Object o;
  o.collection_id = collection_id;
  while ((rc = s->Step()) == SQLITE_ROW) {
    o.id = s->Int(0);
    o.name = s->Text(1);
    o.content_type = s->Text(2);
    o.etag = s->Text(3);
    o.size = s->Int(4);
    o.created_at = s->Int(5);
    o.modified_at = s->Int(6);
    o.change_seq = s->Int(7);
    if (Status st = fn(o); !st.ok()) return EndVisit(std::move(st));
  }
  if (rc != SQLITE_DONE) return SqliteStatus(db_->raw(), rc, "listing objects");
  return Status::OK();
}

}  // namespace cartable::store
