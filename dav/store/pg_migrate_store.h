// `cartable migrate-store --from sqlite:DIR --to postgresql:URL` (issue 15): moves an existing
// installation's SQLite store into an empty PostgreSQL database, then checks the copy.
//
// The two schemas mirror each other table by table (schemas/sqlite, schemas/postgres): every
// table is copied in dependency order inside ONE PostgreSQL transaction with COPY FROM STDIN,
// ids kept, then every identity column's sequence is set past the copied maximum. The directory
// search tables differ between the backends (FTS5 in SQLite, directory_search and
// directory_trigram in PostgreSQL): they are not copied but rebuilt on the target from the
// copied entries, through the PostgreSQL store itself (PutDirectoryEntry computes the folded
// texts exactly as it does for a live import). schema_version / user_version stay each side's.
//
// The check reads both stores afterwards through the Store API (collections, sync state, change
// logs, objects with their bodies, properties, users, account security, directory) and compares
// every copied table row by row in SQL for what the API does not expose (shares, per-user data,
// delegates, mail queue, account-security tables, occurrence index).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "dav/status.h"

namespace cartable::store {

struct MigrateStoreReport {
  // Rows copied per table, in copy order.
  std::vector<std::pair<std::string, int64_t>> copied;
  int64_t directory_reindexed = 0;  // entries whose search rows were rebuilt on the target
  // The check.
  int64_t collections_checked = 0;
  int64_t objects_checked = 0;
  int64_t rows_checked = 0;  // rows compared in SQL, every table
  // What differs ("collection /dav/cal/x/y/: sync_seq 12 != 11"); at most kMaxMismatches.
  std::vector<std::string> mismatches;
  int64_t mismatch_count = 0;  // all of them, including those not listed
  bool check_ok() const { return mismatch_count == 0; }
  static constexpr size_t kMaxMismatches = 50;
};

// Errors:
//   kNotFound            DIR holds no cartable.db
//   kLocked              the SQLite database is locked by a writer (a running server): stop it
//   kConflict            the PostgreSQL database already holds data (the copy needs an empty one)
//   kUnavailable         PostgreSQL cannot be reached
//   kInternal, ...       anything else (the PostgreSQL transaction is rolled back: the target
//                        stays empty, the source is never written)
// A failed check is not an error: the report says it (check_ok() false).
Result<MigrateStoreReport> MigrateSqliteToPostgres(const std::string& sqlite_dir,
                                                   const std::string& postgresql_url);

// Only the check, for an already copied pair (the tests use it on a target they changed).
Status CheckMigratedStore(const std::string& sqlite_dir, const std::string& postgresql_url,
                          MigrateStoreReport* report);

}  // namespace cartable::store
