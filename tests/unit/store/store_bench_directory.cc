// store_bench, the staff directory part: imports `people` generated people (French names with
// accents, 6 departments, 1,000 establishments; deterministic) in one write transaction, then
// times SearchDirectory over a few hundred typed queries and DirectoryEntriesContaining over
// 3-5 character needles, printing p50/p95/max latencies.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "dav/store/directory_text.h"
#include "dav/store/store.h"

namespace cartable::store {
namespace {

const char* const kPrenoms[] = {
    "Hélène",   "Élodie",     "Jérôme",  "François", "Cécile",   "Noémie",   "Zoé",
    "Chloé",    "Léa",        "Mathéo",  "Théo",     "Gaëlle",   "Anaïs",    "Joël",
    "Maëlle",   "Benoît",     "Aurélie", "Stéphane", "Frédéric", "Valérie",  "Sébastien",
    "Jean",     "Marie",      "Martine", "Marc",     "Pierre",   "Sophie",   "Nathalie",
    "Isabelle", "Christophe", "Nicolas", "Julien",   "Camille",  "Laurent",  "Émilie",
    "Céline",   "Thomas",     "Antoine", "Lætitia",  "Mélanie",  "Jean-Luc", "Marie-Hélène",
    "Agnès",    "Inès",       "Loïc",    "Gérard",   "Thérèse",  "Raphaël",  "Clémence",
    "Solène",   "Maxime",     "Lucie",   "Manon",    "Hugo",     "Louis",    "Anne",
    "Paul",     "Claire",     "Éric",    "Françoise"};
const char* const kNoms[] = {
    "Martin",   "Bernard",   "Dubois",    "Thomas",    "Robert",   "Richard",   "Petit",
    "Durand",   "Leroy",     "Moreau",    "Simon",     "Laurent",  "Lefèvre",   "Michel",
    "Garcia",   "David",     "Bertrand",  "Roux",      "Vincent",  "Fournier",  "Morel",
    "Girard",   "André",     "Lefebvre",  "Mercier",   "Dupont",   "Lambert",   "Bonnet",
    "François", "Martinez",  "Legrand",   "Garnier",   "Faure",    "Rousseau",  "Blanc",
    "Guérin",   "Muller",    "Henry",     "Roussel",   "Nicolas",  "Perrin",    "Morin",
    "Mathieu",  "Clément",   "Gauthier",  "Dumont",    "Lopez",    "Fontaine",  "Chevalier",
    "Robin",    "Masson",    "Sanchez",   "Gérard",    "Nguyen",   "Boyer",     "Denis",
    "Lemaire",  "Duval",     "Joly",      "Gautier",   "Roger",    "Roche",     "Roy",
    "Noël",     "Meyer",     "Lucas",     "Meunier",   "Jean",     "Pérez",     "Marchand",
    "Dufour",   "Blanchard", "Barbier",   "Brun",      "Dumas",    "Brunet",    "Schmitt",
    "Leroux",   "Colin",     "Fernandez", "Pierre",    "Renard",   "Arnaud",    "Rolland",
    "Caron",    "Aubert",    "Giraud",    "Leclerc",   "Vidal",    "Bourgeois", "Renaud",
    "Lemoine",  "Picard",    "Gaillard",  "Philippe",  "Leclercq", "Lacroix",   "Fabre",
    "Dupuis",   "Olivier",   "Rodriguez", "Da Silva",  "Hubert",   "Louis",     "Charles",
    "Guillot",  "Rivière",   "Le Gall",   "Guillaume", "Adam",     "Rey",       "Moulin",
    "Gonzalez", "Berger",    "Lecomte",   "Ménard",    "Fleury",   "Deschamps", "Carpentier",
    "Julien",   "Benoît",    "Paris",     "Maillard",  "Marchal",  "Aubry",     "Vasseur",
    "Le Roux",  "Renault",   "Jacquet",   "Collet",    "Prévost",  "Poirier",   "Charpentier",
    "Royer",    "Huet",      "Baron",     "Dupuy",     "Pons",     "Paul",      "Laine",
    "Carré",    "Breton",    "Rémy",      "Schneider", "Perrot",   "Guyot",     "Barre",
    "Marty",    "Cousin",    "Labert",    "Écoffier",  "Lebrun",   "Bœuf",      "Châtelain"};
const char* const kFonctions[] = {"Professeur des écoles",
                                  "Professeure des écoles",
                                  "Professeur certifié",
                                  "Professeure agrégée",
                                  "Principal",
                                  "Principale adjointe",
                                  "Proviseur",
                                  "Conseiller principal d'éducation",
                                  "Secrétaire de direction",
                                  "Infirmière scolaire",
                                  "Assistant d'éducation",
                                  "Professeur documentaliste",
                                  "Inspecteur de l'éducation nationale",
                                  "Gestionnaire",
                                  "Directrice d'école",
                                  "Psychologue de l'éducation nationale"};
const char* const kTypes[] = {"École élémentaire", "École maternelle", "Collège", "Lycée",
                              "Lycée professionnel"};
const char* const kPatrons[] = {
    "Jules Ferry",   "Jean Zay",        "Victor Hugo",    "Jean Moulin",      "Louis Pasteur",
    "Marie Curie",   "Jacques Prévert", "George Sand",    "Honoré de Balzac", "François Rabelais",
    "Paul Bert",     "Jean Jaurès",     "Anatole France", "Albert Camus",     "Pierre de Ronsard",
    "Charles Péguy", "Alain-Fournier",  "Condorcet",      "Descartes",        "Voltaire"};
const char* const kVilles[] = {"Tours",       "Orléans", "Blois", "Chartres",  "Bourges",
                               "Châteauroux", "Vierzon", "Dreux", "Montargis", "Amboise"};
const char* const kDepartements[] = {"18", "28", "36", "37", "41", "45"};
const char* const kTyped[] = {
    "mar",         "martin",       "hélène le", "lefevre 37", "jean",   "col",
    "lycée tours", "principal",    "m",         "le",         "dupont", "jean.lab",
    "ecoffier",    "marie-hélène", "prof doc",  "nguyen",     "gué",    "bœuf"};

template <typename T, size_t N>
constexpr size_t Count(T (&)[N]) {
  return N;
}

// A deterministic generator (64-bit LCG, high bits).
struct Rng {
  uint64_t state = 42;
  uint32_t Next() {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<uint32_t>(state >> 33);
  }
  template <typename T, size_t N>
  const char* Pick(T (&items)[N]) {
    return items[Next() % N];
  }
};

std::string Establishment(int i) {
  return std::string(kTypes[i % 5]) + " " + kPatrons[(i / 5) % 20] + " - " + kVilles[i / 100 % 10];
}

DirectoryEntry MakePerson(int i, Rng& rng) {
  DirectoryEntry e;
  e.source_key = "numen-" + std::to_string(1000000 + i);
  e.card_uid = "urn:uuid:00000000-0000-4000-8000-" + std::to_string(100000000000LL + i);
  e.prenom = rng.Pick(kPrenoms);
  e.nom = rng.Pick(kNoms);
  if (rng.Next() % 10 == 0) e.nom += std::string("-") + rng.Pick(kNoms);
  std::string local = FoldForSearch(e.prenom + "." + e.nom);
  std::replace(local.begin(), local.end(), ' ', '-');
  if (rng.Next() % 4 == 0) local += std::to_string(rng.Next() % 9 + 1);
  e.email = local + "@ac-orleans-tours.fr";
  e.fonction = rng.Pick(kFonctions);
  const int etab = static_cast<int>(rng.Next() % 1000);
  e.etablissement = Establishment(etab);
  e.departement = kDepartements[etab % 6];
  char uai[16];
  std::snprintf(uai, sizeof uai, "0%s%04d%c", e.departement.c_str(), etab, 'A' + etab % 26);
  e.uai = uai;
  e.telephone = "02 " + std::to_string(10 + rng.Next() % 90) + " " +
                std::to_string(10 + rng.Next() % 90) + " " + std::to_string(10 + rng.Next() % 90);
  e.active = rng.Next() % 100 >= 3;
  e.updated_at = 1735689600;
  return e;
}

// Typed queries: the fixed list, then shapes built from random people.
std::vector<std::string> Queries(const std::vector<DirectoryEntry>& people, Rng& rng) {
  std::vector<std::string> out(std::begin(kTyped), std::end(kTyped));
  while (out.size() < 400) {
    const DirectoryEntry& p = people[rng.Next() % people.size()];
    const std::string nom = FoldForSearch(p.nom), prenom = FoldForSearch(p.prenom);
    switch (out.size() % 6) {
      case 0: out.push_back(nom.substr(0, 3)); break;                          // "mar"
      case 1: out.push_back(p.nom); break;                                     // "Martin"
      case 2: out.push_back(p.prenom + " " + nom.substr(0, 2)); break;         // "hélène le"
      case 3: out.push_back(p.email.substr(0, p.email.find('.') + 3)); break;  // "jean.la"
      case 4: out.push_back(prenom.substr(0, 4) + " " + p.nom); break;         // "hele lefèvre"
      default: out.push_back(nom + " " + FoldForSearch(p.etablissement).substr(0, 5)); break;
    }
  }
  return out;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

void PrintLatencies(const char* what, const std::vector<double>& ms, double rows) {
  std::printf("%s: p50 %.3f ms, p95 %.3f ms, max %.3f ms (%zu calls, %.1f rows each)\n", what,
              Percentile(ms, 0.5), Percentile(ms, 0.95), Percentile(ms, 1.0), ms.size(),
              rows / std::max<size_t>(ms.size(), 1));
}

double MsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

Status BenchDirectory(Session& s, int people) {
  Rng rng;
  std::vector<DirectoryEntry> all;
  all.reserve(people);
  for (int i = 0; i < people; ++i) all.push_back(MakePerson(i, rng));

  auto start = std::chrono::steady_clock::now();
  {
    Result<std::unique_ptr<Transaction>> txn = s.Begin(true);
    if (!txn.ok()) return txn.status();
    for (const DirectoryEntry& e : all) {
      if (Result<Id> id = s.PutDirectoryEntry(e); !id.ok()) return id.status();
    }
    if (Status st = (*txn)->Commit(); !st.ok()) return st;
  }
  const double import_ms = MsSince(start);
  std::printf("directory import %d people: %.2f s (%.0f people/s, one transaction)\n", people,
              import_ms / 1e3, people / (import_ms / 1e3));

  const std::vector<std::string> queries = Queries(all, rng);
  for (int pass = 0; pass < 2; ++pass) {  // the first pass warms the page cache
    std::vector<double> ms;
    double rows = 0;
    for (size_t q = 0; q < queries.size(); ++q) {
      DirectoryQuery query;
      query.text = queries[q];
      if (q % 4 == 3) query.departement = kDepartements[q % 6];
      auto t = std::chrono::steady_clock::now();
      Result<std::vector<DirectoryEntry>> r = s.SearchDirectory(query);
      ms.push_back(MsSince(t));
      if (!r.ok()) return r.status();
      rows += r->size();
    }
    if (pass == 1) PrintLatencies("directory SearchDirectory (limit 20)", ms, rows);
  }
  // The typed list alone, with the number of matches, to show the heavy cases.
  for (const char* text : kTyped) {
    DirectoryQuery query;
    query.text = text;
    auto t = std::chrono::steady_clock::now();
    Result<std::vector<DirectoryEntry>> r = s.SearchDirectory(query);
    const double took = MsSince(t);
    if (!r.ok()) return r.status();
    query.limit = 1000000;
    Result<std::vector<DirectoryEntry>> every = s.SearchDirectory(query);
    std::printf("      %-14s %7.3f ms  %6zu matches\n", text, took, every.ok() ? every->size() : 0);
  }

  for (size_t limit : {size_t{100}, size_t{1000}}) {
    std::vector<double> ms;
    double rows = 0;
    for (int q = 0; q < 300; ++q) {
      const DirectoryEntry& p = all[rng.Next() % all.size()];
      const std::string hay = FoldForSearch(q % 2 ? p.nom + p.prenom : p.email);
      const size_t len = 3 + q % 3;
      std::string needle =
          hay.substr(rng.Next() % (hay.size() - std::min(hay.size(), len) + 1), len);
      auto t = std::chrono::steady_clock::now();
      Result<std::vector<Id>> r = s.DirectoryEntriesContaining(needle, limit);
      ms.push_back(MsSince(t));
      if (!r.ok()) return r.status();
      rows += r->size();
    }
    std::printf("directory EntriesContaining 3-5 chars, limit %zu:", limit);
    PrintLatencies("", ms, rows);
  }
  std::vector<double> ms;
  double rows = 0;
  for (const char* needle : {"a", "é", "ma", "37", "ly", "zz"}) {
    auto t = std::chrono::steady_clock::now();
    Result<std::vector<Id>> r = s.DirectoryEntriesContaining(needle, 1000);
    ms.push_back(MsSince(t));
    if (!r.ok()) return r.status();
    rows += r->size();
  }
  PrintLatencies("directory EntriesContaining 1-2 chars, limit 1000 (scan)", ms, rows);
  return Status::OK();
}

}  // namespace cartable::store
