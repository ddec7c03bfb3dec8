// Request-target and path handling: the one place that percent-decodes and percent-encodes
// paths, so that every href the server emits has the same canonical spelling.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cartable::http {

// Percent-decodes and normalises the path part of a request-target ("/dav/a%40b//c/").
// Returns nullopt when the path could escape or confuse the namespace: it does not start with
// '/', has an invalid %-escape, a NUL byte, an encoded '/' (%2F) or '\' (%5C) or a raw '\',
// or a "." or ".." segment after decoding. "//" collapses to "/"; a trailing '/' is kept.
// '+' is a literal plus (paths are not form-encoded).
std::optional<std::string> DecodePath(std::string_view raw);

// The canonical encoding of a decoded path for hrefs: RFC 3986 unreserved characters, '/',
// and the path-safe sub-delims and ":@" ("!$&'()*+,;=:@") are kept; every other byte (UTF-8
// bytes included) becomes %XX with upper-case hex. DecodePath(EncodePath(p)) == p for every
// path DecodePath can return.
std::string EncodePath(std::string_view decoded);
// Appends EncodePath(decoded) to `out` (no temporary: listings encode one name per member).
void AppendEncodedPath(std::string& out, std::string_view decoded);

struct RequestTarget {
  std::string raw_path;  // still percent-encoded; "*" for "OPTIONS *"
  std::string query;     // without '?', may be empty
};

// Splits a request-target into path and query. Accepts origin-form ("/p?q"), absolute-form
// ("http://host:port/p?q", path "/" when empty) and asterisk-form ("*"). A fragment is
// dropped. Returns nullopt for anything else (e.g. "p", "ftp:x").
std::optional<RequestTarget> ParseRequestTarget(std::string_view target);

// The decoded path named by a COPY/MOVE Destination header: an absolute URI or an absolute
// path. When `host` is non-empty and the URI names an authority, it must equal `host`
// (ASCII case-insensitively), otherwise the destination is on another server and nullopt is
// returned. Nullopt too when malformed or when DecodePath rejects the path.
std::optional<std::string> ParseDestination(std::string_view header_value, std::string_view host);

// The decoded value of `key` in a query string ("a=1&q=h%C3%A9l+le": '+' is a space, %XX
// escapes decoded), or "" when absent.
std::string QueryParam(std::string_view query, std::string_view key);

}  // namespace cartable::http
