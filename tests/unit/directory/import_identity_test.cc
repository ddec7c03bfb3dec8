// The import's identity data (issue 11): birth dates read from CSV and LDIF, NUMEN and birth date
// stored only as keyed hashes, source keys without a NUMEN in clear, and entries written by the
// older import (key "numen:" + the NUMEN) rekeyed without losing the person's identity.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "directory/import.h"
#include "directory/password.h"
#include "directory/secret_key.h"
#include "tests/testlib/temp_store.h"

namespace cartable::directory {
namespace {

constexpr const char* kHeader =
    "nom;prenom;email;fonction;etablissement;uai;departement;telephone;numen;date_naissance\n";
constexpr const char* kNumen = "12E3456789ABC";

class ImportIdentityTest : public ::testing::Test {
 protected:
  ImportReport Import(const std::string& text) {
    Result<ImportReport> r = ImportDirectory(*store_, text, key_, options_);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : ImportReport{};
  }
  store::Session& S() { return store_->ThreadSession(); }
  store::User UserByLogin(const std::string& login) {
    Result<store::User> u = S().GetUserByLogin(login);
    EXPECT_TRUE(u.ok()) << login;
    return u.ok() ? *u : store::User{};
  }
  store::DirectoryEntry EntryOf(const std::string& login) {
    Result<store::DirectoryEntry> e = S().GetDirectoryEntryByUser(UserByLogin(login).id);
    EXPECT_TRUE(e.ok()) << login;
    return e.ok() ? *e : store::DirectoryEntry{};
  }
  // Every byte the store keeps on disk (database, WAL).
  std::string StoreBytes() {
    std::string all;
    for (const auto& f : std::filesystem::recursive_directory_iterator(store_.data_dir())) {
      if (!f.is_regular_file()) continue;
      std::ifstream in(f.path(), std::ios::binary);
      all.append(std::istreambuf_iterator<char>(in), {});
    }
    return all;
  }
  // What the import of an older version stored for a person with a NUMEN: the account (with
  // its initial password) and the entry keyed by the NUMEN in clear.
  store::Id MakeOldStyleEntry(const std::string& login, const std::string& nom,
                              const std::string& prenom, const std::string& numen,
                              const std::string& card_uid) {
    store::User u;
    u.login = login;
    u.email = login + "@ac-orleans-tours.fr";
    u.display_name = prenom + " " + nom;
    u.password_hash = HashPassword(numen, HashStrength::kTemporary);
    u.must_change_password = true;
    Result<store::Id> id = S().CreateUser(u);
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    store::DirectoryEntry e;
    e.source_key = "numen:" + numen;
    e.user_id = id.ok() ? *id : 0;
    e.card_uid = card_uid;
    e.nom = nom;
    e.prenom = prenom;
    e.email = u.email;
    e.departement = "37";
    Result<store::Id> eid = S().PutDirectoryEntry(e);
    EXPECT_TRUE(eid.ok()) << eid.status().ToString();
    return eid.ok() ? *eid : 0;
  }

  testlib::TempStore store_;
  SecretKey key_ = SecretKey::FromBytes(std::string(32, 'k'));
  ImportOptions options_;
};

TEST_F(ImportIdentityTest, StoresOnlyKeyedHashesOfNumenAndBirthDate) {
  ImportReport r = Import(std::string(kHeader) + "Martin;Jean;;CPE;;;37;;" + kNumen +
                          ";15/03/1985\n"
                          "Roy;Anne;;;;;37;;;1985-03-15\n"
                          "Petit;Paul;;;;;37;;;\n");
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
  const std::string numen_hash = key_.Hash("numen", kNumen);
  const std::string birth_hash = key_.Hash("birth", "1985-03-15");
  store::DirectoryEntry jean = EntryOf("jmartin");
  EXPECT_EQ(jean.source_key, "numen:" + numen_hash);
  EXPECT_EQ(jean.numen_hash, numen_hash);
  EXPECT_EQ(jean.birth_hash, birth_hash);
  EXPECT_EQ(EntryOf("aroy").birth_hash, birth_hash);  // ISO and JJ/MM/AAAA: the same date
  EXPECT_EQ(EntryOf("aroy").numen_hash, "");
  EXPECT_EQ(EntryOf("ppetit").birth_hash, "");
  // The NUMEN is still the initial password (Argon2id), to be changed at first sign-in.
  store::User u = UserByLogin("jmartin");
  EXPECT_TRUE(u.must_change_password);
  EXPECT_TRUE(VerifyPassword(u.password_hash, kNumen));
  // Neither the NUMEN nor the birth date is anywhere in the store's files.
  const std::string bytes = StoreBytes();
  EXPECT_NE(bytes.find(numen_hash), std::string::npos) << "the files were read";
  EXPECT_EQ(bytes.find(kNumen), std::string::npos);
  EXPECT_EQ(bytes.find("1985-03-15"), std::string::npos);
  EXPECT_EQ(bytes.find("15/03/1985"), std::string::npos);
  // Same file again: nothing changes.
  r = Import(std::string(kHeader) + "Martin;Jean;;CPE;;;37;;" + kNumen +
             ";15/03/1985\n"
             "Roy;Anne;;;;;37;;;1985-03-15\n"
             "Petit;Paul;;;;;37;;;\n");
  EXPECT_EQ(r.counts.unchanged, 3u);
  EXPECT_EQ(r.counts.updated, 0u);
}

TEST_F(ImportIdentityTest, ABadBirthDateIsARowErrorThatQuotesNothing) {
  ImportReport r = Import(std::string(kHeader) +
                          "Roy;Anne;;;;;37;;;31/02/1985\n"
                          "Roy;Paul;;;;;37;;;1985-3-15\n"
                          "Roy;Lise;;;;;37;;;15/03/1985\n"
                          "Roy;Marc;;;;;37;;;hier\n");
  ASSERT_EQ(r.errors.size(), 3u);
  EXPECT_EQ(r.errors[0].line, 2);
  EXPECT_EQ(r.errors[1].line, 3);
  EXPECT_EQ(r.errors[2].line, 5);
  for (const ImportError& e : r.errors) {
    EXPECT_NE(e.message.find("bad birth date"), std::string::npos) << e.message;
    EXPECT_EQ(e.message.find("1985"), std::string::npos) << e.message;
  }
  EXPECT_EQ(S().ListDirectoryEntries()->size(), 0u) << "the file is refused whole";
}

TEST_F(ImportIdentityTest, LdifBirthDates) {
  ImportReport r = Import(
      "dn: uid=jmartin,ou=people\nuid: jmartin\nsn: Martin\ngivenName: Jean\n"
      "dateNaissance: 19850315000000Z\n\n"
      "dn: uid=aroy,ou=people\nuid: aroy\nsn: Roy\ngivenName: Anne\n"
      "dateNaissance: 15/03/1985\n");
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
  EXPECT_EQ(EntryOf("jmartin").birth_hash, key_.Hash("birth", "1985-03-15"));
  EXPECT_EQ(EntryOf("aroy").birth_hash, key_.Hash("birth", "1985-03-15"));
  r = Import(
      "dn: uid=jmartin,ou=people\nuid: jmartin\nsn: Martin\ngivenName: Jean\n"
      "dateNaissance: 19851315000000Z\n");  // month 13
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].line, 1);
  EXPECT_NE(r.errors[0].message.find("bad birth date"), std::string::npos);
}

TEST_F(ImportIdentityTest, AFileWithoutTheColumnKeepsTheHashesAChangedDateReplacesThem) {
  Import(std::string(kHeader) + "Roy;Anne;;;;;37;;" + kNumen + ";15/03/1985\n");
  const store::DirectoryEntry before = EntryOf("aroy");
  ASSERT_NE(before.birth_hash, "");
  // An export without the date_naissance column: the stored date stays.
  ImportReport r = Import(
      "nom;prenom;email;fonction;etablissement;uai;departement;telephone;numen\n"
      "Roy;Anne;;;;;37;;" +
      std::string(kNumen) + "\n");
  EXPECT_EQ(r.counts.unchanged, 1u);
  EXPECT_EQ(EntryOf("aroy").birth_hash, before.birth_hash);
  r = Import(std::string(kHeader) + "Roy;Anne;;;;;37;;" + kNumen + ";16/03/1985\n");
  EXPECT_EQ(r.counts.updated, 1u);
  EXPECT_EQ(EntryOf("aroy").birth_hash, key_.Hash("birth", "1985-03-16"));
  EXPECT_EQ(EntryOf("aroy").id, before.id);
}

TEST_F(ImportIdentityTest, NumenWrittenInAnyCaseOrSpacingIsOnePerson) {
  Import(std::string(kHeader) + "Roy;Anne;;;;;37;;12e3456789abc;\n");
  ImportReport r = Import(std::string(kHeader) + "Roy;Anne;;;;;37;;12E3456789ABC;\n");
  EXPECT_EQ(r.counts.unchanged, 1u);
  EXPECT_EQ(r.counts.added, 0u);
}

// A store filled by the import of the previous version: keys "numen:" + the NUMEN in clear.
TEST_F(ImportIdentityTest, OldClearNumenKeysAreRehashedKeepingLoginCardAndAccount) {
  const store::Id jean = MakeOldStyleEntry("jmartin", "Martin", "Jean", kNumen, "urn:uuid:jean");
  const store::Id anne = MakeOldStyleEntry("aroy", "Roy", "Anne", "99E8765432XYZ", "urn:uuid:anne");
  const store::Id jean_user = UserByLogin("jmartin").id;
  options_.allow_mass_disable = true;  // Anne is absent from the file below

  options_.dry_run = true;  // counted, not written
  ImportReport r = Import(std::string(kHeader) + "Martin;Jean;;;;;37;;" + kNumen + ";\n");
  EXPECT_EQ(r.counts.rekeyed, 2u);
  EXPECT_EQ(EntryOf("jmartin").source_key, std::string("numen:") + kNumen);

  options_.dry_run = false;
  r = Import(std::string(kHeader) + "Martin;Jean;;;;;37;;" + kNumen + ";15/03/1985\n");
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
  EXPECT_EQ(r.counts.rekeyed, 2u);
  EXPECT_EQ(r.counts.added, 0u);
  EXPECT_EQ(r.counts.updated, 1u);  // the birth date is new
  EXPECT_EQ(r.counts.disabled, 1u);
  store::DirectoryEntry e = EntryOf("jmartin");
  EXPECT_EQ(e.id, jean);
  EXPECT_EQ(e.card_uid, "urn:uuid:jean");
  EXPECT_EQ(e.user_id, jean_user);
  EXPECT_EQ(e.source_key, "numen:" + key_.Hash("numen", kNumen));
  EXPECT_EQ(e.numen_hash, key_.Hash("numen", kNumen));
  EXPECT_TRUE(VerifyPassword(UserByLogin("jmartin").password_hash, kNumen));
  EXPECT_EQ(S().ListUsers()->size(), 2u) << "no new account";
  // The absent person is disabled and rekeyed too: no NUMEN in clear stays in the store.
  Result<std::vector<store::DirectoryEntry>> all = S().ListDirectoryEntries();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[1].id, anne);
  EXPECT_FALSE((*all)[1].active);
  EXPECT_EQ((*all)[1].source_key, "numen:" + key_.Hash("numen", "99E8765432XYZ"));
  for (const store::DirectoryEntry& entry : *all) {
    EXPECT_EQ(entry.source_key.find("E3456789"), std::string::npos) << entry.source_key;
    EXPECT_EQ(entry.source_key.find("E8765432"), std::string::npos) << entry.source_key;
  }

  r = Import(std::string(kHeader) + "Martin;Jean;;;;;37;;" + kNumen + ";15/03/1985\n");
  EXPECT_EQ(r.counts.rekeyed, 0u);
  EXPECT_EQ(r.counts.unchanged, 1u);
  EXPECT_EQ(r.counts.added, 0u);
}

// The old key of a person whose row comes back after they were disabled.
TEST_F(ImportIdentityTest, RekeyedPersonComingBackIsReactivated) {
  MakeOldStyleEntry("jmartin", "Martin", "Jean", kNumen, "urn:uuid:jean");
  store::DirectoryEntry e = EntryOf("jmartin");
  e.active = false;
  ASSERT_TRUE(S().PutDirectoryEntry(e).ok());
  ImportReport r = Import(std::string(kHeader) + "Martin;Jean;;;;;37;;" + kNumen + ";\n");
  EXPECT_EQ(r.counts.rekeyed, 1u);
  EXPECT_EQ(r.counts.updated, 1u);
  EXPECT_TRUE(EntryOf("jmartin").active);
  EXPECT_EQ(EntryOf("jmartin").card_uid, "urn:uuid:jean");
}

}  // namespace
}  // namespace cartable::directory
