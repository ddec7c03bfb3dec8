// Resource kinds: every kind is reached by resolving a path, the builders agree with Resolve, and
// the kind sets the tables use hold what their names say.
#include "dav/resource_kind.h"

#include <gtest/gtest.h>

#include "dav/target.h"
#include "tests/testlib/temp_store.h"
#include "tests/unit/dav/dav_test_util.h"

namespace cartable::dav {
namespace {

class ResourceKindTest : public ::testing::Test {
 protected:
  void SetUp() override {
    me_ = testing::AddJeanLabert(s());
    ASSERT_NE(me_.user_id, 0);
    for (const char* home :
         {"/dav/files/jlabert/", "/dav/calendars/jlabert/", "/dav/addressbooks/jlabert/"}) {
      ASSERT_TRUE(EnsureHome(s(), home, me_).ok());
    }
    auto docs = s().CreateCollection("/dav/files/jlabert/docs/",
                                     s().GetCollection("/dav/files/jlabert/")->id, me_.user_id,
                                     store::kKindCollection);
    ASSERT_TRUE(docs.ok());
    Put("/dav/files/jlabert/docs/", "a.txt");
    Put("/dav/calendars/jlabert/agenda/", "e.ics");
    Put("/dav/calendars/jlabert/inbox/", "m.ics");
    Put("/dav/calendars/jlabert/notifications/", "n.xml");
    Put("/dav/addressbooks/jlabert/contacts/", "c.vcf");
    Put(store::kDirectoryPath, "d.vcf");
  }
  void Put(const std::string& collection, const std::string& name) {
    auto c = s().GetCollection(collection);
    ASSERT_TRUE(c.ok()) << collection;
    ASSERT_TRUE(s().PutObject(c->id, name, "text/plain", "x").ok());
  }
  ResourceKind KindAt(const std::string& path) {
    Result<Target> t = Resolve(s(), path, me_);
    EXPECT_TRUE(t.ok()) << path;
    if (!t.ok()) return ResourceKind::kMissing;
    EXPECT_EQ(t->kind, KindOf(*t)) << path << ": Resolve stores the computed kind";
    return t->kind;
  }
  store::Session& s() { return store_->ThreadSession(); }
  testlib::TempStore store_;
  Principal me_;
};

TEST_F(ResourceKindTest, ResolveGivesEveryKind) {
  using K = ResourceKind;
  const std::pair<const char*, K> cases[] = {
      {"/dav/files/jlabert/docs/new.txt", K::kMissing},
      {"/dav/", K::kVirtualCollection},
      {"/dav/calendars/", K::kVirtualCollection},
      {"/dav/principals/", K::kPrincipalCollection},
      {"/dav/principals/users/", K::kPrincipalCollection},
      {"/dav/principals/users/jlabert/", K::kPrincipal},
      {"/dav/principals/users/jlabert/calendar-proxy-write/", K::kProxyGroup},
      {"/dav/files/jlabert/", K::kFilesHome},
      {"/dav/calendars/jlabert/", K::kCalendarHome},
      {"/dav/addressbooks/jlabert/", K::kAddressbookHome},
      {"/dav/files/jlabert/docs/", K::kPlainCollection},
      {"/dav/calendars/jlabert/agenda/", K::kCalendar},
      {"/dav/calendars/jlabert/inbox/", K::kInbox},
      {"/dav/calendars/jlabert/outbox/", K::kOutbox},
      {"/dav/addressbooks/jlabert/contacts/", K::kAddressbook},
      {"/dav/calendars/jlabert/notifications/", K::kNotifications},
      {"/dav/addressbooks/jlabert/annuaire/", K::kDirectory},
      {"/dav/files/jlabert/docs/a.txt", K::kPlainFile},
      {"/dav/calendars/jlabert/agenda/e.ics", K::kCalendarObject},
      {"/dav/calendars/jlabert/inbox/m.ics", K::kInboxMessage},
      {"/dav/addressbooks/jlabert/contacts/c.vcf", K::kCard},
      {"/dav/calendars/jlabert/notifications/n.xml", K::kNotification},
      {"/dav/addressbooks/jlabert/annuaire/d.vcf", K::kDirectoryCard},
  };
  bool seen[kResourceKindCount] = {};
  for (const auto& [path, kind] : cases) {
    EXPECT_EQ(KindName(KindAt(path)), KindName(kind)) << path;
    seen[static_cast<int>(kind)] = true;
  }
  for (int k = 0; k < kResourceKindCount; ++k) {
    EXPECT_TRUE(seen[k]) << KindName(static_cast<ResourceKind>(k)) << " has no case";
  }
}

TEST_F(ResourceKindTest, BuildersSetTheKindResolveWould) {
  Result<Target> home = Resolve(s(), "/dav/calendars/jlabert/", me_);
  ASSERT_TRUE(home.ok());
  Result<std::vector<store::Collection>> calendars = s().ListChildCollections(home->collection.id);
  ASSERT_TRUE(calendars.ok());
  ASSERT_FALSE(calendars->empty());
  for (const store::Collection& c : *calendars) {
    Target child = ChildCollectionTarget(*home, c);
    EXPECT_EQ(child.kind, KindOf(child)) << c.path;
    EXPECT_EQ(child.kind, KindAt(c.path)) << c.path;
    Target member = ChildObjectTarget(child, store::Object{});
    EXPECT_EQ(member.kind, KindOf(member)) << c.path;
  }
  Result<store::User> user = s().GetUserByLogin("jlabert");
  ASSERT_TRUE(user.ok());
  Target principal = PrincipalTarget(*user);
  EXPECT_EQ(principal.kind, ResourceKind::kPrincipal);
  EXPECT_EQ(principal.path, Resolve(s(), "/dav/principals/users/jlabert/", me_)->path);
}

TEST(KindSetTest, UnionsAndNamedSets) {
  constexpr KindSet books = kCalendar | kInbox;
  static_assert(books.Has(ResourceKind::kCalendar) && books.Has(ResourceKind::kInbox));
  static_assert(!books.Has(ResourceKind::kOutbox));
  static_assert(KindSet().Empty());
  EXPECT_EQ(kCalendarDataCollections, kCalendar | kInbox);
  EXPECT_EQ(kCalendarData, kCalendarObject | kInboxMessage);
  EXPECT_EQ(kAnyKind, kExisting | kMissing);
  for (int k = 0; k < kResourceKindCount; ++k) {
    auto kind = static_cast<ResourceKind>(k);
    // Every existing kind is exactly one of: store collection, store object, or neither (virtual
    // collections and principals).
    EXPECT_FALSE(kStoreCollections.Has(kind) && kObjects.Has(kind)) << KindName(kind);
    EXPECT_EQ(kStored.Has(kind), kStoreCollections.Has(kind) || kObjects.Has(kind));
    EXPECT_TRUE(kAnyKind.Has(kind)) << KindName(kind);
  }
  EXPECT_EQ(CollectionKind("no-such-kind"), ResourceKind::kPlainCollection);
  EXPECT_EQ(MemberKind("no-such-kind"), ResourceKind::kPlainFile);
}

}  // namespace
}  // namespace cartable::dav
