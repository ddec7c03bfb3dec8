// The page shell (web.h): rendering, cookies, forms, JSON answers, the page table.
//
// Templates use mustache through Debian's libkainjow-mustache-dev (header-only): the templates
// are logic-less, so no page can hide code in its HTML, and every {{value}} is HTML-escaped by
// default: a name or an error text cannot inject markup. Only the layout's {{{content}}} (the
// page already rendered, itself escaped) is inserted raw.
#include "server/web/web.h"

#include <sodium.h>

#include <algorithm>
#include <cstdio>
#include <kainjow/mustache.hpp>
#include <map>
#include <mutex>

namespace cartable::server::web {

// Generated at build time by embed_web.cmake (web_files_data.cc).
const std::map<std::string, std::string_view, std::less<>>& EmbeddedWebFiles();

namespace {

namespace mustache = kainjow::mustache;

// Strict by default: our own origin only, nothing inline (no script, no style attribute), no
// plug-ins, no framing, forms post to us only (CSP Level 3).
constexpr const char* kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

constexpr const char* kSessionCookie = "cartable_session";
constexpr const char* kCsrfCookie = "cartable_csrf";

mustache::data ToMustache(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::object: {
      mustache::data d{mustache::data::type::object};
      for (const auto& [key, item] : value.items()) d.set(key, ToMustache(item));
      return d;
    }
    case nlohmann::json::value_t::array: {
      mustache::data d{mustache::data::type::list};
      for (const auto& item : value) d.push_back(ToMustache(item));
      return d;
    }
    case nlohmann::json::value_t::string: return mustache::data{value.get<std::string>()};
    case nlohmann::json::value_t::boolean: return mustache::data{value.get<bool>()};
    case nlohmann::json::value_t::null:
    case nlohmann::json::value_t::discarded: return mustache::data{false};
    default:  // numbers
      return mustache::data{value.dump()};
  }
}

// Renders an embedded template; the error names the template (a build-time file: a broken one
// is a bug, caught by the tests that render every page).
std::optional<std::string> RenderTemplate(std::string_view name, const mustache::data& data,
                                          std::string* error) {
  const std::string_view* text = EmbeddedFile("templates/" + std::string(name) + ".html");
  if (text == nullptr) {
    *error = "no template " + std::string(name);
    return std::nullopt;
  }
  mustache::mustache tmpl{std::string(*text)};
  if (!tmpl.is_valid()) {
    *error = std::string(name) + ": " + tmpl.error_message();
    return std::nullopt;
  }
  return tmpl.render(data);
}

// Hex BLAKE2b of an embedded static file, for its ETag and the cache-busting "?v=" of its URL.
std::string FileVersion(std::string_view bytes) {
  unsigned char out[16];
  crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(bytes.data()),
                     bytes.size(), nullptr, 0);
  static const char* kHex = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : out) {
    hex.push_back(kHex[c >> 4]);
    hex.push_back(kHex[c & 15]);
  }
  return hex;
}

std::string CookieAttributes(bool secure) {
  return std::string("; Path=/; HttpOnly; SameSite=Lax") + (secure ? "; Secure" : "");
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// application/x-www-form-urlencoded decoding ('+' is a space; a bad escape is kept as is).
std::string FormDecode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out.push_back(' ');
    } else if (in[i] == '%' && i + 2 < in.size() && HexValue(in[i + 1]) >= 0 &&
               HexValue(in[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(in[i + 1]) * 16 + HexValue(in[i + 2])));
      i += 2;
    } else {
      out.push_back(in[i]);
    }
  }
  return out;
}

// Notices shown after a POST/redirect/GET ("?info=CODE"). Codes only: a URL never puts its own
// text on a page.
const std::map<std::string, std::string, std::less<>>& Notices() {
  static const std::map<std::string, std::string, std::less<>> kNotices = {
      {"signed-out", "Vous êtes déconnecté."},
      {"signed-out-everywhere",
       "Vous êtes déconnecté de tous vos appareils. Connectez-vous à nouveau."},
      {"password-changed", "Votre mot de passe a été changé."},
      {"session-ended", "La session a été fermée."},
      {"sessions-ended", "Vos autres sessions ont été fermées."},
      {"activated", "Votre compte est activé. Connectez-vous avec votre nouveau mot de passe."},
      {"password-reset",
       "Votre mot de passe a été réinitialisé. Connectez-vous avec le nouveau mot de passe."},
      {"account-unblocked",
       "Votre compte est débloqué. Connectez-vous avec votre nouveau mot de passe."},
      {"backup-email-sent", "Un lien de confirmation a été envoyé à cette adresse."},
      {"backup-email-confirmed", "Votre adresse de secours est confirmée."},
      {"otp-enrolled", "La double authentification est activée."},
      {"otp-removed", "La double authentification est désactivée."},
      {"app-password-revoked", "Le mot de passe d'application a été révoqué."},
      {"session-expired", "Votre session a expiré. Connectez-vous à nouveau."},
  };
  return kNotices;
}

// French texts of the shell's own error codes (the account service's come from FrenchMessage).
const std::map<std::string, std::string, std::less<>>& ShellErrors() {
  static const std::map<std::string, std::string, std::less<>> kErrors = {
      {"authentication-required", "Connectez-vous d'abord."},
      {"csrf",
       "Requête refusée : elle ne vient pas d'une page de Cartable. Rechargez la page "
       "et recommencez."},
      {"cross-site", "Requête refusée : elle vient d'un autre site."},
      {"invalid-json", "Le corps de la requête n'est pas un objet JSON valide."},
      {"unsupported-media-type", "Le corps de la requête doit être du JSON (application/json)."},
      {"busy", "Le serveur est très sollicité ; réessayez dans un instant."},
      {"invalid-credentials", "Identifiant ou mot de passe incorrect."},
      {"otp-required", "Indiquez le code à usage unique de votre application."},
      {"password-change-required",
       "Vous devez d'abord choisir un mot de passe personnel, depuis la page web de Cartable."},
      {"enrolment-required",
       "Vous devez d'abord activer la double authentification, depuis la page web de Cartable."},
      {"not-found", "Introuvable."},
      {"method-not-allowed", "Méthode non autorisée."},
      {"internal", "Erreur interne du serveur."},
      {"mismatch", "Les deux saisies du nouveau mot de passe diffèrent."},
      {"missing-fields", "Remplissez tous les champs."},
  };
  return kErrors;
}

// The signed-in person's navigation (layout.html): the web application's areas, then the
// account. aria-current="page" marks where they are (/compte covers the account's sub-pages).
nlohmann::json Navigation(std::string_view path) {
  static const std::pair<const char*, const char*> kItems[] = {
      {"/agenda", "Agenda"},     {"/invitations", "Invitations"}, {"/taches", "Tâches"},
      {"/annuaire", "Annuaire"}, {"/contacts", "Contacts"},       {"/partage", "Partage"},
      {"/compte", "Mon compte"},
  };
  nlohmann::json items = nlohmann::json::array();
  for (const auto& [href, label] : kItems) {
    std::string_view h = href;
    bool current =
        path == h || (path.starts_with(h) && path.size() > h.size() && path[h.size()] == '/');
    items.push_back({{"href", href}, {"label", label}, {"current", current}});
  }
  return items;
}

void SetSecurityHeaders(http::HttpResponse& r) {
  r.headers.Set("Cache-Control", "no-store");
  r.headers.Set("X-Content-Type-Options", "nosniff");
  r.headers.Set("Referrer-Policy", "same-origin");
}

}  // namespace

const std::string_view* EmbeddedFile(std::string_view name) {
  const auto& files = EmbeddedWebFiles();
  auto it = files.find(name);
  return it == files.end() ? nullptr : &it->second;
}

std::string WebRequest::Field(std::string_view name) const {
  if (via_json) {
    nlohmann::json body = nlohmann::json::parse(http.body, nullptr, /*allow_exceptions=*/false);
    if (!body.is_object()) return "";
    auto it = body.find(name);
    return it != body.end() && it->is_string() ? it->get<std::string>() : "";
  }
  bool from_body = http.method == "POST";
  std::string_view source = from_body ? std::string_view(http.body) : std::string_view(http.query);
  while (!source.empty()) {
    size_t amp = source.find('&');
    std::string_view pair = source.substr(0, amp);
    source = amp == std::string_view::npos ? std::string_view() : source.substr(amp + 1);
    size_t eq = pair.find('=');
    if (FormDecode(pair.substr(0, eq)) != name) continue;
    return eq == std::string_view::npos ? "" : FormDecode(pair.substr(eq + 1));
  }
  return "";
}

std::string QueryParam(const http::HttpRequest& request, std::string_view name) {
  std::string_view source = request.query;
  while (!source.empty()) {
    size_t amp = source.find('&');
    std::string_view pair = source.substr(0, amp);
    source = amp == std::string_view::npos ? std::string_view() : source.substr(amp + 1);
    size_t eq = pair.find('=');
    if (FormDecode(pair.substr(0, eq)) != name) continue;
    return eq == std::string_view::npos ? "" : FormDecode(pair.substr(eq + 1));
  }
  return "";
}

std::optional<std::string> CookieValue(const http::HttpRequest& request, std::string_view name) {
  for (const auto& [header, value] : request.headers.All()) {
    if (!http::EqualsIgnoreCase(header, "Cookie")) continue;
    std::string_view rest = value;
    while (!rest.empty()) {
      size_t semi = rest.find(';');
      std::string_view pair = http::Trim(rest.substr(0, semi));
      rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
      size_t eq = pair.find('=');
      if (eq == std::string_view::npos || http::Trim(pair.substr(0, eq)) != name) continue;
      std::string_view v = http::Trim(pair.substr(eq + 1));
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      return std::string(v);
    }
  }
  return std::nullopt;
}

std::string UrlEncode(std::string_view in) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : in) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~' || c == '/') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string StaticUrl(std::string_view file) {
  static std::mutex mu;
  static std::map<std::string, std::string, std::less<>> versions;
  std::lock_guard<std::mutex> lock(mu);
  auto it = versions.find(file);
  if (it == versions.end()) {
    const std::string_view* bytes = EmbeddedFile("static/" + std::string(file));
    std::string v = bytes ? FileVersion(*bytes).substr(0, 12) : "0";
    it = versions.emplace(std::string(file), std::move(v)).first;
  }
  return "/static/" + std::string(file) + "?v=" + it->second;
}

std::string StaticETag(std::string_view bytes) { return "\"" + FileVersion(bytes) + "\""; }

http::HttpResponse Render(const WebRequest& request, std::string_view page, nlohmann::json data,
                          int status) {
  if (!data.is_object()) data = nlohmann::json::object();
  if (!data.contains("title")) data["title"] = "Cartable";
  data["csrf"] = request.csrf;
  data["css"] = StaticUrl("cartable.css");
  data["favicon"] = StaticUrl("favicon.svg");
  if (request.user && (!request.session || request.session->stage == store::SessionStage::kFull)) {
    data["user"] = {{"display_name", request.user->display_name}, {"login", request.user->login}};
    data["nav"] = Navigation(request.http.path);
  }
  if (!data.contains("notice")) {
    std::string notice = NoticeText(QueryParam(request.http, "info"));
    if (!notice.empty()) data["notice"] = notice;
  }
  mustache::data view = ToMustache(data);
  std::string error;
  std::optional<std::string> content = RenderTemplate(page, view, &error);
  std::optional<std::string> messages = RenderTemplate("messages", view, &error);
  std::optional<std::string> html;
  if (content && messages) {
    // A page template may start with its own <h1>: the error and notice then follow it; else
    // the layout writes <h1>{{title}}</h1> and the messages.
    size_t heading_end = content->find("</h1>");
    if (heading_end != std::string::npos) {
      size_t line_end = content->find('\n', heading_end);
      size_t at = line_end == std::string::npos ? heading_end + 5 : line_end + 1;
      content->insert(at, *messages);
      view.set("own_heading", true);
    } else {
      view.set("messages", *messages);
    }
    view.set("content", *content);
    html = RenderTemplate("layout", view, &error);
  }
  http::HttpResponse r;
  if (!html) {
    r = http::HttpResponse::Text(500, "Erreur interne (gabarit " + error + ").\n");
  } else {
    r.status = status;
    r.body = std::move(*html);
    r.headers.Set("Content-Type", "text/html; charset=utf-8");
  }
  SetSecurityHeaders(r);
  r.headers.Set("Content-Security-Policy", kContentSecurityPolicy);
  r.headers.Set("X-Frame-Options", "DENY");
  if (request.new_csrf_cookie && !request.csrf.empty()) {
    r.headers.Add("Set-Cookie",
                  std::string(kCsrfCookie) + "=" + request.csrf + CookieAttributes(request.secure));
  }
  return r;
}

std::string ApplicationCsp(std::string_view nonce,
                           const std::vector<std::string>& frame_ancestors) {
  std::string ancestors;
  for (const std::string& origin : frame_ancestors) {
    ancestors += (ancestors.empty() ? "" : " ") + origin;
  }
  return "default-src 'self'; script-src 'self'; style-src 'self' 'nonce-" + std::string(nonce) +
         "'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
         "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors " +
         (ancestors.empty() ? std::string("'none'") : ancestors);
}

http::HttpResponse SeeOther(std::string_view path) {
  http::HttpResponse r;
  r.status = 303;
  r.headers.Set("Location", std::string(path));
  r.headers.Set("Content-Type", "text/plain; charset=utf-8");
  r.body = "Voir " + std::string(path) + "\n";
  SetSecurityHeaders(r);
  return r;
}

void SetSessionCookie(http::HttpResponse& response, const WebRequest& request,
                      const std::string& token) {
  response.headers.Add(
      "Set-Cookie", std::string(kSessionCookie) + "=" + token + CookieAttributes(request.secure));
}

void ClearSessionCookie(http::HttpResponse& response, const WebRequest& request) {
  response.headers.Add("Set-Cookie", std::string(kSessionCookie) + "=" +
                                         CookieAttributes(request.secure) +
                                         "; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT");
}

std::string ErrorText(const std::string& code) {
  auto it = ShellErrors().find(code);
  return it != ShellErrors().end() ? it->second : directory::FrenchMessage(code);
}

http::HttpResponse JsonError(int status, const std::string& code) {
  return Json(status, {{"error", code}, {"message", ErrorText(code)}});
}

http::HttpResponse Json(int status, const nlohmann::json& body) {
  http::HttpResponse r;
  r.status = status;
  if (status != 204) {
    r.headers.Set("Content-Type", "application/json; charset=utf-8");
    r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  }
  SetSecurityHeaders(r);
  return r;
}

std::string NoticeText(std::string_view code) {
  auto it = Notices().find(code);
  return it == Notices().end() ? "" : it->second;
}

std::string_view StageHome(store::SessionStage stage) {
  switch (stage) {
    case store::SessionStage::kFull: return "/compte";
    case store::SessionStage::kNeedsOtp: return "/connexion/code";
    case store::SessionStage::kNeedsEnrolment: return "/compte/double-authentification";
    case store::SessionStage::kMustChange: return "/compte/mot-de-passe";
  }
  return "/compte";
}

std::string StageError(store::SessionStage stage) {
  switch (stage) {
    case store::SessionStage::kNeedsOtp: return "otp-required";
    case store::SessionStage::kNeedsEnrolment: return "enrolment-required";
    case store::SessionStage::kMustChange: return "password-change-required";
    case store::SessionStage::kFull: break;
  }
  return "authentication-required";
}

std::optional<http::HttpResponse> RequireStage(const WebRequest& request,
                                               std::initializer_list<store::SessionStage> allowed) {
  if (request.basic && request.user) {  // Basic (JSON only) is a full sign-in
    if (std::find(allowed.begin(), allowed.end(), store::SessionStage::kFull) != allowed.end()) {
      return std::nullopt;
    }
    return JsonError(403, "authentication-required");
  }
  if (!request.session) {
    if (request.via_json) return JsonError(401, "authentication-required");
    return SeeOther("/connexion");
  }
  store::SessionStage stage = request.session->stage;
  if (std::find(allowed.begin(), allowed.end(), stage) != allowed.end()) return std::nullopt;
  if (request.via_json) {
    http::HttpResponse r = JsonError(403, StageError(stage));
    return r;
  }
  return SeeOther(StageHome(stage));
}

directory::ClientInfo ClientFrom(const http::HttpRequest& request) {
  directory::ClientInfo client;
  // The client, also behind a trusted proxy: the transport resolved it (server/forwarded.h).
  client.address = request.remote_addr;
  std::string_view agent = request.headers.Get("User-Agent").value_or("");
  // At most 200 bytes, cut at a UTF-8 character boundary, control characters dropped (the
  // devices page shows it, the audit log keeps it).
  std::string device;
  for (char c : agent) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) continue;
    device.push_back(c);
  }
  if (device.size() > 200) {
    size_t cut = 200;
    while (cut > 0 && (static_cast<unsigned char>(device[cut]) & 0xc0) == 0x80) --cut;
    device.resize(cut);
  }
  client.device = std::move(device);
  return client;
}

namespace {

// Days since 1970-01-01 of a civil date, and back (H. Hinnant's algorithms).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

// 01:00 UTC on the last Sunday of `month` (the EU summer-time switch).
int64_t LastSundaySwitch(int64_t year, unsigned month) {
  int64_t last = DaysFromCivil(year, month, 31);
  int64_t weekday = (last + 4) % 7;  // 1970-01-01 was a Thursday; 0 = Sunday
  if (weekday < 0) weekday += 7;
  return (last - weekday) * 86400 + 3600;
}

}  // namespace

std::string FrenchDateTime(store::UnixTime t) {
  if (t <= 0) return "jamais";
  int64_t y;
  unsigned m, d;
  CivilFromDays((t >= 0 ? t : t - 86399) / 86400, &y, &m, &d);
  // Europe/Paris: UTC+1, UTC+2 in summer (EU rule, in force since 1996). The server's own time
  // zone does not matter: the people reading these pages are in the académie.
  bool summer = t >= LastSundaySwitch(y, 3) && t < LastSundaySwitch(y, 10);
  int64_t local = t + (summer ? 7200 : 3600);
  int64_t days = local / 86400;
  int64_t secs = local % 86400;
  CivilFromDays(days, &y, &m, &d);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%02u/%02u/%04lld à %02lld:%02lld", d, m,
                static_cast<long long>(y), static_cast<long long>(secs / 3600),
                static_cast<long long>(secs % 3600 / 60));
  return buf;
}

std::string IsoUtc(store::UnixTime t) {
  int64_t y;
  unsigned m, d;
  int64_t days = t / 86400, secs = t % 86400;
  if (secs < 0) {
    secs += 86400;
    --days;
  }
  CivilFromDays(days, &y, &m, &d);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ",
                static_cast<long long>(y), m, d, static_cast<long long>(secs / 3600),
                static_cast<long long>(secs % 3600 / 60), static_cast<long long>(secs % 60));
  return buf;
}

const PageRow* PageTable::Find(std::string_view path, std::string_view method) const {
  std::string_view wanted = method == "HEAD" ? "GET" : method;
  const PageRow* best = nullptr;
  for (const PageRow& row : rows_) {
    if (row.method != wanted || !row.Covers(path)) continue;
    if (row.path == path && !row.prefix) return &row;
    if (best == nullptr || row.path.size() > best->path.size()) best = &row;
  }
  return best;
}

bool PageTable::HasPath(std::string_view path) const {
  return std::any_of(rows_.begin(), rows_.end(), [&](const PageRow& r) { return r.Covers(path); });
}

}  // namespace cartable::server::web
