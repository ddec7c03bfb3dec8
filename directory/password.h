// Password hashing: Argon2id through libsodium's crypto_pwhash_str (self-describing strings, so
// parameters can be raised later without breaking stored hashes).
#pragma once

#include <string>
#include <string_view>

namespace cartable::directory {

// Hashes with Argon2id, t=2, m=19 MiB (OWASP's recommended minimum), a random salt.
std::string HashPassword(std::string_view password);
// Constant-time verification; false for an empty or malformed hash.
bool VerifyPassword(const std::string& hash, std::string_view password);

}  // namespace cartable::directory
