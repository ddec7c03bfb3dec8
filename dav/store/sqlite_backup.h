// Backups of the SQLite store (`cartable backup DEST`, `cartable restore SRC`; issue 16).
//
// A backup is a NEW directory holding:
//   cartable.db    a consistent copy of data_dir/cartable.db, made with SQLite's online backup
//                  API while servers keep writing (see BackupSqlite), in rollback-journal mode
//   secret.key     the server's secret key (optional): the keyed hashes in the database (app
//                  passwords, sessions, NUMEN and birth-date hashes) and the sealed one-time-code
//                  secrets are useless without it, so a restore without it loses them
//   manifest.json  written last (its presence marks a complete backup): format, creation time,
//                  schema version, and for each file its size and SHA-256
// Every file is 0600 and the directory 0700: the backup holds every person's data, password
// hashes and (with the key) what unlocks the rest; it must be stored as carefully as data_dir.
//
// The documents of the files area (/dav/files/) are objects in the database like events and
// cards: the database file is the whole store.
//
// The data directory lock: every process that opens the SQLite store (OpenSqliteStore, `migrate`,
// a backup) holds a shared flock(2) on data_dir/cartable.lock for as long as it uses the store; a
// restore takes it exclusively without waiting, so it is refused while a server (or any command)
// uses data_dir, and a server cannot start in the middle of a restore.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "dav/status.h"
#include "dav/store/store.h"

namespace cartable::store {

inline constexpr const char* kBackupManifestName = "manifest.json";
inline constexpr const char* kBackupDatabaseName = "cartable.db";
inline constexpr const char* kBackupSecretKeyName = "secret.key";
// A manifest larger than this is not a manifest this code wrote (it is a few hundred bytes).
inline constexpr uint64_t kMaxManifestBytes = 64 * 1024;

// A held flock(2) on data_dir/cartable.lock (see the file comment); released on destruction.
class DataDirLock {
 public:
  // Takes the lock without waiting. kLocked when another process holds it in a conflicting
  // mode (the message says which case); kInternal when the lock file cannot be created (0644,
  // empty: it holds nothing). `data_dir` must exist.
  static Result<DataDirLock> Shared(const std::string& data_dir);
  static Result<DataDirLock> Exclusive(const std::string& data_dir);

  DataDirLock() = default;
  DataDirLock(DataDirLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  DataDirLock& operator=(DataDirLock&& other) noexcept;
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;
  ~DataDirLock();

 private:
  static Result<DataDirLock> Take(const std::string& data_dir, bool exclusive);
  int fd_ = -1;
};

struct BackupFile {
  std::string name;  // kBackupDatabaseName or kBackupSecretKeyName
  uint64_t bytes = 0;
  std::string sha256;  // 64 lower-case hex digits
};

struct BackupManifest {
  int format_version = 1;
  std::string created;  // RFC 3339 UTC
  std::string backend = "sqlite";
  int schema_version = 0;
  std::vector<BackupFile> files;
};

struct BackupOptions {
  std::string data_dir;         // holds cartable.db
  std::string secret_key_file;  // copied as secret.key; "" = leave the key out
  // Pages copied per sqlite3_backup_step. The copy reads one snapshot whatever the step (see
  // BackupSqlite); between steps the connection yields the CPU and the disk to the server.
  int pages_per_step = 1024;
  // Tests: called after each step with the pages still to copy.
  std::function<void(int remaining)> after_step;
};

// Copies the store of `options.data_dir` into the new directory `dest_dir` (created 0700 with its
// parents; an existing EMPTY directory is used) while other connections keep reading and
// writing: the copy is the database as one committed transaction left it (one read snapshot held
// across every backup step, so writes committed meanwhile neither restart the copy nor appear in
// it), then checked with PRAGMA integrity_check. Errors: kConflict when dest_dir exists and is
// not empty (nothing in it is touched); kNotFound when data_dir holds no database or the key file
// is missing; kLocked while a restore runs on data_dir; kUnavailable for a busy database;
// kInternal for I/O and SQLite failures. On failure what this call created is removed.
Result<BackupManifest> BackupSqlite(const std::string& dest_dir, const BackupOptions& options);

// Reads and checks SRC/manifest.json (format, names, sizes, digests: not the files).
// kPreconditionFailed naming the problem.
Result<BackupManifest> ReadBackupManifest(const std::string& src_dir);

struct RestoreOptions {
  std::string data_dir;
  std::string secret_key_file;  // where the backup's secret.key goes
  // Restores over a data_dir that holds a database: the old files are moved aside first.
  bool force = false;
};

struct RestoreReport {
  BackupManifest manifest;
  int schema_version = 0;   // after migrations
  bool secret_key = false;  // the backup's key was installed (or already there)
  std::string moved_aside;  // where the old database went ("" = there was none)
  std::string old_key;      // where a different old key went ("" = none)
};

// Puts the backup in `src_dir` into `options.data_dir` (created 0700 if missing), then applies
// the migrations this binary has (a backup made by an older version is brought up to date). The
// order keeps data_dir untouched until the backup is proven whole: exclusive data_dir lock
// (kLocked: a server or command uses it), refusal when data_dir holds a database and not
// `force` (kConflict), copy into a temporary file in data_dir while hashing, check of every
// size and SHA-256 against the manifest, PRAGMA integrity_check and the schema version
// (kPreconditionFailed when the backup is damaged or incomplete; kConflict when it is newer than
// this binary), then the old files moved aside into data_dir/before-restore-STAMP/ (force), the
// key installed, and the database renamed into place (atomic). When running as root, the new
// files are given the owner of data_dir (so a server running as its own user can open them).
Result<RestoreReport> RestoreSqlite(const std::string& src_dir, const RestoreOptions& options);

// Hex SHA-256 of a file (libsodium), or kInternal.
Result<std::string> Sha256File(const std::string& path);

}  // namespace cartable::store
