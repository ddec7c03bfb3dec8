// The database holds every user's data and password hashes: the store creates its directory
// 0700 and the database with its -wal and -shm files 0600, whatever the umask (issue 10: they
// were created 0644, readable by every local user).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <string>
#include <thread>

#include "dav/store/store.h"
#include "tests/testlib/temp_store.h"

namespace cartable::store {
namespace {

// The permission bits of `path`, or -1 when it does not exist.
int Mode(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int>(st.st_mode & 07777);
}

// Sets the process umask for the scope of a test (022: what a service usually runs with).
struct Umask {
  explicit Umask(mode_t m) : old(umask(m)) {}
  ~Umask() { umask(old); }
  mode_t old;
};

TEST(SqliteFilesTest, DatabaseWalAndShmAreOwnerOnlyAndTheNewDirectoryToo) {
  Umask permissive(022);
  testlib::TempDir tmp;
  const std::string dir = tmp.path() + "/var/data";  // neither level exists yet
  Result<std::unique_ptr<Store>> store = OpenSqliteStore(dir);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  User u;
  u.login = "a";
  ASSERT_TRUE((*store)->ThreadSession().CreateUser(u).ok());  // the connection stays open
  EXPECT_EQ(Mode(dir), 0700);
  EXPECT_EQ(Mode(dir + "/cartable.db"), 0600);
  EXPECT_EQ(Mode(dir + "/cartable.db-wal"), 0600);
  EXPECT_EQ(Mode(dir + "/cartable.db-shm"), 0600);
}

TEST(SqliteFilesTest, MigrateCreatesTheDatabaseOwnerOnly) {
  Umask permissive(022);
  testlib::TempDir tmp;
  const std::string dir = tmp.path() + "/data";
  Result<int> version = MigrateSqliteStore(dir);
  ASSERT_TRUE(version.ok()) << version.status().ToString();
  EXPECT_EQ(Mode(dir), 0700);
  EXPECT_EQ(Mode(dir + "/cartable.db"), 0600);
}

TEST(SqliteFilesTest, AnExistingDirectoryKeepsItsMode) {
  Umask permissive(022);
  testlib::TempDir tmp;
  ASSERT_EQ(chmod(tmp.path().c_str(), 0750), 0);  // chosen by the administrator
  ASSERT_TRUE(OpenSqliteStore(tmp.path()).ok());
  EXPECT_EQ(Mode(tmp.path()), 0750);
  EXPECT_EQ(Mode(tmp.path() + "/cartable.db"), 0600);
}

// A thread whose connection could not be opened (the database busy past the timeout, or its
// directory briefly away) tries again on its next call instead of failing for the life of the
// process: a server worker thread would otherwise answer every later request with that error.
TEST(SqliteFilesTest, ASessionWhoseOpenFailedOpensOnALaterCall) {
  testlib::TempDir tmp;
  const std::string dir = tmp.path() + "/data";
  Result<std::unique_ptr<Store>> store = OpenSqliteStore(dir);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_EQ(rename(dir.c_str(), (dir + ".away").c_str()), 0);
  bool failed_first = false, listed_later = false;
  std::thread worker([&] {  // a thread that has no connection yet
    Session& s = (*store)->ThreadSession();
    failed_first = !s.ListUsers().ok();
    rename((dir + ".away").c_str(), dir.c_str());
    Result<std::vector<User>> users = s.ListUsers();
    listed_later = users.ok();
    User u;
    u.login = "b";
    listed_later = listed_later && s.CreateUser(u).ok();
  });
  worker.join();
  EXPECT_TRUE(failed_first);
  EXPECT_TRUE(listed_later);
}

}  // namespace
}  // namespace cartable::store
