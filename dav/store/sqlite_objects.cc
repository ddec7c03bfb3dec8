// SqliteSession: objects and dead properties.
#include <algorithm>
#include <iterator>
#include <string>
#include <tuple>
#include <vector>

#include "dav/store/sqlite_store.h"
#include "dav/store/store_codec.h"
#include "dav/store/store_util.h"

namespace cartable::store {
namespace {

// The metadata columns ReadObject reads; `data`, when selected, follows at kDataColumn.
#define OBJECT_COLUMNS                                                                  \
  "SELECT id, collection_id, name, content_type, etag, size, created_at, modified_at, " \
  "change_seq, uid, component, first_start, last_end, needs_expansion"
constexpr int kDataColumn = 14;

Object ReadObject(const Stmt& s) {
  Object o;
  o.id = s.Int(0);
  o.collection_id = s.Int(1);
  o.name = s.Text(2);
  o.content_type = s.Text(3);
  o.etag = s.Text(4);
  o.size = s.Int(5);
  o.created_at = s.Int(6);
  o.modified_at = s.Int(7);
  o.change_seq = s.Int(8);
  o.index.uid = s.Text(9);
  o.index.component = s.Text(10);
  o.index.first_start = s.Int(11);
  o.index.last_end = s.Int(12);
  o.index.needs_expansion = s.Int(13) != 0;
  return o;
}

// The SQL of each property operation, per owner table.
struct PropertySql {
  const char* list;
  const char* exists;
  const char* upsert;
  const char* remove;
};

const PropertySql& SqlFor(Owner owner) {
  static const PropertySql kCollection = {
      "SELECT ns, local, xml FROM collection_properties WHERE collection_id = ? "
      "ORDER BY ns, local",
      "SELECT 1 FROM collections WHERE id = ?",
      "INSERT INTO collection_properties (collection_id, ns, local, xml) VALUES (?, ?, ?, ?) "
      "ON CONFLICT (collection_id, ns, local) DO UPDATE SET xml = excluded.xml",
      "DELETE FROM collection_properties WHERE collection_id = ? AND ns = ? AND local = ?"};
  static const PropertySql kObject = {
      "SELECT ns, local, xml FROM object_properties WHERE object_id = ? ORDER BY ns, local",
      "SELECT 1 FROM objects WHERE id = ?",
      "INSERT INTO object_properties (object_id, ns, local, xml) VALUES (?, ?, ?, ?) "
      "ON CONFLICT (object_id, ns, local) DO UPDATE SET xml = excluded.xml",
      "DELETE FROM object_properties WHERE object_id = ? AND ns = ? AND local = ?"};
  return owner == Owner::kCollection ? kCollection : kObject;
}

const char* OwnerText(Owner owner) { return owner == Owner::kCollection ? "collection" : "object"; }

}  // namespace

const char* QueryObjectsSql(bool by_component, bool with_data) {
  // One statement per shape, so each gets its own plan. With a component (CalDAV queries
  // always name one), two objects_time ranges: the bounded objects whose first_start lies in
  // [?5, end) where ?5 = start - max_object_span (the others end before start), and the
  // unbounded ones. Only matching rows are read from the table, then sorted by name.
  // "?2 = '' OR component = ?2" would have made the index unusable.
#define QUERY_OVERLAP " AND first_start < ?4 AND last_end > ?3"
#define QUERY_BY_COMPONENT(COLUMNS)                                                           \
  "SELECT * FROM (" COLUMNS                                                                   \
  " FROM objects WHERE collection_id = ?1 AND component = ?2 "                                \
  "AND unbounded = 0 AND first_start >= ?5" QUERY_OVERLAP " UNION ALL " COLUMNS               \
  " FROM objects WHERE collection_id = ?1 AND component = ?2 AND unbounded = 1" QUERY_OVERLAP \
  ") ORDER BY name"
  static const char* const kSql[2][2] = {
      // [by component][with data]
      {OBJECT_COLUMNS " FROM objects WHERE collection_id = ?1" QUERY_OVERLAP " ORDER BY name",
       OBJECT_COLUMNS ", data FROM objects WHERE collection_id = ?1" QUERY_OVERLAP
                      " ORDER BY name"},
      {QUERY_BY_COMPONENT(OBJECT_COLUMNS), QUERY_BY_COMPONENT(OBJECT_COLUMNS ", data")}};
#undef QUERY_OVERLAP
#undef QUERY_BY_COMPONENT
  return kSql[by_component][with_data];
}

Result<Object> SqliteSession::GetObject(Id collection_id, const std::string& name, bool with_data) {
  Result<Stmt> s =
      Prepare(with_data ? OBJECT_COLUMNS ", data FROM objects WHERE collection_id = ? AND name = ?"
                        : OBJECT_COLUMNS " FROM objects WHERE collection_id = ? AND name = ?");
  if (!s.ok()) return s.status();
  s->Bind(1, collection_id).Bind(2, name);
  int rc = s->Step();
  if (rc == SQLITE_DONE) return Status::NotFound("no object " + name);
  if (rc != SQLITE_ROW) return SqliteStatus(db_->raw(), rc, "reading object " + name);
  Object o = ReadObject(*s);
  if (with_data) o.data = s->Blob(kDataColumn);
  return o;
}

Status SqliteSession::ForEachObject(Id collection_id, const ObjectVisitor& fn) {
  Result<Collection> c = GetCollectionById(collection_id);
  if (!c.ok()) return c.status();
  // Streams rows in (collection_id, name) index order: no data column, no materialised list.
  Result<Stmt> s = Prepare(OBJECT_COLUMNS " FROM objects WHERE collection_id = ? ORDER BY name");
  if (!s.ok()) return s.status();
  s->Bind(1, collection_id);
  return StepObjects(*s, false, fn, "listing objects");
}

Status SqliteSession::StepObjects(Stmt& stmt, bool with_data, const ObjectVisitor& fn,
                                  std::string_view what) {
  int rc;
  while ((rc = stmt.Step()) == SQLITE_ROW) {
    Object o = ReadObject(stmt);
    if (with_data) o.data = stmt.Blob(kDataColumn);
    if (Status st = fn(o); !st.ok()) return EndVisit(std::move(st));
  }
  if (rc != SQLITE_DONE) return SqliteStatus(db_->raw(), rc, what);
  return Status::OK();
}

Status SqliteSession::QueryObjects(Id collection_id, const ObjectQuery& query,
                                   const ObjectVisitor& fn) {
  Result<Stmt> span = Prepare("SELECT max_object_span FROM collections WHERE id = ?");
  if (!span.ok()) return span.status();
  span->Bind(1, collection_id);
  int rc = span->Step();
  if (rc == SQLITE_DONE) return Status::NotFound("no collection #" + std::to_string(collection_id));
  if (rc != SQLITE_ROW) return SqliteStatus(db_->raw(), rc, "querying objects");
  // The earliest first_start of a bounded object that can overlap (kNoUpperBound: a span too
  // long for an int64, see WidenObjectSpan).
  const int64_t max_span = span->Int(0);
  int64_t lowest_start;
  if (max_span == kNoUpperBound || __builtin_sub_overflow(query.start, max_span, &lowest_start)) {
    lowest_start = kNoLowerBound;
  }
  const bool by_component = !query.component.empty();
  Result<Stmt> s = Prepare(QueryObjectsSql(by_component, query.with_data));
  if (!s.ok()) return s.status();
  s->Bind(1, collection_id).Bind(3, query.start).Bind(4, query.end);
  if (by_component) s->Bind(2, query.component).Bind(5, lowest_start);
  return StepObjects(*s, query.with_data, fn, "querying objects");
}

Result<std::vector<Object>> SqliteSession::GetObjects(Id collection_id,
                                                      const std::vector<std::string>& names,
                                                      bool with_data) {
  Result<Collection> c = GetCollectionById(collection_id);
  if (!c.ok()) return c.status();
  // One indexed lookup per name (a multiget names up to a few hundred hrefs), inside one read
  // transaction when the caller has none: one snapshot and one lock for the whole batch.
  const bool own_txn = txn_ == TxnState::kNone && names.size() > 1;
  if (own_txn) {
    Status st = db_->Exec("BEGIN DEFERRED");
    if (!st.ok()) return st;
  }
  std::vector<Object> out;
  out.reserve(names.size());
  Status st;
  for (const std::string& name : names) {
    Result<Object> o = GetObject(collection_id, name, with_data);
    if (o.ok()) {
      out.push_back(std::move(*o));
    } else if (o.status().code() != Status::Code::kNotFound) {
      st = o.status();
      break;
    }
  }
  if (own_txn) db_->Exec(st.ok() ? "COMMIT" : "ROLLBACK");  // read-only: COMMIT cannot lose data
  if (!st.ok()) return st;
  return out;
}

// No ORDER BY: sorting by name made SQLite walk the (collection_id, name) index instead, which
// made every calendar PUT scan its whole calendar.
const char* FindObjectByUidSql() {
  return OBJECT_COLUMNS
      " FROM objects INDEXED BY objects_uid WHERE collection_id = ? AND uid = ? LIMIT 1";
}

Result<Object> SqliteSession::FindObjectByUid(Id collection_id, const std::string& uid) {
  // "" is "no UID" (plain files), never a match.
  if (uid.empty()) return Status::NotFound("no object with an empty UID");
  Result<Stmt> s = Prepare(FindObjectByUidSql());
  if (!s.ok()) return s.status();
  s->Bind(1, collection_id).Bind(2, uid);
  int rc = s->Step();
  if (rc == SQLITE_DONE) return Status::NotFound("no object with UID " + uid);
  if (rc != SQLITE_ROW) return SqliteStatus(db_->raw(), rc, "finding UID " + uid);
  return ReadObject(*s);
}

Status SqliteSession::AddUsedBytes(Id owner_id, int64_t delta) {
  if (delta == 0 || owner_id == 0) return Status::OK();
  Result<Stmt> s = Prepare("UPDATE users SET used_bytes = used_bytes + ? WHERE id = ?");
  if (!s.ok()) return s.status();
  s->Bind(1, delta).Bind(2, owner_id);
  return s->Run("adjusting used_bytes");
}

Status SqliteSession::WidenObjectSpan(Id collection_id, const ObjectIndex& index) {
  if (index.first_start == kNoLowerBound || index.last_end == kNoUpperBound) return Status::OK();
  int64_t span;
  // A span beyond INT64_MAX (bounds near both extremes) is stored as kNoUpperBound, "any".
  if (__builtin_sub_overflow(index.last_end, index.first_start, &span)) span = kNoUpperBound;
  Result<Stmt> s = Prepare(
      "UPDATE collections SET max_object_span = max(max_object_span, ?2) "
      "WHERE id = ?1 AND max_object_span < ?2");
  if (!s.ok()) return s.status();
  s->Bind(1, collection_id).Bind(2, span);
  return s->Run("widening the object span");
}

Result<Object> SqliteSession::DoPutObject(Id collection_id, const std::string& name,
                                          const std::string& content_type, const std::string& data,
                                          const ObjectIndex& index) {
  Status st = CheckObjectName(name);
  if (!st.ok()) return st;
  Result<Collection> c = GetCollectionById(collection_id);
  if (!c.ok()) return c.status();
  Result<Collection> clash = GetCollection(c->path + name + "/");
  if (clash.ok()) return Status::Conflict("a collection named " + name + " exists");
  if (clash.status().code() != Status::Code::kNotFound) return clash.status();
  Result<Object> old = GetObject(collection_id, name, false);
  if (!old.ok() && old.status().code() != Status::Code::kNotFound) return old.status();
  Result<int64_t> seq = Bump(collection_id, name, false);
  if (!seq.ok()) return seq.status();

  Object o;
  o.collection_id = collection_id;
  o.name = name;
  o.content_type = content_type;
  o.etag = ComputeEtag(data);
  o.size = static_cast<int64_t>(data.size());
  o.modified_at = Now();
  o.created_at = old.ok() ? old->created_at : o.modified_at;
  o.change_seq = *seq;
  o.index = index;
  // Replacing keeps the row (and so the id and the dead properties, RFC 4918 9.7.1). SQLite
  // rewrites the entry of every index holding a column an UPDATE sets, whether its value changed
  // or not: an update keeping the UID and the time bounds (most do) leaves objects_time and
  // objects_uid alone, two pages fewer to write at commit (issue 14). ?7..?10 stay bindable.
  const bool same_index =
      old.ok() && old->index.uid == index.uid && old->index.component == index.component &&
      old->index.first_start == index.first_start && old->index.last_end == index.last_end;
  Result<Stmt> s = Prepare(
      !old.ok() ? "INSERT INTO objects (content_type, etag, size, modified_at, change_seq, data, "
                  "uid, component, first_start, last_end, needs_expansion, collection_id, name, "
                  "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?4)"
      : same_index
          ? "UPDATE objects SET content_type = ?1, etag = ?2, size = ?3, modified_at = ?4, "
            "change_seq = ?5, data = ?6, needs_expansion = ?11 WHERE id = ?12"
          : "UPDATE objects SET content_type = ?1, etag = ?2, size = ?3, modified_at = ?4, "
            "change_seq = ?5, data = ?6, uid = ?7, component = ?8, first_start = ?9, "
            "last_end = ?10, needs_expansion = ?11 WHERE id = ?12");
  if (!s.ok()) return s.status();
  s->Bind(1, o.content_type).Bind(2, o.etag).Bind(3, o.size).Bind(4, o.modified_at);
  s->Bind(5, o.change_seq).BindBlob(6, data);
  s->Bind(7, index.uid).Bind(8, index.component).Bind(9, index.first_start);
  s->Bind(10, index.last_end).Bind(11, int64_t{index.needs_expansion});
  if (old.ok()) {
    s->Bind(12, old->id);
  } else {
    s->Bind(12, collection_id).Bind(13, name);
  }
  st = s->Run("storing object " + name);
  if (!st.ok()) return st;
  o.id = old.ok() ? old->id : db_->LastInsertId();
  st = AddUsedBytes(c->owner_id, o.size - (old.ok() ? old->size : 0));
  if (!st.ok()) return st;
  st = WidenObjectSpan(collection_id, index);
  if (!st.ok()) return st;
  st = WriteOccurrences(o.id, collection_id, index);
  if (!st.ok()) return st;
  return o;
}

Result<Object> SqliteSession::PutObject(Id collection_id, const std::string& name,
                                        const std::string& content_type, const std::string& data,
                                        const ObjectIndex& index) {
  WriteScope scope(*this);
  if (!scope.status().ok()) return scope.status();
  Result<Object> o = DoPutObject(collection_id, name, content_type, data, index);
  Status st = scope.Finish(o.status());
  if (!st.ok()) return st;
  return o;
}

Status SqliteSession::DoDeleteObject(Id collection_id, const std::string& name) {
  Result<Stmt> find = Prepare(
      "SELECT o.id, o.size, c.owner_id FROM objects o JOIN collections c "
      "ON c.id = o.collection_id WHERE o.collection_id = ? AND o.name = ?");
  if (!find.ok()) return find.status();
  find->Bind(1, collection_id).Bind(2, name);
  int rc = find->Step();
  if (rc == SQLITE_DONE) return Status::NotFound("no object " + name);
  if (rc != SQLITE_ROW) return SqliteStatus(db_->raw(), rc, "finding object " + name);
  const Id id = find->Int(0), size = find->Int(1), owner = find->Int(2);  // NULL owner: 0
  Result<Stmt> del = Prepare("DELETE FROM objects WHERE id = ?");         // properties cascade
  if (!del.ok()) return del.status();
  del->Bind(1, id);
  Status st = del->Run("deleting object " + name);
  if (!st.ok()) return st;
  st = AddUsedBytes(owner, -size);
  if (!st.ok()) return st;
  return Bump(collection_id, name, true).status();
}

Status SqliteSession::DeleteObject(Id collection_id, const std::string& name) {
  WriteScope scope(*this);
  if (!scope.status().ok()) return scope.status();
  return scope.Finish(DoDeleteObject(collection_id, name));
}

Result<std::vector<DeadProperty>> SqliteSession::GetProperties(Owner owner, Id id) {
  Result<Stmt> s = Prepare(SqlFor(owner).list);
  if (!s.ok()) return s.status();
  s->Bind(1, id);
  std::vector<DeadProperty> out;
  int rc;
  while ((rc = s->Step()) == SQLITE_ROW) out.push_back({s->Text(0), s->Text(1), s->Text(2)});
  if (rc != SQLITE_DONE) return SqliteStatus(db_->raw(), rc, "reading properties");
  if (out.empty()) {  // tell "no properties" from "no such owner"
    Result<Stmt> exists = Prepare(SqlFor(owner).exists);
    if (!exists.ok()) return exists.status();
    exists->Bind(1, id);
    rc = exists->Step();
    if (rc == SQLITE_DONE) {
      return Status::NotFound(std::string("no ") + OwnerText(owner) + " #" + std::to_string(id));
    }
    if (rc != SQLITE_ROW) return SqliteStatus(db_->raw(), rc, "reading properties");
  }
  return out;
}

Status SqliteSession::ForEachObjectProperty(Id collection_id, const PropertyVisitor& fn) {
  Result<Collection> c = GetCollectionById(collection_id);
  if (!c.ok()) return c.status();
  // The members come from the objects_uid index (collection_id prefix), their properties from
  // object_properties' primary key; SQLite sorts the (usually few) rows by object id.
  Result<Stmt> s = Prepare(
      "SELECT p.object_id, p.ns, p.local, p.xml FROM objects o "
      "JOIN object_properties p ON p.object_id = o.id WHERE o.collection_id = ? "
      "ORDER BY p.object_id, p.ns, p.local");
  if (!s.ok()) return s.status();
  s->Bind(1, collection_id);
  int rc;
  while ((rc = s->Step()) == SQLITE_ROW) {
    Status st = fn(s->Int(0), {s->Text(1), s->Text(2), s->Text(3)});
    if (!st.ok()) return EndVisit(std::move(st));
  }
  if (rc != SQLITE_DONE) return SqliteStatus(db_->raw(), rc, "reading member properties");
  return Status::OK();
}

Status SqliteSession::SetProperty(Owner owner, Id id, const DeadProperty& prop) {
  WriteScope scope(*this);
  if (!scope.status().ok()) return scope.status();
  Result<Stmt> s = Prepare(SqlFor(owner).upsert);
  if (!s.ok()) return scope.Finish(s.status());
  s->Bind(1, id).Bind(2, prop.ns).Bind(3, prop.local).Bind(4, prop.xml);
  // A missing owner is a FOREIGN KEY violation, reported as kNotFound.
  return scope.Finish(
      s->Run(std::string("setting a property on ") + OwnerText(owner) + " #" + std::to_string(id)));
}

Status SqliteSession::RemoveProperty(Owner owner, Id id, const std::string& ns,
                                     const std::string& local) {
  WriteScope scope(*this);
  if (!scope.status().ok()) return scope.status();
  Result<Stmt> s = Prepare(SqlFor(owner).remove);
  if (!s.ok()) return scope.Finish(s.status());
  s->Bind(1, id).Bind(2, ns).Bind(3, local);
  return scope.Finish(s->Run("removing a property"));
}

// ---- occurrence index (issue 14) ----

Status SqliteSession::WriteOccurrences(Id object_id, Id collection_id, const ObjectIndex& index) {
  // Only the rows that change are written: a replaced object mostly keeps its instances (a new
  // SUMMARY, an attendee's answer), and then its PUT dirties no page of the occurrence tables,
  // each of which would cost a WAL frame at commit (issue 14). A new object has no rows: the
  // read is one seek of occurrences_object, which covers the key.
  using Row = std::tuple<Id, std::string, int64_t, int64_t, int64_t>;  // collection..hi
  std::vector<Row> have, want;
  {
    Result<Stmt> s = Prepare(
        "SELECT collection_id, component, class, lo, hi FROM occurrences WHERE object_id = ?");
    if (!s.ok()) return s.status();
    s->Bind(1, object_id);
    int rc;
    while ((rc = s->Step()) == SQLITE_ROW) {
      have.emplace_back(s->Int(0), s->Text(1), s->Int(2), s->Int(3), s->Int(4));
    }
    if (rc != SQLITE_DONE) return SqliteStatus(db_->raw(), rc, "replacing occurrences");
  }
  const bool calendar = IsCalendarComponent(index.component);
  // Not computed (an index read back from the store, an inbox message): every query parses it.
  const OccurrenceSet none;
  const OccurrenceSet& set = index.occurrences ? *index.occurrences : none;
  if (calendar) {
    for (const OccurrenceSpan& span : set.spans) {
      want.emplace_back(collection_id, index.component, SpanClass(span), span.lo, span.hi);
    }
  }
  std::sort(have.begin(), have.end());
  std::sort(want.begin(), want.end());
  want.erase(std::unique(want.begin(), want.end()), want.end());
  std::vector<Row> gone, added;
  std::set_difference(have.begin(), have.end(), want.begin(), want.end(), std::back_inserter(gone));
  std::set_difference(want.begin(), want.end(), have.begin(), have.end(),
                      std::back_inserter(added));
  for (const auto& [coll, component, c, lo, hi] : gone) {
    Result<Stmt> del = Prepare(
        "DELETE FROM occurrences WHERE collection_id = ? AND component = ? AND class = ? "
        "AND lo = ? AND hi = ? AND object_id = ?");
    if (!del.ok()) return del.status();
    del->Bind(1, coll).Bind(2, component).Bind(3, c).Bind(4, lo).Bind(5, hi).Bind(6, object_id);
    if (Status st = del->Run("replacing occurrences"); !st.ok()) return st;
  }
  if (!calendar) {
    Result<Stmt> unset = Prepare("DELETE FROM occurrence_sets WHERE object_id = ?");
    if (!unset.ok()) return unset.status();
    unset->Bind(1, object_id);
    return unset->Run("replacing occurrences");
  }
  // Written only when it differs (the WHERE of the upsert), for the same reason.
  Result<Stmt> head = Prepare(
      "INSERT INTO occurrence_sets (object_id, collection_id, component, complete_until, zone) "
      "VALUES (?, ?, ?, ?, ?) ON CONFLICT (object_id) DO UPDATE SET "
      "collection_id = excluded.collection_id, component = excluded.component, "
      "complete_until = excluded.complete_until, zone = excluded.zone "
      "WHERE collection_id <> excluded.collection_id OR component <> excluded.component "
      "OR complete_until <> excluded.complete_until OR zone <> excluded.zone");
  if (!head.ok()) return head.status();
  head->Bind(1, object_id).Bind(2, collection_id).Bind(3, index.component);
  head->Bind(4, set.complete_until).Bind(5, set.zone);
  if (Status st = head->Run("storing occurrences"); !st.ok()) return st;
  uint64_t classes = 0;  // bit c: class c seen (0..63)
  bool class64 = false;
  for (const auto& [coll, component, c, lo, hi] : added) {
    Result<Stmt> row = Prepare(
        "INSERT OR IGNORE INTO occurrences (object_id, collection_id, component, class, lo, hi) "
        "VALUES (?, ?, ?, ?, ?, ?)");
    if (!row.ok()) return row.status();
    row->Bind(1, object_id).Bind(2, coll).Bind(3, component).Bind(4, c);
    row->Bind(5, lo).Bind(6, hi);
    if (Status st = row->Run("storing occurrences"); !st.ok()) return st;
  }
  // Every class of the object's rows is listed (a kept row's class was listed with it).
  for (const Row& r : want) {
    const int64_t c = std::get<2>(r);
    if (c == 64) {
      class64 = true;
    } else {
      classes |= uint64_t{1} << c;
    }
  }
  for (int64_t c = 0; c <= 64; ++c) {
    if (c < 64 ? !(classes >> c & 1) : !class64) continue;
    Result<Stmt> cls = Prepare(
        "INSERT OR IGNORE INTO occurrence_classes (collection_id, component, class) "
        "VALUES (?, ?, ?)");
    if (!cls.ok()) return cls.status();
    cls->Bind(1, collection_id).Bind(2, index.component).Bind(3, c);
    if (Status st = cls->Run("storing occurrences"); !st.ok()) return st;
  }
  return Status::OK();
}

Result<Session::OccurrenceMatches> SqliteSession::QueryOccurrences(
    Id collection_id, const std::string& component, int64_t start, int64_t end,
    const std::string& floating_zone) {
  OccurrenceMatches out;
  Result<Stmt> pending = Prepare("SELECT 1 FROM occurrence_backfill WHERE collection_id = ?");
  if (!pending.ok()) return pending.status();
  pending->Bind(1, collection_id);
  int rc = pending->Step();
  if (rc == SQLITE_ROW) return out;  // not indexed yet
  if (rc != SQLITE_DONE) return SqliteStatus(db_->raw(), rc, "querying occurrences");

  Result<Stmt> cls =
      Prepare("SELECT class FROM occurrence_classes WHERE collection_id = ? AND component = ?");
  if (!cls.ok()) return cls.status();
  cls->Bind(1, collection_id).Bind(2, component);
  Result<std::vector<int64_t>> classes = StepAll<int64_t>(
      *cls, [](const Stmt& s) { return s.Int(0); }, "querying occurrences");
  if (!classes.ok()) return classes.status();
  // The occurrences primary key: one range per class, no other read.
  for (int64_t c : *classes) {
    Result<Stmt> s = Prepare(
        "SELECT object_id FROM occurrences WHERE collection_id = ?1 AND component = ?2 "
        "AND class = ?3 AND lo >= ?4 AND lo < ?5 AND hi > ?6");
    if (!s.ok()) return s.status();
    s->Bind(1, collection_id).Bind(2, component).Bind(3, c).Bind(4, LowestLo(start, c));
    s->Bind(5, end).Bind(6, start);
    while ((rc = s->Step()) == SQLITE_ROW) out.matched.push_back(s->Int(0));
    if (rc != SQLITE_DONE) return SqliteStatus(db_->raw(), rc, "querying occurrences");
  }

  // Spans evaluated in another floating zone prove nothing; incomplete rows prove matches only.
  Result<Stmt> zone = Prepare(
      "SELECT object_id FROM occurrence_sets WHERE collection_id = ?1 AND component = ?2 "
      "AND zone <> '' AND zone <> ?3");
  if (!zone.ok()) return zone.status();
  zone->Bind(1, collection_id).Bind(2, component).Bind(3, floating_zone);
  Result<std::vector<Id>> other_zone = StepAll<Id>(
      *zone, [](const Stmt& s) { return s.Int(0); }, "querying occurrences");
  if (!other_zone.ok()) return other_zone.status();
  Result<Stmt> partial = Prepare(
      "SELECT object_id FROM occurrence_sets WHERE collection_id = ?1 AND component = ?2 "
      "AND complete_until < ?3");
  if (!partial.ok()) return partial.status();
  partial->Bind(1, collection_id).Bind(2, component).Bind(3, end);
  Result<std::vector<Id>> incomplete = StepAll<Id>(
      *partial, [](const Stmt& s) { return s.Int(0); }, "querying occurrences");
  if (!incomplete.ok()) return incomplete.status();
  return SettleOccurrenceMatches(std::move(out.matched), std::move(*other_zone),
                                 std::move(*incomplete));
}

Result<std::vector<Object>> SqliteSession::GetObjectsById(Id collection_id,
                                                          const std::vector<Id>& ids,
                                                          bool with_data) {
  std::vector<Object> out;
  out.reserve(ids.size());
  for (Id id : ids) {
    Result<Stmt> s =
        Prepare(with_data ? OBJECT_COLUMNS ", data FROM objects WHERE id = ? AND collection_id = ?"
                          : OBJECT_COLUMNS " FROM objects WHERE id = ? AND collection_id = ?");
    if (!s.ok()) return s.status();
    s->Bind(1, id).Bind(2, collection_id);
    int rc = s->Step();
    if (rc == SQLITE_DONE) continue;
    if (rc != SQLITE_ROW) return SqliteStatus(db_->raw(), rc, "reading objects");
    out.push_back(ReadObject(*s));
    if (with_data) out.back().data = s->Blob(kDataColumn);
  }
  std::sort(out.begin(), out.end(),
            [](const Object& a, const Object& b) { return a.name < b.name; });
  return out;
}

Result<std::vector<Id>> SqliteSession::OccurrenceBackfillCollections() {
  Result<Stmt> s = Prepare("SELECT collection_id FROM occurrence_backfill ORDER BY collection_id");
  if (!s.ok()) return s.status();
  return StepIds(*s, "listing the occurrence backfill");
}

Result<std::vector<Object>> SqliteSession::ObjectsWithoutOccurrences(Id collection_id,
                                                                     size_t limit) {
  Result<Stmt> s = Prepare(OBJECT_COLUMNS
                           ", data FROM objects o WHERE collection_id = ?1 "
                           "AND component IN ('VEVENT', 'VTODO', 'VJOURNAL', 'VFREEBUSY') "
                           "AND NOT EXISTS (SELECT 1 FROM occurrence_sets s "
                           "WHERE s.object_id = o.id) ORDER BY id LIMIT ?2");
  if (!s.ok()) return s.status();
  s->Bind(1, collection_id).Bind(2, static_cast<int64_t>(limit));
  std::vector<Object> out;
  Status st = StepObjects(
      *s, true,
      [&](const Object& o) {
        out.push_back(o);
        return Status::OK();
      },
      "listing objects without occurrences");
  if (!st.ok()) return st;
  return out;
}

Result<bool> SqliteSession::BackfillOccurrences(Id object_id, const std::string& etag,
                                                const OccurrenceSet& set) {
  WriteScope scope(*this);
  if (!scope.status().ok()) return scope.status();
  ObjectIndex index;
  Id collection_id = 0;
  {
    Result<Stmt> s = Prepare(
        "SELECT o.collection_id, o.component FROM objects o WHERE o.id = ? AND o.etag = ? "
        "AND NOT EXISTS (SELECT 1 FROM occurrence_sets s WHERE s.object_id = o.id)");
    if (!s.ok()) return scope.Finish(s.status());
    s->Bind(1, object_id).Bind(2, etag);
    int rc = s->Step();
    if (rc == SQLITE_DONE) {
      Status st = scope.Finish(Status::OK());
      if (!st.ok()) return st;
      return false;  // replaced or deleted since it was read: its PUT wrote its own rows
    }
    if (rc != SQLITE_ROW) return scope.Finish(SqliteStatus(db_->raw(), rc, "backfilling"));
    collection_id = s->Int(0);
    index.component = s->Text(1);
  }
  index.occurrences = set;
  Status st = scope.Finish(WriteOccurrences(object_id, collection_id, index));
  if (!st.ok()) return st;
  return true;
}

Result<bool> SqliteSession::FinishOccurrenceBackfill(Id collection_id) {
  WriteScope scope(*this);
  if (!scope.status().ok()) return scope.status();
  Result<Stmt> s = Prepare(
      "DELETE FROM occurrence_backfill WHERE collection_id = ?1 AND NOT EXISTS ("
      "SELECT 1 FROM objects o WHERE o.collection_id = ?1 "
      "AND o.component IN ('VEVENT', 'VTODO', 'VJOURNAL', 'VFREEBUSY') "
      "AND NOT EXISTS (SELECT 1 FROM occurrence_sets s WHERE s.object_id = o.id))");
  if (!s.ok()) return scope.Finish(s.status());
  s->Bind(1, collection_id);
  Status st = s->Run("finishing the occurrence backfill");
  if (!st.ok()) return scope.Finish(st);
  bool done = false;
  {
    Result<Stmt> left = Prepare("SELECT 1 FROM occurrence_backfill WHERE collection_id = ?");
    if (!left.ok()) return scope.Finish(left.status());
    left->Bind(1, collection_id);
    int rc = left->Step();
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
      return scope.Finish(SqliteStatus(db_->raw(), rc, "finishing the occurrence backfill"));
    }
    done = rc == SQLITE_DONE;
  }
  st = scope.Finish(Status::OK());
  if (!st.ok()) return st;
  return done;
}

}  // namespace cartable::store
