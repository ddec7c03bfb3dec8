// The Store contract for PurgeUser (issue 16, docs/data-protection.md): a person's account and
// everything that is theirs goes in one transaction; nobody else's data moves. Run against every
// implementation, and checked on the raw tables of each (no row anywhere still names the user).
#include <sqlite3.h>

#include <string>
#include <vector>

#include "dav/store/pg_util.h"
#include "tests/unit/store/store_test_fixture.h"

namespace cartable::store {
namespace {

using Code = Status::Code;

// COUNT(*) of `sql` run on the implementation's own tables (the same SQL works on both).
template <typename Impl>
int64_t RawCount(const std::string& dir, const std::string& sql);

template <>
int64_t RawCount<SqliteImpl>(const std::string& dir, const std::string& sql) {
  sqlite3* db = nullptr;
  int64_t n = -1;
  if (sqlite3_open_v2((dir + "/data/cartable.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr) ==
      SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      n = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close_v2(db);
  EXPECT_GE(n, 0) << sql;
  return n;
}

template <>
int64_t RawCount<PgImpl>(const std::string& dir, const std::string& sql) {
  Result<testlib::PgServer*> server = testlib::PgServer::Get();
  EXPECT_TRUE(server.ok());
  if (!server.ok()) return -1;
  Result<std::string> url = (*server)->DatabaseFor(dir + "/data");
  EXPECT_TRUE(url.ok());
  if (!url.ok()) return -1;
  Result<std::unique_ptr<pg::Conn>> conn = pg::Conn::Open(*url);
  EXPECT_TRUE(conn.ok()) << conn.status().ToString();
  if (!conn.ok()) return -1;
  Result<pg::Rows> rows = (*conn)->Exec(sql, "test count");
  EXPECT_TRUE(rows.ok()) << sql << ": " << rows.status().ToString();
  return rows.ok() && rows->size() == 1 ? rows->Int(0, 0) : -1;
}

template <typename Impl>
class StorePurgeTest : public StoreTest<Impl> {
 protected:
  int64_t Raw(const std::string& sql) { return RawCount<Impl>(this->dir_.path(), sql); }

  // alice (to be purged) and bob, with everything a person can have, in both directions.
  void Fill() {
    Session& s = this->session();
    alice_ = this->MakeUser("alice", "alice@example.org");
    bob_ = this->MakeUser("bob", "bob@example.org");
    carol_ = this->MakeUser("carol", "carol@example.org");
    UserSecurity sec;
    sec.otp_secret = "sealed-otp";
    sec.backup_email = "Alice.Perso@Example.NET";
    ASSERT_TRUE(s.SetUserSecurity(alice_, sec, false).ok());

    Collection ahome = this->MakeCollection("/dav/calendars/alice/", 0, alice_, kKindCalendarHome);
    acal_ = this->MakeCollection("/dav/calendars/alice/perso/", ahome.id, alice_, kKindCalendar);
    this->MakeCollection("/dav/calendars/alice/inbox/", ahome.id, alice_, kKindScheduleInbox);
    Collection afiles = this->MakeCollection("/dav/files/alice/", 0, alice_, kKindFilesHome);
    aobj_ = this->Put(acal_.id, "a.ics", "BEGIN:VCALENDAR alice END:VCALENDAR");
    this->Put(afiles.id, "notes.txt", "mes notes");

    Collection bhome = this->MakeCollection("/dav/calendars/bob/", 0, bob_, kKindCalendarHome);
    bcal_ = this->MakeCollection("/dav/calendars/bob/travail/", bhome.id, bob_, kKindCalendar);
    bobj_ = this->Put(bcal_.id, "b.ics", "BEGIN:VCALENDAR bob END:VCALENDAR");
    bfiles_ = this->MakeCollection("/dav/files/bob/", 0, bob_, kKindFilesHome);
    this->Put(bfiles_.id, "b.txt", "bob's file");
    // A collection of alice's inside bob's files home (e.g. made by a delegate).
    Collection inside =
        this->MakeCollection("/dav/files/bob/de-alice/", bfiles_.id, alice_, kKindCollection);
    this->Put(inside.id, "x.txt", "from alice");

    // Shares both ways, with the sharees' own rows.
    Share granted;
    granted.collection_id = acal_.id;
    granted.sharee_user_id = bob_;
    granted.status = ShareStatus::kAccepted;
    granted.invite_uid = "inv-granted";
    Result<Id> g = s.CreateShare(granted);
    ASSERT_TRUE(g.ok()) << g.status().ToString();
    granted_ = *g;
    ASSERT_TRUE(
        s.PutShareMember({*g, bob_, false, "Alice's", std::nullopt, std::nullopt, std::nullopt, 0})
            .ok());
    ASSERT_TRUE(s.PutPerUserData(aobj_.id, bob_, "BEGIN:VALARM bob END:VALARM").ok());
    Share received = granted;
    received.collection_id = bcal_.id;
    received.sharee_user_id = alice_;
    received.invite_uid = "inv-received";
    Result<Id> r = s.CreateShare(received);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    received_ = *r;
    ASSERT_TRUE(
        s.PutShareMember({*r, alice_, false, "Bob's", std::nullopt, std::nullopt, std::nullopt, 0})
            .ok());
    ASSERT_TRUE(s.PutPerUserData(bobj_.id, alice_, "BEGIN:VALARM alice END:VALARM").ok());
    ASSERT_TRUE(s.PutPerUserData(bobj_.id, carol_, "BEGIN:VALARM carol END:VALARM").ok());
    ASSERT_TRUE(s.PutDelegate({alice_, bob_, DelegateAccess::kRead, 0}).ok());
    ASSERT_TRUE(s.PutDelegate({carol_, alice_, DelegateAccess::kReadWrite, 0}).ok());
    ASSERT_TRUE(s.PutDelegate({carol_, bob_, DelegateAccess::kRead, 0}).ok());

    // Account records.
    ASSERT_TRUE(s.CreateAppPassword({0, alice_, "phone", "hash-alice", 1, 0, ""}).ok());
    ASSERT_TRUE(s.CreateAppPassword({0, bob_, "phone", "hash-bob", 1, 0, ""}).ok());
    WebSession web;
    web.token_hash = "session-alice";
    web.user_id = alice_;
    web.csrf_token = "csrf";
    ASSERT_TRUE(s.CreateWebSession(web).ok());
    ASSERT_TRUE(s.CreateAccountToken({"token-alice", alice_, "reset", "", 1, 1LL << 40}).ok());
    ASSERT_TRUE(s.SetRecoveryCodes(alice_, {"r1", "r2"}).ok());
    ASSERT_TRUE(s.AddPasswordHistory(alice_, "old-hash", 5, 5).ok());
    ASSERT_TRUE(s.AddAuthFailure(alice_, {10, "fp", "192.0.2.1"}).ok());
    ASSERT_TRUE(s.AppendAudit({0, 20, alice_, "alice", "sign-in", "192.0.2.1", ""}).ok());
    ASSERT_TRUE(s.AppendAudit({0, 21, 0, "alice", "sign-in-failed", "192.0.2.2", ""}).ok());
    ASSERT_TRUE(s.AppendAudit({0, 22, bob_, "bob", "sign-in", "192.0.2.3", ""}).ok());

    DirectoryEntry e;
    e.source_key = "numen-alice";
    e.card_uid = "urn:uuid:alice";
    e.user_id = alice_;
    e.nom = "Martin";
    ASSERT_TRUE(s.PutDirectoryEntry(e).ok());

    // Mail: from her calendar, to her address (any case), to her backup address, from her
    // address; bob's stays.
    QueuedMail m;
    m.envelope_from = "cartable@example.org";
    m.recipient = "ext@example.com";
    m.message = "invitation";
    m.origin_collection = acal_.id;
    m.origin_name = "a.ics";
    ASSERT_TRUE(s.EnqueueMail(m).ok());
    m.origin_collection = 0;
    m.recipient = "ALICE@example.org";
    ASSERT_TRUE(s.EnqueueMail(m).ok());
    m.recipient = "alice.perso@example.net";
    ASSERT_TRUE(s.EnqueueMail(m).ok());
    m.envelope_from = "alice@example.org";
    m.recipient = "ext@example.com";
    ASSERT_TRUE(s.EnqueueMail(m).ok());
    m.envelope_from = "cartable@example.org";
    m.recipient = "bob@example.org";
    m.origin_collection = bcal_.id;
    ASSERT_TRUE(s.EnqueueMail(m).ok());
  }

  Id alice_ = 0, bob_ = 0, carol_ = 0;
  Id granted_ = 0, received_ = 0;
  Collection acal_, bcal_, bfiles_;
  Object aobj_, bobj_;
};
TYPED_TEST_SUITE(StorePurgeTest, StoreImplementations);

TYPED_TEST(StorePurgeTest, RemovesEverythingOfTheUserAndNothingElse) {
  this->Fill();
  if (this->HasFatalFailure()) return;
  Session& s = this->session();
  const int64_t bob_bytes = this->UsedBytes(this->bob_);
  const int64_t bfiles_seq = s.GetCollectionById(this->bfiles_.id)->sync_seq;
  const std::string alice = std::to_string(this->alice_);

  Result<Session::PurgeCounts> counts = s.PurgeUser(this->alice_);
  ASSERT_TRUE(counts.ok()) << counts.status().ToString();
  EXPECT_EQ(counts->collections, 5);  // 2 homes, calendar, inbox, the one in bob's home
  EXPECT_EQ(counts->objects, 3);
  EXPECT_EQ(counts->bytes, 35 + 9 + 10);
  EXPECT_EQ(counts->mail, 4);

  // Through the interface.
  EXPECT_EQ(s.GetUserById(this->alice_).status().code(), Code::kNotFound);
  EXPECT_EQ(s.GetUserByLogin("alice").status().code(), Code::kNotFound);
  EXPECT_EQ(s.GetCollection("/dav/calendars/alice/").status().code(), Code::kNotFound);
  EXPECT_EQ(s.GetCollection("/dav/files/alice/").status().code(), Code::kNotFound);
  EXPECT_EQ(s.GetCollection("/dav/files/bob/de-alice/").status().code(), Code::kNotFound);
  EXPECT_EQ(s.GetShare(this->granted_).status().code(), Code::kNotFound);
  EXPECT_EQ(s.GetShare(this->received_).status().code(), Code::kNotFound);
  EXPECT_EQ(s.FindAppPasswordByHash("hash-alice").status().code(), Code::kNotFound);
  EXPECT_EQ(s.FindWebSession("session-alice").status().code(), Code::kNotFound);
  EXPECT_EQ(s.TakeAccountToken("token-alice", "reset", 2).status().code(), Code::kNotFound);
  EXPECT_EQ(s.GetPerUserData(this->bobj_.id, this->alice_).status().code(), Code::kNotFound);
  EXPECT_EQ(s.GetDelegate(this->carol_, this->alice_).status().code(), Code::kNotFound);
  Result<std::vector<DirectoryEntry>> entries = s.ListDirectoryEntries();
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 1u);  // the academy's directory keeps the person, unlinked
  EXPECT_EQ((*entries)[0].user_id, 0);
  Result<std::vector<AuditEntry>> audit = s.ListAudit({});
  ASSERT_TRUE(audit.ok());
  ASSERT_EQ(audit->size(), 1u);
  EXPECT_EQ((*audit)[0].login, "bob");
  Result<std::vector<QueuedMail>> mail = s.DueMail(INT64_MAX, 100);
  ASSERT_TRUE(mail.ok());
  ASSERT_EQ(mail->size(), 1u);
  EXPECT_EQ((*mail)[0].recipient, "bob@example.org");

  // Others' data intact: bob's objects, bytes, shares' absence only; carol's rows.
  Result<Object> b = s.GetObject(this->bcal_.id, "b.ics", true);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->etag, this->bobj_.etag);
  EXPECT_EQ(*b->data, "BEGIN:VCALENDAR bob END:VCALENDAR");
  EXPECT_TRUE(s.GetObject(this->bfiles_.id, "b.txt", false).ok());
  EXPECT_EQ(this->UsedBytes(this->bob_), bob_bytes);
  EXPECT_TRUE(s.GetPerUserData(this->bobj_.id, this->carol_).ok());
  EXPECT_TRUE(s.GetDelegate(this->carol_, this->bob_).ok());
  EXPECT_TRUE(s.FindAppPasswordByHash("hash-bob").ok());
  // The collection of hers that was in bob's home is recorded deleted there.
  Result<std::vector<Change>> changes = s.ChangesSince(this->bfiles_.id, bfiles_seq);
  ASSERT_TRUE(changes.ok()) << changes.status().ToString();
  ASSERT_EQ(changes->size(), 1u);
  EXPECT_EQ((*changes)[0].name, "de-alice/");
  EXPECT_TRUE((*changes)[0].deleted);

  // On the raw tables: no row anywhere still names her.
  const std::vector<std::string> by_user = {
      "SELECT COUNT(*) FROM users WHERE id = " + alice,
      "SELECT COUNT(*) FROM collections WHERE owner_id = " + alice,
      "SELECT COUNT(*) FROM shares WHERE sharee_user_id = " + alice,
      "SELECT COUNT(*) FROM share_members WHERE user_id = " + alice,
      "SELECT COUNT(*) FROM per_user_data WHERE user_id = " + alice,
      "SELECT COUNT(*) FROM delegates WHERE owner_id = " + alice + " OR delegate_id = " + alice,
      "SELECT COUNT(*) FROM password_history WHERE user_id = " + alice,
      "SELECT COUNT(*) FROM auth_failures WHERE user_id = " + alice,
      "SELECT COUNT(*) FROM app_passwords WHERE user_id = " + alice,
      "SELECT COUNT(*) FROM web_sessions WHERE user_id = " + alice,
      "SELECT COUNT(*) FROM account_tokens WHERE user_id = " + alice,
      "SELECT COUNT(*) FROM recovery_codes WHERE user_id = " + alice,
      "SELECT COUNT(*) FROM audit_log WHERE user_id = " + alice + " OR login = 'alice'",
      "SELECT COUNT(*) FROM directory_entries WHERE user_id = " + alice,
      "SELECT COUNT(*) FROM collections WHERE path LIKE '%/alice/%' OR path LIKE '%de-alice%'",
      "SELECT COUNT(*) FROM objects WHERE collection_id = " + std::to_string(this->acal_.id),
      "SELECT COUNT(*) FROM objects WHERE id = " + std::to_string(this->aobj_.id),
      "SELECT COUNT(*) FROM per_user_data WHERE object_id = " + std::to_string(this->aobj_.id),
      "SELECT COUNT(*) FROM changes WHERE collection_id = " + std::to_string(this->acal_.id),
      "SELECT COUNT(*) FROM mail_queue WHERE lower(recipient) LIKE '%alice%' "
      "OR lower(envelope_from) LIKE '%alice%' OR origin_collection = " +
          std::to_string(this->acal_.id),
  };
  for (const std::string& sql : by_user) EXPECT_EQ(this->Raw(sql), 0) << sql;
  EXPECT_EQ(this->Raw("SELECT COUNT(*) FROM users"), 2);
  EXPECT_EQ(this->Raw("SELECT COUNT(*) FROM per_user_data"), 1);  // carol's on bob's object

  EXPECT_EQ(s.PurgeUser(this->alice_).status().code(), Code::kNotFound);
}

// One transaction: rolled back, nothing of hers is gone.
TYPED_TEST(StorePurgeTest, RollsBackWhole) {
  this->Fill();
  if (this->HasFatalFailure()) return;
  Session& s = this->session();
  {
    Result<std::unique_ptr<Transaction>> txn = s.Begin(true);
    ASSERT_TRUE(txn.ok()) << txn.status().ToString();
    ASSERT_TRUE(s.PurgeUser(this->alice_).ok());
    EXPECT_EQ(s.GetUserById(this->alice_).status().code(), Code::kNotFound);
  }  // not committed
  EXPECT_TRUE(s.GetUserById(this->alice_).ok());
  Result<Object> a = s.GetObject(this->acal_.id, "a.ics", false);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->etag, this->aobj_.etag);
  EXPECT_TRUE(s.GetShare(this->granted_).ok());
  EXPECT_TRUE(s.FindWebSession("session-alice").ok());
  EXPECT_EQ(s.DueMail(INT64_MAX, 100)->size(), 5u);
  EXPECT_EQ(s.ListAudit({})->size(), 3u);
}

}  // namespace
}  // namespace cartable::store
