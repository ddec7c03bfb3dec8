// PostgreSQL store: pg_util.h: libpq connection, parameters, rows, error mapping.
#include "dav/store/pg_util.h"

#include <endian.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

namespace cartable::store::pg {
namespace {

// Type OIDs (src/include/catalog/pg_type.dat; stable across releases).
constexpr Oid kBoolOid = 16;
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kOidOid = 26;
constexpr Oid kFloat4Oid = 700;
constexpr Oid kFloat8Oid = 701;
constexpr Oid kTextArrayOid = 1009;
constexpr Oid kInt8ArrayOid = 1016;
constexpr Oid kNumericOid = 1700;

uint16_t Be16(const char* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return be16toh(v);
}
uint32_t Be32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return be32toh(v);
}
uint64_t Be64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return be64toh(v);
}

// The integer part of a binary NUMERIC (numeric_send: ndigits, weight, sign, dscale, then
// base-10000 digits, the first one of weight `weight`). SUM(bigint) is a NUMERIC.
int64_t NumericToInt(const char* p, int len) {
  if (len < 8) return 0;
  const int ndigits = Be16(p);
  const int weight = static_cast<int16_t>(Be16(p + 2));
  const int sign = Be16(p + 4);
  if (sign == 0xC000 || len < 8 + 2 * ndigits) return 0;  // NaN, or truncated
  int64_t v = 0;
  for (int i = 0; i <= weight; ++i) {
    v = v * 10000 + (i < ndigits ? Be16(p + 8 + 2 * i) : 0);
  }
  return sign == 0x4000 ? -v : v;
}

bool IsUnavailableState(std::string_view state) {
  return state.substr(0, 2) == "08" ||            // connection exception
         state == "40001" || state == "40P01" ||  // serialization failure, deadlock
         state == "55P03" || state == "57014" ||  // lock timeout, statement timeout
         state == "57P01" || state == "57P02" || state == "57P03" ||  // shutdown, cannot connect
         state == "53300";                                            // too many connections
}

// Appends `s` as one element of an array literal: double-quoted, '"' and '\' escaped.
void AppendArrayElement(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

}  // namespace

Status PgStatus(PGconn* conn, const PGresult* result, std::string_view what) {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string detail;
  if (result != nullptr) {
    const char* primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
    detail = primary ? primary : PQresultErrorMessage(result);
  }
  if (detail.empty() && conn != nullptr) detail = PQerrorMessage(conn);
  while (!detail.empty() && (detail.back() == '\n' || detail.back() == ' ')) detail.pop_back();
  std::string msg = std::string(what) + ": " + (detail.empty() ? "unknown error" : detail);
  const std::string_view code = state ? state : "";
  // No SQLSTATE: libpq's own error (the connection broke, the server went away).
  if (code.empty() || IsUnavailableState(code) || conn == nullptr ||
      PQstatus(conn) == CONNECTION_BAD) {
    return Status::Unavailable("database unavailable: " + msg, kBusyRetryAfterSeconds);
  }
  if (code == "23505") return Status::Conflict(std::move(msg));
  if (code == "23503") return Status::NotFound(std::move(msg));
  if (code == "22021" || code == "22P05") return Status::BadRequest(std::move(msg));
  return Status::Internal(std::move(msg) + " (SQLSTATE " + std::string(code) + ")");
}

// ---- Params ----

Params& Params::Add(int64_t value) {
  uint64_t be = htobe64(static_cast<uint64_t>(value));
  values_.emplace_back(reinterpret_cast<const char*>(&be), 8);
  nulls_.push_back(false);
  formats_.push_back(1);
  types_.push_back(kInt8Oid);
  return *this;
}

Params& Params::Add(std::string_view text) {
  values_.emplace_back(text);
  nulls_.push_back(false);
  formats_.push_back(0);
  types_.push_back(0);  // unknown: the server takes the type the statement gives the parameter
  return *this;
}

Params& Params::AddBytes(std::string_view bytes) {
  values_.emplace_back(bytes);
  nulls_.push_back(false);
  formats_.push_back(1);
  types_.push_back(kByteaOid);
  return *this;
}

Params& Params::AddBool(bool value) {
  values_.emplace_back(1, value ? '\1' : '\0');
  nulls_.push_back(false);
  formats_.push_back(1);
  types_.push_back(kBoolOid);
  return *this;
}

Params& Params::AddNull() {
  values_.emplace_back();
  nulls_.push_back(true);
  formats_.push_back(0);
  types_.push_back(0);
  return *this;
}

Params& Params::AddIds(const std::vector<Id>& ids) {
  std::string literal = "{";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) literal += ',';
    literal += std::to_string(ids[i]);
  }
  literal += '}';
  values_.push_back(std::move(literal));
  nulls_.push_back(false);
  formats_.push_back(0);
  types_.push_back(kInt8ArrayOid);
  return *this;
}

Params& Params::AddTexts(const std::vector<std::string>& texts) {
  std::string literal = "{";
  for (size_t i = 0; i < texts.size(); ++i) {
    if (i > 0) literal += ',';
    AppendArrayElement(literal, texts[i]);
  }
  literal += '}';
  values_.push_back(std::move(literal));
  nulls_.push_back(false);
  formats_.push_back(0);
  types_.push_back(kTextArrayOid);
  return *this;
}

// ---- Rows ----

Rows::Rows(ResultPtr result) : result_(std::move(result)) {}

int Rows::size() const { return result_ ? PQntuples(result_.get()) : 0; }

bool Rows::IsNull(int row, int col) const {
  return !result_ || PQgetisnull(result_.get(), row, col) != 0;
}

int64_t Rows::Int(int row, int col) const {
  if (IsNull(row, col)) return 0;
  const char* p = PQgetvalue(result_.get(), row, col);
  const int len = PQgetlength(result_.get(), row, col);
  switch (PQftype(result_.get(), col)) {
    case kInt8Oid: return len == 8 ? static_cast<int64_t>(Be64(p)) : 0;
    case kInt4Oid: return len == 4 ? static_cast<int32_t>(Be32(p)) : 0;
    case kOidOid: return len == 4 ? static_cast<int64_t>(Be32(p)) : 0;
    case kInt2Oid: return len == 2 ? static_cast<int16_t>(Be16(p)) : 0;
    case kBoolOid: return len == 1 && p[0] != 0 ? 1 : 0;
    case kNumericOid: return NumericToInt(p, len);
    case kFloat8Oid: {
      if (len != 8) return 0;
      uint64_t bits = Be64(p);
      double d;
      std::memcpy(&d, &bits, 8);
      return static_cast<int64_t>(std::llround(d));
    }
    case kFloat4Oid: {
      if (len != 4) return 0;
      uint32_t bits = Be32(p);
      float f;
      std::memcpy(&f, &bits, 4);
      return static_cast<int64_t>(std::llround(f));
    }
    default: return std::strtoll(std::string(p, len).c_str(), nullptr, 10);  // text of a number
  }
}

bool Rows::Bool(int row, int col) const { return Int(row, col) != 0; }

std::string Rows::Text(int row, int col) const { return std::string(View(row, col)); }

std::string_view Rows::View(int row, int col) const {
  if (IsNull(row, col)) return {};
  return std::string_view(PQgetvalue(result_.get(), row, col),
                          static_cast<size_t>(PQgetlength(result_.get(), row, col)));
}

int64_t Rows::affected() const {
  if (!result_) return 0;
  const char* n = PQcmdTuples(result_.get());
  return n && *n ? std::strtoll(n, nullptr, 10) : 0;
}

// ---- Conn ----

Result<std::unique_ptr<Conn>> Conn::Open(const std::string& url) {
  // connect_timeout and application_name come before dbname so that the URL may override
  // them; client_encoding after it, so that it is always UTF8 (the store sends and reads UTF-8).
  const char* keys[] = {"connect_timeout", "application_name", "dbname", "client_encoding",
                        nullptr};
  const char* values[] = {"10", "cartable", url.c_str(), "UTF8", nullptr};
  PGconn* raw = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (raw == nullptr) return Status::Unavailable("database: out of memory", kBusyRetryAfterSeconds);
  std::unique_ptr<Conn> conn(new Conn(raw));
  if (PQstatus(raw) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(raw);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    return Status::Unavailable("cannot connect to the database: " + msg, kBusyRetryAfterSeconds);
  }
  // Server notices ("relation ... already exists, skipping") are not errors: not printed.
  PQsetNoticeProcessor(
      raw, [](void*, const char*) {}, nullptr);
  // Times are BIGINT seconds; UTC keeps any timestamp the server formats unambiguous.
  if (Status s = conn->ExecScript("SET TimeZone = 'UTC'", "connecting"); !s.ok()) return s;
  return conn;
}

Conn::~Conn() {
  if (conn_ != nullptr) PQfinish(conn_);
}

bool Conn::healthy() const { return conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK; }

Result<Rows> Conn::Exec(std::string_view sql, const Params& params, std::string_view what) {
  const int n = params.size();
  // A NUL cannot travel in a text parameter (libpq sends C strings): refuse it as PostgreSQL
  // refuses any other invalid text, rather than truncating it silently.
  for (int i = 0; i < n; ++i) {
    if (params.formats()[i] == 0 && !params.nulls()[i] &&
        params.values()[i].find('\0') != std::string::npos) {
      return Status::BadRequest(std::string(what) + ": text contains a NUL character");
    }
  }
  // The statement's parameter types are fixed when it is prepared, so the cache key holds them
  // too: the same SQL called once with NULL (type unknown) and once with an integer (int8, in
  // binary) must be two statements.
  std::string key(sql);
  key += '\0';
  for (Oid t : params.types()) key += std::to_string(t) + ',';
  auto it = prepared_.find(key);
  if (it == prepared_.end()) {
    std::string name = "s" + std::to_string(prepared_.size() + 1);
    ResultPtr prep(PQprepare(conn_, name.c_str(), std::string(sql).c_str(), n,
                             n ? params.types().data() : nullptr));
    if (!prep || PQresultStatus(prep.get()) != PGRES_COMMAND_OK) {
      return PgStatus(conn_, prep.get(), what);
    }
    it = prepared_.emplace(std::move(key), std::move(name)).first;
  }
  std::vector<const char*> values(n);
  std::vector<int> lengths(n);
  for (int i = 0; i < n; ++i) {
    values[i] = params.nulls()[i] ? nullptr : params.values()[i].c_str();
    lengths[i] = static_cast<int>(params.values()[i].size());
  }
  ResultPtr r(PQexecPrepared(conn_, it->second.c_str(), n, n ? values.data() : nullptr,
                             n ? lengths.data() : nullptr, n ? params.formats().data() : nullptr,
                             /*resultFormat=*/1));
  if (!r) return PgStatus(conn_, nullptr, what);
  const ExecStatusType st = PQresultStatus(r.get());
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) return PgStatus(conn_, r.get(), what);
  return Rows(std::move(r));
}

Status Conn::ExecScript(const std::string& sql, std::string_view what) {
  // PQexec returns the last statement's result; an error stops the script there.
  ResultPtr r(PQexec(conn_, sql.c_str()));
  if (!r) return PgStatus(conn_, nullptr, what);
  const ExecStatusType st = PQresultStatus(r.get());
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK && st != PGRES_EMPTY_QUERY) {
    return PgStatus(conn_, r.get(), what);
  }
  return Status::OK();
}

std::vector<Id> FirstColumn(const Rows& r) {
  return ReadAll<Id>(r, [](const Rows& rows, int i) { return rows.Int(i, 0); });
}

int64_t SqlLimit(size_t limit) {
  return static_cast<int64_t>(std::min<size_t>(limit, static_cast<size_t>(INT64_MAX)));
}

}  // namespace cartable::store::pg
