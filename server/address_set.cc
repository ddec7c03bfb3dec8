#include "server/address_set.h"

#include <arpa/inet.h>

#include <cstring>

namespace cartable::server {
namespace {

// Reads an IPv4 or IPv6 address; an IPv4-mapped IPv6 address becomes its IPv4 address so that
// a dual-stack listener's "::ffff:10.0.0.1" matches "10.0.0.0/8".
bool ParseAddress(std::string_view text, bool* v4, std::array<uint8_t, 16>* bytes) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
  }
  if (text.empty() || text.size() > 45) return false;
  std::string s(text);
  bytes->fill(0);
  if (inet_pton(AF_INET, s.c_str(), bytes->data()) == 1) {
    *v4 = true;
    return true;
  }
  if (inet_pton(AF_INET6, s.c_str(), bytes->data()) != 1) return false;
  static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(bytes->data(), kMapped, 12) == 0) {
    std::memmove(bytes->data(), bytes->data() + 12, 4);
    std::memset(bytes->data() + 4, 0, 12);
    *v4 = true;
    return true;
  }
  *v4 = false;
  return true;
}

// Whether the first `prefix` bits of a and b are equal.
bool SamePrefix(const std::array<uint8_t, 16>& a, const std::array<uint8_t, 16>& b,
                unsigned prefix) {
  unsigned whole = prefix / 8;
  if (std::memcmp(a.data(), b.data(), whole) != 0) return false;
  unsigned rest = prefix % 8;
  if (rest == 0) return true;
  auto mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (a[whole] & mask) == (b[whole] & mask);
}

}  // namespace

std::string AddressSet::Parse(std::string_view text, AddressSet* out) {
  AddressSet set;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == ',')) ++i;
    size_t end = i;
    while (end < text.size() && text[end] != ' ' && text[end] != '\t' && text[end] != ',') ++end;
    if (end == i) break;
    std::string_view entry = text.substr(i, end - i);
    i = end;
    std::string_view address = entry;
    std::string_view bits;
    if (size_t slash = entry.find('/'); slash != std::string_view::npos) {
      address = entry.substr(0, slash);
      bits = entry.substr(slash + 1);
    }
    Network n;
    if (!ParseAddress(address, &n.v4, &n.bytes)) {
      return "invalid address '" + std::string(entry) + "' (an IPv4 or IPv6 address or network)";
    }
    const unsigned max = n.v4 ? 32 : 128;
    n.prefix = max;
    if (!bits.empty() || entry.find('/') != std::string_view::npos) {
      unsigned p = 0;
      bool ok = !bits.empty() && bits.size() <= 3;
      for (char ch : bits) {
        if (ch < '0' || ch > '9') ok = false;
        p = p * 10 + static_cast<unsigned>(ch - '0');
      }
      // A mapped IPv6 network ("::ffff:10.0.0.0/104") is stored as its IPv4 network.
      if (ok && n.v4 && address.find(':') != std::string_view::npos) {
        ok = p >= 96;
        p -= ok ? 96 : 0;
      }
      if (!ok || p > max) {
        return "invalid prefix length in '" + std::string(entry) + "' (0 to " +
               std::to_string(max) + ")";
      }
      n.prefix = p;
    }
    std::array<uint8_t, 16> masked{};
    for (unsigned b = 0; b < n.prefix / 8; ++b) masked[b] = n.bytes[b];
    if (n.prefix % 8 != 0) {
      masked[n.prefix / 8] =
          n.bytes[n.prefix / 8] & static_cast<uint8_t>(0xff << (8 - n.prefix % 8));
    }
    if (masked != n.bytes) {
      return "'" + std::string(entry) + "' has bits set beyond its prefix length";
    }
    set.networks_.push_back(n);
  }
  *out = std::move(set);
  return std::string();
}

AddressSet AddressSet::Loopback() {
  AddressSet set;
  Parse("127.0.0.1 ::1", &set);
  return set;
}

bool AddressSet::Contains(std::string_view address) const {
  if (networks_.empty()) return false;
  bool v4 = false;
  std::array<uint8_t, 16> bytes{};
  if (!ParseAddress(address, &v4, &bytes)) return false;
  for (const Network& n : networks_) {
    if (n.v4 == v4 && SamePrefix(n.bytes, bytes, n.prefix)) return true;
  }
  return false;
}

std::string AddressSet::ToString() const {
  std::string out;
  for (const Network& n : networks_) {
    char buf[INET6_ADDRSTRLEN] = {};
    inet_ntop(n.v4 ? AF_INET : AF_INET6, n.bytes.data(), buf, sizeof buf);
    if (!out.empty()) out += ' ';
    out += buf;
    out += '/';
    out += std::to_string(n.prefix);
  }
  return out;
}

}  // namespace cartable::server
