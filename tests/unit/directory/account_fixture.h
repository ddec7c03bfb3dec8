// A real account service for the sign-in and password tests: the SQLite store in a temporary
// directory, a fixed secret key and a clock the test moves.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "directory/account_service.h"
#include "directory/password.h"
#include "tests/testlib/temp_store.h"

namespace cartable::directory {

class AccountFixture : public ::testing::Test {
 protected:
  static constexpr store::UnixTime kStart = 1'800'000'000;  // 2027-01-15

  AccountFixture() : key_(SecretKey::FromBytes(std::string(32, '\x2a'))) {}

  // The service is made on first use, so that a test can set options_ before.
  AccountService& service() {
    if (!service_) {
      service_ = std::make_unique<AccountService>(*store_, key_, options_, [this] { return now_; });
    }
    return *service_;
  }
  store::Session& s() { return store_->ThreadSession(); }

  // An active user with `password` (standard cost, or an initial NUMEN one when `initial`).
  store::Id AddUser(const std::string& login, const std::string& password, bool initial = false) {
    store::User u;
    u.login = login;
    u.email = login + "@ac-orleans-tours.fr";
    u.display_name = login;
    u.password_hash =
        HashPassword(password, initial ? HashStrength::kTemporary : HashStrength::kStandard);
    u.must_change_password = initial;
    u.created_at = now_;
    Result<std::unique_ptr<store::Transaction>> txn = s().Begin(true);
    EXPECT_TRUE(txn.ok());
    Result<store::Id> id = s().CreateUser(u);
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    EXPECT_TRUE((*txn)->Commit().ok());
    return id.ok() ? *id : 0;
  }

  store::UserSecurity Security(store::Id id) {
    Result<store::UserSecurity> sec = s().GetUserSecurity(id);
    EXPECT_TRUE(sec.ok()) << sec.status().ToString();
    return sec.ok() ? *sec : store::UserSecurity{};
  }
  void SetSecurity(store::Id id, const store::UserSecurity& sec) {
    Result<std::unique_ptr<store::Transaction>> txn = s().Begin(true);
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE(s().SetUserSecurity(id, sec, true).ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  store::User User(store::Id id) {
    Result<store::User> u = s().GetUserById(id);
    EXPECT_TRUE(u.ok());
    return u.ok() ? *u : store::User{};
  }
  // A web session of the user (to see which ones a lock or a password change ends).
  store::Id AddSession(store::Id user_id, const std::string& token) {
    store::WebSession ws;
    ws.token_hash = key_.Hash("session", token);
    ws.user_id = user_id;
    ws.csrf_token = "csrf-" + token;
    ws.created_at = ws.last_seen_at = now_;
    Result<std::unique_ptr<store::Transaction>> txn = s().Begin(true);
    EXPECT_TRUE(txn.ok());
    Result<store::Id> id = s().CreateWebSession(ws);
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    EXPECT_TRUE((*txn)->Commit().ok());
    return id.ok() ? *id : 0;
  }
  // The audit events of the user (or of everyone when 0), oldest first.
  std::vector<std::string> Events(store::Id user_id = 0) {
    store::AuditQuery q;
    q.user_id = user_id;
    Result<std::vector<store::AuditEntry>> entries = s().ListAudit(q);
    EXPECT_TRUE(entries.ok());
    std::vector<std::string> out;
    if (entries.ok()) {
      for (const store::AuditEntry& e : *entries) out.push_back(e.event);
    }
    return out;
  }
  int Count(const std::vector<std::string>& events, const std::string& event) {
    return static_cast<int>(std::count(events.begin(), events.end(), event));
  }

  SignInResult Web(const std::string& login, const std::string& password,
                   const std::optional<std::string>& otp = std::nullopt) {
    return service().SignIn(Channel::kWeb, login, password, otp, client_);
  }
  SignInResult Basic(const std::string& login, const std::string& password) {
    return service().SignIn(Channel::kBasic, login, password, std::nullopt, client_);
  }

  testlib::TempStore store_;
  SecretKey key_;
  AccountOptions options_;
  store::UnixTime now_ = kStart;
  ClientInfo client_{"192.0.2.10", "Thunderbird/128.0"};
  std::unique_ptr<AccountService> service_;
};

}  // namespace cartable::directory
