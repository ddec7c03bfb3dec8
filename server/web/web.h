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
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "directory/account_service.h"
#include "server/http/message.h"

namespace cartable::server::web {

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
  directory::ClientInfo client;              // address (trusted proxies applied) + UA
  std::optional<store::WebSession> session;  // resolved from the cookie, if any
  std::optional<store::User> user;           // the session's user
  // Form fields (application/x-www-form-urlencoded body of a POST, or the query of a GET).
  std::string Field(std::string_view name) const;
  bool via_json = false;  // the JSON API rather than a form
};

using PageHandler = std::function<http::HttpResponse(WebRequest&)>;

struct PageRow {
  std::string path;    // exact path: "/connexion"
  std::string method;  // "GET" or "POST" (HEAD follows GET)
  Access access = Access::kAnonymous;
  bool slow = false;  // runs Argon2id: executed on the hash pool
  PageHandler handler;
};

// Renders `page` (templates/<page>.html, mustache) inside the layout (templates/layout.html):
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

// The page table (rows registered by feature files).
class PageTable {
 public:
  void Add(PageRow row) { rows_.push_back(std::move(row)); }
  const PageRow* Find(std::string_view path, std::string_view method) const;
  bool HasPath(std::string_view path) const;

 private:
  std::vector<PageRow> rows_;
};

}  // namespace cartable::server::web
