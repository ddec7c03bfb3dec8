// The Store contract for sharing (0009_sharing.sql): shares and their sharees' settings,
// per-user data of objects, delegation, group accounts and directory group membership. Run
// against every implementation.
#include <string>
#include <vector>

#include "tests/unit/store/store_test_fixture.h"

namespace cartable::store {
namespace {

using Code = Status::Code;

template <typename Impl>
class StoreSharingTest : public StoreTest<Impl> {
 protected:
  Share ShareWith(Id collection, Id user, const std::string& group, const std::string& uid) {
    Share h;
    h.collection_id = collection;
    h.sharee_user_id = user;
    h.sharee_group = group;
    h.access = ShareAccess::kRead;
    h.status = ShareStatus::kPending;
    h.invite_uid = uid;
    return h;
  }
  Id Entry(const std::string& key, Id user, const std::string& dep, const std::string& uai,
           bool active = true) {
    DirectoryEntry e;
    e.source_key = key;
    e.card_uid = "urn:uuid:" + key;
    e.user_id = user;
    e.nom = key;
    e.departement = dep;
    e.uai = uai;
    e.active = active;
    Result<Id> id = this->session().PutDirectoryEntry(e);
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    return id.ok() ? *id : 0;
  }
};
TYPED_TEST_SUITE(StoreSharingTest, StoreImplementations);

TYPED_TEST(StoreSharingTest, SharesRoundTripAndAreUniquePerSharee) {
  Session& s = this->session();
  Id owner = this->MakeUser("owner");
  Id bob = this->MakeUser("bob");
  Collection cal = this->MakeCollection("/dav/calendars/owner/", 0, owner, kKindCalendar);

  Result<Id> id = s.CreateShare(this->ShareWith(cal.id, bob, "", "inv-1"));
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  Result<Share> got = s.GetShare(*id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->collection_id, cal.id);
  EXPECT_EQ(got->sharee_user_id, bob);
  EXPECT_EQ(got->sharee_group, "");
  EXPECT_EQ(got->access, ShareAccess::kRead);
  EXPECT_EQ(got->status, ShareStatus::kPending);
  EXPECT_EQ(got->invite_uid, "inv-1");
  EXPECT_GT(got->created_at, 0);

  // One share per (collection, colleague) and per (collection, group); invite uids unique.
  EXPECT_EQ(s.CreateShare(this->ShareWith(cal.id, bob, "", "inv-2")).status().code(),
            Code::kConflict);
  Result<Id> group = s.CreateShare(this->ShareWith(cal.id, 0, "departement:37", "inv-3"));
  ASSERT_TRUE(group.ok()) << group.status().ToString();
  EXPECT_EQ(s.CreateShare(this->ShareWith(cal.id, 0, "departement:37", "inv-4")).status().code(),
            Code::kConflict);
  EXPECT_EQ(s.CreateShare(this->ShareWith(cal.id, 0, "departement:41", "inv-1")).status().code(),
            Code::kConflict);
  EXPECT_EQ(s.CreateShare(this->ShareWith(999, bob, "", "inv-5")).status().code(),
            Code::kNotFound);

  Share changed = *got;
  changed.access = ShareAccess::kReadWrite;
  changed.status = ShareStatus::kAccepted;
  changed.summary = "Conseils de classe";
  ASSERT_TRUE(s.UpdateShare(changed).ok());
  Result<Share> after = s.FindShareByInvite("inv-1");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->access, ShareAccess::kReadWrite);
  EXPECT_EQ(after->status, ShareStatus::kAccepted);
  EXPECT_EQ(after->summary, "Conseils de classe");
  changed.id = 999;
  EXPECT_EQ(s.UpdateShare(changed).code(), Code::kNotFound);

  Result<std::vector<Share>> listed = s.ListShares(cal.id);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].id, *id);
  EXPECT_EQ((*listed)[1].sharee_group, "departement:37");

  Result<std::vector<Share>> mine = s.SharesForSharee(bob, {"departement:37", "etablissement:X"});
  ASSERT_TRUE(mine.ok());
  ASSERT_EQ(mine->size(), 2u);
  EXPECT_EQ((*mine)[0].id, *id);
  EXPECT_EQ((*mine)[1].id, *group);
  EXPECT_EQ(s.SharesForSharee(bob, {})->size(), 1u);
  EXPECT_EQ(s.SharesForSharee(owner, {})->size(), 0u);

  ASSERT_TRUE(s.DeleteShare(*id).ok());
  EXPECT_EQ(s.GetShare(*id).status().code(), Code::kNotFound);
  EXPECT_EQ(s.DeleteShare(*id).code(), Code::kNotFound);
  EXPECT_EQ(s.FindShareByInvite("inv-1").status().code(), Code::kNotFound);
}

TYPED_TEST(StoreSharingTest, SharesGoWithTheirCollection) {
  Session& s = this->session();
  Id owner = this->MakeUser("owner");
  Id bob = this->MakeUser("bob");
  Collection cal = this->MakeCollection("/dav/calendars/owner/", 0, owner, kKindCalendar);
  Result<Id> id = s.CreateShare(this->ShareWith(cal.id, bob, "", "inv-1"));
  ASSERT_TRUE(id.ok());
  ShareMember m;
  m.share_id = *id;
  m.user_id = bob;
  ASSERT_TRUE(s.PutShareMember(m).ok());
  ASSERT_TRUE(s.DeleteCollection(cal.id).ok());
  EXPECT_EQ(s.GetShare(*id).status().code(), Code::kNotFound);
  EXPECT_TRUE(s.ListShareMembers(bob)->empty());
}

TYPED_TEST(StoreSharingTest, MemberSettingsAreTheSharees) {
  Session& s = this->session();
  Id owner = this->MakeUser("owner");
  Id bob = this->MakeUser("bob");
  Id carol = this->MakeUser("carol");
  Collection cal = this->MakeCollection("/dav/calendars/owner/", 0, owner, kKindCalendar);
  Result<Id> id = s.CreateShare(this->ShareWith(cal.id, 0, "departement:37", "inv-1"));
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(s.GetShareMember(*id, bob).status().code(), Code::kNotFound);

  ShareMember m;
  m.share_id = *id;
  m.user_id = bob;
  m.display_name = "Agenda du 37";
  m.color = "#FF0000";
  m.order = 4;
  m.transparent = true;
  ASSERT_TRUE(s.PutShareMember(m).ok());
  Result<ShareMember> got = s.GetShareMember(*id, bob);
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->hidden);
  EXPECT_EQ(got->display_name, "Agenda du 37");
  EXPECT_EQ(got->color, "#FF0000");
  EXPECT_EQ(got->order, 4);
  EXPECT_EQ(got->transparent, true);

  // Replacing clears what is unset; carol's row is her own.
  ShareMember hide;
  hide.share_id = *id;
  hide.user_id = bob;
  hide.hidden = true;
  ASSERT_TRUE(s.PutShareMember(hide).ok());
  got = s.GetShareMember(*id, bob);
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(got->hidden);
  EXPECT_FALSE(got->display_name.has_value());
  EXPECT_FALSE(got->transparent.has_value());
  EXPECT_EQ(s.GetShareMember(*id, carol).status().code(), Code::kNotFound);
  EXPECT_EQ(s.ListShareMembers(bob)->size(), 1u);
  EXPECT_TRUE(s.ListShareMembers(carol)->empty());

  hide.share_id = 999;
  EXPECT_EQ(s.PutShareMember(hide).code(), Code::kNotFound);
}

TYPED_TEST(StoreSharingTest, PerUserDataIsPerObjectAndUser) {
  Session& s = this->session();
  Id owner = this->MakeUser("owner");
  Id bob = this->MakeUser("bob");
  Id carol = this->MakeUser("carol");
  Collection cal = this->MakeCollection("/dav/calendars/owner/", 0, owner, kKindCalendar);
  Collection other = this->MakeCollection("/dav/calendars/other/", 0, owner, kKindCalendar);
  Object a = this->Put(cal.id, "a.ics", "A");
  Object b = this->Put(cal.id, "b.ics", "B");
  Object c = this->Put(other.id, "c.ics", "C");

  EXPECT_EQ(s.GetPerUserData(a.id, bob).status().code(), Code::kNotFound);
  ASSERT_TRUE(s.PutPerUserData(a.id, bob, "alarm-1").ok());
  Result<PerUserData> got = s.GetPerUserData(a.id, bob);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->data, "alarm-1");
  std::string first_etag = got->etag;
  EXPECT_FALSE(first_etag.empty());
  ASSERT_TRUE(s.PutPerUserData(a.id, bob, "alarm-2").ok());
  EXPECT_NE(s.GetPerUserData(a.id, bob)->etag, first_etag);
  ASSERT_TRUE(s.PutPerUserData(b.id, bob, "alarm-b").ok());
  ASSERT_TRUE(s.PutPerUserData(a.id, carol, "carol").ok());
  ASSERT_TRUE(s.PutPerUserData(c.id, bob, "other").ok());
  EXPECT_EQ(s.PutPerUserData(999, bob, "x").code(), Code::kNotFound);

  std::vector<std::string> seen;
  ASSERT_TRUE(s.ForEachPerUserData(cal.id, bob, [&](const PerUserData& p) {
                 seen.push_back(p.data);
                 return Status::OK();
               }).ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"alarm-2", "alarm-b"}));

  ASSERT_TRUE(s.DeletePerUserData(a.id, bob).ok());
  EXPECT_TRUE(s.DeletePerUserData(a.id, bob).ok());
  EXPECT_EQ(s.GetPerUserData(a.id, bob).status().code(), Code::kNotFound);
  EXPECT_TRUE(s.GetPerUserData(a.id, carol).ok());
  // Deleting the object deletes everyone's data of it.
  ASSERT_TRUE(s.DeleteObject(cal.id, "a.ics").ok());
  EXPECT_EQ(s.GetPerUserData(a.id, carol).status().code(), Code::kNotFound);
}

TYPED_TEST(StoreSharingTest, DelegatesAreListedBothWays) {
  Session& s = this->session();
  Id boss = this->MakeUser("boss");
  Id sec = this->MakeUser("sec");
  Id other = this->MakeUser("other");
  Delegate d;
  d.owner_id = boss;
  d.delegate_id = sec;
  d.access = DelegateAccess::kReadWrite;
  ASSERT_TRUE(s.PutDelegate(d).ok());
  d.delegate_id = other;
  d.access = DelegateAccess::kRead;
  ASSERT_TRUE(s.PutDelegate(d).ok());
  Result<Delegate> got = s.GetDelegate(boss, sec);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->access, DelegateAccess::kReadWrite);
  EXPECT_GT(got->created_at, 0);
  EXPECT_EQ(s.ListDelegates(boss)->size(), 2u);
  ASSERT_EQ(s.ListDelegations(sec)->size(), 1u);
  EXPECT_EQ(s.ListDelegations(sec)->front().owner_id, boss);
  EXPECT_TRUE(s.ListDelegations(boss)->empty());

  d.delegate_id = sec;
  d.access = DelegateAccess::kRead;
  ASSERT_TRUE(s.PutDelegate(d).ok());  // replace
  EXPECT_EQ(s.GetDelegate(boss, sec)->access, DelegateAccess::kRead);
  EXPECT_EQ(s.ListDelegates(boss)->size(), 2u);

  d.delegate_id = boss;
  EXPECT_EQ(s.PutDelegate(d).code(), Code::kBadRequest);
  d.delegate_id = 999;
  EXPECT_EQ(s.PutDelegate(d).code(), Code::kNotFound);
  ASSERT_TRUE(s.DeleteDelegate(boss, sec).ok());
  EXPECT_TRUE(s.DeleteDelegate(boss, sec).ok());
  EXPECT_EQ(s.GetDelegate(boss, sec).status().code(), Code::kNotFound);
}

TYPED_TEST(StoreSharingTest, GroupsComeFromActiveDirectoryEntries) {
  Session& s = this->session();
  Id ann = this->MakeUser("ann");
  Id ben = this->MakeUser("ben");
  Id cid = this->MakeUser("cid");
  this->Entry("ann", ann, "37", "0370001A");
  this->Entry("ben", ben, "37", "0370002B");
  this->Entry("cid", cid, "41", "0410001C", /*active=*/false);
  this->Entry("nobody", 0, "37", "0370001A");

  EXPECT_EQ(*s.GroupKeysOfUser(ann),
            (std::vector<std::string>{"departement:37", "etablissement:0370001A"}));
  EXPECT_TRUE(s.GroupKeysOfUser(cid)->empty());
  EXPECT_EQ(*s.GroupMemberIds("departement:37", 10), (std::vector<Id>{ann, ben}));
  EXPECT_EQ(*s.GroupMemberIds("departement:37", 1), (std::vector<Id>{ann}));
  EXPECT_EQ(*s.GroupMemberIds("etablissement:0370002B", 10), (std::vector<Id>{ben}));
  EXPECT_TRUE(s.GroupMemberIds("departement:41", 10)->empty());
  EXPECT_TRUE(s.GroupMemberIds("nonsense", 10)->empty());

  User g;
  g.login = "departement-37";
  g.display_name = "DSDEN 37";
  g.kind = UserKind::kGroup;
  g.group_key = "departement:37";
  Result<Id> gid = s.CreateUser(g);
  ASSERT_TRUE(gid.ok()) << gid.status().ToString();
  Result<User> got = s.GetUserByGroupKey("departement:37");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->id, *gid);
  EXPECT_EQ(got->kind, UserKind::kGroup);
  EXPECT_EQ(s.GetUserByLogin("departement-37")->group_key, "departement:37");
  EXPECT_EQ(s.GetUserById(ann)->kind, UserKind::kPerson);
  EXPECT_EQ(s.GetUserById(ann)->group_key, "");
  EXPECT_EQ(s.GetUserByGroupKey("departement:41").status().code(), Code::kNotFound);
  g.login = "other";
  EXPECT_EQ(s.CreateUser(g).status().code(), Code::kConflict);  // one account per group
}

}  // namespace
}  // namespace cartable::store
