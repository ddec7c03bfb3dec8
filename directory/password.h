// Password hashing: Argon2id through libsodium's crypto_pwhash_str (self-describing strings, so
// parameters can be raised later without breaking stored hashes).
#pragma once

#include <string>
#include <string_view>

namespace cartable::directory {

enum class HashStrength {
  // Argon2id t=2, m=19 MiB (OWASP's recommended minimum): every password a person chose.
  kStandard,
  // Argon2id t=1, m=2 MiB (~1.3 ms instead of ~20 ms): only for the initial NUMEN passwords of
  // an import, which must be changed at first login (and are then rehashed at kStandard) and are
  // staff identifiers rather than chosen secrets. 50,000 of them cost ~30 s on 2 cores instead of
  // ~8 minutes.
  kTemporary,
};

// Hashes with Argon2id and a random salt. The result names its parameters, so verification does
// not depend on the strength used.
std::string HashPassword(std::string_view password,
                         HashStrength strength = HashStrength::kStandard);
// Constant-time verification; false for an empty or malformed hash.
bool VerifyPassword(const std::string& hash, std::string_view password);

// A kStandard hash of a random password, made once per process (the first call pays for it):
// what VerifyDummyPassword verifies against.
const std::string& DummyPasswordHash();
// Costs what VerifyPassword costs for a wrong password against a kStandard hash, and always
// fails. For unknown logins, disabled accounts and accounts without a password, so that the
// response time does not tell which logins exist.
void VerifyDummyPassword(std::string_view password);
// VerifyPassword, padded with VerifyDummyPassword when `hash` is cheaper than kStandard (an
// imported kTemporary password), so that such an account does not answer faster than an unknown
// login and so reveal that it exists and still has its initial password.
bool VerifyPasswordEvenly(const std::string& hash, std::string_view password);

}  // namespace cartable::directory
