// One-time codes: TOTP (RFC 6238, SHA-1, 6 digits, 30 s) through Debian's liboath, the
// enrolment QR code through libqrencode, and recovery codes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cartable::directory {

// A new random secret (20 bytes), base32 without padding, as authenticator apps take it.
std::string NewTotpSecret();
// otpauth://totp/Cartable:LOGIN?secret=...&issuer=Cartable&algorithm=SHA1&digits=6&period=30
std::string TotpUri(std::string_view issuer, std::string_view login, std::string_view secret);
// The time step (RFC 6238 T) of the code `code` for `secret` at `now`, accepting one step
// before and after (clock drift), or nullopt. The caller refuses a step <= the last accepted
// one (replay).
std::optional<int64_t> VerifyTotp(std::string_view secret, std::string_view code, int64_t now);
// The code for `secret` at `now` (tests and the enrolment page's self-check).
std::string TotpCode(std::string_view secret, int64_t now);
// An inline SVG QR code of `text` (libqrencode, error correction M).
std::string QrSvg(std::string_view text);
// `count` random recovery codes "xxxx-xxxx-xx" (lowercase base32, 50 bits each).
std::vector<std::string> NewRecoveryCodes(size_t count = 10);
// The normal form a typed recovery code is hashed in (lowercase, no blanks or hyphens).
std::string NormalRecoveryCode(std::string_view typed);

}  // namespace cartable::directory
