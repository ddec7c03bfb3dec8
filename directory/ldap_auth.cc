#include "directory/ldap_auth.h"

#include <ldap.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cctype>
#include <chrono>
#include <condition_variable>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>

namespace cartable::directory {
namespace {

struct LdapCloser {
  void operator()(LDAP* ld) const { ldap_unbind_ext_s(ld, nullptr, nullptr); }
};
using LdapHandle = std::unique_ptr<LDAP, LdapCloser>;

struct MessageFree {
  void operator()(LDAPMessage* m) const { ldap_msgfree(m); }
};
using LdapResult = std::unique_ptr<LDAPMessage, MessageFree>;

char HexDigit(unsigned v) { return "0123456789abcdef"[v & 0xf]; }

void AppendHex(std::string& out, unsigned char c) {
  out += '\\';
  out += HexDigit(c >> 4);
  out += HexDigit(c);
}

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  }
  return true;
}

// The server's explanation of the last error on `ld`, if it gave one.
std::string Diagnostic(LDAP* ld) {
  char* text = nullptr;
  if (ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &text) != LDAP_OPT_SUCCESS || !text) {
    return "";
  }
  // GnuTLS failures leave "(unknown error code)": no information.
  std::string_view message = text;
  std::string out =
      message.empty() || message == "(unknown error code)" ? "" : " (" + std::string(message) + ")";
  ldap_memfree(text);
  return out;
}

// Whether one of the space-separated `urls` is ldap:// to a host other than this machine.
bool CleartextUrl(std::string_view urls) {
  size_t start = 0;
  while (start < urls.size()) {
    size_t end = urls.find_first_of(" \t", start);
    if (end == std::string_view::npos) end = urls.size();
    std::string_view url = urls.substr(start, end - start);
    start = end + 1;
    if (!StartsWithIgnoreCase(url, "ldap://")) continue;
    std::string_view host = url.substr(7, url.find('/', 7) - 7);
    const bool loopback = host.empty() || StartsWithIgnoreCase(host, "localhost") ||
                          host.substr(0, 4) == "127." || host.substr(0, 5) == "[::1]";
    if (!loopback) return true;
  }
  return false;
}

// Connection errors under TLS are most often the certificate: say where to look.
std::string TlsHint(int rc) {
  return rc == LDAP_CONNECT_ERROR || rc == LDAP_SERVER_DOWN
             ? " (is the server's certificate valid for this host name and signed by a CA of "
               "ldap_ca_file or the system?)"
             : "";
}

// Bounds a whole check. libldap's own timeouts do not cover everything: with libldap 2.5.13
// and GnuTLS, the handshake of an ldaps:// connection to a server that accepts and then says
// nothing spins forever (read → EAGAIN in a loop; found by LdapDirectoryDown tests). When
// `limit` passes first, the connection's socket is shut down, which ends whatever libldap waits
// for with an error. Registered as the handle's connection callback (LDAP_OPT_CONNECT_CB) to
// learn the socket as soon as it is connected.
class Watchdog {
 public:
  explicit Watchdog(std::chrono::seconds limit) : thread_([this, limit] { Run(limit); }) {
    callbacks_.lc_add = &Watchdog::Added;
    callbacks_.lc_del = &Watchdog::Removed;
    callbacks_.lc_arg = this;
  }
  ~Watchdog() { Finish(); }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  ldap_conncb* callbacks() { return &callbacks_; }
  // Stops watching; after this the socket is never touched (call before it is closed).
  void Finish() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      finished_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  bool expired() {
    std::lock_guard<std::mutex> lock(mu_);
    return expired_;
  }

 private:
  void Run(std::chrono::seconds limit) {
    std::unique_lock<std::mutex> lock(mu_);
    if (cv_.wait_for(lock, limit, [this] { return finished_; })) return;
    expired_ = true;
    if (fd_ >= 0) shutdown(fd_, SHUT_RDWR);
  }
  static int Added(LDAP*, Sockbuf* sb, LDAPURLDesc*, sockaddr*, ldap_conncb* cb) {
    auto* self = static_cast<Watchdog*>(cb->lc_arg);
    ber_socket_t fd = -1;
    ber_sockbuf_ctrl(sb, LBER_SB_OPT_GET_FD, &fd);
    std::lock_guard<std::mutex> lock(self->mu_);
    if (self->finished_) return 0;
    self->fd_ = fd;
    if (self->expired_ && fd >= 0) shutdown(fd, SHUT_RDWR);  // connected too late
    return 0;
  }
  static void Removed(LDAP*, Sockbuf*, ldap_conncb* cb) {
    auto* self = static_cast<Watchdog*>(cb->lc_arg);
    std::lock_guard<std::mutex> lock(self->mu_);
    self->fd_ = -1;
  }

  std::mutex mu_;
  std::condition_variable cv_;
  int fd_ = -1;
  bool finished_ = false;
  bool expired_ = false;
  ldap_conncb callbacks_{};
  std::thread thread_;  // last: starts once the rest is initialised
};

// One check's connection: the watchdog stops before the handle closes the socket (so it never
// shuts down a number the system gave to another socket since), and outlives the handle (whose
// unbind calls its callbacks).
struct Connection {
  explicit Connection(unsigned timeout_seconds) : watchdog(std::chrono::seconds(timeout_seconds)) {}
  ~Connection() {
    watchdog.Finish();
    ld.reset();
  }
  Watchdog watchdog;
  LdapHandle ld;
};

}  // namespace

std::string EscapeDnValue(std::string_view value) {
  std::string out;
  out.reserve(value.size() + 8);
  for (size_t i = 0; i < value.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(value[i]);
    const bool first = i == 0, last = i + 1 == value.size();
    if (c == 0 || c < 0x20 || c == 0x7f) {
      AppendHex(out, c);  // RFC 4514 §2.4: NUL must be escaped; other controls may be
    } else if (c == ',' || c == '+' || c == '"' || c == '\\' || c == '<' || c == '>' || c == ';' ||
               c == '=' || (first && (c == '#' || c == ' ')) || (last && c == ' ')) {
      out += '\\';  // '=' is optional in RFC 4514 but escaped by OpenLDAP too
      out += static_cast<char>(c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string EscapeFilterValue(std::string_view value) {
  std::string out;
  out.reserve(value.size() + 8);
  for (char ch : value) {
    const unsigned char c = static_cast<unsigned char>(ch);
    // RFC 4515 §3: '*', '(', ')', '\' and NUL must be written as \XX.
    if (c == '*' || c == '(' || c == ')' || c == '\\' || c == 0) {
      AppendHex(out, c);
    } else {
      out += ch;
    }
  }
  return out;
}

std::string ExpandLogin(std::string_view pattern, std::string_view escaped_login) {
  static constexpr std::string_view kPlaceholder = "{login}";
  std::string out;
  size_t start = 0;
  for (;;) {
    size_t at = pattern.find(kPlaceholder, start);
    out += pattern.substr(start, at == std::string_view::npos ? at : at - start);
    if (at == std::string_view::npos) return out;
    out += escaped_login;
    start = at + kPlaceholder.size();
  }
}

LdapVerifier::LdapVerifier(LdapOptions options, Log log)
    : options_(std::move(options)), log_(std::move(log)) {
  // libldap reads its global defaults (ldap.conf) on first use: do it here, on one thread,
  // before the hash-pool threads call Verify concurrently.
  int version = 0;
  ldap_get_option(nullptr, LDAP_OPT_PROTOCOL_VERSION, &version);
  if (!log_) {
    log_ = [](const std::string& line) { std::cerr << "cartable: ldap: " << line << std::endl; };
  }
  if (!options_.starttls && CleartextUrl(options_.url)) {
    log_("warning: ldap_url '" + options_.url +
         "' without ldap_starttls: passwords cross the network in clear");
  }
}

bool LdapVerifier::Verify(const std::string& login, const std::string& password) const {
  // RFC 4513 §5.1.2: a simple bind with a DN and an empty password is an "unauthenticated
  // bind", which some servers accept as anonymous: never ask.
  if (password.empty() || login.empty()) return false;

  LDAP* raw = nullptr;
  if (int rc = ldap_initialize(&raw, options_.url.c_str()); rc != LDAP_SUCCESS) {
    log_("invalid URL '" + options_.url + "': " + ldap_err2string(rc));
    return false;
  }
  Connection connection(options_.timeout_seconds);
  connection.ld.reset(raw);
  ldap_set_option(raw, LDAP_OPT_CONNECT_CB, connection.watchdog.callbacks());
  if (Bind(raw, login, password)) return true;
  if (connection.watchdog.expired()) {
    log_("no answer from " + options_.url + " within " + std::to_string(options_.timeout_seconds) +
         " s (ldap_timeout_seconds): refused");
  }
  return false;
}

bool LdapVerifier::Bind(LDAP* raw, const std::string& login, const std::string& password) const {
  const int version = LDAP_VERSION3;
  ldap_set_option(raw, LDAP_OPT_PROTOCOL_VERSION, &version);
  // A referral would send the person's password to another server: never follow one.
  ldap_set_option(raw, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
  timeval timeout{static_cast<time_t>(options_.timeout_seconds), 0};
  ldap_set_option(raw, LDAP_OPT_NETWORK_TIMEOUT, &timeout);  // connect
  ldap_set_option(raw, LDAP_OPT_TIMEOUT, &timeout);          // each synchronous call's answer

  std::string lower_url = options_.url;
  for (char& c : lower_url) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const bool tls = options_.starttls || lower_url.find("ldaps://") != std::string::npos;
  if (tls) {
    // The server's certificate is always checked, whatever ldap.conf says (TLS_REQCERT): the
    // person's password goes through this channel. Options set on the handle need a new
    // TLS context to take effect.
    const int demand = LDAP_OPT_X_TLS_DEMAND;
    ldap_set_option(raw, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand);
    const int tls12 = LDAP_OPT_X_TLS_PROTOCOL_TLS1_2;
    ldap_set_option(raw, LDAP_OPT_X_TLS_PROTOCOL_MIN, &tls12);
    if (!options_.ca_file.empty()) {
      ldap_set_option(raw, LDAP_OPT_X_TLS_CACERTFILE, options_.ca_file.c_str());
    }
    const int is_server = 0;
    if (int rc = ldap_set_option(raw, LDAP_OPT_X_TLS_NEWCTX, &is_server); rc != LDAP_OPT_SUCCESS) {
      log_("cannot set up TLS (ldap_ca_file '" + options_.ca_file + "'): " + ldap_err2string(rc));
      return false;
    }
  }
  if (options_.starttls) {
    if (int rc = ldap_start_tls_s(raw, nullptr, nullptr); rc != LDAP_SUCCESS) {
      log_("StartTLS with " + options_.url + " failed: " + ldap_err2string(rc) + Diagnostic(raw) +
           TlsHint(rc));
      return false;
    }
  }

  std::string dn;
  if (!options_.user_dn.empty()) {
    dn = ExpandLogin(options_.user_dn, EscapeDnValue(login));
  } else {
    if (!options_.bind_dn.empty()) {
      berval cred{static_cast<ber_len_t>(options_.bind_password.size()),
                  const_cast<char*>(options_.bind_password.data())};
      int rc = ldap_sasl_bind_s(raw, options_.bind_dn.c_str(), LDAP_SASL_SIMPLE, &cred, nullptr,
                                nullptr, nullptr);
      if (rc != LDAP_SUCCESS) {
        log_("service bind as '" + options_.bind_dn + "' to " + options_.url +
             " failed: " + ldap_err2string(rc) + Diagnostic(raw) + (tls ? TlsHint(rc) : ""));
        return false;
      }
    }
    const std::string filter = ExpandLogin(options_.search_filter, EscapeFilterValue(login));
    char no_attributes[] = LDAP_NO_ATTRS;  // "1.1": only the DN is needed
    char* attrs[] = {no_attributes, nullptr};
    LDAPMessage* found = nullptr;
    // Size limit 2: one entry is the answer, a second one is enough to know it is ambiguous.
    int rc = ldap_search_ext_s(raw, options_.search_base.c_str(), LDAP_SCOPE_SUBTREE,
                               filter.c_str(), attrs, 0, nullptr, nullptr, &timeout, 2, &found);
    LdapResult result(found);
    if (rc == LDAP_SIZELIMIT_EXCEEDED ||
        (rc == LDAP_SUCCESS && found && ldap_count_entries(raw, found) > 1)) {
      log_("several entries match " + filter + " under '" + options_.search_base +
           "': sign-in refused");
      return false;
    }
    if (rc != LDAP_SUCCESS) {
      log_("search " + filter + " under '" + options_.search_base + "' on " + options_.url +
           " failed: " + ldap_err2string(rc) + Diagnostic(raw));
      return false;
    }
    LDAPMessage* entry = found ? ldap_first_entry(raw, found) : nullptr;
    if (entry == nullptr) return false;  // unknown in the directory
    char* entry_dn = ldap_get_dn(raw, entry);
    if (entry_dn == nullptr) return false;
    dn = entry_dn;
    ldap_memfree(entry_dn);
    if (dn.empty()) return false;  // an empty DN would make the bind anonymous
  }

  berval cred{static_cast<ber_len_t>(password.size()), const_cast<char*>(password.data())};
  int rc = ldap_sasl_bind_s(raw, dn.c_str(), LDAP_SASL_SIMPLE, &cred, nullptr, nullptr, nullptr);
  if (rc == LDAP_SUCCESS) return true;
  // A wrong password or an unknown DN is an ordinary refusal; anything else is worth a line.
  if (rc != LDAP_INVALID_CREDENTIALS) {
    log_("bind as '" + dn + "' to " + options_.url + " failed: " + ldap_err2string(rc) +
         Diagnostic(raw) + (tls ? TlsHint(rc) : ""));
  }
  return false;
}

}  // namespace cartable::directory
