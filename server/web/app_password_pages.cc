// App passwords (issue 11): the page /compte/mots-de-passe-applications (list with the last
// use, creation that shows the new password once, /revoquer) and the JSON API
// /api/v1/me/app-passwords (GET list, POST {"name"} creates, DELETE ?name= revokes).
#include <ctime>
#include <string>

#include "directory/otp.h"
#include "server/web/pages.h"
#include "server/web/web.h"

namespace cartable::server::web {
namespace {

using directory::AccountService;

constexpr const char* kPath = "/compte/mots-de-passe-applications";

http::HttpResponse Unavailable() {
  http::HttpResponse r = http::HttpResponse::Text(
      503, "Le service est momentanément indisponible. Réessayez dans un instant.\n");
  r.headers.Set("Retry-After", std::to_string(store::kBusyRetryAfterSeconds));
  return r;
}

// "06/12/2026 à 11:42 UTC" for the page; "jamais" for 0.
std::string PageTime(store::UnixTime t) {
  if (t == 0) return "jamais";
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char out[40];
  std::strftime(out, sizeof out, "%d/%m/%Y à %H:%M UTC", &tm);
  return out;
}

// RFC 3339 UTC for JSON; null for 0.
nlohmann::json JsonTime(store::UnixTime t) {
  if (t == 0) return nullptr;
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char out[32];
  std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return out;
}

// The French text of an AccountService error code of this page.
std::string Message(const std::string& code) {
  if (code == directory::AccountError::kInvalidName) {
    return "Le nom de l'appareil doit compter de 1 à 64 caractères, sans caractère de contrôle.";
  }
  if (code == directory::AccountError::kNameTaken) {
    return "Vous avez déjà un mot de passe d'application de ce nom : choisissez-en un autre.";
  }
  if (code == directory::AccountError::kTooMany) {
    return "Vous avez atteint le nombre maximal de mots de passe d'applications : révoquez-en un "
           "que vous n'utilisez plus.";
  }
  return directory::FrenchMessage(code);
}

// The address clients are given: [server] public_url, else what the browser used.
std::string ServerUrl(AccountService& accounts, const WebRequest& request) {
  std::string url = accounts.options().public_url;
  if (url.empty()) {
    std::string host(request.http.headers.Get("Host").value_or("localhost"));
    url = "http://" + host;
  }
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url + "/";
}

std::string HostOf(const std::string& url) {
  size_t start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  size_t end = url.find('/', start);
  return url.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// The list page, with `created` = {name, password} right after a creation (shown once).
http::HttpResponse ListPage(AccountService& accounts, const WebRequest& request,
                            const std::string& new_name, const std::string& new_password,
                            const std::string& error, int status) {
  const store::User& user = *request.user;
  Result<std::vector<store::AppPassword>> list = accounts.ListAppPasswords(user.id);
  if (!list.ok()) return Unavailable();
  nlohmann::json rows = nlohmann::json::array();
  for (const store::AppPassword& a : *list) {
    rows.push_back({{"name", a.name},
                    {"created", PageTime(a.created_at)},
                    {"last_used", PageTime(a.last_used_at)},
                    {"last_address", a.last_used_address.empty() ? "—" : a.last_used_address}});
  }
  nlohmann::json data = {{"title", "Mots de passe d'applications"},
                         {"passwords", rows},
                         {"has_passwords", !rows.empty()},
                         {"otp_required", accounts.OtpRequired(user.id)},
                         {"login", user.login}};
  if (!new_password.empty()) {
    const std::string url = ServerUrl(accounts, request);
    data["new_name"] = new_name;
    data["new_password"] = new_password;
    data["server_url"] = url;
    data["server_host"] = HostOf(url);
  }
  if (!error.empty()) data["error"] = error;
  if (request.Field("revoque") == "1" && new_password.empty() && error.empty()) {
    data["notice"] = "Le mot de passe d'application a été révoqué.";  // PRG from /revoquer
  }
  return Render(request, "mots_de_passe_applications", std::move(data), status);
}

int HttpStatusOf(const std::string& code) {
  if (code == directory::AccountError::kNameTaken || code == directory::AccountError::kTooMany) {
    return 409;
  }
  return 400;
}

http::HttpResponse Create(AccountService& accounts, WebRequest& request) {
  const std::string name = request.Field("nom");
  Result<std::string> password = accounts.AddAppPassword(request.user->id, name, request.client);
  if (!password.ok()) {
    if (password.status().code() != Status::Code::kBadRequest) return Unavailable();
    const std::string& code = password.status().message();
    return ListPage(accounts, request, "", "", Message(code), HttpStatusOf(code));
  }
  return ListPage(accounts, request, name, *password, "", 200);
}

http::HttpResponse Revoke(AccountService& accounts, WebRequest& request) {
  Status st = accounts.RevokeAppPassword(request.user->id, request.Field("nom"), request.client);
  if (st.code() == Status::Code::kNotFound) {
    return ListPage(accounts, request, "", "",
                    "Aucun mot de passe d'application de ce nom : il a peut-être déjà été révoqué.",
                    404);
  }
  if (!st.ok()) return Unavailable();
  return SeeOther(std::string(kPath) + "?revoque=1");
}

// ---- JSON: /api/v1/me/app-passwords ----

nlohmann::json JsonRow(const store::AppPassword& a) {
  return {{"name", a.name},
          {"created_at", JsonTime(a.created_at)},
          {"last_used_at", JsonTime(a.last_used_at)},
          {"last_used_address", a.last_used_address.empty() ? nlohmann::json(nullptr)
                                                             : nlohmann::json(a.last_used_address)}};
}

http::HttpResponse JsonList(AccountService& accounts, WebRequest& request) {
  Result<std::vector<store::AppPassword>> list = accounts.ListAppPasswords(request.user->id);
  if (!list.ok()) return JsonError(503, "unavailable");
  nlohmann::json rows = nlohmann::json::array();
  for (const store::AppPassword& a : *list) rows.push_back(JsonRow(a));
  return Json(200, {{"app_passwords", rows}});
}

http::HttpResponse JsonCreate(AccountService& accounts, WebRequest& request) {
  nlohmann::json body = nlohmann::json::parse(request.http.body, nullptr, false);
  if (body.is_discarded() || !body.is_object() || !body.contains("name") ||
      !body["name"].is_string()) {
    return JsonError(400, "invalid-request");
  }
  const std::string name = body["name"].get<std::string>();
  Result<std::string> password = accounts.AddAppPassword(request.user->id, name, request.client);
  if (!password.ok()) {
    if (password.status().code() != Status::Code::kBadRequest) return JsonError(503, "unavailable");
    const std::string& code = password.status().message();
    return JsonError(HttpStatusOf(code), code);
  }
  // The row as stored (the name trimmed), and the password, which no later call returns.
  nlohmann::json out = {{"name", name}};
  if (Result<std::vector<store::AppPassword>> list = accounts.ListAppPasswords(request.user->id);
      list.ok()) {
    for (const store::AppPassword& a : *list) {
      if (a.name == http::Trim(name)) out = JsonRow(a);
    }
  }
  out["password"] = *password;
  return Json(201, out);
}

http::HttpResponse JsonRevoke(AccountService& accounts, WebRequest& request) {
  const std::string name = request.Field("name");
  if (name.empty()) return JsonError(400, "invalid-request");
  Status st = accounts.RevokeAppPassword(request.user->id, name, request.client);
  if (st.code() == Status::Code::kNotFound) return JsonError(404, "not-found");
  if (!st.ok()) return JsonError(503, "unavailable");
  http::HttpResponse r;
  r.status = 204;
  return r;
}

}  // namespace

void RegisterAppPasswordPages(PageTable& table, AccountService& accounts) {
  table.Add({.path = kPath,
             .method = "GET",
             .access = Access::kSignedIn,
             .handler = [&accounts](WebRequest& r) {
               return ListPage(accounts, r, "", "", "", 200);
             }});
  table.Add({.path = kPath,
             .method = "POST",
             .access = Access::kSignedIn,
             .handler = [&accounts](WebRequest& r) { return Create(accounts, r); }});
  table.Add({.path = std::string(kPath) + "/revoquer",
             .method = "POST",
             .access = Access::kSignedIn,
             .handler = [&accounts](WebRequest& r) { return Revoke(accounts, r); }});
  const std::string api = "/api/v1/me/app-passwords";
  table.Add({.path = api,
             .method = "GET",
             .access = Access::kSignedIn,
             .handler = [&accounts](WebRequest& r) { return JsonList(accounts, r); }});
  table.Add({.path = api,
             .method = "POST",
             .access = Access::kSignedIn,
             .handler = [&accounts](WebRequest& r) { return JsonCreate(accounts, r); }});
  table.Add({.path = api,
             .method = "DELETE",
             .access = Access::kSignedIn,
             .handler = [&accounts](WebRequest& r) { return JsonRevoke(accounts, r); }});
}

}  // namespace cartable::server::web
