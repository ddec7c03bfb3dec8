// PostgreSQL store: objects, dead properties and the occurrence index (mirrors
// sqlite_objects.cc).
//
// Visitors (ForEachObject, QueryObjects, ForEachObjectProperty) run over rows read whole into
// one result first: a visitor may call the session again (nested calls borrow another
// connection outside a transaction), and no cursor is held open meanwhile.
#include <algorithm>
#include <iterator>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "dav/store/pg_objects_internal.h"
#include "dav/store/pg_store.h"
#include "dav/store/store_codec.h"
#include "dav/store/store_util.h"

namespace cartable::store {
namespace {

// The metadata columns ReadObject reads; `data`, when selected, follows at kDataColumn.
#define OBJECT_COLUMNS                                                                  \
  "SELECT id, collection_id, name, content_type, etag, size, created_at, modified_at, " \
  "change_seq, uid, component, first_start, last_end, needs_expansion"
constexpr int kDataColumn = 14;

Object ReadObject(const pg::Rows& r, int row, bool with_data) {
  Object o;
  o.id = r.Int(row, 0);
  o.collection_id = r.Int(row, 1);
  o.name = r.Text(row, 2);
  o.content_type = r.Text(row, 3);
  o.etag = r.Text(row, 4);
  o.size = r.Int(row, 5);
  o.created_at = r.Int(row, 6);
  o.modified_at = r.Int(row, 7);
  o.change_seq = r.Int(row, 8);
  o.index.uid = r.Text(row, 9);
  o.index.component = r.Text(row, 10);
  o.index.first_start = r.Int(row, 11);
  o.index.last_end = r.Int(row, 12);
  o.index.needs_expansion = r.Int(row, 13) != 0;
  if (with_data) o.data = r.Text(row, kDataColumn);
  return o;
}

// Calls fn for each row of `rows` (OBJECT_COLUMNS, then data when `with_data`).
Status VisitObjects(const pg::Rows& rows, bool with_data, const ObjectVisitor& fn) {
  for (int i = 0; i < rows.size(); ++i) {
    if (Status st = fn(ReadObject(rows, i, with_data)); !st.ok()) return EndVisit(std::move(st));
  }
  return Status::OK();
}

// The names PostgreSQL can hold (the others name no object).
std::vector<std::string> StorableOnly(const std::vector<std::string>& names) {
  std::vector<std::string> out;
  out.reserve(names.size());
  for (const std::string& name : names) {
    if (pg_internal::StorableText(name)) out.push_back(name);
  }
  return out;
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
      "SELECT ns, local, xml FROM collection_properties WHERE collection_id = $1 "
      "ORDER BY ns, local",
      "SELECT 1 FROM collections WHERE id = $1",
      "INSERT INTO collection_properties (collection_id, ns, local, xml) VALUES ($1, $2, $3, $4) "
      "ON CONFLICT (collection_id, ns, local) DO UPDATE SET xml = excluded.xml",
      "DELETE FROM collection_properties WHERE collection_id = $1 AND ns = $2 AND local = $3"};
  static const PropertySql kObject = {
      "SELECT ns, local, xml FROM object_properties WHERE object_id = $1 ORDER BY ns, local",
      "SELECT 1 FROM objects WHERE id = $1",
      "INSERT INTO object_properties (object_id, ns, local, xml) VALUES ($1, $2, $3, $4) "
      "ON CONFLICT (object_id, ns, local) DO UPDATE SET xml = excluded.xml",
      "DELETE FROM object_properties WHERE object_id = $1 AND ns = $2 AND local = $3"};
  return owner == Owner::kCollection ? kCollection : kObject;
}

const char* OwnerText(Owner owner) { return owner == Owner::kCollection ? "collection" : "object"; }

// Adds `delta` to the used_bytes of `owner_id`; nothing for 0 (a collection owned by no user).
Status AddUsedBytes(PgSession& s, Id owner_id, int64_t delta) {
  if (delta == 0 || owner_id == 0) return Status::OK();
  return s
      .Exec("UPDATE users SET used_bytes = used_bytes + $1 WHERE id = $2",
            pg::Params().Add(delta).Add(owner_id), "adjusting used_bytes")
      .status();
}

// Raises the collection's max_object_span (see 0002_object_index.sql) to cover `index`.
Status WidenObjectSpan(PgSession& s, Id collection_id, const ObjectIndex& index) {
  if (index.first_start == kNoLowerBound || index.last_end == kNoUpperBound) return Status::OK();
  int64_t span;
  // A span beyond INT64_MAX (bounds near both extremes) is stored as kNoUpperBound, "any".
  if (__builtin_sub_overflow(index.last_end, index.first_start, &span)) span = kNoUpperBound;
  return s
      .Exec("UPDATE collections SET max_object_span = $2 WHERE id = $1 AND max_object_span < $2",
            pg::Params().Add(collection_id).Add(span), "widening the object span")
      .status();
}

Status WriteOccurrences(PgSession& s, Id object_id, Id collection_id, const ObjectIndex& index);

Result<Object> DoPutObject(PgSession& s, Id collection_id, const std::string& name,
                           const std::string& content_type, const std::string& data,
                           const ObjectIndex& index) {
  Status st = CheckObjectName(name);
  if (!st.ok()) return st;
  for (const auto& [text, what] :
       {std::pair{&name, "an object name"}, std::pair{&content_type, "a content type"},
        std::pair{&index.uid, "a UID"}}) {
    st = pg_internal::CheckStorable(*text, what);
    if (!st.ok()) return st;
  }
  Result<Collection> c = s.GetCollectionById(collection_id);
  if (!c.ok()) return c.status();
  Result<Collection> clash = s.GetCollection(c->path + name + "/");
  if (clash.ok()) return Status::Conflict("a collection named " + name + " exists");
  if (clash.status().code() != Status::Code::kNotFound) return clash.status();
  Result<Object> old = s.GetObject(collection_id, name, false);
  if (!old.ok() && old.status().code() != Status::Code::kNotFound) return old.status();
  Result<int64_t> seq = pg_internal::Bump(s, collection_id, name, false);
  if (!seq.ok()) return seq.status();

  Object o;
  o.collection_id = collection_id;
  o.name = name;
  o.content_type = content_type;
  o.etag = ComputeEtag(data);
  o.size = static_cast<int64_t>(data.size());
  o.modified_at = s.Now();
  o.created_at = old.ok() ? old->created_at : o.modified_at;
  o.change_seq = *seq;
  o.index = index;
  pg::Params p;
  p.Add(o.content_type).Add(o.etag).Add(o.size).Add(o.modified_at).Add(o.change_seq);
  p.AddBytes(data).Add(index.uid).Add(index.component).Add(index.first_start);
  p.Add(index.last_end).Add(int64_t{index.needs_expansion});
  if (old.ok()) {
    p.Add(old->id);
  } else {
    p.Add(collection_id).Add(name);
  }
  // Replacing keeps the row (and so the id and the dead properties, RFC 4918 9.7.1).
  Result<pg::Rows> stored = s.Exec(
      old.ok() ? "UPDATE objects SET content_type = $1, etag = $2, size = $3, modified_at = $4, "
                 "change_seq = $5, data = $6, uid = $7, component = $8, first_start = $9, "
                 "last_end = $10, needs_expansion = $11 WHERE id = $12 RETURNING id"
               : "INSERT INTO objects (content_type, etag, size, modified_at, change_seq, data, "
                 "uid, component, first_start, last_end, needs_expansion, collection_id, name, "
                 "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $4) "
                 "RETURNING id",
      p, "storing object " + name);
  if (!stored.ok()) return stored.status();
  if (stored->empty()) return Status::Internal("storing object " + name + ": no row");
  o.id = stored->Int(0, 0);
  st = AddUsedBytes(s, c->owner_id, o.size - (old.ok() ? old->size : 0));
  if (!st.ok()) return st;
  st = WidenObjectSpan(s, collection_id, index);
  if (!st.ok()) return st;
  st = WriteOccurrences(s, o.id, collection_id, index);
  if (!st.ok()) return st;
  return o;
}

Status DoDeleteObject(PgSession& s, Id collection_id, const std::string& name) {
  if (!pg_internal::StorableText(name)) return Status::NotFound("no object " + name);
  Result<pg::Rows> find = s.Exec(
      "SELECT o.id, o.size, c.owner_id FROM objects o JOIN collections c "
      "ON c.id = o.collection_id WHERE o.collection_id = $1 AND o.name = $2",
      pg::Params().Add(collection_id).Add(name), "finding object " + name);
  if (!find.ok()) return find.status();
  if (find->empty()) return Status::NotFound("no object " + name);
  const Id id = find->Int(0, 0), size = find->Int(0, 1), owner = find->Int(0, 2);  // NULL: 0
  Result<pg::Rows> del = s.Exec("DELETE FROM objects WHERE id = $1",  // properties cascade
                                pg::Params().Add(id), "deleting object " + name);
  if (!del.ok()) return del.status();
  Status st = AddUsedBytes(s, owner, -size);
  if (!st.ok()) return st;
  return pg_internal::Bump(s, collection_id, name, true).status();
}

}  // namespace

namespace pg_internal {

// The statements of QueryObjects, one per shape so each gets its own plan. With a component
// (CalDAV queries always name one: $2), two objects_time ranges: the bounded objects whose
// first_start lies in [$5, end) where $5 = start - max_object_span (the others end before
// start), and the unbounded ones; then sorted by name. Without one, $2 is the start and $3 the
// end (a prepared statement must use every parameter up to the highest).
const char* QueryObjectsSql(bool by_component, bool with_data) {
#define QUERY_OVERLAP " AND first_start < $4 AND last_end > $3"
#define QUERY_BY_COMPONENT(COLUMNS)                                                           \
  "SELECT * FROM (" COLUMNS                                                                   \
  " FROM objects WHERE collection_id = $1 AND component = $2 "                                \
  "AND unbounded = 0 AND first_start >= $5" QUERY_OVERLAP " UNION ALL " COLUMNS               \
  " FROM objects WHERE collection_id = $1 AND component = $2 AND unbounded = 1" QUERY_OVERLAP \
  ") AS matching ORDER BY name"
#define QUERY_ANY(COLUMNS)                                                         \
  COLUMNS                                                                          \
  " FROM objects WHERE collection_id = $1 AND first_start < $3 AND last_end > $2 " \
  "ORDER BY name"
  static const char* const kSql[2][2] = {
      // [by component][with data]
      {QUERY_ANY(OBJECT_COLUMNS), QUERY_ANY(OBJECT_COLUMNS ", data")},
      {QUERY_BY_COMPONENT(OBJECT_COLUMNS), QUERY_BY_COMPONENT(OBJECT_COLUMNS ", data")}};
#undef QUERY_OVERLAP
#undef QUERY_BY_COMPONENT
#undef QUERY_ANY
  return kSql[by_component][with_data];
}

const char* FindObjectByUidSql() {
  return OBJECT_COLUMNS " FROM objects WHERE collection_id = $1 AND uid = $2 LIMIT 1";
}

// The lower bounds are computed by the caller, as in the SQLite store, and passed by class:
// $5[class + 1].
const char* QueryOccurrencesSql() {
  return "SELECT o.object_id FROM occurrence_classes c CROSS JOIN LATERAL ("
         "SELECT object_id FROM occurrences o WHERE o.collection_id = $1 AND o.component = $2 "
         "AND o.class = c.class AND o.lo >= ($5::bigint[])[c.class + 1] AND o.lo < $4 "
         "AND o.hi > $3) AS o WHERE c.collection_id = $1 AND c.component = $2";
}

}  // namespace pg_internal

Result<Object> PgSession::GetObject(Id collection_id, const std::string& name, bool with_data) {
  if (!pg_internal::StorableText(name)) return Status::NotFound("no object " + name);
  Result<pg::Rows> rows =
      Exec(with_data ? OBJECT_COLUMNS ", data FROM objects WHERE collection_id = $1 AND name = $2"
                     : OBJECT_COLUMNS " FROM objects WHERE collection_id = $1 AND name = $2",
           pg::Params().Add(collection_id).Add(name), "reading object " + name);
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return Status::NotFound("no object " + name);
  return ReadObject(*rows, 0, with_data);
}

Status PgSession::ForEachObject(Id collection_id, const ObjectVisitor& fn) {
  Result<Collection> c = GetCollectionById(collection_id);
  if (!c.ok()) return c.status();
  Result<pg::Rows> rows =
      Exec(OBJECT_COLUMNS " FROM objects WHERE collection_id = $1 ORDER BY name",
           pg::Params().Add(collection_id), "listing objects");
  if (!rows.ok()) return rows.status();
  return VisitObjects(*rows, false, fn);
}

Status PgSession::QueryObjects(Id collection_id, const ObjectQuery& query,
                               const ObjectVisitor& fn) {
  Result<pg::Rows> span = Exec("SELECT max_object_span FROM collections WHERE id = $1",
                               pg::Params().Add(collection_id), "querying objects");
  if (!span.ok()) return span.status();
  if (span->empty()) return Status::NotFound("no collection #" + std::to_string(collection_id));
  // The earliest first_start of a bounded object that can overlap (kNoUpperBound: a span too
  // long for an int64, see WidenObjectSpan).
  const int64_t max_span = span->Int(0, 0);
  int64_t lowest_start;
  if (max_span == kNoUpperBound || __builtin_sub_overflow(query.start, max_span, &lowest_start)) {
    lowest_start = kNoLowerBound;
  }
  const bool by_component = !query.component.empty();
  pg::Params p;
  p.Add(collection_id);
  if (by_component) p.Add(query.component);
  p.Add(query.start).Add(query.end);
  if (by_component) p.Add(lowest_start);
  Result<pg::Rows> rows =
      Exec(pg_internal::QueryObjectsSql(by_component, query.with_data), p, "querying objects");
  if (!rows.ok()) return rows.status();
  return VisitObjects(*rows, query.with_data, fn);
}

Result<std::vector<Object>> PgSession::GetObjects(Id collection_id,
                                                  const std::vector<std::string>& names,
                                                  bool with_data) {
  Result<Collection> c = GetCollectionById(collection_id);
  if (!c.ok()) return c.status();
  // One statement for the whole batch (one snapshot, one round trip), then the answers in the
  // order of `names`, missing names skipped, as the SQLite store's one lookup per name.
  Result<pg::Rows> rows = Exec(
      with_data ? OBJECT_COLUMNS ", data FROM objects WHERE collection_id = $1 AND name = ANY($2)"
                : OBJECT_COLUMNS " FROM objects WHERE collection_id = $1 AND name = ANY($2)",
      pg::Params().Add(collection_id).AddTexts(StorableOnly(names)), "reading objects");
  if (!rows.ok()) return rows.status();
  std::unordered_map<std::string, int> row_of;
  for (int i = 0; i < rows->size(); ++i) row_of.emplace(rows->Text(i, 2), i);
  std::vector<Object> out;
  out.reserve(rows->size());
  for (const std::string& name : names) {
    auto it = row_of.find(name);
    if (it != row_of.end()) out.push_back(ReadObject(*rows, it->second, with_data));
  }
  return out;
}

Result<Object> PgSession::FindObjectByUid(Id collection_id, const std::string& uid) {
  // "" is "no UID" (plain files), never a match.
  if (uid.empty()) return Status::NotFound("no object with an empty UID");
  if (!pg_internal::StorableText(uid)) return Status::NotFound("no object with UID " + uid);
  Result<pg::Rows> rows = Exec(pg_internal::FindObjectByUidSql(),
                               pg::Params().Add(collection_id).Add(uid), "finding UID " + uid);
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return Status::NotFound("no object with UID " + uid);
  return ReadObject(*rows, 0, false);
}

Result<Object> PgSession::PutObject(Id collection_id, const std::string& name,
                                    const std::string& content_type, const std::string& data,
                                    const ObjectIndex& index) {
  PgWriteScope scope(*this);
  if (!scope.status().ok()) return scope.status();
  Result<Object> o = DoPutObject(*this, collection_id, name, content_type, data, index);
  Status st = scope.Finish(o.status());
  if (!st.ok()) return st;
  return o;
}

Status PgSession::DeleteObject(Id collection_id, const std::string& name) {
  PgWriteScope scope(*this);
  if (!scope.status().ok()) return scope.status();
  return scope.Finish(DoDeleteObject(*this, collection_id, name));
}

Result<std::vector<DeadProperty>> PgSession::GetProperties(Owner owner, Id id) {
  Result<pg::Rows> rows = Exec(SqlFor(owner).list, pg::Params().Add(id), "reading properties");
  if (!rows.ok()) return rows.status();
  std::vector<DeadProperty> out;
  out.reserve(rows->size());
  for (int i = 0; i < rows->size(); ++i) {
    out.push_back({rows->Text(i, 0), rows->Text(i, 1), rows->Text(i, 2)});
  }
  if (out.empty()) {  // tell "no properties" from "no such owner"
    Result<pg::Rows> exists =
        Exec(SqlFor(owner).exists, pg::Params().Add(id), "reading properties");
    if (!exists.ok()) return exists.status();
    if (exists->empty()) {
      return Status::NotFound(std::string("no ") + OwnerText(owner) + " #" + std::to_string(id));
    }
  }
  return out;
}

Status PgSession::ForEachObjectProperty(Id collection_id, const PropertyVisitor& fn) {
  Result<Collection> c = GetCollectionById(collection_id);
  if (!c.ok()) return c.status();
  Result<pg::Rows> rows = Exec(
      "SELECT p.object_id, p.ns, p.local, p.xml FROM objects o "
      "JOIN object_properties p ON p.object_id = o.id WHERE o.collection_id = $1 "
      "ORDER BY p.object_id, p.ns, p.local",
      pg::Params().Add(collection_id), "reading member properties");
  if (!rows.ok()) return rows.status();
  for (int i = 0; i < rows->size(); ++i) {
    Status st = fn(rows->Int(i, 0), {rows->Text(i, 1), rows->Text(i, 2), rows->Text(i, 3)});
    if (!st.ok()) return EndVisit(std::move(st));
  }
  return Status::OK();
}

Status PgSession::SetProperty(Owner owner, Id id, const DeadProperty& prop) {
  for (const std::string* text : {&prop.ns, &prop.local, &prop.xml}) {
    if (Status st = pg_internal::CheckStorable(*text, "a property"); !st.ok()) return st;
  }
  PgWriteScope scope(*this);
  if (!scope.status().ok()) return scope.status();
  // A missing owner is a FOREIGN KEY violation, reported as kNotFound.
  return scope.Finish(
      Exec(SqlFor(owner).upsert, pg::Params().Add(id).Add(prop.ns).Add(prop.local).Add(prop.xml),
           std::string("setting a property on ") + OwnerText(owner) + " #" + std::to_string(id))
          .status());
}

Status PgSession::RemoveProperty(Owner owner, Id id, const std::string& ns,
                                 const std::string& local) {
  // A name PostgreSQL cannot hold names no stored property: nothing to remove.
  if (!pg_internal::StorableText(ns) || !pg_internal::StorableText(local)) return Status::OK();
  PgWriteScope scope(*this);
  if (!scope.status().ok()) return scope.status();
  return scope.Finish(
      Exec(SqlFor(owner).remove, pg::Params().Add(id).Add(ns).Add(local), "removing a property")
          .status());
}

// ---- occurrence index (issue 14) ----

namespace {

using pg::FirstColumn;

// Replaces the occurrence rows of object `object_id` by `index.occurrences`. The spans and
// their classes go in one statement each (unnest of arrays): one round trip per object, not
// one per instance.
Status WriteOccurrences(PgSession& s, Id object_id, Id collection_id, const ObjectIndex& index) {
  // Old rows of a replaced object go first (a new object has none: the probe is one seek).
  Result<pg::Rows> del = s.Exec("DELETE FROM occurrences WHERE object_id = $1",
                                pg::Params().Add(object_id), "replacing occurrences");
  if (!del.ok()) return del.status();
  if (!IsCalendarComponent(index.component)) {
    return s
        .Exec("DELETE FROM occurrence_sets WHERE object_id = $1", pg::Params().Add(object_id),
              "replacing occurrences")
        .status();
  }
  // Not computed (an index read back from the store, an inbox message): every query parses it.
  const OccurrenceSet none;
  const OccurrenceSet& set = index.occurrences ? *index.occurrences : none;
  Result<pg::Rows> head = s.Exec(
      "INSERT INTO occurrence_sets (object_id, collection_id, component, complete_until, zone) "
      "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (object_id) DO UPDATE SET "
      "collection_id = excluded.collection_id, component = excluded.component, "
      "complete_until = excluded.complete_until, zone = excluded.zone",
      pg::Params()
          .Add(object_id)
          .Add(collection_id)
          .Add(index.component)
          .Add(set.complete_until)
          .Add(set.zone),
      "storing occurrences");
  if (!head.ok()) return head.status();
  if (set.spans.empty()) return Status::OK();
  std::vector<Id> classes, los, his;
  classes.reserve(set.spans.size());
  los.reserve(set.spans.size());
  his.reserve(set.spans.size());
  for (const OccurrenceSpan& span : set.spans) {
    classes.push_back(SpanClass(span));
    los.push_back(span.lo);
    his.push_back(span.hi);
  }
  Result<pg::Rows> rows = s.Exec(
      "INSERT INTO occurrences (object_id, collection_id, component, class, lo, hi) "
      "SELECT $1, $2, $3::text, t.class, t.lo, t.hi "
      "FROM unnest($4::bigint[], $5::bigint[], $6::bigint[]) AS t(class, lo, hi) "
      "ON CONFLICT DO NOTHING",
      pg::Params()
          .Add(object_id)
          .Add(collection_id)
          .Add(index.component)
          .AddIds(classes)
          .AddIds(los)
          .AddIds(his),
      "storing occurrences");
  if (!rows.ok()) return rows.status();
  SortUnique(classes);
  return s
      .Exec(
          "INSERT INTO occurrence_classes (collection_id, component, class) "
          "SELECT $1, $2::text, unnest($3::bigint[]) ON CONFLICT DO NOTHING",
          pg::Params().Add(collection_id).Add(index.component).AddIds(classes),
          "storing occurrences")
      .status();
}

}  // namespace

Result<Session::OccurrenceMatches> PgSession::QueryOccurrences(Id collection_id,
                                                               const std::string& component,
                                                               int64_t start, int64_t end,
                                                               const std::string& floating_zone) {
  OccurrenceMatches out;
  Result<pg::Rows> pending = Exec("SELECT 1 FROM occurrence_backfill WHERE collection_id = $1",
                                  pg::Params().Add(collection_id), "querying occurrences");
  if (!pending.ok()) return pending.status();
  if (!pending->empty()) return out;  // not indexed yet

  // The occurrences primary key: one range per class present (occurrence_classes), each with
  // lo in [LowestLo(start, class), end), no other read.
  std::vector<Id> lowest;
  lowest.reserve(65);
  for (int64_t c = 0; c <= 64; ++c) lowest.push_back(LowestLo(start, c));
  Result<pg::Rows> matched =
      Exec(pg_internal::QueryOccurrencesSql(),
           pg::Params().Add(collection_id).Add(component).Add(start).Add(end).AddIds(lowest),
           "querying occurrences");
  if (!matched.ok()) return matched.status();
  std::vector<Id> matched_ids = FirstColumn(*matched);

  // Spans evaluated in another floating zone prove nothing; incomplete rows prove matches only.
  Result<pg::Rows> zone = Exec(
      "SELECT object_id FROM occurrence_sets WHERE collection_id = $1 AND component = $2 "
      "AND zone <> '' AND zone <> $3",
      pg::Params().Add(collection_id).Add(component).Add(floating_zone), "querying occurrences");
  if (!zone.ok()) return zone.status();
  std::vector<Id> other_zone = FirstColumn(*zone);
  Result<pg::Rows> partial = Exec(
      "SELECT object_id FROM occurrence_sets WHERE collection_id = $1 AND component = $2 "
      "AND complete_until < $3",
      pg::Params().Add(collection_id).Add(component).Add(end), "querying occurrences");
  if (!partial.ok()) return partial.status();
  return SettleOccurrenceMatches(std::move(matched_ids), std::move(other_zone),
                                 FirstColumn(*partial));
}

Result<std::vector<Object>> PgSession::GetObjectsById(Id collection_id, const std::vector<Id>& ids,
                                                      bool with_data) {
  Result<pg::Rows> rows = Exec(
      with_data ? OBJECT_COLUMNS ", data FROM objects WHERE id = ANY($1) AND collection_id = $2"
                : OBJECT_COLUMNS " FROM objects WHERE id = ANY($1) AND collection_id = $2",
      pg::Params().AddIds(ids).Add(collection_id), "reading objects");
  if (!rows.ok()) return rows.status();
  std::unordered_map<Id, int> row_of;
  for (int i = 0; i < rows->size(); ++i) row_of.emplace(rows->Int(i, 0), i);
  std::vector<Object> out;
  out.reserve(rows->size());
  for (Id id : ids) {  // one answer per id asked, as the SQLite store's lookup per id
    auto it = row_of.find(id);
    if (it != row_of.end()) out.push_back(ReadObject(*rows, it->second, with_data));
  }
  std::sort(out.begin(), out.end(),
            [](const Object& a, const Object& b) { return a.name < b.name; });
  return out;
}

Result<std::vector<Id>> PgSession::OccurrenceBackfillCollections() {
  Result<pg::Rows> rows =
      Exec("SELECT collection_id FROM occurrence_backfill ORDER BY collection_id",
           "listing the occurrence backfill");
  if (!rows.ok()) return rows.status();
  return FirstColumn(*rows);
}

Result<std::vector<Object>> PgSession::ObjectsWithoutOccurrences(Id collection_id, size_t limit) {
  Result<pg::Rows> rows = Exec(OBJECT_COLUMNS
                               ", data FROM objects o WHERE collection_id = $1 "
                               "AND component IN ('VEVENT', 'VTODO', 'VJOURNAL', 'VFREEBUSY') "
                               "AND NOT EXISTS (SELECT 1 FROM occurrence_sets s "
                               "WHERE s.object_id = o.id) ORDER BY id LIMIT $2",
                               pg::Params().Add(collection_id).Add(static_cast<int64_t>(limit)),
                               "listing objects without occurrences");
  if (!rows.ok()) return rows.status();
  std::vector<Object> out;
  out.reserve(rows->size());
  for (int i = 0; i < rows->size(); ++i) out.push_back(ReadObject(*rows, i, true));
  return out;
}

Result<bool> PgSession::BackfillOccurrences(Id object_id, const std::string& etag,
                                            const OccurrenceSet& set) {
  PgWriteScope scope(*this);
  if (!scope.status().ok()) return scope.status();
  Result<pg::Rows> rows = Exec(
      "SELECT o.collection_id, o.component FROM objects o WHERE o.id = $1 AND o.etag = $2 "
      "AND NOT EXISTS (SELECT 1 FROM occurrence_sets s WHERE s.object_id = o.id)",
      pg::Params().Add(object_id).Add(etag), "backfilling");
  if (!rows.ok()) return scope.Finish(rows.status());
  if (rows->empty()) {
    Status st = scope.Finish(Status::OK());
    if (!st.ok()) return st;
    return false;  // replaced or deleted since it was read: its PUT wrote its own rows
  }
  ObjectIndex index;
  const Id collection_id = rows->Int(0, 0);
  index.component = rows->Text(0, 1);
  index.occurrences = set;
  Status st = scope.Finish(WriteOccurrences(*this, object_id, collection_id, index));
  if (!st.ok()) return st;
  return true;
}

Result<bool> PgSession::FinishOccurrenceBackfill(Id collection_id) {
  PgWriteScope scope(*this);
  if (!scope.status().ok()) return scope.status();
  Result<pg::Rows> del = Exec(
      "DELETE FROM occurrence_backfill WHERE collection_id = $1 AND NOT EXISTS ("
      "SELECT 1 FROM objects o WHERE o.collection_id = $1 "
      "AND o.component IN ('VEVENT', 'VTODO', 'VJOURNAL', 'VFREEBUSY') "
      "AND NOT EXISTS (SELECT 1 FROM occurrence_sets s WHERE s.object_id = o.id))",
      pg::Params().Add(collection_id), "finishing the occurrence backfill");
  if (!del.ok()) return scope.Finish(del.status());
  Result<pg::Rows> left =
      Exec("SELECT 1 FROM occurrence_backfill WHERE collection_id = $1",
           pg::Params().Add(collection_id), "finishing the occurrence backfill");
  if (!left.ok()) return scope.Finish(left.status());
  const bool done = left->empty();
  Status st = scope.Finish(Status::OK());
  if (!st.ok()) return st;
  return done;
}

}  // namespace cartable::store
