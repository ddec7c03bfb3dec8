// Password checks against the academy's LDAP directory ([auth] backend = ldap): a simple bind
// (RFC 4513 §5.1.3) as the person, with OpenLDAP's libldap. Plugged into
// AccountService::SetPasswordVerifier by the App; the verified-credential cache of server/auth
// keeps DAV clients from binding on every request.
//
// Which LDAP entry: the Cartable login is the directory's uid (the import takes both from the
// same source), so the bind uses `store::User::login`, never what the person typed (an e-mail
// address also signs in, but the directory is asked about the login it belongs to).
//
// Two ways to find the entry's DN:
//  - a template: user_dn = "uid={login},ou=people,dc=academie,dc=fr" ({login} escaped as an
//    attribute value, RFC 4514 §2.4), one bind per check;
//  - a search: search_base + search_filter "(uid={login})" ({login} escaped as an assertion
//    value, RFC 4515 §3), run anonymously or as the service account bind_dn/bind_password;
//    exactly one entry must match, then the bind as that entry on the same connection.
//
// Threads: Verify is thread-safe (a connection per call, nothing shared; libldap 2.5 is
// reentrant). It blocks on the network for at most about timeout_seconds in all (a watchdog
// closes the connection of a check that takes longer): call it only off the reactor threads
// (the hash pool). Without a pool: the verified-credential cache makes binds rare.
#pragma once

#include <functional>
#include <string>
#include <string_view>

typedef struct ldap LDAP;  // <ldap.h>

namespace cartable::directory {

struct LdapOptions {
  // ldap://host[:port] or ldaps://host[:port]; several, space-separated, are tried in turn.
  // Checked by the config ([auth] ldap_*); Verify fails (logged) on what libldap refuses.
  std::string url;
  std::string user_dn;      // DN template with {login}; empty = search mode
  std::string search_base;  // search mode: where people are (subtree)
  std::string search_filter = "(uid={login})";
  std::string bind_dn;           // search mode: the service account ("" = anonymous search)
  std::string bind_password;     // its password
  bool starttls = false;         // StartTLS (RFC 4513 §3) before any bind; failure = refused
  std::string ca_file;           // PEM CA bundle for TLS ("" = system / ldap.conf defaults)
  unsigned timeout_seconds = 5;  // the longest a check may take (connect included)
};

// RFC 4514 §2.4: `value` made safe as an attribute value inside a DN ("a,b" -> "a\,b").
std::string EscapeDnValue(std::string_view value);
// RFC 4515 §3: `value` made safe as an assertion value inside a filter ("*" -> "\2a").
std::string EscapeFilterValue(std::string_view value);
// `pattern` with every "{login}" replaced by `escaped_login`.
std::string ExpandLogin(std::string_view pattern, std::string_view escaped_login);

// The process must ignore SIGPIPE (as `cartable serve` does): libldap writes with write(), and
// a directory that drops the connection would otherwise kill the process.
class LdapVerifier {
 public:
  // Where errors go (server down, timeout, TLS failure, a search matching several entries):
  // one line each, without any password. Default: standard error.
  using Log = std::function<void(const std::string& line)>;
  explicit LdapVerifier(LdapOptions options, Log log = {});

  // Whether `password` is the directory password of `login`. False for an empty password (an
  // "unauthenticated bind" succeeds on servers that allow it, RFC 4513 §5.1.2), an empty
  // login, an unknown login, a wrong password, and for every error (logged): an unreachable
  // directory never lets anybody in.
  bool Verify(const std::string& login, const std::string& password) const;

  const LdapOptions& options() const { return options_; }

 private:
  // Verify on the handle `ld` (ldap_initialize'd): options, TLS, search, bind.
  bool Bind(LDAP* ld, const std::string& login, const std::string& password) const;

  LdapOptions options_;
  Log log_;
};

}  // namespace cartable::directory
