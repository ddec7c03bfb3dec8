// Server configuration: defaults, the INI config file, and command-line overrides.
// The file format and every key are documented in README.md ("Configuration").
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/address_set.h"
#include "server/smtp.h"

namespace cartable::server {

struct Config {
  // [server]
  std::string listen = "127.0.0.1:8008";  // HOST:PORT; "[::1]:8008" for IPv6; port 0 = ephemeral
  unsigned workers = 0;                   // reactor threads; 0 = number of cores
  std::string data_dir = "./var";         // the store directory (SQLite database lives here)
  // e.g. "https://agenda.ac-orleans-tours.fr": the base of every absolute URL and redirect
  // (server/forwarded.h); no path. "" = from the request's Host.
  std::string public_url;
  // Reverse proxies whose X-Forwarded-For / Forwarded / X-Forwarded-Proto / X-Request-Id are
  // believed (addresses or networks, e.g. "127.0.0.1 10.1.0.0/16"); empty = none: those headers
  // are ignored and the TCP peer is the client.
  AddressSet trusted_proxies;
  // The header trusted proxies name the client in: "x-forwarded-for" (nginx's
  // $proxy_add_x_forwarded_for, with X-Forwarded-Proto) or "forwarded" (RFC 7239). Only that one
  // is read: a proxy passes the other through from the client unchanged.
  std::string forwarded_header = "x-forwarded-for";
  // glibc malloc arenas (M_ARENA_MAX): each thread that allocates would otherwise get its own
  // arena (up to 8 per core), each keeping its freed memory. 0 = glibc's default.
  unsigned malloc_arenas = 2;
  // [limits]
  uint64_t max_body_bytes = 10ull << 20;    // larger bodies get 413
  uint64_t max_header_bytes = 64ull << 10;  // larger header blocks get 431
  unsigned request_timeout_seconds = 30;    // headers+body must arrive within this, else 408
  unsigned idle_timeout_seconds = 60;       // idle keep-alive connections are closed after this
  unsigned shutdown_grace_seconds = 10;     // SIGTERM waits this long for in-flight requests
  // Open connections in total and per client IP address; one more is answered 503 with
  // Retry-After and closed. The total is lowered at start to fit the open-file limit.
  unsigned max_connections = 10000;
  unsigned max_connections_per_address = 256;
  // Response bytes queued on one connection and not yet written: above this, no further
  // pipelined request is read until the client has read enough (one larger response is
  // still sent whole).
  uint64_t max_queued_output_bytes = 16ull << 20;
  // After an error response the server stops writing and discards what the client still
  // sends for at most this long / this many bytes before closing, so that the client reads the
  // status instead of a reset (lingering close).
  unsigned lingering_close_seconds = 5;
  uint64_t lingering_close_bytes = 16ull << 20;
  uint64_t gzip_min_bytes = 2048;  // compress larger XML/JSON bodies if the client accepts gzip
  // DAV work per request (dav::DavOptions says what each refusal answers).
  uint64_t max_xml_depth = 64;                 // element nesting of an XML body (400)
  uint64_t max_xml_elements = 50000;           // elements of an XML body (413)
  uint64_t max_properties_per_request = 1000;  // PROPFIND/REPORT names, PROPPATCH updates (413)
  uint64_t max_expand_property_depth = 3;      // nested expansions of one expand-property REPORT
  uint64_t max_response_bytes = 64ull << 20;   // one multistatus answer (507); 0 = no bound
  uint64_t max_instances_per_request = 50000;  // expand / free-busy instances (507)
  uint64_t max_import_cards = 1000;  // vCards in one contacts import of the web application (413)
  uint64_t tz_cache_entries = 256;   // distinct VTIMEZONE definitions kept expanded (0 = none)
  // [auth]
  std::string realm = "Cartable";
  unsigned auth_cache_seconds = 300;  // how long a verified credential is trusted without rehashing
  // Password hashes run on this many dedicated threads (1-64), never on the reactors; at most
  // hash_queue (1-100000) more wait, beyond which a login that needs a hash gets 503 +
  // Retry-After.
  unsigned hash_threads = 2;
  unsigned hash_queue = 64;
  // A request refused before its body was read (401, 503) keeps its connection when its declared
  // body is at most this many bytes (read and discarded); a larger or chunked one is answered at
  // once and the connection closed, so the body is never read.
  uint64_t refused_body_drain_bytes = 64ull << 10;
  // Where personal passwords are checked: "local" (the stored Argon2id hash) or "ldap" (a
  // simple bind to the academy's directory, directory/ldap_auth.h). Initial NUMEN passwords and
  // app passwords stay local either way; with "ldap" the password pages refuse
  // ("managed-by-directory").
  std::string auth_backend = "local";
  // ldap: ldap:// or ldaps:// URL(s), space-separated. Required.
  std::string ldap_url;
  // ldap: the person's DN with {login} (the Cartable login = the directory's uid), e.g.
  // "uid={login},ou=people,dc=ac-orleans-tours,dc=fr"; or, instead, a subtree search under
  // ldap_search_base with ldap_search_filter, anonymous or as ldap_bind_dn/ldap_bind_password.
  std::string ldap_user_dn;
  std::string ldap_search_base;
  std::string ldap_search_filter = "(uid={login})";
  std::string ldap_bind_dn;
  std::string ldap_bind_password;
  bool ldap_starttls = false;         // StartTLS before any bind (ldap:// URLs only)
  std::string ldap_ca_file;           // PEM CA for the directory's certificate; "" = system CAs
  unsigned ldap_timeout_seconds = 5;  // 1-300: the longest one check may take (refused after)
  // [accounts]
  std::string mail_domain = "ac-orleans-tours.fr";
  uint64_t default_quota_bytes = 50ull << 20;  // per-user document space quota
  // The server's secret key (directory/secret_key.h: NUMEN and birth-date hashes, app passwords,
  // sessions, one-time-code secrets), created 0600 on first use; "" = <data_dir>/secret.key.
  // Every node of a deployment, and the CLI, must use the same file.
  std::string secret_key_file;
  // Web sessions: ended after this long without a request (1-10080) / after this long (1-8760).
  unsigned session_idle_minutes = 30;
  unsigned session_max_hours = 12;
  // Live web sessions per person (1-1000): a new sign-in beyond it ends the least recently used.
  unsigned max_sessions_per_user = 20;
  // Lockout per account (directory/account_service.h): `lockout_threshold` distinct wrong
  // passwords or codes (0-1000, 0 = no lockout) within `lockout_window_minutes` (1-1440) lock the
  // account for `lockout_minutes` (1-1440), doubling on each repeat; past
  // `lockout_max_temporary` (0-20) temporary locks the account is blocked until unlocked.
  unsigned lockout_threshold = 10;
  unsigned lockout_window_minutes = 15;
  unsigned lockout_minutes = 15;
  unsigned lockout_max_temporary = 3;
  // Failed sign-ins per client address (0-1000000, 0 = no limit) within the window (1-1440
  // minutes): beyond, sign-ins from that address get 429 + Retry-After before any hashing.
  unsigned address_max_failures = 30;
  unsigned address_window_minutes = 15;
  // Password policy (directory/password_policy.h): characters (8-256), zxcvbn log10(guesses)
  // (0-30), previous passwords refused (0-24), days before a password must be changed (0 =
  // never, as NIST SP 800-63B advises; at most 3650).
  unsigned password_min_length = 12;
  unsigned password_min_strength = 10;
  unsigned password_history = 5;
  unsigned password_expiry_days = 0;
  // Self-service steps (activation, forgotten login or password, blocked account, reset link,
  // backup address) each allowed this many times per hour per client address and per identity
  // (1-100000; beyond: 429 + Retry-After).
  unsigned self_service_per_hour = 10;
  // Lifetime of the mailed single-use links (password reset, backup address), 1-10080.
  unsigned reset_link_minutes = 30;
  // One-time codes and app passwords (issue 11): the issuer authenticator apps show next to
  // the account, and how many app passwords one account may hold.
  std::string otp_issuer = "Cartable";
  unsigned max_app_passwords = 50;
  // [directory]
  // Department codes and names the import accepts ("37" -> "Indre-et-Loire"); empty = the
  // académie d'Orléans-Tours' six (directory::DefaultDepartments()). In the file:
  //   departments = 18:Cher, 28:Eure-et-Loir, 36:Indre, 37:Indre-et-Loire, 41:Loir-et-Cher
  std::map<std::string, std::string> departments;
  // `directory import` refuses a file that would disable more than this share (0..100) of the
  // active directory entries, unless --allow-mass-disable is given.
  unsigned max_disable_percent = 5;
  // `directory import` refuses larger files before reading them.
  uint64_t max_import_bytes = uint64_t{64} << 20;
  // People (or cards) the import writes per transaction: the server's writers wait at most about
  // one batch for the database lock.
  unsigned import_batch_size = 500;
  // [scheduling]
  bool scheduling = true;  // server-side scheduling (RFC 6638); off: clients send iTIP themselves
  // Mail domains whose addresses are colleagues: an attendee there is looked up among the
  // accounts (unknown: SCHEDULE-STATUS 3.7); any other address gets iMIP mail. Empty = mail_domain.
  std::vector<std::string> internal_domains;
  // Members an invited group (CUTYPE=GROUP attendee) is expanded into; beyond it the group is
  // not expanded and its SCHEDULE-STATUS says 5.3 (dav::DavOptions::max_group_members).
  uint64_t max_group_members = 500;
  // [sharing] (dav/sharing/)
  // Colleagues' shares are accepted at once (Thunderbird and DAVx5 have no invitation UI);
  // off: they wait in the sharee's notification collection for CS:invite-reply.
  bool share_auto_accept = true;
  uint64_t max_shares_per_collection = 200;  // shares of one calendar or address book (409)
  uint64_t max_delegates = 50;               // delegates of one user (409)
  // [mail] the SMTP relay for iMIP (host "" = none: outgoing invitations stay queued)
  SmtpSettings smtp;
  std::string mail_from;              // envelope sender; "" = the organizer's address
  unsigned mail_retry_seconds = 300;  // first retry delay of a queued message (doubles, max 1 h)
  unsigned mail_expire_hours = 120;   // queued messages are dropped after this
  // [imip] incoming mail (`cartable imip deliver`, dav/scheduling/imip_in.h)
  // authserv-ids (RFC 8601) of our own MTAs, lowercase: only their Authentication-Results
  // fields are read. Empty = nothing vouches for any sender: every message is refused (77)
  // unless imip_require is "none".
  std::vector<std::string> imip_trusted_authserv_ids;
  std::string imip_require = "dmarc";  // dmarc | dkim | none (none: tests only, logged loudly)
  // Larger messages are refused (65) before they are read whole; unset = [limits]
  // max_body_bytes, the bound a calendar object has over HTTP.
  std::optional<uint64_t> imip_max_message_bytes;
  // [store]
  // Which store holds everything (issue 15): "sqlite" (one file in data_dir, one machine) or
  // "postgresql" (the database at postgresql_url, shared by several nodes).
  std::string store_backend = "sqlite";
  // A libpq URI, postgresql://user:password@host:port/dbname (or "key=value" pairs); required
  // with backend = postgresql.
  std::string postgresql_url;
  // PostgreSQL only: the most connections this process opens (1 to 1000). A request waits up
  // to busy_timeout_ms for a free one, then is answered 503 with Retry-After.
  unsigned store_pool_size = 8;
  // PostgreSQL only: how long a node's claim on a queued mail keeps other nodes off it (60 s to
  // 1 day; see store::StoreOptions::mail_claim_seconds).
  unsigned store_mail_claim_seconds = 3600;
  // How long a request waits for another process's database lock (the CLI, a backup) before
  // it is answered 503 with Retry-After.
  unsigned store_busy_timeout_ms = 5000;
  // The change log (sync-token history) kept per collection; older entries are pruned on write
  // and clients holding an older token resynchronise (RFC 6578 valid-sync-token). 0 = no limit.
  uint64_t change_log_max_entries = 10000;
  unsigned change_log_max_age_days = 60;
  // SQLite memory of the whole process (every connection's page cache together), in MiB: a
  // soft bound (sqlite3_soft_heap_limit64): past it, page caches recycle their pages instead of
  // growing. 0 = no bound (each connection may then cache up to 16 MiB).
  unsigned store_memory_mib = 8;
  // [log]
  bool access_log = true;
  std::string access_log_file;  // "" = standard error
  // Lines are written in batches at most this many milliseconds after their request (0 = each
  // line at once), so that logging costs no write(2) per request.
  unsigned access_log_flush_ms = 200;
  // "text" (one space-separated line per request) or "json" (one JSON object per line).
  std::string log_format = "text";
  // [metrics] (issue 16: /metrics in Prometheus' text format)
  // Client addresses (after trusted_proxies) that may read /metrics without a token.
  AddressSet metrics_allow = AddressSet::Loopback();
  // A file holding a bearer token that also opens /metrics from anywhere ("" = no token).
  std::string metrics_token_file;
  // [web] (issue 13: the web application)
  // The bundle built by server/web/app/build.mjs (manifest.json + content-hashed files); "" =
  // the directory "web-app" next to the running binary. Read once at start.
  std::string web_app_dir;
  // The bundle's files are kept in memory (with a gzip copy): a directory holding more than this
  // is not loaded (the application pages answer 503 and the start-up log names this key).
  uint64_t web_app_max_bytes = uint64_t{64} << 20;
  // Origins allowed to frame the application pages (CSP frame-ancestors), e.g. the academy
  // portal "https://portail.ac-orleans-tours.fr"; space-separated. Empty = none ('none').
  std::vector<std::string> web_frame_ancestors;

  // secret_key_file, or its default in the data directory.
  std::string SecretKeyFile() const {
    return secret_key_file.empty() ? data_dir + "/secret.key" : secret_key_file;
  }

  // Reads an INI file over the current values. Unknown keys are an error. Returns "" on
  // success or a message naming the file, line and key.
  std::string LoadFile(const std::string& path);
  // Checks what depends on several keys ([auth] backend = ldap needs ldap_url, ...): "" or a
  // message naming the key. LoadFile runs it.
  std::string Check() const;
};

// Parses "HOST[:PORT]" or "[IPV6][:PORT]" (port 25 by default) into out.host/out.port, for
// [mail] relay and `serve --smtp-relay`. Returns "" or an error message.
std::string ParseRelay(std::string_view value, SmtpSettings& out);

}  // namespace cartable::server
