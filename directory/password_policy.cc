// The password policy. Strength comes from zxcvbn (Debian libzxcvbn-dev, the C port zxcvbn-c).
//
// Why zxcvbn rather than libpwquality: libpwquality (cracklib) checks a candidate against an
// English word list and scores composition (character classes, "credits"), the rules NIST SP
// 800-63B (§5.1.1.2) asks verifiers to drop because they push people towards "Password1!".
// zxcvbn estimates how many guesses an attacker needs, from the patterns attackers try first:
// common passwords, dictionary words and names, l33t substitutions, dates and years, keyboard
// walks, sequences and repeats. It also takes a per-user dictionary, so the person's own login,
// names, NUMEN and address count as the weakest words of all, as SP 800-63B §5.1.1.2 asks
// ("context-specific words").
#include "directory/password_policy.h"

#include <zxcvbn.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "dav/text_check.h"
#include "dav/text_fold.h"

namespace cartable::directory {
namespace {

// zxcvbn-c's dictionaries are English. These are the French words that lists of leaked French
// passwords put first, and the words of this deployment (the academy, the school system), so
// that "motdepasse2024" or "Academie2024!" are recognised for what they are.
constexpr const char* kFrenchWords[] = {
    "motdepasse", "azerty",   "azertyuiop", "bonjour",    "soleil",    "doudou",    "chouchou",
    "loulou",     "coucou",   "jetaime",    "amour",      "chocolat",  "princesse", "vacances",
    "bienvenue",  "salut",    "marseille",  "paris",      "france",    "nicolas",   "julien",
    "camille",    "thomas",   "pierre",     "marie",      "nathalie",  "isabelle",  "sophie",
    "frederic",   "olivier",  "academie",   "education",  "nationale", "rectorat",  "ecole",
    "college",    "lycee",    "enseignant", "professeur", "eleve",     "orleans",   "tours",
    "cartable",   "agenda",   "calendrier", "janvier",    "fevrier",   "septembre", "octobre",
    "novembre",   "decembre", "printemps",  "automne",    "hiver"};

// Code points of valid UTF-8, or nullopt.
std::optional<size_t> CountCodePoints(std::string_view s) {
  size_t count = 0;
  for (size_t i = 0; i < s.size(); ++count) {
    uint32_t cp;
    size_t len = DecodeUtf8Strict(s, i, &cp);
    if (len == 0) return std::nullopt;
    i += len;
  }
  return count;
}

bool IsAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// Folded (case and accents dropped), then only a-z0-9: "Le Gall-Dubois" -> "legalldubois".
std::string Letters(std::string_view s) {
  std::string out;
  for (char c : FoldToAscii(s)) {
    if (IsAlnum(c)) out += c;
  }
  return out;
}

// The folded words of `s` (runs of a-z0-9): "Le Gall-Dubois" -> le, gall, dubois.
std::vector<std::string> Words(std::string_view s) {
  std::vector<std::string> out(1);
  for (char c : FoldToAscii(s)) {
    if (IsAlnum(c)) {
      out.back() += c;
    } else if (!out.back().empty()) {
      out.emplace_back();
    }
  }
  if (out.back().empty()) out.pop_back();
  return out;
}

// Needles shorter than this would refuse too much ("Le", "Li" are names too).
constexpr size_t kMinNeedle = 3;

bool ContainsAny(const std::string& haystack, const std::vector<std::string>& needles) {
  return std::any_of(needles.begin(), needles.end(), [&](const std::string& n) {
    return n.size() >= kMinNeedle && haystack.find(n) != std::string::npos;
  });
}

std::string LocalPart(std::string_view email) {
  return std::string(email.substr(0, email.find('@')));
}

// log10 of the guesses zxcvbn estimates, with `user_words` as the most likely words of all.
double GuessesLog10(const std::string& candidate, const std::set<std::string>& user_words) {
  std::vector<const char*> dict;
  for (const std::string& w : user_words) dict.push_back(w.c_str());
  for (const char* w : kFrenchWords) dict.push_back(w);
  dict.push_back(nullptr);
  // zxcvbn-c returns bits of entropy, i.e. log2(guesses).
  const double bits = ZxcvbnMatch(candidate.c_str(), dict.data(), nullptr);
  return bits * std::log10(2.0);
}

}  // namespace

PasswordProblem MakePasswordProblem(std::string_view code, const PasswordPolicy& policy) {
  std::string c(code);
  if (code == "too-short") {
    return {c, "Le mot de passe doit contenir au moins " + std::to_string(policy.min_length) +
                   " caractères."};
  }
  if (code == "too-long") {
    return {c, "Le mot de passe doit contenir au plus " + std::to_string(policy.max_length) +
                   " caractères."};
  }
  if (code == "too-weak") {
    return {c,
            "Ce mot de passe est trop facile à deviner (mots courants, noms, dates, suites de "
            "touches du clavier ou répétitions). Choisissez-le plus long, par exemple plusieurs "
            "mots sans rapport entre eux."};
  }
  if (code == "contains-login") {
    return {c,
            "Le mot de passe ne doit contenir ni votre identifiant ni votre adresse "
            "électronique."};
  }
  if (code == "contains-name") {
    return {c, "Le mot de passe ne doit contenir ni votre nom ni votre prénom."};
  }
  if (code == "is-numen") return {c, "Le mot de passe ne doit pas contenir votre NUMEN."};
  if (code == "reused") {
    return {c, "Ce mot de passe fait partie de vos " + std::to_string(policy.history) +
                   " derniers mots de passe : choisissez-en un nouveau."};
  }
  if (code == "not-utf8") {
    return {c, "Le mot de passe contient des caractères invalides (il doit être en UTF-8)."};
  }
  return {c, "Le mot de passe ne convient pas."};
}

std::vector<PasswordProblem> CheckPassword(const PasswordPolicy& policy, std::string_view candidate,
                                           const PasswordContext& context) {
  std::vector<PasswordProblem> problems;
  auto add = [&](std::string_view code) { problems.push_back(MakePasswordProblem(code, policy)); };
  // Counted in characters, as people count them ("é" is one), never in bytes.
  std::optional<size_t> chars = CountCodePoints(candidate);
  if (!chars) {
    add("not-utf8");
    return problems;
  }
  if (*chars < policy.min_length) add("too-short");
  if (*chars > policy.max_length) {
    add("too-long");
    return problems;  // no estimation of arbitrarily long input
  }
  const std::string folded = Letters(candidate);

  std::vector<std::string> logins = {Letters(context.login), Letters(LocalPart(context.email))};
  if (ContainsAny(folded, logins)) add("contains-login");

  std::vector<std::string> names;
  for (const std::string& name : context.names) {
    names.push_back(Letters(name));
    for (std::string& w : Words(name)) names.push_back(std::move(w));
  }
  if (ContainsAny(folded, names)) add("contains-name");

  const std::string numen = Letters(context.numen);
  if (!numen.empty() && folded.find(numen) != std::string::npos) add("is-numen");

  std::set<std::string> user_words;
  for (const std::vector<std::string>* list : {&logins, &names}) {
    for (const std::string& w : *list) {
      if (!w.empty()) user_words.insert(w);
    }
  }
  for (std::string& w : Words(LocalPart(context.email))) user_words.insert(std::move(w));
  if (!numen.empty()) user_words.insert(numen);
  if (GuessesLog10(std::string(candidate), user_words) < policy.min_guesses_log10) {
    add("too-weak");
  }
  return problems;
}

}  // namespace cartable::directory
