// The account pages: sign-in (password, then the one-time code), sign-out, the account overview,
// the password change (also the forced first change after a NUMEN sign-in) and the devices list
// with "sign out everywhere". French, server-rendered, no JavaScript.
#include "server/web/account_pages.h"

namespace cartable::server::web {
namespace {

using store::SessionStage;

std::string SuiteOf(const WebRequest& request) {
  std::string suite = QueryParam(request.http, "suite");
  return SuiteIsLocal(suite) ? suite : "";
}

// Where a fresh session goes: its stage's page, or `suite` once fully signed in.
std::string Destination(SessionStage stage, const std::string& suite) {
  if (stage == SessionStage::kFull) return suite.empty() ? "/compte" : suite;
  std::string home(StageHome(stage));
  if (stage == SessionStage::kNeedsOtp && !suite.empty()) home += "?suite=" + UrlEncode(suite);
  return home;
}

nlohmann::json SignInPageData(const WebRequest& request, const std::string& identifiant) {
  nlohmann::json data = {{"title", "Connexion"}, {"identifiant", identifiant}};
  std::string suite = SuiteOf(request);
  if (!suite.empty()) data["suite"] = UrlEncode(suite);
  return data;
}

http::HttpResponse TooManyAttempts(const WebRequest& request, unsigned retry_after,
                                   nlohmann::json data) {
  data["error"] = "Trop de tentatives de connexion depuis votre adresse. Réessayez dans " +
                  std::to_string((retry_after + 59) / 60) + " minute" +
                  (retry_after > 60 ? "s" : "") + ".";
  http::HttpResponse r = Render(request, "connexion", std::move(data), 429);
  r.headers.Set("Retry-After", std::to_string(retry_after));
  return r;
}

// ---- /connexion ----

http::HttpResponse SignInForm(PageContext& ctx, WebRequest& request) {
  (void)ctx;
  if (request.session) return SeeOther(Destination(request.session->stage, SuiteOf(request)));
  return Render(request, "connexion", SignInPageData(request, ""));
}

http::HttpResponse SignIn(PageContext& ctx, WebRequest& request) {
  std::string identifiant = request.Field("identifiant");
  std::string password = request.Field("mot_de_passe");
  nlohmann::json data = SignInPageData(request, identifiant);
  if (identifiant.empty() || password.empty()) {
    data["error"] = "Indiquez votre identifiant et votre mot de passe.";
    return Render(request, "connexion", std::move(data), 400);
  }
  // Per client address, before any hashing (design: address_max_failures).
  if (unsigned wait = ctx.address_failures.RetryAfter(request.client.address); wait > 0) {
    return TooManyAttempts(request, wait, std::move(data));
  }
  StartedSession started = StartSession(ctx, request, identifiant, password, std::nullopt);
  if (!started.session) {
    if (started.error == "invalid-credentials") {
      data["error"] = "Identifiant ou mot de passe incorrect.";
      return Render(request, "connexion", std::move(data), 401);
    }
    data["error"] = ErrorText(started.error);
    return Render(request, "connexion", std::move(data), 500);
  }
  http::HttpResponse r = SeeOther(Destination(started.session->session.stage, SuiteOf(request)));
  SetSessionCookie(r, request, started.session->token);
  return r;
}

// ---- /connexion/code ----

http::HttpResponse CodeForm(PageContext&, WebRequest& request) {
  if (auto other = RequireStage(request, {SessionStage::kNeedsOtp})) return *other;
  nlohmann::json data = {{"title", "Code de vérification"}};
  std::string suite = SuiteOf(request);
  if (!suite.empty()) data["suite"] = UrlEncode(suite);
  return Render(request, "connexion-code", std::move(data));
}

http::HttpResponse CheckCode(PageContext& ctx, WebRequest& request) {
  if (auto other = RequireStage(request, {SessionStage::kNeedsOtp})) return *other;
  nlohmann::json data = {{"title", "Code de vérification"}};
  std::string suite = SuiteOf(request);
  if (!suite.empty()) data["suite"] = UrlEncode(suite);
  if (unsigned wait = ctx.address_failures.RetryAfter(request.client.address); wait > 0) {
    data["error"] = "Trop de tentatives depuis votre adresse. Réessayez plus tard.";
    http::HttpResponse r = Render(request, "connexion-code", std::move(data), 429);
    r.headers.Set("Retry-After", std::to_string(wait));
    return r;
  }
  std::string code = request.Field("code");
  if (code.empty() || !ctx.accounts.VerifySecondFactor(request.user->id, code, request.client)) {
    if (!code.empty()) ctx.address_failures.Record(request.client.address);
    data["error"] = "Code incorrect. Vérifiez l'heure de votre téléphone et réessayez.";
    return Render(request, "connexion-code", std::move(data), code.empty() ? 400 : 401);
  }
  // A new session for the new level of trust (a token seen before the code opens nothing more).
  (void)ctx.accounts.EndSession(request.session->id);
  auto session = ctx.accounts.CreateSession(*request.user, SessionStage::kFull, request.client);
  if (!session.ok()) {
    data["error"] = ErrorText("internal");
    return Render(request, "connexion-code", std::move(data), 500);
  }
  http::HttpResponse r = SeeOther(Destination(SessionStage::kFull, suite));
  SetSessionCookie(r, request, session.value().token);
  return r;
}

// ---- /deconnexion ----

http::HttpResponse SignOut(PageContext& ctx, WebRequest& request) {
  http::HttpResponse r = SeeOther("/connexion?info=signed-out");
  if (request.session) {
    (void)ctx.accounts.EndSession(request.session->id);
    ctx.accounts.Audit("sign-out", request.user->id, request.user->login, request.client);
  }
  ClearSessionCookie(r, request);
  return r;
}

// ---- /compte ----

http::HttpResponse Overview(PageContext& ctx, WebRequest& request) {
  const store::User& user = *request.user;
  nlohmann::json data = {
      {"title", "Mon compte"}, {"display_name", user.display_name}, {"login", user.login}};
  // An empty string is "true" for a mustache section: absent keys show "aucune".
  if (!user.email.empty()) data["email"] = user.email;
  auto security = ctx.accounts.store().ThreadSession().GetUserSecurity(user.id);
  if (security.ok()) {
    if (!security.value().backup_email.empty())
      data["backup_email"] = security.value().backup_email;
    data["otp_enrolled"] = !security.value().otp_secret.empty();
  }
  data["otp_required"] = ctx.accounts.OtpRequired(user.id);
  return Render(request, "compte", std::move(data));
}

// ---- /compte/mot-de-passe ----

nlohmann::json PasswordPageData(PageContext& ctx, const WebRequest& request) {
  const directory::PasswordPolicy& policy = ctx.accounts.options().password;
  bool force = request.session && request.session->stage == SessionStage::kMustChange;
  return {{"title", force ? "Choisir mon mot de passe" : "Changer mon mot de passe"},
          {"force", force},
          {"min_length", policy.min_length},
          {"history", policy.history}};
}

http::HttpResponse PasswordForm(PageContext& ctx, WebRequest& request) {
  if (auto other = RequireStage(request, {SessionStage::kFull, SessionStage::kMustChange})) {
    return *other;
  }
  return Render(request, "mot-de-passe", PasswordPageData(ctx, request));
}

http::HttpResponse ChangePassword(PageContext& ctx, WebRequest& request) {
  if (auto other = RequireStage(request, {SessionStage::kFull, SessionStage::kMustChange})) {
    return *other;
  }
  nlohmann::json data = PasswordPageData(ctx, request);
  std::string current = request.Field("actuel");
  std::string fresh = request.Field("nouveau");
  if (current.empty() || fresh.empty()) {
    data["error"] = ErrorText("missing-fields");
    return Render(request, "mot-de-passe", std::move(data), 400);
  }
  if (fresh != request.Field("confirmation")) {
    data["error"] = ErrorText("mismatch");
    return Render(request, "mot-de-passe", std::move(data), 400);
  }
  PasswordChange change = ChangePasswordFor(ctx, request, current, fresh);
  if (!change.error.empty()) {
    data["error"] = change.message;
    http::HttpResponse r = Render(request, "mot-de-passe", std::move(data), change.status);
    if (change.retry_after > 0) r.headers.Set("Retry-After", std::to_string(change.retry_after));
    return r;
  }
  http::HttpResponse r =
      SeeOther(change.stage == SessionStage::kFull ? std::string("/compte?info=password-changed")
                                                   : std::string(StageHome(change.stage)));
  if (!change.token.empty()) SetSessionCookie(r, request, change.token);
  return r;
}

// ---- /compte/appareils ----

// What a person recognises in a User-Agent: "Firefox sur Windows", "Safari sur iPhone",
// "Thunderbird sur Linux". The whole string stays available as the row's title.
std::string DeviceLabel(std::string_view ua) {
  if (ua.empty()) return "Navigateur inconnu";
  auto has = [&](std::string_view s) { return ua.find(s) != std::string_view::npos; };
  // Order matters: Edge and Chrome also say "Safari", Chrome on iOS says "CriOS".
  const char* app = has("Thunderbird")                                  ? "Thunderbird"
                    : has("DAVx5")                                      ? "DAVx⁵"
                    : has("Firefox") || has("FxiOS")                    ? "Firefox"
                    : has("Edg/")                                       ? "Edge"
                    : has("OPR/")                                       ? "Opera"
                    : has("Chrome/") || has("CriOS") || has("Chromium") ? "Chrome"
                    : has("Safari/")                                    ? "Safari"
                                                                        : nullptr;
  const char* os = has("iPhone")                         ? "iPhone"
                   : has("iPad")                         ? "iPad"
                   : has("Android")                      ? "Android"
                   : has("Windows")                      ? "Windows"
                   : has("Mac OS X") || has("Macintosh") ? "macOS"
                   : has("CrOS")                         ? "ChromeOS"
                   : has("Linux")                        ? "Linux"
                                                         : nullptr;
  if (app != nullptr && os != nullptr) return std::string(app) + " sur " + os;
  if (app != nullptr) return app;
  if (os != nullptr) return std::string("Navigateur sur ") + os;
  std::string shown(ua.substr(0, 40));
  return ua.size() > 40 ? shown + "…" : shown;
}

http::HttpResponse Devices(PageContext& ctx, WebRequest& request) {
  auto devices = ctx.accounts.ListDevices(request.user->id, request.session->id);
  if (!devices.ok()) throw std::runtime_error(devices.status().ToString());
  nlohmann::json sessions = nlohmann::json::array();
  nlohmann::json passwords = nlohmann::json::array();
  for (const directory::Device& d : devices.value()) {
    nlohmann::json row = {
        {"id", std::to_string(d.id)},
        {"name", d.kind == directory::Device::Kind::kWebSession ? DeviceLabel(d.name) : d.name},
        {"agent", d.name},
        {"created", FrenchDateTime(d.created_at)},
        {"last_used", FrenchDateTime(d.last_used_at)},
        {"address", d.last_address.empty() ? "—" : d.last_address},
        {"current", d.current}};
    (d.kind == directory::Device::Kind::kWebSession ? sessions : passwords).push_back(row);
  }
  bool has_passwords = !passwords.empty();
  return Render(request, "appareils",
                {{"title", "Appareils connectés"},
                 {"sessions", std::move(sessions)},
                 {"app_passwords", std::move(passwords)},
                 {"has_app_passwords", has_passwords}});
}

http::HttpResponse SignOutEverywhere(PageContext& ctx, WebRequest& request) {
  bool app_passwords = request.Field("mots_de_passe_applications") == "1";
  auto ended = ctx.accounts.EndAllSessions(request.user->id, 0, app_passwords);
  if (!ended.ok()) throw std::runtime_error(ended.status().ToString());
  http::HttpResponse r = SeeOther("/connexion?info=signed-out-everywhere");
  ClearSessionCookie(r, request);
  return r;
}

http::HttpResponse EndOneSession(PageContext& ctx, WebRequest& request) {
  store::Id id = 0;
  try {
    id = std::stoll(request.Field("id"));
  } catch (...) {
  }
  if (!EndOwnSession(ctx, request, id)) {
    return Render(request, "refus",
                  {{"title", "Session introuvable"},
                   {"error", "Cette session n'existe plus ou n'est pas l'une des vôtres."}},
                  404);
  }
  if (id == request.session->id) {
    http::HttpResponse r = SeeOther("/connexion?info=signed-out");
    ClearSessionCookie(r, request);
    return r;
  }
  return SeeOther("/compte/appareils?info=session-ended");
}

}  // namespace

StartedSession StartSession(PageContext& ctx, WebRequest& request, const std::string& login,
                            const std::string& password, const std::optional<std::string>& otp) {
  StartedSession out;
  directory::SignInResult result =
      ctx.accounts.SignIn(directory::Channel::kWeb, login, password, otp, request.client);
  SessionStage stage;
  switch (result.outcome) {
    case directory::SignInOutcome::kOk: stage = SessionStage::kFull; break;
    case directory::SignInOutcome::kNeedsOtp: stage = SessionStage::kNeedsOtp; break;
    case directory::SignInOutcome::kNeedsEnrolment: stage = SessionStage::kNeedsEnrolment; break;
    case directory::SignInOutcome::kMustChange: stage = SessionStage::kMustChange; break;
    case directory::SignInOutcome::kUnavailable:  // the store is down: not a failed sign-in
      out.error = "internal";
      return out;
    default:  // kRefused (kAppPasswordNeeded is Basic's only)
      ctx.address_failures.Record(request.client.address);
      out.error = "invalid-credentials";
      return out;
  }
  out.outcome = result.outcome;
  // A session cookie sent with the sign-in is ended: the new session never reuses a token
  // another party may have planted (session fixation).
  if (request.session) (void)ctx.accounts.EndSession(request.session->id);
  auto session = ctx.accounts.CreateSession(*result.user, stage, request.client);
  if (!session.ok()) {
    out.error = "internal";
    return out;
  }
  out.user = result.user;
  out.session = std::move(session.value());
  return out;
}

PasswordChange ChangePasswordFor(PageContext& ctx, WebRequest& request, const std::string& current,
                                 const std::string& fresh) {
  PasswordChange out;
  // A stolen session must not become a way to guess the password faster than the sign-in.
  if (unsigned wait = ctx.address_failures.RetryAfter(request.client.address); wait > 0) {
    out.status = 429;
    out.error = directory::AccountError::kRateLimited;
    out.message = ErrorText(out.error);
    out.retry_after = wait;
    return out;
  }
  const store::User& user = *request.user;
  store::Id keep = request.session ? request.session->id : 0;
  Status st = ctx.accounts.ChangePassword(user.id, current, fresh, request.client, keep);
  if (!st.ok()) {
    out.error = st.message();
    out.message = ErrorText(out.error);
    out.status = 400;
    if (out.error == directory::AccountError::kWrongPassword) {
      ctx.address_failures.Record(request.client.address);
      out.status = 403;
    } else if (st.code() != Status::Code::kBadRequest) {
      out.error = "internal";
      out.message = ErrorText(out.error);
      out.status = 500;
    }
    return out;
  }
  out.stage = SessionStage::kFull;
  if (!request.session) return out;  // Basic (JSON): no session to move on
  // The forced change is done: the rest of the sign-in applies (a one-time code when the
  // account requires one). The session is replaced: its token was issued to a NUMEN sign-in.
  if (request.session->stage == SessionStage::kMustChange && ctx.accounts.OtpRequired(user.id)) {
    auto security = ctx.accounts.store().ThreadSession().GetUserSecurity(user.id);
    out.stage = security.ok() && !security.value().otp_secret.empty()
                    ? SessionStage::kNeedsOtp
                    : SessionStage::kNeedsEnrolment;
  }
  if (request.session->stage == SessionStage::kMustChange) {
    (void)ctx.accounts.EndSession(request.session->id);
    auto session = ctx.accounts.CreateSession(user, out.stage, request.client);
    if (session.ok()) out.token = session.value().token;
  }
  return out;
}

bool EndOwnSession(PageContext& ctx, WebRequest& request, store::Id id) {
  if (id <= 0) return false;
  auto sessions = ctx.accounts.store().ThreadSession().ListWebSessions(request.user->id);
  if (!sessions.ok()) return false;
  for (const store::WebSession& s : sessions.value()) {
    if (s.id != id) continue;
    if (!ctx.accounts.EndSession(id).ok()) return false;
    ctx.accounts.Audit("sign-out", request.user->id, request.user->login, request.client,
                       "session " + std::to_string(id));
    return true;
  }
  return false;
}

void RegisterAccountPages(PageTable& table, PageContext& ctx) {
  auto bind = [&ctx](http::HttpResponse (*fn)(PageContext&, WebRequest&)) {
    return [&ctx, fn](WebRequest& r) { return fn(ctx, r); };
  };
  table.Add({"/connexion", "GET", Access::kAnonymous, false, bind(SignInForm)});
  table.Add({"/connexion", "POST", Access::kAnonymous, true, bind(SignIn)});
  table.Add({"/connexion/code", "GET", Access::kAnyStage, false, bind(CodeForm)});
  table.Add({"/connexion/code", "POST", Access::kAnyStage, false, bind(CheckCode)});
  table.Add({"/deconnexion", "POST", Access::kAnonymous, false, bind(SignOut)});
  table.Add({"/compte", "GET", Access::kSignedIn, false, bind(Overview)});
  table.Add({"/compte/mot-de-passe", "GET", Access::kAnyStage, false, bind(PasswordForm)});
  table.Add({"/compte/mot-de-passe", "POST", Access::kAnyStage, true, bind(ChangePassword)});
  table.Add({"/compte/appareils", "GET", Access::kSignedIn, false, bind(Devices)});
  table.Add({"/compte/appareils/deconnecter-partout", "POST", Access::kSignedIn, false,
             bind(SignOutEverywhere)});
  table.Add({"/compte/appareils/session", "POST", Access::kSignedIn, false, bind(EndOneSession)});
}

}  // namespace cartable::server::web
