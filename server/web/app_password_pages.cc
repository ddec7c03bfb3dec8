// App passwords (issue 11): the page /compte/mots-de-passe-applications (the list with each
// one's last use, a creation that shows the new password once, /revoquer) and the JSON API
// /api/v1/me/app-passwords (GET lists, POST {"name"} creates, DELETE ?name= revokes).
#include <string>

#include "server/web/web.h"

namespace cartable::server::web {
namespace {

constexpr const char* kPath = "/compte/mots-de-passe-applications";
constexpr const char* kApiPath = "/api/v1/me/app-passwords";

// French text of the errors of this page (the name check and the bound are its own codes).
std::string Message(const std::string& code) {
  if (code == directory::AccountError::kInvalidName) {
    return "Le nom de l'appareil doit compter de 1 à 64 caractères, sans caractère de contrôle.";
  }
  if (code == directory::AccountError::kNameTaken) {
    return "Vous avez déjà un mot de passe d'application de ce nom : choisissez-en un autre.";
  }
  if (code == directory::AccountError::kTooMany) {
    return "Vous avez atteint le nombre maximal de mots de passe d'applications : révoquez ceux "
           "que vous n'utilisez plus.";
  }
  return ErrorText(code);
}

int StatusOf(const std::string& code) {
  return code == directory::AccountError::kNameTaken || code == directory::AccountError::kTooMany
             ? 409
             : 400;
}

// The address clients are given: [server] public_url, else the one the browser used.
std::string ServerUrl(const PageContext& ctx, const WebRequest& request) {
  std::string url = ctx.config.public_url;
  if (url.empty()) {
    url = std::string(request.secure ? "https://" : "http://") +
          std::string(request.http.headers.Get("Host").value_or("localhost"));
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

// The page; right after a creation `new_name`/`new_password` show the password (once).
http::HttpResponse ListPage(PageContext& ctx, const WebRequest& request,
                            const std::string& new_name, const std::string& new_password,
                            const std::string& error, int status) {
  const store::User& user = *request.user;
  Result<std::vector<store::AppPassword>> list = ctx.accounts.ListAppPasswords(user.id);
  if (!list.ok()) {
    return Render(request, "refus", {{"title", "Erreur"}, {"error", ErrorText("busy")}}, 503);
  }
  nlohmann::json rows = nlohmann::json::array();
  for (const store::AppPassword& a : *list) {
    rows.push_back({{"name", a.name},
                    {"created", FrenchDateTime(a.created_at)},
                    {"last_used", FrenchDateTime(a.last_used_at)},
                    {"last_address", a.last_used_address.empty() ? "—" : a.last_used_address}});
  }
  nlohmann::json data = {{"title", "Mots de passe d'applications"},
                         {"passwords", rows},
                         {"has_passwords", !rows.empty()},
                         {"otp_required", ctx.accounts.OtpRequired(user.id)},
                         {"login", user.login}};
  if (!new_password.empty()) {
    const std::string url = ServerUrl(ctx, request);
    data["new_name"] = new_name;
    data["new_password"] = new_password;
    data["server_url"] = url;
    data["server_host"] = HostOf(url);
  }
  if (!error.empty()) data["error"] = error;
  return Render(request, "mots-de-passe-applications", std::move(data), status);
}

http::HttpResponse ShowList(PageContext& ctx, WebRequest& request) {
  return ListPage(ctx, request, "", "", "", 200);
}

// Shows the new password in the answer itself (no redirect: it is shown once, never stored).
http::HttpResponse Create(PageContext& ctx, WebRequest& request) {
  const std::string name = request.Field("nom");
  Result<std::string> password =
      ctx.accounts.AddAppPassword(request.user->id, name, request.client);
  if (!password.ok()) {
    if (password.status().code() != Status::Code::kBadRequest) {
      return ListPage(ctx, request, "", "", ErrorText("busy"), 503);
    }
    const std::string& code = password.status().message();
    return ListPage(ctx, request, "", "", Message(code), StatusOf(code));
  }
  return ListPage(ctx, request, std::string(http::Trim(name)), *password, "", 200);
}

http::HttpResponse Revoke(PageContext& ctx, WebRequest& request) {
  Status st =
      ctx.accounts.RevokeAppPassword(request.user->id, request.Field("nom"), request.client);
  if (st.code() == Status::Code::kNotFound) {
    return ListPage(ctx, request, "", "",
                    "Aucun mot de passe d'application de ce nom : il a peut-être déjà été révoqué.",
                    404);
  }
  if (!st.ok()) return ListPage(ctx, request, "", "", ErrorText("busy"), 503);
  return SeeOther(std::string(kPath) + "?info=app-password-revoked");
}

// ---- JSON ----

nlohmann::json JsonRow(const store::AppPassword& a) {
  return {{"name", a.name},
          {"created_at", IsoUtc(a.created_at)},
          {"last_used_at",
           a.last_used_at == 0 ? nlohmann::json(nullptr) : nlohmann::json(IsoUtc(a.last_used_at))},
          {"last_used_address", a.last_used_address.empty() ? nlohmann::json(nullptr)
                                                            : nlohmann::json(a.last_used_address)}};
}

http::HttpResponse JsonFailure(const std::string& code) {
  return Json(StatusOf(code), {{"error", code}, {"message", Message(code)}});
}

http::HttpResponse ApiList(PageContext& ctx, WebRequest& request) {
  Result<std::vector<store::AppPassword>> list = ctx.accounts.ListAppPasswords(request.user->id);
  if (!list.ok()) return JsonError(503, "busy");
  nlohmann::json rows = nlohmann::json::array();
  for (const store::AppPassword& a : *list) rows.push_back(JsonRow(a));
  return Json(200, {{"app_passwords", std::move(rows)}});
}

// 201 {"name", "created_at", ..., "password"}: the only answer that holds the password.
http::HttpResponse ApiCreate(PageContext& ctx, WebRequest& request) {
  nlohmann::json body = nlohmann::json::parse(request.http.body, nullptr, false);
  if (!body.is_object()) return JsonError(400, "invalid-json");
  if (!body.contains("name") || !body["name"].is_string()) return JsonError(400, "missing-fields");
  const std::string name = body["name"].get<std::string>();
  Result<std::string> password =
      ctx.accounts.AddAppPassword(request.user->id, name, request.client);
  if (!password.ok()) {
    if (password.status().code() != Status::Code::kBadRequest) return JsonError(503, "busy");
    return JsonFailure(password.status().message());
  }
  nlohmann::json out = {{"name", std::string(http::Trim(name))}};
  if (Result<std::vector<store::AppPassword>> list =
          ctx.accounts.ListAppPasswords(request.user->id);
      list.ok()) {
    for (const store::AppPassword& a : *list) {
      if (a.name == out["name"]) out = JsonRow(a);
    }
  }
  out["password"] = *password;
  return Json(201, out);
}

http::HttpResponse ApiRevoke(PageContext& ctx, WebRequest& request) {
  const std::string name = QueryParam(request.http, "name");
  if (name.empty()) return JsonError(400, "missing-fields");
  Status st = ctx.accounts.RevokeAppPassword(request.user->id, name, request.client);
  if (st.code() == Status::Code::kNotFound) return JsonError(404, "not-found");
  if (!st.ok()) return JsonError(503, "busy");
  return Json(204, nullptr);
}

}  // namespace

void RegisterAppPasswordPages(PageTable& table, PageContext& ctx) {
  auto bind = [&ctx](http::HttpResponse (*fn)(PageContext&, WebRequest&)) {
    return [&ctx, fn](WebRequest& r) { return fn(ctx, r); };
  };
  table.Add({kPath, "GET", Access::kSignedIn, false, bind(ShowList)});
  table.Add({kPath, "POST", Access::kSignedIn, false, bind(Create)});
  table.Add({std::string(kPath) + "/revoquer", "POST", Access::kSignedIn, false, bind(Revoke)});
  table.Add({kApiPath, "GET", Access::kSignedIn, false, bind(ApiList)});
  table.Add({kApiPath, "POST", Access::kSignedIn, false, bind(ApiCreate)});
  table.Add({kApiPath, "DELETE", Access::kSignedIn, false, bind(ApiRevoke)});
}

}  // namespace cartable::server::web
