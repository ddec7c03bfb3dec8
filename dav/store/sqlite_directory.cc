// SqliteSession: the staff directory (0003_directory.sql) and its FTS5 indexes.
#include <algorithm>
#include <string>

#include "dav/store/directory_text.h"
#include "dav/store/sqlite_store.h"
#include "dav/store/store_util.h"

namespace cartable::store {
namespace {

#define DIRECTORY_COLUMNS(T)                                                                 \
  "SELECT " T "id, " T "source_key, " T "user_id, " T "card_uid, " T "nom, " T "prenom, " T  \
  "email, " T "fonction, " T "etablissement, " T "uai, " T "departement, " T "telephone, " T \
  "active, " T "updated_at, " T "numen_hash, " T "birth_hash "

DirectoryEntry ReadEntry(const Stmt& s) {
  DirectoryEntry e;
  e.id = s.Int(0);
  e.source_key = s.Text(1);
  e.user_id = s.Int(2);  // NULL reads as 0
  e.card_uid = s.Text(3);
  e.nom = s.Text(4);
  e.prenom = s.Text(5);
  e.email = s.Text(6);
  e.fonction = s.Text(7);
  e.etablissement = s.Text(8);
  e.uai = s.Text(9);
  e.departement = s.Text(10);
  e.telephone = s.Text(11);
  e.active = s.Int(12) != 0;
  e.updated_at = s.Int(13);
  e.numen_hash = s.Text(14);
  e.birth_hash = s.Text(15);
  return e;
}

int64_t SqlLimit(size_t limit) {
  return static_cast<int64_t>(std::min<size_t>(limit, static_cast<size_t>(INT64_MAX)));
}

// A search without words: everyone (of the department), in order, from the sort indexes.
constexpr char kListAllSql[] = DIRECTORY_COLUMNS(
    "") "FROM directory_entries WHERE (?3 = 0 OR active = 1) ORDER BY sort_key, id LIMIT ?4";
constexpr char kListDepartementSql[] = DIRECTORY_COLUMNS("")
    "FROM directory_entries WHERE departement = ?2 AND (?3 = 0 OR active = 1) "
    "ORDER BY sort_key, id LIMIT ?4";
// People of one establishment (its members are few: the partial uai index, then a sort).
constexpr char kListEstablishmentSql[] = DIRECTORY_COLUMNS("")
    "FROM directory_entries WHERE uai = ?5 AND (?2 = '' OR departement = ?2) "
    "AND (?3 = 0 OR active = 1) ORDER BY sort_key, id LIMIT ?4";
// Needles shorter than a trigram: every row's folded text is scanned (short needles are rare;
// they match most people anyway, and the caller then scans the address book).
constexpr char kContainsShortSql[] =
    "SELECT e.id FROM directory_trigram CROSS JOIN directory_entries e "
    "ON e.id = directory_trigram.rowid WHERE instr(directory_trigram.text, ?1) > 0 "
    "AND e.active = 1 ORDER BY directory_trigram.rowid LIMIT ?2";

}  // namespace

// CROSS JOIN fixes the FTS5 table as the outer loop: SQLite would otherwise be free to walk
// directory_entries in sort_key order and probe the match set for each row, which reads the
// whole table when few people match.
const char* SearchDirectorySql() {
  return DIRECTORY_COLUMNS("e.")
      "FROM directory_search CROSS JOIN directory_entries e ON e.id = directory_search.rowid "
      "WHERE directory_search MATCH ?1 AND (?2 = '' OR e.departement = ?2) "
      "AND (?5 = '' OR e.uai = ?5) "
      "AND (?3 = 0 OR e.active = 1) ORDER BY e.sort_key, e.id LIMIT ?4";
}

// In rowid order, as FTS5 returns its matches: the LIMIT stops the lookup early.
const char* DirectoryContainsSql() {
  return "SELECT e.id FROM directory_trigram CROSS JOIN directory_entries e "
         "ON e.id = directory_trigram.rowid WHERE directory_trigram MATCH ?1 "
         "AND e.active = 1 ORDER BY directory_trigram.rowid LIMIT ?2";
}

Result<std::vector<DirectoryEntry>> SqliteSession::StepDirectoryEntries(Stmt& stmt) {
  std::vector<DirectoryEntry> out;
  int rc;
  while ((rc = stmt.Step()) == SQLITE_ROW) out.push_back(ReadEntry(stmt));
  if (rc != SQLITE_DONE) return SqliteStatus(db_->raw(), rc, "reading the directory");
  return out;
}

Result<std::vector<Id>> SqliteSession::StepIds(Stmt& stmt, std::string_view what) {
  std::vector<Id> out;
  int rc;
  while ((rc = stmt.Step()) == SQLITE_ROW) out.push_back(stmt.Int(0));
  if (rc != SQLITE_DONE) return SqliteStatus(db_->raw(), rc, what);
  return out;
}

Result<std::vector<DirectoryEntry>> SqliteSession::ListDirectoryEntries() {
  Result<Stmt> s = Prepare(DIRECTORY_COLUMNS("") "FROM directory_entries ORDER BY id");
  if (!s.ok()) return s.status();
  return StepDirectoryEntries(*s);
}

Result<DirectoryEntry> SqliteSession::GetDirectoryEntryByUser(Id user_id) {
  // Several entries may name one account (a person re-imported under a new key): the active one.
  Result<Stmt> s = Prepare(DIRECTORY_COLUMNS(
      "") "FROM directory_entries WHERE user_id = ? "
          "ORDER BY active DESC, id LIMIT 1");
  if (!s.ok()) return s.status();
  s->Bind(1, user_id);
  int rc = s->Step();
  if (rc == SQLITE_ROW) return ReadEntry(*s);
  if (rc == SQLITE_DONE) {
    return Status::NotFound("no directory entry for user #" + std::to_string(user_id));
  }
  return SqliteStatus(db_->raw(), rc, "reading the directory");
}

Result<std::vector<DirectoryEntry>> SqliteSession::GetDirectoryEntries(const std::vector<Id>& ids) {
  // One primary-key lookup per id (a REPORT names at most a few hundred), in one read
  // transaction when the caller has none: one snapshot for the batch.
  const bool own_txn = txn_ == TxnState::kNone && ids.size() > 1;
  if (own_txn) {
    if (Status st = db_ ? db_->Exec("BEGIN DEFERRED") : open_error_; !st.ok()) return st;
  }
  std::vector<DirectoryEntry> out;
  out.reserve(ids.size());
  Status st;
  for (Id id : ids) {
    Result<Stmt> s = Prepare(DIRECTORY_COLUMNS("") "FROM directory_entries WHERE id = ?");
    if (!s.ok()) {
      st = s.status();
      break;
    }
    s->Bind(1, id);
    int rc = s->Step();
    if (rc == SQLITE_ROW) {
      out.push_back(ReadEntry(*s));
    } else if (rc != SQLITE_DONE) {
      st = SqliteStatus(db_->raw(), rc, "reading the directory");
      break;
    }
  }
  if (own_txn) db_->Exec(st.ok() ? "COMMIT" : "ROLLBACK");  // read-only: COMMIT cannot lose data
  if (!st.ok()) return st;
  return out;
}

Result<Id> SqliteSession::DoPutDirectoryEntry(const DirectoryEntry& entry) {
  if (entry.source_key.empty() || entry.card_uid.empty()) {
    return Status::BadRequest("a directory entry needs a source key and a card UID");
  }
  Id id = entry.id;
  Result<Stmt> s = Prepare(
      id != 0
          ? "UPDATE directory_entries SET source_key = ?1, user_id = ?2, card_uid = ?3, nom = ?4, "
            "prenom = ?5, email = ?6, fonction = ?7, etablissement = ?8, uai = ?9, "
            "departement = ?10, telephone = ?11, active = ?12, updated_at = ?13, sort_key = ?14, "
            "numen_hash = ?16, birth_hash = ?17 WHERE id = ?15"
          : "INSERT INTO directory_entries (source_key, user_id, card_uid, nom, prenom, email, "
            "fonction, etablissement, uai, departement, telephone, active, updated_at, sort_key, "
            "numen_hash, birth_hash) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?16, ?17)");
  if (!s.ok()) return s.status();
  s->Bind(1, entry.source_key);
  if (entry.user_id != 0) {
    s->Bind(2, entry.user_id);
  } else {
    s->BindNull(2);
  }
  s->Bind(3, entry.card_uid).Bind(4, entry.nom).Bind(5, entry.prenom).Bind(6, entry.email);
  s->Bind(7, entry.fonction).Bind(8, entry.etablissement).Bind(9, entry.uai);
  s->Bind(10, entry.departement).Bind(11, entry.telephone).Bind(12, int64_t{entry.active});
  s->Bind(13, entry.updated_at != 0 ? entry.updated_at : Now()).Bind(14, SortKeyOf(entry));
  if (id != 0) s->Bind(15, id);
  s->Bind(16, entry.numen_hash).Bind(17, entry.birth_hash);
  // UNIQUE source_key / card_uid -> kConflict; an unknown user_id (FOREIGN KEY) -> kNotFound.
  // Named by its card UID: the source key may be a NUMEN, which no message may show.
  Status st = s->Run("storing directory entry " + entry.card_uid);
  if (!st.ok()) return st;
  if (id == 0) {
    id = db_->LastInsertId();
  } else if (db_->Changes() == 0) {
    return Status::NotFound("no directory entry #" + std::to_string(id));
  } else {
    for (const char* sql : {"DELETE FROM directory_search WHERE rowid = ?",
                            "DELETE FROM directory_trigram WHERE rowid = ?"}) {
      Result<Stmt> del = Prepare(sql);
      if (!del.ok()) return del.status();
      del->Bind(1, id);
      if (st = del->Run("reindexing directory entry"); !st.ok()) return st;
    }
  }
  const DirectorySearchText text = SearchTextOf(entry);
  Result<Stmt> words = Prepare(
      "INSERT INTO directory_search (rowid, name, email, fonction, etablissement) "
      "VALUES (?, ?, ?, ?, ?)");
  if (!words.ok()) return words.status();
  words->Bind(1, id).Bind(2, text.name).Bind(3, text.email).Bind(4, text.fonction);
  words->Bind(5, text.etablissement);
  if (st = words->Run("indexing directory entry"); !st.ok()) return st;
  Result<Stmt> trigrams = Prepare("INSERT INTO directory_trigram (rowid, text) VALUES (?, ?)");
  if (!trigrams.ok()) return trigrams.status();
  trigrams->Bind(1, id).Bind(2, ContainsTextOf(entry));
  if (st = trigrams->Run("indexing directory entry"); !st.ok()) return st;
  return id;
}

Result<Id> SqliteSession::PutDirectoryEntry(const DirectoryEntry& entry) {
  WriteScope scope(*this);
  if (!scope.status().ok()) return scope.status();
  Result<Id> id = DoPutDirectoryEntry(entry);
  Status st = scope.Finish(id.status());
  if (!st.ok()) return st;
  return id;
}

Result<std::vector<DirectoryEntry>> SqliteSession::SearchDirectory(const DirectoryQuery& query) {
  if (query.limit == 0) return std::vector<DirectoryEntry>();
  const std::string match = FtsPrefixQuery(QueryWords(query.text));
  Result<Stmt> s = Prepare(!match.empty()               ? SearchDirectorySql()
                           : !query.uai.empty()         ? kListEstablishmentSql
                           : !query.departement.empty() ? kListDepartementSql
                                                        : kListAllSql);
  if (!s.ok()) return s.status();
  if (!match.empty()) s->Bind(1, match);
  if (!match.empty() || !query.uai.empty() || !query.departement.empty()) {
    s->Bind(2, query.departement);
  }
  if (!match.empty() || !query.uai.empty()) s->Bind(5, query.uai);
  s->Bind(3, int64_t{query.active_only}).Bind(4, SqlLimit(query.limit));
  return StepDirectoryEntries(*s);
}

Result<std::vector<Id>> SqliteSession::DirectoryEntriesContaining(const std::string& needle,
                                                                  size_t limit) {
  if (limit == 0) return std::vector<Id>();
  const std::string folded = FoldForSearch(needle);
  // A NUL would end the FTS5 query string ("unterminated string", a 500); directory text never
  // holds one (the importers refuse control characters), so nothing contains it.
  if (folded.find('\0') != std::string::npos) return std::vector<Id>();
  const bool indexed = Utf8Length(folded) >= 3;
  Result<Stmt> s = Prepare(indexed ? DirectoryContainsSql() : kContainsShortSql);
  if (!s.ok()) return s.status();
  s->Bind(1, indexed ? FtsQuote(folded) : folded).Bind(2, SqlLimit(limit));
  return StepIds(*s, "searching the directory");
}

}  // namespace cartable::store
