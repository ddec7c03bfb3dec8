// PgSession: the staff directory (schemas/postgres/0003_directory.sql) and its two search tables,
// answering exactly as sqlite_directory.cc does.
//
// Both backends fold text with the same C++ rules (directory_text.h: SearchTextOf, ContainsTextOf,
// QueryWords), so they find the same people by construction; PostgreSQL never folds or parses the
// text itself (unaccent's table differs from FoldForSearch, and a text search configuration
// splits "jean.labert" or "lefevre2" otherwise than FTS5's unicode61 does):
//  - SearchDirectory: directory_search.words is a tsvector written as a literal of SplitWords'
//    words with their positions, fields separated by a gap; a query is a tsquery of prefix
//    phrases ('jean' <-> 'lab':*), the FTS5 semantics of "jean lab"*, answered from a GIN index.
//  - DirectoryEntriesContaining: directory_trigram.text LIKE '%needle%' (pg_trgm GIN index) for
//    needles of 3 characters or more, strpos() over the rows in id order below that, as SQLite's
//    trigram table and instr().
#include <algorithm>
#include <optional>
#include <string>
#include <unordered_map>

#include "dav/store/directory_text.h"
#include "dav/store/pg_store.h"

namespace cartable::store {
namespace {

using pg::SqlLimit;

#define PG_DIRECTORY_COLUMNS(T)                                                              \
  "SELECT " T "id, " T "source_key, " T "user_id, " T "card_uid, " T "nom, " T "prenom, " T  \
  "email, " T "fonction, " T "etablissement, " T "uai, " T "departement, " T "telephone, " T \
  "active, " T "updated_at, " T "numen_hash, " T "birth_hash "

DirectoryEntry ReadEntry(const pg::Rows& r, int i) {
  DirectoryEntry e;
  e.id = r.Int(i, 0);
  e.source_key = r.Text(i, 1);
  e.user_id = r.Int(i, 2);  // NULL reads as 0
  e.card_uid = r.Text(i, 3);
  e.nom = r.Text(i, 4);
  e.prenom = r.Text(i, 5);
  e.email = r.Text(i, 6);
  e.fonction = r.Text(i, 7);
  e.etablissement = r.Text(i, 8);
  e.uai = r.Text(i, 9);
  e.departement = r.Text(i, 10);
  e.telephone = r.Text(i, 11);
  e.active = r.Int(i, 12) != 0;
  e.updated_at = r.Int(i, 13);
  e.numen_hash = r.Text(i, 14);
  e.birth_hash = r.Text(i, 15);
  return e;
}

std::vector<DirectoryEntry> ReadEntries(const pg::Rows& r) {
  return pg::ReadAll<DirectoryEntry>(r, ReadEntry);
}

// The length of the well-formed, non-NUL UTF-8 character at s[i] (no overlong form, surrogate
// or code point above U+10FFFF: what PostgreSQL accepts as text), or 0.
size_t CharLength(std::string_view s, size_t i) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  if (c == 0) return 0;
  if (c < 0x80) return 1;
  size_t n;
  unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    const unsigned char d = static_cast<unsigned char>(s[i + k]);
    if (k == 1 ? (d < lo || d > hi) : (d < 0x80 || d > 0xBF)) return 0;
  }
  return n;
}

// True when PostgreSQL accepts `s` as text. Stored texts always are, so a filter or needle that
// is not can match nothing: it gives no result, as on SQLite, instead of an encoding error.
bool IsPgText(std::string_view s) {
  for (size_t i = 0, n; i < s.size(); i += n) {
    if ((n = CharLength(s, i)) == 0) return false;
  }
  return true;
}

// The query words as SQLite's FTS5 reads them: its unicode61 tokenizer decodes a byte that does
// not form a valid character as U+FFFD (or a C1 control or Latin-1 sign: a lone continuation
// byte), which separates words. So each token is cut at such bytes, keeping its phrase
// ("h\xc3" is "h", "jean\xfflab" the phrase "jean lab"). A word left with no token is an empty
// FTS5 phrase, which matches nothing: nullopt. (Lone continuation bytes A-Z-like in Latin-1, as
// U+00AA or U+00B5, are letters to unicode61; they match no folded stored text here.)
std::optional<std::vector<std::vector<std::string>>> ValidWords(
    const std::vector<std::vector<std::string>>& words) {
  std::vector<std::vector<std::string>> out;
  for (const std::vector<std::string>& tokens : words) {
    std::vector<std::string> valid;
    for (const std::string& token : tokens) {
      std::string piece;
      for (size_t i = 0, n; i < token.size(); i += std::max<size_t>(n, 1)) {
        if ((n = CharLength(token, i)) != 0) {
          piece.append(token, i, n);
        } else if (!piece.empty()) {
          valid.push_back(std::move(piece));
          piece.clear();
        }
      }
      if (!piece.empty()) valid.push_back(std::move(piece));
    }
    if (valid.empty()) return std::nullopt;
    out.push_back(std::move(valid));
  }
  return out;
}

// PostgreSQL refuses lexemes longer than this (bytes); longer words are cut at a character
// boundary, in the index and in queries alike.
constexpr size_t kMaxLexemeBytes = 2046;

std::string Lexeme(std::string_view word) {
  if (word.size() > kMaxLexemeBytes) {
    size_t n = kMaxLexemeBytes;
    while (n > 0 && (static_cast<unsigned char>(word[n]) & 0xC0) == 0x80) --n;
    word = word.substr(0, n);
  }
  // SplitWords keeps only letters, digits and non-ASCII bytes: no quote or backslash to escape,
  // but the literal is built as if there could be.
  std::string out = "'";
  for (char c : word) {
    if (c == '\'' || c == '\\') out += c == '\'' ? '\'' : '\\';
    out += c;
  }
  return out + "'";
}

// The tsvector literal of the fields' words: positions count up from 1 within the entry, with a
// gap of one position between fields, so that a phrase ("a <-> b", distance exactly 1) never
// joins the last word of one field to the first of the next. Positions above 16383 are where
// PostgreSQL stops counting; no directory field comes near.
std::string SearchVector(const DirectorySearchText& text) {
  std::string out;
  int position = 1;
  for (const std::string* field : {&text.name, &text.email, &text.fonction, &text.etablissement}) {
    for (const std::string& word : SplitWords(*field)) {
      if (!out.empty()) out += ' ';
      out += Lexeme(word) + ":" + std::to_string(std::min(position, 16383));
      ++position;
    }
    ++position;
  }
  return out;
}

// The tsquery of QueryWords: each word a phrase of its tokens, the last one a prefix, ANDed
// ("jean.lab le" -> "('jean' <-> 'lab':*) & ('le':*)"), what FtsPrefixQuery asks FTS5.
std::string SearchQuery(const std::vector<std::vector<std::string>>& words) {
  std::string query;
  for (const std::vector<std::string>& tokens : words) {
    std::string phrase;
    for (size_t i = 0; i < tokens.size(); ++i) {
      if (i > 0) phrase += " <-> ";
      phrase += Lexeme(tokens[i]);
    }
    if (!query.empty()) query += " & ";
    query += "(" + phrase + ":*)";
  }
  return query;
}

// `s` as a LIKE pattern matching itself (backslash is LIKE's default escape character).
std::string LikeEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

// A search without words: everyone (of the department), in order, from the sort indexes.
constexpr char kListAllSql[] = PG_DIRECTORY_COLUMNS(
    "") "FROM directory_entries WHERE ($1::bigint = 0 OR active = 1) "
        "ORDER BY sort_key, id LIMIT $2";
constexpr char kListDepartementSql[] = PG_DIRECTORY_COLUMNS("")
    "FROM directory_entries WHERE departement = $1 AND ($2::bigint = 0 OR active = 1) "
    "ORDER BY sort_key, id LIMIT $3";
// People of one establishment (its members are few: the partial uai index, then a sort).
constexpr char kListEstablishmentSql[] = PG_DIRECTORY_COLUMNS("")
    "FROM directory_entries WHERE uai = $1 AND ($2::text = '' OR departement = $2) "
    "AND ($3::bigint = 0 OR active = 1) ORDER BY sort_key, id LIMIT $4";
// Prefix searches and substring lookups run in two steps, because neither of PostgreSQL's two
// plans for "matches, in order, LIMIT n" is good for every word: walking the rows in order and
// testing each stops early when matches are dense ("m", "jean": 1 ms) but reads most of 50,000
// people when they are rare or sort late ("nguyen", "lef": 300-700 ms); the GIN match set,
// sorted, is the reverse (tens of ms for "m", a few for "nguyen"). So: first the walk over the
// first kWalkRows rows in order; when it finds `limit` matches they are the first `limit` of the
// whole table (the walk is in the result's order) and that is the answer; otherwise the GIN
// match set, filtered and sorted (behind an OFFSET 0 or MATERIALIZED fence, so that the planner
// cannot turn it back into the long walk). SQLite's FTS5 merges its posting lists in rowid order
// and needs neither.
constexpr int64_t kWalkRows = 1000;
// The copies of sort_key and the filters in directory_search (0014_directory_search_order.sql)
// keep both steps within that table; only the winners are read from directory_entries.
#define PG_SEARCH_FILTERS                                                                       \
  "($2::text = '' OR departement = $2) AND ($3::text = '' OR uai = $3) AND ($4::bigint = 0 OR " \
  "active = 1)"
constexpr char kSearchWalkSql[] = PG_DIRECTORY_COLUMNS("e.")
    "FROM (SELECT entry_id, sort_key FROM (SELECT entry_id, sort_key, words FROM "
    "directory_search WHERE " PG_SEARCH_FILTERS " ORDER BY sort_key, entry_id LIMIT $6) w "
    "WHERE words @@ $1::tsquery ORDER BY sort_key, entry_id LIMIT $5) m "
    "JOIN directory_entries e ON e.id = m.entry_id ORDER BY m.sort_key, m.entry_id";
constexpr char kSearchSql[] = PG_DIRECTORY_COLUMNS("e.")
    "FROM (SELECT entry_id, sort_key FROM (SELECT entry_id, sort_key FROM directory_search "
    "WHERE words @@ $1::tsquery AND " PG_SEARCH_FILTERS " OFFSET 0) g "
    "ORDER BY sort_key, entry_id LIMIT $5) m "
    "JOIN directory_entries e ON e.id = m.entry_id ORDER BY m.sort_key, m.entry_id";
// Substrings, in id order as SQLite's FTS5 gives its matches (so the LIMIT keeps the same ids);
// `active` is copied in directory_trigram too.
constexpr char kContainsWalkSql[] =
    "SELECT entry_id FROM (SELECT entry_id, text FROM directory_trigram WHERE active = 1 "
    "ORDER BY entry_id LIMIT $3) w WHERE text LIKE $1 ORDER BY entry_id LIMIT $2";
constexpr char kContainsSql[] =
    "WITH m AS MATERIALIZED (SELECT entry_id FROM directory_trigram WHERE text LIKE $1 "
    "AND active = 1) SELECT entry_id FROM m ORDER BY entry_id LIMIT $2";
// Needles shorter than a trigram: the rows are scanned in id order up to the limit (a needle
// of one or two characters matches most people).
constexpr char kContainsShortSql[] =
    "SELECT entry_id FROM directory_trigram WHERE strpos(text, $1) > 0 AND active = 1 "
    "ORDER BY entry_id LIMIT $2";

}  // namespace

Result<std::vector<DirectoryEntry>> PgSession::ListDirectoryEntries() {
  Result<pg::Rows> r =
      Exec(PG_DIRECTORY_COLUMNS("") "FROM directory_entries ORDER BY id", "reading the directory");
  if (!r.ok()) return r.status();
  return ReadEntries(*r);
}

Result<DirectoryEntry> PgSession::GetDirectoryEntryByUser(Id user_id) {
  // Several entries may name one account (a person re-imported under a new key): the active one.
  Result<pg::Rows> r = Exec(PG_DIRECTORY_COLUMNS("") "FROM directory_entries WHERE user_id = $1 "
                                                     "ORDER BY active DESC, id LIMIT 1",
                            pg::Params().Add(user_id), "reading the directory");
  if (!r.ok()) return r.status();
  if (r->empty()) {
    return Status::NotFound("no directory entry for user #" + std::to_string(user_id));
  }
  return ReadEntry(*r, 0);
}

Result<std::vector<DirectoryEntry>> PgSession::GetDirectoryEntries(const std::vector<Id>& ids) {
  if (ids.empty()) return std::vector<DirectoryEntry>();
  // One statement (one snapshot) for the batch, then the order given (ids may repeat).
  Result<pg::Rows> r =
      Exec(PG_DIRECTORY_COLUMNS("") "FROM directory_entries WHERE id = ANY($1::bigint[])",
           pg::Params().AddIds(ids), "reading the directory");
  if (!r.ok()) return r.status();
  std::unordered_map<Id, DirectoryEntry> by_id;
  for (int i = 0; i < r->size(); ++i) {
    DirectoryEntry e = ReadEntry(*r, i);
    by_id.emplace(e.id, std::move(e));
  }
  std::vector<DirectoryEntry> out;
  out.reserve(ids.size());
  for (Id id : ids) {
    auto it = by_id.find(id);
    if (it != by_id.end()) out.push_back(it->second);
  }
  return out;
}

Result<Id> PgSession::PutDirectoryEntry(const DirectoryEntry& entry) {
  if (entry.source_key.empty() || entry.card_uid.empty()) {
    return Status::BadRequest("a directory entry needs a source key and a card UID");
  }
  PgWriteScope scope(*this);
  if (!scope.status().ok()) return scope.status();
  pg::Params p;
  p.Add(entry.source_key);
  if (entry.user_id != 0) {
    p.Add(entry.user_id);
  } else {
    p.AddNull();
  }
  p.Add(entry.card_uid).Add(entry.nom).Add(entry.prenom).Add(entry.email).Add(entry.fonction);
  p.Add(entry.etablissement).Add(entry.uai).Add(entry.departement).Add(entry.telephone);
  p.Add(int64_t{entry.active}).Add(entry.updated_at != 0 ? entry.updated_at : Now());
  const std::string sort_key = SortKeyOf(entry);
  p.Add(sort_key).Add(entry.numen_hash).Add(entry.birth_hash);
  if (entry.id != 0) p.Add(entry.id);
  // Named by its card UID: the source key may be a NUMEN, which no message may show (nor the
  // server's DETAIL of a unique violation, which quotes the key: hence the message below).
  const std::string what = "storing directory entry " + entry.card_uid;
  Result<pg::Rows> r = Exec(
      entry.id != 0
          ? "UPDATE directory_entries SET source_key = $1, user_id = $2::bigint, card_uid = $3, "
            "nom = $4, prenom = $5, email = $6, fonction = $7, etablissement = $8, uai = $9, "
            "departement = $10, telephone = $11, active = $12::bigint, updated_at = $13, "
            "sort_key = $14, numen_hash = $15, birth_hash = $16 WHERE id = $17 RETURNING id"
          : "INSERT INTO directory_entries (source_key, user_id, card_uid, nom, prenom, email, "
            "fonction, etablissement, uai, departement, telephone, active, updated_at, sort_key, "
            "numen_hash, birth_hash) VALUES ($1, $2::bigint, $3, $4, $5, $6, $7, $8, $9, $10, "
            "$11, $12::bigint, $13, $14, $15, $16) RETURNING id",
      p, what);
  if (!r.ok()) {
    if (r.status().code() == Status::Code::kConflict) {
      return scope.Finish(Status::Conflict(what + ": its source key or card UID is taken"));
    }
    if (r.status().code() == Status::Code::kNotFound) {
      return scope.Finish(Status::NotFound(what + ": no user #" + std::to_string(entry.user_id)));
    }
    return scope.Finish(r.status());
  }
  if (r->empty()) {
    return scope.Finish(Status::NotFound("no directory entry #" + std::to_string(entry.id)));
  }
  const Id id = r->Int(0, 0);
  const DirectorySearchText text = SearchTextOf(entry);
  Result<pg::Rows> words = Exec(
      "INSERT INTO directory_search (entry_id, name, email, fonction, etablissement, words, "
      "sort_key, departement, uai, active) "
      "VALUES ($1, $2, $3, $4, $5, $6::tsvector, $7, $8, $9, $10::bigint) "
      "ON CONFLICT (entry_id) DO UPDATE SET name = excluded.name, email = excluded.email, "
      "fonction = excluded.fonction, etablissement = excluded.etablissement, "
      "words = excluded.words, sort_key = excluded.sort_key, "
      "departement = excluded.departement, uai = excluded.uai, active = excluded.active",
      pg::Params()
          .Add(id)
          .Add(text.name)
          .Add(text.email)
          .Add(text.fonction)
          .Add(text.etablissement)
          .Add(SearchVector(text))
          .Add(sort_key)
          .Add(entry.departement)
          .Add(entry.uai)
          .Add(int64_t{entry.active}),
      "indexing directory entry");
  if (!words.ok()) return scope.Finish(words.status());
  Result<pg::Rows> trigrams = Exec(
      "INSERT INTO directory_trigram (entry_id, text, active) VALUES ($1, $2, $3::bigint) "
      "ON CONFLICT (entry_id) DO UPDATE SET text = excluded.text, active = excluded.active",
      pg::Params().Add(id).Add(ContainsTextOf(entry)).Add(int64_t{entry.active}),
      "indexing directory entry");
  if (Status st = scope.Finish(trigrams.status()); !st.ok()) return st;
  return id;
}

Result<std::vector<DirectoryEntry>> PgSession::SearchDirectory(const DirectoryQuery& query) {
  if (query.limit == 0) return std::vector<DirectoryEntry>();
  // A filter or word that is not valid text matches no stored entry (see IsPgText).
  if (!IsPgText(query.departement) || !IsPgText(query.uai)) return std::vector<DirectoryEntry>();
  const std::optional<std::vector<std::vector<std::string>>> valid =
      ValidWords(QueryWords(query.text));
  if (!valid) return std::vector<DirectoryEntry>();
  const std::vector<std::vector<std::string>>& words = *valid;
  const int64_t active_only = query.active_only;
  const int64_t limit = SqlLimit(query.limit);
  Result<pg::Rows> r = Status::OK();
  if (!words.empty()) {
    pg::Params p;
    p.Add(SearchQuery(words)).Add(query.departement).Add(query.uai).Add(active_only).Add(limit);
    pg::Params walk = p;
    walk.Add(kWalkRows);
    r = Exec(kSearchWalkSql, walk, "searching the directory");
    if (r.ok() && r->size() < limit) r = Exec(kSearchSql, p, "searching the directory");
  } else if (!query.uai.empty()) {
    r = Exec(kListEstablishmentSql,
             pg::Params().Add(query.uai).Add(query.departement).Add(active_only).Add(limit),
             "listing the directory");
  } else if (!query.departement.empty()) {
    r = Exec(kListDepartementSql, pg::Params().Add(query.departement).Add(active_only).Add(limit),
             "listing the directory");
  } else {
    r = Exec(kListAllSql, pg::Params().Add(active_only).Add(limit), "listing the directory");
  }
  if (!r.ok()) return r.status();
  return ReadEntries(*r);
}

Result<std::vector<Id>> PgSession::DirectoryEntriesContaining(const std::string& needle,
                                                              size_t limit) {
  if (limit == 0) return std::vector<Id>();
  const std::string folded = FoldForSearch(needle);
  if (!IsPgText(folded)) return std::vector<Id>();  // occurs in no stored text
  Result<pg::Rows> r = Status::OK();
  if (Utf8Length(folded) >= 3) {
    const std::string pattern = "%" + LikeEscape(folded) + "%";
    r = Exec(kContainsWalkSql, pg::Params().Add(pattern).Add(SqlLimit(limit)).Add(kWalkRows),
             "searching the directory");
    if (r.ok() && r->size() < SqlLimit(limit)) {
      r = Exec(kContainsSql, pg::Params().Add(pattern).Add(SqlLimit(limit)),
               "searching the directory");
    }
  } else {
    r = Exec(kContainsShortSql, pg::Params().Add(folded).Add(SqlLimit(limit)),
             "searching the directory");
  }
  if (!r.ok()) return r.status();
  return pg::FirstColumn(*r);
}

}  // namespace cartable::store
