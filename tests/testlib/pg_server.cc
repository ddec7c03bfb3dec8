#include "tests/testlib/pg_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <system_error>

#include "dav/store/pg_migrations.h"
#include "dav/store/pg_util.h"
#include "dav/store/store.h"

namespace cartable::testlib {
namespace {

constexpr char kBinDir[] = "/usr/lib/postgresql/15/bin/";
constexpr char kTemplate[] = "cartable_template";

// A port free on 127.0.0.1 now (the kernel's choice for a bind to port 0). Another process may
// take it before the server binds it: Init then tries again with another one.
int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

std::string Tail(const std::string& file, size_t max = 2000) {
  std::ifstream in(file);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  return s.size() > max ? s.substr(s.size() - max) : s;
}

// A process that outlives the test process only to clean up after it: when the test process
// is gone (even killed by SIGKILL or a ctest timeout, when no destructor runs), it stops the
// cluster and removes its directory. In its own session with /dev/null for stdio, so that
// neither a signal to the test's process group nor ctest's output pipe involves it.
void StartWatchdog(const std::string& dir, const std::string& as_user) {
  const pid_t parent = ::getpid();
  const std::string script = "while kill -0 " + std::to_string(parent) +
                             " 2>/dev/null; do sleep 1; done; " + as_user + kBinDir +
                             "pg_ctl -D '" + dir + "/data' -m immediate stop; rm -rf '" + dir + "'";
  pid_t pid = ::fork();
  if (pid != 0) {
    if (pid > 0) {
      // Reap the intermediate child; the watchdog itself is orphaned (adopted by init).
      int status = 0;
      ::waitpid(pid, &status, 0);
    }
    return;
  }
  // Child: fork again so that the watchdog is not our child (no zombie, no SIGCHLD to us).
  ::setsid();
  if (::fork() != 0) ::_exit(0);
  for (int fd = 0; fd < 1024; ++fd) ::close(fd);
  ::open("/dev/null", O_RDONLY);  // 0
  ::open("/dev/null", O_WRONLY);  // 1
  ::open("/dev/null", O_WRONLY);  // 2
  ::execl("/bin/sh", "sh", "-c", script.c_str(), static_cast<char*>(nullptr));
  ::_exit(127);
}

std::unique_ptr<PgServer>& Instance() {
  static std::unique_ptr<PgServer> server;
  return server;
}

}  // namespace

Result<PgServer*> PgServer::Get() {
  static std::mutex mu;
  static Status failed;
  std::lock_guard<std::mutex> lock(mu);
  if (Instance()) return Instance().get();
  if (!failed.ok()) return failed;
  std::unique_ptr<PgServer> server(new PgServer());
  Status s = server->Init();
  if (!s.ok()) {
    failed = Status::Internal("test PostgreSQL server: " + s.message());
    return failed;
  }
  Instance() = std::move(server);
  return Instance().get();
}

Status PgServer::Run(const std::string& command, const std::string& what) {
  const std::string log = dir_ + "/" + what + ".log";
  const std::string full = as_user_ + command + " >'" + log + "' 2>&1";
  int rc = std::system(full.c_str());
  if (rc != 0) {
    return Status::Internal(what + " failed (status " + std::to_string(rc) + "): " + Tail(log));
  }
  return Status::OK();
}

// The name of the cached cluster for this user and this schema: a data directory with the
// template database migrated, made once (initdb takes seconds on a loaded machine; ctest runs
// each test in its own process) and copied by every test process.
// Where clusters live: /dev/shm (tmpfs) when it has room, else /tmp. On a busy disk, copying
// the cached cluster and creating databases cost seconds per test process in /tmp; in memory,
// tens of milliseconds. A container's default 64 MB /dev/shm is too small: /tmp then.
std::string BaseDir() {
  struct statvfs fs {};
  if (::statvfs("/dev/shm", &fs) == 0 &&
      static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize > (uint64_t{1} << 30)) {
    return "/dev/shm";
  }
  return "/tmp";
}

std::string CacheDir() {
  std::string all;
  for (const store::pg::EmbeddedMigration& m : store::pg::PostgresMigrations()) {
    all += m.name;
    all += m.sql;
  }
  char key[32];
  std::snprintf(key, sizeof(key), "%016zx", std::hash<std::string>()(all));
  return BaseDir() + "/cartable-pg-cache-" + std::to_string(::geteuid()) + "-" + key;
}

Status PgServer::Init() {
  if (::geteuid() == 0) {
    // PostgreSQL refuses to run as root: the cluster belongs to the postgres system user,
    // which the Debian package creates.
    const passwd* pw = ::getpwnam("postgres");
    if (pw == nullptr) return Status::Internal("running as root and there is no postgres user");
    uid_ = pw->pw_uid;
    gid_ = pw->pw_gid;
    as_user_ = "runuser -u postgres -- ";
  }
  const std::string cache = CacheDir();
  std::error_code ec;
  if (!std::filesystem::exists(cache + "/data/PG_VERSION", ec)) {
    if (Status s = BuildCache(cache); !s.ok()) return s;
  }
  if (Status s = MakeDir(); !s.ok()) return s;
  StartWatchdog(dir_, as_user_);
  Status s = Run("cp -a '" + cache + "/data' '" + dir_ + "/data'", "copy");
  if (!s.ok()) return s;
  for (int attempt = 0; attempt < 3; ++attempt) {
    port_ = FreePort();
    if (port_ == 0) return Status::Internal("no free port on 127.0.0.1");
    s = Start();
    if (s.ok()) break;
  }
  return s;
}

Status PgServer::MakeDir() {
  std::string tmpl = BaseDir() + "/cartable-pg-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) return Status::Internal("mkdtemp failed");
  dir_ = tmpl;
  if (!as_user_.empty() && ::chown(dir_.c_str(), uid_, gid_) != 0) {
    return Status::Internal("cannot chown " + dir_ + " to postgres");
  }
  return Status::OK();
}

// initdb, the template database with the migrations applied, a clean shutdown, then an atomic
// rename to `cache` (a process racing us keeps its own copy or ours, both complete).
Status PgServer::BuildCache(const std::string& cache) {
  if (Status s = MakeDir(); !s.ok()) return s;
  StartWatchdog(dir_, as_user_);
  Status s = Run(std::string(kBinDir) + "initdb -D '" + dir_ +
                     "/data' -A trust -E UTF8 --locale=C.UTF-8 -U postgres -N --wal-segsize=1",
                 "initdb");
  for (int attempt = 0; s.ok() && attempt < 3; ++attempt) {
    port_ = FreePort();
    if (port_ == 0) return Status::Internal("no free port on 127.0.0.1");
    s = Start();
    if (s.ok()) break;
  }
  if (s.ok()) s = Execute("postgres", std::string("CREATE DATABASE ") + kTemplate);
  if (s.ok()) s = store::MigratePostgresStore(Url(kTemplate)).status();
  if (s.ok()) s = Stop();
  if (s.ok() && std::rename(dir_.c_str(), cache.c_str()) == 0) {
    dir_.clear();
    return Status::OK();
  }
  // Failed, or another process made the cache first.
  std::system(
      (as_user_ + kBinDir + "pg_ctl -D '" + dir_ + "/data' -m immediate stop >/dev/null 2>&1")
          .c_str());
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
  dir_.clear();
  if (!s.ok()) return s;
  if (!std::filesystem::exists(cache + "/data/PG_VERSION", ec)) {
    return Status::Internal("cannot make the cached cluster " + cache);
  }
  return Status::OK();
}

PgServer::~PgServer() {
  if (dir_.empty()) return;
  std::system(
      (as_user_ + kBinDir + "pg_ctl -D '" + dir_ + "/data' -m immediate stop >/dev/null 2>&1")
          .c_str());
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

Status PgServer::Start() {
  // fsync and full-page writes off: a test cluster is thrown away, never recovered after a
  // power loss. Small shared memory: several test binaries may each run one.
  const std::string options = "-p " + std::to_string(port_) +
                              " -c listen_addresses=127.0.0.1 -c unix_socket_directories=" + dir_ +
                              " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
                              " -c shared_buffers=16MB -c max_connections=300";
  return Run(std::string(kBinDir) + "pg_ctl -D '" + dir_ + "/data' -w -t 30 -l '" + dir_ +
                 "/server.log' -o '" + options + "' start",
             "pg_ctl_start");
}

Status PgServer::Stop() {
  return Run(std::string(kBinDir) + "pg_ctl -D '" + dir_ + "/data' -w -t 30 -m fast stop",
             "pg_ctl_stop");
}

std::string PgServer::Url(const std::string& name) const {
  return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + name;
}

std::string PgServer::DatabaseOf(const std::string& url) {
  const size_t slash = url.rfind('/');
  return slash == std::string::npos ? url : url.substr(slash + 1);
}

Status PgServer::Execute(const std::string& db, const std::string& sql) {
  Result<std::unique_ptr<store::pg::Conn>> conn = store::pg::Conn::Open(Url(db));
  if (!conn.ok()) return conn.status();
  return (*conn)->ExecScript(sql, "test SQL");
}

Result<std::string> PgServer::FreshDatabase() {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string name = "t" + std::to_string(++counter_);
  // The template must have no connection while it is copied: the migration's closed before.
  Status s = Execute("postgres",
                     "CREATE DATABASE " + name + " TEMPLATE " + kTemplate + " STRATEGY FILE_COPY");
  if (!s.ok()) return s;
  return Url(name);
}

Status PgServer::DropDatabase(const std::string& name) {
  return Execute("postgres", "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
}

Result<std::string> PgServer::DatabaseFor(const std::string& dir) {
  std::lock_guard<std::mutex> lock(dirs_mu_);
  auto it = dirs_.find(dir);
  if (it != dirs_.end()) return it->second;
  for (auto i = dirs_.begin(); i != dirs_.end();) {
    std::error_code ec;
    if (!std::filesystem::exists(std::filesystem::path(i->first).parent_path(), ec)) {
      DropDatabase(DatabaseOf(i->second));  // best effort: the cluster goes at exit anyway
      i = dirs_.erase(i);
    } else {
      ++i;
    }
  }
  Result<std::string> url = FreshDatabase();
  if (!url.ok()) return url.status();
  dirs_[dir] = *url;
  return url;
}

}  // namespace cartable::testlib
