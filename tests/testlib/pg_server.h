// A throw-away PostgreSQL 15 cluster for the tests: one per test process, started on first use
// in a temporary directory (Debian's /usr/lib/postgresql/15/bin/initdb and pg_ctl), listening
// on 127.0.0.1 on an ephemeral port, fsync off, trust authentication. Run as the current user,
// or, when the tests run as root (CI: PostgreSQL refuses to run as root), as the `postgres`
// system user. Stopped (pg_ctl stop -m immediate) and removed when the process exits, and by a
// watchdog process when the test process dies without exiting (crash, ctest timeout).
//
// A template database with the store's migrations applied is made once per user and schema, in
// a cached cluster (/tmp/cartable-pg-cache-UID-HASH, HASH of the embedded migrations) that each
// test process copies instead of running initdb; FreshDatabase() copies the template (CREATE
// DATABASE ... TEMPLATE).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "dav/status.h"

namespace cartable::testlib {

class PgServer {
 public:
  // The process's cluster, started (with its template database) on the first call; the error
  // of that start on every call when it failed. Thread-safe.
  static Result<PgServer*> Get();

  // A new database with the schema applied; returns its URL.
  Result<std::string> FreshDatabase();
  // Drops database `name` (WITH (FORCE): its remaining connections are closed).
  Status DropDatabase(const std::string& name);
  // The URL of database `name` (postgresql://postgres@127.0.0.1:PORT/name).
  std::string Url(const std::string& name) const;
  // The database name of a URL FreshDatabase returned.
  static std::string DatabaseOf(const std::string& url);

  // For failure tests: stops the server (fast shutdown: connections are closed), then starts
  // it again on the same port. Bounded waits (pg_ctl -w -t 30).
  Status Stop();
  Status Start();
  // Runs `sql` (one or more statements, no transaction block around them) as the superuser on
  // database `db`; for tests (pg_terminate_backend, inspecting rows).
  Status Execute(const std::string& db, const std::string& sql);

  // The database of the store kept in directory `dir` (the typed store fixture's data
  // directories): made fresh on the first call for `dir`, the same afterwards (a reopened
  // store finds its data). Databases of directories whose parent no longer exists (a finished
  // test's TempDir) are dropped on the way, so a test binary holds only a few at a time.
  Result<std::string> DatabaseFor(const std::string& dir);

  int port() const { return port_; }

  ~PgServer();

 private:
  PgServer() = default;
  Status Init();
  // A fresh temporary directory in dir_, owned by the cluster's user.
  Status MakeDir();
  Status BuildCache(const std::string& cache);
  // Runs a shell command as the cluster's user; kInternal with the tail of `log` on failure.
  Status Run(const std::string& command, const std::string& what);

  std::string dir_;             // the temporary directory (data/, the socket, logs)
  std::string as_user_;         // "runuser -u postgres -- " when running as root, else ""
  unsigned uid_ = 0, gid_ = 0;  // the postgres user's, when running as root
  int port_ = 0;
  int counter_ = 0;
  std::mutex mu_;  // guards counter_ and serialises CREATE DATABASE from the template
  std::mutex dirs_mu_;
  std::map<std::string, std::string> dirs_;  // DatabaseFor: dir -> URL; guarded by dirs_mu_
};

}  // namespace cartable::testlib
