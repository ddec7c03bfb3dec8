// AccountService::SignIn while the database cannot be reached (issue 15: several nodes on one
// PostgreSQL, which restarts or fails over): the answer is kUnavailable ("retry later"; Basic
// gets 503 + Retry-After), never kRefused (401 makes CalDAV clients ask the person for a
// password that is right), and nothing is counted against the account; once the database is
// back, the same store signs in again by itself. Found by tests/multinode/multinode_test.py.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "directory/account_service.h"
#include "directory/password.h"
#include "tests/testlib/pg_server.h"

namespace cartable::directory {
namespace {

TEST(SignInUnavailableTest, DatabaseDownIsNotAWrongPassword) {
  Result<testlib::PgServer*> pg = testlib::PgServer::Get();
  ASSERT_TRUE(pg.ok()) << pg.status().ToString();
  Result<std::string> url = (*pg)->FreshDatabase();
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  store::StoreOptions store_options;
  Result<std::unique_ptr<store::Store>> opened = store::OpenPostgresStore(*url, store_options);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  store::Store& st = **opened;

  const store::UnixTime now = 1'800'000'000;
  store::User u;
  u.login = "jlabert";
  u.email = "jean.labert@ac-orleans-tours.fr";
  u.display_name = "Jean Labert";
  u.password_hash = HashPassword("pw-right-1", HashStrength::kStandard);
  u.created_at = now;
  store::Id id = 0;
  {
    Result<std::unique_ptr<store::Transaction>> txn = st.ThreadSession().Begin(true);
    ASSERT_TRUE(txn.ok());
    Result<store::Id> created = st.ThreadSession().CreateUser(u);
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    id = *created;
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  // AccountService keeps a reference to the key: it must outlive the service.
  const SecretKey key = SecretKey::FromBytes(std::string(32, '\x2a'));
  AccountService service(st, key, AccountOptions{}, [now] { return now; });
  const ClientInfo client{"192.0.2.10", "DAVx5/4.4"};
  ASSERT_EQ(service.SignIn(Channel::kBasic, "jlabert", "pw-right-1", std::nullopt, client).outcome,
            SignInOutcome::kOk);

  ASSERT_TRUE((*pg)->Stop().ok());
  for (const char* login : {"jlabert", "jean.labert@ac-orleans-tours.fr", "nobody"}) {
    SignInResult r = service.SignIn(Channel::kBasic, login, "pw-right-1", std::nullopt, client);
    EXPECT_EQ(r.outcome, SignInOutcome::kUnavailable) << login;
    EXPECT_FALSE(r.user) << login;
  }
  EXPECT_EQ(service.SignIn(Channel::kWeb, "jlabert", "pw-right-1", std::nullopt, client).outcome,
            SignInOutcome::kUnavailable);
  ASSERT_TRUE((*pg)->Start().ok());

  // Back by itself (the pool reconnects), and the outage counted no failure.
  EXPECT_EQ(service.SignIn(Channel::kBasic, "jlabert", "pw-right-1", std::nullopt, client).outcome,
            SignInOutcome::kOk);
  store::AuditQuery everyone;  // user_id 0: every account's events, unknown logins included
  Result<std::vector<store::AuditEntry>> audit = st.ThreadSession().ListAudit(everyone);
  ASSERT_TRUE(audit.ok()) << audit.status().ToString();
  for (const store::AuditEntry& e : *audit) EXPECT_NE(e.event, "sign-in-failed");
  Result<store::UserSecurity> sec = st.ThreadSession().GetUserSecurity(id);
  ASSERT_TRUE(sec.ok()) << sec.status().ToString();
  EXPECT_EQ(sec->locked_until, 0);
  EXPECT_EQ(service.SignIn(Channel::kBasic, "jlabert", "wrong", std::nullopt, client).outcome,
            SignInOutcome::kRefused)
      << "a wrong password is still refused";
}

}  // namespace
}  // namespace cartable::directory
