// The store unit tests use: the real SQLite store in a fresh temporary directory, removed with
// its contents on destruction. Header-only, for any GoogleTest binary linking cartable_store.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <system_error>

#include "dav/store/store.h"

namespace cartable::testlib {

// A fresh directory under /tmp, removed (with its contents) on destruction.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/cartable-test-XXXXXX";
    const char* made = mkdtemp(tmpl);
    path_ = made ? made : "";
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// An open SQLite store in its own TempDir (data directory path() + "/data"). Used like the
// std::unique_ptr<Store> it replaces: `*store_`, `store_->ThreadSession()`. A failure to open
// fails the current test (and leaves the pointer null).
class TempStore {
 public:
  explicit TempStore(const store::StoreOptions& options = {}) {
    EXPECT_FALSE(dir_.path().empty()) << "mkdtemp failed";
    Result<std::unique_ptr<store::Store>> s = store::OpenSqliteStore(data_dir(), options);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    if (s.ok()) store_ = std::move(*s);
  }
  ~TempStore() { store_.reset(); }  // close every connection before the directory goes

  store::Store& operator*() const { return *store_; }
  store::Store* operator->() const { return store_.get(); }
  store::Store* get() const { return store_.get(); }
  std::string data_dir() const { return dir_.path() + "/data"; }

 private:
  TempDir dir_;  // declared first: destroyed last
  std::unique_ptr<store::Store> store_;
};

}  // namespace cartable::testlib
