// Client address, scheme and request id behind a reverse proxy (server/forwarded.h), and
// [server] public_url: header parsing without sockets.
#include "server/forwarded.h"

#include <gtest/gtest.h>

#include <set>

namespace cartable::server {
namespace {

AddressSet Trusted(std::string_view text) {
  AddressSet set;
  EXPECT_EQ(AddressSet::Parse(text, &set), "");
  return set;
}

TEST(NormaliseNodeTest, ReadsAddressesWithAndWithoutPorts) {
  EXPECT_EQ(NormaliseNode("192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(NormaliseNode(" 192.0.2.7:4711 "), "192.0.2.7");
  EXPECT_EQ(NormaliseNode("2001:DB8:0:0::17"), "2001:db8::17");
  EXPECT_EQ(NormaliseNode("[2001:db8:cafe::17]"), "2001:db8:cafe::17");
  EXPECT_EQ(NormaliseNode("[2001:db8:cafe::17]:4711"), "2001:db8:cafe::17");
  EXPECT_EQ(NormaliseNode("::ffff:192.0.2.7"), "192.0.2.7");
  for (std::string_view bad :
       {"", "unknown", "_hidden", "192.0.2.7:", "192.0.2.7:99999", "192.0.2.7:http", "[192.0.2.7]",
        "[2001:db8::1", "[2001:db8::1]x", "[2001:db8::1]:", "999.0.2.7", "example.org",
        "192.0.2.7 extra", "1.2.3.4/24"}) {
    EXPECT_EQ(NormaliseNode(bad), std::nullopt) << bad;
  }
}

// One proxy (nginx's $proxy_add_x_forwarded_for): the client is the last address.
TEST(XForwardedForTest, OneProxy) {
  AddressSet trusted = Trusted("127.0.0.1");
  ForwardedClient c = ParseXForwardedFor("203.0.113.5", "https", trusted);
  EXPECT_EQ(c.address, "203.0.113.5");
  EXPECT_TRUE(c.https);
  EXPECT_EQ(c.error, "");
  EXPECT_FALSE(ParseXForwardedFor("203.0.113.5", "http", trusted).https);
  EXPECT_FALSE(ParseXForwardedFor("203.0.113.5", "", trusted).https);
  EXPECT_FALSE(ParseXForwardedFor("203.0.113.5", "ftp, gopher", trusted).https);
}

// Several proxies: trusted ones are skipped from the right; what a client wrote itself (on the
// left of the first untrusted address) is never believed.
TEST(XForwardedForTest, ChainOfProxiesAndSpoofedPrefix) {
  AddressSet trusted = Trusted("10.0.0.0/8 2001:db8:ffff::/48");
  EXPECT_EQ(ParseXForwardedFor("203.0.113.5, 10.1.2.3, 10.9.9.9", "", trusted).address,
            "203.0.113.5");
  EXPECT_EQ(ParseXForwardedFor("203.0.113.5,2001:db8:ffff::1", "", trusted).address, "203.0.113.5");
  // The client sent "X-Forwarded-For: 1.2.3.4" itself; its proxy appended its real address.
  EXPECT_EQ(ParseXForwardedFor("1.2.3.4, 198.51.100.9, 10.0.0.2", "", trusted).address,
            "198.51.100.9");
  // A client pretending to be one of our proxies is still the rightmost untrusted one.
  EXPECT_EQ(ParseXForwardedFor("10.0.0.7, 198.51.100.9", "", trusted).address, "198.51.100.9");
  // Several field lines are one list (RFC 9110 §5.3): joined by the caller with ",".
  EXPECT_EQ(ParseXForwardedFor("198.51.100.9,10.0.0.2", "", trusted).address, "198.51.100.9");
  // Every address trusted: the leftmost is the client (nginx's real_ip_recursive).
  EXPECT_EQ(ParseXForwardedFor("10.0.0.5, 10.0.0.6", "", trusted).address, "10.0.0.5");
}

// X-Forwarded-Proto as a list as long as the chain: the client's own entry counts; otherwise
// the last one (written by the proxy next to us).
TEST(XForwardedForTest, ProtoOfTheClientsEntry) {
  AddressSet trusted = Trusted("10.0.0.0/8");
  EXPECT_TRUE(ParseXForwardedFor("203.0.113.5, 10.0.0.2", "https, http", trusted).https);
  EXPECT_FALSE(ParseXForwardedFor("203.0.113.5, 10.0.0.2", "http, https", trusted).https);
  EXPECT_TRUE(ParseXForwardedFor("203.0.113.5, 10.0.0.2", "HTTPS", trusted).https);
  // No address at all: the scheme alone is still the proxy's word.
  ForwardedClient only_proto = ParseXForwardedFor("", "https", trusted);
  EXPECT_EQ(only_proto.address, "");
  EXPECT_TRUE(only_proto.https);
  EXPECT_EQ(only_proto.error, "");
}

// Garbage where the client must be read: no address (the peer stays the client) and an error
// to report; garbage left of the client is never looked at.
TEST(XForwardedForTest, GarbageIsIgnored) {
  AddressSet trusted = Trusted("10.0.0.0/8");
  for (std::string_view bad : {"unknown", "evil\r\nX: y", "203.0.113.5, ,", "300.1.1.1",
                               "203.0.113.5, not-an-ip, 10.0.0.2"}) {
    ForwardedClient c = ParseXForwardedFor(bad, "https", trusted);
    EXPECT_EQ(c.address, "") << bad;
    EXPECT_FALSE(c.https) << bad;
    EXPECT_NE(c.error, "") << bad;
    EXPECT_EQ(c.error.find('\r'), std::string::npos) << "no raw bytes in the log";
  }
  EXPECT_EQ(ParseXForwardedFor("garbage, <script>, 203.0.113.5, 10.0.0.2", "", trusted).address,
            "203.0.113.5");
  ForwardedClient none = ParseXForwardedFor(" ", "", trusted);
  EXPECT_EQ(none.address, "");
  EXPECT_EQ(none.error, "");
}

TEST(ForwardedTest, Rfc7239Examples) {
  AddressSet trusted = Trusted("198.51.100.0/24 2001:db8:ffff::/48");
  // RFC 7239 §4 and §7.1 examples.
  ForwardedClient c = ParseForwarded(R"(for="_gazonk")", trusted);
  EXPECT_EQ(c.address, "");
  EXPECT_NE(c.error, "");
  c = ParseForwarded(R"(For="[2001:db8:cafe::17]:4711")", trusted);
  EXPECT_EQ(c.address, "2001:db8:cafe::17");
  EXPECT_EQ(c.error, "");
  c = ParseForwarded("for=192.0.2.60;proto=http;by=203.0.113.43", trusted);
  EXPECT_EQ(c.address, "192.0.2.60");
  EXPECT_FALSE(c.https);
  c = ParseForwarded("for=192.0.2.43, for=198.51.100.17", trusted);
  EXPECT_EQ(c.address, "192.0.2.43");
  c = ParseForwarded(R"(for=192.0.2.43;proto=https, for="[2001:db8:ffff::3]:80";proto=http)",
                     trusted);
  EXPECT_EQ(c.address, "192.0.2.43");
  EXPECT_TRUE(c.https) << "the client's own element says which scheme it used";
  // Quoted values may hold separators; quoted-pairs are unescaped.
  c = ParseForwarded(R"(host="a,b;c";for="192.0.2.9:8080";proto="http")", trusted);
  EXPECT_EQ(c.address, "192.0.2.9");
  EXPECT_FALSE(c.https);
  c = ParseForwarded(R"(for="192.0.2.9";proto="\h\t\t\p\s")", trusted);
  EXPECT_TRUE(c.https);
  // Empty list members carry nothing.
  EXPECT_EQ(ParseForwarded(", for=192.0.2.9 , ,", trusted).address, "192.0.2.9");
}

TEST(ForwardedTest, SpoofedPrefixAndGarbage) {
  AddressSet trusted = Trusted("198.51.100.0/24");
  // The client's own "Forwarded: for=1.2.3.4" is left of what our proxy appended.
  EXPECT_EQ(ParseForwarded("for=1.2.3.4, for=203.0.113.5, for=198.51.100.2", trusted).address,
            "203.0.113.5");
  for (std::string_view bad :
       {"for", "for=", "for=\"192.0.2.9", "for=192.0.2.9;for=192.0.2.10", "=x", "for=a b",
        "for=192.0.2.9 proto=https", "proto=https", "for=unknown", "for=\"[::1\""}) {
    ForwardedClient c = ParseForwarded(bad, trusted);
    EXPECT_EQ(c.address, "") << bad;
    EXPECT_FALSE(c.https) << bad;
    EXPECT_NE(c.error, "") << bad;
  }
  ForwardedClient none = ParseForwarded("", trusted);
  EXPECT_EQ(none.address, "");
  EXPECT_EQ(none.error, "");
}

TEST(RequestIdTest, AcceptsOnlyShortSafeIds) {
  EXPECT_TRUE(IsValidRequestId("0123456789abcdef0123456789abcdef"));
  EXPECT_TRUE(IsValidRequestId("f81d4fae-7dec-11d0-a765-00a0c91e6bf6"));
  EXPECT_TRUE(IsValidRequestId("A.b_c:d-9"));
  EXPECT_TRUE(IsValidRequestId(std::string(128, 'a')));
  EXPECT_FALSE(IsValidRequestId(std::string(129, 'a')));
  EXPECT_FALSE(IsValidRequestId(""));
  for (std::string_view bad : {"a b", "a\"b", "a\nb", "é", "a/b", "a;b", "{x}"}) {
    EXPECT_FALSE(IsValidRequestId(bad)) << bad;
  }
}

TEST(RequestIdTest, NewIdsAreDistinctHex) {
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) {
    std::string id = NewRequestId();
    ASSERT_EQ(id.size(), 32u);
    ASSERT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 1000u);
}

http::HttpRequest RequestFrom(std::string peer,
                              std::initializer_list<std::pair<const char*, const char*>> headers) {
  http::HttpRequest r;
  r.remote_addr = std::move(peer);
  for (const auto& [name, value] : headers) r.headers.Add(name, value);
  return r;
}

// The headers are believed from trusted peers only.
TEST(ApplyProxyHeadersTest, UntrustedPeersCannotSpoof) {
  Config config;
  ASSERT_EQ(AddressSet::Parse("127.0.0.1", &config.trusted_proxies), "");
  auto spoof = {std::pair{"X-Forwarded-For", "1.2.3.4"}, std::pair{"X-Forwarded-Proto", "https"},
                std::pair{"X-Request-Id", "chosen-by-client"},
                std::pair{"Forwarded", "for=5.6.7.8;proto=https"}};
  http::HttpRequest r = RequestFrom("192.0.2.50", spoof);
  ApplyProxyHeaders(config, r);
  EXPECT_EQ(r.remote_addr, "192.0.2.50");
  EXPECT_EQ(r.peer_addr, "192.0.2.50");
  EXPECT_FALSE(r.secure);
  EXPECT_NE(r.request_id, "chosen-by-client");
  EXPECT_EQ(r.request_id.size(), 32u);

  // Without any trusted proxy, not even loopback is believed.
  Config none;
  r = RequestFrom("127.0.0.1", spoof);
  ApplyProxyHeaders(none, r);
  EXPECT_EQ(r.remote_addr, "127.0.0.1");
  EXPECT_FALSE(r.secure);
}

TEST(ApplyProxyHeadersTest, TrustedProxyNamesTheClient) {
  Config config;
  ASSERT_EQ(AddressSet::Parse("127.0.0.1 ::1", &config.trusted_proxies), "");
  http::HttpRequest r =
      RequestFrom("127.0.0.1", {{"X-Forwarded-For", "9.9.9.9"},
                                {"X-Forwarded-For", "203.0.113.5"},
                                {"X-Forwarded-Proto", "https"},
                                {"X-Request-Id", "0123456789abcdef0123456789abcdef"},
                                {"Forwarded", "for=5.6.7.8"}});
  ApplyProxyHeaders(config, r);
  EXPECT_EQ(r.remote_addr, "203.0.113.5") << "X-Forwarded-For's field lines form one list";
  EXPECT_EQ(r.peer_addr, "127.0.0.1");
  EXPECT_TRUE(r.secure);
  EXPECT_EQ(r.request_id, "0123456789abcdef0123456789abcdef");

  // A malformed id from the proxy is replaced, a malformed chain keeps the peer.
  r = RequestFrom("::1", {{"X-Forwarded-For", "bogus"}, {"X-Request-Id", "two words"}});
  ApplyProxyHeaders(config, r);
  EXPECT_EQ(r.remote_addr, "::1");
  EXPECT_NE(r.request_id, "two words");
  EXPECT_EQ(r.request_id.size(), 32u);

  // forwarded_header = forwarded: RFC 7239 only; X-Forwarded-For is then the client's own.
  config.forwarded_header = "forwarded";
  r = RequestFrom("127.0.0.1", {{"X-Forwarded-For", "9.9.9.9"},
                                {"Forwarded", R"(for="[2001:db8::5]:1234";proto=https)"}});
  ApplyProxyHeaders(config, r);
  EXPECT_EQ(r.remote_addr, "2001:db8::5");
  EXPECT_TRUE(r.secure);
  r = RequestFrom("127.0.0.1", {{"X-Forwarded-For", "9.9.9.9"}, {"X-Forwarded-Proto", "https"}});
  ApplyProxyHeaders(config, r);
  EXPECT_EQ(r.remote_addr, "127.0.0.1");
  EXPECT_FALSE(r.secure);
}

TEST(ApplyProxyHeadersTest, HttpsPublicUrlMakesEveryRequestSecure) {
  Config config;
  config.public_url = "HTTPS://agenda.example";
  http::HttpRequest r = RequestFrom("192.0.2.1", {});
  ApplyProxyHeaders(config, r);
  EXPECT_TRUE(r.secure);
}

TEST(PublicUrlTest, AcceptsOriginsOnly) {
  for (std::string_view ok :
       {"", "https://agenda.ac-orleans-tours.fr", "https://agenda.ac-orleans-tours.fr/",
        "http://127.0.0.1:8008", "HTTPS://Agenda.Example:443/", "http://[2001:db8::1]:8080",
        "http://[::1]"}) {
    EXPECT_EQ(CheckPublicUrl(ok), "") << ok;
  }
  EXPECT_NE(CheckPublicUrl("https://agenda.example/agenda/").find("path prefix"),
            std::string::npos);
  for (std::string_view bad :
       {"agenda.example", "ftp://agenda.example", "https://", "https://:443",
        "https://agenda.example:0", "https://agenda.example:99999", "https://agenda.example:x",
        "https://user@agenda.example", "https://agenda.example?x=1", "https://agenda.example#f",
        "https://[2001:db8::1", "https://[nothex]", "https://agen da.example",
        "https://agenda.example//"}) {
    EXPECT_NE(CheckPublicUrl(bad), "") << bad;
  }
}

TEST(PublicUrlTest, LocalRedirectsBecomeAbsolute) {
  Config config;
  http::HttpResponse r;
  r.headers.Set("Location", "/dav/");
  AbsoluteLocation(config, r);
  EXPECT_EQ(r.headers.Get("Location"), "/dav/") << "unset public_url: unchanged";

  config.public_url = "https://agenda.example/";
  AbsoluteLocation(config, r);
  EXPECT_EQ(r.headers.Get("Location"), "https://agenda.example/dav/");
  AbsoluteLocation(config, r);
  EXPECT_EQ(r.headers.Get("Location"), "https://agenda.example/dav/") << "already absolute";
  for (std::string_view other : {"//evil.example/x", "/\\evil", "relative/path"}) {
    r.headers.Set("Location", std::string(other));
    AbsoluteLocation(config, r);
    EXPECT_EQ(r.headers.Get("Location"), other);
  }
  http::HttpResponse none;
  AbsoluteLocation(config, none);
  EXPECT_FALSE(none.headers.Has("Location"));
}

}  // namespace
}  // namespace cartable::server
