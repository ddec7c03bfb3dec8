// The web application's shell pages (issue 13): one server-rendered page per area, signed-in
// only. Each is the usual layout (header, navigation, footer) around <div data-app="AREA">,
// which the bundle's main.js fills; the layout also gets what the scripts need from the server:
// the session's CSRF token, the idle limit, the CSP nonce and the bundle's hashed file names.
#include <sodium.h>

#include <iostream>

#include "server/web/app_assets.h"
#include "server/web/web.h"

namespace cartable::server::web {
namespace {

struct Area {
  const char* path;
  const char* name;  // data-app, read by src/main.js
  const char* title;
  const char* noscript;
};

constexpr Area kAreas[] = {
    {"/agenda", "agenda", "Agenda", "L'agenda a besoin de JavaScript."},
    {"/invitations", "invitations", "Invitations", "Les invitations ont besoin de JavaScript."},
    {"/taches", "taches", "Tâches", "La liste des tâches a besoin de JavaScript."},
    {"/annuaire", "annuaire", "Annuaire", "L'annuaire a besoin de JavaScript."},
    {"/contacts", "contacts", "Contacts", "Les contacts ont besoin de JavaScript."},
    {"/partage", "partage", "Partage", "Le partage a besoin de JavaScript."},
};

// A fresh nonce per response (CSP3 §6.3.1: unguessable, never reused): 18 random bytes, base64.
std::string NewNonce() {
  unsigned char bytes[18];
  randombytes_buf(bytes, sizeof bytes);
  char out[sodium_base64_ENCODED_LEN(sizeof bytes, sodium_base64_VARIANT_ORIGINAL)];
  sodium_bin2base64(out, sizeof out, bytes, sizeof bytes, sodium_base64_VARIANT_ORIGINAL);
  return out;
}

http::HttpResponse Page(const WebRequest& request, const Area& area, const PageContext& ctx) {
  const AppAssets* assets = ctx.app_assets.get();
  if (assets == nullptr || !assets->ok()) {
    http::HttpResponse r = Render(
        request, "refus",
        {{"title", "Application indisponible"},
         {"error",
          "L'application web de Cartable n'est pas installée sur ce serveur. L'équipe "
          "d'exploitation la construit avec « scripts/lib.sh build » (étape build_web). Votre "
          "compte et vos logiciels d'agenda et de contacts restent utilisables."}},
        503);
    r.headers.Set("Retry-After", "3600");
    return r;
  }
  const std::string nonce = NewNonce();
  nlohmann::json data = {
      {"title", area.title},
      {"area", area.name},
      {"noscript", area.noscript},
      {"app",
       {{"csrf_token", request.csrf},
        {"idle_seconds", std::to_string(ctx.config.session_idle_minutes * 60u)},
        {"nonce", nonce},
        {"app_css", assets->app_css_url()},
        {"main_js", assets->main_js_url()}}},
  };
  http::HttpResponse r = Render(request, "application", std::move(data));
  r.headers.Set("Content-Security-Policy", ApplicationCsp(nonce, ctx.config.web_frame_ancestors));
  // frame-ancestors supersedes X-Frame-Options (CSP3 §6.4.2); DENY would still block the portal
  // in browsers that read only the older header.
  if (!ctx.config.web_frame_ancestors.empty()) r.headers.Remove("X-Frame-Options");
  return r;
}

}  // namespace

void RegisterAppPages(PageTable& table, PageContext& context) {
  if (!context.app_assets) context.app_assets = AppAssets::Load(AppDirFrom(context.config));
  for (const Area& area : kAreas) {
    const PageContext* ctx = &context;
    table.Add({area.path, "GET", Access::kSignedIn, false,
               [ctx, &area](WebRequest& r) { return Page(r, area, *ctx); }});
  }
}

}  // namespace cartable::server::web
