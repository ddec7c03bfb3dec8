// A real OpenLDAP server for tests (Debian slapd): a temporary directory with a cn=config made by
// slapadd, an mdb database under dc=academie,dc=test loaded with people whose userPassword is
// {SSHA} (slappasswd), served by /usr/sbin/slapd as the current user on 127.0.0.1 and an
// ephemeral port. Stopped (SIGTERM, then SIGKILL) and its directory removed on destruction,
// whatever the test did; slapd also dies with the test process (PR_SET_PDEATHSIG).
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

namespace cartable::testlib {

struct LdapPerson {
  std::string uid;
  std::string password;
  std::string ou = "people";  // the entry is uid=<uid>,ou=<ou>,dc=academie,dc=test
};

struct SlapdOptions {
  std::vector<LdapPerson> people;
  // Serve StartTLS, and ldaps:// on a second port (ldaps_url()), with a fresh self-signed
  // certificate for 127.0.0.1 (openssl); its PEM is ca_file().
  bool tls = false;
};

class Slapd {
 public:
  static constexpr const char* kSuffix = "dc=academie,dc=test";
  static constexpr const char* kPeopleBase = "ou=people,dc=academie,dc=test";
  static constexpr const char* kRootDn = "cn=admin,dc=academie,dc=test";
  static constexpr const char* kRootPassword = "racine-secrete";
  // A service account allowed to search (search mode's bind_dn).
  static constexpr const char* kServiceDn = "cn=cartable,ou=services,dc=academie,dc=test";
  static constexpr const char* kServicePassword = "service-secret";

  // Starts the server and waits (at most 20 s) until it answers a bind; nullptr and `*error`
  // (with slapd's output) when it cannot. The server accepts unauthenticated binds (a DN with
  // an empty password, RFC 4513 §5.1.2), as some directories do, so that tests can show the
  // client never relies on the server refusing them.
  static std::unique_ptr<Slapd> Start(const SlapdOptions& options, std::string* error);
  ~Slapd();
  Slapd(const Slapd&) = delete;
  Slapd& operator=(const Slapd&) = delete;

  unsigned port() const { return port_; }
  std::string url() const { return "ldap://127.0.0.1:" + std::to_string(port_) + "/"; }
  std::string ldaps_url() const { return "ldaps://127.0.0.1:" + std::to_string(tls_port_) + "/"; }
  std::string ca_file() const { return dir_ + "/cert.pem"; }
  // Stops the server now (a directory that went down); the port stays closed.
  void Stop();

 private:
  Slapd() = default;
  std::string dir_;
  pid_t pid_ = -1;
  unsigned port_ = 0;
  unsigned tls_port_ = 0;  // ldaps://, when started with tls
};

}  // namespace cartable::testlib
