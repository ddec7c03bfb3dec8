#include "tests/testlib/slapd.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <ldap.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

namespace cartable::testlib {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr const char* kSlapd = "/usr/sbin/slapd";
constexpr const char* kSlapadd = "/usr/sbin/slapadd";
constexpr const char* kSlappasswd = "/usr/sbin/slappasswd";
constexpr const char* kOpenssl = "/usr/bin/openssl";

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Starts `args` with standard output into `log` and standard error into `errors` (appended;
// "" = `log`); the child dies with the calling thread (PR_SET_PDEATHSIG), so a crashed test
// leaves no server behind. -1 on failure.
pid_t Spawn(const std::vector<std::string>& args, const std::string& log,
            const std::string& errors = "") {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return -1;
  int err =
      errors.empty() ? fd : open(errors.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (err < 0) {
    close(fd);
    return -1;
  }
  const pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) {  // only async-signal-safe calls until exec
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    dup2(fd, STDOUT_FILENO);
    dup2(err, STDERR_FILENO);
    int null = open("/dev/null", O_RDONLY);
    if (null >= 0) dup2(null, STDIN_FILENO);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(fd);
  if (err != fd) close(err);
  return pid;
}

// Runs `args` to completion (at most 30 s); its output is appended as Spawn does. The exit
// code, or -1 when it could not run or was killed.
int Run(const std::vector<std::string>& args, const std::string& log,
        const std::string& errors = "") {
  pid_t pid = Spawn(args, log, errors);
  if (pid < 0) return -1;
  auto deadline = Clock::now() + std::chrono::seconds(30);
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (Clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The {SSHA} hash of `password`, made by slappasswd (the secret read from a file, so any byte
// goes through).
std::string Ssha(const std::string& dir, const std::string& password, std::string* error) {
  const std::string secret = dir + "/secret", out = dir + "/hash", errors = dir + "/setup.log";
  int fd = open(secret.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0 ||
      write(fd, password.data(), password.size()) != static_cast<ssize_t>(password.size())) {
    if (fd >= 0) close(fd);
    *error = "cannot write " + secret;
    return "";
  }
  close(fd);
  fs::remove(out);
  int rc = Run({kSlappasswd, "-h", "{SSHA}", "-n", "-T", secret}, out, errors);
  fs::remove(secret);
  std::string hash = ReadAll(out);
  if (rc != 0 || hash.rfind("{SSHA}", 0) != 0) {
    *error = "slappasswd failed (" + std::to_string(rc) + "): " + hash + ReadAll(errors);
    return "";
  }
  return hash;
}

// Test data only: the few characters a test login uses that a DN needs escaped (RFC 4514).
std::string DnValue(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (std::string_view(",+\"\\<>;=").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

std::string ConfigLdif(const std::string& dir, const std::string& root_hash, bool tls) {
  std::string ldif =
      "dn: cn=config\n"
      "objectClass: olcGlobal\n"
      "cn: config\n"
      "olcPidFile: " +
      dir +
      "/slapd.pid\n"
      // Some directories accept a DN with an empty password as an anonymous bind.
      "olcAllows: bind_anon_dn\n";
  if (tls) {
    ldif += "olcTLSCertificateFile: " + dir + "/cert.pem\n" + "olcTLSCertificateKeyFile: " + dir +
            "/key.pem\n";
  }
  ldif +=
      "\n"
      "dn: cn=module{0},cn=config\n"
      "objectClass: olcModuleList\n"
      "cn: module{0}\n"
      "olcModulePath: /usr/lib/ldap\n"
      "olcModuleLoad: back_mdb\n"
      "\n"
      "dn: cn=schema,cn=config\n"
      "objectClass: olcSchemaConfig\n"
      "cn: schema\n"
      "\n"
      "include: file:///etc/ldap/schema/core.ldif\n"
      "\n"
      "include: file:///etc/ldap/schema/cosine.ldif\n"
      "\n"
      "include: file:///etc/ldap/schema/inetorgperson.ldif\n"
      "\n"
      "dn: olcDatabase={-1}frontend,cn=config\n"
      "objectClass: olcDatabaseConfig\n"
      "objectClass: olcFrontendConfig\n"
      "olcDatabase: {-1}frontend\n"
      "\n"
      "dn: olcDatabase={0}config,cn=config\n"
      "objectClass: olcDatabaseConfig\n"
      "olcDatabase: {0}config\n"
      "olcAccess: {0}to * by * none\n"
      "\n"
      "dn: olcDatabase={1}mdb,cn=config\n"
      "objectClass: olcDatabaseConfig\n"
      "objectClass: olcMdbConfig\n"
      "olcDatabase: {1}mdb\n"
      "olcSuffix: " +
      std::string(Slapd::kSuffix) +
      "\n"
      "olcDbDirectory: " +
      dir +
      "/db\n"
      "olcDbMaxSize: 16777216\n"
      "olcRootDN: " +
      std::string(Slapd::kRootDn) +
      "\n"
      "olcRootPW: " +
      root_hash +
      "\n"
      "olcAccess: {0}to attrs=userPassword by anonymous auth by * none\n"
      "olcAccess: {1}to * by * read\n";
  return ldif;
}

std::string DataLdif(const std::vector<LdapPerson>& people, const std::vector<std::string>& hashes,
                     const std::string& service_hash) {
  const std::string suffix = Slapd::kSuffix;
  std::string ldif = "dn: " + suffix + "\nobjectClass: dcObject\nobjectClass: organization\n" +
                     "dc: academie\no: Academie de test\n\n";
  std::set<std::string> units = {"people", "services"};
  for (const LdapPerson& p : people) units.insert(p.ou);
  for (const std::string& ou : units) {
    ldif += "dn: ou=" + ou + "," + suffix + "\nobjectClass: organizationalUnit\nou: " + ou + "\n\n";
  }
  ldif += "dn: " + std::string(Slapd::kServiceDn) +
          "\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\n" +
          "cn: cartable\nuserPassword: " + service_hash + "\n\n";
  for (size_t i = 0; i < people.size(); ++i) {
    const LdapPerson& p = people[i];
    ldif += "dn: uid=" + DnValue(p.uid) + ",ou=" + p.ou + "," + suffix + "\n" +
            "objectClass: inetOrgPerson\nuid: " + p.uid + "\ncn: " + p.uid + "\nsn: " + p.uid +
            "\nuserPassword: " + hashes[i] + "\n\n";
  }
  return ldif;
}

// A port that was free a moment ago (the kernel's pick for an ephemeral bind).
unsigned FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  unsigned port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

// Whether the server at `url` accepts the root DN's bind (it is ours, and it is ready).
bool AnswersRootBind(const std::string& url) {
  LDAP* ld = nullptr;
  if (ldap_initialize(&ld, url.c_str()) != LDAP_SUCCESS) return false;
  const int version = LDAP_VERSION3;
  ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version);
  timeval tv{1, 0};
  ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &tv);
  ldap_set_option(ld, LDAP_OPT_TIMEOUT, &tv);
  std::string pw = Slapd::kRootPassword;
  berval cred{static_cast<ber_len_t>(pw.size()), pw.data()};
  int rc = ldap_sasl_bind_s(ld, Slapd::kRootDn, LDAP_SASL_SIMPLE, &cred, nullptr, nullptr, nullptr);
  ldap_unbind_ext_s(ld, nullptr, nullptr);
  return rc == LDAP_SUCCESS;
}

}  // namespace

std::unique_ptr<Slapd> Slapd::Start(const SlapdOptions& options, std::string* error) {
  std::unique_ptr<Slapd> s(new Slapd());
  char tmpl[] = "/tmp/cartable-slapd-XXXXXX";
  if (!mkdtemp(tmpl)) {
    *error = "mkdtemp failed";
    return nullptr;
  }
  s->dir_ = tmpl;
  const std::string& dir = s->dir_;
  fs::create_directories(dir + "/db");
  fs::create_directories(dir + "/slapd.d");
  const std::string log = dir + "/setup.log";

  if (options.tls) {
    // A self-signed certificate for the address the tests use (subjectAltName IP).
    int rc =
        Run({kOpenssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
             "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext",
             "subjectAltName=IP:127.0.0.1", "-keyout", dir + "/key.pem", "-out", dir + "/cert.pem"},
            log);
    if (rc != 0) {
      *error = "openssl req failed: " + ReadAll(log);
      return nullptr;
    }
  }
  std::string root_hash = Ssha(dir, kRootPassword, error);
  std::string service_hash = Ssha(dir, kServicePassword, error);
  if (root_hash.empty() || service_hash.empty()) return nullptr;
  std::vector<std::string> hashes;
  for (const LdapPerson& p : options.people) {
    hashes.push_back(Ssha(dir, p.password, error));
    if (hashes.back().empty()) return nullptr;
  }
  std::ofstream(dir + "/config.ldif") << ConfigLdif(dir, root_hash, options.tls);
  std::ofstream(dir + "/data.ldif") << DataLdif(options.people, hashes, service_hash);
  if (Run({kSlapadd, "-n", "0", "-F", dir + "/slapd.d", "-l", dir + "/config.ldif"}, log) != 0 ||
      Run({kSlapadd, "-n", "1", "-F", dir + "/slapd.d", "-l", dir + "/data.ldif"}, log) != 0) {
    *error = "slapadd failed: " + ReadAll(log);
    return nullptr;
  }

  // Another process may take the port between FreePort and slapd's bind: then slapd exits
  // ("bind(...) failed errno=98") and we try another port.
  const std::string slapd_log = dir + "/slapd.log";
  for (int attempt = 0; attempt < 5; ++attempt) {
    s->port_ = FreePort();
    if (s->port_ == 0) continue;
    std::string listeners = s->url();
    if (options.tls) {
      s->tls_port_ = FreePort();
      if (s->tls_port_ == 0 || s->tls_port_ == s->port_) continue;
      listeners += " " + s->ldaps_url();
    }
    // -d keeps slapd in the foreground (our child, so we can stop it); "stats" logs each
    // operation (never a password) for a failing test to show.
    s->pid_ = Spawn({kSlapd, "-h", listeners, "-F", dir + "/slapd.d", "-d", "stats"}, slapd_log);
    if (s->pid_ < 0) {
      *error = std::string("cannot start ") + kSlapd;
      return nullptr;
    }
    auto deadline = Clock::now() + std::chrono::seconds(20);
    bool exited = false;
    while (Clock::now() < deadline) {
      int status = 0;
      if (waitpid(s->pid_, &status, WNOHANG) == s->pid_) {
        exited = true;
        s->pid_ = -1;
        break;
      }
      if (AnswersRootBind(s->url())) return s;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!exited) {
      *error = "slapd did not answer within 20 s: " + ReadAll(slapd_log);
      return nullptr;  // the destructor stops it
    }
    if (ReadAll(slapd_log).find("errno=98") == std::string::npos) break;  // not a collision
  }
  *error = "slapd exited: " + ReadAll(slapd_log);
  return nullptr;
}

void Slapd::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  auto deadline = Clock::now() + std::chrono::seconds(10);
  while (waitpid(pid_, nullptr, WNOHANG) == 0) {
    if (Clock::now() > deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  pid_ = -1;
}

Slapd::~Slapd() {
  Stop();
  std::error_code ignored;
  if (!dir_.empty()) fs::remove_all(dir_, ignored);
}

}  // namespace cartable::testlib
