// Backups of the SQLite store (dav/store/sqlite_backup.h, issue 16): the copy is one snapshot
// although another connection commits between its steps, the data directory lock keeps a
// restore and a store apart, and a damaged or incomplete backup changes nothing.
#include "dav/store/sqlite_backup.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "dav/store/store.h"
#include "tests/testlib/temp_store.h"

namespace cartable::store {
namespace {

namespace fs = std::filesystem;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteAll(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

int Mode(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int>(st.st_mode & 07777);
}

// A store in `dir` with one user's files home holding `n` objects of 4 KiB; returns its id.
Id Fill(Store& store, int n) {
  Session& s = store.ThreadSession();
  User u;
  u.login = "a";
  Result<Id> owner = s.CreateUser(u);
  EXPECT_TRUE(owner.ok());
  Result<Collection> c = s.CreateCollection("/dav/files/a/", 0, *owner, kKindFilesHome);
  EXPECT_TRUE(c.ok());
  for (int i = 0; i < n; ++i) {
    EXPECT_TRUE(
        s.PutObject(c->id, "o" + std::to_string(i), "text/plain", std::string(4096, 'a' + i % 26))
            .ok());
  }
  return c->id;
}

TEST(SqliteBackupTest, TheCopyIsOneSnapshotWhileAnotherConnectionCommitsBetweenSteps) {
  testlib::TempDir tmp;
  const std::string data = tmp.path() + "/data";
  Result<std::unique_ptr<Store>> store = OpenSqliteStore(data);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  const Id home = Fill(**store, 200);
  Session& s = (*store)->ThreadSession();
  Result<Object> before = s.GetObject(home, "o0", false);
  ASSERT_TRUE(before.ok());

  BackupOptions options;
  options.data_dir = data;
  options.pages_per_step = 8;
  int steps = 0;
  Status late_put, late_change;
  options.after_step = [&](int) {
    if (++steps != 2) return;
    // The server's connection commits while the copy is half done: neither write may show in
    // the copy, and neither may wait for the copy to end.
    late_put = s.PutObject(home, "late", "text/plain", "written during the backup").status();
    late_change = s.PutObject(home, "o0", "text/plain", "changed during the backup").status();
  };
  const std::string dest = tmp.path() + "/backup";
  Result<BackupManifest> m = BackupSqlite(dest, options);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_GT(steps, 10);
  EXPECT_TRUE(late_put.ok()) << late_put.ToString();
  EXPECT_TRUE(late_change.ok()) << late_change.ToString();
  ASSERT_EQ(m->files.size(), 1u);  // no key file given
  EXPECT_EQ(m->files[0].name, "cartable.db");
  EXPECT_EQ(m->files[0].sha256, *Sha256File(dest + "/cartable.db"));
  EXPECT_EQ(m->files[0].bytes, fs::file_size(dest + "/cartable.db"));
  EXPECT_EQ(Mode(dest), 0700);
  EXPECT_EQ(Mode(dest + "/cartable.db"), 0600);
  EXPECT_EQ(Mode(dest + "/manifest.json"), 0600);
  EXPECT_FALSE(fs::exists(dest + "/cartable.db-wal"));  // one self-contained file

  Result<BackupManifest> read = ReadBackupManifest(dest);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->schema_version, m->schema_version);

  // Restored elsewhere: the state when the copy began.
  RestoreOptions ro;
  ro.data_dir = tmp.path() + "/restored";
  ro.secret_key_file = ro.data_dir + "/secret.key";
  Result<RestoreReport> r = RestoreSqlite(dest, ro);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->secret_key);
  Result<std::unique_ptr<Store>> copy = OpenSqliteStore(ro.data_dir);
  ASSERT_TRUE(copy.ok());
  Session& cs = (*copy)->ThreadSession();
  int objects = 0;
  ASSERT_TRUE(cs.ForEachObject(home, [&](const Object&) {
                  ++objects;
                  return Status::OK();
                }).ok());
  EXPECT_EQ(objects, 200);
  EXPECT_EQ(cs.GetObject(home, "late", false).status().code(), Status::Code::kNotFound);
  Result<Object> o0 = cs.GetObject(home, "o0", true);
  ASSERT_TRUE(o0.ok());
  EXPECT_EQ(o0->etag, before->etag);
  EXPECT_EQ(o0->data, std::string(4096, 'a'));
  // The source has both writes.
  EXPECT_TRUE(s.GetObject(home, "late", false).ok());
}

TEST(SqliteBackupTest, TheDataDirectoryLockKeepsARestoreAndAStoreApart) {
  testlib::TempDir tmp;
  const std::string src = tmp.path() + "/src", dest = tmp.path() + "/backup";
  {
    Result<std::unique_ptr<Store>> store = OpenSqliteStore(src);
    ASSERT_TRUE(store.ok());
    Fill(**store, 3);
    BackupOptions options;
    options.data_dir = src;
    ASSERT_TRUE(BackupSqlite(dest, options).ok());
  }
  const std::string target = tmp.path() + "/target";
  RestoreOptions ro;
  ro.data_dir = target;
  ro.secret_key_file = target + "/secret.key";
  {
    Result<std::unique_ptr<Store>> running = OpenSqliteStore(target);  // a server on target
    ASSERT_TRUE(running.ok());
    Result<RestoreReport> r = RestoreSqlite(dest, ro);
    EXPECT_EQ(r.status().code(), Status::Code::kLocked) << r.status().ToString();
    ro.force = true;  // --force does not override a running server
    EXPECT_EQ(RestoreSqlite(dest, ro).status().code(), Status::Code::kLocked);
    ro.force = false;
  }
  // Stopped: the (empty, migrated) database there is refused without --force, moved with it.
  Result<RestoreReport> r = RestoreSqlite(dest, ro);
  EXPECT_EQ(r.status().code(), Status::Code::kConflict) << r.status().ToString();
  const std::string old_db = ReadAll(target + "/cartable.db");
  ro.force = true;
  r = RestoreSqlite(dest, ro);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_FALSE(r->moved_aside.empty());
  EXPECT_EQ(ReadAll(r->moved_aside + "/cartable.db"), old_db);

  // A store cannot open the directory while a restore holds it.
  Result<DataDirLock> restoring = DataDirLock::Exclusive(target);
  ASSERT_TRUE(restoring.ok());
  EXPECT_EQ(OpenSqliteStore(target).status().code(), Status::Code::kLocked);
  EXPECT_EQ(MigrateSqliteStore(target).status().code(), Status::Code::kLocked);
  *restoring = DataDirLock();
  Result<std::unique_ptr<Store>> after = OpenSqliteStore(target);
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  Result<User> a = (*after)->ThreadSession().GetUserByLogin("a");
  EXPECT_TRUE(a.ok());
}

class DamagedBackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    src_ = tmp_.path() + "/src";
    dest_ = tmp_.path() + "/backup";
    Result<std::unique_ptr<Store>> store = OpenSqliteStore(src_);
    ASSERT_TRUE(store.ok());
    Fill(**store, 3);
    WriteAll(src_ + "/secret.key", std::string(32, 'k'));
    BackupOptions options;
    options.data_dir = src_;
    options.secret_key_file = src_ + "/secret.key";
    ASSERT_TRUE(BackupSqlite(dest_, options).ok());
    ro_.data_dir = tmp_.path() + "/target";
    ro_.secret_key_file = ro_.data_dir + "/secret.key";
  }
  // Restoring fails with kPreconditionFailed and creates no data directory.
  void ExpectRefused(const std::string& what) {
    Result<RestoreReport> r = RestoreSqlite(dest_, ro_);
    EXPECT_EQ(r.status().code(), Status::Code::kPreconditionFailed)
        << what << ": " << r.status().ToString();
    EXPECT_FALSE(fs::exists(ro_.data_dir)) << what;
  }
  testlib::TempDir tmp_;
  std::string src_, dest_;
  RestoreOptions ro_;
};

TEST_F(DamagedBackupTest, AFlippedByteInTheDatabase) {
  std::string db = ReadAll(dest_ + "/cartable.db");
  db[db.size() / 2] ^= 1;
  WriteAll(dest_ + "/cartable.db", db);
  ExpectRefused("flipped byte");
}

TEST_F(DamagedBackupTest, AChangedKey) {
  WriteAll(dest_ + "/secret.key", std::string(32, 'x'));
  ExpectRefused("changed key");
}

TEST_F(DamagedBackupTest, NoManifest) {
  fs::remove(dest_ + "/manifest.json");
  ExpectRefused("no manifest");
}

TEST_F(DamagedBackupTest, AManifestNamingAnotherFile) {
  std::string m = ReadAll(dest_ + "/manifest.json");
  m.replace(m.find("\"secret.key\""), 12, "\"../src/secret.key\"");
  WriteAll(dest_ + "/manifest.json", m);
  ExpectRefused("path in manifest");
}

TEST_F(DamagedBackupTest, AManifestThatIsNotJson) {
  WriteAll(dest_ + "/manifest.json", "{\"format\": \"cartable-backup\",");
  ExpectRefused("truncated manifest");
}

TEST_F(DamagedBackupTest, TheIntactBackupRestoresWithItsKey) {
  Result<RestoreReport> r = RestoreSqlite(dest_, ro_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->secret_key);
  EXPECT_EQ(ReadAll(ro_.secret_key_file), std::string(32, 'k'));
  EXPECT_EQ(Mode(ro_.secret_key_file), 0600);
  EXPECT_EQ(Mode(ro_.data_dir + "/cartable.db"), 0600);
}

// The blobs of table t of the database `file`, in rowid order.
std::string Rows(const std::string& file) {
  sqlite3* db = nullptr;
  std::string out;
  if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    sqlite3_prepare_v2(db, "SELECT x FROM t ORDER BY rowid", -1, &stmt, nullptr);
    while (stmt != nullptr && sqlite3_step(stmt) == SQLITE_ROW) {
      out.append(static_cast<const char*>(sqlite3_column_blob(stmt, 0)),
                 static_cast<size_t>(sqlite3_column_bytes(stmt, 0)));
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return out;
}

// Where SQLite could not switch to WAL, the copy takes a short lock per step instead of one
// snapshot (a held read lock would stop every writer): a write between steps goes through and
// the copy starts again.
TEST(SqliteBackupTest, ARollbackJournalDatabaseIsCopiedStepByStep) {
  testlib::TempDir tmp;
  const std::string src = tmp.path() + "/src";
  fs::create_directories(src);
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((src + "/cartable.db").c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "PRAGMA journal_mode=DELETE; PRAGMA user_version=3;"
                           "CREATE TABLE t(x); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL "
                           "SELECT i+1 FROM n WHERE i<500) INSERT INTO t SELECT randomblob(900) "
                           "FROM n;",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  BackupOptions options;
  options.data_dir = src;
  options.pages_per_step = 16;
  int steps = 0;
  int late_insert = -1;
  options.after_step = [&](int) {
    if (++steps != 2) return;
    // A writer between two steps is not kept waiting (no busy wait allowed here); the copy
    // then starts again and includes its row.
    sqlite3* db = nullptr;
    sqlite3_open((src + "/cartable.db").c_str(), &db);
    late_insert =
        sqlite3_exec(db, "INSERT INTO t VALUES (randomblob(900))", nullptr, nullptr, nullptr);
    sqlite3_close(db);
  };
  Result<BackupManifest> m = BackupSqlite(tmp.path() + "/backup", options);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_GT(steps, 5);
  EXPECT_EQ(m->schema_version, 3);
  // The same rows (the header's change counter differs: compare the content).
  const std::string copied = Rows(tmp.path() + "/backup/cartable.db");
  EXPECT_EQ(late_insert, SQLITE_OK);
  EXPECT_EQ(copied.size(), 501u * 900u);
  EXPECT_TRUE(copied == Rows(src + "/cartable.db"));
}

TEST(SqliteBackupTest, ANonEmptyDestinationIsRefusedAndLeftAlone) {
  testlib::TempDir tmp;
  const std::string src = tmp.path() + "/src", dest = tmp.path() + "/backup";
  ASSERT_TRUE(OpenSqliteStore(src).ok());
  fs::create_directories(dest);
  WriteAll(dest + "/notes.txt", "mine");
  BackupOptions options;
  options.data_dir = src;
  EXPECT_EQ(BackupSqlite(dest, options).status().code(), Status::Code::kConflict);
  EXPECT_EQ(ReadAll(dest + "/notes.txt"), "mine");
  EXPECT_FALSE(fs::exists(dest + "/cartable.db"));
  // No database at all: kNotFound, and no destination created.
  options.data_dir = tmp.path() + "/nothing";
  EXPECT_EQ(BackupSqlite(tmp.path() + "/b2", options).status().code(), Status::Code::kNotFound);
  EXPECT_FALSE(fs::exists(tmp.path() + "/b2"));
}

}  // namespace
}  // namespace cartable::store
