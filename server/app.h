// The application: authentication, the route table, and the DAV engine behind it. Built once by
// main.cc (or a test) from the config and the store; serves requests from every worker thread.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "dav/caldav/calendar_occurrence_backfill.h"
#include "dav/context.h"
#include "dav/dav_handler.h"
#include "dav/scheduling/mail_queue.h"
#include "dav/store/store.h"
#include "dav/target.h"
#include "directory/account_service.h"
#include "directory/accounts.h"
#include "directory/ldap_auth.h"
#include "directory/secret_key.h"
#include "server/auth.h"
#include "server/config.h"
#include "server/health.h"
#include "server/http/message.h"
#include "server/metrics.h"
#include "server/rate_limit.h"
#include "server/reload.h"
#include "server/router.h"
#include "server/smtp.h"
#include "server/user_directory.h"
#include "server/web/web.h"

namespace cartable::server {

// The DAV engine's options from the server configuration.
dav::DavOptions DavOptionsFrom(const Config& config);
// The store's options ([store] section) from the server configuration.
store::StoreOptions StoreOptionsFrom(const Config& config);
// Opens the store [store] backend names, migrations applied: SQLite in data_dir, or PostgreSQL
// at postgresql_url (kUnavailable when the server cannot be reached). The one place the server,
// the CLI and the tests choose a backend.
Result<std::unique_ptr<store::Store>> StoreFromConfig(const Config& config);
// Applies pending migrations to that store (`cartable migrate`); the schema version afterwards.
Result<int> MigrateStoreFromConfig(const Config& config);
// The account service's options ([accounts] section) from the server configuration.
directory::AccountOptions AccountOptionsFrom(const Config& config);
// The directory sign-in's options ([auth] ldap_* keys) from the server configuration.
directory::LdapOptions LdapOptionsFrom(const Config& config);

class App : public http::RequestHandler {
 public:
  // `store` and `config` must outlive the App. Loads (or creates) the secret key
  // (Config::SecretKeyFile); throws std::runtime_error naming the file when it cannot.
  App(const Config& config, store::Store& store, dav::Clock clock = {});
  http::HttpResponse Handle(http::HttpRequest& request) override;
  // Authenticates when the headers are complete, before the body is read: no or malformed
  // credentials on a path that needs them → 401 at once; cached credentials → accepted at once;
  // otherwise the password hash is queued on the hash pool (kPending; 503 + Retry-After when
  // its queue is full). An accepted request carries its AuthUser to Handle.
  http::Admission Admit(http::HttpRequest& request, const http::ResumeAdmission& resume) override;

  // The authenticator (its verification counter is what tests watch).
  const Authenticator& authenticator() const { return auth_; }

  directory::Accounts& accounts() { return accounts_; }
  // The account lifecycle (sign-in rules, sessions, passwords...) and the server's secret key.
  directory::AccountService& account_service() { return account_service_; }
  const directory::SecretKey& secret_key() const { return key_; }
  // Failed sign-ins per client address ([accounts] address_max_failures within
  // address_window_minutes): Basic, the web pages and the JSON session API check it before any
  // hashing (429 + Retry-After) and record every refused sign-in.
  RateLimiter& sign_in_failures() { return sign_in_failures_; }
  // 429 + Retry-After for an address past address_max_failures (JSON body when `json`).
  static http::HttpResponse TooManyFailures(unsigned retry_after_seconds, bool json);
  // The iMIP mail worker (the outbox); started by the constructor, stopped by the destructor,
  // woken after every committed write.
  dav::scheduling::MailQueue& mail_queue() { return *mail_queue_; }
  // The metrics /metrics serves; the transport records requests in it (HttpServer's `metrics`).
  Metrics& metrics() { return metrics_; }
  // A configuration reload (server/reload.h): takes `config`'s [mail] relay settings for the
  // next sends and its [accounts] address_max_failures / address_window_minutes. The other
  // values the App copied at construction stay. Thread-safe.
  void Reconfigure(const Config& config);

 private:
  static dav::Principal ToPrincipal(const AuthUser& user);
  // Whether `request` needs credentials on `route` (Handle and Admit agree through this).
  static bool NeedsAuth(const Route& route, const http::HttpRequest& request);
  // The user Admit verified, else authenticates now (a direct caller, not the transport): then
  // nullopt with `*refusal` set to the answer (401 of some kind, 429) in JSON when `json`.
  std::optional<AuthUser> CurrentUser(http::HttpRequest& request, bool json,
                                      http::HttpResponse* refusal);
  http::HttpResponse ChallengeFor(const Route& route) const;
  // The answer to a sign-in that did not give a user: the plain challenge for kRefused (a locked
  // account included), and for kMustChange / kAppPasswordNeeded a 401 whose body sends the
  // person to `base_url`/connexion (French text, or JSON {"error", "message", "url"}).
  http::HttpResponse Refusal(AuthOutcome outcome, bool json, const std::string& base_url) const;
  // config public_url, else http(s):// (HttpRequest::secure) and the request's Host (the links
  // of refusals).
  std::string BaseUrl(const http::HttpRequest& request) const;
  void MountWebPages();
  // /healthz, /readyz and /metrics (issue 16), and the route labels of the request metrics.
  void MountHealthRoutes(store::Store& store);
  // The webmail's JSON calls over agendas, address books and sharing (dav/api/): prefix rows of
  // the page table, so they answer the session cookie (its CSRF token on changes) and Basic.
  void AddDavApiRows();
  http::HttpResponse ServeDav(http::HttpRequest& request, const AuthUser& user);
  http::HttpResponse ServeDavConfirming(http::HttpRequest& request,
                                        const Authenticator::CacheHit& hit);
  // Authenticates and serves the request as if it named the DAV root.
  http::HttpResponse AuthenticatedDav(http::HttpRequest& request);
  // PROPFIND of `/` after authentication: answered for `/` itself (DavHandler::PropfindServerRoot).
  http::HttpResponse PropfindRoot(http::HttpRequest& request);
  http::HttpResponse HomePage(http::HttpRequest& request) const;

  const Config& config_;
  Metrics metrics_;
  directory::Accounts accounts_;
  directory::SecretKey key_;
  directory::AccountService account_service_;
  RateLimiter sign_in_failures_;
  // The web front door (issue 11): page rows, what they use, and the shell serving them. Declared
  // before auth_: slow rows run on its hash pool and use these until the pool stops.
  web::PageTable pages_;
  std::unique_ptr<web::PageContext> page_context_;
  std::unique_ptr<web::WebFront> web_;
  // Declared before auth_: the hash pool's jobs use them until auth_ is destroyed.
  AccountsUserDirectory users_;  // the authenticator's view of accounts_
  Authenticator auth_;
  // Computes the occurrence rows of calendar objects stored before the index (issue 14).
  std::unique_ptr<dav::caldav::OccurrenceBackfill> occurrences_;
  std::unique_ptr<ReloadableMailSender> mail_;  // [mail] relay, replaced by Reconfigure
  dav::HomeCache homes_;
  dav::DavContext dav_ctx_;
  dav::DavHandler dav_;
  Router router_;
  std::unique_ptr<dav::scheduling::MailQueue> mail_queue_;
  std::map<std::string, std::string> departments_;  // code -> name, for the directory API
  std::unique_ptr<HealthRoutes> health_;            // /healthz, /readyz, /metrics
};

}  // namespace cartable::server
