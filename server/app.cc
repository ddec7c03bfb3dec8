#include "server/app.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "dav/api/calendar_api.h"
#include "dav/api/collections_api.h"
#include "dav/api/directory_api.h"
#include "dav/api/scheduling_api.h"
#include "dav/api/sharing_api.h"
#include "dav/xml.h"
#include "directory/import.h"
#include "server/web/app_assets.h"

namespace cartable::server {
namespace {

http::HttpResponse Redirect(std::string location) {
  http::HttpResponse r = http::HttpResponse::Text(301, "Moved to " + location + "\n");
  r.headers.Set("Location", std::move(location));
  return r;
}

// Time-range queries read the occurrence index (issue 14), which has no time window; objects
// stored before it get their rows from this background pass at start (queries on their
// collections parse candidates until it is done).
std::unique_ptr<dav::caldav::OccurrenceBackfill> NewOccurrenceBackfill(store::Store& store) {
  return std::make_unique<dav::caldav::OccurrenceBackfill>(store);
}

// Loads the secret key; a server without its key cannot check app passwords, sessions or
// identities, so it does not start (main reports the exception).
directory::SecretKey LoadSecretKey(const Config& config) {
  Result<directory::SecretKey> key = directory::SecretKey::LoadOrCreate(config.SecretKeyFile());
  if (!key.ok()) {
    throw std::runtime_error("secret key " + config.SecretKeyFile() + ": " +
                             key.status().ToString());
  }
  return std::move(key.value());
}

// The account service's clock: the App's (tests inject one), in Unix seconds.
directory::AccountService::Clock UnixClock(const dav::Clock& clock) {
  if (!clock) return {};
  return [clock] {
    return static_cast<store::UnixTime>(
        std::chrono::duration_cast<std::chrono::seconds>(clock().time_since_epoch()).count());
  };
}

// A Host header fit to be shown in a link: host name or address characters and a port only.
bool SafeHost(std::string_view host) {
  return !host.empty() && host.size() <= 255 && std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == ':' || c == '[' || c == ']';
  });
}

}  // namespace

directory::AccountOptions AccountOptionsFrom(const Config& config) {
  directory::AccountOptions o;
  o.session_idle_minutes = config.session_idle_minutes;
  o.session_max_hours = config.session_max_hours;
  o.max_sessions_per_user = config.max_sessions_per_user;
  o.lockout_threshold = config.lockout_threshold;
  o.lockout_window_minutes = config.lockout_window_minutes;
  o.lockout_minutes = config.lockout_minutes;
  o.lockout_max_temporary = config.lockout_max_temporary;
  o.password.min_length = config.password_min_length;
  o.password.min_guesses_log10 = config.password_min_strength;
  o.password.history = config.password_history;
  o.password.expiry_days = config.password_expiry_days;
  o.public_url = config.public_url;
  o.mail_from = config.mail_from;
  o.mail_domain = config.mail_domain;
  o.reset_link_minutes = config.reset_link_minutes;
  o.issuer = config.otp_issuer;
  o.max_app_passwords = config.max_app_passwords;
  return o;
}

directory::LdapOptions LdapOptionsFrom(const Config& config) {
  directory::LdapOptions o;
  o.url = config.ldap_url;
  o.user_dn = config.ldap_user_dn;
  o.search_base = config.ldap_search_base;
  o.search_filter = config.ldap_search_filter;
  o.bind_dn = config.ldap_bind_dn;
  o.bind_password = config.ldap_bind_password;
  o.starttls = config.ldap_starttls;
  o.ca_file = config.ldap_ca_file;
  o.timeout_seconds = config.ldap_timeout_seconds;
  return o;
}

store::StoreOptions StoreOptionsFrom(const Config& config) {
  store::StoreOptions o;
  o.busy_timeout_ms = static_cast<int>(std::min<unsigned>(config.store_busy_timeout_ms, INT32_MAX));
  o.retention.max_entries = static_cast<int64_t>(config.change_log_max_entries);
  o.retention.max_age_seconds = static_cast<int64_t>(config.change_log_max_age_days) * 24 * 3600;
  o.pool_size = static_cast<int>(std::min<unsigned>(config.store_pool_size, INT32_MAX));
  o.mail_claim_seconds = config.store_mail_claim_seconds;
  return o;
}

Result<std::unique_ptr<store::Store>> StoreFromConfig(const Config& config) {
  if (config.store_backend == "postgresql") {
    return store::OpenPostgresStore(config.postgresql_url, StoreOptionsFrom(config));
  }
  return store::OpenSqliteStore(config.data_dir, StoreOptionsFrom(config));
}

Result<int> MigrateStoreFromConfig(const Config& config) {
  if (config.store_backend == "postgresql") {
    return store::MigratePostgresStore(config.postgresql_url);
  }
  return store::MigrateSqliteStore(config.data_dir);
}

dav::DavOptions DavOptionsFrom(const Config& config) {
  dav::DavOptions o;
  o.default_quota_bytes = static_cast<int64_t>(config.default_quota_bytes);
  o.max_resource_size = config.max_body_bytes;
  o.scheduling = config.scheduling;
  o.internal_domains = config.internal_domains;
  if (o.internal_domains.empty()) o.internal_domains = {config.mail_domain};
  o.mail_from = config.mail_from;
  o.message_id_domain = config.mail_domain;
  o.mail_retry_seconds = std::max<int64_t>(config.mail_retry_seconds, 1);
  o.mail_expire_seconds = static_cast<int64_t>(config.mail_expire_hours) * 3600;
  o.max_xml_depth = config.max_xml_depth;
  o.max_xml_elements = config.max_xml_elements;
  o.max_properties_per_request = config.max_properties_per_request;
  o.max_expand_property_depth = config.max_expand_property_depth;
  o.max_response_bytes = config.max_response_bytes;
  o.max_instances_per_request = config.max_instances_per_request;
  o.share_auto_accept = config.share_auto_accept;
  o.max_shares_per_collection = config.max_shares_per_collection;
  o.max_delegates = config.max_delegates;
  o.max_group_members = config.max_group_members;
  o.max_import_cards = config.max_import_cards;
  return o;
}

App::App(const Config& config, store::Store& store, dav::Clock clock)
    : config_(config),
      accounts_(store),
      key_(LoadSecretKey(config)),
      account_service_(store, key_, AccountOptionsFrom(config), UnixClock(clock)),
      sign_in_failures_(config.address_max_failures,
                        std::chrono::seconds(int64_t{config.address_window_minutes} * 60)),
      users_(accounts_, account_service_),
      auth_(users_, config.realm, config.auth_cache_seconds,
            HashPoolOptions{config.hash_threads, config.hash_queue}),
      occurrences_(NewOccurrenceBackfill(store)),
      mail_(std::make_unique<ReloadableMailSender>(MakeSmtpSender(config.smtp))),
      dav_ctx_{store, DavOptionsFrom(config),
               clock ? clock : [] { return std::chrono::system_clock::now(); }, &homes_,
               [this] {
                 if (mail_queue_) mail_queue_->Wake();
               }},
      dav_(dav_ctx_),
      departments_(config.departments.empty() ? directory::DefaultDepartments()
                                              : config.departments) {
  MountHealthRoutes(store);
  // RFC 6764 §5: well-known URIs redirect to the context root. PROPFIND is answered in place
  // as a PROPFIND of the root: HTTP libraries drop the body when following a 301, and some
  // clients PROPFIND for current-user-principal before following redirects.
  for (const char* wk : {"/.well-known/caldav", "/.well-known/carddav"}) {
    router_.Add({wk, false, false, [this](http::HttpRequest& r, const AuthUser*) {
                   return r.method == "PROPFIND" ? AuthenticatedDav(r) : Redirect("/dav/");
                 }});
  }
  Route dav_route{"/dav", false, true,
                  [this](http::HttpRequest& r, const AuthUser* u) { return ServeDav(r, *u); }};
  dav_route.confirms_in_handler = true;
  router_.Add(std::move(dav_route));
  // [auth] backend = ldap: the academy's directory checks personal passwords, by a bind as the
  // account's login (the directory's uid), on the hash-pool threads that run SignIn; the
  // verified-credential cache (auth_) keeps DAV clients from binding on every request.
  if (config.auth_backend == "ldap") {
    auto ldap = std::make_shared<directory::LdapVerifier>(LdapOptionsFrom(config));
    account_service_.SetPasswordVerifier(
        [ldap](const store::User& user, const std::string& password) {
          return ldap->Verify(user.login, password);
        });
  }
  // Account mail (reset links, confirmations) is queued in the store like iMIP mail.
  account_service_.SetMailCommitted([this] {
    if (mail_queue_) mail_queue_->Wake();
  });
  mail_queue_ = std::make_unique<dav::scheduling::MailQueue>(dav_ctx_, mail_.get());
  mail_queue_->Start(std::min<int64_t>(dav_ctx_.options.mail_retry_seconds, 30));
  MountWebPages();
  router_.Add({"/", true, false, [this](http::HttpRequest& r, const AuthUser*) {
                 if (r.method == "GET" || r.method == "HEAD") return HomePage(r);
                 if (r.method == "PROPFIND") return PropfindRoot(r);
                 return Redirect("/dav/");
               }});
}

void App::Reconfigure(const Config& config) {
  sign_in_failures_.SetLimits(config.address_max_failures,
                              std::chrono::seconds(int64_t{config.address_window_minutes} * 60));
  mail_->Replace(MakeSmtpSender(config.smtp));
}

http::HttpResponse App::AuthenticatedDav(http::HttpRequest& request) {
  http::HttpResponse refusal;
  std::optional<AuthUser> user = CurrentUser(request, false, &refusal);
  if (!user) return refusal;
  request.user = user->login;
  request.path = "/dav/";
  return ServeDav(request, *user);
}

http::HttpResponse App::PropfindRoot(http::HttpRequest& request) {
  http::HttpResponse refusal;
  std::optional<AuthUser> user = CurrentUser(request, false, &refusal);
  if (!user) return refusal;
  request.user = user->login;
  return dav_.PropfindServerRoot(request, ToPrincipal(*user));
}

void App::MountHealthRoutes(store::Store& store) {
  health_ = std::make_unique<HealthRoutes>(config_, store, account_service_, metrics_);
  router_.Add({"/healthz", true, false,
               [this](http::HttpRequest& r, const AuthUser*) { return health_->Alive(r); }});
  router_.Add({"/readyz", true, false,
               [this](http::HttpRequest& r, const AuthUser*) { return health_->Ready(r); }});
  router_.Add({"/metrics", true, false,
               [this](http::HttpRequest& r, const AuthUser*) { return health_->Scrape(r); }});
  // The label of the route that serves the path (never the path itself); kOther when none does.
  metrics_.SetRouteClassifier([this](const std::string& path) {
    const Route* route = router_.Match(path);
    if (route == nullptr) return RouteLabel::kOther;
    const std::string& prefix = route->prefix;
    if (prefix == "/dav") return RouteLabel::kDav;
    if (prefix.starts_with("/.well-known/")) return RouteLabel::kCaldavDiscovery;
    if (prefix == "/healthz" || prefix == "/readyz") return RouteLabel::kHealth;
    if (prefix == "/metrics") return RouteLabel::kMetrics;
    if (prefix == "/static" || prefix == "/app") return RouteLabel::kStatic;
    if (prefix.starts_with("/api/")) return RouteLabel::kApi;
    return RouteLabel::kWeb;
  });
}

// The web front door: every path of the page table is an anonymous route of its own (the shell
// enforces each row's Access with the session cookie); /api/ rows also take Basic credentials.
// Slow rows (password hashing) run on the authenticator's hash pool.
void App::MountWebPages() {
  page_context_ = std::make_unique<web::PageContext>(
      web::PageContext{account_service_, config_, sign_in_failures_});
  // The web application's bundle (issue 13), read once; without it the application pages
  // answer 503 and the account pages and DAV work as before.
  page_context_->app_assets =
      web::AppAssets::Load(web::AppDirFrom(config_), config_.web_app_max_bytes);
  if (page_context_->app_assets->ok()) {
    std::cerr << "cartable: web application: " << page_context_->app_assets->file_count()
              << " files from " << page_context_->app_assets->dir() << "\n";
  } else {
    std::cerr << "cartable: web application not built (" << page_context_->app_assets->error()
              << "): /agenda and the other application pages answer 503; scripts/lib.sh build "
                 "builds it\n";
  }
  web::RegisterPages(pages_, *page_context_);
  AddDavApiRows();
  web_ = std::make_unique<web::WebFront>(
      account_service_, pages_, config_,
      [this](std::function<void()> job) { return auth_.RunSlow(std::move(job)); });
  auto serve = [this](http::HttpRequest& r, const AuthUser* u) {
    return web_->Serve(r, u != nullptr ? u->id : 0);
  };
  std::vector<std::string> mounted;
  for (const web::PageRow& row : pages_.rows()) {
    if (std::find(mounted.begin(), mounted.end(), row.path) != mounted.end()) continue;
    mounted.push_back(row.path);
    bool api = row.path.starts_with("/api/");
    Route route{row.path, !row.prefix, false, serve, api};
    if (row.prefix) {
      // These calls took Basic only before the session cookie: a request without credentials
      // still gets the Basic challenge with its JSON 401.
      route.handler = [this, serve](http::HttpRequest& r, const AuthUser* u) {
        http::HttpResponse answer = serve(r, u);
        if (answer.status == 401 && !answer.headers.Has("WWW-Authenticate")) {
          http::HttpResponse challenge = auth_.Challenge();
          if (auto value = challenge.headers.Get("WWW-Authenticate")) {
            answer.headers.Set("WWW-Authenticate", std::string(*value));
          }
        }
        return answer;
      };
    }
    route.auth_optional = api;
    router_.Add(std::move(route));
  }
  web_->SetAppAssets(page_context_->app_assets);
  router_.Add({"/static", false, false, serve});
  router_.Add({"/app", false, false, serve});
}

void App::AddDavApiRows() {
  using Serve = std::function<http::HttpResponse(const http::HttpRequest&, const dav::Principal&)>;
  auto plain = [this](http::HttpResponse (*fn)(const dav::DavContext&, const http::HttpRequest&,
                                               const dav::Principal&)) {
    return Serve([this, fn](const http::HttpRequest& r, const dav::Principal& p) {
      return fn(dav_ctx_, r, p);
    });
  };
  struct Call {
    const char* path;
    Serve serve;
    bool patch = false;               // also PATCH (resources the web pages edit in place)
    const char* post_body_type = "";  // PageRow::other_body_type of the POST row
  };
  // Longest prefix first in the router: /api/v1/me/... lie below the account API's exact
  // /api/v1/me row. The directory, invitations and free/busy took HTTP Basic only before the
  // web application (issue 13): as rows here they take the session cookie too, and Basic
  // clients see the same answers as before.
  const Call kCalls[] = {
      {"/api/v1/calendars", plain(dav::api::ServeCalendars), true},
      // POST .../import takes text/vcard (dav/api/contacts_api.h).
      {"/api/v1/addressbooks", plain(dav::api::ServeAddressbooks), true, "text/vcard"},
      {"/api/v1/me/delegates", plain(dav::api::ServeDelegates)},
      {"/api/v1/me/invitations", plain(dav::api::ServeShareInvitations)},
      {"/api/v1/directory",
       [this](const http::HttpRequest& r, const dav::Principal&) {
         return dav::api::ServeDirectory(dav_ctx_, r, departments_);
       }},
      {"/api/v1/invitations", plain(dav::api::ServeInvitations)},
      {"/api/v1/freebusy", plain(dav::api::ServeFreeBusy)},
  };
  for (const Call& call : kCalls) {
    // The handlers answer 405 themselves for a method their resource does not take.
    for (const char* method : {"GET", "POST", "DELETE", "PATCH"}) {
      if (std::string_view(method) == "PATCH" && !call.patch) continue;
      web::PageRow row{
          call.path, method, web::Access::kSignedIn, false,
          [serve = call.serve](web::WebRequest& r) {
            const store::User& u = *r.user;
            return serve(r.http, dav::Principal{u.id, u.login, u.display_name, u.email});
          }};
      row.prefix = true;
      if (std::string_view(method) == "POST") row.other_body_type = call.post_body_type;
      pages_.Add(std::move(row));
    }
  }
}

bool App::NeedsAuth(const Route& route, const http::HttpRequest& request) {
  // Anonymous routes (well-known URIs, the home page) answer PROPFIND only to a signed-in user.
  if (!route.needs_auth && route.auth_optional) return request.headers.Has("Authorization");
  if (!route.needs_auth) return request.method == "PROPFIND";
  // Setup probes send OPTIONS without credentials and must see the DAV header (docs/clients.md #1).
  return !(request.method == "OPTIONS" && !request.headers.Has("Authorization"));
}

std::optional<AuthUser> App::CurrentUser(http::HttpRequest& request, bool json,
                                         http::HttpResponse* refusal) {
  if (request.admitted) {
    const auto& admitted = *static_cast<const AdmittedUser*>(request.admitted.get());
    if (admitted.user) return admitted.user;
    if (admitted.hit) {
      if (std::optional<AuthUser> user = auth_.Confirm(*admitted.hit)) return user;
    }
  }
  std::optional<Credentials> credentials = Authenticator::FromRequest(request);
  if (!credentials) {
    *refusal = Refusal(AuthOutcome::kRefused, json, "");
    return std::nullopt;
  }
  if (std::optional<AuthUser> user = auth_.Cached(*credentials)) return user;
  if (unsigned wait = sign_in_failures_.RetryAfter(credentials->address); wait > 0) {
    *refusal = TooManyFailures(wait, json);
    return std::nullopt;
  }
  AuthResult result = auth_.Verify(*credentials);
  if (result.outcome == AuthOutcome::kOk && result.user) return result.user;
  if (result.outcome == AuthOutcome::kRefused) sign_in_failures_.Record(credentials->address);
  *refusal = Refusal(result.outcome, json, BaseUrl(request));
  return std::nullopt;
}

http::HttpResponse App::ChallengeFor(const Route& route) const {
  return Refusal(AuthOutcome::kRefused, route.json_errors, "");
}

std::string App::BaseUrl(const http::HttpRequest& request) const {
  std::string base = config_.public_url;
  if (base.empty()) {
    std::string_view host = request.headers.Get("Host").value_or("");
    base = (request.secure ? "https://" : "http://") +
           std::string(SafeHost(host) ? host : "localhost");
  }
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base;
}

http::HttpResponse App::Refusal(AuthOutcome outcome, bool json, const std::string& base_url) const {
  if (outcome == AuthOutcome::kUnavailable) {
    // The database is unreachable (restarting, failing over): RFC 9110 15.6.4, the client
    // retries; a 401 would make it ask the person for a password that is right.
    http::HttpResponse r = http::HttpResponse::Text(
        503, "Service momentanément indisponible ; réessayez dans un instant.\n");
    r.headers.Set("Retry-After", std::to_string(store::kBusyRetryAfterSeconds));
    if (json) {
      r.headers.Set("Content-Type", "application/json; charset=utf-8");
      r.body = nlohmann::json{{"error", "unavailable"}}.dump();
    }
    return r;
  }
  http::HttpResponse challenge = auth_.Challenge();
  if (outcome != AuthOutcome::kMustChange && outcome != AuthOutcome::kAppPasswordNeeded) {
    // kRefused: one answer for an unknown login, a wrong password and a locked account.
    if (json) {
      challenge.headers.Set("Content-Type", "application/json; charset=utf-8");
      challenge.body = nlohmann::json{{"error", "authentication required"}}.dump();
    }
    return challenge;
  }
  // The password was right but does not open DAV/API access: say where to go. The challenge
  // stays, so that clients ask again once the person has a new password or an app password.
  const std::string url = base_url + "/connexion";
  const bool change = outcome == AuthOutcome::kMustChange;
  const std::string message =
      change ? "Vous devez choisir un nouveau mot de passe personnel avant d'utiliser ce compte "
               "dans une application. Connectez-vous sur " +
                   url + " pour le choisir."
             : "Ce compte demande un code à usage unique : son mot de passe n'ouvre pas les "
               "agendas et les contacts dans une application. Connectez-vous sur " +
                   url + " et créez un mot de passe d'application pour cet appareil.";
  if (json) {
    challenge.headers.Set("Content-Type", "application/json; charset=utf-8");
    challenge.body = nlohmann::json{
        {"error", change ? "password-change-required" : "app-password-required"},
        {"message", message},
        {"url", url}}.dump();
  } else {
    challenge.body = message + "\n";
  }
  return challenge;
}

http::HttpResponse App::TooManyFailures(unsigned retry_after_seconds, bool json) {
  const unsigned minutes = (retry_after_seconds + 59) / 60;
  const std::string message =
      "Trop de tentatives de connexion ont échoué depuis votre adresse. Réessayez dans " +
      std::to_string(minutes) + (minutes > 1 ? " minutes." : " minute.");
  http::HttpResponse r =
      json ? http::HttpResponse::Text(
                 429, nlohmann::json{{"error", "rate-limited"}, {"message", message}}.dump(),
                 "application/json; charset=utf-8")
           : http::HttpResponse::Text(429, message + "\n");
  r.headers.Set("Retry-After", std::to_string(retry_after_seconds));
  return r;
}

http::Admission App::Admit(http::HttpRequest& request, const http::ResumeAdmission& resume) {
  const Route* route = router_.Match(request.path);
  if (route == nullptr || !NeedsAuth(*route, request)) return http::Admission::Accept();
  std::optional<Credentials> credentials = Authenticator::FromRequest(request);
  if (!credentials) return http::Admission::Refuse(ChallengeFor(*route));
  if (route->confirms_in_handler) {
    if (std::optional<Authenticator::CacheHit> hit = auth_.Lookup(*credentials)) {
      return http::Admission::Accept(
          std::make_shared<const AdmittedUser>(AdmittedUser{std::nullopt, std::move(*hit)}));
    }
  } else if (std::optional<AuthUser> user = auth_.Cached(*credentials)) {
    return http::Admission::Accept(
        std::make_shared<const AdmittedUser>(AdmittedUser{std::move(*user), std::nullopt}));
  }
  // Past address_max_failures from this address: refused before any hashing.
  if (unsigned wait = sign_in_failures_.RetryAfter(credentials->address); wait > 0) {
    return http::Admission::Refuse(TooManyFailures(wait, route->json_errors));
  }
  const bool json = route->json_errors;
  std::string address = credentials->address;
  bool queued =
      auth_.VerifyAsync(std::move(*credentials), [this, resume, json, address = std::move(address),
                                                  base_url = BaseUrl(request)](AuthResult result) {
        if (result.outcome == AuthOutcome::kOk && result.user) {
          resume(http::Admission::Accept(std::make_shared<const AdmittedUser>(
              AdmittedUser{std::move(*result.user), std::nullopt})));
          return;
        }
        if (result.outcome == AuthOutcome::kRefused) sign_in_failures_.Record(address);
        resume(http::Admission::Refuse(Refusal(result.outcome, json, base_url)));
      });
  if (!queued) return http::Admission::Refuse(Authenticator::Busy());
  return http::Admission::Pending();
}

http::HttpResponse App::Handle(http::HttpRequest& request) {
  const Route* route = router_.Match(request.path);
  if (route == nullptr) return http::HttpResponse::Text(404, "Not found.\n");
  if (!route->needs_auth && !(route->auth_optional && NeedsAuth(*route, request))) {
    return route->handler(request, nullptr);
  }
  if (!NeedsAuth(*route, request)) return dav_.AnonymousOptions();
  if (route->confirms_in_handler && request.admitted) {
    const auto& admitted = *static_cast<const AdmittedUser*>(request.admitted.get());
    if (admitted.hit) return ServeDavConfirming(request, *admitted.hit);
  }
  http::HttpResponse refusal;
  std::optional<AuthUser> user = CurrentUser(request, route->json_errors, &refusal);
  if (!user) return refusal;
  request.user = user->login;
  return route->handler(request, &*user);
}

dav::Principal App::ToPrincipal(const AuthUser& user) {
  return {user.id, user.login, user.display_name, user.email};
}

http::HttpResponse App::ServeDav(http::HttpRequest& request, const AuthUser& user) {
  return dav_.Handle(request, ToPrincipal(user));
}

// A DAV request admitted on a verified-credential cache hit: the hit is confirmed against the
// store inside the request's transaction (one transaction per request instead of two). When it
// no longer holds (a password change, a disable...), the credentials are verified as on a cache
// miss: by a hash on the pool, the response delivered later.
http::HttpResponse App::ServeDavConfirming(http::HttpRequest& request,
                                           const Authenticator::CacheHit& hit) {
  bool unconfirmed = false;
  http::HttpResponse response = dav_.Handle(
      request, hit.user_id,
      [&]() -> std::optional<dav::Principal> {
        std::optional<AuthUser> user = auth_.Confirm(hit);
        if (!user) return std::nullopt;
        request.user = user->login;
        return ToPrincipal(*user);
      },
      &unconfirmed);
  if (!unconfirmed) return response;
  request.admitted = nullptr;
  std::optional<Credentials> credentials = Authenticator::FromRequest(request);
  if (!credentials || !request.deliver_later) {  // a direct caller: as CurrentUser does
    http::HttpResponse refusal;
    std::optional<AuthUser> user = CurrentUser(request, false, &refusal);
    if (!user) return refusal;
    request.user = user->login;
    return ServeDav(request, *user);
  }
  if (unsigned wait = sign_in_failures_.RetryAfter(credentials->address); wait > 0) {
    return TooManyFailures(wait, false);
  }
  // The pool thread serves the request from its own copy: the transport's may be gone by then.
  auto held = std::make_shared<http::HttpRequest>(request);
  held->deliver_later = nullptr;
  std::string address = credentials->address;
  bool queued =
      auth_.VerifyAsync(std::move(*credentials),
                        [this, held, deliver = request.deliver_later, address = std::move(address),
                         base_url = BaseUrl(request)](AuthResult result) {
                          if (result.outcome == AuthOutcome::kOk && result.user) {
                            held->user = result.user->login;
                            deliver(ServeDav(*held, *result.user));
                            return;
                          }
                          if (result.outcome == AuthOutcome::kRefused)
                            sign_in_failures_.Record(address);
                          deliver(Refusal(result.outcome, false, base_url));
                        });
  if (!queued) return Authenticator::Busy();
  return http::HttpResponse::Later();
}

http::HttpResponse App::HomePage(http::HttpRequest& request) const {
  // Rendered through the web layout (stylesheet, header, footer); no session is needed.
  web::WebRequest page{request};
  return web::Render(page, "accueil", {{"title", "Cartable"}});
}

}  // namespace cartable::server
