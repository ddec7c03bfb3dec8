#include "directory/password.h"

#include <sodium.h>

#include <cstdlib>

namespace cartable::directory {
namespace {
struct Cost {
  unsigned long long ops;
  size_t mem;
};
constexpr Cost kStandardCost{2, 19u << 20};
constexpr Cost kTemporaryCost{1, 2u << 20};

void InitSodium() {
  if (sodium_init() < 0) std::abort();
}
}  // namespace

std::string HashPassword(std::string_view password, HashStrength strength) {
  InitSodium();
  const Cost& cost = strength == HashStrength::kStandard ? kStandardCost : kTemporaryCost;
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), cost.ops, cost.mem,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    std::abort();  // out of memory
  }
  return out;
}

bool VerifyPassword(const std::string& hash, std::string_view password) {
  InitSodium();
  if (hash.empty()) return false;
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

const std::string& DummyPasswordHash() {
  static const std::string hash = [] {
    InitSodium();
    unsigned char secret[32];
    randombytes_buf(secret, sizeof secret);
    return HashPassword(std::string_view(reinterpret_cast<const char*>(secret), sizeof secret));
  }();
  return hash;
}

void VerifyDummyPassword(std::string_view password) {
  // The result is ignored: nobody knows the random password behind the dummy hash.
  [[maybe_unused]] bool ok = VerifyPassword(DummyPasswordHash(), password);
}

bool VerifyPasswordEvenly(const std::string& hash, std::string_view password) {
  bool ok = VerifyPassword(hash, password);
  if (crypto_pwhash_str_needs_rehash(hash.c_str(), kStandardCost.ops, kStandardCost.mem) != 0) {
    VerifyDummyPassword(password);
  }
  return ok;
}

}  // namespace cartable::directory
