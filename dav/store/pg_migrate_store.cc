// SQLite -> PostgreSQL store migration (pg_migrate_store.h).
#include "dav/store/pg_migrate_store.h"

#include <libpq-fe.h>
#include <sqlite3.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>

#include "dav/store/pg_store.h"
#include "dav/store/pg_util.h"
#include "dav/store/store.h"

namespace cartable::store {
namespace {

// Every table both schemas share, in an order where a row's references are copied before it
// (collections' own references to collections are set afterwards: see kDeferredCollectionLinks).
// `order` sorts rows the same way on both sides for the check: integers, and text columns that
// are bytewise on both (SQLite BINARY, PostgreSQL COLLATE "C").
struct TableSpec {
  const char* name;
  const char* order;
};
constexpr TableSpec kTables[] = {
    {"users", "id"},
    {"collections", "id"},
    {"objects", "id"},
    {"collection_properties", "collection_id, ns, local"},
    {"object_properties", "object_id, ns, local"},
    {"changes", "collection_id, seq"},
    {"directory_entries", "id"},
    {"schedule_tags", "object_id"},
    {"mail_queue", "id"},
    {"password_history", "id"},
    {"auth_failures", "id"},
    {"app_passwords", "id"},
    {"web_sessions", "id"},
    {"account_tokens", "token_hash"},
    {"recovery_codes", "id"},
    {"audit_log", "id"},
    {"shares", "id"},
    {"share_members", "share_id, user_id"},
    {"per_user_data", "object_id, user_id"},
    {"delegates", "owner_id, delegate_id"},
    {"occurrence_sets", "object_id"},
    {"occurrences", "collection_id, component, class, lo, hi, object_id"},
    {"occurrence_classes", "collection_id, component, class"},
    {"occurrence_backfill", "collection_id"},
};

// SQLite tables that are derived (the FTS5 directory indexes and their shadow tables, rebuilt on
// the target) or SQLite's own.
bool IsDerivedSqliteTable(const std::string& name) {
  return name.rfind("directory_search", 0) == 0 || name.rfind("directory_trigram", 0) == 0 ||
         name.rfind("sqlite_", 0) == 0;
}

// collections.parent_id and default_calendar_id point at other collections, possibly at a later
// id (a MOVE re-parents; an inbox names a calendar made after it): they are copied as NULL and
// set once every collection is in.
bool IsDeferredCollectionLink(const std::string& table, const std::string& column) {
  return table == "collections" && (column == "parent_id" || column == "default_calendar_id");
}

// ---- SQLite access ----

struct SqliteCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using SqlitePtr = std::unique_ptr<sqlite3, SqliteCloser>;
struct StmtFinalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

Status SqliteError(sqlite3* db, const std::string& what) {
  return Status::Internal(what + ": " + sqlite3_errmsg(db));
}

Result<StmtPtr> Prepare(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
    return SqliteError(db, "reading the SQLite store (" + sql + ")");
  }
  return StmtPtr(st);
}

Result<SqlitePtr> OpenSqlite(const std::string& file) {
  sqlite3* db = nullptr;
  // Never SQLITE_OPEN_CREATE: a wrong DIR must not leave an empty database behind.
  if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    Status st = Status::Internal("opening " + file + ": " + (db ? sqlite3_errmsg(db) : "?"));
    sqlite3_close_v2(db);
    return st;
  }
  sqlite3_busy_timeout(db, 0);  // a lock held by a writer is an answer, not a wait
  return SqlitePtr(db);
}

// Takes SQLite's write lock (BEGIN IMMEDIATE) so that nothing writes while the copy reads; a
// writer holding it (a running server in the middle of a write) is kLocked.
Status LockSqlite(sqlite3* db, const std::string& file) {
  int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
  if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
    return Status(Status::Code::kLocked, file +
                                             " is locked by a writer: stop the Cartable server "
                                             "(and every other process using it) first");
  }
  if (rc != SQLITE_OK) return SqliteError(db, "locking " + file);
  return Status::OK();
}

struct Column {
  std::string name;
  bool bytea = false;    // the PostgreSQL column is BYTEA
  bool boolean = false;  // the PostgreSQL column is BOOLEAN (SQLite: INTEGER 0/1)
};

Result<std::vector<std::string>> SqliteTables(sqlite3* db) {
  Result<StmtPtr> st = Prepare(db, "SELECT name FROM sqlite_master WHERE type = 'table'");
  if (!st.ok()) return st.status();
  std::vector<std::string> out;
  while (sqlite3_step(st->get()) == SQLITE_ROW) {
    out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st->get(), 0)));
  }
  return out;
}

// The stored (not generated) columns of `table` in SQLite.
Result<std::vector<std::string>> SqliteColumns(sqlite3* db, const std::string& table) {
  Result<StmtPtr> st = Prepare(db, "PRAGMA table_xinfo(\"" + table + "\")");
  if (!st.ok()) return st.status();
  std::vector<std::string> out;
  while (sqlite3_step(st->get()) == SQLITE_ROW) {
    if (sqlite3_column_int(st->get(), 6) != 0) continue;  // hidden: generated (or virtual)
    out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st->get(), 1)));
  }
  return out;
}

void AppendHex(std::string& out, const unsigned char* p, int n) {
  static const char kHex[] = "0123456789abcdef";
  out.reserve(out.size() + 2 * static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    out.push_back(kHex[p[i] >> 4]);
    out.push_back(kHex[p[i] & 15]);
  }
}

// A value in COPY's text format (PostgreSQL docs, "COPY": text format).
void AppendCopyValue(std::string& out, sqlite3_stmt* st, int col, bool bytea) {
  switch (sqlite3_column_type(st, col)) {
    case SQLITE_NULL: out += "\\N"; return;
    case SQLITE_INTEGER: out += std::to_string(sqlite3_column_int64(st, col)); return;
    case SQLITE_FLOAT: {
      char buf[40];
      std::snprintf(buf, sizeof buf, "%.17g", sqlite3_column_double(st, col));
      out += buf;
      return;
    }
    default: break;
  }
  const auto* p = static_cast<const unsigned char*>(sqlite3_column_blob(st, col));
  const int n = sqlite3_column_bytes(st, col);
  if (bytea) {
    out += "\\\\x";  // the bytea hex form, its backslash escaped for COPY
    AppendHex(out, p, n);
    return;
  }
  for (int i = 0; i < n; ++i) {
    const unsigned char c = p[i];
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: out.push_back(static_cast<char>(c));
    }
  }
}

// A value as PostgreSQL prints it in text results, for the check (nullopt = NULL).
std::optional<std::string> SqliteValueText(sqlite3_stmt* st, int col, bool bytea) {
  switch (sqlite3_column_type(st, col)) {
    case SQLITE_NULL: return std::nullopt;
    case SQLITE_INTEGER: return std::to_string(sqlite3_column_int64(st, col));
    default: break;
  }
  const auto* p = static_cast<const unsigned char*>(sqlite3_column_blob(st, col));
  const int n = sqlite3_column_bytes(st, col);
  if (!bytea) return std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n));
  std::string out = "\\x";
  AppendHex(out, p, n);
  return out;
}

// ---- PostgreSQL access ----

struct PgResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResultPtr = std::unique_ptr<PGresult, PgResultDeleter>;

// The stored columns of `table` in PostgreSQL: name -> data type ("bytea", "bigint", ...).
Result<std::map<std::string, std::string>> PgColumns(pg::Conn& conn, const std::string& table) {
  Result<pg::Rows> r = conn.Exec(
      "SELECT column_name::text, data_type::text FROM information_schema.columns "
      "WHERE table_schema = current_schema() AND table_name = $1 AND is_generated = 'NEVER'",
      pg::Params().Add(table), "reading the PostgreSQL schema");
  if (!r.ok()) return r.status();
  std::map<std::string, std::string> out;
  for (int i = 0; i < r->size(); ++i) out[r->Text(i, 0)] = r->Text(i, 1);
  return out;
}

// The columns both sides hold for `table`, in SQLite's order; every SQLite column must have its
// counterpart (else data would be lost).
Result<std::vector<Column>> CommonColumns(sqlite3* db, pg::Conn& conn, const std::string& table) {
  Result<std::vector<std::string>> lite = SqliteColumns(db, table);
  if (!lite.ok()) return lite.status();
  Result<std::map<std::string, std::string>> pgcols = PgColumns(conn, table);
  if (!pgcols.ok()) return pgcols.status();
  if (pgcols->empty()) {
    return Status::Internal("the PostgreSQL database has no table " + table);
  }
  std::vector<Column> out;
  for (const std::string& name : *lite) {
    auto it = pgcols->find(name);
    if (it == pgcols->end()) {
      return Status::Internal("column " + table + "." + name +
                              " has no counterpart in the PostgreSQL schema");
    }
    out.push_back({name, it->second == "bytea", it->second == "boolean"});
  }
  return out;
}

std::string ColumnList(const std::vector<Column>& cols) {
  std::string out;
  for (const Column& c : cols) {
    if (!out.empty()) out += ", ";
    out += "\"" + c.name + "\"";
  }
  return out;
}

Status PgError(PGconn* conn, const PGresult* r, const std::string& what) {
  return pg::PgStatus(conn, r, what);
}

// Streams `rows` of SQLite statement `st` into "COPY table (cols) FROM STDIN".
Result<int64_t> CopyTable(sqlite3_stmt* st, PGconn* conn, const std::string& table,
                          const std::vector<Column>& cols) {
  const std::string what = "copying " + table;
  PgResultPtr begin(
      PQexec(conn, ("COPY \"" + table + "\" (" + ColumnList(cols) + ") FROM STDIN").c_str()));
  if (PQresultStatus(begin.get()) != PGRES_COPY_IN) return PgError(conn, begin.get(), what);
  int64_t rows = 0;
  std::string buf;
  constexpr size_t kChunk = 1 << 20;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    for (size_t i = 0; i < cols.size(); ++i) {
      if (i) buf.push_back('\t');
      if (IsDeferredCollectionLink(table, cols[i].name)) {
        buf += "\\N";
      } else {
        AppendCopyValue(buf, st, static_cast<int>(i), cols[i].bytea);
      }
    }
    buf.push_back('\n');
    ++rows;
    if (buf.size() >= kChunk) {
      if (PQputCopyData(conn, buf.data(), static_cast<int>(buf.size())) != 1) {
        return PgError(conn, nullptr, what);
      }
      buf.clear();
    }
  }
  const bool read_ok = rc == SQLITE_DONE;
  if (read_ok && !buf.empty() &&
      PQputCopyData(conn, buf.data(), static_cast<int>(buf.size())) != 1) {
    return PgError(conn, nullptr, what);
  }
  if (PQputCopyEnd(conn, read_ok ? nullptr : "reading the SQLite store failed") != 1) {
    return PgError(conn, nullptr, what);
  }
  PgResultPtr end(PQgetResult(conn));
  Status st_end =
      PQresultStatus(end.get()) == PGRES_COMMAND_OK ? Status::OK() : PgError(conn, end.get(), what);
  while (PGresult* more = PQgetResult(conn)) PQclear(more);
  if (!read_ok) return Status::Internal(what + ": reading the SQLite store failed");
  if (!st_end.ok()) return st_end;
  return rows;
}

Status Script(pg::Conn& conn, const std::string& sql, const std::string& what) {
  return conn.ExecScript(sql, what);
}

// Sets each identity column's sequence past the copied maximum, so the next INSERT of the
// server gets the next id (PostgreSQL docs: setval with is_called = false returns the value).
Status ResetSequences(pg::Conn& conn) {
  Result<pg::Rows> r = conn.Exec(
      "SELECT table_name::text, column_name::text FROM information_schema.columns "
      "WHERE table_schema = current_schema() AND is_identity = 'YES'",
      "reading the identity columns");
  if (!r.ok()) return r.status();
  std::string sql;
  for (int i = 0; i < r->size(); ++i) {
    const std::string t = r->Text(i, 0), c = r->Text(i, 1);
    sql += "SELECT setval(pg_get_serial_sequence('\"" + t + "\"', '" + c +
           "'), COALESCE((SELECT "
           "MAX(\"" +
           c + "\") FROM \"" + t + "\"), 0) + 1, false);\n";
  }
  if (sql.empty()) return Status::OK();
  return Script(conn, sql, "setting the id sequences");
}

// ---- the copy ----

Status CheckSqliteTablesKnown(sqlite3* db) {
  Result<std::vector<std::string>> tables = SqliteTables(db);
  if (!tables.ok()) return tables.status();
  std::set<std::string> known;
  for (const TableSpec& t : kTables) known.insert(t.name);
  for (const std::string& t : *tables) {
    if (IsDerivedSqliteTable(t) || known.count(t)) continue;
    return Status::Internal("the SQLite store has a table this version cannot move: " + t);
  }
  return Status::OK();
}

Status CheckTargetEmpty(pg::Conn& conn) {
  std::string sql;
  for (const TableSpec& t : kTables) {
    if (!sql.empty()) sql += " UNION ALL ";
    sql += std::string("SELECT '") + t.name + "' WHERE EXISTS (SELECT 1 FROM \"" + t.name + "\")";
  }
  Result<pg::Rows> r = conn.Exec(sql, "checking that the target is empty");
  if (!r.ok()) return r.status();
  if (r->empty()) return Status::OK();
  std::string names;
  for (int i = 0; i < r->size(); ++i) names += (i ? ", " : "") + r->Text(i, 0);
  return Status::Conflict("the PostgreSQL database is not empty (rows in " + names +
                          "): migrate-store copies into an empty database only");
}

Status CopyAll(sqlite3* db, pg::Conn& conn, MigrateStoreReport* report) {
  PGconn* raw = conn.raw();
  for (const TableSpec& t : kTables) {
    Result<std::vector<Column>> cols = CommonColumns(db, conn, t.name);
    if (!cols.ok()) return cols.status();
    std::string select = "SELECT ";
    for (size_t i = 0; i < cols->size(); ++i) {
      select += (i ? ", \"" : "\"") + (*cols)[i].name + "\"";
    }
    select += std::string(" FROM \"") + t.name + "\" ORDER BY " + t.order;
    Result<StmtPtr> st = Prepare(db, select);
    if (!st.ok()) return st.status();
    Result<int64_t> rows = CopyTable(st->get(), raw, t.name, *cols);
    if (!rows.ok()) return rows.status();
    report->copied.emplace_back(t.name, *rows);
  }
  // The deferred links of collections, through a temporary table (one COPY, one UPDATE).
  Status st = Script(conn,
                     "CREATE TEMP TABLE migrate_links (id BIGINT PRIMARY KEY, parent_id BIGINT, "
                     "default_calendar_id BIGINT) ON COMMIT DROP",
                     "copying collections");
  if (!st.ok()) return st;
  Result<StmtPtr> links =
      Prepare(db,
              "SELECT id, parent_id, default_calendar_id FROM collections "
              "WHERE parent_id IS NOT NULL OR default_calendar_id IS NOT NULL ORDER BY id");
  if (!links.ok()) return links.status();
  Result<int64_t> n = CopyTable(links->get(), raw, "migrate_links",
                                {{"id"}, {"parent_id"}, {"default_calendar_id"}});
  if (!n.ok()) return n.status();
  st = Script(conn,
              "UPDATE collections c SET parent_id = l.parent_id, "
              "default_calendar_id = l.default_calendar_id FROM migrate_links l WHERE c.id = l.id",
              "copying collections");
  if (!st.ok()) return st;
  return ResetSequences(conn);
}

// Rebuilds directory_search / directory_trigram from the copied entries through the store:
// PutDirectoryEntry with the entry's id rewrites the same row and computes the folded search
// texts exactly as an import does.
Result<int64_t> ReindexDirectory(const std::string& url) {
  Result<std::unique_ptr<Store>> store = OpenPostgresStore(url);
  if (!store.ok()) return store.status();
  Session& s = (*store)->ThreadSession();
  Result<std::vector<DirectoryEntry>> entries = s.ListDirectoryEntries();
  if (!entries.ok()) return entries.status();
  // Batches of entries per transaction: one commit (and write lock) per entry made 20,000
  // entries take a minute.
  constexpr size_t kBatch = 1000;
  int64_t n = 0;
  for (size_t i = 0; i < entries->size(); i += kBatch) {
    Result<std::unique_ptr<Transaction>> tx = s.Begin(true);
    if (!tx.ok()) return tx.status();
    for (size_t k = i; k < std::min(entries->size(), i + kBatch); ++k) {
      Result<Id> id = s.PutDirectoryEntry((*entries)[k]);
      if (!id.ok()) return id.status();
      ++n;
    }
    if (Status st = (*tx)->Commit(); !st.ok()) return st;
  }
  return n;
}

// ---- the check ----

class Checker {
 public:
  Checker(MigrateStoreReport* report) : report_(report) {}
  void Mismatch(const std::string& what) {
    ++report_->mismatch_count;
    if (report_->mismatches.size() < MigrateStoreReport::kMaxMismatches) {
      report_->mismatches.push_back(what);
    }
  }
  template <typename T>
  void Same(const std::string& where, const char* field, const T& a, const T& b) {
    if (a == b) return;
    std::ostringstream os;
    os << where << ": " << field << " differs";
    if constexpr (std::is_arithmetic_v<T>) os << " (" << a << " != " << b << ")";
    Mismatch(os.str());
  }
  MigrateStoreReport* report_;
};

std::string StatusKey(const Status& s) { return std::to_string(static_cast<int>(s.code())); }

Status CheckCollections(sqlite3* db, Session& a, Session& b, Checker& c) {
  Result<StmtPtr> st =
      Prepare(db, "SELECT id, changes_floor, sync_seq FROM collections ORDER BY id");
  if (!st.ok()) return st.status();
  while (sqlite3_step(st->get()) == SQLITE_ROW) {
    const Id id = sqlite3_column_int64(st->get(), 0);
    const int64_t floor = sqlite3_column_int64(st->get(), 1);
    const int64_t seq = sqlite3_column_int64(st->get(), 2);
    Result<Collection> ca = a.GetCollectionById(id);
    if (!ca.ok()) return ca.status();
    Result<Collection> cb = b.GetCollectionById(id);
    const std::string where = "collection " + ca->path;
    ++c.report_->collections_checked;
    if (!cb.ok()) {
      c.Mismatch(where + ": missing on the target (" + cb.status().ToString() + ")");
      continue;
    }
    c.Same(where, "path", ca->path, cb->path);
    c.Same(where, "parent", ca->parent_id, cb->parent_id);
    c.Same(where, "owner", ca->owner_id, cb->owner_id);
    c.Same(where, "kind", ca->kind, cb->kind);
    c.Same(where, "sync_seq", ca->sync_seq, cb->sync_seq);
    c.Same(where, "created_at", ca->created_at, cb->created_at);
    c.Same(where, "modified_at", ca->modified_at, cb->modified_at);
    if (!(ca->settings == cb->settings)) c.Mismatch(where + ": settings differ");
    // The change log and its floor, as clients see them: the answer for tokens below the floor
    // (an error: valid-sync-token), at it, and at the current seq.
    for (int64_t since : {int64_t{0}, floor - 1, floor, seq}) {
      if (since < 0) continue;
      Result<std::vector<Change>> xa = a.ChangesSince(id, since);
      Result<std::vector<Change>> xb = b.ChangesSince(id, since);
      const std::string w = where + ": changes since " + std::to_string(since);
      if (xa.ok() != xb.ok() || (!xa.ok() && StatusKey(xa.status()) != StatusKey(xb.status()))) {
        c.Mismatch(w + ": different answers");
        continue;
      }
      if (!xa.ok()) continue;
      bool same = xa->size() == xb->size();
      for (size_t i = 0; same && i < xa->size(); ++i) {
        same = (*xa)[i].seq == (*xb)[i].seq && (*xa)[i].name == (*xb)[i].name &&
               (*xa)[i].deleted == (*xb)[i].deleted;
      }
      if (!same) c.Mismatch(w + ": different change logs");
    }
    // Dead properties of the collection.
    Result<std::vector<DeadProperty>> pa = a.GetProperties(Owner::kCollection, id);
    Result<std::vector<DeadProperty>> pb = b.GetProperties(Owner::kCollection, id);
    if (!pa.ok()) return pa.status();
    if (!pb.ok() || pa->size() != pb->size()) {
      c.Mismatch(where + ": different properties");
    } else {
      for (size_t i = 0; i < pa->size(); ++i) {
        if ((*pa)[i].ns != (*pb)[i].ns || (*pa)[i].local != (*pb)[i].local ||
            (*pa)[i].xml != (*pb)[i].xml) {
          c.Mismatch(where + ": different properties");
          break;
        }
      }
    }
    // Objects: metadata and index, then bodies in batches.
    std::vector<Object> oa, ob;
    Status sa = a.ForEachObject(id, [&](const Object& o) {
      oa.push_back(o);
      return Status::OK();
    });
    if (!sa.ok()) return sa;
    Status sb = b.ForEachObject(id, [&](const Object& o) {
      ob.push_back(o);
      return Status::OK();
    });
    if (!sb.ok()) {
      c.Mismatch(where + ": objects unreadable on the target (" + sb.ToString() + ")");
      continue;
    }
    auto by_name = [](const Object& x, const Object& y) { return x.name < y.name; };
    std::sort(oa.begin(), oa.end(), by_name);
    std::sort(ob.begin(), ob.end(), by_name);
    if (oa.size() != ob.size()) {
      c.Mismatch(where + ": " + std::to_string(oa.size()) + " objects, " +
                 std::to_string(ob.size()) + " on the target");
      continue;
    }
    std::vector<std::string> names;
    for (size_t i = 0; i < oa.size(); ++i) {
      const Object& x = oa[i];
      const Object& y = ob[i];
      const std::string w = where + x.name;
      ++c.report_->objects_checked;
      if (x.name != y.name) {
        c.Mismatch(w + ": missing on the target");
        continue;
      }
      c.Same(w, "id", x.id, y.id);
      c.Same(w, "etag", x.etag, y.etag);
      c.Same(w, "content type", x.content_type, y.content_type);
      c.Same(w, "size", x.size, y.size);
      c.Same(w, "change_seq", x.change_seq, y.change_seq);
      c.Same(w, "created_at", x.created_at, y.created_at);
      c.Same(w, "modified_at", x.modified_at, y.modified_at);
      c.Same(w, "uid", x.index.uid, y.index.uid);
      c.Same(w, "component", x.index.component, y.index.component);
      c.Same(w, "first_start", x.index.first_start, y.index.first_start);
      c.Same(w, "last_end", x.index.last_end, y.index.last_end);
      names.push_back(x.name);
    }
    constexpr size_t kBatch = 64;
    for (size_t i = 0; i < names.size(); i += kBatch) {
      std::vector<std::string> batch(names.begin() + i,
                                     names.begin() + std::min(names.size(), i + kBatch));
      Result<std::vector<Object>> da = a.GetObjects(id, batch, true);
      if (!da.ok()) return da.status();
      Result<std::vector<Object>> dbs = b.GetObjects(id, batch, true);
      if (!dbs.ok() || dbs->size() != da->size()) {
        c.Mismatch(where + ": bodies unreadable on the target");
        continue;
      }
      std::map<std::string, const std::string*> bodies;
      for (const Object& o : *dbs) bodies[o.name] = o.data ? &*o.data : nullptr;
      for (const Object& o : *da) {
        auto it = bodies.find(o.name);
        if (it == bodies.end() || !it->second || !o.data || *it->second != *o.data) {
          c.Mismatch(where + o.name + ": body bytes differ");
        }
      }
    }
  }
  return Status::OK();
}

Status CheckUsersAndDirectory(Session& a, Session& b, Checker& c) {
  for (bool groups : {false, true}) {
    Result<std::vector<User>> ua = groups ? a.ListGroups() : a.ListUsers();
    if (!ua.ok()) return ua.status();
    Result<std::vector<User>> ub = groups ? b.ListGroups() : b.ListUsers();
    if (!ub.ok() || ua->size() != ub->size()) {
      c.Mismatch(groups ? "groups differ" : "users differ");
      continue;
    }
    for (size_t i = 0; i < ua->size(); ++i) {
      const User& x = (*ua)[i];
      const User& y = (*ub)[i];
      const std::string w = "user " + x.login;
      c.Same(w, "id", x.id, y.id);
      c.Same(w, "login", x.login, y.login);
      c.Same(w, "email", x.email, y.email);
      c.Same(w, "display name", x.display_name, y.display_name);
      c.Same(w, "password hash", x.password_hash, y.password_hash);
      c.Same(w, "state", static_cast<int>(x.state), static_cast<int>(y.state));
      c.Same(w, "quota", x.quota_bytes, y.quota_bytes);
      c.Same(w, "used bytes", x.used_bytes, y.used_bytes);
      c.Same(w, "credential version", x.credential_version, y.credential_version);
      c.Same(w, "must change password", x.must_change_password, y.must_change_password);
      c.Same(w, "created_at", x.created_at, y.created_at);
      c.Same(w, "scheduling", x.scheduling, y.scheduling);
      c.Same(w, "kind", static_cast<int>(x.kind), static_cast<int>(y.kind));
      c.Same(w, "group key", x.group_key, y.group_key);
      Result<UserSecurity> sa = a.GetUserSecurity(x.id);
      Result<UserSecurity> sb = b.GetUserSecurity(x.id);
      if (!sa.ok() || !sb.ok()) {
        if (sa.ok() != sb.ok()) c.Mismatch(w + ": security state differs");
        continue;
      }
      c.Same(w, "role", static_cast<int>(sa->role), static_cast<int>(sb->role));
      c.Same(w, "otp required", sa->otp_required, sb->otp_required);
      c.Same(w, "otp secret", sa->otp_secret, sb->otp_secret);
      c.Same(w, "otp enrolled", sa->otp_enrolled_at, sb->otp_enrolled_at);
      c.Same(w, "otp last step", sa->otp_last_step, sb->otp_last_step);
      c.Same(w, "locked until", sa->locked_until, sb->locked_until);
      c.Same(w, "temporary locks", sa->temporary_locks, sb->temporary_locks);
      c.Same(w, "blocked", sa->blocked, sb->blocked);
      c.Same(w, "password changed", sa->password_changed_at, sb->password_changed_at);
      c.Same(w, "backup email", sa->backup_email, sb->backup_email);
      c.Same(w, "pending backup email", sa->backup_email_pending, sb->backup_email_pending);
    }
  }
  Result<std::vector<DirectoryEntry>> da = a.ListDirectoryEntries();
  if (!da.ok()) return da.status();
  Result<std::vector<DirectoryEntry>> db = b.ListDirectoryEntries();
  if (!db.ok() || da->size() != db->size()) {
    c.Mismatch("directory entries differ");
    return Status::OK();
  }
  auto by_id = [](const DirectoryEntry& x, const DirectoryEntry& y) { return x.id < y.id; };
  std::sort(da->begin(), da->end(), by_id);
  std::sort(db->begin(), db->end(), by_id);
  for (size_t i = 0; i < da->size(); ++i) {
    const DirectoryEntry& x = (*da)[i];
    const DirectoryEntry& y = (*db)[i];
    const std::string w = "directory entry " + x.card_uid;
    c.Same(w, "id", x.id, y.id);
    c.Same(w, "source key", x.source_key, y.source_key);
    c.Same(w, "user", x.user_id, y.user_id);
    c.Same(w, "card uid", x.card_uid, y.card_uid);
    c.Same(w, "nom", x.nom, y.nom);
    c.Same(w, "prenom", x.prenom, y.prenom);
    c.Same(w, "email", x.email, y.email);
    c.Same(w, "fonction", x.fonction, y.fonction);
    c.Same(w, "etablissement", x.etablissement, y.etablissement);
    c.Same(w, "uai", x.uai, y.uai);
    c.Same(w, "departement", x.departement, y.departement);
    c.Same(w, "telephone", x.telephone, y.telephone);
    c.Same(w, "active", x.active, y.active);
    c.Same(w, "updated_at", x.updated_at, y.updated_at);
    c.Same(w, "numen hash", x.numen_hash, y.numen_hash);
    c.Same(w, "birth hash", x.birth_hash, y.birth_hash);
  }
  // The rebuilt search index answers as the source's: each of the first entries found by its
  // name, on both sides.
  constexpr size_t kSearchSamples = 200;
  for (size_t i = 0; i < std::min(da->size(), kSearchSamples); ++i) {
    DirectoryQuery q;
    q.text = (*da)[i].nom + " " + (*da)[i].prenom;
    q.active_only = false;
    q.limit = 50;
    Result<std::vector<DirectoryEntry>> ra = a.SearchDirectory(q);
    Result<std::vector<DirectoryEntry>> rb = b.SearchDirectory(q);
    if (!ra.ok()) return ra.status();
    std::vector<Id> ia, ib;
    for (const DirectoryEntry& e : *ra) ia.push_back(e.id);
    if (rb.ok()) {
      for (const DirectoryEntry& e : *rb) ib.push_back(e.id);
    }
    if (!rb.ok() || ia != ib) c.Mismatch("directory search \"" + q.text + "\" answers differ");
  }
  return Status::OK();
}

// Every copied table, row by row, every column, in SQL: what the Store API does not list
// (shares, per-user data, delegates, the mail queue, account tables, the occurrence index).
Status CheckTablesSql(sqlite3* db, pg::Conn& conn, Checker& c) {
  PGconn* raw = conn.raw();
  Status st = conn.ExecScript(
      "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL bytea_output = 'hex'",
      "checking the copy");
  if (!st.ok()) return st;
  for (const TableSpec& t : kTables) {
    Result<std::vector<Column>> cols = CommonColumns(db, conn, t.name);
    if (!cols.ok()) return cols.status();
    const std::string from = std::string(" FROM \"") + t.name + "\" ORDER BY " + t.order;
    Result<StmtPtr> lite = Prepare(db, "SELECT " + ColumnList(*cols) + from);
    if (!lite.ok()) return lite.status();
    std::string pg_select;  // booleans read as 0/1, as SQLite stores them
    for (const Column& col : *cols) {
      pg_select +=
          (pg_select.empty() ? "\"" : ", \"") + col.name + (col.boolean ? "\"::int" : "\"");
    }
    PgResultPtr decl(PQexec(
        raw, ("DECLARE migrate_check NO SCROLL CURSOR FOR SELECT " + pg_select + from).c_str()));
    if (PQresultStatus(decl.get()) != PGRES_COMMAND_OK) {
      return PgError(raw, decl.get(), "checking " + std::string(t.name));
    }
    int64_t row = 0;
    bool differs = false;
    bool lite_done = false;
    for (;;) {
      PgResultPtr batch(PQexec(raw, "FETCH 500 FROM migrate_check"));
      if (PQresultStatus(batch.get()) != PGRES_TUPLES_OK) {
        return PgError(raw, batch.get(), "checking " + std::string(t.name));
      }
      const int n = PQntuples(batch.get());
      for (int i = 0; i < n && !differs; ++i) {
        if (lite_done || sqlite3_step(lite->get()) != SQLITE_ROW) {
          lite_done = true;
          differs = true;
          break;
        }
        ++row;
        for (size_t k = 0; k < cols->size(); ++k) {
          const int kc = static_cast<int>(k);
          std::optional<std::string> want = SqliteValueText(lite->get(), kc, (*cols)[k].bytea);
          const bool null = PQgetisnull(batch.get(), i, kc);
          if (null != !want.has_value() ||
              (want && std::string_view(PQgetvalue(batch.get(), i, kc),
                                        PQgetlength(batch.get(), i, kc)) != *want)) {
            c.Mismatch(std::string("table ") + t.name + ", row " + std::to_string(row) +
                       ": column " + (*cols)[k].name + " differs");
            differs = true;
            break;
          }
        }
      }
      if (n == 0 || differs) break;
    }
    if (!differs && !lite_done && sqlite3_step(lite->get()) == SQLITE_ROW) differs = true;
    if (differs && row == 0) {
      c.Mismatch(std::string("table ") + t.name + ": different row counts");
    } else if (differs && lite_done) {
      c.Mismatch(std::string("table ") + t.name + ": more rows on the target");
    }
    c.report_->rows_checked += row;
    PgResultPtr close(PQexec(raw, "CLOSE migrate_check"));
  }
  return conn.ExecScript("COMMIT", "checking the copy");
}

std::string SqliteFile(const std::string& dir) { return dir + "/cartable.db"; }

}  // namespace

Status CheckMigratedStore(const std::string& sqlite_dir, const std::string& postgresql_url,
                          MigrateStoreReport* report) {
  Result<SqlitePtr> db = OpenSqlite(SqliteFile(sqlite_dir));
  if (!db.ok()) return db.status();
  Result<std::unique_ptr<pg::Conn>> conn = pg::Conn::Open(postgresql_url);
  if (!conn.ok()) return conn.status();
  Result<std::unique_ptr<Store>> a = OpenSqliteStore(sqlite_dir);
  if (!a.ok()) return a.status();
  Result<std::unique_ptr<Store>> b = OpenPostgresStore(postgresql_url);
  if (!b.ok()) return b.status();
  Checker c(report);
  Session& sa = (*a)->ThreadSession();
  Session& sb = (*b)->ThreadSession();
  if (Status st = CheckCollections(db->get(), sa, sb, c); !st.ok()) return st;
  if (Status st = CheckUsersAndDirectory(sa, sb, c); !st.ok()) return st;
  return CheckTablesSql(db->get(), **conn, c);
}

Result<MigrateStoreReport> MigrateSqliteToPostgres(const std::string& sqlite_dir,
                                                   const std::string& postgresql_url) {
  const std::string file = SqliteFile(sqlite_dir);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) {
    return Status::NotFound("no Cartable SQLite store in " + sqlite_dir + " (" + file +
                            " does not exist)");
  }
  {
    // A running server is refused before anything is written (the pending SQLite migrations
    // below would otherwise wait for it).
    Result<SqlitePtr> probe = OpenSqlite(file);
    if (!probe.ok()) return probe.status();
    if (Status st = LockSqlite(probe->get(), file); !st.ok()) return st;
    sqlite3_exec(probe->get(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
  // The source at the current schema (as `cartable migrate` would), then the target.
  if (Result<int> v = MigrateSqliteStore(sqlite_dir); !v.ok()) return v.status();
  if (Result<int> v = MigratePostgresStore(postgresql_url); !v.ok()) return v.status();

  MigrateStoreReport report;
  {
    Result<SqlitePtr> db = OpenSqlite(file);
    if (!db.ok()) return db.status();
    if (Status st = LockSqlite(db->get(), file); !st.ok()) return st;
    if (Status st = CheckSqliteTablesKnown(db->get()); !st.ok()) return st;
    Result<std::unique_ptr<pg::Conn>> conn = pg::Conn::Open(postgresql_url);
    if (!conn.ok()) return conn.status();
    // One transaction; the store's write lock keeps a node that would already serve this
    // database from writing in between (pg_store.h kWriteLockKey).
    Status st = (*conn)->ExecScript(
        "BEGIN; SELECT pg_advisory_xact_lock(" + std::to_string(kWriteLockKey) + ")",
        "starting the copy");
    if (!st.ok()) return st;
    st = CheckTargetEmpty(**conn);
    if (st.ok()) st = CopyAll(db->get(), **conn, &report);
    if (!st.ok()) {
      (void)(*conn)->ExecScript("ROLLBACK", "abandoning the copy");
      return st;
    }
    if (st = (*conn)->ExecScript("COMMIT", "committing the copy"); !st.ok()) return st;
    sqlite3_exec(db->get(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
  Result<int64_t> reindexed = ReindexDirectory(postgresql_url);
  if (!reindexed.ok()) {
    // The copy is committed: running again would be refused as a non-empty target.
    return Status(reindexed.status().code(),
                  "the copy is committed but rebuilding the directory search failed (" +
                      reindexed.status().message() +
                      "): drop and create the PostgreSQL database again, then run migrate-store "
                      "again");
  }
  report.directory_reindexed = *reindexed;
  if (Status st = CheckMigratedStore(sqlite_dir, postgresql_url, &report); !st.ok()) return st;
  return report;
}

}  // namespace cartable::store
