// Path -> Target resolution over a SQLite store in a temporary directory.
#include "dav/target.h"

#include <gtest/gtest.h>

#include "tests/testlib/temp_store.h"
#include "tests/unit/dav/dav_test_util.h"

namespace cartable::dav {
namespace {

class TargetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    me_ = testing::AddJeanLabert(s());
    ASSERT_NE(me_.user_id, 0);
    ASSERT_TRUE(EnsureHome(s(), "/dav/files/jlabert/", me_).ok());
    auto home = s().GetCollection("/dav/files/jlabert/");
    ASSERT_TRUE(home.ok());
    auto docs =
        s().CreateCollection("/dav/files/jlabert/docs/", home->id, me_.user_id, "collection");
    ASSERT_TRUE(docs.ok());
    ASSERT_TRUE(s().PutObject(docs->id, "a b.txt", "text/plain", "x").ok());
  }
  store::Session& s() { return store_->ThreadSession(); }
  testlib::TempStore store_;
  Principal me_;
};

TEST_F(TargetTest, VirtualCollectionsAndPrincipals) {
  EXPECT_EQ(Resolve(s(), "/dav", me_)->type, NodeType::kVirtual);
  EXPECT_EQ(Resolve(s(), "/dav/principals/users/", me_)->virtual_kind,
            VirtualKind::kPrincipalUsers);
  auto p = Resolve(s(), "/dav/principals/users/Jean.Labert@ac-orleans-tours.fr/", me_);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->type, NodeType::kPrincipal);
  EXPECT_EQ(p->path, "/dav/principals/users/jlabert/") << "canonical path uses the login";
  EXPECT_EQ(Resolve(s(), "/dav/principals/users/nobody/", me_).status().code(),
            Status::Code::kNotFound);
  EXPECT_EQ(Resolve(s(), "/elsewhere/", me_).status().code(), Status::Code::kNotFound);
}

TEST_F(TargetTest, StoreTreeObjectsCollectionsAndMissing) {
  auto o = Resolve(s(), "/dav/files/jlabert/docs/a b.txt", me_);
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->type, NodeType::kObject);
  EXPECT_EQ(o->name, "a b.txt");
  auto c = Resolve(s(), "/dav/files/jlabert/docs", me_);
  EXPECT_EQ(c->type, NodeType::kCollection);
  EXPECT_EQ(c->path, "/dav/files/jlabert/docs/") << "collections answer with a slash";
  auto m = Resolve(s(), "/dav/files/jlabert/docs/new.txt", me_);
  EXPECT_EQ(m->type, NodeType::kMissing);
  EXPECT_TRUE(m->parent_exists);
  auto orphan = Resolve(s(), "/dav/files/jlabert/none/new.txt", me_);
  EXPECT_EQ(orphan->type, NodeType::kMissing);
  EXPECT_FALSE(orphan->parent_exists);
}

TEST_F(TargetTest, EnsureHomeCreatesOnlyTheCallersHomes) {
  EXPECT_EQ(s().GetCollection("/dav/calendars/jlabert/").status().code(), Status::Code::kNotFound);
  ASSERT_TRUE(EnsureHome(s(), "/dav/calendars/jlabert/x", me_).ok());
  auto home = s().GetCollection("/dav/calendars/jlabert/");
  ASSERT_TRUE(home.ok());
  EXPECT_EQ(home->kind, store::kKindCalendarHome);
  ASSERT_TRUE(EnsureHome(s(), "/dav/calendars/other/", me_).ok());
  EXPECT_FALSE(s().GetCollection("/dav/calendars/other/").ok());
}

TEST_F(TargetTest, AccessRules) {
  auto mine = Resolve(s(), "/dav/files/jlabert/docs/", me_);
  EXPECT_TRUE(CanRead(*mine, me_));
  EXPECT_TRUE(CanWrite(*mine, me_));
  // The access is computed by Resolve for the principal it is given (ComputeAccess).
  Principal other{me_.user_id + 1, "mdupont", "Marie Dupont", ""};
  auto theirs = Resolve(s(), "/dav/files/jlabert/docs/", other);
  EXPECT_FALSE(CanRead(*theirs, other));
  EXPECT_FALSE(CanWrite(*theirs, other));
  auto principal = Resolve(s(), "/dav/principals/users/jlabert/", me_);
  EXPECT_TRUE(CanRead(*principal, other));
  EXPECT_FALSE(CanWrite(*principal, me_));
}

}  // namespace
}  // namespace cartable::dav
