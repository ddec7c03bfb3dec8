// A GoogleTest fixture whose every test has a database of its own on the test process's
// throw-away PostgreSQL cluster (pg_server.h): url_ names it, and TearDown drops it.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "tests/testlib/pg_server.h"

namespace cartable::testlib {

class PgDatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<PgServer*> server = PgServer::Get();
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = *server;
    Result<std::string> url = server_->FreshDatabase();
    ASSERT_TRUE(url.ok()) << url.status().ToString();
    url_ = *url;
  }
  void TearDown() override {
    if (server_ != nullptr && !url_.empty()) server_->DropDatabase(PgServer::DatabaseOf(url_));
  }

  PgServer* server_ = nullptr;
  std::string url_;
};

}  // namespace cartable::testlib
