// Safe imports (issue 10, deliverable 5): the file's encoding is checked (or converted when the
// operator names it), its size is bounded, a file that would disable many people is refused, the
// writes go in batches that converge to the same result, and no message quotes a NUMEN.
#include <gtest/gtest.h>

#include <string>

#include "directory/import.h"
#include "directory/import_encoding.h"
#include "tests/testlib/temp_store.h"

namespace cartable::directory {
namespace {

SecretKey TestKey() { return SecretKey::FromBytes(std::string(32, 'k')); }

constexpr const char* kHeader =
    "nom;prenom;email;fonction;etablissement;uai;departement;telephone\n";

// A name of letters only (logins and emails are made of the letters of the names).
std::string Letters(size_t i) {
  std::string s;
  do {
    s += static_cast<char>('a' + i % 26);
    i /= 26;
  } while (i > 0);
  return s;
}

// `n` people, one per line, with distinct names; `first` shifts the names.
std::string People(size_t n, size_t first = 0) {
  std::string text = kHeader;
  for (size_t i = first; i < first + n; ++i) {
    text += "Nom" + Letters(i) + ";Anne;;;Lycée A;0370001A;37;\n";
  }
  return text;
}

class ImportSafetyTest : public ::testing::Test {
 protected:
  ImportReport Import(const std::string& text) {
    Result<ImportReport> r = ImportDirectory(*store_, text, TestKey(), options_);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : ImportReport{};
  }
  store::Session& S() { return store_->ThreadSession(); }
  size_t Users() { return S().ListUsers()->size(); }
  size_t ActiveEntries() {
    // The Result must outlive the loop: `*temporary` would not extend its life.
    Result<std::vector<store::DirectoryEntry>> entries = S().ListDirectoryEntries();
    EXPECT_TRUE(entries.ok());
    size_t n = 0;
    for (const store::DirectoryEntry& e : *entries) n += e.active ? 1 : 0;
    return n;
  }
  std::string DisplayName(const std::string& login) {
    Result<store::User> u = S().GetUserByLogin(login);
    EXPECT_TRUE(u.ok()) << login;
    return u.ok() ? u->display_name : "";
  }

  testlib::TempStore store_;
  ImportOptions options_;
};

// ---- encoding ----

TEST_F(ImportSafetyTest, Latin1FileIsRefusedWithItsFirstBadLineAndNothingChanges) {
  ImportReport r = Import(std::string(kHeader) +
                          "Roy;Anne;;;;;18;\n"
                          "Dupont;H\xE9l\xE8ne;;;;;18;\n"  // Latin-1 "Hélène"
                          "L\xE9ger;Paul;;;;;18;\n");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].line, 3);
  EXPECT_NE(r.errors[0].message.find("not UTF-8"), std::string::npos) << r.errors[0].message;
  EXPECT_NE(r.errors[0].message.find("--encoding latin1"), std::string::npos);
  EXPECT_EQ(Users(), 0u);
}

TEST_F(ImportSafetyTest, Latin1FileIsConvertedWhenTheOperatorSaysSo) {
  options_.encoding = "latin1";
  ImportReport r = Import(std::string(kHeader) + "Dupont;H\xE9l\xE8ne;;;Lyc\xE9\x65 A;;18;\n");
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
  EXPECT_EQ(DisplayName("hdupont"), "Hélène Dupont");
  EXPECT_EQ(S().ListDirectoryEntries()->front().etablissement, "Lycée A");
}

TEST_F(ImportSafetyTest, Windows1252FileIsConvertedAndItsPunctuationIsNotReadAsLatin1) {
  // 0x92 is the right single quotation mark in Windows-1252 (Excel's "CSV"), a C1 control in
  // Latin-1: naming the wrong one is refused rather than stored as a control character.
  const std::string text = std::string(kHeader) +
                           "N\x92"
                           "Diaye;A\xEFssata;;;;;18;\n";
  options_.encoding = "latin1";
  ImportReport refused = Import(text);
  ASSERT_EQ(refused.errors.size(), 1u);
  EXPECT_EQ(refused.errors[0].line, 2);
  EXPECT_NE(refused.errors[0].message.find("windows-1252"), std::string::npos);
  EXPECT_EQ(Users(), 0u);

  options_.encoding = "cp1252";
  ImportReport r = Import(text);
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
  EXPECT_EQ(DisplayName("andiaye"), "Aïssata N\u2019Diaye");
}

TEST_F(ImportSafetyTest, BytesUndefinedInWindows1252AreRefusedWithTheirLine) {
  options_.encoding = "windows-1252";
  ImportReport r = Import(std::string(kHeader) + "Roy;Anne;;;;;18;\nRoy;Pa\x81l;;;;;18;\n");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].line, 3);
  EXPECT_EQ(Users(), 0u);
}

TEST_F(ImportSafetyTest, Utf8ByteOrderMarkIsAcceptedButNotWithAnotherEncoding) {
  const std::string text = "\xEF\xBB\xBF" + std::string(kHeader) + "Dupont;Hélène;;;;;18;\n";
  ImportReport r = Import(text);
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
  EXPECT_EQ(DisplayName("hdupont"), "Hélène Dupont");
  options_.encoding = "latin1";
  r = Import(text);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].message.find("byte order mark"), std::string::npos);
}

TEST_F(ImportSafetyTest, LdifThatIsNotUtf8IsRefusedToo) {
  ImportReport r =
      Import("version: 1\n\ndn: uid=a,ou=people\nuid: a\nsn: L\xE9ger\ngivenName: Paul\n");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].line, 5);
  EXPECT_EQ(Users(), 0u);
}

TEST_F(ImportSafetyTest, ControlCharactersAreRefused) {
  ImportReport r = Import(std::string(kHeader) + "Roy;Anne;;;;;18;\nRoy;Pa\x01ul;;;;;18;\n");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].line, 3);
  EXPECT_NE(r.errors[0].message.find("control character"), std::string::npos);
  EXPECT_EQ(Users(), 0u);
}

TEST(ImportEncodingTest, Utf8ValidationFollowsRfc3629) {
  EXPECT_EQ(FirstNonUtf8Line("ascii\nHélène €\n\xF0\x9F\x98\x80"), 0);
  EXPECT_EQ(FirstNonUtf8Line("a\nb\n\xC0\xAF"), 3);    // overlong '/'
  EXPECT_EQ(FirstNonUtf8Line("\xED\xA0\x80"), 1);      // surrogate U+D800
  EXPECT_EQ(FirstNonUtf8Line("\xF4\x90\x80\x80"), 1);  // above U+10FFFF
  EXPECT_EQ(FirstNonUtf8Line("ok\n\xC3"), 2);          // truncated
  EXPECT_EQ(CanonicalEncoding("Latin1"), std::optional<std::string>("ISO-8859-1"));
  EXPECT_EQ(CanonicalEncoding("CP1252"), std::optional<std::string>("WINDOWS-1252"));
  EXPECT_FALSE(CanonicalEncoding("ebcdic"));
}

// ---- size ----

TEST_F(ImportSafetyTest, FileLargerThanMaxBytesIsRefusedBeforeParsing) {
  const std::string text = People(3);
  options_.max_bytes = text.size() - 1;
  ImportReport r = Import(text);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].line, 0);
  EXPECT_NE(r.errors[0].message.find("max_import_bytes"), std::string::npos);
  EXPECT_EQ(Users(), 0u);
  options_.max_bytes = text.size();
  EXPECT_EQ(Import(text).counts.added, 3u);
}

// ---- mass disable ----

TEST_F(ImportSafetyTest, DisablingMoreThanTheShareIsRefusedAndChangesNothing) {
  ASSERT_EQ(Import(People(40)).counts.added, 40u);
  // A file cut after 37 people, plus one new person: 3 of 40 (7.5 %) would be disabled.
  std::string cut = People(37) + "Neuve;Lise;;;;;18;\n";
  ImportReport r = Import(cut);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].line, 0);
  EXPECT_NE(r.errors[0].message.find("would disable 3 of the 40 active people"), std::string::npos)
      << r.errors[0].message;
  EXPECT_NE(r.errors[0].message.find("--allow-mass-disable"), std::string::npos);
  EXPECT_EQ(ActiveEntries(), 40u);
  EXPECT_EQ(Users(), 40u) << "the new person was not added either";

  options_.dry_run = true;
  EXPECT_EQ(Import(cut).errors.size(), 1u) << "a dry run says so too";
  options_.dry_run = false;

  options_.max_disable_percent = 10;
  r = Import(cut);
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
  EXPECT_EQ(r.counts.disabled, 3u);
  EXPECT_EQ(ActiveEntries(), 38u);
}

TEST_F(ImportSafetyTest, UpToTheShareIsAllowedAndTheFlagAllowsMore) {
  Import(People(40));
  ImportReport r = Import(People(38));  // 2 of 40 = 5 %
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
  EXPECT_EQ(r.counts.disabled, 2u);
  // Everybody but one person of 38 active: refused, then allowed by the operator.
  EXPECT_EQ(Import(People(1)).errors.size(), 1u);
  EXPECT_EQ(ActiveEntries(), 38u);
  options_.allow_mass_disable = true;
  r = Import(People(1));
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
  EXPECT_EQ(r.counts.disabled, 37u);
  EXPECT_EQ(ActiveEntries(), 1u);
}

// ---- batches ----

TEST_F(ImportSafetyTest, SmallBatchesGiveTheSameResultAsOneBatch) {
  options_.batch_size = 3;
  options_.pause_ms = 0;
  options_.allow_mass_disable = true;
  ImportReport r = Import(People(10));
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
  EXPECT_EQ(r.counts.added, 10u);
  r = Import(People(7, 5));  // 5 absent, 2 new, 5 unchanged
  EXPECT_EQ(r.counts.added, 2u);
  EXPECT_EQ(r.counts.disabled, 5u);
  EXPECT_EQ(r.counts.unchanged, 5u);

  testlib::TempStore other;
  ImportOptions one;
  one.allow_mass_disable = true;
  one.batch_size = 1000;
  ASSERT_TRUE(ImportDirectory(*other, People(10), TestKey(), one).ok());
  ASSERT_TRUE(ImportDirectory(*other, People(7, 5), TestKey(), one).ok());
  auto cards = [](store::Store& st) {
    store::Session& s = st.ThreadSession();
    Result<store::Collection> c = s.GetCollection(store::kDirectoryPath);
    std::vector<std::string> names;
    s.ForEachObject(c->id, [&](const store::Object& o) {
      names.push_back(o.name.substr(0, 5) == "dsden" || o.name.substr(0, 4) == "etab" ? o.name
                                                                                      : "person");
      return Status::OK();
    });
    std::sort(names.begin(), names.end());
    return names;
  };
  EXPECT_EQ(cards(*store_), cards(*other));
  EXPECT_EQ(ActiveEntries(), 7u);
  EXPECT_EQ(Import(People(7, 5)).counts.unchanged, 7u) << "a re-run changes nothing";
}

// ---- NUMEN ----

TEST_F(ImportSafetyTest, NoMessageQuotesANumen) {
  const std::string header =
      "nom;prenom;email;fonction;etablissement;uai;departement;telephone;numen\n";
  ImportReport r = Import(header +
                          "Roy;Anne;;;;;18;;12E3456789AB#\n"  // malformed
                          "Roy;Paul;;;;;18;;99E8765432XYZ\n"
                          "Roy;Lise;;;;;18;;99e8765432xyz\n");  // duplicate
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].line, 2);
  EXPECT_EQ(r.errors[1].line, 4);
  EXPECT_NE(r.errors[1].message.find("duplicate key NUMEN (also line 3)"), std::string::npos)
      << r.errors[1].message;
  for (const ImportError& e : r.errors) {
    EXPECT_EQ(e.message.find("3456789"), std::string::npos) << e.message;
    EXPECT_EQ(e.message.find("8765432"), std::string::npos) << e.message;
  }
}

TEST_F(ImportSafetyTest, StoreErrorsNameTheEntryNotItsNumen) {
  store::DirectoryEntry e;
  e.source_key = "numen:12E3456789ABC";
  e.card_uid = "urn:uuid:first";
  e.nom = "Roy";
  e.prenom = "Anne";
  ASSERT_TRUE(S().PutDirectoryEntry(e).ok());
  e.card_uid = "urn:uuid:second";  // the same key again: a conflict
  Result<store::Id> again = S().PutDirectoryEntry(e);
  ASSERT_EQ(again.status().code(), Status::Code::kConflict);
  EXPECT_EQ(again.status().message().find("3456789"), std::string::npos)
      << again.status().message();
}

}  // namespace
}  // namespace cartable::directory
