// The password policy ([accounts] password_*): what a personal password must be. Strength is
// estimated with zxcvbn (Debian libzxcvbn-dev), which recognises dictionary words, names,
// keyboard walks, repeats and dates, as NIST SP 800-63B recommends instead of composition rules.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cartable::directory {

struct PasswordPolicy {
  unsigned min_length = 12;       // [accounts] password_min_length (characters, not bytes)
  unsigned max_length = 256;      // longer ones are refused (Argon2 input bound)
  double min_guesses_log10 = 10;  // [accounts] password_min_strength: zxcvbn log10(guesses)
  unsigned history = 5;           // [accounts] password_history: not one of the last N
  unsigned expiry_days = 0;       // [accounts] password_expiry_days: 0 = never (NIST)
};

// Why a candidate is refused. `code` is stable (JSON "error"), `message` French (pages).
struct PasswordProblem {
  std::string code;     // "too-short", "too-long", "too-weak", "contains-login",
                        // "contains-name", "is-numen", "reused", "not-utf8"
  std::string message;  // "Le mot de passe doit contenir au moins 12 caractères."
};

// What the candidate must not contain or be: the login, the person's names, the NUMEN, the
// e-mail's local part (compared folded: case and accents ignored).
struct PasswordContext {
  std::string login;
  std::vector<std::string> names;
  std::string numen;
  std::string email;
};

// Every problem of `candidate` except history (which needs the stored hashes: the account
// service checks it). Empty = acceptable.
std::vector<PasswordProblem> CheckPassword(const PasswordPolicy& policy, std::string_view candidate,
                                           const PasswordContext& context);

// The problem `code` (one of the codes above) with its French message for `policy`; the account
// service uses it for "reused", which CheckPassword cannot see.
PasswordProblem MakePasswordProblem(std::string_view code, const PasswordPolicy& policy);

}  // namespace cartable::directory
