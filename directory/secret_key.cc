// The server's secret key (libsodium): keyed BLAKE2b hashes, XChaCha20-Poly1305 sealing, the key
// file, and the normal forms of what people type for identity checks.
#include "directory/secret_key.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "dav/text_fold.h"
#include "directory/identity.h"

namespace cartable::directory {
namespace {

constexpr size_t kKeyBytes = 32;
static_assert(crypto_generichash_BYTES == 32 && crypto_generichash_KEYBYTES_MAX >= kKeyBytes);
static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES == kKeyBytes);
constexpr size_t kNonceBytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;  // 24
constexpr size_t kTagBytes = crypto_aead_xchacha20poly1305_ietf_ABYTES;       // 16
// Bound to every sealed value as associated data: a later format gets another label, so an old
// and a new sealed value can never be confused.
constexpr std::string_view kSealLabel = "cartable-seal-v1";

void InitSodium() {
  static const bool ok = sodium_init() >= 0;
  if (!ok) std::abort();  // no usable random source: nothing secret can be made
}

std::string Errno(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

// Reads the whole key file (at most a few bytes more than the largest accepted form).
Result<std::string> ReadKeyFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::Internal(Errno("cannot read the secret key file", path));
  std::string data;
  char buf[256];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0 && data.size() < 4096) data.append(buf, n);
  const bool failed = n < 0;
  ::close(fd);
  if (failed) return Status::Internal(Errno("cannot read the secret key file", path));
  return data;
}

// The key in a file's content: 32 raw bytes, or 64 hexadecimal digits (optionally followed by
// a newline, as `openssl rand -hex 32 > secret.key` writes it).
std::optional<std::string> ParseKey(std::string data) {
  if (data.size() == kKeyBytes) return data;
  while (!data.empty() && (data.back() == '\n' || data.back() == '\r')) data.pop_back();
  if (data.size() != 2 * kKeyBytes) return std::nullopt;
  std::string key(kKeyBytes, '\0');
  size_t len = 0;
  if (sodium_hex2bin(reinterpret_cast<unsigned char*>(key.data()), key.size(), data.data(),
                     data.size(), nullptr, &len, nullptr) != 0 ||
      len != kKeyBytes) {
    return std::nullopt;
  }
  return key;
}

// Creates the missing directories of `dir` with mode 0700 (existing ones are left as they are).
Status MakePrivateDirs(const std::filesystem::path& dir) {
  if (dir.empty()) return Status::OK();
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) return Status::OK();
  if (Status st = MakePrivateDirs(dir.parent_path()); !st.ok()) return st;
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Status::Internal(Errno("cannot create the directory", dir.string()));
  }
  return Status::OK();
}

// Writes a new random key to `path` atomically: a complete temporary file (0600, synced) is
// linked to the final name, which fails if another process created the key meanwhile; that key
// is then read instead, so concurrent first starts agree on one key and none is ever seen
// half-written.
Result<std::string> CreateKeyFile(const std::string& path) {
  std::filesystem::path p(path);
  if (Status st = MakePrivateDirs(p.parent_path()); !st.ok()) return st;
  std::string tmp = path + ".XXXXXX";
  int fd = ::mkstemp(tmp.data());  // mode 0600
  if (fd < 0) return Status::Internal(Errno("cannot create the secret key file", path));
  std::string key(kKeyBytes, '\0');
  randombytes_buf(key.data(), key.size());
  bool ok = ::fchmod(fd, 0600) == 0 &&
            ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size()) &&
            ::fsync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  if (!ok) {
    Status st = Status::Internal(Errno("cannot write the secret key file", path));
    ::unlink(tmp.c_str());
    return st;
  }
  const int linked = ::link(tmp.c_str(), path.c_str());
  const int link_errno = errno;
  ::unlink(tmp.c_str());
  if (linked != 0) {
    if (link_errno == EEXIST) return ReadKeyFile(path);  // another process won the race
    errno = link_errno;
    return Status::Internal(Errno("cannot create the secret key file", path));
  }
  std::string dir = p.parent_path().empty() ? "." : p.parent_path().string();
  if (int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    ::fsync(dfd);  // the new name survives a crash
    ::close(dfd);
  }
  return key;
}

bool IsBlank(std::string_view s, size_t i, size_t* len) {
  if (s[i] == ' ' || s[i] == '\t') {
    *len = 1;
    return true;
  }
  // U+00A0 and U+202F (no-break spaces), which copying from a PDF or a web page brings along.
  if (s.substr(i, 2) == "\xC2\xA0") {
    *len = 2;
    return true;
  }
  if (s.substr(i, 3) == "\xE2\x80\xAF") {
    *len = 3;
    return true;
  }
  return false;
}

std::string_view TrimAscii(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

// A run of 1..max_digits ASCII digits at s[*pos], as a number; advances *pos.
std::optional<int> Digits(std::string_view s, size_t* pos, size_t min_digits, size_t max_digits) {
  size_t start = *pos;
  int value = 0;
  while (*pos < s.size() && *pos - start < max_digits && s[*pos] >= '0' && s[*pos] <= '9') {
    value = value * 10 + (s[*pos] - '0');
    ++*pos;
  }
  if (*pos - start < min_digits) return std::nullopt;
  return value;
}

bool Expect(std::string_view s, size_t* pos, char c) {
  if (*pos >= s.size() || s[*pos] != c) return false;
  ++*pos;
  return true;
}

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

int CurrentYear() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  return tm.tm_year + 1900;
}

}  // namespace

Result<SecretKey> SecretKey::LoadOrCreate(const std::string& path) {
  InitSodium();
  if (path.empty()) return Status::Internal("no secret key file configured");
  struct stat st;
  // Anything at the path but nothing at all (a dangling link, a directory) is read, and fails.
  const bool absent = ::lstat(path.c_str(), &st) != 0 && errno == ENOENT;
  Result<std::string> data = absent ? CreateKeyFile(path) : ReadKeyFile(path);
  if (!data.ok()) return data.status();
  std::optional<std::string> key = ParseKey(std::move(*data));
  if (!key) {
    return Status::Internal("secret key file " + path +
                            ": wrong size (32 bytes, or 64 hexadecimal digits, expected)");
  }
  SecretKey out = FromBytes(*key);
  sodium_memzero(key->data(), key->size());
  return out;
}

SecretKey SecretKey::FromBytes(std::string_view bytes32) {
  InitSodium();
  SecretKey k;
  k.key_.assign(bytes32.substr(0, kKeyBytes));
  k.key_.resize(kKeyBytes, '\0');
  return k;
}

std::string SecretKey::Hash(std::string_view purpose, std::string_view value) const {
  // The purpose is length-prefixed, so ("ab", "c") and ("a", "bc") hash differently.
  crypto_generichash_state st;
  crypto_generichash_init(&st, reinterpret_cast<const unsigned char*>(key_.data()), key_.size(),
                          crypto_generichash_BYTES);
  const uint64_t len = purpose.size();
  unsigned char len_bytes[8];
  for (int i = 0; i < 8; ++i) len_bytes[i] = static_cast<unsigned char>(len >> (8 * i));
  crypto_generichash_update(&st, len_bytes, sizeof len_bytes);
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(purpose.data()),
                            purpose.size());
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(value.data()),
                            value.size());
  unsigned char out[crypto_generichash_BYTES];
  crypto_generichash_final(&st, out, sizeof out);
  char hex[2 * sizeof out + 1];
  sodium_bin2hex(hex, sizeof hex, out, sizeof out);
  return std::string(hex, 2 * sizeof out);
}

std::string SecretKey::Seal(std::string_view plaintext) const {
  std::string box(kNonceBytes + plaintext.size() + kTagBytes, '\0');
  auto* b = reinterpret_cast<unsigned char*>(box.data());
  randombytes_buf(b, kNonceBytes);  // 192-bit random nonces never repeat in practice
  unsigned long long len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      b + kNonceBytes, &len, reinterpret_cast<const unsigned char*>(plaintext.data()),
      plaintext.size(), reinterpret_cast<const unsigned char*>(kSealLabel.data()),
      kSealLabel.size(), nullptr, b, reinterpret_cast<const unsigned char*>(key_.data()));
  // URL-safe without padding: the value travels in hidden form fields and JSON untouched.
  const int variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::string out(sodium_base64_encoded_len(box.size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(), b, box.size(), variant);
  out.resize(std::strlen(out.c_str()));
  return out;
}

std::optional<std::string> SecretKey::Open(std::string_view sealed) const {
  if (sealed.size() > 4096) return std::nullopt;  // sealed values are short secrets
  std::string box(sealed.size(), '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(box.data()), box.size(), sealed.data(),
                        sealed.size(), nullptr, &len, nullptr,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
      len < kNonceBytes + kTagBytes) {
    return std::nullopt;
  }
  const auto* b = reinterpret_cast<const unsigned char*>(box.data());
  std::string plain(len - kNonceBytes - kTagBytes, '\0');
  unsigned long long plain_len = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(plain.data()), &plain_len, nullptr, b + kNonceBytes,
          len - kNonceBytes, reinterpret_cast<const unsigned char*>(kSealLabel.data()),
          kSealLabel.size(), b, reinterpret_cast<const unsigned char*>(key_.data())) != 0) {
    return std::nullopt;
  }
  plain.resize(plain_len);
  return plain;
}

std::string NormalNumen(std::string_view numen) {
  std::string out;
  for (size_t i = 0; i < numen.size();) {
    size_t len = 0;
    if (IsBlank(numen, i, &len)) {
      i += len;
      continue;
    }
    char c = numen[i++];
    out += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  }
  return out;
}

std::optional<std::string> NormalBirthDate(std::string_view date) {
  std::string_view s = TrimAscii(date);
  size_t pos = 0;
  std::optional<int> year, month, day;
  if (s.size() == 10 && s[4] == '-') {  // ISO 8601 calendar date AAAA-MM-JJ
    year = Digits(s, &pos, 4, 4);
    if (!year || !Expect(s, &pos, '-') || !(month = Digits(s, &pos, 2, 2)) ||
        !Expect(s, &pos, '-') || !(day = Digits(s, &pos, 2, 2))) {
      return std::nullopt;
    }
  } else {  // JJ/MM/AAAA, J/M/AAAA
    day = Digits(s, &pos, 1, 2);
    if (!day || !Expect(s, &pos, '/') || !(month = Digits(s, &pos, 1, 2)) ||
        !Expect(s, &pos, '/') || !(year = Digits(s, &pos, 4, 4))) {
      return std::nullopt;
    }
  }
  if (pos != s.size()) return std::nullopt;
  // A member of staff was born after 1900 and not in the future.
  if (*year < 1900 || *year > CurrentYear()) return std::nullopt;
  if (*month < 1 || *month > 12 || *day < 1 || *day > DaysInMonth(*year, *month)) {
    return std::nullopt;
  }
  char out[32];
  std::snprintf(out, sizeof out, "%04d-%02d-%02d", *year, *month, *day);
  return std::string(out, 10);
}

std::string NormalLastName(std::string_view nom) {
  // FoldName maps typographic apostrophes and dashes and no-break spaces to their ASCII forms.
  std::string out;
  for (char c : FoldName(nom)) {
    if (c != ' ' && c != '\t' && c != '-' && c != '\'') out += c;
  }
  return out;
}

std::string RandomToken(size_t bytes) {
  InitSodium();
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  // RFC 4648 base32 alphabet in lower case, unpadded: no character a URL, a cookie or a form
  // would escape, and what people type (app passwords) can be compared case-insensitively.
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : raw) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += kAlphabet[(acc >> bits) & 31];
    }
  }
  if (bits > 0) out += kAlphabet[(acc << (5 - bits)) & 31];
  sodium_memzero(raw.data(), raw.size());
  return out;
}

}  // namespace cartable::directory
