// ComputeAccess (dav/sharing/access.h) and share mount resolution (dav/sharing/mount.h) over a
// SQLite store in a temporary directory: owners, sharees through their mounts (colleague and
// group shares, the greatest access wins), delegates, everyone else.
#include "dav/sharing/access.h"

#include <gtest/gtest.h>

#include "dav/sharing/mount.h"
#include "dav/target.h"
#include "tests/testlib/temp_store.h"
#include "tests/unit/dav/dav_test_util.h"

namespace cartable::dav {
namespace {

constexpr const char* kAgenda = "/dav/calendars/jlabert/agenda/";

class AccessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    jean_ = testing::AddJeanLabert(s());
    marie_ = testing::AddUser(s(), "mdupont", "Marie Dupont", "marie.dupont@ac-orleans-tours.fr");
    paul_ = testing::AddUser(s(), "pmartin", "Paul Martin", "paul.martin@ac-orleans-tours.fr");
    for (const Principal* p : {&jean_, &marie_, &paul_}) {
      for (const char* area : {"/dav/calendars/", "/dav/addressbooks/", "/dav/files/"}) {
        ASSERT_TRUE(EnsureHome(s(), area + p->login + "/", *p).ok());
      }
    }
    auto agenda = s().GetCollection(kAgenda);
    ASSERT_TRUE(agenda.ok());
    agenda_ = *agenda;
    ASSERT_TRUE(s().PutObject(agenda_.id, "e1.ics", "text/calendar", "BEGIN:VCALENDAR").ok());
  }

  store::Session& s() { return store_->ThreadSession(); }

  // A share of jlabert's agenda with `sharee` (a colleague) or `group`; returns its id.
  store::Id Share(const Principal* sharee, const std::string& group, store::ShareAccess access,
                  store::ShareStatus status = store::ShareStatus::kAccepted) {
    store::Share sh;
    sh.collection_id = agenda_.id;
    sh.sharee_user_id = sharee ? sharee->user_id : 0;
    sh.sharee_group = group;
    sh.access = access;
    sh.status = status;
    sh.invite_uid = "invite-" + std::to_string(++invites_);
    Result<store::Id> id = s().CreateShare(sh);
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    return id.ok() ? *id : 0;
  }

  std::string MountPath(const Principal& p, store::Id id) {
    return "/dav/calendars/" + p.login + "/partage-" + std::to_string(id) + "/";
  }

  // Puts `p` in department 37 (the directory's group "departement:37").
  void JoinDepartment37(const Principal& p) {
    store::DirectoryEntry e;
    e.source_key = "numen-" + p.login;
    e.user_id = p.user_id;
    e.card_uid = "urn:uuid:" + p.login;
    e.nom = p.display_name;
    e.email = p.email;
    e.departement = "37";
    ASSERT_TRUE(s().PutDirectoryEntry(e).ok());
  }

  testlib::TempStore store_;
  Principal jean_, marie_, paul_;
  store::Collection agenda_;
  int invites_ = 0;
};

TEST_F(AccessTest, OwnerHasEveryPrivilegeAndSeesPrivateEvents) {
  auto t = Resolve(s(), kAgenda, jean_);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->access.via, AccessVia::kOwner);
  EXPECT_EQ(t->access.privileges, kPrivAll);
  EXPECT_TRUE(t->access.sees_private);
  EXPECT_FALSE(t->access.per_user);
  auto missing = Resolve(s(), std::string(kAgenda) + "new.ics", jean_);
  EXPECT_TRUE(missing->access.Has(kPrivBind)) << "a missing member has its parent's access";
}

TEST_F(AccessTest, TheDirectoryIsReadOnlyAndPrincipalsReadableByAll) {
  auto dir = Resolve(s(), DirectoryMountPath("jlabert"), jean_);
  ASSERT_TRUE(dir.ok());
  EXPECT_EQ(dir->access.privileges, kPrivRead);
  EXPECT_FALSE(CanWrite(*dir, jean_));
  auto p = Resolve(s(), "/dav/principals/users/jlabert/", marie_);
  EXPECT_EQ(p->access.via, AccessVia::kAnyone);
  EXPECT_EQ(p->access.privileges, kPrivRead);
  EXPECT_EQ(PrincipalTarget(*s().GetUserByLogin("mdupont")).access.privileges, kPrivRead);
  EXPECT_TRUE(Resolve(s(), "/dav/", marie_)->access.Has(kPrivRead));
}

TEST_F(AccessTest, OwnSubPrincipalsAreWritableByTheirUserOnly) {
  // A proxy group as dav/sharing/delegation.h builds it: a principal below jlabert's.
  Target proxy;
  proxy.type = NodeType::kPrincipal;
  proxy.path = "/dav/principals/users/jlabert/calendar-proxy-write/";
  proxy.owner = *s().GetUserByLogin("jlabert");
  ASSERT_TRUE(ComputeAccess(s(), proxy, jean_).ok());
  EXPECT_EQ(proxy.access.privileges, kPrivRead | kPrivWriteProperties);
  ASSERT_TRUE(ComputeAccess(s(), proxy, marie_).ok());
  EXPECT_EQ(proxy.access.privileges, kPrivRead);
  auto own = Resolve(s(), "/dav/principals/users/jlabert/", jean_);
  EXPECT_EQ(own->access.privileges, kPrivRead) << "the principal itself stays read-only";
}

TEST_F(AccessTest, AnotherUsersTreeGivesNothing) {
  for (const char* path : {kAgenda, "/dav/calendars/jlabert/agenda/e1.ics", "/dav/files/jlabert/",
                           "/dav/calendars/jlabert/"}) {
    auto t = Resolve(s(), path, marie_);
    ASSERT_TRUE(t.ok()) << path;
    EXPECT_EQ(t->access.privileges, 0u) << path;
    EXPECT_EQ(t->access.via, AccessVia::kNone) << path;
    EXPECT_FALSE(CanRead(*t, marie_)) << path;
  }
}

TEST_F(AccessTest, ReadShareMountsTheOwnersCollectionAtTheShareesUrl) {
  store::Id id = Share(&marie_, "", store::ShareAccess::kRead);
  auto t = Resolve(s(), MountPath(marie_, id), marie_);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->type, NodeType::kCollection);
  EXPECT_EQ(t->kind, ResourceKind::kCalendar);
  EXPECT_EQ(t->path, MountPath(marie_, id));
  EXPECT_EQ(t->collection.id, agenda_.id) << "the sharer's collection";
  ASSERT_TRUE(t->owner);
  EXPECT_EQ(t->owner->login, "jlabert") << "DAV:owner and scheduling: the sharer";
  ASSERT_TRUE(t->mount);
  EXPECT_EQ(t->mount->home_user.login, "mdupont");
  EXPECT_EQ(t->mount->share.id, id);
  EXPECT_EQ(t->access.via, AccessVia::kShare);
  EXPECT_EQ(t->access.privileges, kPrivRead | kPrivReadFreeBusy);
  EXPECT_FALSE(t->access.sees_private);
  EXPECT_TRUE(t->access.per_user);
  EXPECT_TRUE(CanRead(*t, marie_));
  EXPECT_FALSE(CanWrite(*t, marie_));

  auto member = Resolve(s(), MountPath(marie_, id) + "e1.ics", marie_);
  ASSERT_TRUE(member.ok());
  EXPECT_EQ(member->type, NodeType::kObject);
  EXPECT_EQ(member->path, MountPath(marie_, id) + "e1.ics");
  EXPECT_EQ(member->access.privileges, kPrivRead | kPrivReadFreeBusy) << "members inherit";
  ASSERT_TRUE(member->mount);

  // The sharer's own URL stays closed to the sharee: they go through their mount.
  EXPECT_EQ(Resolve(s(), kAgenda, marie_)->access.privileges, 0u);
}

TEST_F(AccessTest, OnlyTheHomesUserHasTheMountsAccess) {
  store::Id id = Share(&marie_, "", store::ShareAccess::kReadWrite);
  for (const Principal* other : {&jean_, &paul_}) {
    auto t = Resolve(s(), MountPath(marie_, id), *other);
    ASSERT_TRUE(t.ok());
    EXPECT_TRUE(t->mount) << other->login;
    EXPECT_EQ(t->access.privileges, 0u) << other->login;
  }
  // Paul has no such mount in his own home: the name resolves to nothing.
  auto paul = Resolve(s(), MountPath(paul_, id), paul_);
  ASSERT_TRUE(paul.ok());
  EXPECT_EQ(paul->type, NodeType::kMissing);
  EXPECT_FALSE(paul->mount);
}

TEST_F(AccessTest, ReadWriteAndFreeBusyShares) {
  store::Id rw = Share(&marie_, "", store::ShareAccess::kReadWrite);
  auto t = Resolve(s(), MountPath(marie_, rw), marie_);
  EXPECT_EQ(t->access.privileges, kPrivRead | kPrivReadFreeBusy | kPrivWrite);
  EXPECT_EQ(t->access.share_access, store::ShareAccess::kReadWrite);
  EXPECT_FALSE(t->access.Has(kPrivWriteAcl)) << "sharing stays the owner's";
  EXPECT_TRUE(CanWrite(*t, marie_));
  store::Id fb = Share(&paul_, "", store::ShareAccess::kFreeBusy);
  auto f = Resolve(s(), MountPath(paul_, fb), paul_);
  EXPECT_EQ(f->access.privileges, kPrivReadFreeBusy);
  EXPECT_FALSE(CanRead(*f, paul_));
}

TEST_F(AccessTest, PendingAndDeclinedSharesAreNotMounted) {
  store::Id pending = Share(&marie_, "", store::ShareAccess::kRead, store::ShareStatus::kPending);
  auto t = Resolve(s(), MountPath(marie_, pending), marie_);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->type, NodeType::kMissing);
  EXPECT_FALSE(t->mount);
  store::Id declined = Share(&paul_, "", store::ShareAccess::kRead, store::ShareStatus::kDeclined);
  EXPECT_EQ(Resolve(s(), MountPath(paul_, declined), paul_)->type, NodeType::kMissing);
}

TEST_F(AccessTest, ACalendarIsNotMountedInAnAddressBookHome) {
  store::Id id = Share(&marie_, "", store::ShareAccess::kRead);
  auto t = Resolve(s(), "/dav/addressbooks/mdupont/partage-" + std::to_string(id) + "/", marie_);
  ASSERT_TRUE(t.ok());
  EXPECT_FALSE(t->mount);
  EXPECT_EQ(t->type, NodeType::kMissing);
}

TEST_F(AccessTest, GroupAndColleagueSharesMountOnceWithTheGreatestAccess) {
  JoinDepartment37(marie_);
  store::Id group = Share(nullptr, "departement:37", store::ShareAccess::kReadWrite);
  store::Id colleague = Share(&marie_, "", store::ShareAccess::kRead);
  // The colleague share names the mount; the group share's name mounts nothing.
  EXPECT_FALSE(Resolve(s(), MountPath(marie_, group), marie_)->mount);
  auto t = Resolve(s(), MountPath(marie_, colleague), marie_);
  ASSERT_TRUE(t->mount);
  EXPECT_EQ(t->access.share_access, store::ShareAccess::kReadWrite) << "greatest access wins";
  EXPECT_TRUE(t->access.Has(kPrivWriteContent));
  // A member of no group has only what their own share gives.
  EXPECT_EQ(Resolve(s(), MountPath(paul_, group), paul_)->type, NodeType::kMissing);
}

TEST_F(AccessTest, AHiddenGroupShareIsNotMounted) {
  JoinDepartment37(marie_);
  store::Id group = Share(nullptr, "departement:37", store::ShareAccess::kRead);
  EXPECT_TRUE(Resolve(s(), MountPath(marie_, group), marie_)->mount);
  store::ShareMember row;
  row.share_id = group;
  row.user_id = marie_.user_id;
  row.hidden = true;
  ASSERT_TRUE(s().PutShareMember(row).ok());
  EXPECT_FALSE(Resolve(s(), MountPath(marie_, group), marie_)->mount);
}

TEST_F(AccessTest, DelegatesReachTheCalendarAreaOnly) {
  ASSERT_TRUE(s().PutDelegate({jean_.user_id, marie_.user_id, store::DelegateAccess::kRead}).ok());
  ASSERT_TRUE(
      s().PutDelegate({jean_.user_id, paul_.user_id, store::DelegateAccess::kReadWrite}).ok());
  auto read = Resolve(s(), kAgenda, marie_);
  EXPECT_EQ(read->access.via, AccessVia::kDelegate);
  EXPECT_EQ(read->access.privileges, kPrivRead | kPrivReadFreeBusy);
  EXPECT_FALSE(read->access.sees_private);
  EXPECT_FALSE(read->access.per_user) << "delegates act as the owner";
  auto write = Resolve(s(), "/dav/calendars/jlabert/outbox/", paul_);
  EXPECT_TRUE(write->access.Has(kPrivRead | kPrivWrite | kPrivScheduleSend));
  EXPECT_FALSE(write->access.Has(kPrivWriteAcl));
  EXPECT_TRUE(write->access.sees_private);
  EXPECT_EQ(Resolve(s(), "/dav/addressbooks/jlabert/", paul_)->access.privileges, 0u);
  EXPECT_EQ(Resolve(s(), "/dav/files/jlabert/", paul_)->access.privileges, 0u);
  EXPECT_EQ(Resolve(s(), "/dav/calendars/jlabert/notifications/", paul_)->access.privileges, 0u)
      << "invitations are the owner's own";
}

TEST_F(AccessTest, DeniedNamesTheMethodAndPathOnly) {
  auto t = Resolve(s(), "/dav/calendars/jlabert/agenda/e1.ics", marie_);
  Status d = Denied(*t, "PUT");
  EXPECT_EQ(d.HttpCode(), 403);
  EXPECT_EQ(d.message(), "you may not PUT /dav/calendars/jlabert/agenda/e1.ics");
}

TEST_F(AccessTest, MountNamesAreReservedInHomes) {
  auto t = Resolve(s(), "/dav/calendars/jlabert/partage-12/", jean_);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->type, NodeType::kMissing);
  EXPECT_EQ(sharing::CheckReservedName(*t).code(), Status::Code::kForbidden);
  EXPECT_EQ(sharing::CheckReservedName(*Resolve(s(), "/dav/calendars/jlabert/partage-007/", jean_))
                .code(),
            Status::Code::kForbidden);
  EXPECT_TRUE(
      sharing::CheckReservedName(*Resolve(s(), "/dav/calendars/jlabert/partage-x/", jean_)).ok());
  EXPECT_TRUE(
      sharing::CheckReservedName(*Resolve(s(), "/dav/files/jlabert/partage-12/", jean_)).ok());
}

}  // namespace
}  // namespace cartable::dav
