// Group accounts made by the directory import, and the share mounts that follow a person's
// groups across re-imports (directory/group_accounts.h).
#include "directory/group_accounts.h"

#include <gtest/gtest.h>

#include <map>

#include "directory/import.h"
#include "tests/testlib/temp_store.h"

namespace cartable::directory {
namespace {

SecretKey TestKey() { return SecretKey::FromBytes(std::string(32, 'k')); }

constexpr const char* kHeader =
    "nom;prenom;email;fonction;etablissement;uai;departement;telephone\n";
// Hélène and Jean in Tours (37, Lycée Descartes), Julie in Orléans (45); keyed by their e-mail
// (without one, the key holds the UAI: a move would be another person).
constexpr const char* kStaff =
    "Le Gall-Dubois;Hélène;hld@ac-orleans-tours.fr;Professeure;Lycée Descartes;0370001A;37;\n"
    "Martin;Jean;jm@ac-orleans-tours.fr;CPE;Lycée Descartes;0370001A;37;\n"
    "Martin;Julie;jul@ac-orleans-tours.fr;Professeure;Collège Jean Zay;0450002B;45;\n";
// The same with Jean moved to Orléans.
constexpr const char* kJeanMoved =
    "Le Gall-Dubois;Hélène;hld@ac-orleans-tours.fr;Professeure;Lycée Descartes;0370001A;37;\n"
    "Martin;Jean;jm@ac-orleans-tours.fr;CPE;Collège Jean Zay;0450002B;45;\n"
    "Martin;Julie;jul@ac-orleans-tours.fr;Professeure;Collège Jean Zay;0450002B;45;\n";

TEST(GroupNamesTest, KeysAndLogins) {
  EXPECT_EQ(DepartmentKey("37"), "departement:37");
  EXPECT_EQ(EstablishmentKey("0370001A"), "etablissement:0370001A");
  EXPECT_EQ(GroupLogin("departement:37"), "departement-37");
  EXPECT_EQ(GroupLogin("etablissement:0370001A"), "etablissement-0370001a");
  EXPECT_EQ(GroupLogin("jmartin"), "");
  EXPECT_EQ(GroupLogin("departement:"), "");
}

TEST(GroupNamesTest, WantedGroupsFromActiveEntriesWithTheCardsNames) {
  store::DirectoryEntry a, b, gone;
  a.departement = "37";
  a.uai = "0370001A";
  a.etablissement = "Lycée Descartes";
  b.departement = "37";
  b.uai = "0370002B";  // no establishment name: the UAI names it, as its group card
  gone.departement = "18";
  gone.active = false;
  std::vector<GroupAccount> g = WantedGroups({a, b, gone}, DefaultDepartments());
  ASSERT_EQ(g.size(), 3u);
  EXPECT_EQ(g[0].key, "departement:37");
  EXPECT_EQ(g[0].login, "departement-37");
  EXPECT_EQ(g[0].name, "DSDEN 37 \xE2\x80\x94 Indre-et-Loire");
  EXPECT_EQ(g[1].key, "etablissement:0370001A");
  EXPECT_EQ(g[1].name, "Lycée Descartes");
  EXPECT_EQ(g[2].login, "etablissement-0370002b");
  EXPECT_EQ(g[2].name, "0370002B");
}

TEST(GroupNamesTest, PlanRefusesALoginHeldByAPerson) {
  store::User person;
  person.login = "departement-37";
  GroupPlan plan =
      PlanGroupAccounts({{"departement:37", "departement-37", "DSDEN 37"}}, {person}, 0);
  EXPECT_TRUE(plan.creates.empty());
  EXPECT_NE(plan.error.find("departement-37"), std::string::npos) << plan.error;
}

class GroupImportTest : public ::testing::Test {
 protected:
  ImportReport Import(const std::string& rows) {
    Result<ImportReport> r = ImportDirectory(*store_, kHeader + rows, TestKey(), options_);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (r.ok() && !r->errors.empty()) ADD_FAILURE() << r->errors[0].message;
    return r.ok() ? *r : ImportReport{};
  }
  store::Session& S() { return store_->ThreadSession(); }
  store::User User(const std::string& login) {
    Result<store::User> u = S().GetUserByLogin(login);
    EXPECT_TRUE(u.ok()) << login;
    return u.ok() ? *u : store::User{};
  }
  // A calendar of `owner` shared with `group_key` (as the sharing service stores it).
  store::Id ShareWithGroup(const store::User& owner, const std::string& group_key) {
    Result<store::Collection> home = S().CreateCollection("/dav/calendars/" + owner.login + "/", 0,
                                                          owner.id, store::kKindCalendarHome);
    EXPECT_TRUE(home.ok());
    Result<store::Collection> cal =
        S().CreateCollection(home->path + "agenda/", home->id, owner.id, store::kKindCalendar);
    EXPECT_TRUE(cal.ok());
    store::Share share;
    share.collection_id = cal->id;
    share.sharee_group = group_key;
    share.access = store::ShareAccess::kRead;
    share.status = store::ShareStatus::kAccepted;
    share.invite_uid = "invite-" + group_key;
    Result<store::Id> id = S().CreateShare(share);
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    return id.ok() ? *id : 0;
  }
  store::Collection Home(const std::string& login) {
    Result<store::Collection> home = S().GetCollection("/dav/calendars/" + login + "/");
    if (home.ok()) return *home;
    return *S().CreateCollection("/dav/calendars/" + login + "/", 0, User(login).id,
                                 store::kKindCalendarHome);
  }

  testlib::TempStore store_;
  ImportOptions options_;
};

TEST_F(GroupImportTest, ImportCreatesOneGroupAccountPerDepartmentAndEstablishment) {
  ImportReport r = Import(kStaff);
  EXPECT_EQ(r.counts.groups_added, 4u);
  store::User dep = User("departement-37");
  EXPECT_EQ(dep.kind, store::UserKind::kGroup);
  EXPECT_EQ(dep.group_key, "departement:37");
  EXPECT_EQ(dep.display_name, "DSDEN 37 \xE2\x80\x94 Indre-et-Loire");
  EXPECT_EQ(dep.password_hash, "");
  EXPECT_EQ(dep.email, "");
  EXPECT_FALSE(dep.scheduling);
  store::User etab = User("etablissement-0370001a");
  EXPECT_EQ(etab.group_key, "etablissement:0370001A");
  EXPECT_EQ(etab.display_name, "Lycée Descartes");
  Result<store::User> by_key = S().GetUserByGroupKey("etablissement:0450002B");
  ASSERT_TRUE(by_key.ok());
  EXPECT_EQ(by_key->login, "etablissement-0450002b");
  EXPECT_EQ(User("jmartin").kind, store::UserKind::kPerson);
  // Membership comes from the directory entries.
  Result<std::vector<store::Id>> members = S().GroupMemberIds("departement:37", 10);
  ASSERT_TRUE(members.ok());
  EXPECT_EQ(members->size(), 2u);
  Result<std::vector<store::User>> groups = S().ListGroups();
  ASSERT_TRUE(groups.ok());
  ASSERT_EQ(groups->size(), 4u);
  EXPECT_EQ(groups->front().login, "departement-37");
}

TEST_F(GroupImportTest, ReimportKeepsGroupsAndRenamesAnEstablishment) {
  Import(kStaff);
  ImportReport same = Import(kStaff);
  EXPECT_EQ(same.counts.groups_added, 0u);
  EXPECT_EQ(same.counts.groups_renamed, 0u);
  const store::Id id = User("etablissement-0370001a").id;
  ImportReport renamed = Import(
      "Le Gall-Dubois;Hélène;hld@ac-orleans-tours.fr;Professeure;Lycée René "
      "Descartes;0370001A;37;\n"
      "Martin;Jean;jm@ac-orleans-tours.fr;CPE;Lycée René Descartes;0370001A;37;\n"
      "Martin;Julie;jul@ac-orleans-tours.fr;Professeure;Collège Jean Zay;0450002B;45;\n");
  EXPECT_EQ(renamed.counts.groups_renamed, 1u);
  EXPECT_EQ(User("etablissement-0370001a").id, id);
  EXPECT_EQ(User("etablissement-0370001a").display_name, "Lycée René Descartes");
}

TEST_F(GroupImportTest, ReimportMovingSomeoneTouchesTheMountsOfTheirHome) {
  Import(kStaff);
  const store::Id tours = ShareWithGroup(User("departement-37"), "departement:37");
  const store::Id orleans = ShareWithGroup(User("departement-45"), "departement:45");
  ASSERT_NE(tours, 0);
  ASSERT_NE(orleans, 0);
  const store::Collection jean_home = Home("jmartin");
  const store::Collection helene_home = Home("hlegalldubois");
  ImportReport r = Import(kJeanMoved);
  EXPECT_EQ(r.counts.updated, 1u);
  EXPECT_EQ(r.counts.homes_touched, 1u);
  Result<std::vector<store::Change>> changes = S().ChangesSince(jean_home.id, jean_home.sync_seq);
  ASSERT_TRUE(changes.ok());
  std::map<std::string, bool> seen;  // name -> deleted
  for (const store::Change& c : *changes) seen[c.name] = c.deleted;
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_TRUE(seen.at("partage-" + std::to_string(tours) + "/"));
  EXPECT_FALSE(seen.at("partage-" + std::to_string(orleans) + "/"));
  // Hélène's groups did not change: her home is left alone.
  Result<std::vector<store::Change>> hers = S().ChangesSince(helene_home.id, helene_home.sync_seq);
  ASSERT_TRUE(hers.ok());
  EXPECT_TRUE(hers->empty());
}

TEST_F(GroupImportTest, AMemberWhoHidTheGroupShareIsNotTouched) {
  Import(kStaff);
  const store::Id tours = ShareWithGroup(User("departement-37"), "departement:37");
  store::ShareMember hidden;
  hidden.share_id = tours;
  hidden.user_id = User("jmartin").id;
  hidden.hidden = true;
  ASSERT_TRUE(S().PutShareMember(hidden).ok());
  const store::Collection home = Home("jmartin");
  ImportReport r = Import(kJeanMoved);
  EXPECT_EQ(r.counts.homes_touched, 0u);
  Result<std::vector<store::Change>> changes = S().ChangesSince(home.id, home.sync_seq);
  ASSERT_TRUE(changes.ok());
  EXPECT_TRUE(changes->empty());
}

TEST_F(GroupImportTest, DisablingSomeoneRemovesTheirGroupMounts) {
  Import(kStaff);
  const store::Id etab = ShareWithGroup(User("etablissement-0370001a"), "etablissement:0370001A");
  const store::Collection home = Home("jmartin");
  options_.allow_mass_disable = true;
  ImportReport r = Import(
      "Le Gall-Dubois;Hélène;hld@ac-orleans-tours.fr;Professeure;Lycée Descartes;0370001A;37;\n"
      "Martin;Julie;jul@ac-orleans-tours.fr;Professeure;Collège Jean Zay;0450002B;45;\n");
  EXPECT_EQ(r.counts.disabled, 1u);
  Result<std::vector<store::Change>> changes = S().ChangesSince(home.id, home.sync_seq);
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(changes->size(), 1u);
  EXPECT_EQ(changes->front().name, "partage-" + std::to_string(etab) + "/");
  EXPECT_TRUE(changes->front().deleted);
}

}  // namespace
}  // namespace cartable::directory
