// One-time codes: TOTP (RFC 6238) through liboath, QR codes through libqrencode.
#include "directory/otp.h"

#include <liboath/oath.h>
#include <qrencode.h>
#include <sodium.h>

#include <cstdlib>
#include <memory>
#include <set>

#include "directory/secret_key.h"

namespace cartable::directory {
namespace {

constexpr unsigned kDigits = 6;
constexpr unsigned kStepSeconds = 30;  // RFC 6238 §5.2 recommends 30 s
// One step before and after the current one: a phone whose clock drifts up to 30 s, or a code
// typed just as it changed (RFC 6238 §5.2 and §6).
constexpr size_t kWindow = 1;
constexpr size_t kSecretBytes = 20;  // RFC 4226 §4 R6: 160 bits, the HMAC-SHA-1 block

void InitOath() {
  static const bool ok = oath_init() == OATH_OK;
  if (!ok) std::abort();
}

// The secret's bytes from its base32 form (any case, blanks and padding tolerated, as people
// copy it); nullopt when it is not base32.
std::optional<std::string> DecodeSecret(std::string_view secret) {
  InitOath();
  std::string clean;
  for (char c : secret) {
    if (c == ' ' || c == '\t' || c == '=') continue;
    clean += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  }
  if (clean.empty()) return std::nullopt;
  // liboath (gnulib's base32) wants the padded form.
  while (clean.size() % 8 != 0) clean += '=';
  char* out = nullptr;
  size_t len = 0;
  if (oath_base32_decode(clean.data(), clean.size(), &out, &len) != OATH_OK) {
    return std::nullopt;
  }
  std::string bytes(out, len);
  sodium_memzero(out, len);
  free(out);  // allocated by liboath with malloc
  return bytes;
}

// The code as typed, without blanks; nullopt unless exactly kDigits ASCII digits.
std::optional<std::string> CleanCode(std::string_view code) {
  std::string out;
  for (char c : code) {
    if (c == ' ' || c == '\t') continue;
    if (c < '0' || c > '9') return std::nullopt;
    out += c;
  }
  if (out.size() != kDigits) return std::nullopt;
  return out;
}

// liboath's comparison hook: constant-time, so the response time does not tell how many
// digits of a guess were right.
int CompareCode(void* handle, const char* test_otp) {
  return sodium_memcmp(handle, test_otp, kDigits) == 0 ? 0 : 1;
}

std::string PercentEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

struct QrFree {
  void operator()(QRcode* q) const { QRcode_free(q); }
};

}  // namespace

std::string NewTotpSecret() {
  InitOath();
  std::string raw(kSecretBytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  char* out = nullptr;
  size_t len = 0;
  if (oath_base32_encode(raw.data(), raw.size(), &out, &len) != OATH_OK) std::abort();  // ENOMEM
  sodium_memzero(raw.data(), raw.size());
  std::string secret(out, len);
  sodium_memzero(out, len);
  free(out);
  while (!secret.empty() && secret.back() == '=') secret.pop_back();  // 20 bytes: none anyway
  return secret;
}

std::string TotpUri(std::string_view issuer, std::string_view login, std::string_view secret) {
  // Google Authenticator's Key Uri Format: label "Issuer:account", issuer repeated as a
  // parameter; the parameters are the RFC 6238 defaults, spelled out for apps that need them.
  const std::string enc_issuer = PercentEncode(issuer);
  return "otpauth://totp/" + enc_issuer + ":" + PercentEncode(login) +
         "?secret=" + PercentEncode(secret) + "&issuer=" + enc_issuer +
         "&algorithm=SHA1&digits=6&period=30";
}

std::optional<int64_t> VerifyTotp(std::string_view secret, std::string_view code, int64_t now) {
  std::optional<std::string> typed = CleanCode(code);
  if (!typed) return std::nullopt;
  std::optional<std::string> key = DecodeSecret(secret);
  if (!key) return std::nullopt;
  int pos = 0;
  uint64_t step = 0;
  const int rc =
      oath_totp_validate3_callback(key->data(), key->size(), static_cast<time_t>(now), kStepSeconds,
                                   0, kDigits, kWindow, &pos, &step, CompareCode, typed->data());
  sodium_memzero(key->data(), key->size());
  if (rc < 0) return std::nullopt;  // OATH_INVALID_OTP, or an error
  return static_cast<int64_t>(step);
}

std::string TotpCode(std::string_view secret, int64_t now) {
  std::optional<std::string> key = DecodeSecret(secret);
  if (!key) return "";
  char out[kDigits + 1] = {};
  const int rc = oath_totp_generate(key->data(), key->size(), static_cast<time_t>(now),
                                    kStepSeconds, 0, kDigits, out);
  sodium_memzero(key->data(), key->size());
  return rc == OATH_OK ? std::string(out, kDigits) : "";
}

std::string QrSvg(std::string_view text) {
  std::unique_ptr<QRcode, QrFree> qr(
      QRcode_encodeData(static_cast<int>(text.size()),
                        reinterpret_cast<const unsigned char*>(text.data()), 0, QR_ECLEVEL_M));
  if (!qr) return "";  // longer than a QR code holds (about 2,300 bytes at level M)
  const int width = qr->width;
  constexpr int kQuiet = 4;  // ISO/IEC 18004 §7.3.8: a 4-module light margin
  const int size = width + 2 * kQuiet;
  const std::string dim = std::to_string(size);
  const std::string px = std::to_string(size * 5);
  // One path of horizontal runs of dark modules, in module units, scaled by the viewBox:
  // crispEdges keeps module borders sharp at any size.
  std::string path;
  for (int y = 0; y < width; ++y) {
    for (int x = 0; x < width;) {
      if ((qr->data[y * width + x] & 1) == 0) {
        ++x;
        continue;
      }
      int run = 1;
      while (x + run < width && (qr->data[y * width + x + run] & 1) != 0) ++run;
      path += "M" + std::to_string(x + kQuiet) + " " + std::to_string(y + kQuiet) + "h" +
              std::to_string(run) + "v1h-" + std::to_string(run) + "z";
      x += run;
    }
  }
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + dim + " " + dim +
         "\" width=\"" + px + "\" height=\"" + px +
         "\" shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"Code QR\">"
         "<rect width=\"" +
         dim + "\" height=\"" + dim +
         "\" fill=\"#fff\"/>"
         "<path fill=\"#000\" d=\"" +
         path + "\"/></svg>";
}

std::vector<std::string> NewRecoveryCodes(size_t count) {
  std::set<std::string> seen;
  std::vector<std::string> out;
  while (out.size() < count) {
    // 10 base32 characters: 50 random bits (RandomToken(7) gives 56 bits in 12 characters).
    std::string t = RandomToken(7).substr(0, 10);
    std::string code = t.substr(0, 4) + "-" + t.substr(4, 4) + "-" + t.substr(8, 2);
    if (seen.insert(code).second) out.push_back(std::move(code));
  }
  return out;
}

std::string NormalRecoveryCode(std::string_view typed) {
  std::string out;
  for (char c : typed) {
    if (c == ' ' || c == '\t' || c == '-') continue;
    out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return out;
}

}  // namespace cartable::directory
