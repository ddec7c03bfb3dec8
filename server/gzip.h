// gzip compression of response bodies (zlib, gzip container).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cartable::server {

// Compresses `data` into a gzip stream (RFC 1952) at the default level. Returns nullopt only
// if zlib fails (out of memory).
std::optional<std::string> GzipCompress(std::string_view data);

// True when the Accept-Encoding header value accepts gzip (explicitly or through "*") with a
// non-zero q-value.
bool AcceptsGzip(std::string_view accept_encoding);

}  // namespace cartable::server
