// PostgreSQL store: what the readiness probe and the metrics scrape read (issue 16).
#include "dav/store/pg_migrations.h"
#include "dav/store/pg_store.h"

namespace cartable::store {

Result<SchemaVersions> PgSession::GetSchemaVersions() {
  Result<pg::Rows> r = Exec("SELECT version FROM schema_version", "reading the schema version");
  if (!r.ok()) return r.status();
  SchemaVersions v;
  v.database = r->empty() ? 0 : static_cast<int>(r->Int(0, 0));
  const auto& migrations = pg::PostgresMigrations();
  v.binary = migrations.empty() ? 0 : migrations.back().version;
  return v;
}

Result<OperationalCounts> PgSession::ReadOperationalCounts(UnixTime idle_before,
                                                           UnixTime created_before) {
  // One statement: one pooled connection and one round trip per scrape. Ids come from a
  // sequence, so the smallest is the oldest mail.
  Result<pg::Rows> r = Exec(
      "SELECT (SELECT count(*) FROM mail_queue), "
      "coalesce((SELECT created_at FROM mail_queue ORDER BY id LIMIT 1), 0), "
      "(SELECT count(*) FROM web_sessions WHERE last_seen_at >= $1 AND created_at >= $2)",
      pg::Params().Add(idle_before).Add(created_before), "reading the operational counts");
  if (!r.ok()) return r.status();
  OperationalCounts c;
  if (r->empty()) return c;
  c.mail_queued = r->Int(0, 0);
  c.mail_oldest = r->Int(0, 1);
  c.web_sessions = r->Int(0, 2);
  return c;
}

}  // namespace cartable::store
