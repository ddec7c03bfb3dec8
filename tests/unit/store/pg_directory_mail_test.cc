// The PostgreSQL store against the SQLite store and against itself on one database (issue 15):
//  - the directory search (tsvector prefix phrases, trigram LIKE) gives the same answers as the
//    SQLite FTS5 indexes on generated people with accents, ligatures, hyphens and apostrophes;
//  - two stores (two nodes) on one database never take the same queued mail: DueMail skips the
//    rows another node holds in an open transaction (FOR UPDATE SKIP LOCKED), and the claim it
//    stamps keeps the message taken after that transaction, until the mail is rescheduled or
//    deleted, or the lease runs out.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "dav/store/directory_text.h"
#include "dav/store/store.h"
#include "dav/store/store_util.h"
#include "tests/testlib/pg_server.h"
#include "tests/testlib/temp_store.h"

namespace cartable::store {
namespace {

std::unique_ptr<Store> OpenPg(const std::string& url, const StoreOptions& options) {
  Result<std::unique_ptr<Store>> s = OpenPostgresStore(url, options);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(*s) : nullptr;
}

std::string FreshUrl() {
  Result<testlib::PgServer*> server = testlib::PgServer::Get();
  EXPECT_TRUE(server.ok()) << server.status().ToString();
  if (!server.ok()) return "";
  Result<std::string> url = (*server)->FreshDatabase();
  EXPECT_TRUE(url.ok()) << url.status().ToString();
  return url.ok() ? *url : "";
}

// ---- directory: the same answers as SQLite ----

const std::vector<std::string> kPrenoms = {
    "Jean",  "Jean-Pierre", "Hélène", "Lætitia",  "Anne-Sophie", "Zoé",
    "Éric",  "Gaëlle",      "Noël",   "Chloé",    "François",    "Marie-Ève",
    "Œdipe", "Jean-Noël",   "Maëlys", "Ange",     "Jérôme",      "Agnès",
    "Loïc",  "Çelik",       "Ægir",   "Jean Marc"};
const std::vector<std::string> kNoms = {
    "Labert",   "N'Diaye", "D'Artagnan", "L'Hôte",   "Le Bihan",      "Lefèvre",
    "Écoffier", "Müller",  "Œuvrard",    "Straße",   "Dupont-Aignan", "Lebrun",
    "Martin",   "Le",      "Lebon",      "O’Connor", "Saint-Exupéry", "Ça",
    "Ábel",     "Zola",    "Lab"};
const std::vector<std::string> kFonctions = {"Professeur des écoles",
                                             "Principale adjointe",
                                             "Conseiller principal d'éducation",
                                             "Agent d'accueil",
                                             "Inspecteur de l'Éducation nationale",
                                             "Secrétaire",
                                             ""};
const std::vector<std::string> kEtablissements = {"École élémentaire Jules-Ferry",
                                                  "Collège Jean Zay",
                                                  "Lycée Saint-Exupéry",
                                                  "L'Oiseau-Lyre",
                                                  "Lycée Jean-Monnet",
                                                  "Rectorat",
                                                  ""};
const std::vector<std::string> kDepartements = {"37", "41", "18", "45"};

// Characters [start, start + n) of UTF-8 `s` (never a piece of a character).
std::string Chars(const std::string& s, size_t start, size_t n) {
  size_t begin = 0, chars = 0;
  while (begin < s.size() && chars < start) {
    ++begin;
    while (begin < s.size() && (static_cast<unsigned char>(s[begin]) & 0xC0) == 0x80) ++begin;
    ++chars;
  }
  size_t end = begin;
  for (chars = 0; end < s.size() && chars < n; ++chars) {
    ++end;
    while (end < s.size() && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) ++end;
  }
  return s.substr(begin, end - begin);
}

std::string Pick(std::mt19937& rng, const std::vector<std::string>& from) {
  return from[std::uniform_int_distribution<size_t>(0, from.size() - 1)(rng)];
}

std::vector<DirectoryEntry> GeneratePeople(int n) {
  std::mt19937 rng(20261206);
  std::vector<DirectoryEntry> people;
  for (int i = 0; i < n; ++i) {
    DirectoryEntry e;
    e.source_key = "k" + std::to_string(i);
    e.card_uid = "urn:uuid:" + e.source_key;
    e.prenom = Pick(rng, kPrenoms);
    e.nom = Pick(rng, kNoms);
    const std::string sep[] = {".", "-", "_"};
    e.email = FoldToAscii(e.prenom) + sep[i % 3] + FoldToAscii(e.nom) + std::to_string(i % 7) +
              "@ac-orleans-tours.fr";
    e.fonction = Pick(rng, kFonctions);
    e.etablissement = Pick(rng, kEtablissements);
    e.departement = Pick(rng, kDepartements);
    e.uai = "0" + e.departement + "000" + std::to_string(i % 4) + "A";
    e.telephone = "02 47 " + std::to_string(10 + i % 90) + " 00 00";
    e.active = i % 9 != 0;
    e.updated_at = 1000;
    people.push_back(std::move(e));
  }
  return people;
}

// Queries: every prefix (1 to 5 characters, and whole) of every word people are found by, as
// typed (accents, capitals, apostrophes, hyphens), pairs of them, and odd input.
std::vector<std::string> GenerateQueries(const std::vector<DirectoryEntry>& people) {
  std::set<std::string> queries = {"",
                                   " - ",
                                   "\"jean\" lab*",
                                   "AND",
                                   "OR",
                                   "*",
                                   "'",
                                   "l'",
                                   "l'hô",
                                   "n'dia",
                                   "d'art",
                                   "o'c",
                                   "o’connor",
                                   "jean-pie",
                                   "JEAN-P",
                                   "saint-ex",
                                   "jean zay",
                                   "jean lab",
                                   "lab jean",
                                   "oe",
                                   "ae",
                                   "ss",
                                   "strasse",
                                   "muller",
                                   "HÉLÈNE",
                                   "jean marc",
                                   "le bihan",
                                   "le",
                                   "l",
                                   "jean.lab",
                                   "jean-pierre.l",
                                   "marie-eve_",
                                   "zzz",
                                   "é",
                                   "ç",
                                   "education nationale",
                                   "d'education",
                                   "0",
                                   "3",
                                   "lyre",
                                   "oiseau-l",
                                   "jules-f",
                                   "e-f",
                                   "2 l"};
  // Bytes no stored text holds (invalid UTF-8, NUL) find nobody, as on SQLite.
  for (std::string odd : {"h\xc3", "\xff", "jean \xc3", "\xc3\xa9\xa9"}) queries.insert(odd);
  queries.insert(std::string("jean\0lab", 8));
  for (const std::vector<std::string>& from : {kPrenoms, kNoms, kFonctions, kEtablissements}) {
    for (const std::string& text : from) {
      queries.insert(text);
      for (const std::string& word : SplitWords(FoldForSearch(text))) {
        for (size_t n = 1; n <= std::min<size_t>(5, word.size()); ++n) {
          queries.insert(word.substr(0, n));
        }
      }
    }
  }
  std::mt19937 rng(7);
  for (int i = 0; i < 150; ++i) {
    const DirectoryEntry& a = people[rng() % people.size()];
    const DirectoryEntry& b = people[rng() % people.size()];
    queries.insert(Chars(a.prenom, 0, 1 + rng() % 4) + " " + Chars(b.nom, 0, 1 + rng() % 5));
    queries.insert(a.email.substr(0, a.email.find('@') - rng() % 3));
  }
  // A phrase across two fields of one person (the last word of one, the first of the next)
  // matches nobody: a phrase never spans fields.
  for (int i = 0; i < 40; ++i) {
    const DirectorySearchText t = SearchTextOf(people[rng() % people.size()]);
    const std::vector<std::string> fields[] = {SplitWords(t.name), SplitWords(t.email),
                                               SplitWords(t.fonction), SplitWords(t.etablissement)};
    for (int f = 0; f + 1 < 4; ++f) {
      if (fields[f].empty() || fields[f + 1].empty()) continue;
      queries.insert(fields[f].back() + "-" + fields[f + 1].front().substr(0, 2));
    }
  }
  return std::vector<std::string>(queries.begin(), queries.end());
}

std::vector<std::string> Uids(Session& s, const DirectoryQuery& q) {
  Result<std::vector<DirectoryEntry>> r = s.SearchDirectory(q);
  EXPECT_TRUE(r.ok()) << q.text << ": " << r.status().ToString();
  std::vector<std::string> out;
  if (r.ok()) {
    for (const DirectoryEntry& e : *r) out.push_back(e.card_uid);
  }
  return out;
}

TEST(PgDirectoryTest, SearchAndContainingAnswerAsSqlite) {
  const std::string url = FreshUrl();
  ASSERT_FALSE(url.empty());
  std::unique_ptr<Store> pg = OpenPg(url, StoreOptions());
  ASSERT_TRUE(pg);
  testlib::TempDir dir;
  Result<std::unique_ptr<Store>> sqlite = OpenSqliteStore(dir.path() + "/data", StoreOptions());
  ASSERT_TRUE(sqlite.ok()) << sqlite.status().ToString();
  Session& a = (*sqlite)->ThreadSession();
  Session& b = pg->ThreadSession();

  std::vector<DirectoryEntry> people = GeneratePeople(400);
  std::map<Id, std::string> uid_a, uid_b;  // the ids of each store, to compare by card UID
  std::vector<Id> ids_a, ids_b;
  for (const DirectoryEntry& e : people) {
    Result<Id> ia = a.PutDirectoryEntry(e);
    Result<Id> ib = b.PutDirectoryEntry(e);
    ASSERT_TRUE(ia.ok()) << ia.status().ToString();
    ASSERT_TRUE(ib.ok()) << ib.status().ToString();
    uid_a[*ia] = e.card_uid;
    uid_b[*ib] = e.card_uid;
    ids_a.push_back(*ia);
    ids_b.push_back(*ib);
  }
  // A re-import replaces one person in four (by id): another name, department and state. The
  // indexes must forget the old values.
  for (size_t i = 0; i < people.size(); i += 4) {
    DirectoryEntry& e = people[i];
    e.nom = people[(i + 7) % people.size()].nom;
    e.departement = e.departement == "41" ? "37" : "41";
    e.active = !e.active;
    e.id = ids_a[i];
    ASSERT_EQ(*a.PutDirectoryEntry(e), ids_a[i]);
    e.id = ids_b[i];
    ASSERT_EQ(*b.PutDirectoryEntry(e), ids_b[i]);
  }

  int compared = 0, found = 0;
  for (const std::string& text : GenerateQueries(people)) {
    for (const std::string& departement : {"", "41"}) {
      // Active people, every one; and everyone, the first 7 (the order decides which).
      for (const auto& [active_only, limit] : {std::pair<bool, size_t>{true, 1000}, {false, 7}}) {
        {
          DirectoryQuery q;
          q.text = text;
          q.departement = departement;
          q.active_only = active_only;
          q.limit = limit;
          const std::vector<std::string> expected = Uids(a, q);
          EXPECT_EQ(Uids(b, q), expected) << "query \"" << text << "\" departement " << departement
                                          << " active_only " << active_only << " limit " << limit;
          ++compared;
          found += !expected.empty();
        }
      }
    }
    DirectoryQuery q;  // the establishment filter
    q.text = text;
    q.uai = people[3].uai;
    EXPECT_EQ(Uids(b, q), Uids(a, q)) << "query \"" << text << "\" uai " << q.uai;
  }
  // The queries mostly find someone: the comparison is not one of empty answers.
  EXPECT_GT(compared, 1500);
  EXPECT_GT(found, compared * 3 / 4);

  // Substrings: pieces of every searchable field (1 to 6 characters), as typed or in capitals.
  std::mt19937 rng(11);
  std::vector<std::string> needles = {"",  "a\"b", "%", "_", "\\", "l'h", "-p",     "e-f",  "47 1",
                                      "É", "Œ",    "ß", "'", "’",  "\n",  "ab\xc3", "\xff", "\xa9"};
  for (int i = 0; i < 600; ++i) {
    const DirectoryEntry& e = people[rng() % people.size()];
    const std::string fields[] = {e.nom,           e.prenom, e.email,       e.fonction,
                                  e.etablissement, e.uai,    e.departement, e.telephone};
    const std::string& f = fields[rng() % 8];
    if (f.empty()) continue;
    const size_t start = rng() % Utf8Length(f);
    std::string needle = Chars(f, start, 1 + rng() % 6);
    if (i % 3 == 0) needle = FoldToAscii(needle);
    if (i % 5 == 0) {
      for (char& c : needle) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    needles.push_back(needle);
  }
  int found_containing = 0;
  for (const std::string& needle : needles) {
    for (size_t limit : {size_t{3}, size_t{1000}}) {
      Result<std::vector<Id>> ra = a.DirectoryEntriesContaining(needle, limit);
      Result<std::vector<Id>> rb = b.DirectoryEntriesContaining(needle, limit);
      ASSERT_TRUE(ra.ok()) << ra.status().ToString();
      ASSERT_TRUE(rb.ok()) << needle << ": " << rb.status().ToString();
      std::vector<std::string> ua, ub;
      for (Id id : *ra) ua.push_back(uid_a[id]);
      for (Id id : *rb) ub.push_back(uid_b[id]);
      EXPECT_EQ(ub, ua) << "needle \"" << needle << "\" limit " << limit;
      found_containing += !ua.empty();
    }
  }
  EXPECT_GT(found_containing, static_cast<int>(needles.size()));  // most needles find someone
}

// ---- the mail queue: two nodes ----

QueuedMail Mail(int i) {
  QueuedMail m;
  m.envelope_from = "org@ac-orleans-tours.fr";
  m.recipient = "r" + std::to_string(i) + "@example.org";
  m.message = "Subject: " + std::to_string(i) + "\r\n\r\nbody";
  m.next_attempt = 100 + i;
  return m;
}

std::vector<Id> IdsOf(const Result<std::vector<QueuedMail>>& r) {
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  std::vector<Id> ids;
  if (r.ok()) {
    for (const QueuedMail& m : *r) ids.push_back(m.id);
  }
  return ids;
}

TEST(PgMailQueueTest, TwoNodesNeverTakeOneMessage) {
  const std::string url = FreshUrl();
  ASSERT_FALSE(url.empty());
  auto clock = std::make_shared<std::atomic<UnixTime>>(1000);
  StoreOptions options;
  options.clock = [clock] { return clock->load(); };
  std::unique_ptr<Store> node1 = OpenPg(url, options);
  std::unique_ptr<Store> node2 = OpenPg(url, options);
  ASSERT_TRUE(node1 && node2);
  Session& s1 = node1->ThreadSession();
  Session& s2 = node2->ThreadSession();
  std::vector<Id> m;
  for (int i = 0; i < 4; ++i) m.push_back(*s1.EnqueueMail(Mail(i)));

  {
    // Node 1 takes the two oldest in a transaction it keeps open: node 2 is not blocked by it
    // and gets the two others.
    Result<std::unique_ptr<Transaction>> txn = s1.Begin(true);
    ASSERT_TRUE(txn.ok()) << txn.status().ToString();
    EXPECT_EQ(IdsOf(s1.DueMail(500, 2)), (std::vector<Id>{m[0], m[1]}));
    EXPECT_EQ(IdsOf(s2.DueMail(500, 10)), (std::vector<Id>{m[2], m[3]}));
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  // After the commit each message stays with the node that took it; each node still sees its own.
  EXPECT_EQ(IdsOf(s2.DueMail(500, 10)), (std::vector<Id>{m[2], m[3]}));
  EXPECT_EQ(IdsOf(s1.DueMail(500, 10)), (std::vector<Id>{m[0], m[1]}));
  // A rolled-back take is no take: node 2's transaction ends without commit.
  Id fifth = *s1.EnqueueMail(Mail(4));
  {
    Result<std::unique_ptr<Transaction>> txn = s2.Begin(true);
    ASSERT_TRUE(txn.ok());
    EXPECT_EQ(IdsOf(s2.DueMail(500, 10)), (std::vector<Id>{m[2], m[3], fifth}));
  }
  EXPECT_EQ(IdsOf(s1.DueMail(500, 10)), (std::vector<Id>{m[0], m[1], fifth}));

  // Inspecting the queue (a time after the clock: `cartable mail queue`) lists every message and
  // takes none; so does a read transaction.
  const UnixTime forever = std::numeric_limits<UnixTime>::max();
  EXPECT_EQ(IdsOf(s2.DueMail(forever, 100)), (std::vector<Id>{m[0], m[1], m[2], m[3], fifth}));
  {
    Result<std::unique_ptr<Transaction>> txn = s2.Begin(false);
    ASSERT_TRUE(txn.ok());
    EXPECT_EQ(IdsOf(s2.DueMail(500, 100)), (std::vector<Id>{m[0], m[1], m[2], m[3], fifth}));
  }
  EXPECT_EQ(IdsOf(s2.DueMail(500, 10)), (std::vector<Id>{m[2], m[3]}));

  // Rescheduling ends the claim (the retry is anyone's); deleting removes the message.
  ASSERT_TRUE(s1.RescheduleMail(m[0], 200, "relay down").ok());
  ASSERT_TRUE(s1.DeleteMail(m[1]).ok());
  Result<std::vector<QueuedMail>> due = s2.DueMail(500, 10);
  EXPECT_EQ(IdsOf(due), (std::vector<Id>{m[2], m[3], m[0]}));  // m[0] is now due at 200
  ASSERT_TRUE(due.ok() && due->size() == 3);
  EXPECT_EQ(due->back().attempts, 1);
  EXPECT_EQ(due->back().last_error, "relay down");
  EXPECT_EQ(IdsOf(s1.DueMail(500, 10)), (std::vector<Id>{fifth}));

  // Node 2 dies holding m[0], m[2], m[3]: its claims lapse after mail_claim_seconds (the
  // default, one hour, counted from its last DueMail), then node 1 retries.
  node2.reset();
  clock->store(1000 + 2 * 3600);
  EXPECT_EQ(IdsOf(s1.DueMail(500, 10)), (std::vector<Id>{m[2], m[3], fifth, m[0]}));
}

// [store] mail_claim_seconds bounds how long a dead node's claim keeps a message from the others.
TEST(PgMailQueueTest, ClaimLastsMailClaimSeconds) {
  const std::string url = FreshUrl();
  ASSERT_FALSE(url.empty());
  auto clock = std::make_shared<std::atomic<UnixTime>>(1000);
  StoreOptions options;
  options.clock = [clock] { return clock->load(); };
  options.mail_claim_seconds = 120;
  std::unique_ptr<Store> node1 = OpenPg(url, options);
  std::unique_ptr<Store> node2 = OpenPg(url, options);
  ASSERT_TRUE(node1 && node2);
  Id id = *node1->ThreadSession().EnqueueMail(Mail(0));
  EXPECT_EQ(IdsOf(node2->ThreadSession().DueMail(1000, 10)), std::vector<Id>{id});
  node2.reset();  // dies while sending
  clock->store(1000 + 119);
  EXPECT_EQ(IdsOf(node1->ThreadSession().DueMail(1000 + 119, 10)), std::vector<Id>{});
  clock->store(1000 + 121);
  EXPECT_EQ(IdsOf(node1->ThreadSession().DueMail(1000 + 121, 10)), std::vector<Id>{id});
}

// Two nodes draining one queue at the same time: every message is taken exactly once.
TEST(PgMailQueueTest, ConcurrentWorkersTakeEachMessageOnce) {
  const std::string url = FreshUrl();
  ASSERT_FALSE(url.empty());
  std::unique_ptr<Store> node1 = OpenPg(url, StoreOptions());
  std::unique_ptr<Store> node2 = OpenPg(url, StoreOptions());
  ASSERT_TRUE(node1 && node2);
  constexpr int kMails = 300;
  for (int i = 0; i < kMails; ++i) ASSERT_TRUE(node1->ThreadSession().EnqueueMail(Mail(i)).ok());
  auto worker = [](Store* store, std::vector<Id>* taken) {
    Session& s = store->ThreadSession();
    for (;;) {
      Result<std::vector<QueuedMail>> due = s.DueMail(Now(), 4);
      if (!due.ok() || due->empty()) return;
      for (const QueuedMail& m : *due) {
        taken->push_back(m.id);
        if (!s.DeleteMail(m.id).ok()) return;
      }
    }
  };
  std::vector<Id> taken1, taken2;
  std::thread t1(worker, node1.get(), &taken1);
  std::thread t2(worker, node2.get(), &taken2);
  t1.join();
  t2.join();
  std::vector<Id> all = taken1;
  all.insert(all.end(), taken2.begin(), taken2.end());
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all.size(), static_cast<size_t>(kMails));
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end()) << "a message taken twice";
  EXPECT_TRUE(node1->ThreadSession().DueMail(std::numeric_limits<UnixTime>::max(), 10)->empty());
}

}  // namespace
}  // namespace cartable::store
