// The web front door's plumbing (issue 11), shared by every page and by the JSON account API:
// page table, templates, sessions (cookie), CSRF, forms, redirects. Pages are French,
// server-rendered, usable without JavaScript; templates and assets live in server/web/templates
// and server/web/static and are embedded in the binary at build time.
//
// A page is a row of the page table: path, method, who may see it, whether it runs slow work
// (password hashing: the row is then run on the hash pool, never on a reactor thread) and its
// handler. Each feature file registers its rows (RegisterSignInPages, RegisterSelfServicePages,
// ...); server/app.cc mounts the table.
#pragma once

#include <functional>
#include <initializer_list>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "directory/account_service.h"
#include "server/config.h"
#include "server/http/message.h"
#include "server/rate_limit.h"

namespace cartable::server::web {

class AppAssets;  // app_assets.h

// Who may open a page.
enum class Access {
  kAnonymous,  // anyone (sign-in, activation, forgotten login/password, blocked account)
  kAnyStage,   // a session at any stage (the second step, the forced change, enrolment)
  kSignedIn,   // a kFull session; others are sent where their stage says (sign-in, code,
               // enrolment, forced change)
};

// A request as a page sees it.
struct WebRequest {
  http::HttpRequest& http;
  directory::ClientInfo client = {};              // address (trusted proxies applied) + UA
  std::optional<store::WebSession> session = {};  // resolved from the cookie, if any
  std::optional<store::User> user = {};           // the session's user
  // Form fields (application/x-www-form-urlencoded body of a POST, or the query of a GET; for
  // the JSON API, a string member of the body's object). "" when absent.
  std::string Field(std::string_view name) const;
  bool via_json = false;  // the JSON API rather than a form
  // Set by the shell (WebFront) before the handler runs:
  bool secure = false;  // the cookies get Secure (public_url is https, or a trusted proxy says so)
  std::string csrf = {};  // the token forms carry: the session's, else the cartable_csrf cookie's
  bool new_csrf_cookie = false;  // `csrf` is new: Render sets the cartable_csrf cookie
  bool basic = false;  // authenticated by HTTP Basic (JSON only): no session, no CSRF token
};

using PageHandler = std::function<http::HttpResponse(WebRequest&)>;

struct PageRow {
  std::string path;    // exact path: "/connexion"
  std::string method;  // "GET" or "POST" (HEAD follows GET)
  Access access = Access::kAnonymous;
  bool slow = false;  // runs Argon2id: executed on the hash pool
  PageHandler handler;
  // Also every path below `path` ("/api/v1/calendars/agenda/events"): JSON calls whose path
  // names a resource. An exact row of the same path and method wins, then the longest prefix.
  bool prefix = false;
  // JSON calls: a media type the call also takes as its body besides application/json (the
  // contacts import takes text/vcard). Never a CORS-safelisted type (text/plain, forms): a
  // cross-site page cannot send another type without a preflight, which is never granted.
  std::string other_body_type = "";

  bool Covers(std::string_view p) const {
    return p == path ||
           (prefix && p.size() > path.size() && p.starts_with(path) && p[path.size()] == '/');
  }
};

// Renders `page` (templates/<page>.html, mustache) inside the layout (templates/layout.html);
// the layout writes <h1>{{title}}</h1> unless the page template has its own <h1> (then the
// error/notice paragraphs follow the page's </h1>). Inline SVG in a page must use presentation
// attributes (fill="…"), not style attributes: the CSP allows no inline style.
// `data` gets "title", "csrf" (when a session exists), "user" (display name, login), and the
// French "error"/"notice" texts the handler puts in it. 200 unless `status` says otherwise.
// Sends Cache-Control: no-store, a strict Content-Security-Policy (no inline script), and
// X-Frame-Options DENY.
http::HttpResponse Render(const WebRequest& request, std::string_view page, nlohmann::json data,
                          int status = 200);
// 303 See Other to a local path (POST/redirect/GET).
http::HttpResponse SeeOther(std::string_view path);
// Sets / clears the session cookie on `response`: "cartable_session", HttpOnly,
// SameSite=Lax, Path=/, Secure when the request came over TLS (public_url https or
// X-Forwarded-Proto from a trusted proxy).
void SetSessionCookie(http::HttpResponse& response, const WebRequest& request,
                      const std::string& token);
void ClearSessionCookie(http::HttpResponse& response, const WebRequest& request);
// JSON answers of the account API: {"error": code, "message": French text} with `status`.
http::HttpResponse JsonError(int status, const std::string& code);
http::HttpResponse Json(int status, const nlohmann::json& body);

// Where a session at `stage` belongs: "/compte" (kFull), "/connexion/code",
// "/compte/double-authentification", "/compte/mot-de-passe".
std::string_view StageHome(store::SessionStage stage);
// For handlers of kAnyStage rows: nullopt when the request's session is at one of `allowed`,
// else the answer to give (303 to where the stage belongs; 303 /connexion without a session;
// for JSON 401/403 with an error code).
std::optional<http::HttpResponse> RequireStage(const WebRequest& request,
                                               std::initializer_list<store::SessionStage> allowed);
// The French text of a notice code passed to a GET page after a POST as "?info=CODE"
// (SeeOther("/compte?info=password-changed")); Render shows it as <p class="info">. "" when
// unknown (never shows text taken from the URL). Add codes in web.cc's table.
std::string NoticeText(std::string_view code);
// The client as the account service sees it: address and User-Agent (at most 200 bytes).
// The address is HttpRequest::remote_addr: the client's also behind a trusted proxy.
directory::ClientInfo ClientFrom(const http::HttpRequest& request);
// A template or static file embedded at build time ("templates/layout.html",
// "static/cartable.css"); nullptr when absent.
const std::string_view* EmbeddedFile(std::string_view name);

// Small helpers shared by the pages.
std::string QueryParam(const http::HttpRequest& request, std::string_view name);
std::optional<std::string> CookieValue(const http::HttpRequest& request, std::string_view name);
std::string UrlEncode(std::string_view text);  // percent-encodes all but unreserved and '/'
// "/static/cartable.css?v=<content hash>": the URL changes with the file, so it is cached long.
std::string StaticUrl(std::string_view file);
// Whether `path` may be the "suite" of a sign-in: a local path, never "//host" or "/\\host".
bool SuiteIsLocal(std::string_view path);
// "06/12/2026 à 11:45", Europe/Paris time ("jamais" for 0); "2026-12-06T10:45:00Z" for JSON.
std::string FrenchDateTime(store::UnixTime t);
std::string IsoUtc(store::UnixTime t);
// French text of an error code: the shell's own ("csrf", "busy", ...) or FrenchMessage's.
std::string ErrorText(const std::string& code);

// The page table (rows registered by feature files).
class PageTable {
 public:
  void Add(PageRow row) { rows_.push_back(std::move(row)); }
  const PageRow* Find(std::string_view path, std::string_view method) const;
  bool HasPath(std::string_view path) const;
  const std::vector<PageRow>& rows() const { return rows_; }

 private:
  std::vector<PageRow> rows_;
};

// What feature files get to register their rows (App builds it; everything outlives the table).
struct PageContext {
  directory::AccountService& accounts;
  const Config& config;
  // Failed sign-ins per client address ([accounts] address_max_failures): shared with Basic.
  RateLimiter& address_failures;
  // The web application's bundle (issue 13), loaded at start; never null once App built it
  // (a failed load is an AppAssets whose ok() is false).
  std::shared_ptr<const AppAssets> app_assets = {};
};

// Registers every feature's rows (server/web/pages.cc: one line per feature file).
void RegisterPages(PageTable& table, PageContext& context);
// The rows of this feature file (account_pages.cc, account_api.cc): sign-in, sign-out, account,
// password change, devices; the JSON session and "me" API.
void RegisterAccountPages(PageTable& table, PageContext& context);
void RegisterAccountApi(PageTable& table, PageContext& context);
// Self-service (self_service_pages.cc): activation, blocked account, forgotten login and
// password, the reset link, the backup address; JSON POST /api/v1/activation.
void RegisterSelfServicePages(PageTable& table, PageContext& context);
// One-time-code enrolment (otp_pages.cc); app passwords, page and JSON (app_password_pages.cc).
void RegisterOtpPages(PageTable& table, PageContext& context);
void RegisterAppPasswordPages(PageTable& table, PageContext& context);
// The web application's shell pages (app_pages.cc, issue 13): /agenda, /invitations, /taches,
// /annuaire, /contacts, /partage.
void RegisterAppPages(PageTable& table, PageContext& context);
// The Content-Security-Policy of the application pages: the account pages' policy plus
// 'nonce-N' in style-src (FullCalendar 6.1 puts `nonce` on the <style> it injects, read from
// <meta name="csp-nonce">), blob: images, and frame-ancestors from [web] frame_ancestors.
std::string ApplicationCsp(std::string_view nonce, const std::vector<std::string>& frame_ancestors);

// Runs slow work off the reactor threads (the Authenticator's hash pool); false when its queue is
// full (the request then gets 503 + Retry-After).
using SlowRunner = std::function<bool(std::function<void()>)>;

// Serves the page table: resolves the session cookie, enforces Access (no session → 303
// /connexion?suite=…; wrong stage → where the stage says) and CSRF (state-changing requests:
// Sec-Fetch-Site cross-site or a foreign Origin → 403; with the session cookie the session's token
// in the `csrf` field or X-CSRF-Token header; anonymous forms the cartable_csrf cookie's), then
// runs the row, on `slow` (answering later) when the row is slow. Also serves /static/.
class WebFront {
 public:
  WebFront(directory::AccountService& accounts, const PageTable& table, const Config& config,
           SlowRunner slow);
  // Whether `path` is served here (a row of the table, or under /static/ or /app/).
  bool Serves(std::string_view path) const;
  // The bundle served under /app/ (404 there while unset or not loaded).
  void SetAppAssets(std::shared_ptr<const AppAssets> assets) { app_assets_ = std::move(assets); }
  // `basic_user_id`: the user HTTP Basic authenticated (0 = none); honoured for /api/ rows only.
  http::HttpResponse Serve(http::HttpRequest& request, store::Id basic_user_id);

 private:
  http::HttpResponse Run(const PageRow& row, http::HttpRequest& request, store::Id basic_user_id);
  http::HttpResponse Static(const http::HttpRequest& request) const;

  directory::AccountService& accounts_;
  const PageTable& table_;
  const Config& config_;
  SlowRunner slow_;
  std::string origin_;  // from public_url ("" = derived from Host)
  bool secure_ = false;
  std::shared_ptr<const AppAssets> app_assets_;
};

}  // namespace cartable::server::web
