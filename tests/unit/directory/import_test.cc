#include "directory/import.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "directory/accounts.h"
#include "directory/password.h"
#include "tests/testlib/temp_store.h"

namespace cartable::directory {
namespace {

std::string Fixture(const std::string& name) {
  std::ifstream in(std::string(CARTABLE_FIXTURE_DIR) + "/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

SecretKey TestKey() { return SecretKey::FromBytes(std::string(32, 'k')); }

constexpr const char* kHeader =
    "nom;prenom;email;fonction;etablissement;uai;departement;telephone\n";

class ImportTest : public ::testing::Test {
 protected:
  ImportReport Import(const std::string& text) {
    Result<ImportReport> r = ImportDirectory(*store_, text, TestKey(), options_);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : ImportReport{};
  }
  store::Session& S() { return store_->ThreadSession(); }
  store::User UserByLogin(const std::string& login) {
    Result<store::User> u = S().GetUserByLogin(login);
    EXPECT_TRUE(u.ok()) << login;
    return u.ok() ? *u : store::User{};
  }
  std::vector<std::string> CardNames() {
    std::vector<std::string> names;
    Result<store::Collection> c = S().GetCollection(store::kDirectoryPath);
    if (!c.ok()) return names;
    S().ForEachObject(c->id, [&](const store::Object& o) {
      names.push_back(o.name);
      return Status::OK();
    });
    return names;
  }
  std::string Card(const std::string& name) {
    Result<store::Collection> c = S().GetCollection(store::kDirectoryPath);
    Result<store::Object> o = S().GetObject(c->id, name, true);
    return o.ok() ? *o->data : "";
  }
  int64_t SyncSeq() { return S().GetCollection(store::kDirectoryPath)->sync_seq; }
  store::DirectoryEntry EntryOf(const std::string& login) {
    return *S().GetDirectoryEntryByUser(UserByLogin(login).id);
  }

  testlib::TempStore store_;
  ImportOptions options_;
};

TEST_F(ImportTest, FirstImportCreatesAccountsEntriesCardsAndGroups) {
  ImportReport r = Import(Fixture("staff.csv"));
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
  EXPECT_EQ(r.counts.added, 4u);
  store::User h = UserByLogin("hlegalldubois");
  EXPECT_EQ(h.email, "helene.le-gall-dubois@ac-orleans-tours.fr");
  EXPECT_EQ(h.display_name, "Hélène Le Gall-Dubois");
  EXPECT_EQ(h.password_hash, "");
  EXPECT_FALSE(h.must_change_password);
  store::User jean = UserByLogin("jmartin");
  EXPECT_EQ(jean.email, "jean.martin@ac-orleans-tours.fr");
  EXPECT_TRUE(jean.must_change_password);
  EXPECT_TRUE(VerifyPassword(jean.password_hash, "12E3456789ABC"));
  EXPECT_EQ(UserByLogin("jmartin2").email, "julie.martin@ac-orleans-tours.fr");
  EXPECT_EQ(UserByLogin("andiaye").email, "aissata.ndiaye@ac-orleans-tours.fr");

  store::DirectoryEntry e = EntryOf("hlegalldubois");
  EXPECT_EQ(e.source_key, "name:legalldubois|helene|0370001a");
  EXPECT_EQ(e.uai, "0370001A");
  // The NUMEN's keyed hash, never the NUMEN (import_identity_test.cc has the details).
  EXPECT_EQ(EntryOf("jmartin").source_key, "numen:" + TestKey().Hash("numen", "12E3456789ABC"));
  std::vector<std::string> names = CardNames();
  EXPECT_EQ(names.size(), 8u);  // 4 people, 2 departments, 2 establishments
  std::string card = Card(e.card_uid.substr(9) + ".vcf");
  EXPECT_NE(card.find("UID:" + e.card_uid + "\r\n"), std::string::npos) << card;
  EXPECT_NE(card.find("N:Le Gall-Dubois;Hélène;;;\r\n"), std::string::npos) << card;
  std::string group = Card("dsden-37.vcf");
  EXPECT_NE(group.find("FN:DSDEN 37 — Indre-et-Loire"), std::string::npos) << group;
  EXPECT_NE(group.find("MEMBER:" + e.card_uid), std::string::npos);
  EXPECT_NE(Card("etab-0450002b.vcf").find("FN:Collège Jean Zay\\; annexe"), std::string::npos);
  EXPECT_EQ(S().GetCollection(store::kDirectoryPath)->owner_id, 0);
}

TEST_F(ImportTest, ReimportIsIdempotent) {
  Import(Fixture("staff.csv"));
  int64_t seq = SyncSeq();
  std::string uid = EntryOf("jmartin2").card_uid;
  ImportReport r = Import(Fixture("staff.csv"));
  EXPECT_EQ(r.counts.unchanged, 4u);
  EXPECT_EQ(r.counts.added + r.counts.updated + r.counts.disabled, 0u);
  EXPECT_EQ(r.counts.cards_written + r.counts.cards_deleted, 0u);
  EXPECT_EQ(SyncSeq(), seq) << "no card rewritten";
  EXPECT_EQ(EntryOf("jmartin2").card_uid, uid);
}

TEST_F(ImportTest, OneChangeUpdatesExactlyThatPerson) {
  std::string text = Fixture("staff.csv");
  Import(text);
  int64_t seq = SyncSeq();
  size_t pos = text.find("Martin;Julie;;Professeure;");
  text.replace(pos, 26, "Martin;Julie;;Proviseure;");
  ImportReport r = Import(text);
  EXPECT_EQ(r.counts.updated, 1u);
  EXPECT_EQ(r.counts.unchanged, 3u);
  EXPECT_EQ(r.counts.cards_written, 1u);  // the person's card; groups did not change
  EXPECT_EQ(SyncSeq(), seq + 1);
  EXPECT_EQ(EntryOf("jmartin2").fonction, "Proviseure");
}

TEST_F(ImportTest, AbsentPersonIsDisabledAndComesBackWithTheSameLogin) {
  options_.allow_mass_disable = true;  // 1 of 4 people is more than max_disable_percent
  std::string text = Fixture("staff.csv");
  Import(text);
  std::string card_name = EntryOf("jmartin").card_uid.substr(9) + ".vcf";
  std::string without = text;
  size_t b = without.find("Martin;Jean;");
  without.erase(b, without.find('\n', b) + 1 - b);
  ImportReport r = Import(without);
  EXPECT_EQ(r.counts.disabled, 1u);
  EXPECT_EQ(r.counts.unchanged, 3u);
  EXPECT_EQ(UserByLogin("jmartin").state, store::UserState::kDisabled);
  EXPECT_FALSE(EntryOf("jmartin").active);
  EXPECT_EQ(EntryOf("jmartin").telephone, "02 47 00 00 02") << "data kept";
  std::vector<std::string> names = CardNames();
  EXPECT_EQ(std::count(names.begin(), names.end(), card_name), 0);
  EXPECT_EQ(Card("dsden-37.vcf").find(EntryOf("jmartin").card_uid), std::string::npos);
  EXPECT_EQ(Import(without).counts.disabled, 0u) << "counted once";

  r = Import(text);
  EXPECT_EQ(r.counts.updated, 1u);
  EXPECT_EQ(UserByLogin("jmartin").state, store::UserState::kActive);
  EXPECT_TRUE(EntryOf("jmartin").active);
  EXPECT_TRUE(UserByLogin("jmartin").must_change_password) << "password untouched";
}

TEST_F(ImportTest, GroupsThatBecomeEmptyAreDeleted) {
  options_.allow_mass_disable = true;  // 1 of 1
  Import(std::string(kHeader) + "Roy;Anne;;;Lycée A;0180001A;18;\n");
  EXPECT_EQ(CardNames().size(), 3u);
  ImportReport r = Import(std::string(kHeader) + "Roy;Paul;;;Lycée B;0280001B;28;\n");
  EXPECT_EQ(r.counts.added, 1u);
  EXPECT_EQ(r.counts.disabled, 1u);
  std::vector<std::string> names = CardNames();
  EXPECT_EQ(names.size(), 3u);
  EXPECT_EQ(std::count(names.begin(), names.end(), "dsden-18.vcf"), 0);
  EXPECT_EQ(std::count(names.begin(), names.end(), "etab-0280001b.vcf"), 1);
}

TEST_F(ImportTest, BadRowsRefuseTheWholeFile) {
  ImportReport r = Import(Fixture("staff_bad.csv"));
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].line, 4);
  EXPECT_EQ(r.errors[0].message, "missing prenom");
  EXPECT_EQ(r.errors[1].line, 5);
  EXPECT_NE(r.errors[1].message.find("column count"), std::string::npos);
  EXPECT_TRUE(S().ListUsers()->empty());
  EXPECT_TRUE(S().ListDirectoryEntries()->empty());
  EXPECT_FALSE(S().GetCollection(store::kDirectoryPath).ok());
}

TEST_F(ImportTest, ValidationErrors) {
  ImportReport r = Import(std::string(kHeader) +
                          "Roy;Anne;;;;;99;\n"             // 2 unknown department
                          "Roy;Anne;pas-un-mail;;;;18;\n"  // 3 bad email
                          "Roy;Anne;;;;;18;\n"             // 4 ok
                          "Roy;Anne;;;;;18;\n"             // 5 duplicate key (names, no UAI)
                          ";Anne;;;;;18;\n");              // 6 missing nom
  ASSERT_EQ(r.errors.size(), 4u);
  EXPECT_EQ(r.errors[0].line, 2);
  EXPECT_NE(r.errors[0].message.find("unknown departement '99'"), std::string::npos);
  EXPECT_EQ(r.errors[1].line, 3);
  EXPECT_NE(r.errors[1].message.find("bad email"), std::string::npos);
  EXPECT_EQ(r.errors[2].line, 5);
  EXPECT_NE(r.errors[2].message.find("duplicate key"), std::string::npos);
  EXPECT_EQ(r.errors[3].line, 6);
  EXPECT_TRUE(S().ListUsers()->empty());
}

TEST_F(ImportTest, HomonymsAgainstExistingAccountsAndGeneratedEmailDigits) {
  Accounts accounts(*store_);
  ASSERT_TRUE(accounts.AddUser("jmartin", "Jacques Martin", "", "pw").ok());
  ImportReport r = Import(std::string(kHeader) +
                          "Martin;Jean;;;;0370001A;37;\n"
                          "Martin;Jean;;;;0370002B;37;\n"
                          "Martin;Julie;;;;0370002B;37;\n");
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
  EXPECT_EQ(UserByLogin("jmartin2").email, "jean.martin@ac-orleans-tours.fr");
  EXPECT_EQ(UserByLogin("jmartin3").email, "jean.martin2@ac-orleans-tours.fr");
  EXPECT_EQ(UserByLogin("jmartin4").email, "julie.martin@ac-orleans-tours.fr");
  EXPECT_EQ(UserByLogin("jmartin").display_name, "Jacques Martin") << "untouched";
}

TEST_F(ImportTest, KeyKeepsLoginAcrossRenameAndMailDomainIsConfigurable) {
  options_.mail_domain = "example.fr";
  Import(
      "nom;prenom;email;fonction;etablissement;uai;departement;telephone;numen\n"
      "Durand;Marie;;;;;41;;12E3456789ABC\n");
  EXPECT_EQ(UserByLogin("mdurand").email, "marie.durand@example.fr");
  ImportReport r = Import(
      "nom;prenom;email;fonction;etablissement;uai;departement;telephone;numen\n"
      "Petit;Marie;;;;;41;;12e3456789abc\n");
  EXPECT_EQ(r.counts.updated, 1u);
  EXPECT_EQ(r.counts.added, 0u);
  store::User u = UserByLogin("mdurand");
  EXPECT_EQ(u.display_name, "Marie Petit");
  EXPECT_EQ(u.email, "marie.durand@example.fr") << "a generated address is kept";
}

TEST_F(ImportTest, LdifImport) {
  ImportReport r = Import(Fixture("staff.ldif"));
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
  EXPECT_EQ(r.counts.added, 2u);
  EXPECT_EQ(EntryOf("hlegalldubois").source_key, "uid:hlegall");
  EXPECT_EQ(EntryOf("hlegalldubois").uai, "0370001A");
  EXPECT_EQ(EntryOf("jmartin").departement, "41");
  EXPECT_EQ(Import(Fixture("staff.ldif")).counts.unchanged, 2u);
}

}  // namespace
}  // namespace cartable::directory

namespace cartable::directory {
namespace {

// The same import against the SQLite store (FTS-indexed entries, real transactions).
TEST(ImportSqliteTest, ImportReimportAndDisableOnSqlite) {
  char dir_template[] = "/tmp/cartable-import-XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  std::string dir = dir_template;
  {
    Result<std::unique_ptr<store::Store>> store = store::OpenSqliteStore(dir);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    std::string text = Fixture("staff.csv");
    Result<ImportReport> r = ImportDirectory(**store, text, TestKey(), ImportOptions{});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_TRUE(r->errors.empty()) << r->errors[0].message;
    EXPECT_EQ(r->counts.added, 4u);
    EXPECT_EQ(r->counts.cards_written, 8u);
    store::Session& s = (*store)->ThreadSession();
    store::DirectoryQuery q;
    q.text = "helene";
    Result<std::vector<store::DirectoryEntry>> found = s.SearchDirectory(q);
    ASSERT_TRUE(found.ok()) << found.status().ToString();
    ASSERT_EQ(found->size(), 1u);
    EXPECT_EQ(found->front().nom, "Le Gall-Dubois");
    int64_t seq = s.GetCollection(store::kDirectoryPath)->sync_seq;

    r = ImportDirectory(**store, text, TestKey(), ImportOptions{});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->counts.unchanged, 4u);
    EXPECT_EQ(r->counts.cards_written, 0u);
    EXPECT_EQ(s.GetCollection(store::kDirectoryPath)->sync_seq, seq);

    size_t b = text.find("Martin;Jean;");
    text.erase(b, text.find('\n', b) + 1 - b);
    ImportOptions allow;
    allow.allow_mass_disable = true;  // 1 of 4 people is more than max_disable_percent
    r = ImportDirectory(**store, text, TestKey(), allow);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->counts.disabled, 1u);
    Result<store::User> jean = s.GetUserByLogin("jmartin");
    ASSERT_TRUE(jean.ok());
    EXPECT_EQ(jean->state, store::UserState::kDisabled);
    EXPECT_TRUE(jean->must_change_password);
    EXPECT_TRUE(VerifyPassword(jean->password_hash, "12E3456789ABC"));
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace cartable::directory
