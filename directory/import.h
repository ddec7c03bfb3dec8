// The staff-directory import (`cartable directory import FILE`): reads a CSV or LDIF export,
// creates accounts for new people, updates directory entries, disables people absent from the
// file, and maintains the shared directory address book (/dav/directory/). Identity rules are in
// identity.h, file syntax in import_parse.h, the vCards in import_vcards.h.
//
// Safe while the server is serving: everything (parsing, validation, identity allocation,
// password hashing, card generation) is computed from a snapshot before the one short write
// transaction that applies it. A file with any bad row is refused whole: nothing is written.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "dav/status.h"
#include "dav/store/store.h"
#include "directory/import_parse.h"

namespace cartable::directory {

// The academy's departments: code -> name.
std::map<std::string, std::string> DefaultDepartments();

struct ImportOptions {
  std::string mail_domain = "ac-orleans-tours.fr";  // for generated addresses
  std::map<std::string, std::string> departments = DefaultDepartments();
  unsigned hash_threads = 0;  // NUMEN hashing threads; 0 = std::thread::hardware_concurrency()
  bool dry_run = false;       // validate and count, write nothing
};

struct ImportCounts {
  size_t added = 0, updated = 0, unchanged = 0, disabled = 0;
  size_t cards_written = 0, cards_deleted = 0;
};

struct ImportReport {
  ImportCounts counts;
  // Non-empty: the file was refused and nothing changed. Ordered by line.
  std::vector<ImportError> errors;
  double seconds_hashing = 0, seconds_writing = 0;  // for the measurements
};

// Imports `file` (its content: CSV or LDIF, detected by LooksLikeLdif) into `store`.
// Returns the report (with errors for a refused file); a non-OK status only for store failures
// (including a conflict with a concurrent change, e.g. a login created by `user add` between the
// snapshot and the write: nothing is applied then, and re-running the import resolves it).
// Re-importing the same file changes nothing (counts: all unchanged; no card rewritten).
Result<ImportReport> ImportDirectory(store::Store& store, std::string_view file,
                                     const ImportOptions& options);

}  // namespace cartable::directory
