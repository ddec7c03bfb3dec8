// The Store contract for the staff directory (entries, SearchDirectory, DirectoryEntriesContaining)
// and for collections owned by no user, against every implementation.
#include <algorithm>

#include "dav/store/directory_text.h"
#include "tests/unit/store/store_test_fixture.h"

namespace cartable::store {
namespace {

using Code = Status::Code;

DirectoryEntry Person(const std::string& key, const std::string& prenom, const std::string& nom,
                      const std::string& departement = "37", bool active = true) {
  DirectoryEntry e;
  e.source_key = key;
  e.card_uid = "urn:uuid:" + key;
  e.prenom = prenom;
  e.nom = nom;
  e.email = key + "@example.org";
  e.fonction = "Professeur des écoles";
  e.etablissement = "École élémentaire Jules Ferry";
  e.uai = "0370001A";
  e.departement = departement;
  e.telephone = "02 47 00 00 00";
  e.active = active;
  return e;
}

template <typename Impl>
class StoreDirectoryTest : public StoreTest<Impl> {
 protected:
  Id Add(const DirectoryEntry& e) {
    Result<Id> id = this->session().PutDirectoryEntry(e);
    EXPECT_TRUE(id.ok()) << e.source_key << ": " << id.status().ToString();
    return id.ok() ? *id : 0;
  }

  // Adds the usual cast: Jean Labert, Hélène Lefèvre, Marie Martin (41), Marc Lebrun (inactive),
  // Lætitia Écoffier.
  void AddCast() {
    DirectoryEntry jean = Person("k1", "Jean", "Labert");
    jean.email = "jean.labert@ac-orleans-tours.fr";
    labert_ = Add(jean);
    DirectoryEntry helene = Person("k2", "Hélène", "Lefèvre");
    helene.email = "helene-lefevre2@ac-orleans-tours.fr";
    helene.fonction = "Principale adjointe";
    helene.etablissement = "Collège Jean Zay";
    lefevre_ = Add(helene);
    DirectoryEntry marie = Person("k3", "Marie", "Martin", "41");
    marie.email = "marie_martin@ac-orleans-tours.fr";
    martin_ = Add(marie);
    lebrun_ = Add(Person("k4", "Marc", "Lebrun", "37", false));
    ecoffier_ = Add(Person("k5", "Lætitia", "Écoffier"));
  }

  // The nom of each result of searching `text` (active only, limit 20, all departments).
  std::vector<std::string> Search(const std::string& text, const std::string& departement = "",
                                  bool active_only = true, size_t limit = 20) {
    DirectoryQuery q;
    q.text = text;
    q.departement = departement;
    q.active_only = active_only;
    q.limit = limit;
    Result<std::vector<DirectoryEntry>> r = this->session().SearchDirectory(q);
    EXPECT_TRUE(r.ok()) << text << ": " << r.status().ToString();
    std::vector<std::string> noms;
    if (r.ok()) {
      for (const DirectoryEntry& e : *r) noms.push_back(e.nom);
    }
    return noms;
  }

  std::vector<Id> Containing(const std::string& needle, size_t limit = 100) {
    Result<std::vector<Id>> r = this->session().DirectoryEntriesContaining(needle, limit);
    EXPECT_TRUE(r.ok()) << needle << ": " << r.status().ToString();
    return r.ok() ? *r : std::vector<Id>();
  }

  Id labert_ = 0, lefevre_ = 0, martin_ = 0, lebrun_ = 0, ecoffier_ = 0;
};
TYPED_TEST_SUITE(StoreDirectoryTest, StoreImplementations);

using Names = std::vector<std::string>;
using Ids = std::vector<Id>;

TYPED_TEST(StoreDirectoryTest, PutReplaceListAndGetByUser) {
  Id user = this->MakeUser("jlabert", "jean.labert@ac-orleans-tours.fr");
  DirectoryEntry e = Person("numen-1", "Jean", "Labert");
  e.user_id = user;
  e.updated_at = 1234;
  Id id = this->Add(e);
  ASSERT_GT(id, 0);
  Id other = this->Add(Person("numen-2", "Anne", "Petit"));
  EXPECT_GT(other, id);

  Result<DirectoryEntry> got = this->session().GetDirectoryEntryByUser(user);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->id, id);
  EXPECT_EQ(got->source_key, "numen-1");
  EXPECT_EQ(got->card_uid, "urn:uuid:numen-1");
  EXPECT_EQ(got->prenom, "Jean");
  EXPECT_EQ(got->etablissement, "École élémentaire Jules Ferry");
  EXPECT_EQ(got->uai, "0370001A");
  EXPECT_EQ(got->telephone, "02 47 00 00 00");
  EXPECT_EQ(got->updated_at, 1234);
  EXPECT_TRUE(got->active);
  EXPECT_EQ(this->session().GetDirectoryEntryByUser(user + 100).status().code(), Code::kNotFound);

  // Replace by id: the new fields are stored and searched, the old ones forgotten.
  e.id = id;
  e.nom = "Labert-Durand";
  e.active = false;
  e.user_id = 0;
  e.updated_at = 0;  // the store stamps it
  ASSERT_EQ(this->Add(e), id);
  EXPECT_EQ(this->session().GetDirectoryEntryByUser(user).status().code(), Code::kNotFound);
  Result<std::vector<DirectoryEntry>> all = this->session().ListDirectoryEntries();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, id);
  EXPECT_EQ((*all)[0].nom, "Labert-Durand");
  EXPECT_FALSE((*all)[0].active);
  EXPECT_EQ((*all)[0].user_id, 0);
  EXPECT_GT((*all)[0].updated_at, 1234);
  EXPECT_EQ((*all)[1].nom, "Petit");
  EXPECT_EQ(this->Search("durand", "", false), Names{"Labert-Durand"});
  e.nom = "Labert";
  e.active = true;
  ASSERT_EQ(this->Add(e), id);
  EXPECT_EQ(this->Search("durand"), Names{});
  EXPECT_EQ(this->Search("labert"), Names{"Labert"});

  e.id = other + 100;  // replacing a missing entry
  EXPECT_EQ(this->session().PutDirectoryEntry(e).status().code(), Code::kNotFound);
}

// The keyed hashes of the NUMEN and birth date (issue 11) are stored, read by every call that
// returns entries, and replaced like the other fields.
TYPED_TEST(StoreDirectoryTest, IdentityHashesAreStoredAndReplaced) {
  Id user = this->MakeUser("jlabert", "jean.labert@ac-orleans-tours.fr");
  DirectoryEntry e = Person("numen:aa11", "Jean", "Labert");
  e.user_id = user;
  e.numen_hash = "aa11";
  e.birth_hash = "bb22";
  e.id = this->Add(e);
  Id other = this->Add(Person("k2", "Anne", "Petit"));
  auto check = [&](const std::string& numen, const std::string& birth) {
    Result<DirectoryEntry> by_user = this->session().GetDirectoryEntryByUser(user);
    ASSERT_TRUE(by_user.ok());
    EXPECT_EQ(by_user->numen_hash, numen);
    EXPECT_EQ(by_user->birth_hash, birth);
    Result<std::vector<DirectoryEntry>> all = this->session().ListDirectoryEntries();
    ASSERT_TRUE(all.ok());
    ASSERT_EQ(all->size(), 2u);
    EXPECT_EQ((*all)[0].numen_hash, numen);
    EXPECT_EQ((*all)[0].birth_hash, birth);
    EXPECT_EQ((*all)[1].numen_hash, "");
    EXPECT_EQ((*all)[1].birth_hash, "");
    Result<std::vector<DirectoryEntry>> by_id = this->session().GetDirectoryEntries({other, e.id});
    ASSERT_TRUE(by_id.ok());
    ASSERT_EQ(by_id->size(), 2u);
    EXPECT_EQ((*by_id)[1].numen_hash, numen);
    DirectoryQuery q;
    q.text = "labert";
    Result<std::vector<DirectoryEntry>> found = this->session().SearchDirectory(q);
    ASSERT_TRUE(found.ok());
    ASSERT_EQ(found->size(), 1u);
    EXPECT_EQ(found->front().birth_hash, birth);
  };
  check("aa11", "bb22");
  e.numen_hash = "cc33";
  e.birth_hash = "";
  ASSERT_EQ(this->Add(e), e.id);
  check("cc33", "");
}

TYPED_TEST(StoreDirectoryTest, ConflictsOnSourceKeyAndCardUid) {
  Id a = this->Add(Person("k1", "Jean", "Labert"));
  Id b = this->Add(Person("k2", "Anne", "Petit"));
  DirectoryEntry dup = Person("k1", "Autre", "Personne");
  EXPECT_EQ(this->session().PutDirectoryEntry(dup).status().code(), Code::kConflict);
  dup = Person("k3", "Autre", "Personne");
  dup.card_uid = "urn:uuid:k2";
  EXPECT_EQ(this->session().PutDirectoryEntry(dup).status().code(), Code::kConflict);
  // Replacing b with a's key or UID conflicts too; replacing b with its own is fine.
  DirectoryEntry steal = Person("k1", "Anne", "Petit");
  steal.id = b;
  EXPECT_EQ(this->session().PutDirectoryEntry(steal).status().code(), Code::kConflict);
  steal = Person("k2", "Anne", "Petit");
  steal.id = b;
  steal.card_uid = "urn:uuid:k1";
  EXPECT_EQ(this->session().PutDirectoryEntry(steal).status().code(), Code::kConflict);
  steal.card_uid = "urn:uuid:k2";
  EXPECT_EQ(this->Add(steal), b);
  // Failed puts left nothing behind, in the table or the indexes.
  EXPECT_EQ(this->session().ListDirectoryEntries()->size(), 2u);
  EXPECT_EQ(this->Search("personne"), Names{});
  EXPECT_EQ(this->Containing("personne"), Ids{});
  EXPECT_EQ(this->Containing("labert"), Ids{a});
  // An unknown account, an empty key or UID.
  DirectoryEntry bad = Person("k9", "X", "Y");
  bad.user_id = 999;
  EXPECT_EQ(this->session().PutDirectoryEntry(bad).status().code(), Code::kNotFound);
  EXPECT_EQ(this->session().PutDirectoryEntry(Person("", "X", "Y")).status().code(),
            Code::kBadRequest);
  bad = Person("k9", "X", "Y");
  bad.card_uid = "";
  EXPECT_EQ(this->session().PutDirectoryEntry(bad).status().code(), Code::kBadRequest);
}

TYPED_TEST(StoreDirectoryTest, SearchIgnoresAccentsAndCase) {
  this->AddCast();
  EXPECT_EQ(this->Search("helene"), Names{"Lefèvre"});
  EXPECT_EQ(this->Search("HÉLÈNE"), Names{"Lefèvre"});
  EXPECT_EQ(this->Search("LEFEVRE"), Names{"Lefèvre"});
  EXPECT_EQ(this->Search("lefèvre"), Names{"Lefèvre"});
  EXPECT_EQ(this->Search("laetitia"), Names{"Écoffier"});  // the ligature is expanded
  EXPECT_EQ(this->Search("ecof"), Names{"Écoffier"});
  EXPECT_EQ(this->Search("zay"), Names{"Lefèvre"});         // the establishment
  EXPECT_EQ(this->Search("principale"), Names{"Lefèvre"});  // the function
}

TYPED_TEST(StoreDirectoryTest, SearchMatchesWordPrefixes) {
  this->AddCast();
  EXPECT_EQ(this->Search("lab"), Names{"Labert"});
  EXPECT_EQ(this->Search("labert"), Names{"Labert"});
  EXPECT_EQ(this->Search("jean.lab"), Names{"Labert"});  // the email's local part
  EXPECT_EQ(this->Search("jean.labert"), Names{"Labert"});
  EXPECT_EQ(this->Search("lefevre2"), Names{"Lefèvre"});  // split on '-'
  EXPECT_EQ(this->Search("martin"), Names{"Martin"});     // split on '_'
  EXPECT_EQ(this->Search("abert"), Names{});              // not a prefix
  EXPECT_EQ(this->Search("orleans"), Names{});            // the domain is not searched
  EXPECT_EQ(this->Search("jean lab"), Names{"Labert"});   // ANDed
  EXPECT_EQ(this->Search("lab jean"), Names{"Labert"});
  EXPECT_EQ(this->Search("jean"), (Names{"Labert", "Lefèvre"}));  // Collège Jean Zay
  EXPECT_EQ(this->Search("jean lef"), Names{"Lefèvre"});
  EXPECT_EQ(this->Search("jean martin"), Names{});
  EXPECT_EQ(this->Search("  jean   \t lab  "), Names{"Labert"});
  EXPECT_EQ(this->Search("jean - lab"), Names{"Labert"});     // a word without letters is ignored
  EXPECT_EQ(this->Search("\"jean\" lab*"), Names{"Labert"});  // FTS syntax is not interpreted
  EXPECT_EQ(this->Search("AND"), Names{});
  EXPECT_EQ(this->Search("l"), (Names{"Écoffier", "Labert", "Lefèvre"}));
}

TYPED_TEST(StoreDirectoryTest, SearchFiltersOrdersAndLimits) {
  this->AddCast();
  EXPECT_EQ(this->Search("mar"), Names{"Martin"});  // Marc Lebrun is inactive
  EXPECT_EQ(this->Search("mar", "", false), (Names{"Lebrun", "Martin"}));
  EXPECT_EQ(this->Search("mar", "41", false), Names{"Martin"});
  EXPECT_EQ(this->Search("mar", "37", false), Names{"Lebrun"});
  EXPECT_EQ(this->Search("mar", "18", false), Names{});
  // Ordered by folded nom then prenom ("Écoffier" among the E's).
  EXPECT_EQ(this->Search("ecole"), (Names{"Écoffier", "Labert", "Martin"}));
  EXPECT_EQ(this->Search("ecole", "", true, 2), (Names{"Écoffier", "Labert"}));
  EXPECT_EQ(this->Search("ecole", "", true, 0), Names{});
  this->Add(Person("k6", "Albert", "Labert"));
  this->Add(Person("k7", "Zoé", "Labert"));
  EXPECT_EQ(this->Search("labert").size(), 3u);
  DirectoryQuery q;
  q.text = "lab";
  std::vector<std::string> prenoms;
  Result<std::vector<DirectoryEntry>> found = this->session().SearchDirectory(q);
  ASSERT_TRUE(found.ok());
  for (const DirectoryEntry& e : *found) prenoms.push_back(e.prenom);  // not over a temporary
  EXPECT_EQ(prenoms, (Names{"Albert", "Jean", "Zoé"}));
  // No words: everyone of the department, in order, limited.
  EXPECT_EQ(this->Search(""),
            (Names{"Écoffier", "Labert", "Labert", "Labert", "Lefèvre", "Martin"}));
  EXPECT_EQ(this->Search(" - ", "41"), Names{"Martin"});
  EXPECT_EQ(this->Search("", "37", false, 2), (Names{"Écoffier", "Labert"}));
}

// Issue 13: the annuaire's establishment filter (an exact UAI), with or without words.
TYPED_TEST(StoreDirectoryTest, SearchFiltersByEstablishment) {
  this->AddCast();
  DirectoryEntry other = Person("k8", "Marie", "Marchand", "41");
  other.uai = "0410002B";
  this->Add(other);
  auto search = [this](const std::string& text, const std::string& uai,
                       const std::string& departement = "", bool active_only = true) {
    DirectoryQuery q;
    q.text = text;
    q.uai = uai;
    q.departement = departement;
    q.active_only = active_only;
    Result<std::vector<DirectoryEntry>> r = this->session().SearchDirectory(q);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    std::vector<std::string> noms;
    if (r.ok()) {
      for (const DirectoryEntry& e : *r) noms.push_back(e.nom);
    }
    return noms;
  };
  EXPECT_EQ(search("mar", "0410002B"), Names{"Marchand"});
  EXPECT_EQ(search("mar", "0370001A"), Names{"Martin"});
  EXPECT_EQ(search("mar", "0370001A", "", false), (Names{"Lebrun", "Martin"}));
  EXPECT_EQ(search("mar", "0370001A", "37", false), Names{"Lebrun"});
  EXPECT_EQ(search("", "0410002B"), Names{"Marchand"});
  EXPECT_EQ(search("", "0370001A", "41"), Names{"Martin"});
  EXPECT_EQ(search("", "0999999Z"), Names{});
  EXPECT_EQ(search("mar", ""), (Names{"Marchand", "Martin"})) << "no filter: every establishment";
}

TYPED_TEST(StoreDirectoryTest, ContainingFindsSubstrings) {
  this->AddCast();
  EXPECT_EQ(this->Containing("aber"), Ids{this->labert_});  // inside a word
  EXPECT_EQ(this->Containing("ABER"), Ids{this->labert_});
  EXPECT_EQ(this->Containing("efev"), Ids{this->lefevre_});  // accents folded, both sides
  EXPECT_EQ(this->Containing("éfèv"), Ids{this->lefevre_});
  EXPECT_EQ(this->Containing("hélène lef"), Ids{this->lefevre_});  // "prenom nom"
  EXPECT_EQ(this->Containing("aetit"), Ids{this->ecoffier_});
  EXPECT_EQ(this->Containing("marie_mar"), Ids{this->martin_});  // the email
  EXPECT_EQ(this->Containing("0370001"),
            (Ids{this->labert_, this->lefevre_, this->martin_, this->ecoffier_}));  // the UAI
  EXPECT_EQ(this->Containing("47 00"),
            (Ids{this->labert_, this->lefevre_, this->martin_, this->ecoffier_}));  // the telephone
  EXPECT_EQ(this->Containing("lebrun"), Ids{});                                     // inactive
  EXPECT_EQ(this->Containing("zzz"), Ids{});
  EXPECT_EQ(this->Containing("a\"b"), Ids{});  // quotes are data
  // A NUL ended SQLite's FTS5 query string (a 500 for a search typed with %00): no text holds
  // one, so nothing contains it, on either backend.
  EXPECT_EQ(this->Containing(std::string("abe\0rt", 6)), Ids{});
  EXPECT_EQ(this->Containing(std::string("a\0", 2)), Ids{});
  // Short needles (no trigram): scanned, same semantics.
  EXPECT_EQ(this->Containing("ae"), Ids{this->ecoffier_});  // "Lætitia"
  EXPECT_EQ(this->Containing("Zy"), Ids{});
  EXPECT_EQ(this->Containing("è", 2).size(), 2u);  // every "e" counts: limited
  EXPECT_EQ(this->Containing("41"), Ids{this->martin_});
  EXPECT_EQ(this->Containing("ab", 1), Ids{this->labert_});
  EXPECT_EQ(this->Containing("aber", 0), Ids{});
}

TYPED_TEST(StoreDirectoryTest, OwnerlessCollectionKeepsNoQuota) {
  Id user = this->MakeUser("a");
  Collection home = this->MakeCollection("/dav/files/a/", 0, user);
  this->Put(home.id, "f", "12345");
  Collection dir = this->MakeCollection("/dav/directory/", 0, 0, kKindDirectory);
  EXPECT_EQ(dir.owner_id, 0);
  EXPECT_EQ(this->session().GetCollection("/dav/directory/")->owner_id, 0);
  this->Put(dir.id, "k1.vcf", std::string(100, 'v'));
  this->Put(dir.id, "k1.vcf", std::string(300, 'v'));
  this->Put(dir.id, "k2.vcf", "BEGIN:VCARD");
  EXPECT_EQ(this->UsedBytes(user), 5);
  ASSERT_TRUE(this->session().DeleteObject(dir.id, "k1.vcf").ok());
  EXPECT_EQ(this->UsedBytes(user), 5);
  Collection sub = this->MakeCollection("/dav/directory/sub/", dir.id, 0);
  this->Put(sub.id, "x", "xyz");
  ASSERT_TRUE(this->session().DeleteCollection(dir.id).ok());
  EXPECT_EQ(this->UsedBytes(user), 5);
  EXPECT_EQ(this->session().GetCollection("/dav/directory/").status().code(), Code::kNotFound);
  EXPECT_EQ(this->session().GetObject(home.id, "f", false)->size, 5);
}

TEST(DirectoryTextTest, FoldsLatinLettersAndPunctuation) {
  EXPECT_EQ(FoldForSearch("Hélène LEFÈVRE"), "helene lefevre");
  EXPECT_EQ(FoldForSearch("Lætitia Œuvrard Straße Łukasz Ğ"), "laetitia oeuvrard strasse lukasz g");
  EXPECT_EQ(FoldForSearch("Jean\u00a0Labert \u2013 l\u2019école"), "jean labert - l'ecole");
  EXPECT_EQ(FoldForSearch("\xff\xc3"), "\xff\xc3");  // invalid UTF-8 is kept
  EXPECT_EQ(FoldForSearch("Ωμέγα"), "Ωμέγα");        // other scripts are kept
  EXPECT_EQ(SplitWords("jean.labert-2_x"), (std::vector<std::string>{"jean", "labert", "2", "x"}));
  EXPECT_EQ(FtsPrefixQuery(QueryWords("Jean.Lab  é\"")), "\"jean lab\"* AND \"e\"*");
  EXPECT_EQ(FtsQuote("a\"b"), "\"a\"\"b\"");
  EXPECT_EQ(Utf8Length("éa"), 2u);
}

}  // namespace
}  // namespace cartable::store
