// Thin RAII layer over libpq (PostgreSQL's C client library, Debian libpq-dev): an owned
// connection with a cache of prepared statements, parameters bound by position ($1, $2, ...),
// results read in binary format, and PostgreSQL error -> Status mapping. Nothing here throws.
// Not thread-safe: a Conn is used by one thread at a time (see pg_store.h: the pool lends it).
//
// Why libpq and not libpqxx: Debian 12 ships libpqxx 6.4 (2019, exceptions for every error,
// text-only results); the store needs binary results, error codes mapped to Status without
// exceptions and a statement cache — about as much code over libpq as over libpqxx.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "dav/status.h"
#include "dav/store/store.h"

namespace cartable::store::pg {

// Maps a failed result (or a broken connection when `result` is null) to a Status:
//   23505 unique_violation            -> kConflict
//   23503 foreign_key_violation       -> kNotFound
//   22021/22P05 invalid text encoding -> kBadRequest
//   40001/40P01 serialization/deadlock, 55P03 lock_not_available, 57014 query_canceled
//   (statement_timeout), class 08 (connection), 57P01-57P03 (shutdown, cannot connect now),
//   53300 too_many_connections, and a connection in CONNECTION_BAD
//                                     -> kUnavailable, retry_after = kBusyRetryAfterSeconds
//   anything else                     -> kInternal with the server's message.
// `what` names the operation ("put object").
Status PgStatus(PGconn* conn, const PGresult* result, std::string_view what);

// The parameters of one statement, $1 first. Text is sent as text; bytes (BYTEA columns) and
// integers in binary. Every Add* returns *this for chaining.
class Params {
 public:
  Params& Add(int64_t value);          // BIGINT
  Params& Add(std::string_view text);  // TEXT (copied; must be valid UTF-8, no NUL)
  Params& Add(const std::string& text) { return Add(std::string_view(text)); }
  Params& Add(const char* text) { return Add(std::string_view(text)); }
  Params& AddBytes(std::string_view bytes);  // BYTEA (copied, any bytes)
  Params& AddBool(bool value);               // BOOLEAN
  Params& AddNull();                         // NULL of an unspecified type
  // The value of `v`, or NULL when it has none (an unset optional column).
  template <typename T>
  Params& AddOrNull(const std::optional<T>& v) {
    return v ? Add(*v) : AddNull();
  }
  Params& AddOrNull(const std::optional<bool>& v) { return v ? AddBool(*v) : AddNull(); }
  // A BIGINT[] (for "= ANY($n)"): sent as an array literal.
  Params& AddIds(const std::vector<Id>& ids);
  Params& AddTexts(const std::vector<std::string>& texts);  // TEXT[]

  int size() const { return static_cast<int>(values_.size()); }
  // For Conn::Exec.
  const std::vector<std::string>& values() const { return values_; }
  const std::vector<bool>& nulls() const { return nulls_; }
  const std::vector<int>& formats() const { return formats_; }
  const std::vector<Oid>& types() const { return types_; }

 private:
  std::vector<std::string> values_;
  std::vector<bool> nulls_;
  std::vector<int> formats_;  // 0 text, 1 binary
  std::vector<Oid> types_;    // 0 = let the server infer
};

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

// The rows of a statement, in binary format. Row and column indexes start at 0. Accessors read
// the column's type: Int accepts int2/int4/int8 and bool (0/1); Text and View return the raw
// bytes of text, varchar, name and bytea columns. NULL reads as 0 / "" / false.
class Rows {
 public:
  Rows() = default;
  explicit Rows(ResultPtr result);
  int size() const;
  bool empty() const { return size() == 0; }
  bool IsNull(int row, int col) const;
  int64_t Int(int row, int col) const;
  bool Bool(int row, int col) const;
  std::string Text(int row, int col) const;
  std::string_view View(int row, int col) const;  // valid while this Rows lives
  // Rows changed by an INSERT/UPDATE/DELETE (PQcmdTuples).
  int64_t affected() const;

 private:
  ResultPtr result_;
};

// ---- reading rows: the helpers every pg_*.cc session file uses ----

// Every row of `r` read by `read(r, row)`.
template <typename T, typename Read>
std::vector<T> ReadAll(const Rows& r, Read read) {
  std::vector<T> out;
  out.reserve(r.size());
  for (int i = 0; i < r.size(); ++i) out.push_back(read(r, i));
  return out;
}

// The one row of `r` read by `read(r, 0)`, or kNotFound(`missing`).
template <typename T, typename Read>
Result<T> ReadOne(const Result<Rows>& r, Read read, const std::string& missing) {
  if (!r.ok()) return r.status();
  if (r->empty()) return Status::NotFound(missing);
  return read(*r, 0);
}

// The first column of every row of `r` (an id).
std::vector<Id> FirstColumn(const Rows& r);

// A LIMIT parameter for `limit`: a size_t beyond INT64_MAX is INT64_MAX (PostgreSQL refuses the
// negative value a plain cast would give).
int64_t SqlLimit(size_t limit);

// One open connection and its prepared statements.
class Conn {
 public:
  // Connects to `url` (a libpq URI or "key=value" string); kUnavailable (with retry) when the
  // server cannot be reached. Sets client_encoding UTF8 and TimeZone UTC.
  static Result<std::unique_ptr<Conn>> Open(const std::string& url);
  ~Conn();

  // Runs `sql` (one statement, $1.. parameters) through a statement prepared once per
  // connection (the SQL text is the cache key, so callers pass literals or stable strings).
  // Results are binary. Errors mapped by PgStatus with `what`.
  Result<Rows> Exec(std::string_view sql, const Params& params, std::string_view what);
  Result<Rows> Exec(std::string_view sql, std::string_view what) {
    return Exec(sql, Params(), what);
  }
  // Runs a script of one or more statements without parameters (migrations, BEGIN, SAVEPOINT)
  // through the simple query protocol.
  Status ExecScript(const std::string& sql, std::string_view what);

  // False once the connection broke (the pool then drops it instead of lending it again).
  bool healthy() const;
  PGconn* raw() const { return conn_; }

 private:
  explicit Conn(PGconn* conn) : conn_(conn) {}
  PGconn* conn_;
  std::unordered_map<std::string, std::string> prepared_;  // SQL -> statement name
};

}  // namespace cartable::store::pg
