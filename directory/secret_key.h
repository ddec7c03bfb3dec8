// The server's secret key and what it protects: keyed hashes of identifiers that must not be
// stored in clear (NUMEN, birth dates, app passwords, session and link tokens, wrong-password
// fingerprints), and sealing of the one-time-code secrets.
//
// The key is 32 random bytes in a file (default <data_dir>/secret.key, mode 0600), created on
// first use. Every node of a deployment must share it ([accounts] secret_key_file): losing it
// makes the NUMEN and birth-date hashes, app passwords and sessions useless (people then
// activate again), never the personal passwords (Argon2id, independent of the key).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "dav/status.h"

namespace cartable::directory {

class SecretKey {
 public:
  // Reads the key file, creating it (0600, in a 0700 directory) when absent. Errors: unreadable
  // file, wrong size, cannot create.
  static Result<SecretKey> LoadOrCreate(const std::string& path);
  // A key from 32 bytes (tests).
  static SecretKey FromBytes(std::string_view bytes32);

  // Hex BLAKE2b-256 of `value` keyed with the key and separated by `purpose` ("numen",
  // "birth", "app-password", "session", "token", "failure", "recovery"): the same value under
  // two purposes gives unrelated hashes.
  std::string Hash(std::string_view purpose, std::string_view value) const;
  // Authenticated encryption (XChaCha20-Poly1305) of a short secret, as base64; Open returns
  // nullopt for anything Seal did not produce with this key.
  std::string Seal(std::string_view plaintext) const;
  std::optional<std::string> Open(std::string_view sealed) const;

 private:
  std::string key_;  // 32 bytes
};

// Normal forms hashed for identity checks, so that what a person types matches the import:
// NUMEN in upper case without blanks; birth date as "YYYY-MM-DD" from "JJ/MM/AAAA",
// "J/M/AAAA" or ISO "AAAA-MM-DD" (nullopt when not a real date); a last name folded (accents,
// case, blanks, hyphens and apostrophes ignored: "Le Gall-Dubois" == "LE GALL DUBOIS").
std::string NormalNumen(std::string_view numen);
std::optional<std::string> NormalBirthDate(std::string_view date);
std::string NormalLastName(std::string_view nom);

// A random secret of `bytes` bytes as unpadded base32, RFC 4648 alphabet in lower case (app
// passwords, tokens).
std::string RandomToken(size_t bytes = 20);

}  // namespace cartable::directory
