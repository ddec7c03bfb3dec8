// cartable: the server binary and its administration subcommands.
//
//   cartable serve [--listen HOST:PORT] [--workers N]
//   cartable migrate
//   cartable migrate-store --from sqlite:DIR --to postgresql://USER@HOST:PORT/DB
//   cartable user add LOGIN --name "Prénom Nom" --email ADDR --password-stdin
//   cartable user quota LOGIN BYTES
//   cartable user scheduling LOGIN on|off
//   cartable user passwd LOGIN --password-stdin
//   cartable user disable LOGIN | enable LOGIN
//   cartable user list
//   cartable user otp LOGIN require|optional | user role LOGIN admin|user | user unlock LOGIN
//   cartable user app-password add LOGIN NAME | list LOGIN | revoke LOGIN NAME
//   cartable user export LOGIN DEST.zip | user delete LOGIN --purge [--yes]
//   cartable audit [--user LOGIN] [--since YYYY-MM-DD] [--limit N]
//   cartable directory import FILE [--dry-run] [--encoding latin1|windows-1252]
//            [--allow-mass-disable]
//   cartable group-calendar create --etablissement UAI | --departement CODE --name NAME
//            [--managers LOGIN,...]
//   cartable group-calendar list | group-calendar delete URL
//   cartable imip deliver --recipient ADDRESS < message   (an MTA pipe transport)
//   cartable mail queue
//   cartable backup DEST [--no-secret-key] | cartable restore SRC [--force]
// Every subcommand takes --config FILE and --data DIR; flags win over the file.
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "dav/caldav/zone_cache.h"
#include "dav/property_registry.h"
#include "dav/scheduling/imip_in.h"
#include "dav/sharing/group_calendars.h"
#include "dav/store/pg_migrate_store.h"
#include "dav/store/sqlite_backup.h"
#include "dav/store/store.h"
#include "dav/text_fold.h"
#include "directory/account_service.h"
#include "directory/accounts.h"
#include "directory/group_accounts.h"
#include "directory/import.h"
#include "directory/import_encoding.h"
#include "server/access_log.h"
#include "server/app.h"
#include "server/config.h"
#include "server/data_protection.h"
#include "server/listener.h"
#include "server/process_memory.h"
#include "server/reload.h"

namespace cartable {
namespace {

constexpr const char* kUsage =
    "usage: cartable [--config FILE] [--data DIR] COMMAND ...\n"
    "  serve [--listen HOST:PORT] [--workers N]   run the server\n"
    "  migrate                                   apply pending schema migrations\n"
    "  migrate-store --from sqlite:DIR --to postgresql://USER:PASSWORD@HOST:PORT/DB\n"
    "                                            move a SQLite store into an EMPTY PostgreSQL\n"
    "                                            database, then compare every object and sync\n"
    "                                            state; STOP THE SERVER FIRST (a locked store is\n"
    "                                            refused). Exit 0 copied and checked, 2 check\n"
    "                                            failed, 3 target not empty, 4 store locked\n"
    "  user add LOGIN --name NAME --email ADDR --password-stdin\n"
    "  user quota LOGIN BYTES                    set the document quota (-1 = default)\n"
    "  user scheduling LOGIN on|off              server-side scheduling for this user\n"
    "  user passwd LOGIN --password-stdin\n"
    "  user disable LOGIN | user enable LOGIN\n"
    "  user list                                 accounts with role, one-time code, lock\n"
    "  user otp LOGIN require|optional           one-time code required (admins: always)\n"
    "  user role LOGIN admin|user\n"
    "  user unlock LOGIN                         end a lock or block after an identity check\n"
    "  user app-password add LOGIN NAME          prints the new app password (shown once)\n"
    "  user app-password list LOGIN | user app-password revoke LOGIN NAME\n"
    "  user export LOGIN DEST.zip                everything of a person (calendars, tasks,\n"
    "                                            address books, files, account) in a new zip\n"
    "  user delete LOGIN --purge [--yes]         delete a person and everything that is\n"
    "                                            theirs, for good (docs/data-protection.md);\n"
    "                                            asks for the login unless --yes\n"
    "  audit [--user LOGIN] [--since YYYY-MM-DD] [--limit N]\n"
    "                                            the account audit log (newest N, 1000)\n"
    "  directory import FILE [--dry-run] [--encoding utf-8|latin1|windows-1252]\n"
    "                   [--allow-mass-disable]   import the staff directory (CSV or LDIF)\n"
    "  group-calendar create --etablissement UAI | --departement CODE --name NAME\n"
    "                 [--managers LOGIN,...]     an agenda every member of the group sees,\n"
    "                                            written by its managers; prints its URL\n"
    "  group-calendar list | group-calendar delete URL\n"
    "  imip deliver --recipient ADDRESS          apply one iMIP mail read on standard input\n"
    "  mail queue                                list the invitation mail waiting for the relay\n"
    "  backup DEST [--no-secret-key]             copy the SQLite store (and the secret key) into\n"
    "                                            the new directory DEST while the server runs\n"
    "  restore SRC [--force]                     put a backup back into the data directory (the\n"
    "                                            server stopped), then migrate; --force moves an\n"
    "                                            existing database aside first. Exit 0 done, 2\n"
    "                                            refused (PostgreSQL store, DEST not empty,\n"
    "                                            database present), 3 backup damaged, 4 data\n"
    "                                            directory in use\n"
    "serve also takes --smtp-relay HOST:PORT (overrides [mail] relay).\n"
    "cartable --help, cartable imip --help: this text, the imip details.\n";

struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::string> options;  // --key value (flags map to "1")
};

bool IsFlag(const std::string& name) {
  return name == "--password-stdin" || name == "--dry-run" || name == "--allow-mass-disable" ||
         name == "--help" || name == "--no-secret-key" || name == "--force" || name == "--purge" ||
         name == "--yes";
}

bool ParseArgs(int argc, char** argv, Args* out, std::string* error) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h") a = "--help";
    if (a.rfind("--", 0) != 0) {
      out->positional.push_back(a);
    } else if (IsFlag(a)) {
      out->options[a] = "1";
    } else if (size_t eq = a.find('='); eq != std::string::npos) {
      out->options[a.substr(0, eq)] = a.substr(eq + 1);
    } else if (i + 1 < argc) {
      out->options[a] = argv[++i];
    } else {
      *error = "missing value for " + a;
      return false;
    }
  }
  return true;
}

int Fail(const std::string& message) {
  std::cerr << "cartable: " << message << "\n";
  return 1;
}

constexpr int kExUsage = 64;  // sysexits.h EX_USAGE: the command line is wrong

int UsageError(const std::string& message) {
  std::cerr << "cartable: " << message << "\n" << kUsage;
  return kExUsage;
}

// The `user` command line, checked before the store is opened (which creates the data
// directory): "" when it is well formed, else what is wrong.
std::string CheckUserArgs(const Args& args) {
  const auto& p = args.positional;
  if (p.size() < 2) return "missing user subcommand";
  // Subcommand -> {positionals needed, allowed values of the last one (none listed = any)}.
  struct Shape {
    size_t positionals;
    std::vector<std::string> values;
  };
  static const std::map<std::string, Shape> kShapes = {
      {"list", {2, {}}},
      {"add", {3, {}}},
      {"passwd", {3, {}}},
      {"disable", {3, {}}},
      {"enable", {3, {}}},
      {"quota", {4, {}}},
      {"scheduling", {4, {}}},
      {"otp", {4, {"require", "optional"}}},
      {"role", {4, {"admin", "user"}}},
      {"unlock", {3, {}}},
      {"app-password", {3, {}}},
      {"export", {4, {}}},
      {"delete", {3, {}}},
  };
  auto it = kShapes.find(p[1]);
  if (it == kShapes.end()) return "unknown user subcommand '" + p[1] + "'";
  const Shape& shape = it->second;
  if (p[1] == "app-password") {  // user app-password add|list|revoke LOGIN [NAME]
    if (p.size() < 3) return "missing app-password subcommand";
    if (p[2] != "add" && p[2] != "list" && p[2] != "revoke") {
      return "unknown app-password subcommand '" + p[2] + "' (add, list or revoke)";
    }
    if (p.size() < 4) return "missing LOGIN";
    if (p[2] != "list" && p.size() < 5) return "missing NAME";
    return "";
  }
  if (p.size() < shape.positionals) {
    return shape.positionals == 3 ? "missing LOGIN"
           : p[1] == "export"     ? "missing LOGIN or DEST.zip"
                                  : "missing LOGIN or value";
  }
  if (!shape.values.empty() && std::find(shape.values.begin(), shape.values.end(),
                                         p[shape.positionals - 1]) == shape.values.end()) {
    return "invalid value '" + p[shape.positionals - 1] + "' for user " + p[1] + " (" +
           shape.values[0] + " or " + shape.values[1] + ")";
  }
  return "";
}

// A YYYY-MM-DD date as the Unix time of its midnight UTC; false when it is not a real date.
bool ParseDay(const std::string& text, store::UnixTime* out) {
  std::tm tm{};
  char rest = 0;
  if (text.size() != 10 || std::sscanf(text.c_str(), "%4d-%2d-%2d%c", &tm.tm_year, &tm.tm_mon,
                                       &tm.tm_mday, &rest) != 3) {
    return false;
  }
  const int year = tm.tm_year, month = tm.tm_mon, day = tm.tm_mday;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  const time_t t = timegm(&tm);  // normalises 2026-02-30 to March: compare back
  std::tm back{};
  gmtime_r(&t, &back);
  if (back.tm_year + 1900 != year || back.tm_mon + 1 != month || back.tm_mday != day) return false;
  *out = static_cast<store::UnixTime>(t);
  return true;
}

// The `audit` command line, checked likewise.
std::string CheckAuditArgs(const Args& args) {
  if (args.positional.size() > 1) return "unexpected argument '" + args.positional[1] + "'";
  store::UnixTime since = 0;
  if (auto it = args.options.find("--since");
      it != args.options.end() && !ParseDay(it->second, &since)) {
    return "invalid --since '" + it->second + "' (YYYY-MM-DD)";
  }
  if (auto it = args.options.find("--limit"); it != args.options.end()) {
    char* end = nullptr;
    const unsigned long long n = std::strtoull(it->second.c_str(), &end, 10);
    if (it->second.empty() || *end != '\0' || n == 0 || n > 1000000) {
      return "invalid --limit '" + it->second + "' (1 to 1000000)";
    }
  }
  return "";
}

// The `directory` command line, checked likewise.
std::string CheckDirectoryArgs(const Args& args) {
  const auto& p = args.positional;
  if (p.size() < 2) return "missing directory subcommand";
  if (p[1] != "import") return "unknown directory subcommand '" + p[1] + "'";
  if (p.size() < 3) return "missing FILE";
  if (auto it = args.options.find("--encoding");
      it != args.options.end() && !directory::CanonicalEncoding(it->second)) {
    return "unknown encoding '" + it->second + "' (utf-8, latin1 or windows-1252)";
  }
  return "";
}

// The `group-calendar` command line, checked before the store is opened.
std::string CheckGroupCalendarArgs(const Args& args) {
  const auto& p = args.positional;
  if (p.size() < 2) return "missing group-calendar subcommand";
  if (p[1] == "list") return "";
  if (p[1] == "delete") return p.size() < 3 ? "missing URL" : "";
  if (p[1] != "create") return "unknown group-calendar subcommand '" + p[1] + "'";
  const bool etab = args.options.count("--etablissement") != 0;
  const bool dep = args.options.count("--departement") != 0;
  if (etab == dep) return "give one of --etablissement UAI and --departement CODE";
  auto name = args.options.find("--name");
  if (name == args.options.end() || name->second.empty()) return "missing --name";
  return "";
}

bool ReadPassword(std::string* password) {
  if (!std::getline(std::cin, *password)) return false;
  if (!password->empty() && password->back() == '\r') password->pop_back();
  return !password->empty();
}

// What `serve` re-reads on SIGHUP: the --config file, with the command line's flags applied
// over it again (they keep winning, as at start).
struct ReloadSource {
  std::string path;  // "" = no file: SIGHUP then only reopens the access log
  std::function<std::string(server::Config&)> flags;
  std::set<std::string> flagged;  // "section.key" names the flags set
};

// SIGHUP: re-reads the file, publishes a snapshot with the reloadable keys changed and hands
// it to the transport, the access log and the App; logs one line saying what changed and what
// needs a restart. An invalid file changes nothing. The access log is reopened either way:
// logrotate's postrotate sends SIGHUP after moving the file away.
void Reload(const ReloadSource& source, std::map<std::string, std::string>& file_values,
            server::ConfigSnapshots& snapshots, server::HttpServer& http, server::AccessLog& log,
            server::App& app) {
  const server::Config& running = *snapshots.current();
  server::ReloadPlan plan;
  if (source.path.empty()) {
    plan.next = running;
  } else {
    plan = server::PlanReload(running, source.path, file_values, source.flags, source.flagged);
  }
  std::cerr << "cartable: SIGHUP: " << server::DescribeReload(plan) << std::endl;
  const server::Config* now = &running;
  if (plan.error.empty()) {
    file_values = std::move(plan.file_values);
    now = snapshots.Publish(std::move(plan.next));
    http.Reconfigure(now);
    app.Reconfigure(*now);
  }
  if (std::string err = log.Reconfigure(now->access_log, now->access_log_file,
                                        now->access_log ? now->access_log_flush_ms : 0);
      !err.empty()) {
    std::cerr << "cartable: SIGHUP: " << err << "; the access log goes on as before" << std::endl;
  }
  log.SetFormat(
      server::AccessLog::ParseFormat(now->log_format).value_or(server::AccessLog::Format::kText));
}

int Serve(server::Config& config, store::Store& store, const ReloadSource& source) {
  // Block the termination and reload signals in every thread; this one waits for them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
  // Memory bounds (issue 14): malloc arenas, and SQLite's page caches of all connections.
  server::ApplyMallocBounds(config.malloc_arenas);
  sqlite3_soft_heap_limit64(static_cast<sqlite3_int64>(config.store_memory_mib) << 20);

  dav::caldav::SetZoneCacheCapacity(config.tz_cache_entries);  // process-wide (zone_cache.h)
  std::map<std::string, std::string> file_values;  // the file as last loaded, for the next diff
  if (!source.path.empty()) {
    if (std::string err = server::ReadFileValues(source.path, &file_values); !err.empty()) {
      return Fail(err);
    }
  }
  {
    server::ConfigSnapshots snapshots(config);
    server::App app(config, store);
    // Always an AccessLog object, switched off when [log] access_log is false: a reload may
    // switch it on.
    auto log =
        std::make_unique<server::AccessLog>(config.access_log ? config.access_log_file : "",
                                            config.access_log ? config.access_log_flush_ms : 0);
    if (!config.access_log) log->Reconfigure(false, "", 0);
    // [log] format, checked when the file was read.
    log->SetFormat(server::AccessLog::ParseFormat(config.log_format)
                       .value_or(server::AccessLog::Format::kText));
    server::HttpServer http(config, app, log.get(), &app.metrics());
    if (std::string err = http.Start(); !err.empty()) return Fail(err);
    std::string host = config.listen.substr(0, config.listen.rfind(':'));
    // Never the PostgreSQL URL: it may hold a password.
    std::cout << "cartable: serving on http://" << host << ":" << http.port() << "/ ("
              << (config.store_backend == "postgresql" ? "PostgreSQL store"
                                                       : "data in " + config.data_dir)
              << ")" << std::endl;
    int sig = 0;
    while (sigwait(&set, &sig) == 0 && sig == SIGHUP) {
      Reload(source, file_values, snapshots, http, *log, app);
    }
    std::cout << "cartable: signal " << sig << ", finishing in-flight requests" << std::endl;
    http.Shutdown();
    // Leaving the scope stops the rest in order: the transport's threads, then the access log
    // (its last lines written), then the App (the mail worker, after a send in progress).
  }
  // The store is closed by the caller once this returns (SQLite checkpoints its WAL then).
  std::cout << "cartable: stopped" << std::endl;
  return 0;
}

// "2026-12-06T10:41:21Z"; "-" for 0.
std::string IsoTime(store::UnixTime t) { return t == 0 ? "-" : dav::Rfc3339(t); }

// `text` for one column of a terminal line: control characters (a typed login may hold a line
// feed or an escape sequence) become '?', empty becomes "-".
std::string Printable(std::string_view text) {
  if (text.empty()) return "-";
  std::string out(text);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return out;
}

int PrintUsers(directory::Accounts& accounts, store::Store& store) {
  Result<std::vector<store::User>> users = accounts.List();
  if (!users.ok()) return Fail(users.status().ToString());
  const store::UnixTime now = static_cast<store::UnixTime>(std::time(nullptr));
  std::printf("%-20s %-10s %-12s %-11s %-6s %-17s %-8s %-40s %s\n", "LOGIN", "STATE", "MUST_CHANGE",
              "SCHEDULING", "ROLE", "OTP", "LOCK", "EMAIL", "NAME");
  for (const store::User& u : *users) {
    Result<store::UserSecurity> sec = store.ThreadSession().GetUserSecurity(u.id);
    if (!sec.ok()) return Fail(sec.status().ToString());
    // OTP: "required" alone means the person enrols at the next web sign-in.
    const bool required = sec->otp_required || sec->role == store::Role::kAdmin;
    const bool enrolled = !sec->otp_secret.empty();
    const char* otp =
        required ? (enrolled ? "required,enrolled" : "required") : (enrolled ? "enrolled" : "-");
    const char* lock = sec->blocked ? "blocked" : sec->locked_until > now ? "locked" : "-";
    std::printf("%-20s %-10s %-12s %-11s %-6s %-17s %-8s %-40s %s\n", u.login.c_str(),
                u.state == store::UserState::kActive ? "active" : "disabled",
                u.must_change_password ? "yes" : "no", u.scheduling ? "server" : "client",
                sec->role == store::Role::kAdmin ? "admin" : "user", otp, lock, u.email.c_str(),
                u.display_name.c_str());
  }
  return 0;
}

// What the command line's own audit entries and lockout calls say about their origin.
const directory::ClientInfo kCliClient{"", "cartable command line"};

// `user otp|role|unlock|app-password ...`: the account lifecycle commands, through the
// AccountService (audited). The arguments were checked by CheckUserArgs.
int AccountCommand(const Args& args, directory::AccountService& service) {
  const auto& p = args.positional;
  const std::string& sub = p[1];
  Status s;
  if (sub == "otp") {
    s = service.SetOtpRequired(p[2], p[3] == "require", kCliClient);
  } else if (sub == "role") {
    s = service.SetRole(p[2], p[3] == "admin" ? store::Role::kAdmin : store::Role::kUser,
                        kCliClient);
  } else if (sub == "unlock") {
    s = service.Unlock(p[2], kCliClient);
  } else {  // app-password add|list|revoke LOGIN [NAME]
    Result<store::User> user = service.store().ThreadSession().GetUserByLogin(AsciiLower(p[3]));
    if (!user.ok()) {
      return Fail(user.status().code() == Status::Code::kNotFound ? "no user '" + p[3] + "'"
                                                                  : user.status().ToString());
    }
    if (p[2] == "add") {
      Result<std::string> password = service.AddAppPassword(user->id, p[4], kCliClient);
      if (!password.ok()) {
        const std::string& code = password.status().message();
        const std::string why =
            code == directory::AccountError::kNameTaken ? "the user already has one of this name"
            : code == directory::AccountError::kInvalidName
                ? "a name is 1 to 64 characters, no control character"
            : code == directory::AccountError::kTooMany
                ? "the user has [accounts] max_app_passwords already; revoke one first"
                : password.status().ToString();
        return Fail("app password '" + p[4] + "': " + why + " (" + code + ")");
      }
      std::cout << *password << std::endl;  // only the password: scripts read it
      return 0;
    }
    if (p[2] == "list") {
      Result<std::vector<store::AppPassword>> list = service.ListAppPasswords(user->id);
      if (!list.ok()) return Fail(list.status().ToString());
      std::printf("%-30s %-20s %-20s %s\n", "NAME", "CREATED", "LAST_USED", "LAST_ADDRESS");
      for (const store::AppPassword& a : *list) {
        std::printf("%-30s %-20s %-20s %s\n", Printable(a.name).c_str(),
                    IsoTime(a.created_at).c_str(), IsoTime(a.last_used_at).c_str(),
                    Printable(a.last_used_address).c_str());
      }
      return 0;
    }
    s = service.RevokeAppPassword(user->id, p[4], kCliClient);
    if (!s.ok()) return Fail(s.message().empty() ? s.ToString() : s.message());
    std::cout << "user " << user->login << ": app password '" << p[4] << "' revoked" << std::endl;
    return 0;
  }
  if (!s.ok()) return Fail(s.message().empty() ? s.ToString() : s.message());
  std::cout << "user " << p[2] << ": " << sub << " " << (p.size() > 3 ? p[3] + " " : "") << "done"
            << std::endl;
  return 0;
}

// `audit [--user LOGIN] [--since YYYY-MM-DD] [--limit N]`: one line per entry, oldest first:
// time (ISO 8601 UTC), event, login, address, detail. Checked by CheckAuditArgs.
int AuditCommand(const Args& args, store::Store& store) {
  store::Session& s = store.ThreadSession();
  store::AuditQuery query;
  if (auto it = args.options.find("--user"); it != args.options.end()) {
    Result<store::User> user = s.GetUserByLogin(AsciiLower(it->second));
    if (!user.ok()) {
      return Fail(user.status().code() == Status::Code::kNotFound ? "no user '" + it->second + "'"
                                                                  : user.status().ToString());
    }
    query.user_id = user->id;
  }
  if (auto it = args.options.find("--since"); it != args.options.end()) {
    ParseDay(it->second, &query.since);
  }
  if (auto it = args.options.find("--limit"); it != args.options.end()) {
    query.limit = static_cast<size_t>(std::stoull(it->second));
  }
  Result<std::vector<store::AuditEntry>> entries = s.ListAudit(query);
  if (!entries.ok()) return Fail(entries.status().ToString());
  for (const store::AuditEntry& e : *entries) {
    std::printf("%s %-24s %-20s %-15s %s\n", IsoTime(e.at).c_str(), Printable(e.event).c_str(),
                Printable(e.login).c_str(), Printable(e.address).c_str(),
                e.detail.empty() ? "" : Printable(e.detail).c_str());
  }
  return 0;
}

// Exit code of a refusal that changed nothing: `user delete` without --purge or without a
// confirmation, backup/restore refusals (PostgreSQL, DEST not empty, a database present).
constexpr int kExRefused = 2;

// `user export LOGIN DEST.zip` and `user delete LOGIN --purge [--yes]` (issue 16,
// server/data_protection.h). The arguments' shape was checked by CheckUserArgs.
int DataProtectionCommand(const Args& args, const server::Config& config, store::Store& store) {
  const auto& p = args.positional;
  dav::DavContext ctx{store, server::DavOptionsFrom(config),
                      [] { return std::chrono::system_clock::now(); }};
  if (p[1] == "export") {
    Result<server::ExportCounts> c = server::ExportUser(store, p[2], p[3]);
    if (!c.ok())
      return Fail(c.status().message().empty() ? c.status().ToString() : c.status().message());
    std::printf(
        "%s: %lld calendar(s) with %lld object(s), %lld address book(s) with %lld card(s), "
        "%lld file(s), %lld bytes exported\n",
        p[3].c_str(), static_cast<long long>(c->calendars), static_cast<long long>(c->events),
        static_cast<long long>(c->addressbooks), static_cast<long long>(c->cards),
        static_cast<long long>(c->files), static_cast<long long>(c->bytes));
    return 0;
  }
  if (args.options.count("--yes") == 0) {
    // A person typing: they confirm by typing the login again. A script says --yes.
    if (!isatty(STDIN_FILENO)) {
      std::cerr << "cartable: user delete " << p[2]
                << " --purge: give --yes to confirm from a script; nothing deleted\n";
      return kExRefused;
    }
    std::cerr << "Supprimer définitivement " << p[2]
              << " et toutes ses données ? Retapez l'identifiant pour confirmer : " << std::flush;
    std::string typed;
    if (!std::getline(std::cin, typed) || typed != p[2]) {
      std::cerr << "cartable: not confirmed; nothing deleted\n";
      return kExRefused;
    }
  }
  Result<server::PurgeReport> r = server::PurgeUser(ctx, p[2]);
  if (!r.ok())
    return Fail(r.status().message().empty() ? r.status().ToString() : r.status().message());
  std::printf(
      "user %s purged: %lld collection(s), %lld object(s), %lld bytes, %lld queued mail, "
      "%lld share(s) revoked, %lld message(s) removed from others' inboxes\n",
      p[2].c_str(), static_cast<long long>(r->store.collections),
      static_cast<long long>(r->store.objects), static_cast<long long>(r->store.bytes),
      static_cast<long long>(r->store.mail), static_cast<long long>(r->shares_revoked),
      static_cast<long long>(r->inbox_messages));
  return 0;
}

int UserCommand(const Args& args, directory::Accounts& accounts, store::Store& store) {
  const auto& p = args.positional;
  const std::string& sub = p[1];  // the arguments were checked by CheckUserArgs
  if (sub == "list") return PrintUsers(accounts, store);
  const std::string& login = p[2];
  auto opt = [&args](const std::string& k) {
    auto it = args.options.find(k);
    return it == args.options.end() ? std::string() : it->second;
  };
  Status s;
  if (sub == "add" || sub == "passwd") {
    std::string password;
    if (opt("--password-stdin").empty()) return Fail("give the password with --password-stdin");
    if (!ReadPassword(&password)) return Fail("no password on standard input");
    if (sub == "add") {
      Result<store::Id> id = accounts.AddUser(login, opt("--name"), opt("--email"), password);
      s = id.status();
    } else {
      s = accounts.SetPassword(login, password);
    }
  } else if (sub == "disable") {
    s = accounts.Disable(login);
  } else if (sub == "enable") {
    s = accounts.Enable(login);
  } else if (sub == "scheduling") {
    if (p.size() < 4 || (p[3] != "on" && p[3] != "off")) return Fail("give on or off");
    s = accounts.SetScheduling(login, p[3] == "on");
  } else if (sub == "quota") {
    if (p.size() < 4) return Fail("missing BYTES");
    s = accounts.SetQuota(login, std::stoll(p[3]));
  } else {
    return Fail("unknown user subcommand '" + sub + "'\n" + kUsage);
  }
  if (!s.ok()) return Fail(s.message().empty() ? s.ToString() : s.message());
  std::cout << "user " << login << ": " << sub << " done" << std::endl;
  return 0;
}

// `directory import FILE`: prints the counts, or every bad line and exits 1 (nothing applied).
// The arguments were checked by CheckDirectoryArgs.
int DirectoryCommand(const Args& args, const server::Config& config, store::Store& store) {
  const auto& p = args.positional;
  std::error_code ec;
  const uintmax_t size = std::filesystem::file_size(p[2], ec);  // fails for a pipe: read on
  if (!ec && size > config.max_import_bytes) {  // refused before reading (the file may be huge)
    return Fail(p[2] + ": file of " + std::to_string(size) +
                " bytes, larger than [directory] max_import_bytes (" +
                std::to_string(config.max_import_bytes) + "); nothing imported");
  }
  std::ifstream in(p[2], std::ios::binary);
  if (!in) return Fail("cannot read " + p[2]);
  // At most one byte more than the bound (a pipe, or a file that grew since): ImportDirectory
  // refuses it then.
  std::string text;
  char chunk[1 << 16];
  while (text.size() <= config.max_import_bytes && in) {
    in.read(chunk, static_cast<std::streamsize>(std::min<uint64_t>(
                       sizeof chunk, config.max_import_bytes + 1 - text.size())));
    text.append(chunk, static_cast<size_t>(in.gcount()));
  }
  directory::ImportOptions options;
  options.mail_domain = config.mail_domain;
  if (!config.departments.empty()) options.departments = config.departments;
  options.dry_run = args.options.count("--dry-run") != 0;
  options.allow_mass_disable = args.options.count("--allow-mass-disable") != 0;
  if (auto it = args.options.find("--encoding"); it != args.options.end()) {
    options.encoding = it->second;
  }
  options.max_bytes = static_cast<size_t>(config.max_import_bytes);
  options.max_disable_percent = config.max_disable_percent;
  options.batch_size = config.import_batch_size;
  // The server's key: the NUMEN and birth-date hashes must be the ones the server compares.
  Result<directory::SecretKey> key = directory::SecretKey::LoadOrCreate(config.SecretKeyFile());
  if (!key.ok()) return Fail(key.status().ToString());
  Result<directory::ImportReport> report = directory::ImportDirectory(store, text, *key, options);
  sodium_memzero(text.data(), text.size());  // the file's NUMENs: hashed, no longer needed
  if (!report.ok()) return Fail(report.status().ToString());
  if (!report->errors.empty()) {
    for (const directory::ImportError& e : report->errors) {
      std::cerr << p[2] << (e.line > 0 ? ":" + std::to_string(e.line) : std::string()) << ": "
                << e.message << "\n";
    }
    return Fail(std::to_string(report->errors.size()) + " error(s); nothing imported");
  }
  const directory::ImportCounts& c = report->counts;
  std::printf(
      "%sadded %zu, updated %zu, unchanged %zu, disabled %zu (cards written %zu, "
      "deleted %zu; hashing %.1f s, writing %.1f s)\n",
      options.dry_run ? "dry run: " : "", c.added, c.updated, c.unchanged, c.disabled,
      c.cards_written, c.cards_deleted, report->seconds_hashing, report->seconds_writing);
  if (c.rekeyed > 0) {
    std::printf("%s%zu entries keyed by a NUMEN in clear now keyed by its hash\n",
                options.dry_run ? "dry run: " : "", c.rekeyed);
  }
  if (c.groups_added + c.groups_renamed + c.homes_touched > 0) {
    std::printf("%sgroups added %zu, renamed %zu; homes whose shared agendas changed %zu\n",
                options.dry_run ? "dry run: " : "", c.groups_added, c.groups_renamed,
                c.homes_touched);
  }
  return 0;
}

// `group-calendar create|list|delete`: the arguments were checked by CheckGroupCalendarArgs.
int GroupCalendarCommand(const Args& args, const server::Config& config, store::Store& store) {
  const auto& p = args.positional;
  dav::DavContext ctx{store, server::DavOptionsFrom(config),
                      [] { return std::chrono::system_clock::now(); }};
  store::Session& session = store.ThreadSession();
  if (p[1] == "list") {
    Result<std::vector<dav::sharing::GroupCalendar>> all =
        dav::sharing::ListGroupCalendars(session);
    if (!all.ok()) return Fail(all.status().ToString());
    std::printf("%-55s %-28s %-30s %s\n", "URL", "GROUP", "NAME", "MANAGERS");
    for (const dav::sharing::GroupCalendar& c : *all) {
      std::string managers;
      for (const std::string& m : c.managers) managers += (managers.empty() ? "" : ",") + m;
      std::printf("%-55s %-28s %-30s %s\n", c.path.c_str(), c.group.group_key.c_str(),
                  c.name.c_str(), managers.empty() ? "-" : managers.c_str());
    }
    std::printf("%zu group calendar(s)\n", all->size());
    return 0;
  }
  if (p[1] == "delete") {
    Status s = dav::sharing::DeleteGroupCalendar(ctx, session, p[2]);
    if (!s.ok()) return Fail(s.message().empty() ? s.ToString() : s.message());
    std::cout << "deleted " << p[2] << std::endl;
    return 0;
  }
  dav::sharing::GroupCalendarSpec spec;
  if (auto it = args.options.find("--etablissement"); it != args.options.end()) {
    std::string uai = it->second;  // UAIs are stored upper case, as the import wrote them
    for (char& c : uai) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    spec.group_key = directory::EstablishmentKey(uai);
  } else {
    spec.group_key = directory::DepartmentKey(args.options.at("--departement"));
  }
  spec.name = args.options.at("--name");
  if (auto it = args.options.find("--managers"); it != args.options.end()) {
    std::stringstream list(it->second);
    for (std::string login; std::getline(list, login, ',');) {
      if (!login.empty()) spec.managers.push_back(login);
    }
  }
  Result<std::string> path = dav::sharing::CreateGroupCalendar(ctx, session, spec);
  if (!path.ok()) {
    return Fail(path.status().message().empty() ? path.status().ToString()
                                                : path.status().message());
  }
  std::cout << *path << std::endl;
  return 0;
}

constexpr const char* kImipUsage =
    "usage: cartable [--config FILE] [--data DIR] imip deliver --recipient ADDRESS < message\n"
    "Applies one iMIP mail (RFC 6047), as an MTA pipe transport hands it over, for the local\n"
    "user ADDRESS. The sender must be vouched for by an Authentication-Results field of a\n"
    "trusted MTA ([imip] trusted_authserv_ids, require = dmarc|dkim|none).\n"
    "Exit codes (sysexits): 0 applied, 64 usage, 65 malformed or too large ([imip]\n"
    "max_message_bytes), 67 unknown recipient, 75 store busy (retry), 77 sender refused.\n";

// `imip deliver --recipient ADDRESS`: one RFC 5322 message on stdin; sysexits exit codes.
// The command talks no SMTP (the MTA waits on it): mail that applying the message queues (none
// today) is committed to the store's queue and sent by the running server's mail worker,
// which polls the queue every min([mail] retry_seconds, 30) seconds.
int ImipCommand(const Args& args, const server::Config& config, store::Store& store) {
  const auto& p = args.positional;
  auto recipient = args.options.find("--recipient");
  if (p.size() < 2 || p[1] != "deliver" || recipient == args.options.end()) {
    std::cerr << kImipUsage;
    return 64;  // EX_USAGE
  }
  dav::scheduling::ImipInboundOptions options;
  options.sender.trusted_authserv_ids = config.imip_trusted_authserv_ids;
  if (!dav::scheduling::ParseSenderCheck(config.imip_require, &options.sender.require)) {
    return Fail("invalid [imip] require '" + config.imip_require + "'");
  }
  options.max_message_bytes = config.imip_max_message_bytes.value_or(config.max_body_bytes);
  // Read with the bound: a huge message is refused before it is held or parsed.
  std::string raw;
  dav::scheduling::DeliveryOutcome out =
      dav::scheduling::ReadImipMessage(std::cin, options.max_message_bytes, &raw);
  if (out.exit_code == 0) {
    dav::DavContext ctx{store, server::DavOptionsFrom(config),
                        [] { return std::chrono::system_clock::now(); }};
    out = dav::scheduling::DeliverImip(ctx, recipient->second, raw, options);
  }
  if (!out.warning.empty()) std::cerr << "cartable: " << out.warning << std::endl;
  (out.exit_code == 0 ? std::cout : std::cerr) << "cartable: " << out.message << std::endl;
  return out.exit_code;
}

// `mail queue`: what the relay has not taken yet, oldest first.
int MailCommand(const Args& args, store::Store& store) {
  if (args.positional.size() < 2 || args.positional[1] != "queue") {
    return Fail(std::string("usage: cartable mail queue\n") + kUsage);
  }
  Result<std::vector<store::QueuedMail>> queued =
      store.ThreadSession().DueMail(std::numeric_limits<store::UnixTime>::max(), 100000);
  if (!queued.ok()) return Fail(queued.status().ToString());
  std::printf("%-8s %-40s %-8s %-20s %s\n", "ID", "RECIPIENT", "ATTEMPTS", "NEXT ATTEMPT (UTC)",
              "LAST ERROR");
  for (const store::QueuedMail& m : *queued) {
    std::time_t next = static_cast<std::time_t>(m.next_attempt);
    std::tm tm{};
    gmtime_r(&next, &tm);
    char when[32];
    std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
    std::printf("%-8lld %-40s %-8lld %-20s %s\n", static_cast<long long>(m.id), m.recipient.c_str(),
                static_cast<long long>(m.attempts), when, m.last_error.c_str());
  }
  std::printf("%zu message(s) queued\n", queued->size());
  return 0;
}

// Exit codes of migrate-store (kUsage says them).
constexpr int kExCheckFailed = 2;
constexpr int kExTargetNotEmpty = 3;
constexpr int kExSourceLocked = 4;

// `migrate-store --from sqlite:DIR --to postgresql:URL` (issue 15). The URL may be given with
// or without the "postgresql:" scheme prefix repeated ("postgresql:postgresql://..." and
// "postgresql://..." are the same).
int MigrateStoreCommand(const Args& args) {
  if (args.positional.size() != 1) {
    return UsageError("migrate-store takes no positional argument");
  }
  auto from = args.options.find("--from");
  auto to = args.options.find("--to");
  if (from == args.options.end() || to == args.options.end()) {
    return UsageError("migrate-store needs --from sqlite:DIR and --to postgresql:URL");
  }
  if (from->second.rfind("sqlite:", 0) != 0 || from->second.size() == 7) {
    return UsageError("--from must be sqlite:DIR (the data directory holding cartable.db)");
  }
  const std::string dir = from->second.substr(7);
  std::string url = to->second;
  if (url.rfind("postgresql:", 0) == 0 && url.rfind("postgresql://", 0) != 0) {
    url = url.substr(11);
  }
  if (url.rfind("postgresql://", 0) != 0 && url.rfind("postgres://", 0) != 0) {
    return UsageError("--to must be postgresql://USER:PASSWORD@HOST:PORT/DBNAME");
  }
  Result<store::MigrateStoreReport> report = store::MigrateSqliteToPostgres(dir, url);
  if (!report.ok()) {
    std::cerr << "cartable: migrate-store: " << report.status().message() << "\n";
    switch (report.status().code()) {
      case Status::Code::kConflict: return kExTargetNotEmpty;
      case Status::Code::kLocked: return kExSourceLocked;
      default: return 1;
    }
  }
  std::printf("copied (rows per table):\n");
  for (const auto& [table, rows] : report->copied) {
    std::printf("  %-24s %lld\n", table.c_str(), static_cast<long long>(rows));
  }
  std::printf("directory search rebuilt for %lld entries\n",
              static_cast<long long>(report->directory_reindexed));
  std::printf("check: %lld collections, %lld objects (with their bodies), %lld rows compared: ",
              static_cast<long long>(report->collections_checked),
              static_cast<long long>(report->objects_checked),
              static_cast<long long>(report->rows_checked));
  if (report->check_ok()) {
    std::printf("identical\n");
    return 0;
  }
  std::printf("%lld DIFFERENCE(S)\n", static_cast<long long>(report->mismatch_count));
  for (const std::string& m : report->mismatches) std::printf("  %s\n", m.c_str());
  return kExCheckFailed;
}

// Exit codes of backup and restore besides kExRefused (kUsage says them); 4 as migrate-store's
// locked store.
constexpr int kExBackupDamaged = 3;
constexpr int kExDataDirInUse = 4;

int BackupExitCode(const Status& s) {
  switch (s.code()) {
    case Status::Code::kConflict: return kExRefused;
    case Status::Code::kPreconditionFailed: return kExBackupDamaged;
    case Status::Code::kLocked: return kExDataDirInUse;
    default: return 1;
  }
}

// backup and restore copy the SQLite store only: a PostgreSQL deployment uses PostgreSQL's own
// tools, which copy consistently from a live cluster and allow point-in-time recovery.
int RefusePostgresBackup(const std::string& command) {
  std::cerr << "cartable: " << command
            << " copies the SQLite store; this configuration uses PostgreSQL ([store] backend = "
               "postgresql). Back it up with pg_dump -Fc, or with base backups and WAL archiving "
               "(point-in-time recovery), and keep a copy of the secret key file: see "
               "docs/deployment.md, section \"Backups\".\n";
  return kExRefused;
}

const char* const kKeyWarning =
    "without the secret key, the restored server cannot check app passwords, web sessions, "
    "activation and reset links or the NUMEN and birth-date identity checks, and one-time-code "
    "secrets cannot be opened (personal passwords still work)";

// `backup DEST [--no-secret-key]` (issue 16): works while `serve` runs on the same data_dir.
int BackupCommand(const Args& args, const server::Config& config) {
  if (args.positional.size() != 2) return UsageError("backup takes one argument: DEST");
  if (config.store_backend == "postgresql") return RefusePostgresBackup("backup");
  const bool with_key = args.options.count("--no-secret-key") == 0;
  store::BackupOptions options;
  options.data_dir = config.data_dir;
  if (with_key) options.secret_key_file = config.SecretKeyFile();
  const std::string& dest = args.positional[1];
  Result<store::BackupManifest> m = store::BackupSqlite(dest, options);
  if (!m.ok()) {
    std::cerr << "cartable: backup: " << m.status().message() << "\n";
    return BackupExitCode(m.status());
  }
  std::cout << "backup of " << config.data_dir << " in " << dest << " (schema version "
            << m->schema_version << ", " << m->created << "):\n";
  for (const store::BackupFile& f : m->files) {
    std::cout << "  " << f.name << "  " << f.bytes << " bytes  sha256 " << f.sha256 << "\n";
  }
  if (with_key) {
    std::cout << "the backup holds everyone's data and the secret key: store it as privately as "
                 "the data directory (encrypted, access restricted)"
              << std::endl;
  } else {
    std::cerr << "cartable: backup: the secret key was left out (--no-secret-key); keep a copy "
                 "of "
              << config.SecretKeyFile() << " elsewhere: " << kKeyWarning << "\n";
  }
  return 0;
}

// `restore SRC [--force]` (issue 16): the server must be stopped (the data directory lock).
int RestoreCommand(const Args& args, const server::Config& config) {
  if (args.positional.size() != 2) return UsageError("restore takes one argument: SRC");
  if (config.store_backend == "postgresql") return RefusePostgresBackup("restore");
  store::RestoreOptions options;
  options.data_dir = config.data_dir;
  options.secret_key_file = config.SecretKeyFile();
  options.force = args.options.count("--force") != 0;
  const std::string& src = args.positional[1];
  Result<store::RestoreReport> r = store::RestoreSqlite(src, options);
  if (!r.ok()) {
    std::cerr << "cartable: restore: " << r.status().message() << "\n";
    return BackupExitCode(r.status());
  }
  if (!r->moved_aside.empty()) {
    std::cout << "the previous database was moved to " << r->moved_aside << "\n";
  }
  if (!r->old_key.empty()) {
    std::cout << "the previous secret key was kept as " << r->old_key << "\n";
  }
  std::cout << "restored " << src << " (made " << r->manifest.created << ", schema version "
            << r->manifest.schema_version << ") into " << config.data_dir << "; schema version now "
            << r->schema_version << std::endl;
  if (!r->secret_key) {
    std::cerr << "cartable: restore: the backup holds no secret key; put the original "
              << config.SecretKeyFile() << " back before starting the server: " << kKeyWarning
              << "\n";
  }
  return 0;
}

int Main(int argc, char** argv) {
  Args args;
  std::string error;
  if (!ParseArgs(argc, argv, &args, &error)) return Fail(error);
  if (args.options.count("--help")) {  // before the config: help needs no file and no store
    const bool imip = !args.positional.empty() && args.positional[0] == "imip";
    std::cout << (imip ? kImipUsage : kUsage);
    return 0;
  }
  if (args.positional.empty()) return Fail(std::string("missing command\n") + kUsage);
  server::Config config;
  if (auto it = args.options.find("--config"); it != args.options.end()) {
    if (std::string err = config.LoadFile(it->second); !err.empty()) return Fail(err);
  }
  if (auto it = args.options.find("--data"); it != args.options.end()) config.data_dir = it->second;
  if (auto it = args.options.find("--listen"); it != args.options.end()) config.listen = it->second;
  if (auto it = args.options.find("--workers"); it != args.options.end()) {
    config.workers = static_cast<unsigned>(std::stoul(it->second));
  }
  const std::string& command = args.positional[0];
  if (command == "migrate-store") return MigrateStoreCommand(args);
  if (command == "backup") return BackupCommand(args, config);
  if (command == "restore") return RestoreCommand(args, config);
  if (command == "migrate") {
    Result<int> version = server::MigrateStoreFromConfig(config);
    if (!version.ok()) return Fail(version.status().ToString());
    std::cout << "schema version " << *version << std::endl;
    return 0;
  }
  if (auto it = args.options.find("--smtp-relay"); it != args.options.end()) {
    if (std::string err = server::ParseRelay(it->second, config.smtp); !err.empty()) {
      return Fail("--smtp-relay: " + err);
    }
  }
  if (command != "serve" && command != "user" && command != "directory" && command != "imip" &&
      command != "mail" && command != "audit" && command != "group-calendar") {
    return Fail("unknown command '" + command + "'\n" + kUsage);
  }
  // `user delete` without --purge: refused before anything is opened (design: exit 2).
  if (command == "user" && args.positional.size() >= 2 && args.positional[1] == "delete" &&
      args.options.count("--purge") == 0) {
    std::cerr << "cartable: user delete removes a person and everything that is theirs for good;"
                 " say so with --purge (disable keeps the data: cartable user disable LOGIN);"
                 " nothing deleted\n";
    return kExRefused;
  }
  if (std::string err = command == "user"             ? CheckUserArgs(args)
                        : command == "directory"      ? CheckDirectoryArgs(args)
                        : command == "audit"          ? CheckAuditArgs(args)
                        : command == "group-calendar" ? CheckGroupCalendarArgs(args)
                                                      : std::string();
      !err.empty()) {
    return UsageError(err);
  }
  Result<std::unique_ptr<store::Store>> store = server::StoreFromConfig(config);
  if (!store.ok()) return Fail(store.status().ToString());
  if (command == "serve") {
    ReloadSource source;
    if (auto it = args.options.find("--config"); it != args.options.end()) source.path = it->second;
    // The flags applied above, again over each re-read file.
    const std::pair<const char*, const char*> flags[] = {{"--data", "server.data_dir"},
                                                         {"--listen", "server.listen"},
                                                         {"--workers", "server.workers"},
                                                         {"--smtp-relay", "mail.relay"}};
    for (const auto& [flag, key] : flags) {
      if (args.options.count(flag) != 0) source.flagged.insert(key);
    }
    source.flags = [&args](server::Config& c) -> std::string {
      if (auto it = args.options.find("--data"); it != args.options.end()) c.data_dir = it->second;
      if (auto it = args.options.find("--listen"); it != args.options.end()) c.listen = it->second;
      if (auto it = args.options.find("--workers"); it != args.options.end()) {
        c.workers = static_cast<unsigned>(std::stoul(it->second));
      }
      if (auto it = args.options.find("--smtp-relay"); it != args.options.end()) {
        return server::ParseRelay(it->second, c.smtp);
      }
      return "";
    };
    return Serve(config, **store, source);
  }
  if (command == "directory") return DirectoryCommand(args, config, **store);
  if (command == "imip") return ImipCommand(args, config, **store);
  if (command == "mail") return MailCommand(args, **store);
  if (command == "audit") return AuditCommand(args, **store);
  if (command == "group-calendar") return GroupCalendarCommand(args, config, **store);
  const std::string& sub = args.positional[1];
  if (sub == "export" || sub == "delete") return DataProtectionCommand(args, config, **store);
  if (sub == "otp" || sub == "role" || sub == "unlock" || sub == "app-password") {
    // The server's key: app passwords are stored as its keyed hashes, so the CLI and the
    // server must use the same file.
    Result<directory::SecretKey> key = directory::SecretKey::LoadOrCreate(config.SecretKeyFile());
    if (!key.ok()) return Fail(key.status().ToString());
    directory::AccountService service(**store, *key, server::AccountOptionsFrom(config));
    return AccountCommand(args, service);
  }
  directory::Accounts accounts(**store);
  return UserCommand(args, accounts, **store);
}

}  // namespace
}  // namespace cartable

int main(int argc, char** argv) {
  try {
    return cartable::Main(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "cartable: " << e.what() << "\n";
    return 1;
  }
}
