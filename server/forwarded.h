// Behind a reverse proxy (issue 16): who the client is, which scheme it used, the request id,
// and the server's public URL.
//
// Headers that name the client (X-Forwarded-For, RFC 7239 Forwarded, X-Forwarded-Proto,
// X-Request-Id) are believed only when the TCP peer is one of [server] trusted_proxies: anybody
// else can write them. Only one address header is read ([server] forwarded_header), the one the
// proxy writes itself: a proxy that sets X-Forwarded-For passes a client's own Forwarded header
// through untouched, so reading both would let a client choose its address.
//
// The client is the rightmost address of the chain that is not itself a trusted proxy (what
// nginx's real_ip_recursive does): each proxy appends the address it received the request from,
// so everything left of the first untrusted address was written by someone we do not trust.
// A chain whose relevant part cannot be read (garbage, "unknown", an obfuscated node) leaves the
// client at the proxy's address: per-address limits then count the proxy, never a made-up
// address.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "server/address_set.h"
#include "server/config.h"
#include "server/http/message.h"

namespace cartable::server {

// What a trusted proxy's headers say about the client.
struct ForwardedClient {
  std::string address;  // normalised ("203.0.113.5", "2001:db8::1"); "" = keep the peer
  bool https = false;   // the client reached the proxy over https
  std::string error;    // why the headers were not usable ("" when they were, or were absent)
};

// A node of a forwarded chain: "192.0.2.7", "192.0.2.7:4711", "2001:db8::1",
// "[2001:db8::1]", "[2001:db8::1]:4711" (RFC 7239 §6 nodes without obfuscation). Returns the
// address in canonical text form (inet_ntop; an IPv4-mapped IPv6 address as IPv4), or nullopt
// when it is not an IP address ("unknown", "_hidden", garbage).
std::optional<std::string> NormaliseNode(std::string_view node);

// X-Forwarded-For (`chain`: every field line joined with ",") and X-Forwarded-Proto (`protos`,
// joined the same way; may be empty). When X-Forwarded-Proto is a list as long as the chain,
// the client's own entry is used, else its last entry (the one our proxy wrote). Empty chain:
// no address, no error.
ForwardedClient ParseXForwardedFor(std::string_view chain, std::string_view protos,
                                   const AddressSet& trusted);

// RFC 7239 Forwarded (every field line joined with ","): elements of `for=`, `proto=`, `by=`,
// `host=` pairs, values as tokens or quoted strings. The client's own element gives `proto`.
// A syntax error anywhere makes the whole header unusable (RFC 7239 §4).
ForwardedClient ParseForwarded(std::string_view value, const AddressSet& trusted);

// X-Request-Id values we accept from a trusted proxy: 1 to 128 characters of [A-Za-z0-9._:-]
// (nginx's $request_id is 32 hex digits; UUIDs fit too). Anything else is replaced.
bool IsValidRequestId(std::string_view id);
// 16 random bytes (libsodium) in lower-case hex. Thread-safe; no system call on most calls.
std::string NewRequestId();

// Fills what the transport knows once a request's headers are complete: `peer_addr` (the TCP
// peer, which `remote_addr` holds on entry), `remote_addr` (the client: from the forwarded
// headers when the peer is a trusted proxy), `secure` (public_url is https, or a trusted
// proxy says the client used https) and `request_id` (a trusted proxy's valid X-Request-Id,
// else a new one). An unusable forwarded header from a trusted proxy is reported on standard
// error once per process.
void ApplyProxyHeaders(const Config& config, http::HttpRequest& request);

// [server] public_url: "" (unset) or http(s)://host[:port] with at most a trailing "/". Returns
// "" or a message saying what is wrong; a path prefix (https://host/agenda/) is refused: the
// server answers at the root of its host name only.
std::string CheckPublicUrl(std::string_view url);

// public_url without its trailing "/" ("" when unset).
std::string PublicBase(const Config& config);

// Makes a local Location ("/dav/") absolute with public_url ("https://host/dav/"), so that a
// redirect names the address clients use even when a proxy rewrote Host. Unchanged when
// public_url is unset or the Location is not a local absolute path.
void AbsoluteLocation(const Config& config, http::HttpResponse& response);

}  // namespace cartable::server
