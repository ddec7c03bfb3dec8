// The staff-directory import (`cartable directory import FILE`): reads a CSV or LDIF export,
// creates accounts for new people, updates directory entries, disables people absent from the
// file, and maintains the shared directory address book (/dav/directory/). Identity rules are in
// identity.h, file syntax in import_parse.h, the vCards in import_vcards.h.
//
// Safe while the server is serving: everything (encoding check, parsing, validation, identity
// allocation, password hashing, card generation) is computed from a snapshot outside any write
// transaction; the plan is then applied in short write transactions of `batch_size` people (or
// cards) each, so the server's writers wait at most one batch for the database lock instead of
// the whole import (20,000 people in one transaction held it past the server's busy timeout).
// A file with any bad row is refused whole, before anything is written.
//
// What a reader sees mid-import, and after a crash mid-import: the batches already committed.
// The order keeps every such intermediate state one that a re-run of the same file completes:
//   1. people present in the file (new accounts with their directory entry in the same
//      transaction, so an account never exists without the entry that gives it its login;
//      updates; re-activations);
//   2. only when every batch of 1 committed: people absent from the file are disabled;
//   2b. the group accounts of the departments and establishments present (group_accounts.h)
//      are created or renamed;
//   3. the directory address book's cards (written, then deleted).
// A person whose groups change (department, establishment, disabled) has the share mounts of
// their homes Touched in the transaction that changes their entry (TouchGroupMounts), so the
// department or establishment agendas they gain or lose show in their next sync.
// A re-run recomputes its plan from the store: people already applied are unchanged, and the
// cards are compared with what the address book holds, so the run converges to the same result
// as an uninterrupted import. Until step 3 ends, the address book may lag the directory entries.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "dav/status.h"
#include "dav/store/store.h"
#include "directory/import_parse.h"
#include "directory/secret_key.h"

namespace cartable::directory {

// The academy's departments: code -> name.
std::map<std::string, std::string> DefaultDepartments();

struct ImportOptions {
  std::string mail_domain = "ac-orleans-tours.fr";  // for generated addresses
  std::map<std::string, std::string> departments = DefaultDepartments();
  unsigned hash_threads = 0;  // NUMEN hashing threads; 0 = std::thread::hardware_concurrency()
  bool dry_run = false;       // validate and count, write nothing
  // The file's character encoding, as CanonicalEncoding (import_encoding.h) accepts it. A UTF-8
  // file with bytes that are not UTF-8 is refused with the first bad line.
  std::string encoding = "utf-8";
  // Files larger than this are refused before they are parsed ([directory] max_import_bytes).
  size_t max_bytes = size_t{64} << 20;
  // A file that would disable more than this share of the active directory entries is refused
  // (nothing changes) unless allow_mass_disable: a file cut off at a line boundary parses fine
  // and would disable everybody after the cut ([directory] max_disable_percent, 0..100).
  unsigned max_disable_percent = 5;
  bool allow_mass_disable = false;
  // People (or cards) per write transaction; 0 = 1 ([directory] import_batch_size).
  size_t batch_size = 500;
  // Pause between two batches. Another process waiting for the lock (the server) sleeps in
  // SQLite's busy handler, up to 100 ms at a time, and would otherwise never find the lock free
  // in the microseconds between one batch's COMMIT and the next BEGIN IMMEDIATE.
  unsigned pause_ms = 120;
};

struct ImportCounts {
  size_t added = 0, updated = 0, unchanged = 0, disabled = 0;
  size_t cards_written = 0, cards_deleted = 0;
  // Entries stored by an older version with the NUMEN in clear in their source key, now keyed
  // by its hash (identity kept); counted besides the counts above.
  size_t rekeyed = 0;
  // Group accounts (group_accounts.h) created and renamed; homes whose share mounts changed
  // because their user's groups did (each Touched for the user's next sync).
  size_t groups_added = 0, groups_renamed = 0, homes_touched = 0;
};

struct ImportReport {
  ImportCounts counts;
  // Non-empty: the file was refused and nothing changed. Ordered by line.
  // Line 0 means the whole file (encoding, size, mass disable). Messages never quote a NUMEN.
  std::vector<ImportError> errors;
  double seconds_hashing = 0, seconds_writing = 0;  // for the measurements
};

// Imports `file` (its content: CSV or LDIF, detected by LooksLikeLdif) into `store`.
// Returns the report (with errors for a refused file); a non-OK status only for store failures
// (including a conflict with a concurrent change, e.g. a login created by `user add` between the
// snapshot and the write, and kUnavailable when the database stayed locked past the busy
// timeout): the batches committed before the failure stay (see above), the message says how
// many, and re-running the import completes it.
// Re-importing the same file changes nothing (counts: all unchanged; no card rewritten).
//
// `secret` (the server's key, secret_key.h) hashes NUMENs and birth dates: the entries keep
// only DirectoryEntry::numen_hash / birth_hash, and a NUMEN-based source key is "numen:" + the
// NUMEN's keyed hash. Entries an older version keyed by the NUMEN in clear are rekeyed on the
// next import (same entry, card UID and account). NUMENs stay in memory only until the new
// accounts' initial passwords (Argon2id kTemporary of the NUMEN) are hashed, then are wiped.
// The key must be the server's: with another one, every NUMEN-keyed person looks new.
Result<ImportReport> ImportDirectory(store::Store& store, std::string_view file,
                                     const SecretKey& secret, const ImportOptions& options);

}  // namespace cartable::directory
