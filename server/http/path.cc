#include "server/http/path.h"

#include <array>
#include <charconv>

#include "server/http/message.h"

namespace cartable::http {

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The bytes a path keeps as they are (RFC 3986 pchar and "/" minus pct-encoded): unreserved
// and sub-delims, ":", "@". A table: AppendEncodedPath runs for every member of a listing.
constexpr std::array<bool, 256> kKeptInPath = [] {
  std::array<bool, 256> kept{};
  for (int c = 'a'; c <= 'z'; ++c) kept[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) kept[c] = true;
  for (int c = '0'; c <= '9'; ++c) kept[c] = true;
  for (unsigned char c : std::string_view("-._~/!$&'()*+,;=:@")) kept[c] = true;
  return kept;
}();

// Appends `segment` to `out` after checking it; false for "." and "..".
bool AppendSegment(std::string& out, std::string_view segment) {
  if (segment == "." || segment == "..") return false;
  if (segment.empty()) return true;  // "//" collapses
  out.push_back('/');
  out.append(segment);
  return true;
}

}  // namespace

std::optional<std::string> DecodePath(std::string_view raw) {
  if (raw.empty() || raw[0] != '/') return std::nullopt;
  std::string out;
  out.reserve(raw.size());
  std::string segment;
  for (size_t i = 1; i <= raw.size(); ++i) {
    if (i == raw.size() || raw[i] == '/') {
      if (!AppendSegment(out, segment)) return std::nullopt;
      segment.clear();
      continue;
    }
    char c = raw[i];
    if (c == '%') {
      if (i + 2 >= raw.size()) return std::nullopt;
      int hi = HexValue(raw[i + 1]);
      int lo = HexValue(raw[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      c = static_cast<char>(hi * 16 + lo);
      if (c == '/' || c == '\\') return std::nullopt;
      i += 2;
    }
    if (c == '\0' || c == '\\') return std::nullopt;
    segment.push_back(c);
  }
  if (raw.size() > 1 && raw.back() == '/' && !out.empty()) out.push_back('/');
  if (out.empty()) out.push_back('/');
  return out;
}

void AppendEncodedPath(std::string& out, std::string_view decoded) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  // Runs of kept bytes (usually the whole name) are appended at once.
  size_t i = 0;
  while (i < decoded.size()) {
    size_t run = i;
    while (run < decoded.size() && kKeptInPath[static_cast<unsigned char>(decoded[run])]) ++run;
    out.append(decoded.data() + i, run - i);
    if (run == decoded.size()) break;
    const auto c = static_cast<unsigned char>(decoded[run]);
    const char escaped[3] = {'%', kHex[c >> 4], kHex[c & 15]};
    out.append(escaped, 3);
    i = run + 1;
  }
}

std::string EncodePath(std::string_view decoded) {
  std::string out;
  AppendEncodedPath(out, decoded);
  return out;
}

std::optional<RequestTarget> ParseRequestTarget(std::string_view target) {
  if (target == "*") return RequestTarget{"*", ""};
  if (auto hash = target.find('#'); hash != std::string_view::npos) {
    target = target.substr(0, hash);
  }
  if (target.empty()) return std::nullopt;
  if (target[0] != '/') {
    // absolute-form: scheme "://" authority path-abempty
    size_t scheme_end = target.find("://");
    if (scheme_end == std::string_view::npos || scheme_end == 0) return std::nullopt;
    std::string_view scheme = target.substr(0, scheme_end);
    if (!EqualsIgnoreCase(scheme, "http") && !EqualsIgnoreCase(scheme, "https")) {
      return std::nullopt;
    }
    std::string_view rest = target.substr(scheme_end + 3);
    size_t path_start = rest.find_first_of("/?");
    if (path_start == std::string_view::npos) return RequestTarget{"/", ""};
    target = rest.substr(path_start);
    if (target[0] == '?') return RequestTarget{"/", std::string(target.substr(1))};
  }
  RequestTarget out;
  size_t q = target.find('?');
  out.raw_path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) out.query = std::string(target.substr(q + 1));
  return out;
}

std::optional<std::string> ParseDestination(std::string_view header_value, std::string_view host) {
  while (!header_value.empty() && header_value.front() == ' ') header_value.remove_prefix(1);
  while (!header_value.empty() && header_value.back() == ' ') header_value.remove_suffix(1);
  if (header_value.empty()) return std::nullopt;
  if (header_value[0] != '/' && !host.empty()) {
    size_t scheme_end = header_value.find("://");
    if (scheme_end == std::string_view::npos) return std::nullopt;
    std::string_view rest = header_value.substr(scheme_end + 3);
    std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
    if (auto at = authority.rfind('@'); at != std::string_view::npos) {
      authority = authority.substr(at + 1);
    }
    if (!EqualsIgnoreCase(authority, host)) return std::nullopt;
  }
  auto target = ParseRequestTarget(header_value);
  if (!target || target->raw_path == "*") return std::nullopt;
  return DecodePath(target->raw_path);
}

// The decoded value of `key` in a query string ('+' is a space), or "".
std::string QueryParam(std::string_view query, std::string_view key) {
  size_t pos = 0;
  while (pos <= query.size()) {
    size_t amp = query.find('&', pos);
    if (amp == std::string::npos) amp = query.size();
    std::string_view item(query.data() + pos, amp - pos);
    if (item.size() > key.size() && item.substr(0, key.size()) == key && item[key.size()] == '=') {
      std::string raw(item.substr(key.size() + 1));
      for (char& c : raw) {
        if (c == '+') c = ' ';
      }
      // Query values may contain '/', which path decoding refuses: decode escapes here.
      std::string out;
      for (size_t i = 0; i < raw.size(); ++i) {
        int v = 0;
        if (raw[i] == '%' && i + 2 < raw.size() &&
            std::from_chars(raw.data() + i + 1, raw.data() + i + 3, v, 16).ptr ==
                raw.data() + i + 3) {
          out.push_back(static_cast<char>(v));
          i += 2;
        } else {
          out.push_back(raw[i]);
        }
      }
      return out;
    }
    pos = amp + 1;
  }
  return "";
}

}  // namespace cartable::http
