#include "dav/store/sqlite_backup.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <ctime>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <system_error>

#include "dav/store/sqlite_migrations.h"
#include "dav/store/sqlite_util.h"

namespace cartable::store {
namespace fs = std::filesystem;
namespace {

constexpr const char* kLockName = "cartable.lock";

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

// Closes a descriptor on scope exit.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

std::string UtcStamp(const char* format) {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

std::string Hex(const unsigned char* bytes, size_t n) {
  std::string out(n * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), bytes, n);
  out.pop_back();
  return out;
}

Status SyncPath(const std::string& path, bool directory) {
  Fd f{::open(path.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC)};
  if (f.fd < 0) return Status::Internal(Errno("opening " + path));
  if (::fsync(f.fd) != 0) return Status::Internal(Errno("syncing " + path));
  return Status::OK();
}

// Reads `fd` to its end, hashing every byte and handing each chunk to `sink` when it is set;
// returns the hex SHA-256. `what` names the file in errors.
Result<std::string> HashToEnd(int fd, const std::string& what,
                              const std::function<Status(const unsigned char*, size_t)>& sink) {
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  std::vector<unsigned char> buf(1 << 20);
  for (;;) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::Internal(Errno("reading " + what));
    if (n == 0) break;
    crypto_hash_sha256_update(&state, buf.data(), static_cast<size_t>(n));
    if (sink) {
      if (Status st = sink(buf.data(), static_cast<size_t>(n)); !st.ok()) return st;
    }
  }
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&state, digest);
  return Hex(digest, sizeof digest);
}

// Copies `from` into a new file `to` (mode 0600, fsynced) and returns the SHA-256 of the bytes
// copied and their count.
Status CopyHashing(const std::string& from, const std::string& to, std::string* sha256,
                   uint64_t* bytes) {
  Fd in{::open(from.c_str(), O_RDONLY | O_CLOEXEC)};
  if (in.fd < 0) return Status::Internal(Errno("reading " + from));
  Fd out{::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)};
  if (out.fd < 0) return Status::Internal(Errno("creating " + to));
  *bytes = 0;
  Result<std::string> digest =
      HashToEnd(in.fd, from, [&](const unsigned char* data, size_t n) -> Status {
        for (size_t done = 0; done < n;) {
          ssize_t w = ::write(out.fd, data + done, n - done);
          if (w < 0 && errno == EINTR) continue;
          if (w < 0) return Status::Internal(Errno("writing " + to));
          done += static_cast<size_t>(w);
        }
        *bytes += n;
        return Status::OK();
      });
  if (!digest.ok()) return digest.status();
  if (::fsync(out.fd) != 0) return Status::Internal(Errno("syncing " + to));
  *sha256 = *digest;
  return Status::OK();
}

// Opens `file` (which must exist) with no busy wait beyond `busy_ms`.
Result<SqlitePtr> OpenExisting(const std::string& file, int flags, int busy_ms) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(file.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  SqlitePtr db(raw);
  if (rc != SQLITE_OK) return SqliteStatus(raw, rc, "opening " + file);
  sqlite3_busy_timeout(raw, busy_ms);
  return db;
}

Status Exec(sqlite3* db, const char* sql, std::string_view what) {
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  return rc == SQLITE_OK ? Status::OK() : SqliteStatus(db, sqlite3_extended_errcode(db), what);
}

// PRAGMA integrity_check: OK when it says "ok", else kPreconditionFailed with its first line.
Status IntegrityCheck(sqlite3* db, const std::string& file) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db, "PRAGMA integrity_check(1)", -1, &raw, nullptr);
  StmtPtr stmt(raw);
  if (rc != SQLITE_OK) {
    return Status::PreconditionFailed(file + " is not a usable database: " + sqlite3_errmsg(db));
  }
  rc = sqlite3_step(raw);
  if (rc != SQLITE_ROW) {
    return Status::PreconditionFailed(file + " is not a usable database: " + sqlite3_errmsg(db));
  }
  const char* result = reinterpret_cast<const char*>(sqlite3_column_text(raw, 0));
  if (result == nullptr || std::strcmp(result, "ok") != 0) {
    return Status::PreconditionFailed(file +
                                      " fails its integrity check: " + (result ? result : "?"));
  }
  return Status::OK();
}

Result<int> UserVersion(sqlite3* db) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &raw, nullptr);
  StmtPtr stmt(raw);
  if (rc != SQLITE_OK) return SqliteStatus(db, rc, "reading the schema version");
  rc = sqlite3_step(raw);
  if (rc != SQLITE_ROW) return SqliteStatus(db, rc, "reading the schema version");
  return sqlite3_column_int(raw, 0);
}

int LatestSchemaVersion() {
  const std::vector<EmbeddedMigration>& all = SqliteMigrations();
  return all.empty() ? 0 : all.back().version;
}

// The online backup of `src_file` into the new file `dest_file`; returns the schema version.
Result<int> CopyDatabase(const std::string& src_file, const std::string& dest_file,
                         const BackupOptions& options) {
  Result<SqlitePtr> src = OpenExisting(src_file, SQLITE_OPEN_READWRITE, 5000);
  if (!src.ok()) return src.status();
  Result<SqlitePtr> dest =
      OpenExisting(dest_file, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, 5000);
  if (!dest.ok()) return dest.status();
  // The read snapshot: sqlite3_backup_step opens (and closes) a read transaction per step when
  // none is open, and a commit by another connection between two steps then restarts the copy
  // from page 1 (the pager resets its cache when a new read transaction sees a changed
  // database), so under steady writes the copy would never end. Held open here, the steps all
  // read the snapshot of this transaction: a WAL reader blocks no writer, and the PASSIVE
  // checkpoints of the server (sqlite_commit.cc) simply stop short of frames this snapshot
  // still needs until it ends. Without WAL (a file system where SQLite could not switch, see
  // Db::Open) a held read lock would stop every writer for the whole copy: there, each step
  // takes its own short lock and a write restarts the copy.
  bool wal = false;
  {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(src->get(), "PRAGMA journal_mode", -1, &raw, nullptr) == SQLITE_OK) {
      StmtPtr mode(raw);
      const unsigned char* text =
          sqlite3_step(raw) == SQLITE_ROW ? sqlite3_column_text(raw, 0) : nullptr;
      wal = text != nullptr && std::strcmp(reinterpret_cast<const char*>(text), "wal") == 0;
    }
  }
  if (wal) {
    if (Status s =
            Exec(src->get(), "BEGIN; SELECT count(*) FROM sqlite_schema", "opening a snapshot");
        !s.ok()) {
      return s;
    }
  }
  sqlite3_backup* backup = sqlite3_backup_init(dest->get(), "main", src->get(), "main");
  if (backup == nullptr) return SqliteStatus(dest->get(), sqlite3_errcode(dest->get()), "backup");
  int rc;
  const int step = options.pages_per_step > 0 ? options.pages_per_step : -1;
  do {
    rc = sqlite3_backup_step(backup, step);
    if (rc == SQLITE_OK && options.after_step) options.after_step(sqlite3_backup_remaining(backup));
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) sqlite3_sleep(10);
  } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
  sqlite3_backup_finish(backup);
  if (wal) sqlite3_exec(src->get(), "COMMIT", nullptr, nullptr, nullptr);
  if (rc != SQLITE_DONE) return SqliteStatus(dest->get(), rc, "copying " + src_file);
  // The copied header still says WAL (bytes 18-19): make the copy one self-contained file that
  // any reader opens without creating -wal and -shm files next to it.
  if (Status s = Exec(dest->get(), "PRAGMA journal_mode=DELETE", "leaving WAL mode"); !s.ok()) {
    return s;
  }
  if (Status s = IntegrityCheck(dest->get(), dest_file); !s.ok()) {
    return Status::Internal("the copy " + s.message());
  }
  return UserVersion(dest->get());  // the copy's own: what a restore will compare
}

std::string ManifestJson(const BackupManifest& m) {
  nlohmann::json files = nlohmann::json::array();
  for (const BackupFile& f : m.files) {
    files.push_back({{"name", f.name}, {"bytes", f.bytes}, {"sha256", f.sha256}});
  }
  nlohmann::json j = {
      {"format", "cartable-backup"}, {"format_version", m.format_version}, {"created", m.created},
      {"backend", m.backend},        {"schema_version", m.schema_version}, {"files", files}};
  return j.dump(2) + "\n";
}

Status WriteFileSynced(const std::string& path, const std::string& text) {
  Fd out{::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)};
  if (out.fd < 0) return Status::Internal(Errno("creating " + path));
  for (size_t done = 0; done < text.size();) {
    ssize_t w = ::write(out.fd, text.data() + done, text.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return Status::Internal(Errno("writing " + path));
    done += static_cast<size_t>(w);
  }
  if (::fsync(out.fd) != 0) return Status::Internal(Errno("syncing " + path));
  return Status::OK();
}

// True when `dir/cartable.db` holds data (a zero-length file, as CreatePrivate leaves it before
// the first migration, and no log is an empty database).
bool HoldsDatabase(const std::string& dir) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal"}) {
    const fs::path p = fs::path(dir) / (std::string(kBackupDatabaseName) + suffix);
    if (fs::exists(p, ec) && (fs::file_size(p, ec) > 0 || ec)) return true;
  }
  return false;
}

// Gives `path` the owner of `like` when running as root; nothing otherwise.
void ChownLike(const std::string& path, const std::string& like) {
  if (::geteuid() != 0) return;
  struct stat st {};
  if (::stat(like.c_str(), &st) == 0) (void)::lchown(path.c_str(), st.st_uid, st.st_gid);
}

}  // namespace

// ---- DataDirLock ----

DataDirLock& DataDirLock::operator=(DataDirLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

DataDirLock::~DataDirLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the flock
}

Result<DataDirLock> DataDirLock::Shared(const std::string& data_dir) {
  return Take(data_dir, false);
}

Result<DataDirLock> DataDirLock::Exclusive(const std::string& data_dir) {
  return Take(data_dir, true);
}

Result<DataDirLock> DataDirLock::Take(const std::string& data_dir, bool exclusive) {
  const std::string path = data_dir + "/" + kLockName;
  // Read-only is enough for flock, and lets a server running as its own user share a lock file
  // that root created (0644: it holds nothing).
  int fd = ::open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status::Internal(Errno("cannot open the lock file " + path));
  DataDirLock lock;
  lock.fd_ = fd;
  ChownLike(path, data_dir);
  while (::flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0) {
    if (errno == EINTR) continue;
    if (errno != EWOULDBLOCK) return Status::Internal(Errno("cannot lock " + path));
    return Status(Status::Code::kLocked,
                  exclusive
                      ? data_dir + " is in use (a Cartable server or command has it open, see " +
                            path + "): stop the server first"
                      : data_dir + " is being restored (cartable restore holds " + path +
                            "); try again when it has finished");
  }
  return lock;
}

// ---- backup ----

Result<std::string> Sha256File(const std::string& path) {
  Fd in{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (in.fd < 0) return Status::Internal(Errno("reading " + path));
  return HashToEnd(in.fd, path, nullptr);
}

Result<BackupManifest> BackupSqlite(const std::string& dest_dir, const BackupOptions& options) {
  if (sodium_init() < 0) return Status::Internal("libsodium could not be initialised");
  const std::string src_file = options.data_dir + "/" + kBackupDatabaseName;
  std::error_code ec;
  if (!fs::exists(src_file, ec)) {
    return Status::NotFound("no database in " + options.data_dir + " (" + src_file + ")");
  }
  if (!options.secret_key_file.empty() && !fs::exists(options.secret_key_file, ec)) {
    return Status::NotFound("no secret key at " + options.secret_key_file +
                            " (give --no-secret-key to back up without it)");
  }
  bool created = false;
  if (fs::exists(dest_dir, ec)) {
    if (!fs::is_directory(dest_dir, ec) || !fs::is_empty(dest_dir, ec)) {
      return Status::Conflict(dest_dir + " exists and is not an empty directory; a backup goes " +
                              "into a new directory");
    }
  } else {
    fs::create_directories(dest_dir, ec);
    if (ec) return Status::Internal("cannot create " + dest_dir + ": " + ec.message());
    created = true;
  }
  fs::permissions(dest_dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  // On any failure below: remove what this call made (never anything that was there before).
  std::vector<std::string> made;
  auto fail = [&](Status s) -> Status {
    std::error_code ignored;
    for (const std::string& p : made) fs::remove(p, ignored);
    if (created) fs::remove_all(dest_dir, ignored);
    return s;
  };
  Result<DataDirLock> lock = DataDirLock::Shared(options.data_dir);
  if (!lock.ok()) return fail(lock.status());

  BackupManifest manifest;
  manifest.created = UtcStamp("%Y-%m-%dT%H:%M:%SZ");
  const std::string db_copy = dest_dir + "/" + kBackupDatabaseName;
  {
    // Created 0600 before SQLite opens it (SQLite would use 0644 less the umask).
    Fd f{::open(db_copy.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)};
    if (f.fd < 0) return fail(Status::Internal(Errno("creating " + db_copy)));
    made.push_back(db_copy);
  }
  for (const char* suffix : {"-journal", "-wal", "-shm"}) made.push_back(db_copy + suffix);
  Result<int> version = CopyDatabase(src_file, db_copy, options);
  if (!version.ok()) return fail(version.status());
  manifest.schema_version = *version;
  if (Status s = SyncPath(db_copy, false); !s.ok()) return fail(s);
  Result<std::string> db_sha = Sha256File(db_copy);
  if (!db_sha.ok()) return fail(db_sha.status());
  manifest.files.push_back({kBackupDatabaseName, fs::file_size(db_copy, ec), *db_sha});

  if (!options.secret_key_file.empty()) {
    const std::string key_copy = dest_dir + "/" + kBackupSecretKeyName;
    BackupFile key{kBackupSecretKeyName, 0, ""};
    made.push_back(key_copy);
    if (Status s = CopyHashing(options.secret_key_file, key_copy, &key.sha256, &key.bytes);
        !s.ok()) {
      return fail(s);
    }
    manifest.files.push_back(key);
  }
  // The manifest last, through a rename: a directory without it is an unfinished backup.
  const std::string manifest_file = dest_dir + "/" + kBackupManifestName;
  const std::string tmp = manifest_file + ".tmp";
  made.push_back(tmp);
  if (Status s = WriteFileSynced(tmp, ManifestJson(manifest)); !s.ok()) return fail(s);
  if (::rename(tmp.c_str(), manifest_file.c_str()) != 0) {
    return fail(Status::Internal(Errno("renaming " + tmp)));
  }
  made.push_back(manifest_file);
  if (Status s = SyncPath(dest_dir, true); !s.ok()) return fail(s);
  return manifest;
}

// ---- restore ----

Result<BackupManifest> ReadBackupManifest(const std::string& src_dir) {
  const std::string path = src_dir + "/" + kBackupManifestName;
  auto bad = [&](const std::string& why) { return Status::PreconditionFailed(path + ": " + why); };
  std::error_code ec;
  if (!fs::is_directory(src_dir, ec)) return Status::NotFound(src_dir + " is not a directory");
  if (!fs::is_regular_file(path, ec)) {
    return bad("missing: not a complete Cartable backup (the manifest is written last)");
  }
  if (fs::file_size(path, ec) > kMaxManifestBytes) return bad("too large to be a manifest");
  std::string text;
  {
    Fd in{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
    if (in.fd < 0) return Status::Internal(Errno("reading " + path));
    char buf[4096];
    ssize_t n;
    while ((n = ::read(in.fd, buf, sizeof buf)) > 0 && text.size() <= kMaxManifestBytes) {
      text.append(buf, static_cast<size_t>(n));
    }
    if (n < 0) return Status::Internal(Errno("reading " + path));
  }
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return bad("not valid JSON");
  auto str = [&](const char* key) -> const std::string* {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get_ptr<const std::string*>() : nullptr;
  };
  const std::string* format = str("format");
  if (format == nullptr || *format != "cartable-backup") return bad("not a Cartable backup");
  auto fv = j.find("format_version");
  if (fv == j.end() || !fv->is_number_integer() || fv->get<int64_t>() != 1) {
    return bad("unknown format_version (this binary reads version 1)");
  }
  BackupManifest m;
  const std::string* backend = str("backend");
  if (backend == nullptr || *backend != "sqlite") return bad("backend is not sqlite");
  if (const std::string* created = str("created")) m.created = *created;
  auto sv = j.find("schema_version");
  if (sv == j.end() || !sv->is_number_integer() || sv->get<int64_t>() < 1 ||
      sv->get<int64_t>() > 1000000) {
    return bad("missing or invalid schema_version");
  }
  m.schema_version = static_cast<int>(sv->get<int64_t>());
  auto files = j.find("files");
  if (files == j.end() || !files->is_array()) return bad("missing files");
  std::set<std::string> seen;
  for (const nlohmann::json& f : *files) {
    if (!f.is_object()) return bad("a files entry is not an object");
    auto name = f.find("name");
    auto bytes = f.find("bytes");
    auto sha = f.find("sha256");
    if (name == f.end() || !name->is_string() || bytes == f.end() || !bytes->is_number_unsigned() ||
        sha == f.end() || !sha->is_string()) {
      return bad("a files entry lacks name, bytes or sha256");
    }
    BackupFile file{name->get<std::string>(), bytes->get<uint64_t>(), sha->get<std::string>()};
    // Only the two names this code writes: a manifest never names a path to read elsewhere.
    if (file.name != kBackupDatabaseName && file.name != kBackupSecretKeyName) {
      return bad("unexpected file '" + file.name + "'");
    }
    if (!seen.insert(file.name).second) return bad("'" + file.name + "' listed twice");
    if (file.sha256.size() != 64 ||
        file.sha256.find_first_not_of("0123456789abcdef") != std::string::npos) {
      return bad("invalid sha256 for " + file.name);
    }
    m.files.push_back(std::move(file));
  }
  if (!seen.count(kBackupDatabaseName)) return bad("no cartable.db listed");
  return m;
}

namespace {

// Copies the backup's `file` into `to` (a new file), checking its size and digest.
Status CopyChecked(const std::string& src_dir, const BackupFile& file, const std::string& to) {
  const std::string from = src_dir + "/" + file.name;
  std::error_code ec;
  if (!fs::is_regular_file(fs::symlink_status(from, ec))) {
    return Status::PreconditionFailed(from + " is missing (or not a regular file)");
  }
  std::string sha;
  uint64_t bytes = 0;
  if (Status s = CopyHashing(from, to, &sha, &bytes); !s.ok()) return s;
  if (bytes != file.bytes || sha != file.sha256) {
    return Status::PreconditionFailed(from + " does not match the manifest (" +
                                      std::to_string(bytes) + " bytes, sha256 " + sha +
                                      "; expected " + std::to_string(file.bytes) + " bytes, " +
                                      file.sha256 + "): the backup is damaged");
  }
  return Status::OK();
}

// Checks the database copy `file` and returns its schema version.
Result<int> CheckCopiedDatabase(const std::string& file, const BackupManifest& m) {
  Result<SqlitePtr> db = OpenExisting(file, SQLITE_OPEN_READONLY, 0);
  if (!db.ok()) return Status::PreconditionFailed(db.status().message());
  if (Status s = IntegrityCheck(db->get(), file); !s.ok()) return s;
  Result<int> version = UserVersion(db->get());
  if (!version.ok()) return Status::PreconditionFailed(version.status().message());
  if (*version != m.schema_version) {
    return Status::PreconditionFailed("the database has schema version " +
                                      std::to_string(*version) + ", the manifest says " +
                                      std::to_string(m.schema_version));
  }
  if (*version > LatestSchemaVersion()) {
    return Status::Conflict("the backup has schema version " + std::to_string(*version) +
                            ", newer than this binary's (" + std::to_string(LatestSchemaVersion()) +
                            "): restore it with the Cartable version that made it, or newer");
  }
  return version;
}

// Moves the database files of `data_dir` into data_dir/before-restore-STAMP/ and returns it.
Result<std::string> MoveAside(const std::string& data_dir, const std::string& stamp) {
  const std::string aside = data_dir + "/before-restore-" + stamp;
  if (::mkdir(aside.c_str(), 0700) != 0) return Status::Internal(Errno("creating " + aside));
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    const std::string name = std::string(kBackupDatabaseName) + suffix;
    const std::string from = data_dir + "/" + name;
    if (::rename(from.c_str(), (aside + "/" + name).c_str()) != 0 && errno != ENOENT) {
      return Status::Internal(Errno("moving " + from + " aside"));
    }
  }
  return aside;
}

// Puts the backup's key at `key_file` (through a temporary file and a rename); a different key
// already there is kept as KEY.before-restore-STAMP, returned in `old_key`.
Status InstallKey(const std::string& src_dir, const BackupFile& file, const std::string& key_file,
                  const std::string& stamp, std::string* old_key) {
  std::error_code ec;
  if (fs::exists(key_file, ec)) {
    Result<std::string> current = Sha256File(key_file);
    if (current.ok() && *current == file.sha256) return Status::OK();  // the same key
  }
  const fs::path dir = fs::path(key_file).parent_path();
  if (!dir.empty() && !fs::exists(dir, ec)) {
    fs::create_directories(dir, ec);
    if (ec) return Status::Internal("cannot create " + dir.string() + ": " + ec.message());
  }
  const std::string tmp = key_file + ".restore-tmp";
  fs::remove(tmp, ec);
  if (Status s = CopyChecked(src_dir, file, tmp); !s.ok()) {
    fs::remove(tmp, ec);
    return s;
  }
  ChownLike(tmp, dir.empty() ? "." : dir.string());
  if (fs::exists(key_file, ec)) {
    *old_key = key_file + ".before-restore-" + stamp;
    if (::rename(key_file.c_str(), old_key->c_str()) != 0) {
      fs::remove(tmp, ec);
      return Status::Internal(Errno("moving the old key " + key_file + " aside"));
    }
  }
  if (::rename(tmp.c_str(), key_file.c_str()) != 0) {
    return Status::Internal(Errno("installing " + key_file));
  }
  return SyncPath(dir.empty() ? "." : dir.string(), true);
}

}  // namespace

Result<RestoreReport> RestoreSqlite(const std::string& src_dir, const RestoreOptions& options) {
  if (sodium_init() < 0) return Status::Internal("libsodium could not be initialised");
  RestoreReport report;
  Result<BackupManifest> manifest = ReadBackupManifest(src_dir);
  if (!manifest.ok()) return manifest.status();
  report.manifest = *manifest;
  const std::string& data_dir = options.data_dir;
  std::error_code ec;
  bool created = false;
  if (!fs::exists(data_dir, ec)) {
    fs::create_directories(data_dir, ec);
    if (ec) return Status::Internal("cannot create " + data_dir + ": " + ec.message());
    fs::permissions(data_dir, fs::perms::owner_all, fs::perm_options::replace, ec);
    created = true;
  }
  const std::string db_file = data_dir + "/" + kBackupDatabaseName;
  const std::string tmp = data_dir + "/." + kBackupDatabaseName + ".restore-tmp";
  auto fail = [&](Status s) -> Status {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    if (created) fs::remove_all(data_dir, ignored);
    return s;
  };
  Result<DataDirLock> lock = DataDirLock::Exclusive(data_dir);
  if (!lock.ok()) return fail(lock.status());
  const bool occupied = HoldsDatabase(data_dir);
  if (occupied && !options.force) {
    return fail(Status::Conflict(data_dir + " already holds a database (" + db_file +
                                 "); give --force to move it aside and restore over it"));
  }
  // Copy and check before anything of data_dir changes.
  fs::remove(tmp, ec);  // left by an interrupted restore
  const BackupFile* db_entry = nullptr;
  const BackupFile* key_entry = nullptr;
  for (const BackupFile& f : manifest->files) {
    (f.name == kBackupDatabaseName ? db_entry : key_entry) = &f;
  }
  if (Status s = CopyChecked(src_dir, *db_entry, tmp); !s.ok()) return fail(s);
  Result<int> version = CheckCopiedDatabase(tmp, *manifest);
  if (!version.ok()) return fail(version.status());
  // Also verify the key before anything moves: a damaged key must not half-restore.
  if (key_entry != nullptr) {
    Result<std::string> sha = Sha256File(src_dir + "/" + key_entry->name);
    if (!sha.ok() || *sha != key_entry->sha256) {
      return fail(Status::PreconditionFailed(src_dir + "/" + key_entry->name +
                                             " does not match the manifest: the backup is "
                                             "damaged"));
    }
  }
  const std::string stamp = UtcStamp("%Y%m%dT%H%M%SZ");
  // The key first: when it cannot be installed, the old database is still in place.
  if (key_entry != nullptr) {
    Status s = InstallKey(src_dir, *key_entry, options.secret_key_file, stamp, &report.old_key);
    if (!s.ok()) return fail(s);
    report.secret_key = true;
  }
  if (occupied) {
    Result<std::string> aside = MoveAside(data_dir, stamp);
    if (!aside.ok()) return fail(aside.status());
    report.moved_aside = *aside;
  } else {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) fs::remove(db_file + suffix, ec);
  }
  ChownLike(tmp, data_dir);
  if (::rename(tmp.c_str(), db_file.c_str()) != 0) {
    return fail(Status::Internal(Errno("renaming " + tmp + " to " + db_file)));
  }
  if (Status s = SyncPath(data_dir, true); !s.ok()) return s;
  // The migrations of this binary (the lock is held: the store's own open would wait for it).
  Result<std::unique_ptr<Db>> db = Db::Open(db_file);
  if (!db.ok()) return db.status();
  Result<int> migrated = ApplySqliteMigrations(**db);
  if (!migrated.ok()) return migrated.status();
  if ((*db)->defers_sync()) {
    if (Status s = (*db)->SyncWal(); !s.ok()) return s;
  }
  db->reset();
  for (const char* suffix : {"-wal", "-shm"}) {
    if (fs::exists(db_file + suffix, ec)) ChownLike(db_file + suffix, data_dir);
  }
  report.schema_version = *migrated;
  return report;
}

}  // namespace cartable::store
