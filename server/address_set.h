// A set of IP addresses and networks from the configuration ([server] trusted_proxies,
// [metrics] allow): "127.0.0.1 ::1 10.0.0.0/8 fd00::/8", separated by spaces or commas.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cartable::server {

class AddressSet {
 public:
  // Replaces *out with the networks of `text` and returns "", or returns a message naming the
  // first invalid entry and leaves *out unchanged. A bare address is a /32 (IPv4) or /128
  // (IPv6) network; host bits set beyond the prefix ("10.1.2.3/8") are refused, as they
  // usually mean a typing mistake.
  static std::string Parse(std::string_view text, AddressSet* out);

  // Whether `address` ("192.0.2.7", "2001:db8::1", "[2001:db8::1]", "::ffff:192.0.2.7") is in
  // one of the networks. An IPv4-mapped IPv6 address matches as its IPv4 address. Anything
  // that is not an IP address (a Unix socket peer, "") matches nothing.
  bool Contains(std::string_view address) const;

  // 127.0.0.1 and ::1.
  static AddressSet Loopback();

  bool empty() const { return networks_.empty(); }
  // The entries as configured, normalised ("10.0.0.0/8 ::1/128"), for logs.
  std::string ToString() const;

 private:
  struct Network {
    bool v4 = false;
    std::array<uint8_t, 16> bytes{};  // v4: the first 4
    unsigned prefix = 0;              // bits
  };
  std::vector<Network> networks_;
};

}  // namespace cartable::server
