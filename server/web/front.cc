// WebFront (web.h): the seam between the transport and the page table. Resolves the session,
// enforces Access and CSRF in one place (so that no page can forget them), serves /static/, and
// runs slow rows (Argon2id) on the hash pool, answering through the transport's deferred
// responses: a reactor thread never hashes a password.
#include <sodium.h>

#include <algorithm>

#include "server/web/app_assets.h"
#include "server/web/web.h"

namespace cartable::server::web {
namespace {

constexpr const char* kSessionCookie = "cartable_session";
constexpr const char* kCsrfCookie = "cartable_csrf";
// Seconds a client is asked to wait when the hash pool's queue is full.
constexpr int kBusyRetryAfterSeconds = 1;

bool IsSafeMethod(std::string_view method) { return method == "GET" || method == "HEAD"; }

// Cookie values we issue are base32 tokens; anything else is ignored rather than looked up.
bool LooksLikeToken(std::string_view v) {
  if (v.empty() || v.size() > 128) return false;
  return std::all_of(v.begin(), v.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  });
}

// Constant-time comparison of two tokens (the CSRF token is a secret of the page).
bool SameToken(std::string_view a, std::string_view b) {
  if (a.empty() || a.size() != b.size()) return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

// "https://host[:port]" of public_url ("" when unset or not a URL).
std::string OriginOf(const std::string& url) {
  size_t scheme = url.find("://");
  if (scheme == std::string::npos) return "";
  size_t end = url.find('/', scheme + 3);
  std::string origin = url.substr(0, end);
  std::transform(origin.begin(), origin.end(), origin.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return origin;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view ContentTypeOf(std::string_view name) {
  if (name.ends_with(".css")) return "text/css; charset=utf-8";
  if (name.ends_with(".svg")) return "image/svg+xml";
  if (name.ends_with(".png")) return "image/png";
  if (name.ends_with(".ico")) return "image/x-icon";
  if (name.ends_with(".txt")) return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

// A local path to go back to after signing in: "/…", never "//host" or "/\host" (an open
// redirect to another site), nor control characters.
bool IsLocalPath(std::string_view path) {
  if (path.empty() || path.front() != '/' || path.size() > 1000) return false;
  if (path.size() > 1 && (path[1] == '/' || path[1] == '\\')) return false;
  return std::none_of(path.begin(), path.end(),
                      [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == '\\'; });
}

http::HttpResponse Refused(const WebRequest& request, const std::string& code) {
  if (request.via_json) return JsonError(403, code);
  return Render(request, "refus", {{"title", "Requête refusée"}, {"error", ErrorText(code)}}, 403);
}

http::HttpResponse Busy(const WebRequest& request) {
  http::HttpResponse r =
      request.via_json ? JsonError(503, "busy")
                       : Render(request, "refus",
                                {{"title", "Serveur occupé"}, {"error", ErrorText("busy")}}, 503);
  r.headers.Set("Retry-After", std::to_string(kBusyRetryAfterSeconds));
  return r;
}

// Runs a row's handler; an exception (a store failure escaping a page) becomes a 500 page.
http::HttpResponse RunHandler(const PageRow& row, WebRequest& request) {
  try {
    return row.handler(request);
  } catch (...) {
    if (request.via_json) return JsonError(500, "internal");
    return Render(request, "refus", {{"title", "Erreur"}, {"error", ErrorText("internal")}}, 500);
  }
}

}  // namespace

bool SuiteIsLocal(std::string_view path) { return IsLocalPath(path); }

WebFront::WebFront(directory::AccountService& accounts, const PageTable& table,
                   const Config& config, SlowRunner slow)
    : accounts_(accounts),
      table_(table),
      config_(config),
      slow_(std::move(slow)),
      origin_(OriginOf(config.public_url)),
      // Cookies are Secure when the public URL is https, and per request when a trusted proxy
      // says the client used https (HttpRequest::secure, server/forwarded.h).
      secure_(Lower(config.public_url).starts_with("https://")) {}

bool WebFront::Serves(std::string_view path) const {
  return path.starts_with("/static/") || path.starts_with("/app/") || table_.HasPath(path);
}

http::HttpResponse WebFront::Serve(http::HttpRequest& request, store::Id basic_user_id) {
  if (request.path.starts_with("/static/")) return Static(request);
  if (request.path.starts_with("/app/")) {
    if (app_assets_) return app_assets_->Serve(request);
    return http::HttpResponse::Text(404, "Not found.\n");
  }
  const PageRow* row = table_.Find(request.path, request.method);
  if (row == nullptr) {
    WebRequest wr{request, ClientFrom(request)};
    wr.via_json = request.path.starts_with("/api/");
    if (!table_.HasPath(request.path)) {
      return wr.via_json ? JsonError(404, "not-found")
                         : http::HttpResponse::Text(404, "Not found.\n");
    }
    std::string allow;
    for (const PageRow& r : table_.rows()) {
      if (!r.Covers(request.path)) continue;
      allow += (allow.empty() ? "" : ", ") + r.method;
      if (r.method == "GET") allow += ", HEAD";
    }
    http::HttpResponse r = wr.via_json ? JsonError(405, "method-not-allowed")
                                       : http::HttpResponse::Text(405, "Method Not Allowed\n");
    r.headers.Set("Allow", allow);
    return r;
  }
  return Run(*row, request, basic_user_id);
}

// Everything a row needs checked before its handler runs, in this order: the request's origin
// (state-changing requests only), who is asking (Basic for JSON, else the session cookie), the
// row's Access, then the CSRF token.
http::HttpResponse WebFront::Run(const PageRow& row, http::HttpRequest& request,
                                 store::Id basic_user_id) {
  WebRequest wr{request, ClientFrom(request)};
  wr.via_json = request.path.starts_with("/api/");
  wr.secure = secure_ || request.secure;
  const bool changes_state = !IsSafeMethod(request.method);

  // A browser tells where a request comes from (Fetch Metadata, Origin): a state-changing request
  // from another site is refused whatever it carries (SameSite=Lax already keeps the session
  // cookie off cross-site POSTs; this also covers login CSRF and Basic credentials cached by a
  // browser).
  if (changes_state) {
    if (auto site = request.headers.Get("Sec-Fetch-Site");
        site && http::EqualsIgnoreCase(http::Trim(*site), "cross-site")) {
      return Refused(wr, "cross-site");
    }
    if (auto origin = request.headers.Get("Origin"); origin && http::Trim(*origin) != "null") {
      std::string ours = origin_;
      if (ours.empty()) {
        std::string host(request.headers.Get("Host").value_or(""));
        ours = (wr.secure ? "https://" : "http://") + Lower(host);
      }
      if (Lower(http::Trim(*origin)) != ours) return Refused(wr, "cross-site");
    } else if (origin) {  // "Origin: null": a sandboxed or privacy-sensitive context
      return Refused(wr, "cross-site");
    }
  }

  store::Session& db = accounts_.store().ThreadSession();
  std::optional<std::string> cookie = CookieValue(request, kSessionCookie);
  bool stale_cookie = false;
  if (wr.via_json && basic_user_id != 0) {
    auto user = db.GetUserById(basic_user_id);
    if (user.ok() && user.value().state == store::UserState::kActive) {
      wr.user = std::move(user.value());
      wr.basic = true;
    } else {
      return JsonError(401, "authentication-required");
    }
  } else if (cookie && LooksLikeToken(*cookie)) {
    wr.session = accounts_.ResolveSession(*cookie, wr.client);
    if (wr.session) {
      auto user = db.GetUserById(wr.session->user_id);
      if (user.ok()) {
        wr.user = std::move(user.value());
      } else {
        wr.session.reset();
      }
    }
    stale_cookie = !wr.session;
  } else if (cookie) {
    stale_cookie = true;
  }

  // Access.
  if (row.access != Access::kAnonymous && !wr.session && !wr.basic) {
    if (wr.via_json) return JsonError(401, "authentication-required");
    std::string target = request.path;
    if (!request.query.empty()) target += "?" + request.query;
    http::HttpResponse r =
        SeeOther(IsSafeMethod(request.method) ? "/connexion?suite=" + UrlEncode(target) +
                                                    (stale_cookie ? "&info=session-expired" : "")
                                              : std::string("/connexion"));
    if (stale_cookie) ClearSessionCookie(r, wr);
    return r;
  }
  if (row.access == Access::kSignedIn && wr.session &&
      wr.session->stage != store::SessionStage::kFull) {
    if (wr.via_json) return *RequireStage(wr, {store::SessionStage::kFull});
    return SeeOther(StageHome(wr.session->stage));
  }

  // CSRF. With the session cookie: the session's token (form field or header). Anonymous forms:
  // the cartable_csrf cookie's (double submit: another site can neither read nor set it). JSON
  // without the cookie (anonymous or Basic) carries no ambient credential to abuse; it must be
  // JSON, which a cross-site form cannot send without a CORS preflight we never grant.
  std::optional<std::string> anon = CookieValue(request, kCsrfCookie);
  if (wr.session) {
    wr.csrf = wr.session->csrf_token;
  } else if (!wr.via_json) {
    if (anon && LooksLikeToken(*anon)) {
      wr.csrf = *anon;
    } else {
      wr.csrf = directory::RandomToken(20);
      wr.new_csrf_cookie = true;
    }
  }
  if (changes_state) {
    if (wr.via_json) {
      auto type = request.headers.Get("Content-Type");
      const std::string media = type ? Lower(http::Trim(*type)) : "";
      if (!request.body.empty() && !media.starts_with("application/json") &&
          (row.other_body_type.empty() || !media.starts_with(row.other_body_type))) {
        return JsonError(415, "unsupported-media-type");
      }
      // Signing in (an anonymous row) needs no token: the origin checks above cover it.
      if (wr.session && !wr.basic && row.access != Access::kAnonymous &&
          !SameToken(request.headers.Get("X-CSRF-Token").value_or(""), wr.session->csrf_token)) {
        return JsonError(403, "csrf");
      }
    } else {
      std::string sent = wr.Field("csrf");
      bool ok = SameToken(sent, wr.csrf) ||
                (row.access == Access::kAnonymous && anon && SameToken(sent, *anon));
      if (!ok) return Refused(wr, "csrf");
    }
  }

  auto finish = [stale_cookie](WebRequest& w, http::HttpResponse& r) {
    if (!stale_cookie) return;
    for (const auto& [name, value] : r.headers.All()) {
      if (http::EqualsIgnoreCase(name, "Set-Cookie") && value.starts_with(kSessionCookie)) return;
    }
    ClearSessionCookie(r, w);  // a cookie that names no live session is forgotten
  };

  if (!row.slow || !request.deliver_later || !slow_) {
    http::HttpResponse r = RunHandler(row, wr);
    finish(wr, r);
    return r;
  }
  // Slow: the handler runs on the hash pool with its own copy of the request; the transport
  // parks the connection until the response is delivered.
  auto held = std::make_shared<http::HttpRequest>(request);
  held->deliver_later = nullptr;
  http::DeliverResponse deliver = request.deliver_later;
  auto job = [held, deliver, handler = row.handler, access = row.access, finish, client = wr.client,
              session = wr.session, user = wr.user, via_json = wr.via_json, secure = wr.secure,
              csrf = wr.csrf, new_csrf = wr.new_csrf_cookie, basic = wr.basic]() mutable {
    WebRequest w{*held, client, session, user};
    w.via_json = via_json;
    w.secure = secure;
    w.csrf = csrf;
    w.new_csrf_cookie = new_csrf;
    w.basic = basic;
    PageRow row{"", "", access, true, handler};
    http::HttpResponse r = RunHandler(row, w);
    finish(w, r);
    deliver(std::move(r));
  };
  if (!slow_(std::move(job))) return Busy(wr);
  return http::HttpResponse::Later();
}

// Embedded static files: long-lived (the pages link them with a version in the URL), with an
// ETag for revalidation.
http::HttpResponse WebFront::Static(const http::HttpRequest& request) const {
  if (!IsSafeMethod(request.method)) {
    http::HttpResponse r = http::HttpResponse::Text(405, "Method Not Allowed\n");
    r.headers.Set("Allow", "GET, HEAD");
    return r;
  }
  std::string name = "static/" + request.path.substr(8);
  const std::string_view* bytes =
      request.path.find("..") == std::string::npos ? EmbeddedFile(name) : nullptr;
  if (bytes == nullptr) return http::HttpResponse::Text(404, "Not found.\n");
  std::string etag = StrongETag(*bytes);
  http::HttpResponse r;
  r.headers.Set("ETag", etag);
  r.headers.Set("Cache-Control", "public, max-age=31536000, immutable");
  r.headers.Set("X-Content-Type-Options", "nosniff");
  auto match = request.headers.Get("If-None-Match");
  if (match && (http::Trim(*match) == "*" || match->find(etag) != std::string_view::npos)) {
    r.status = 304;
    return r;
  }
  r.headers.Set("Content-Type", std::string(ContentTypeOf(name)));
  r.body = std::string(*bytes);
  return r;
}

}  // namespace cartable::server::web
