// The JSON account API for the webmail (same session cookie, or HTTP Basic): sign-in and
// sign-out (/api/v1/session), the signed-in person (/api/v1/me), the password change
// (/api/v1/me/password) and the sessions (/api/v1/me/sessions). Errors are
// {"error": code, "message": French text}.
#include "server/web/account_pages.h"

namespace cartable::server::web {
namespace {

using store::SessionStage;

std::string PublicUrl(const PageContext& ctx, std::string_view path) {
  std::string base = ctx.config.public_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + std::string(path);
}

std::optional<nlohmann::json> JsonBody(const WebRequest& request) {
  nlohmann::json body = nlohmann::json::parse(request.http.body, nullptr, false);
  if (!body.is_object()) return std::nullopt;
  return body;
}

http::HttpResponse ApiSignIn(PageContext& ctx, WebRequest& request) {
  std::optional<nlohmann::json> body = JsonBody(request);
  if (!body) return JsonError(400, "invalid-json");
  std::string login = request.Field("login");
  std::string password = request.Field("password");
  if (login.empty() || password.empty()) return JsonError(400, "missing-fields");
  std::optional<std::string> otp;
  if (std::string code = request.Field("otp"); !code.empty()) otp = code;
  if (unsigned wait = ctx.address_failures.RetryAfter(request.client.address); wait > 0) {
    http::HttpResponse r = JsonError(429, directory::AccountError::kRateLimited);
    r.headers.Set("Retry-After", std::to_string(wait));
    return r;
  }
  StartedSession started = StartSession(ctx, request, login, password, otp);
  if (!started.session) {
    return JsonError(started.error == "internal" ? 500 : 401, started.error);
  }
  // Only a full sign-in gets a cookie: the other stages are finished on the web pages.
  SessionStage stage = started.session->session.stage;
  if (stage != SessionStage::kFull) {
    (void)ctx.accounts.EndSession(started.session->session.id);
    std::string code = stage == SessionStage::kNeedsOtp         ? "otp-required"
                       : stage == SessionStage::kNeedsEnrolment ? "enrolment-required"
                                                                : "password-change-required";
    nlohmann::json answer = {{"error", code}, {"message", ErrorText(code)}};
    if (stage != SessionStage::kNeedsOtp) answer["url"] = PublicUrl(ctx, "/connexion");
    return Json(401, answer);
  }
  http::HttpResponse r = Json(200, {{"login", started.user->login},
                                    {"display_name", started.user->display_name},
                                    {"csrf_token", started.session->session.csrf_token}});
  SetSessionCookie(r, request, started.session->token);
  return r;
}

http::HttpResponse ApiSignOut(PageContext& ctx, WebRequest& request) {
  http::HttpResponse r = Json(204, nullptr);
  if (request.session) {
    (void)ctx.accounts.EndSession(request.session->id);
    ctx.accounts.Audit("sign-out", request.user->id, request.user->login, request.client);
    ClearSessionCookie(r, request);
  }
  return r;
}

http::HttpResponse ApiMe(PageContext& ctx, WebRequest& request) {
  const store::User& user = *request.user;
  nlohmann::json me = {{"login", user.login},
                       {"display_name", user.display_name},
                       {"email", user.email},
                       {"otp_required", ctx.accounts.OtpRequired(user.id)}};
  auto security = ctx.accounts.store().ThreadSession().GetUserSecurity(user.id);
  if (!security.ok()) return JsonError(500, "internal");
  me["role"] = security.value().role == store::Role::kAdmin ? "admin" : "user";
  me["otp_enrolled"] = !security.value().otp_secret.empty();
  me["backup_email"] = security.value().backup_email;
  if (request.session) me["csrf_token"] = request.session->csrf_token;
  return Json(200, me);
}

http::HttpResponse ApiPassword(PageContext& ctx, WebRequest& request) {
  if (!JsonBody(request)) return JsonError(400, "invalid-json");
  std::string current = request.Field("current");
  std::string fresh = request.Field("new");
  if (current.empty() || fresh.empty()) return JsonError(400, "missing-fields");
  PasswordChange change = ChangePasswordFor(ctx, request, current, fresh);
  if (!change.error.empty()) {
    http::HttpResponse r = JsonError(change.status, change.error);
    if (change.retry_after > 0) r.headers.Set("Retry-After", std::to_string(change.retry_after));
    return r;
  }
  return Json(204, nullptr);
}

http::HttpResponse ApiSessions(PageContext& ctx, WebRequest& request) {
  store::Id current = request.session ? request.session->id : 0;
  auto devices = ctx.accounts.ListDevices(request.user->id, current);
  if (!devices.ok()) return JsonError(500, "internal");
  nlohmann::json sessions = nlohmann::json::array();
  for (const directory::Device& d : devices.value()) {
    if (d.kind != directory::Device::Kind::kWebSession) continue;
    sessions.push_back({{"id", d.id},
                        {"device", d.name},
                        {"created_at", IsoUtc(d.created_at)},
                        {"last_seen_at", IsoUtc(d.last_used_at)},
                        {"address", d.last_address},
                        {"current", d.current}});
  }
  return Json(200, {{"sessions", std::move(sessions)}});
}

// DELETE ?id=N ends that session (404 when it is not one of the caller's); without id, every
// session but the caller's ("sign out everywhere else").
http::HttpResponse ApiEndSessions(PageContext& ctx, WebRequest& request) {
  std::string id_text = QueryParam(request.http, "id");
  if (!id_text.empty()) {
    store::Id id = 0;
    try {
      id = std::stoll(id_text);
    } catch (...) {
    }
    if (!EndOwnSession(ctx, request, id)) return JsonError(404, "not-found");
    http::HttpResponse r = Json(204, nullptr);
    if (request.session && id == request.session->id) ClearSessionCookie(r, request);
    return r;
  }
  store::Id keep = request.session ? request.session->id : 0;
  auto ended = ctx.accounts.EndAllSessions(request.user->id, keep, false);
  if (!ended.ok()) return JsonError(500, "internal");
  return Json(200, {{"ended", ended.value()}});
}

}  // namespace

void RegisterAccountApi(PageTable& table, PageContext& ctx) {
  auto bind = [&ctx](http::HttpResponse (*fn)(PageContext&, WebRequest&)) {
    return [&ctx, fn](WebRequest& r) { return fn(ctx, r); };
  };
  table.Add({"/api/v1/session", "POST", Access::kAnonymous, true, bind(ApiSignIn)});
  table.Add({"/api/v1/session", "DELETE", Access::kAnyStage, false, bind(ApiSignOut)});
  table.Add({"/api/v1/me", "GET", Access::kSignedIn, false, bind(ApiMe)});
  table.Add({"/api/v1/me/password", "POST", Access::kSignedIn, true, bind(ApiPassword)});
  table.Add({"/api/v1/me/sessions", "GET", Access::kSignedIn, false, bind(ApiSessions)});
  table.Add({"/api/v1/me/sessions", "DELETE", Access::kSignedIn, false, bind(ApiEndSessions)});
}

}  // namespace cartable::server::web
