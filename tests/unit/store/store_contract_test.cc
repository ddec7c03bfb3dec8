// The Store contract (dav/store/store.h), run against every implementation: users, objects,
// dead properties, change log, transactions, threads. Collections:
// store_contract_collections_test.cc.
#include <atomic>
#include <thread>
#include <vector>

#include "tests/unit/store/store_test_fixture.h"

namespace cartable::store {
namespace {

using Code = Status::Code;

template <typename Impl>
class StoreContractTest : public StoreTest<Impl> {};
TYPED_TEST_SUITE(StoreContractTest, StoreImplementations);

// ---- users ----

TYPED_TEST(StoreContractTest, CreateAndGetUser) {
  User u;
  u.login = "jlabert";
  u.email = "jean.labert@ac-orleans-tours.fr";
  u.display_name = "Jean Labert — Énergie";
  u.password_hash = "$argon2id$v=19$m=65536,t=2,p=1$abc";
  u.quota_bytes = 1 << 20;
  u.must_change_password = true;
  Result<Id> id = this->session().CreateUser(u);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_GT(*id, 0);

  for (Result<User> got :
       {this->session().GetUserById(*id), this->session().GetUserByLogin("jlabert"),
        this->session().GetUserByEmail("jean.labert@ac-orleans-tours.fr")}) {
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(got->id, *id);
    EXPECT_EQ(got->login, "jlabert");
    EXPECT_EQ(got->email, u.email);
    EXPECT_EQ(got->display_name, u.display_name);
    EXPECT_EQ(got->password_hash, u.password_hash);
    EXPECT_EQ(got->state, UserState::kActive);
    EXPECT_EQ(got->quota_bytes, 1 << 20);
    EXPECT_EQ(got->used_bytes, 0);
    EXPECT_EQ(got->credential_version, 1);
    EXPECT_TRUE(got->must_change_password);
    EXPECT_GT(got->created_at, 0);
  }
  EXPECT_EQ(this->session().GetUserById(*id + 100).status().code(), Code::kNotFound);
  EXPECT_EQ(this->session().GetUserByLogin("nobody").status().code(), Code::kNotFound);
  EXPECT_EQ(this->session().GetUserByEmail("nobody@x").status().code(), Code::kNotFound);
}

TYPED_TEST(StoreContractTest, UserConflicts) {
  this->MakeUser("a", "a@x.fr");
  User dup_login;
  dup_login.login = "a";
  EXPECT_EQ(this->session().CreateUser(dup_login).status().code(), Code::kConflict);
  User dup_email;
  dup_email.login = "b";
  dup_email.email = "a@x.fr";
  EXPECT_EQ(this->session().CreateUser(dup_email).status().code(), Code::kConflict);
  // Several users may have no email.
  this->MakeUser("c");
  this->MakeUser("d");
  EXPECT_EQ(this->session().ListUsers()->size(), 3u);
}

TYPED_TEST(StoreContractTest, UpdateUserAndPassword) {
  Id id = this->MakeUser("a", "a@x.fr");
  this->MakeUser("b", "b@x.fr");
  User u = *this->session().GetUserById(id);
  u.display_name = "Alice";
  u.email = "alice@x.fr";
  u.quota_bytes = 42;
  u.must_change_password = true;
  EXPECT_TRUE(u.scheduling) << "server-side scheduling is on by default";
  u.scheduling = false;
  ASSERT_TRUE(this->session().UpdateUser(u).ok());
  User got = *this->session().GetUserById(id);
  EXPECT_FALSE(got.scheduling);
  EXPECT_FALSE(this->session().GetUserByLogin("a")->scheduling);
  EXPECT_TRUE(this->session().GetUserByLogin("b")->scheduling);
  EXPECT_EQ(got.display_name, "Alice");
  EXPECT_EQ(got.email, "alice@x.fr");
  EXPECT_EQ(got.quota_bytes, 42);
  EXPECT_TRUE(got.must_change_password);
  EXPECT_EQ(got.credential_version, 1);  // no state change

  u.state = UserState::kDisabled;
  ASSERT_TRUE(this->session().UpdateUser(u).ok());
  got = *this->session().GetUserById(id);
  EXPECT_EQ(got.state, UserState::kDisabled);
  EXPECT_EQ(got.credential_version, 2);

  ASSERT_TRUE(this->session().SetPasswordHash(id, "$argon2id$new", false).ok());
  got = *this->session().GetUserById(id);
  EXPECT_EQ(got.password_hash, "$argon2id$new");
  EXPECT_FALSE(got.must_change_password);
  EXPECT_EQ(got.credential_version, 3);

  u.email = "b@x.fr";
  EXPECT_EQ(this->session().UpdateUser(u).code(), Code::kConflict);
  u.id = id + 100;
  EXPECT_EQ(this->session().UpdateUser(u).code(), Code::kNotFound);
  EXPECT_EQ(this->session().SetPasswordHash(id + 100, "h", false).code(), Code::kNotFound);
}

TYPED_TEST(StoreContractTest, ListUsersOrderedByLogin) {
  this->MakeUser("zoe");
  this->MakeUser("adam");
  this->MakeUser("marc");
  Result<std::vector<User>> users = this->session().ListUsers();
  ASSERT_TRUE(users.ok());
  ASSERT_EQ(users->size(), 3u);
  EXPECT_EQ((*users)[0].login, "adam");
  EXPECT_EQ((*users)[1].login, "marc");
  EXPECT_EQ((*users)[2].login, "zoe");
}

// ---- objects ----

TYPED_TEST(StoreContractTest, PutCreatesThenReplaces) {
  Id owner = this->MakeUser("a");
  Collection c = this->MakeCollection("/dav/files/a/", 0, owner);
  Object first = this->Put(c.id, "note.txt", "hello");
  EXPECT_GT(first.id, 0);
  EXPECT_EQ(first.collection_id, c.id);
  EXPECT_EQ(first.name, "note.txt");
  EXPECT_EQ(first.size, 5);
  EXPECT_EQ(first.change_seq, 1);
  EXPECT_FALSE(first.data.has_value());
  EXPECT_EQ(this->UsedBytes(owner), 5);

  Result<Object> second = this->session().PutObject(c.id, "note.txt", "text/x", "hello world");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->id, first.id);
  EXPECT_EQ(second->created_at, first.created_at);
  EXPECT_EQ(second->content_type, "text/x");
  EXPECT_EQ(second->size, 11);
  EXPECT_EQ(second->change_seq, 2);
  EXPECT_NE(second->etag, first.etag);
  EXPECT_EQ(this->UsedBytes(owner), 11);

  Result<Object> got = this->session().GetObject(c.id, "note.txt", false);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->etag, second->etag);
  EXPECT_EQ(got->content_type, "text/x");
  EXPECT_EQ(got->change_seq, 2);
  EXPECT_EQ(this->session().GetCollectionById(c.id)->sync_seq, 2);
  EXPECT_EQ(this->session().PutObject(c.id + 100, "x", "t", "d").status().code(), Code::kNotFound);
  EXPECT_EQ(this->session().PutObject(c.id, "a/b", "t", "d").status().code(), Code::kBadRequest);
}

TYPED_TEST(StoreContractTest, EtagIsStrongAndFollowsContent) {
  Id owner = this->MakeUser("a");
  Collection c1 = this->MakeCollection("/dav/files/a/", 0, owner);
  Collection c2 = this->MakeCollection("/dav/files/a/sub/", c1.id, owner);
  Object a = this->Put(c1.id, "a", "same bytes");
  Object b = this->Put(c2.id, "b", "same bytes");
  Object c = this->Put(c1.id, "c", "other bytes");
  EXPECT_EQ(a.etag, b.etag);
  EXPECT_NE(a.etag, c.etag);
  ASSERT_GE(a.etag.size(), 3u);
  EXPECT_EQ(a.etag.front(), '"');
  EXPECT_EQ(a.etag.back(), '"');
  EXPECT_NE(a.etag.substr(0, 2), "W/");
  EXPECT_EQ(this->Put(c1.id, "a", "changed").etag == a.etag, false);
  EXPECT_EQ(this->Put(c1.id, "a", "same bytes").etag, a.etag);
  EXPECT_NE(this->Put(c1.id, "e", "").etag, this->Put(c1.id, "f", std::string(1, '\0')).etag);
}

TYPED_TEST(StoreContractTest, GetObjectWithData) {
  Id owner = this->MakeUser("a");
  Collection c = this->MakeCollection("/dav/files/a/", 0, owner);
  const std::string bytes("bin\0\xff\xfe data \xe2\x82\xac", 16);
  this->Put(c.id, "blob", bytes);
  Result<Object> with = this->session().GetObject(c.id, "blob", true);
  ASSERT_TRUE(with.ok());
  ASSERT_TRUE(with->data.has_value());
  EXPECT_EQ(*with->data, bytes);
  EXPECT_EQ(with->size, 16);
  Result<Object> without = this->session().GetObject(c.id, "blob", false);
  ASSERT_TRUE(without.ok());
  EXPECT_FALSE(without->data.has_value());
  this->Put(c.id, "empty", "");
  Result<Object> empty = this->session().GetObject(c.id, "empty", true);
  ASSERT_TRUE(empty.ok());
  ASSERT_TRUE(empty->data.has_value());
  EXPECT_EQ(*empty->data, "");
}

TYPED_TEST(StoreContractTest, ForEachObjectOrderedAndStopsEarly) {
  Id owner = this->MakeUser("a");
  Collection c = this->MakeCollection("/dav/files/a/", 0, owner);
  Collection other = this->MakeCollection("/dav/files/a/other/", c.id, owner);
  for (const char* n : {"m", "b", "z", "a"}) this->Put(c.id, n, n);
  this->Put(other.id, "x", "x");
  std::vector<std::string> names;
  ASSERT_TRUE(this->session()
                  .ForEachObject(c.id,
                                 [&](const Object& o) {
                                   EXPECT_FALSE(o.data.has_value());
                                   EXPECT_EQ(o.size, 1);
                                   names.push_back(o.name);
                                   return Status::OK();
                                 })
                  .ok());
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b", "m", "z"}));
  names.clear();
  ASSERT_TRUE(this->session()
                  .ForEachObject(c.id,
                                 [&](const Object& o) {
                                   names.push_back(o.name);
                                   return names.size() < 2 ? Status::OK() : StopVisit();
                                 })
                  .ok());
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(
      this->session().ForEachObject(c.id + 100, [](const Object&) { return Status::OK(); }).code(),
      Code::kNotFound);
}

TYPED_TEST(StoreContractTest, DeleteObject) {
  Id owner = this->MakeUser("a");
  Collection c = this->MakeCollection("/dav/files/a/", 0, owner);
  this->Put(c.id, "a", "12345");
  this->Put(c.id, "b", "123");
  EXPECT_EQ(this->UsedBytes(owner), 8);
  ASSERT_TRUE(this->session().DeleteObject(c.id, "a").ok());
  EXPECT_EQ(this->session().GetObject(c.id, "a", false).status().code(), Code::kNotFound);
  EXPECT_TRUE(this->session().GetObject(c.id, "b", false).ok());
  EXPECT_EQ(this->UsedBytes(owner), 3);
  EXPECT_EQ(this->session().DeleteObject(c.id, "a").code(), Code::kNotFound);
  EXPECT_EQ(this->session().GetCollectionById(c.id)->sync_seq, 3);
}

// ---- dead properties ----

TYPED_TEST(StoreContractTest, PropertiesOnBothOwners) {
  Id owner = this->MakeUser("a");
  Collection c = this->MakeCollection("/dav/files/a/", 0, owner);
  Object o = this->Put(c.id, "o", "x");
  const std::string xml =
      "<x:color xmlns:x=\"urn:x\">Été — 日本語 🎉 &amp; <b>bold</b>\n\t</x:color>";
  for (auto [kind, id] : {std::pair{Owner::kCollection, c.id}, std::pair{Owner::kObject, o.id}}) {
    EXPECT_TRUE(this->session().GetProperties(kind, id)->empty());
    ASSERT_TRUE(this->session().SetProperty(kind, id, {"urn:x", "color", xml}).ok());
    ASSERT_TRUE(this->session().SetProperty(kind, id, {"", "plain", "<plain/>"}).ok());
    Result<std::vector<DeadProperty>> props = this->session().GetProperties(kind, id);
    ASSERT_TRUE(props.ok());
    ASSERT_EQ(props->size(), 2u);
    EXPECT_EQ((*props)[0].ns, "");  // ordered by (ns, local)
    EXPECT_EQ((*props)[1].local, "color");
    EXPECT_EQ((*props)[1].xml, xml);

    ASSERT_TRUE(this->session().SetProperty(kind, id, {"urn:x", "color", "<x:color/>"}).ok());
    props = this->session().GetProperties(kind, id);
    ASSERT_EQ(props->size(), 2u);
    EXPECT_EQ((*props)[1].xml, "<x:color/>");

    ASSERT_TRUE(this->session().RemoveProperty(kind, id, "", "plain").ok());
    ASSERT_TRUE(this->session().RemoveProperty(kind, id, "", "plain").ok());  // absent: OK
    props = this->session().GetProperties(kind, id);
    ASSERT_EQ(props->size(), 1u);
    EXPECT_EQ((*props)[0].local, "color");
    EXPECT_EQ(this->session().SetProperty(kind, id + 100, {"", "p", "<p/>"}).code(),
              Code::kNotFound);
    EXPECT_EQ(this->session().GetProperties(kind, id + 100).status().code(), Code::kNotFound);
  }
  // Replacing an object keeps its properties; deleting it drops them.
  this->Put(c.id, "o", "new content");
  EXPECT_EQ(this->session().GetProperties(Owner::kObject, o.id)->size(), 1u);
  ASSERT_TRUE(this->session().DeleteObject(c.id, "o").ok());
  EXPECT_EQ(this->session().GetProperties(Owner::kObject, o.id).status().code(), Code::kNotFound);
  Object again = this->Put(c.id, "o", "x");
  EXPECT_TRUE(this->session().GetProperties(Owner::kObject, again.id)->empty());
}

// ---- change log ----

TYPED_TEST(StoreContractTest, ChangesSinceDedupsAndOrders) {
  Id owner = this->MakeUser("a");
  Collection c = this->MakeCollection("/dav/calendars/a/", 0, owner);
  EXPECT_EQ(c.sync_seq, 0);
  EXPECT_TRUE(this->session().ChangesSince(c.id, 0)->empty());
  this->Put(c.id, "a.ics", "1");                                     // 1
  this->Put(c.id, "b.ics", "1");                                     // 2
  this->Put(c.id, "a.ics", "2");                                     // 3
  ASSERT_TRUE(this->session().DeleteObject(c.id, "b.ics").ok());     // 4
  Result<int64_t> touched = this->session().Touch(c.id, "", false);  // 5
  ASSERT_TRUE(touched.ok());
  EXPECT_EQ(*touched, 5);
  this->MakeCollection("/dav/calendars/a/work/", c.id, owner);  // 6
  EXPECT_EQ(this->session().GetCollectionById(c.id)->sync_seq, 6);

  Result<std::vector<Change>> all = this->session().ChangesSince(c.id, 0);
  ASSERT_TRUE(all.ok());
  std::vector<Change> want = {
      {3, "a.ics", false}, {4, "b.ics", true}, {5, "", false}, {6, "work/", false}};
  ASSERT_EQ(all->size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ((*all)[i].seq, want[i].seq) << i;
    EXPECT_EQ((*all)[i].name, want[i].name) << i;
    EXPECT_EQ((*all)[i].deleted, want[i].deleted) << i;
  }
  Result<std::vector<Change>> tail = this->session().ChangesSince(c.id, 4);
  ASSERT_TRUE(tail.ok());
  ASSERT_EQ(tail->size(), 2u);
  EXPECT_EQ((*tail)[0].seq, 5);
  EXPECT_TRUE(this->session().ChangesSince(c.id, 6)->empty());
  EXPECT_EQ(this->session().ChangesSince(c.id, 7).status().code(), Code::kNotFound);
  EXPECT_EQ(this->session().ChangesSince(c.id, -1).status().code(), Code::kNotFound);
  EXPECT_EQ(this->session().ChangesSince(c.id + 100, 0).status().code(), Code::kNotFound);
  EXPECT_EQ(this->session().Touch(c.id + 100, "x", false).status().code(), Code::kNotFound);
}

// ---- transactions ----

TYPED_TEST(StoreContractTest, UncommittedTransactionRollsBack) {
  Id owner = this->MakeUser("a");
  Collection c = this->MakeCollection("/dav/files/a/", 0, owner);
  {
    Result<std::unique_ptr<Transaction>> txn = this->session().Begin(true);
    ASSERT_TRUE(txn.ok()) << txn.status().ToString();
    this->Put(c.id, "x", "12345");
    this->MakeUser("b");
    ASSERT_TRUE(this->session().SetProperty(Owner::kCollection, c.id, {"", "p", "<p/>"}).ok());
    EXPECT_TRUE(this->session().GetObject(c.id, "x", false).ok());  // visible inside
  }
  EXPECT_EQ(this->session().GetObject(c.id, "x", false).status().code(), Code::kNotFound);
  EXPECT_EQ(this->session().GetUserByLogin("b").status().code(), Code::kNotFound);
  EXPECT_TRUE(this->session().GetProperties(Owner::kCollection, c.id)->empty());
  EXPECT_EQ(this->session().GetCollectionById(c.id)->sync_seq, 0);
  EXPECT_EQ(this->UsedBytes(owner), 0);
  EXPECT_TRUE(this->session().ChangesSince(c.id, 0)->empty());
}

TYPED_TEST(StoreContractTest, CommittedTransactionPersists) {
  Id owner = this->MakeUser("a");
  Collection c = this->MakeCollection("/dav/files/a/", 0, owner);
  {
    Result<std::unique_ptr<Transaction>> txn = this->session().Begin(true);
    ASSERT_TRUE(txn.ok());
    EXPECT_EQ(this->session().Begin(true).status().code(), Code::kInternal);  // nested
    this->Put(c.id, "x", "12345");
    // A failing call undoes only itself; the transaction goes on.
    EXPECT_EQ(this->session()
                  .CreateCollection("/dav/files/a/x/", c.id, owner, kKindCollection)
                  .status()
                  .code(),
              Code::kConflict);
    this->Put(c.id, "y", "1");
    ASSERT_TRUE((*txn)->Commit().ok());
    EXPECT_FALSE((*txn)->Commit().ok());
  }
  EXPECT_TRUE(this->session().GetObject(c.id, "x", false).ok());
  EXPECT_TRUE(this->session().GetObject(c.id, "y", false).ok());
  EXPECT_EQ(this->session().GetCollectionById(c.id)->sync_seq, 2);
  EXPECT_EQ(this->UsedBytes(owner), 6);
  // A new transaction can start once the previous one ended.
  Result<std::unique_ptr<Transaction>> read = this->session().Begin(false);
  ASSERT_TRUE(read.ok());
  EXPECT_TRUE(this->session().GetObject(c.id, "x", false).ok());
  EXPECT_EQ(this->session().PutObject(c.id, "z", "t", "d").status().code(), Code::kInternal);
  EXPECT_TRUE((*read)->Commit().ok());
}

TYPED_TEST(StoreContractTest, PersistsAcrossReopen) {
  if (!TypeParam::kPersistent) GTEST_SKIP() << "not a persistent implementation";
  Id owner = this->MakeUser("a", "a@x.fr");
  Collection c = this->MakeCollection("/dav/files/a/", 0, owner);
  Object o = this->Put(c.id, "x", "persist me");
  ASSERT_TRUE(this->session().SetProperty(Owner::kObject, o.id, {"urn:x", "p", "<p>é</p>"}).ok());
  {
    Result<std::unique_ptr<Transaction>> txn = this->session().Begin(true);
    this->Put(c.id, "lost", "rolled back");
  }
  this->Reopen();
  Result<Object> got = this->session().GetObject(c.id, "x", true);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got->data, "persist me");
  EXPECT_EQ(got->etag, o.etag);
  EXPECT_EQ(this->session().GetObject(c.id, "lost", false).status().code(), Code::kNotFound);
  EXPECT_EQ(this->session().GetUserByEmail("a@x.fr")->used_bytes, 10);
  EXPECT_EQ((*this->session().GetProperties(Owner::kObject, o.id))[0].xml, "<p>é</p>");
  EXPECT_EQ(this->session().ChangesSince(c.id, 0)->size(), 1u);
}

// ---- threads ----

TYPED_TEST(StoreContractTest, ConcurrentWritersWithTheirOwnSessions) {
  Id owner = this->MakeUser("a");
  Collection c = this->MakeCollection("/dav/files/a/", 0, owner);
  constexpr int kThreads = 4, kPerThread = 200;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Session& s = this->store_->ThreadSession();
      for (int i = 0; i < kPerThread; ++i) {
        const std::string name = "t" + std::to_string(t) + "-" + std::to_string(i);
        if (i % 2 == 0) {  // half in explicit transactions, half in autocommit
          Result<std::unique_ptr<Transaction>> txn = s.Begin(true);
          if (!txn.ok() || !s.PutObject(c.id, name, "text/plain", "x").ok() ||
              !(*txn)->Commit().ok()) {
            ++failures;
          }
        } else if (!s.PutObject(c.id, name, "text/plain", "x").ok()) {
          ++failures;
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  int count = 0;
  ASSERT_TRUE(this->session()
                  .ForEachObject(c.id,
                                 [&](const Object&) {
                                   ++count;
                                   return Status::OK();
                                 })
                  .ok());
  EXPECT_EQ(count, kThreads * kPerThread);
  EXPECT_EQ(this->session().GetCollectionById(c.id)->sync_seq, kThreads * kPerThread);
  EXPECT_EQ(this->UsedBytes(owner), kThreads * kPerThread);
}

}  // namespace
}  // namespace cartable::store
