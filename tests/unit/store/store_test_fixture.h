// The typed fixture of the Store contract tests: one Store per test in a fresh temporary
// directory, for every implementation listed in StoreImplementations.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "dav/store/store.h"
#include "tests/testlib/pg_server.h"
#include "tests/testlib/temp_store.h"

namespace cartable::store {

// One implementation under test: Open(data_dir, options) opens (creating) a store in data_dir.
struct SqliteImpl {
  static constexpr bool kPersistent = true;
  static Result<std::unique_ptr<Store>> Open(const std::string& dir, const StoreOptions& options) {
    return OpenSqliteStore(dir, options);
  }
};

// The PostgreSQL store on the test process's throw-away cluster (tests/testlib/pg_server.h):
// each data_dir is its own database, fresh on first use; opening the same data_dir again
// reconnects to it (Reopen keeps the data).
struct PgImpl {
  static constexpr bool kPersistent = true;
  static Result<std::unique_ptr<Store>> Open(const std::string& dir, const StoreOptions& options) {
    Result<testlib::PgServer*> server = testlib::PgServer::Get();
    if (!server.ok()) return server.status();
    Result<std::string> url = (*server)->DatabaseFor(dir);
    if (!url.ok()) return url.status();
    return OpenPostgresStore(*url, options);
  }
};

using StoreImplementations = ::testing::Types<SqliteImpl, PgImpl>;

using testlib::TempDir;

template <typename Impl>
class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    Reopen();
  }
  void TearDown() override { store_.reset(); }

  // Closes the store (if open) and opens it again on the same directory with options_.
  void Reopen() {
    store_.reset();
    Result<std::unique_ptr<Store>> s = Impl::Open(dir_.path() + "/data", options_);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }

  Session& session() { return store_->ThreadSession(); }

  Id MakeUser(const std::string& login, const std::string& email = "") {
    User u;
    u.login = login;
    u.email = email;
    u.display_name = "User " + login;
    Result<Id> id = session().CreateUser(u);
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    return id.ok() ? *id : 0;
  }

  Collection MakeCollection(const std::string& path, Id parent, Id owner,
                            const std::string& kind = kKindCollection) {
    Result<Collection> c = session().CreateCollection(path, parent, owner, kind);
    EXPECT_TRUE(c.ok()) << path << ": " << c.status().ToString();
    return c.ok() ? *c : Collection();
  }

  Object Put(Id collection, const std::string& name, const std::string& data) {
    Result<Object> o = session().PutObject(collection, name, "text/plain", data);
    EXPECT_TRUE(o.ok()) << name << ": " << o.status().ToString();
    return o.ok() ? *o : Object();
  }

  int64_t UsedBytes(Id user) {
    Result<User> u = session().GetUserById(user);
    EXPECT_TRUE(u.ok());
    return u.ok() ? u->used_bytes : -1;
  }

  TempDir dir_;
  StoreOptions options_;  // what Reopen passes; tests change it then Reopen()
  std::unique_ptr<Store> store_;
};

}  // namespace cartable::store
