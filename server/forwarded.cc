#include "server/forwarded.h"

#include <arpa/inet.h>
#include <sodium.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <vector>

namespace cartable::server {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// tchar of RFC 9110 §5.6.2.
bool IsTchar(char c) {
  return IsAlpha(c) || IsDigit(c) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool IsPort(std::string_view port) {
  return !port.empty() && port.size() <= 5 && std::all_of(port.begin(), port.end(), IsDigit) &&
         std::stoul(std::string(port)) <= 65535;
}

// Canonical text of an IPv4 or IPv6 address; an IPv4-mapped IPv6 address as IPv4.
std::optional<std::string> CanonicalAddress(std::string_view text, bool v6_only) {
  if (text.empty() || text.size() > 45) return std::nullopt;
  std::string s(text);
  unsigned char bytes[16];
  char out[INET6_ADDRSTRLEN];
  if (!v6_only && inet_pton(AF_INET, s.c_str(), bytes) == 1) {
    return inet_ntop(AF_INET, bytes, out, sizeof out) ? std::optional<std::string>(out)
                                                      : std::nullopt;
  }
  if (inet_pton(AF_INET6, s.c_str(), bytes) != 1) return std::nullopt;
  static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(bytes, kMapped, 12) == 0) {
    return inet_ntop(AF_INET, bytes + 12, out, sizeof out) ? std::optional<std::string>(out)
                                                           : std::nullopt;
  }
  return inet_ntop(AF_INET6, bytes, out, sizeof out) ? std::optional<std::string>(out)
                                                     : std::nullopt;
}

// The comma-separated members of a list header (RFC 9110 §5.6.1), trimmed; empty members are
// kept (the caller decides), quoted strings are not looked into (X-Forwarded-* hold none).
std::vector<std::string_view> SplitList(std::string_view value) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t comma = value.find(',', start);
    out.push_back(http::Trim(value.substr(start, comma - start)));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

// Every field line of `name`, joined with "," as RFC 9110 §5.3 allows for list fields.
std::string Joined(const http::Headers& headers, std::string_view name) {
  std::string out;
  bool first = true;
  for (const auto& [n, v] : headers.All()) {
    if (!http::EqualsIgnoreCase(n, name)) continue;
    if (!first) out.push_back(',');
    out.append(v);
    first = false;
  }
  return out;
}

// A node, at most 64 characters, printable, for a log line: the headers are partly written by
// whoever the proxy forwarded, so their bytes never reach the log raw.
std::string Printable(std::string_view text) {
  std::string out(text.substr(0, 64));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
  }
  return out;
}

// Walks `nodes` (as sent: the client first, our proxy's peer last) from the right and returns
// the index of the client: the first node that is not a trusted proxy, or the leftmost one.
// Sets *error and returns -1 when a node that must be read is not an address.
int FindClient(const std::vector<std::string_view>& nodes, const AddressSet& trusted,
               std::vector<std::string>* addresses, std::string* error) {
  addresses->assign(nodes.size(), std::string());
  for (int i = static_cast<int>(nodes.size()) - 1; i >= 0; --i) {
    std::optional<std::string> address = NormaliseNode(nodes[static_cast<size_t>(i)]);
    if (!address) {
      *error = "'" + Printable(nodes[static_cast<size_t>(i)]) + "' is not an IP address";
      return -1;
    }
    (*addresses)[static_cast<size_t>(i)] = std::move(*address);
    if (i > 0 && trusted.Contains((*addresses)[static_cast<size_t>(i)])) continue;
    return i;
  }
  return -1;  // no nodes
}

bool IsHttps(std::string_view proto) { return http::EqualsIgnoreCase(http::Trim(proto), "https"); }

// One forwarded-element of RFC 7239 §4: the values of for= and proto= (lower-case names).
struct ForwardedElement {
  std::optional<std::string> for_node;
  std::optional<std::string> proto;
  bool empty = true;  // no pair at all ("a, , b" has an empty member)
};

// Parses RFC 7239 §4: Forwarded = 1#forwarded-element, forwarded-element =
// [ forwarded-pair ] *( ";" [ forwarded-pair ] ), forwarded-pair = token "=" value, value =
// token / quoted-string. Returns false on a syntax error or a repeated parameter.
bool ParseElements(std::string_view s, std::vector<ForwardedElement>* out, std::string* error) {
  size_t i = 0;
  auto skip_ows = [&] {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  };
  out->emplace_back();
  std::vector<std::string> seen;
  while (true) {
    skip_ows();
    if (i >= s.size()) return true;
    if (s[i] == ',') {
      ++i;
      out->emplace_back();
      seen.clear();
      continue;
    }
    if (s[i] == ';') {
      ++i;
      continue;
    }
    size_t start = i;
    while (i < s.size() && IsTchar(s[i])) ++i;
    if (i == start || i >= s.size() || s[i] != '=') {
      *error = "invalid Forwarded syntax";
      return false;
    }
    std::string name(s.substr(start, i - start));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    ++i;  // '='
    std::string value;
    if (i < s.size() && s[i] == '"') {
      ++i;
      bool closed = false;
      while (i < s.size()) {
        char c = s[i++];
        if (c == '"') {
          closed = true;
          break;
        }
        if (c == '\\') {
          if (i >= s.size()) break;
          c = s[i++];
        }
        value.push_back(c);
      }
      if (!closed) {
        *error = "unterminated quoted string in Forwarded";
        return false;
      }
    } else {
      size_t vstart = i;
      while (i < s.size() && IsTchar(s[i])) ++i;
      if (i == vstart) {
        *error = "empty Forwarded value";
        return false;
      }
      value.assign(s.substr(vstart, i - vstart));
    }
    skip_ows();
    if (i < s.size() && s[i] != ';' && s[i] != ',') {
      *error = "invalid Forwarded syntax";
      return false;
    }
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
      *error = "parameter '" + Printable(name) + "' repeated in one Forwarded element";
      return false;
    }
    seen.push_back(name);
    out->back().empty = false;
    if (name == "for") out->back().for_node = std::move(value);
    if (name == "proto") out->back().proto = std::move(value);
  }
}

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && http::EqualsIgnoreCase(s.substr(0, prefix.size()), prefix);
}

void ReportOnce(const std::string& peer, const std::string& header, const std::string& error) {
  static std::atomic<bool> reported{false};
  if (reported.exchange(true)) return;
  std::fprintf(stderr,
               "cartable: ignored the %s header of trusted proxy %s: %s; such requests are "
               "counted under the proxy's address (reported once)\n",
               header.c_str(), peer.c_str(), error.c_str());
}

}  // namespace

std::optional<std::string> NormaliseNode(std::string_view node) {
  node = http::Trim(node);
  if (node.empty()) return std::nullopt;
  if (node.front() == '[') {
    size_t close = node.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    std::string_view rest = node.substr(close + 1);
    if (!rest.empty() && !(rest.front() == ':' && IsPort(rest.substr(1)))) return std::nullopt;
    return CanonicalAddress(node.substr(1, close - 1), /*v6_only=*/true);
  }
  if (std::count(node.begin(), node.end(), ':') == 1) {  // IPv4:port
    size_t colon = node.find(':');
    if (!IsPort(node.substr(colon + 1))) return std::nullopt;
    return CanonicalAddress(node.substr(0, colon), false);
  }
  return CanonicalAddress(node, false);
}

ForwardedClient ParseXForwardedFor(std::string_view chain, std::string_view protos,
                                   const AddressSet& trusted) {
  ForwardedClient out;
  std::vector<std::string_view> list;
  if (!http::Trim(protos).empty()) list = SplitList(protos);
  if (http::Trim(chain).empty()) {  // the proxy names the scheme only
    out.https = !list.empty() && IsHttps(list.back());
    return out;
  }
  std::vector<std::string_view> nodes = SplitList(chain);
  std::vector<std::string> addresses;
  int client = FindClient(nodes, trusted, &addresses, &out.error);
  if (client < 0) return out;
  out.address = std::move(addresses[static_cast<size_t>(client)]);
  if (!list.empty()) {
    out.https =
        IsHttps(list.size() == nodes.size() ? list[static_cast<size_t>(client)] : list.back());
  }
  return out;
}

ForwardedClient ParseForwarded(std::string_view value, const AddressSet& trusted) {
  ForwardedClient out;
  if (http::Trim(value).empty()) return out;
  std::vector<ForwardedElement> elements;
  if (!ParseElements(value, &elements, &out.error)) return out;
  // Empty list members ("a, , b") are allowed by the list syntax and carry nothing.
  std::erase_if(elements, [](const ForwardedElement& e) { return e.empty; });
  std::vector<std::string_view> nodes;
  for (const ForwardedElement& e : elements) {
    if (!e.for_node) {
      out.error = "a Forwarded element without for=";
      return out;
    }
    nodes.push_back(*e.for_node);
  }
  if (nodes.empty()) return out;
  std::vector<std::string> addresses;
  int client = FindClient(nodes, trusted, &addresses, &out.error);
  if (client < 0) return out;
  out.address = std::move(addresses[static_cast<size_t>(client)]);
  const ForwardedElement& element = elements[static_cast<size_t>(client)];
  out.https = element.proto && IsHttps(*element.proto);
  return out;
}

bool IsValidRequestId(std::string_view id) {
  return !id.empty() && id.size() <= 128 && std::all_of(id.begin(), id.end(), [](char c) {
    return IsAlpha(c) || IsDigit(c) || c == '.' || c == '_' || c == ':' || c == '-';
  });
}

std::string NewRequestId() {
  // One randombytes_buf call (a getrandom system call) per 64 ids rather than per request.
  constexpr size_t kIdBytes = 16;
  constexpr size_t kPoolBytes = kIdBytes * 64;
  thread_local unsigned char pool[kPoolBytes];
  thread_local size_t used = kPoolBytes;
  if (used == kPoolBytes) {
    randombytes_buf(pool, kPoolBytes);
    used = 0;
  }
  static const char* kHex = "0123456789abcdef";
  std::string id;
  id.reserve(kIdBytes * 2);
  for (size_t i = 0; i < kIdBytes; ++i) {
    unsigned char c = pool[used + i];
    id.push_back(kHex[c >> 4]);
    id.push_back(kHex[c & 15]);
  }
  sodium_memzero(pool + used, kIdBytes);
  used += kIdBytes;
  return id;
}

void ApplyProxyHeaders(const Config& config, http::HttpRequest& request) {
  request.peer_addr = request.remote_addr;
  request.secure = StartsWithIgnoreCase(config.public_url, "https://");
  const bool trusted =
      !config.trusted_proxies.empty() && config.trusted_proxies.Contains(request.peer_addr);
  if (trusted) {
    const bool rfc7239 = config.forwarded_header == "forwarded";
    ForwardedClient client =
        rfc7239 ? ParseForwarded(Joined(request.headers, "Forwarded"), config.trusted_proxies)
                : ParseXForwardedFor(Joined(request.headers, "X-Forwarded-For"),
                                     Joined(request.headers, "X-Forwarded-Proto"),
                                     config.trusted_proxies);
    if (!client.error.empty()) {
      ReportOnce(request.peer_addr, rfc7239 ? "Forwarded" : "X-Forwarded-For", client.error);
    } else {
      if (!client.address.empty()) request.remote_addr = std::move(client.address);
      request.secure = request.secure || client.https;
    }
    if (auto id = request.headers.Get("X-Request-Id"); id && IsValidRequestId(http::Trim(*id))) {
      request.request_id = std::string(http::Trim(*id));
    }
  }
  if (request.request_id.empty()) request.request_id = NewRequestId();
}

std::string CheckPublicUrl(std::string_view url) {
  if (url.empty()) return "";
  std::string_view rest;
  if (StartsWithIgnoreCase(url, "https://")) {
    rest = url.substr(8);
  } else if (StartsWithIgnoreCase(url, "http://")) {
    rest = url.substr(7);
  } else {
    return "invalid URL '" + Printable(url) + "' (http://host[:port] or https://host[:port])";
  }
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos && rest.substr(slash) != "/") {
    return "'" + Printable(url) +
           "' has a path: Cartable is served at the root of its own host name "
           "(https://host[:port]); a path prefix is not supported";
  }
  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos ||
        !CanonicalAddress(authority.substr(1, close - 1), /*v6_only=*/true)) {
      return "invalid host in '" + Printable(url) + "'";
    }
    host = authority.substr(0, close + 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return "invalid host in '" + Printable(url) + "'";
      port = after.substr(1);
      if (!IsPort(port) || std::stoul(std::string(port)) == 0) {
        return "invalid port in '" + Printable(url) + "'";
      }
    }
  } else {
    if (size_t colon = authority.find(':'); colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
      if (!IsPort(port) || std::stoul(std::string(port)) == 0) {
        return "invalid port in '" + Printable(url) + "'";
      }
    }
    // A DNS name or an IPv4 address: letters, digits, '-' and '.'; no user info, query or
    // fragment (they would end up in every link).
    bool ok = !host.empty() && host.size() <= 253 && host.front() != '.' && host.front() != '-' &&
              std::all_of(host.begin(), host.end(),
                          [](char c) { return IsAlpha(c) || IsDigit(c) || c == '-' || c == '.'; });
    if (!ok) return "invalid host in '" + Printable(url) + "'";
  }
  return "";
}

std::string PublicBase(const Config& config) {
  std::string base = config.public_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base;
}

void AbsoluteLocation(const Config& config, http::HttpResponse& response) {
  if (config.public_url.empty()) return;
  std::optional<std::string_view> location = response.headers.Get("Location");
  if (!location || location->empty() || location->front() != '/' ||
      (location->size() > 1 && ((*location)[1] == '/' || (*location)[1] == '\\'))) {
    return;
  }
  response.headers.Set("Location", PublicBase(config) + std::string(*location));
}

}  // namespace cartable::server
