// PostgreSQL store: collections, changes, listings (mirrors sqlite_collections.cc).
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "dav/store/pg_objects_internal.h"
#include "dav/store/pg_store.h"
#include "dav/store/store_codec.h"
#include "dav/store/store_util.h"

namespace cartable::store {
namespace {

#define COLLECTION_COLUMNS                                                                        \
  "SELECT id, path, parent_id, owner_id, kind, sync_seq, created_at, modified_at, display_name, " \
  "description, color, sort_order, time_zone, transparent, default_calendar_id, components "      \
  "FROM collections "

std::optional<std::string> OptionalText(const pg::Rows& r, int row, int col) {
  if (r.IsNull(row, col)) return std::nullopt;
  return r.Text(row, col);
}

CollectionSettings ReadSettings(const pg::Rows& r, int row, int first) {
  CollectionSettings c;
  c.display_name = OptionalText(r, row, first);
  c.description = OptionalText(r, row, first + 1);
  c.color = OptionalText(r, row, first + 2);
  if (!r.IsNull(row, first + 3)) c.order = r.Int(row, first + 3);
  c.time_zone = OptionalText(r, row, first + 4);
  if (!r.IsNull(row, first + 5)) c.transparent = r.Int(row, first + 5) != 0;
  c.default_calendar_id = r.Int(row, first + 6);  // NULL reads as 0
  if (!r.IsNull(row, first + 7)) {
    // components is stored as "VEVENT,VTODO" (names never contain a comma).
    c.components = SplitNonEmpty(r.View(row, first + 7), ',');
  }
  return c;
}

Collection ReadCollection(const pg::Rows& r, int row) {
  Collection c;
  c.id = r.Int(row, 0);
  c.path = r.Text(row, 1);
  c.parent_id = r.Int(row, 2);  // NULL reads as 0
  c.owner_id = r.Int(row, 3);   // NULL (no owner) reads as 0
  c.kind = r.Text(row, 4);
  c.sync_seq = r.Int(row, 5);
  c.created_at = r.Int(row, 6);
  c.modified_at = r.Int(row, 7);
  c.settings = ReadSettings(r, row, 8);
  return c;
}

Result<Collection> OneCollection(Result<pg::Rows> rows, const std::string& what) {
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return Status::NotFound("no collection " + what);
  return ReadCollection(*rows, 0);
}

// The exclusive upper bound of the paths starting with `path` (which ends with '/'): the same
// string with the final '/' replaced by '0', the next byte. With paths in COLLATE "C" (bytewise,
// like SQLite's BINARY), every path p with that prefix satisfies path <= p < upper, so the range
// uses the path index.
std::string PathUpperBound(const std::string& path) {
  std::string upper = path;
  upper.back() = '0';
  return upper;
}

// kConflict when the collection path `path` or the object `name` in `parent_id` is taken.
Status CheckMemberFree(PgSession& s, Id parent_id, const std::string& name,
                       const std::string& path) {
  Result<pg::Rows> obj = s.Exec("SELECT 1 FROM objects WHERE collection_id = $1 AND name = $2",
                                pg::Params().Add(parent_id).Add(name), "checking " + name);
  if (!obj.ok()) return obj.status();
  if (!obj->empty()) return Status::Conflict("an object named " + name + " exists");
  Result<pg::Rows> col = s.Exec("SELECT 1 FROM collections WHERE path = $1", pg::Params().Add(path),
                                "checking " + path);
  if (!col.ok()) return col.status();
  if (!col->empty()) return Status::Conflict("collection " + path + " exists");
  return Status::OK();
}

// For a root (parent 0) at `path`: kConflict when an existing collection contains it or lies
// under it, so that "the paths under P" and "the descendants of P" always mean the same rows.
Status CheckRootFree(PgSession& s, const std::string& path) {
  Result<pg::Rows> under =
      s.Exec("SELECT path FROM collections WHERE path >= $1 AND path < $2 LIMIT 1",
             pg::Params().Add(path).Add(PathUpperBound(path)), "checking " + path);
  if (!under.ok()) return under.status();
  if (!under->empty()) {
    return Status::Conflict("collection " + under->Text(0, 0) + " is under " + path);
  }
  for (size_t slash = path.find('/', 1); slash + 1 < path.size();
       slash = path.find('/', slash + 1)) {
    Result<Collection> ancestor = s.GetCollection(path.substr(0, slash + 1));
    if (ancestor.ok()) return Status::Conflict(path + " is under collection " + ancestor->path);
    if (ancestor.status().code() != Status::Code::kNotFound) return ancestor.status();
  }
  return Status::OK();
}

// The path rules for a collection at `path` under `parent_id` (0 = a root): kNotFound for a
// missing parent, else CheckCollectionPath against the parent's path.
Status CheckPathUnder(PgSession& s, const std::string& path, Id parent_id) {
  std::string parent_path;
  if (parent_id != 0) {
    Result<Collection> parent = s.GetCollectionById(parent_id);
    if (!parent.ok()) return parent.status();
    parent_path = parent->path;
  }
  return CheckCollectionPath(path, parent_path);
}

// Nothing else at `path`: CheckMemberFree under the parent, or CheckRootFree for a root.
Status CheckPathFree(PgSession& s, const std::string& path, Id parent_id) {
  if (parent_id == 0) return CheckRootFree(s, path);
  const std::string member = CollectionMemberName(path);
  return CheckMemberFree(s, parent_id, member.substr(0, member.size() - 1), path);
}

// Applies options().retention to the collection whose log now ends at `seq` with floor `floor`
// (see SqliteSession::PruneChanges).
Status PruneChanges(PgSession& s, Id collection_id, int64_t seq, int64_t floor) {
  const ChangeRetention& keep = s.options().retention;
  int64_t new_floor = floor;
  // Every seq above the floor has its row (Bump logs each one), so seq - floor is the count.
  if (keep.max_entries > 0 && seq - floor > keep.max_entries) new_floor = seq - keep.max_entries;
  if (keep.max_age_seconds > 0) {
    // The oldest entry young enough to keep, walking up from the floor on the primary key: it
    // stops at once when nothing expired (times grow with seq; a clock stepping back only makes
    // it keep more).
    Result<pg::Rows> young = s.Exec(
        "SELECT seq FROM changes WHERE collection_id = $1 AND seq > $2 AND changed_at >= $3 "
        "ORDER BY seq LIMIT 1",
        pg::Params().Add(collection_id).Add(new_floor).Add(s.Now() - keep.max_age_seconds),
        "reading the change log");
    if (!young.ok()) return young.status();
    if (!young->empty()) {
      new_floor = std::max(new_floor, young->Int(0, 0) - 1);
    } else {
      new_floor = seq;  // unreachable in practice: the entry just logged is young
    }
  }
  if (new_floor == floor) return Status::OK();
  Result<pg::Rows> del =
      s.Exec("DELETE FROM changes WHERE collection_id = $1 AND seq > $2 AND seq <= $3",
             pg::Params().Add(collection_id).Add(floor).Add(new_floor), "pruning the change log");
  if (!del.ok()) return del.status();
  return s
      .Exec("UPDATE collections SET changes_floor = $1 WHERE id = $2",
            pg::Params().Add(new_floor).Add(collection_id), "raising the change-log floor")
      .status();
}

Result<Collection> DoCreateCollection(PgSession& s, const std::string& path, Id parent_id,
                                      Id owner_id, const std::string& kind) {
  Status st = pg_internal::CheckStorable(path, "a collection path");
  if (!st.ok()) return st;
  st = CheckPathUnder(s, path, parent_id);
  if (!st.ok()) return st;
  st = CheckPathFree(s, path, parent_id);
  if (!st.ok()) return st;
  const UnixTime now = s.Now();
  pg::Params p;
  p.Add(path);
  if (parent_id != 0) {
    p.Add(parent_id);
  } else {
    p.AddNull();
  }
  if (owner_id != 0) {
    p.Add(owner_id);
  } else {
    p.AddNull();  // owned by no user (the directory address book)
  }
  p.Add(kind).Add(now);
  Result<pg::Rows> ins = s.Exec(
      "INSERT INTO collections (path, parent_id, owner_id, kind, created_at, modified_at) "
      "VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
      p, "creating collection " + path);
  if (!ins.ok()) return ins.status();
  const Id id = ins->Int(0, 0);
  if (parent_id != 0) {
    Result<int64_t> seq = pg_internal::Bump(s, parent_id, CollectionMemberName(path), false);
    if (!seq.ok()) return seq.status();
  }
  return s.GetCollectionById(id);
}

Status DoDeleteCollection(PgSession& s, Id collection_id) {
  Result<Collection> c = s.GetCollectionById(collection_id);
  if (!c.ok()) return c.status();
  const std::string upper = PathUpperBound(c->path);
  // Give back the bytes of every object in the subtree, per owner of each collection (owner-less
  // collections group under NULL, which matches no user).
  Result<pg::Rows> bytes = s.Exec(
      "UPDATE users SET used_bytes = used_bytes - t.bytes FROM ("
      "  SELECT c.owner_id AS owner, SUM(o.size) AS bytes FROM collections c"
      "  JOIN objects o ON o.collection_id = c.id"
      "  WHERE c.path >= $1 AND c.path < $2 GROUP BY c.owner_id) AS t "
      "WHERE users.id = t.owner",
      pg::Params().Add(c->path).Add(upper), "adjusting used_bytes");
  if (!bytes.ok()) return bytes.status();
  // Objects, properties and change logs go with their collections (ON DELETE CASCADE).
  Result<pg::Rows> del =
      s.Exec("DELETE FROM collections WHERE path >= $1 AND path < $2",
             pg::Params().Add(c->path).Add(upper), "deleting collection " + c->path);
  if (!del.ok()) return del.status();
  if (c->parent_id == 0) return Status::OK();
  return pg_internal::Bump(s, c->parent_id, CollectionMemberName(c->path), true).status();
}

Status DoMoveCollection(PgSession& s, Id collection_id, const std::string& new_path,
                        Id new_parent_id) {
  Status st = pg_internal::CheckStorable(new_path, "a collection path");
  if (!st.ok()) return st;
  Result<Collection> c = s.GetCollectionById(collection_id);
  if (!c.ok()) return c.status();
  st = CheckPathUnder(s, new_path, new_parent_id);
  if (!st.ok()) return st;
  if (new_path.compare(0, c->path.size(), c->path) == 0) {
    return Status::Conflict("cannot move " + c->path + " into itself");
  }
  st = CheckPathFree(s, new_path, new_parent_id);
  if (!st.ok()) return st;
  const std::string member = CollectionMemberName(new_path);
  // length() and substr() count characters on both sides (the old path is a prefix of each).
  Result<pg::Rows> rename = s.Exec(
      "UPDATE collections SET path = $1::text || substr(path, length($2::text) + 1) "
      "WHERE path >= $2 AND path < $3",
      pg::Params().Add(new_path).Add(c->path).Add(PathUpperBound(c->path)), "renaming " + c->path);
  if (!rename.ok()) return rename.status();
  pg::Params p;
  if (new_parent_id != 0) {
    p.Add(new_parent_id);
  } else {
    p.AddNull();
  }
  p.Add(s.Now()).Add(collection_id);
  Result<pg::Rows> reparent =
      s.Exec("UPDATE collections SET parent_id = $1, modified_at = $2 WHERE id = $3", p,
             "moving " + c->path);
  if (!reparent.ok()) return reparent.status();
  if (c->parent_id != 0) {
    Result<int64_t> seq = pg_internal::Bump(s, c->parent_id, CollectionMemberName(c->path), true);
    if (!seq.ok()) return seq.status();
  }
  if (new_parent_id != 0) return pg_internal::Bump(s, new_parent_id, member, false).status();
  return Status::OK();
}

}  // namespace

namespace pg_internal {

bool StorableText(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  for (size_t i = 0; i < n;) {
    const unsigned char c = p[i];
    if (c == 0) return false;
    if (c < 0x80) {
      ++i;
      continue;
    }
    // The shortest form only, no UTF-16 surrogates, nothing above U+10FFFF (RFC 3629 §4).
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (i + len > n || p[i + 1] < lo || p[i + 1] > hi) return false;
    for (size_t k = 2; k < len; ++k) {
      if (p[i + k] < 0x80 || p[i + k] > 0xBF) return false;
    }
    i += len;
  }
  return true;
}

Status CheckStorable(std::string_view text, std::string_view what) {
  if (StorableText(text)) return Status::OK();
  return Status::BadRequest(
      std::string(what) +
      " must be UTF-8 text without NUL (the PostgreSQL store keeps it as TEXT)");
}

// Every column read is in objects_listing (0011, 0013: id included), so PostgreSQL answers with
// an index-only scan in name order and never reads the rows, whose bodies under the TOAST
// threshold lie inline.
const char* ObjectListingSql() {
  return "SELECT id, name, content_type, etag, size, created_at, modified_at, change_seq "
         "FROM objects WHERE collection_id = $1 ORDER BY name";
}

Result<int64_t> Bump(PgSession& s, Id collection_id, const std::string& name, bool deleted) {
  Status st = CheckStorable(name, "a member name");
  if (!st.ok()) return st;
  const UnixTime now = s.Now();
  Result<pg::Rows> up = s.Exec(
      "UPDATE collections SET sync_seq = sync_seq + 1, modified_at = $1 WHERE id = $2 "
      "RETURNING sync_seq, changes_floor",
      pg::Params().Add(now).Add(collection_id), "bumping sync_seq");
  if (!up.ok()) return up.status();
  if (up->empty()) return Status::NotFound("no collection #" + std::to_string(collection_id));
  const int64_t seq = up->Int(0, 0);
  const int64_t floor = up->Int(0, 1);
  Result<pg::Rows> log = s.Exec(
      "INSERT INTO changes (collection_id, seq, name, deleted, changed_at) "
      "VALUES ($1, $2, $3, $4, $5)",
      pg::Params().Add(collection_id).Add(seq).Add(name).Add(int64_t{deleted}).Add(now),
      "logging a change");
  if (!log.ok()) return log.status();
  st = PruneChanges(s, collection_id, seq, floor);
  if (!st.ok()) return st;
  return seq;
}

}  // namespace pg_internal

Result<Collection> PgSession::GetCollection(const std::string& path) {
  if (!pg_internal::StorableText(path)) return Status::NotFound("no collection " + path);
  return OneCollection(
      Exec(COLLECTION_COLUMNS "WHERE path = $1", pg::Params().Add(path), "reading collection"),
      path);
}

Result<Collection> PgSession::GetCollectionById(Id id) {
  return OneCollection(
      Exec(COLLECTION_COLUMNS "WHERE id = $1", pg::Params().Add(id), "reading collection"),
      "#" + std::to_string(id));
}

Result<std::vector<Collection>> PgSession::ListChildCollections(Id collection_id) {
  Result<Collection> self = GetCollectionById(collection_id);
  if (!self.ok()) return self.status();
  Result<pg::Rows> rows = Exec(COLLECTION_COLUMNS "WHERE parent_id = $1 ORDER BY path",
                               pg::Params().Add(collection_id), "listing collections");
  if (!rows.ok()) return rows.status();
  return pg::ReadAll<Collection>(*rows, ReadCollection);
}

Result<Collection> PgSession::CreateCollection(const std::string& path, Id parent_id, Id owner_id,
                                               const std::string& kind) {
  PgWriteScope scope(*this);
  if (!scope.status().ok()) return scope.status();
  Result<Collection> created = DoCreateCollection(*this, path, parent_id, owner_id, kind);
  Status st = scope.Finish(created.status());
  if (!st.ok()) return st;
  return created;
}

Status PgSession::DeleteCollection(Id collection_id) {
  PgWriteScope scope(*this);
  if (!scope.status().ok()) return scope.status();
  return scope.Finish(DoDeleteCollection(*this, collection_id));
}

Status PgSession::MoveCollection(Id collection_id, const std::string& new_path, Id new_parent_id) {
  PgWriteScope scope(*this);
  if (!scope.status().ok()) return scope.status();
  return scope.Finish(DoMoveCollection(*this, collection_id, new_path, new_parent_id));
}

Status PgSession::SetCollectionSettings(Id collection_id, const CollectionSettings& settings) {
  for (const std::optional<std::string>* text :
       {&settings.display_name, &settings.description, &settings.color, &settings.time_zone}) {
    if (!*text) continue;
    if (Status st = pg_internal::CheckStorable(**text, "a collection setting"); !st.ok()) return st;
  }
  PgWriteScope scope(*this);
  if (!scope.status().ok()) return scope.status();
  pg::Params p;
  p.AddOrNull(settings.display_name).AddOrNull(settings.description).AddOrNull(settings.color);
  p.AddOrNull(settings.order).AddOrNull(settings.time_zone);
  // transparent is INTEGER 0/1, as in SQLite (0006_collection_settings.sql).
  if (settings.transparent) {
    p.Add(int64_t{*settings.transparent});
  } else {
    p.AddNull();
  }
  if (settings.default_calendar_id != 0) {
    p.Add(settings.default_calendar_id);
  } else {
    p.AddNull();
  }
  if (settings.components.empty()) {
    p.AddNull();
  } else {
    p.Add(JoinComponents(settings.components));
  }
  p.Add(collection_id);
  Result<pg::Rows> up = Exec(
      "UPDATE collections SET display_name = $1, description = $2, color = $3, sort_order = $4, "
      "time_zone = $5, transparent = $6, default_calendar_id = $7, components = $8 WHERE id = $9",
      p, "setting the settings of collection #" + std::to_string(collection_id));
  Status st = up.status();
  if (st.code() == Status::Code::kNotFound) {
    // A missing default calendar is a FOREIGN KEY violation, which PgStatus maps to kNotFound.
    st = Status::Conflict("the default calendar #" + std::to_string(settings.default_calendar_id) +
                          " does not exist");
  } else if (st.ok() && up->affected() == 0) {
    st = Status::NotFound("no collection #" + std::to_string(collection_id));
  }
  return scope.Finish(st);
}

Result<int64_t> PgSession::Touch(Id collection_id, const std::string& name, bool deleted) {
  PgWriteScope scope(*this);
  if (!scope.status().ok()) return scope.status();
  Result<int64_t> seq = pg_internal::Bump(*this, collection_id, name, deleted);
  Status st = scope.Finish(seq.status());
  if (!st.ok()) return st;
  return seq;
}

Result<std::vector<Change>> PgSession::ChangesSince(Id collection_id, int64_t since) {
  Result<pg::Rows> head = Exec("SELECT sync_seq, changes_floor FROM collections WHERE id = $1",
                               pg::Params().Add(collection_id), "reading sync_seq");
  if (!head.ok()) return head.status();
  if (head->empty()) return Status::NotFound("no collection #" + std::to_string(collection_id));
  if (since > head->Int(0, 0) || since < head->Int(0, 1)) {
    return Status::NotFound("sync position " + std::to_string(since) + " is not retained");
  }
  // The latest change of each name (SQLite's MAX() with bare columns), in seq order.
  Result<pg::Rows> rows = Exec(
      "SELECT seq, name, deleted FROM ("
      "SELECT DISTINCT ON (name) seq, name, deleted FROM changes "
      "WHERE collection_id = $1 AND seq > $2 ORDER BY name, seq DESC) AS latest ORDER BY seq",
      pg::Params().Add(collection_id).Add(since), "reading changes");
  if (!rows.ok()) return rows.status();
  std::vector<Change> out;
  out.reserve(rows->size());
  for (int i = 0; i < rows->size(); ++i) {
    out.push_back({rows->Int(i, 0), rows->Text(i, 1), rows->Int(i, 2) != 0});
  }
  return out;
}

// ---- listings (issue 14) ----

Status PgSession::ForEachObjectListing(Id collection_id, const ObjectVisitor& fn) {
  Result<pg::Rows> exists = Exec("SELECT 1 FROM collections WHERE id = $1",
                                 pg::Params().Add(collection_id), "listing objects");
  if (!exists.ok()) return exists.status();
  if (exists->empty()) return Status::NotFound("no collection #" + std::to_string(collection_id));
  // The rows are read whole into the result before the first visit (no cursor yet).
  Result<pg::Rows> rows =
      Exec(pg_internal::ObjectListingSql(), pg::Params().Add(collection_id), "listing objects");
  if (!rows.ok()) return rows.status();
  Object o;
  o.collection_id = collection_id;
  for (int i = 0; i < rows->size(); ++i) {
    o.id = rows->Int(i, 0);
    o.name = rows->Text(i, 1);
    o.content_type = rows->Text(i, 2);
    o.etag = rows->Text(i, 3);
    o.size = rows->Int(i, 4);
    o.created_at = rows->Int(i, 5);
    o.modified_at = rows->Int(i, 6);
    o.change_seq = rows->Int(i, 7);
    if (Status st = fn(o); !st.ok()) return EndVisit(std::move(st));
  }
  return Status::OK();
}

}  // namespace cartable::store
