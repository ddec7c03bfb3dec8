// `cartable migrate-store` (dav/store/pg_migrate_store.h, issue 15): a SQLite store filled
// through the Store API is moved into a fresh PostgreSQL database, then both stores are read
// through the Store API and must answer alike: objects and bodies, sync tokens below and above a
// pruned change log's floor, directory searches (rebuilt search tables, accents), occurrence
// queries, and the next ids and sync_seq of writes made afterwards. Refusals: a non-empty
// target, a source locked by a writer, a missing source. The check itself must catch a changed
// body.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "dav/store/pg_migrate_store.h"
#include "dav/store/pg_util.h"
#include "dav/store/store.h"
#include "tests/testlib/pg_database_test.h"
#include "tests/testlib/pg_server.h"
#include "tests/testlib/temp_store.h"

namespace cartable::store {
namespace {

using testlib::PgServer;
constexpr UnixTime kT0 = 1'725'235'200;  // 2024-09-02T00:00:00Z
constexpr int64_t kHour = 3600;

// Bytes no text column could hold: NUL, COPY's escapes (backslash, tab, newline, CR), 0xff.
std::string BinaryBytes() {
  std::string b;
  for (int i = 0; i < 256; ++i) b.push_back(static_cast<char>(i));
  b += std::string("\\N\t\n\r\\\\x00", 11);
  return b;
}

const char kEvent[] =
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//FR\r\nBEGIN:VEVENT\r\nUID:weekly\r\n"
    "DTSTART:20240902T080000Z\r\nDTEND:20240902T090000Z\r\nRRULE:FREQ=WEEKLY;COUNT=4\r\n"
    "SUMMARY:R\xc3\xa9union d'\xc3\xa9quipe\\, salle\t2\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

class MigrateStoreTest : public testlib::PgDatabaseTest {
 protected:
  std::string SqliteDir() const { return dir_.path() + "/data"; }

  std::unique_ptr<Store> OpenSqlite() {
    StoreOptions options;
    options.retention.max_entries = 3;  // prunes the change log as the calendar is written
    options.clock = [this] { return now_; };
    Result<std::unique_ptr<Store>> s = OpenSqliteStore(SqliteDir(), options);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }
  std::unique_ptr<Store> OpenPg() {
    StoreOptions options;
    options.retention.max_entries = 3;
    options.clock = [this] { return now_; };
    Result<std::unique_ptr<Store>> s = OpenPostgresStore(url_, options);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }

  // Fills the SQLite store with one of everything the server stores.
  void Fill() {
    std::unique_ptr<Store> store = OpenSqlite();
    ASSERT_TRUE(store);
    Session& s = store->ThreadSession();
    User alice;
    alice.login = "alice";
    alice.email = "alice@ac-paris.fr";
    alice.display_name = "Alice Lefèvre";
    alice.password_hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA";
    alice.created_at = kT0;
    Result<Id> a = s.CreateUser(alice);
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    alice_ = *a;
    User bob;
    bob.login = "bob";
    bob.display_name = "Bob Ørsted";
    bob.created_at = kT0;
    bob.scheduling = false;
    Result<Id> b = s.CreateUser(bob);
    ASSERT_TRUE(b.ok());
    bob_ = *b;
    User group;
    group.login = "dep-75";
    group.kind = UserKind::kGroup;
    group.group_key = "departement:75";
    group.created_at = kT0;
    ASSERT_TRUE(s.CreateUser(group).ok());

    // Account security rows.
    UserSecurity sec;
    sec.role = Role::kAdmin;
    sec.otp_required = true;
    sec.otp_secret = "sealed-secret";
    sec.locked_until = kT0 + 600;
    sec.backup_email = "alice@example.org";
    ASSERT_TRUE(s.SetUserSecurity(alice_, sec, true).ok());
    ASSERT_TRUE(s.AddPasswordHistory(alice_, "old-hash", kT0, 5).ok());
    ASSERT_TRUE(s.AddAuthFailure(alice_, AuthFailure{kT0, "fp", "192.0.2.1"}).ok());
    AppPassword app;
    app.user_id = alice_;
    app.name = "Téléphone";
    app.hash = "app-hash";
    app.created_at = kT0;
    ASSERT_TRUE(s.CreateAppPassword(app).ok());
    WebSession web;
    web.token_hash = "tok";
    web.user_id = alice_;
    web.csrf_token = "csrf";
    web.created_at = web.last_seen_at = kT0;
    ASSERT_TRUE(s.CreateWebSession(web).ok());
    ASSERT_TRUE(
        s.CreateAccountToken(AccountToken{"reset-hash", alice_, "reset", "", kT0, kT0 + 3600})
            .ok());
    ASSERT_TRUE(s.SetRecoveryCodes(alice_, {"r1", "r2"}).ok());
    AuditEntry audit;
    audit.at = kT0;
    audit.user_id = alice_;
    audit.login = "alice";
    audit.event = "sign-in";
    audit.detail = "via « web »";
    ASSERT_TRUE(s.AppendAudit(audit).ok());

    // Calendars. The inbox is made before the calendar it names as default (a forward link).
    Result<Collection> home =
        s.CreateCollection("/dav/calendars/alice/", 0, alice_, kKindCalendarHome);
    ASSERT_TRUE(home.ok()) << home.status().ToString();
    Result<Collection> inbox =
        s.CreateCollection("/dav/calendars/alice/inbox/", home->id, alice_, kKindScheduleInbox);
    ASSERT_TRUE(inbox.ok());
    Result<Collection> cal =
        s.CreateCollection("/dav/calendars/alice/perso/", home->id, alice_, kKindCalendar);
    ASSERT_TRUE(cal.ok());
    cal_ = cal->id;
    CollectionSettings inbox_settings;
    inbox_settings.default_calendar_id = cal_;
    ASSERT_TRUE(s.SetCollectionSettings(inbox->id, inbox_settings).ok());
    CollectionSettings settings;
    settings.display_name = "Agenda perso « été »";
    settings.color = "#FF0000FF";
    settings.order = 3;
    settings.transparent = true;
    settings.components = {"VEVENT", "VTODO"};
    ASSERT_TRUE(s.SetCollectionSettings(cal_, settings).ok());
    ASSERT_TRUE(s.SetProperty(
                     Owner::kCollection, cal_,
                     DeadProperty{"urn:x", "note", "<x:note xmlns:x=\"urn:x\">a\tb\nc\\d</x:note>"})
                    .ok());

    ObjectIndex weekly;
    weekly.uid = "weekly";
    weekly.component = "VEVENT";
    weekly.first_start = kT0 + 8 * kHour;
    weekly.last_end = kT0 + 21 * 24 * kHour + 9 * kHour;
    weekly.needs_expansion = true;
    OccurrenceSet occ;
    for (int w = 0; w < 4; ++w) {
      occ.spans.push_back(
          {kT0 + w * 7 * 24 * kHour + 8 * kHour, kT0 + w * 7 * 24 * kHour + 9 * kHour});
    }
    occ.complete_until = kNoUpperBound;
    weekly.occurrences = occ;
    for (int i = 0; i < 6; ++i) {  // 6 writes with max_entries 3: the log is pruned
      now_ += 10;
      Result<Object> o = s.PutObject(cal_, "weekly.ics", "text/calendar; charset=utf-8",
                                     kEvent + std::string(i, ' '), weekly);
      ASSERT_TRUE(o.ok()) << o.status().ToString();
      event_ = o->id;
    }
    for (int i = 0; i < 3; ++i) {
      ObjectIndex one;
      one.uid = "one-" + std::to_string(i);
      one.component = "VEVENT";
      one.first_start = kT0 + i * kHour;
      one.last_end = one.first_start + kHour;
      one.occurrences = OccurrenceSet{{{one.first_start, one.last_end}}, kNoUpperBound, ""};
      ASSERT_TRUE(s.PutObject(cal_, "one-" + std::to_string(i) + ".ics", "text/calendar",
                              "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", one)
                      .ok());
    }
    ASSERT_TRUE(s.DeleteObject(cal_, "one-1.ics").ok());
    ASSERT_TRUE(
        s.SetProperty(Owner::kObject, event_, DeadProperty{"DAV:", "x", "<D:x xmlns:D=\"DAV:\"/>"})
            .ok());
    ASSERT_TRUE(s.SetScheduleTag(event_, "\"st-1\"").ok());

    // A calendar moved under another parent (its parent_id is no longer the smaller id).
    Result<Collection> other =
        s.CreateCollection("/dav/calendars/alice/other/", home->id, alice_, kKindCalendar);
    ASSERT_TRUE(other.ok());
    Result<Collection> bob_home =
        s.CreateCollection("/dav/calendars/bob/", 0, bob_, kKindCalendarHome);
    ASSERT_TRUE(bob_home.ok());
    ASSERT_TRUE(s.MoveCollection(other->id, "/dav/calendars/bob/other/", bob_home->id).ok());

    // Address book.
    Result<Collection> abh =
        s.CreateCollection("/dav/addressbooks/alice/", 0, alice_, kKindAddressbookHome);
    ASSERT_TRUE(abh.ok());
    Result<Collection> ab =
        s.CreateCollection("/dav/addressbooks/alice/contacts/", abh->id, alice_, kKindAddressbook);
    ASSERT_TRUE(ab.ok());
    ObjectIndex card;
    card.uid = "card-1";
    card.component = "VCARD";
    ASSERT_TRUE(s.PutObject(ab->id, "card-1.vcf", "text/vcard",
                            "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Zoé Ñúñez\r\nEND:VCARD\r\n", card)
                    .ok());

    // Files with binary bytes.
    Result<Collection> files = s.CreateCollection("/dav/files/alice/", 0, alice_, kKindFilesHome);
    ASSERT_TRUE(files.ok());
    files_ = files->id;
    ASSERT_TRUE(s.PutObject(files_, "blob.bin", "application/octet-stream", BinaryBytes()).ok());
    ASSERT_TRUE(s.PutObject(files_, "été à noël.txt", "text/plain", "bonjour\n").ok());

    // Sharing.
    Share share;
    share.collection_id = cal_;
    share.sharee_user_id = bob_;
    share.access = ShareAccess::kReadWrite;
    share.status = ShareStatus::kAccepted;
    share.summary = "Mon agenda";
    share.invite_uid = "invite-1";
    share.created_at = share.updated_at = kT0;
    Result<Id> share_id = s.CreateShare(share);
    ASSERT_TRUE(share_id.ok()) << share_id.status().ToString();
    ShareMember member;
    member.share_id = *share_id;
    member.user_id = bob_;
    member.display_name = "Agenda d'Alice";
    member.order = 7;
    member.updated_at = kT0;
    ASSERT_TRUE(s.PutShareMember(member).ok());
    ASSERT_TRUE(s.PutPerUserData(event_, bob_, "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n").ok());
    ASSERT_TRUE(s.PutDelegate(Delegate{alice_, bob_, DelegateAccess::kReadWrite, kT0}).ok());

    // Directory entries with accents, one linked to alice, one inactive.
    const char* people[][3] = {{"Lefèvre", "Alice", "75"},
                               {"Hélène", "Dupré", "75"},
                               {"Œuvray", "Ærwan", "92"},
                               {"Müller", "Jean-Noël", "92"}};
    int n = 0;
    for (const auto& p : people) {
      DirectoryEntry e;
      e.source_key = "numen-" + std::to_string(n);
      e.card_uid = "urn:uuid:dir-" + std::to_string(n);
      e.nom = p[0];
      e.prenom = p[1];
      e.departement = p[2];
      e.email = "p" + std::to_string(n) + "@ac-paris.fr";
      e.fonction = "Professeur d'éducation physique";
      e.etablissement = "Lycée Émile-Zola";
      e.uai = "0750001A";
      e.user_id = n == 0 ? alice_ : 0;
      e.active = n != 3;
      e.updated_at = kT0;
      e.numen_hash = "nh" + std::to_string(n);
      ASSERT_TRUE(s.PutDirectoryEntry(e).ok());
      ++n;
    }

    // A queued invitation mail (binary-safe message).
    QueuedMail mail;
    mail.envelope_from = "alice@ac-paris.fr";
    mail.recipient = "ext@example.org";
    mail.message = "Subject: =?UTF-8?Q?R=C3=A9union?=\r\n\r\n\xc3\xa9t\xc3\xa9\r\n";
    mail.origin_collection = cal_;
    mail.origin_name = "weekly.ics";
    mail.next_attempt = kT0 + 60;
    mail.created_at = kT0;
    ASSERT_TRUE(s.EnqueueMail(mail).ok());
  }

  int64_t Copied(const MigrateStoreReport& r, const std::string& table) {
    for (const auto& [t, n] : r.copied) {
      if (t == table) return n;
    }
    ADD_FAILURE() << "no count for " << table;
    return -1;
  }

  int64_t PgCount(const std::string& table) {
    Result<std::unique_ptr<pg::Conn>> conn = pg::Conn::Open(url_);
    EXPECT_TRUE(conn.ok());
    if (!conn.ok()) return -1;
    Result<pg::Rows> r = (*conn)->Exec("SELECT count(*) FROM " + table, "count");
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->Int(0, 0) : -1;
  }

  testlib::TempDir dir_;
  UnixTime now_ = kT0;
  Id alice_ = 0, bob_ = 0, cal_ = 0, files_ = 0, event_ = 0;
};

std::vector<Id> IdsOf(const std::vector<DirectoryEntry>& entries) {
  std::vector<Id> out;
  for (const DirectoryEntry& e : entries) out.push_back(e.id);
  return out;
}

TEST_F(MigrateStoreTest, CopiesEverythingAndBothStoresAnswerAlike) {
  ASSERT_NO_FATAL_FAILURE(Fill());
  Result<MigrateStoreReport> report = MigrateSqliteToPostgres(SqliteDir(), url_);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  for (const std::string& m : report->mismatches) ADD_FAILURE() << m;
  EXPECT_TRUE(report->check_ok());
  EXPECT_EQ(Copied(*report, "users"), 3);
  EXPECT_EQ(Copied(*report, "directory_entries"), 4);
  EXPECT_EQ(Copied(*report, "mail_queue"), 1);
  EXPECT_EQ(Copied(*report, "shares"), 1);
  EXPECT_EQ(Copied(*report, "delegates"), 1);
  EXPECT_EQ(Copied(*report, "occurrences"), 6);  // 4 weekly + 2 single events left
  EXPECT_EQ(report->directory_reindexed, 4);
  EXPECT_GE(report->objects_checked, 6);
  EXPECT_EQ(PgCount("directory_search"), 4);
  EXPECT_EQ(PgCount("directory_trigram"), 4);

  std::unique_ptr<Store> lite = OpenSqlite();
  std::unique_ptr<Store> pg = OpenPg();
  ASSERT_TRUE(lite && pg);
  Session& a = lite->ThreadSession();
  Session& b = pg->ThreadSession();

  // Bodies, byte for byte.
  Result<Object> blob = b.GetObject(files_, "blob.bin", true);
  ASSERT_TRUE(blob.ok()) << blob.status().ToString();
  EXPECT_EQ(*blob->data, BinaryBytes());
  Result<Object> ev_a = a.GetObject(cal_, "weekly.ics", true);
  Result<Object> ev_b = b.GetObject(cal_, "weekly.ics", true);
  ASSERT_TRUE(ev_a.ok() && ev_b.ok());
  EXPECT_EQ(*ev_a->data, *ev_b->data);
  EXPECT_EQ(ev_a->etag, ev_b->etag);
  EXPECT_EQ(ev_a->change_seq, ev_b->change_seq);
  Result<std::string> tag = b.GetScheduleTag(event_);
  ASSERT_TRUE(tag.ok());
  EXPECT_EQ(*tag, "\"st-1\"");

  // Sync tokens: the pruned ones still refused (valid-sync-token), the others the same answer.
  Result<Collection> cal_a = a.GetCollectionById(cal_);
  Result<Collection> cal_b = b.GetCollectionById(cal_);
  ASSERT_TRUE(cal_a.ok() && cal_b.ok());
  EXPECT_EQ(cal_a->sync_seq, cal_b->sync_seq);
  EXPECT_EQ(cal_a->settings, cal_b->settings);
  bool some_refused = false;
  for (int64_t since = 0; since <= cal_a->sync_seq; ++since) {
    Result<std::vector<Change>> ca = a.ChangesSince(cal_, since);
    Result<std::vector<Change>> cb = b.ChangesSince(cal_, since);
    ASSERT_EQ(ca.ok(), cb.ok()) << "since " << since;
    if (!ca.ok()) {
      some_refused = true;
      EXPECT_EQ(cb.status().code(), Status::Code::kNotFound);
      continue;
    }
    ASSERT_EQ(ca->size(), cb->size()) << "since " << since;
    for (size_t i = 0; i < ca->size(); ++i) {
      EXPECT_EQ((*ca)[i].seq, (*cb)[i].seq);
      EXPECT_EQ((*ca)[i].name, (*cb)[i].name);
      EXPECT_EQ((*ca)[i].deleted, (*cb)[i].deleted);
    }
  }
  EXPECT_TRUE(some_refused) << "the change log was meant to be pruned";

  // The inbox's default calendar (a link to a later id) and the moved calendar's parent.
  Result<Collection> inbox = b.GetCollection("/dav/calendars/alice/inbox/");
  ASSERT_TRUE(inbox.ok());
  EXPECT_EQ(inbox->settings.default_calendar_id, cal_);
  Result<Collection> moved = b.GetCollection("/dav/calendars/bob/other/");
  Result<Collection> bob_home = b.GetCollection("/dav/calendars/bob/");
  ASSERT_TRUE(moved.ok() && bob_home.ok());
  EXPECT_EQ(moved->parent_id, bob_home->id);

  // Directory search on the rebuilt tables: the same answers, accents folded.
  for (const char* text : {"helene", "HÉLÈNE dup", "oeuvray", "aerwan", "jean-no", "lycee emile",
                           "p1@ac", "muller", "zzz"}) {
    DirectoryQuery q;
    q.text = text;
    q.active_only = false;
    Result<std::vector<DirectoryEntry>> ra = a.SearchDirectory(q);
    Result<std::vector<DirectoryEntry>> rb = b.SearchDirectory(q);
    ASSERT_TRUE(ra.ok() && rb.ok()) << text;
    EXPECT_EQ(IdsOf(*ra), IdsOf(*rb)) << text;
  }
  DirectoryQuery helene;
  helene.text = "helene";
  Result<std::vector<DirectoryEntry>> found = b.SearchDirectory(helene);
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ(found->front().nom, "Hélène");
  DirectoryQuery muller;  // inactive: only found when asked for every entry
  muller.text = "muller";
  Result<std::vector<DirectoryEntry>> none = b.SearchDirectory(muller);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  for (const char* needle : {"lene", "mile-zo", "ae"}) {
    Result<std::vector<Id>> xa = a.DirectoryEntriesContaining(needle, 10);
    Result<std::vector<Id>> xb = b.DirectoryEntriesContaining(needle, 10);
    ASSERT_TRUE(xa.ok() && xb.ok()) << needle;
    std::sort(xa->begin(), xa->end());
    std::sort(xb->begin(), xb->end());
    EXPECT_EQ(*xa, *xb) << needle;
  }

  // The occurrence index answers alike.
  for (int64_t start : {kT0, kT0 + 7 * 24 * kHour + 8 * kHour, kT0 + 40 * 24 * kHour}) {
    Result<Session::OccurrenceMatches> oa =
        a.QueryOccurrences(cal_, "VEVENT", start, start + 2 * kHour, "");
    Result<Session::OccurrenceMatches> ob =
        b.QueryOccurrences(cal_, "VEVENT", start, start + 2 * kHour, "");
    ASSERT_TRUE(oa.ok() && ob.ok());
    EXPECT_EQ(oa->indexed, ob->indexed);
    std::sort(oa->matched.begin(), oa->matched.end());
    std::sort(ob->matched.begin(), ob->matched.end());
    EXPECT_EQ(oa->matched, ob->matched);
  }

  // Sharing, delegation and the mail queue.
  Result<std::vector<Share>> shares = b.ListShares(cal_);
  ASSERT_TRUE(shares.ok());
  ASSERT_EQ(shares->size(), 1u);
  EXPECT_EQ(shares->front().access, ShareAccess::kReadWrite);
  Result<ShareMember> member = b.GetShareMember(shares->front().id, bob_);
  ASSERT_TRUE(member.ok());
  EXPECT_EQ(member->display_name, "Agenda d'Alice");
  EXPECT_TRUE(b.GetDelegate(alice_, bob_).ok());
  Result<std::vector<QueuedMail>> mail = b.DueMail(kT0 + 3600, 10);
  ASSERT_TRUE(mail.ok());
  ASSERT_EQ(mail->size(), 1u);
  EXPECT_EQ(mail->front().message,
            "Subject: =?UTF-8?Q?R=C3=A9union?=\r\n\r\n\xc3\xa9t\xc3\xa9\r\n");
  Result<UserSecurity> sec = b.GetUserSecurity(alice_);
  ASSERT_TRUE(sec.ok());
  EXPECT_EQ(sec->role, Role::kAdmin);
  EXPECT_EQ(sec->otp_secret, "sealed-secret");

  // Writes afterwards: the same next ids and sync_seq as the SQLite store would give.
  now_ += 100;
  Result<Object> put_a = a.PutObject(cal_, "new.ics", "text/calendar", "BEGIN:VCALENDAR\r\n");
  Result<Object> put_b = b.PutObject(cal_, "new.ics", "text/calendar", "BEGIN:VCALENDAR\r\n");
  ASSERT_TRUE(put_a.ok() && put_b.ok()) << put_b.status().ToString();
  EXPECT_EQ(put_a->id, put_b->id);
  EXPECT_EQ(put_b->change_seq, cal_a->sync_seq + 1);
  EXPECT_EQ(put_a->change_seq, put_b->change_seq);
  User carol;
  carol.login = "carol";
  carol.created_at = kT0;
  Result<Id> ca = a.CreateUser(carol);
  Result<Id> cb = b.CreateUser(carol);
  ASSERT_TRUE(ca.ok() && cb.ok()) << cb.status().ToString();
  EXPECT_EQ(*ca, *cb);
  Result<Collection> ka = a.CreateCollection("/dav/files/carol/", 0, *ca, kKindFilesHome);
  Result<Collection> kb = b.CreateCollection("/dav/files/carol/", 0, *cb, kKindFilesHome);
  ASSERT_TRUE(ka.ok() && kb.ok()) << kb.status().ToString();
  EXPECT_EQ(ka->id, kb->id);
}

TEST_F(MigrateStoreTest, TheCheckFindsAChangedBodyAndSyncState) {
  ASSERT_NO_FATAL_FAILURE(Fill());
  Result<MigrateStoreReport> report = MigrateSqliteToPostgres(SqliteDir(), url_);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_TRUE(report->check_ok());
  const std::string db = PgServer::DatabaseOf(url_);
  ASSERT_TRUE(server_
                  ->Execute(db,
                            "UPDATE objects SET data = 'x'::bytea WHERE name = 'blob.bin'; "
                            "UPDATE collections SET sync_seq = sync_seq + 1 WHERE id = " +
                                std::to_string(cal_))
                  .ok());
  MigrateStoreReport again;
  ASSERT_TRUE(CheckMigratedStore(SqliteDir(), url_, &again).ok());
  EXPECT_FALSE(again.check_ok());
  bool body = false, seq = false;
  for (const std::string& m : again.mismatches) {
    body = body || m.find("blob.bin: body bytes differ") != std::string::npos;
    seq = seq || m.find("perso/: sync_seq") != std::string::npos;
  }
  EXPECT_TRUE(body);
  EXPECT_TRUE(seq);
}

TEST_F(MigrateStoreTest, RefusesANonEmptyTargetAndChangesNothing) {
  ASSERT_NO_FATAL_FAILURE(Fill());
  ASSERT_TRUE(MigrateSqliteToPostgres(SqliteDir(), url_).ok());
  const int64_t objects = PgCount("objects");
  Result<MigrateStoreReport> again = MigrateSqliteToPostgres(SqliteDir(), url_);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), Status::Code::kConflict);
  EXPECT_NE(again.status().message().find("not empty"), std::string::npos);
  EXPECT_EQ(PgCount("objects"), objects);
  EXPECT_EQ(PgCount("users"), 3);
}

TEST_F(MigrateStoreTest, RefusesASourceLockedByAWriter) {
  ASSERT_NO_FATAL_FAILURE(Fill());
  sqlite3* writer = nullptr;
  ASSERT_EQ(sqlite3_open((SqliteDir() + "/cartable.db").c_str(), &writer), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(writer, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  Result<MigrateStoreReport> r = MigrateSqliteToPostgres(SqliteDir(), url_);
  sqlite3_exec(writer, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(writer);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kLocked);
  EXPECT_NE(r.status().message().find("stop the Cartable server"), std::string::npos);
  EXPECT_EQ(PgCount("users"), 0);
  // Once the writer is gone, the same target takes the copy.
  Result<MigrateStoreReport> ok = MigrateSqliteToPostgres(SqliteDir(), url_);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_TRUE(ok->check_ok());
}

TEST_F(MigrateStoreTest, RefusesAMissingSourceWithoutCreatingIt) {
  Result<MigrateStoreReport> r = MigrateSqliteToPostgres(dir_.path() + "/nothing", url_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(dir_.path() + "/nothing"));
}

}  // namespace
}  // namespace cartable::store
