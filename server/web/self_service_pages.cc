// The self-service pages of the front door (issue 11; French, usable without JavaScript):
// activation, forgotten login, forgotten password and its reset link, blocked account, backup
// address; and the JSON activation for the webmail. The rules live in AccountService
// (directory/self_service.cc); this file reads forms, rate-limits and renders.
//
// Every POST step (and the confirmation link) is rate-limited per client address and per
// identity ([accounts] self_service_per_hour within an hour): the identity checks (activation,
// blocked account, forgotten login) share one count per NUMEN or login, so guessing a birth
// date does not get more tries by switching page; reset requests count per typed login, so
// nobody floods a person's mailbox. Beyond: 429 with Retry-After. The identities are kept in
// memory only as keyed hashes (the NUMEN never in clear).
#include <algorithm>
#include <chrono>
#include <memory>
#include <string>

#include "dav/text_fold.h"
#include "server/rate_limit.h"
#include "server/web/web.h"

namespace cartable::server::web {
namespace {

using directory::AccountError::kAlreadyActive;
using directory::AccountError::kIdentityMismatch;
using directory::AccountError::kInvalidAddress;
using directory::AccountError::kInvalidLink;
using directory::AccountError::kManagedByDirectory;
using directory::AccountError::kRateLimited;

// What every row of this file shares; owned by the rows' handlers (shared_ptr), so it lives as
// long as the page table.
struct SelfService {
  SelfService(directory::AccountService& a, const Config& c)
      : accounts(a),
        config(c),
        by_address(c.self_service_per_hour, std::chrono::hours(1)),
        by_identity(c.self_service_per_hour, std::chrono::hours(1)) {}
  directory::AccountService& accounts;
  const Config& config;
  RateLimiter by_address;
  RateLimiter by_identity;
};
using Shared = std::shared_ptr<SelfService>;

// Seconds before `step` may run again for this client or this identity (0 = go: the attempt
// is then counted for both). `identity` "" = per address only.
unsigned Throttle(SelfService& s, const std::string& step, const WebRequest& request,
                  const std::string& identity) {
  const std::string address_key = step + "|" + request.client.address;
  const std::string identity_key =
      identity.empty() ? "" : s.accounts.key().Hash("rate-limit", identity);
  unsigned wait = s.by_address.RetryAfter(address_key);
  if (!identity_key.empty()) wait = std::max(wait, s.by_identity.RetryAfter(identity_key));
  if (wait > 0) return wait;
  s.by_address.Record(address_key);
  if (!identity_key.empty()) s.by_identity.Record(identity_key);
  return 0;
}

// The shared count of the identity checks: NUMEN or login, as activation matches them.
std::string IdentityKey(const std::string& typed) {
  return "identity|" + directory::NormalNumen(typed);
}

std::string Minutes(unsigned seconds) {
  unsigned minutes = (seconds + 59) / 60;
  return std::to_string(minutes) + (minutes > 1 ? " minutes" : " minute");
}

http::HttpResponse TooMany(const WebRequest& request, std::string_view page, nlohmann::json data,
                           unsigned wait) {
  http::HttpResponse response;
  if (request.via_json) {
    response = JsonError(429, kRateLimited);
  } else {
    data["error"] = "Trop de tentatives. Réessayez dans " + Minutes(wait) + ".";
    response = Render(request, page, std::move(data), 429);
  }
  response.headers.Set("Retry-After", std::to_string(wait));
  return response;
}

// The French text of a refusal on these pages (FrenchMessage for the policy and the rest).
std::string Explain(const std::string& code) {
  if (code == kIdentityMismatch) {
    return "Ces informations ne correspondent à aucun compte : vérifiez l'identifiant ou le "
           "NUMEN, la date de naissance et le nom.";
  }
  if (code == kAlreadyActive) {
    return "Ce compte a déjà un mot de passe personnel : connectez-vous, ou utilisez « Mot de "
           "passe oublié ».";
  }
  if (code == kInvalidLink) {
    return "Ce lien n'est plus valable (déjà utilisé, remplacé par un plus récent ou expiré). "
           "Demandez-en un nouveau.";
  }
  if (code == kInvalidAddress) {
    return "Cette adresse électronique n'est pas valide (exemple : prenom.nom@exemple.fr).";
  }
  if (code == kManagedByDirectory) {
    return "Les mots de passe sont gérés par l'annuaire de l'académie : changez-le sur le "
           "portail académique.";
  }
  return directory::FrenchMessage(code);
}

int StatusFor(const std::string& code) { return code == kAlreadyActive ? 409 : 400; }

// A refused step: its page again with the reason (or the JSON error).
http::HttpResponse Refused(const WebRequest& request, std::string_view page, nlohmann::json data,
                           const Status& status) {
  if (status.code() != Status::Code::kBadRequest) {
    // A store failure (busy, I/O) or a disabled account: nothing the form can fix.
    int code = status.HttpCode() >= 400 ? status.HttpCode() : 500;
    http::HttpResponse r;
    if (request.via_json) {
      r = JsonError(code, "unavailable");
    } else {
      data["error"] = "Le service est momentanément indisponible. Réessayez plus tard.";
      r = Render(request, page, std::move(data), code);
    }
    if (status.retry_after_seconds() > 0) {
      r.headers.Set("Retry-After", std::to_string(status.retry_after_seconds()));
    }
    return r;
  }
  const std::string& code = status.message();
  if (request.via_json) return JsonError(StatusFor(code), code);
  data["error"] = Explain(code);
  return Render(request, page, std::move(data), StatusFor(code));
}

http::HttpResponse FormError(const WebRequest& request, std::string_view page, nlohmann::json data,
                             const std::string& text) {
  data["error"] = text;
  return Render(request, page, std::move(data), 400);
}

bool Blank(const std::string& s) { return s.find_first_not_of(" \t\r\n") == std::string::npos; }

// The checks a password form makes before any hashing.
std::optional<std::string> NewPasswordProblem(const std::string& nouveau,
                                              const std::string& confirmation) {
  if (nouveau.empty()) return "Choisissez un nouveau mot de passe.";
  if (nouveau != confirmation) return "Les deux mots de passe saisis ne sont pas identiques.";
  return std::nullopt;
}

constexpr const char* kBadDate =
    "Date de naissance invalide : écrivez-la JJ/MM/AAAA (par exemple 17/05/1980).";

// ---- /activation and /compte-bloque (the same identity check) ----

struct IdentityPage {
  const char* path;
  const char* page;  // template
  const char* title;
  const char* field;   // "identifiant" (login or NUMEN) or "numen"
  const char* notice;  // ?info= code of /connexion after success
};

constexpr IdentityPage kActivation = {"/activation", "activation", "Activer mon compte",
                                      "identifiant", "activated"};
constexpr IdentityPage kBlocked = {"/compte-bloque", "compte-bloque", "Compte bloqué", "numen",
                                   "account-unblocked"};

// What every page with a new-password field shows of the policy.
nlohmann::json PasswordPageData(const SelfService& s, const char* title) {
  return {{"title", title}, {"min_length", s.config.password_min_length}};
}

http::HttpResponse IdentityForm(SelfService& s, const IdentityPage& p, const WebRequest& request) {
  return Render(request, p.page, PasswordPageData(s, p.title));
}

http::HttpResponse IdentitySubmit(SelfService& s, const IdentityPage& p, WebRequest& request) {
  const std::string identifier = request.Field(p.field);
  const std::string birth = request.Field("date_naissance");
  const std::string nom = request.Field("nom");
  const std::string nouveau = request.Field("nouveau");
  nlohmann::json data = PasswordPageData(s, p.title);
  data[p.field] = identifier;
  data["date_naissance"] = birth;
  data["nom"] = nom;
  if (unsigned wait = Throttle(s, p.page, request, IdentityKey(identifier))) {
    return TooMany(request, p.page, std::move(data), wait);
  }
  if (Blank(identifier) || Blank(birth) || Blank(nom)) {
    return FormError(request, p.page, std::move(data), "Renseignez tous les champs.");
  }
  if (!directory::NormalBirthDate(birth)) {
    return FormError(request, p.page, std::move(data), kBadDate);
  }
  if (auto problem = NewPasswordProblem(nouveau, request.Field("confirmation"))) {
    return FormError(request, p.page, std::move(data), *problem);
  }
  Result<store::User> user = s.accounts.Activate(identifier, birth, nom, nouveau, request.client);
  if (!user.ok()) return Refused(request, p.page, std::move(data), user.status());
  return SeeOther(std::string("/connexion?info=") + p.notice);
}

// POST /api/v1/activation {"login"|"numen", "birth_date", "nom", "new_password"}.
http::HttpResponse ActivationApi(SelfService& s, WebRequest& request) {
  nlohmann::json body = nlohmann::json::parse(request.http.body, nullptr, false);
  auto text = [&](const char* name) {
    if (!body.is_object() || !body.contains(name) || !body[name].is_string()) return std::string();
    return body[name].get<std::string>();
  };
  std::string identifier = text("numen");
  if (identifier.empty()) identifier = text("login");
  if (unsigned wait = Throttle(s, "activation", request, IdentityKey(identifier))) {
    return TooMany(request, "", {}, wait);
  }
  const std::string birth = text("birth_date"), nom = text("nom"), pw = text("new_password");
  if (!body.is_object() || Blank(identifier) || Blank(birth) || Blank(nom) || pw.empty()) {
    return JsonError(400, "invalid-request");
  }
  if (!directory::NormalBirthDate(birth)) return JsonError(400, "invalid-date");
  Result<store::User> user = s.accounts.Activate(identifier, birth, nom, pw, request.client);
  if (!user.ok()) return Refused(request, "", {}, user.status());
  return Json(200, {{"login", user->login}, {"url", "/connexion"}});
}

// ---- /identifiant-oublie ----

constexpr const char* kLoginTitle = "Identifiant oublié";

http::HttpResponse ForgottenLoginSubmit(SelfService& s, WebRequest& request) {
  const std::string numen = request.Field("numen");
  const std::string birth = request.Field("date_naissance");
  nlohmann::json data = {{"title", kLoginTitle}, {"numen", numen}, {"date_naissance", birth}};
  if (unsigned wait = Throttle(s, "identifiant-oublie", request, IdentityKey(numen))) {
    return TooMany(request, "identifiant-oublie", std::move(data), wait);
  }
  if (Blank(numen) || Blank(birth)) {
    return FormError(request, "identifiant-oublie", std::move(data), "Renseignez tous les champs.");
  }
  if (!directory::NormalBirthDate(birth)) {
    return FormError(request, "identifiant-oublie", std::move(data), kBadDate);
  }
  Result<std::string> login = s.accounts.ForgottenLogin(numen, birth, request.client);
  if (!login.ok()) return Refused(request, "identifiant-oublie", std::move(data), login.status());
  return Render(request, "identifiant-oublie", {{"title", kLoginTitle}, {"identifiant", *login}});
}

// ---- /mot-de-passe-oublie ----

constexpr const char* kForgotTitle = "Mot de passe oublié";

http::HttpResponse ForgottenPasswordSubmit(SelfService& s, WebRequest& request) {
  const std::string typed = request.Field("identifiant");
  nlohmann::json data = {{"title", kForgotTitle}};
  if (unsigned wait =
          Throttle(s, "mot-de-passe-oublie", request, "reset|" + AsciiLower(http::Trim(typed)))) {
    return TooMany(request, "mot-de-passe-oublie", std::move(data), wait);
  }
  if (Blank(typed)) {
    return FormError(request, "mot-de-passe-oublie", std::move(data),
                     "Indiquez votre identifiant ou votre adresse académique.");
  }
  Status status = s.accounts.RequestPasswordReset(typed, request.client);
  if (!status.ok()) return Refused(request, "mot-de-passe-oublie", std::move(data), status);
  // The same words whether or not the account exists or has a backup address.
  data["notice"] =
      "Si ce compte existe et qu'une adresse de secours confirmée y est associée, "
      "un lien pour choisir un nouveau mot de passe vient d'y être envoyé. Il est "
      "valable " +
      std::to_string(s.config.reset_link_minutes) + " minutes et ne sert qu'une fois.";
  return Render(request, "mot-de-passe-oublie", std::move(data));
}

// ---- /reinitialisation?jeton= ----

constexpr const char* kResetTitle = "Nouveau mot de passe";

http::HttpResponse ResetForm(SelfService& s, WebRequest& request) {
  nlohmann::json data = PasswordPageData(s, kResetTitle);
  // The form shows only with a token (mustache renders a section for any string, even "").
  if (!Blank(request.Field("jeton"))) data["jeton"] = request.Field("jeton");
  if (Blank(request.Field("jeton"))) {
    return FormError(request, "reinitialisation", std::move(data), Explain(kInvalidLink));
  }
  return Render(request, "reinitialisation", std::move(data));
}

http::HttpResponse ResetSubmit(SelfService& s, WebRequest& request) {
  const std::string token = request.Field("jeton");
  nlohmann::json data = PasswordPageData(s, kResetTitle);
  if (!Blank(token)) data["jeton"] = token;
  if (unsigned wait = Throttle(s, "reinitialisation", request, "token|" + token)) {
    return TooMany(request, "reinitialisation", std::move(data), wait);
  }
  if (auto problem = NewPasswordProblem(request.Field("nouveau"), request.Field("confirmation"))) {
    return FormError(request, "reinitialisation", std::move(data), *problem);
  }
  Status status = s.accounts.ResetPassword(token, request.Field("nouveau"), request.client);
  if (!status.ok()) {
    // A dead link: no form to fill again, only the way to ask for a new one.
    if (status.message() == kInvalidLink) data.erase("jeton");
    return Refused(request, "reinitialisation", std::move(data), status);
  }
  return SeeOther("/connexion?info=password-reset");
}

// ---- /compte/adresse-secours (+ /confirmer) ----

constexpr const char* kBackupTitle = "Adresse de secours";

nlohmann::json BackupData(SelfService& s, const WebRequest& request) {
  nlohmann::json data = {{"title", kBackupTitle}};
  if (!request.user) return data;
  Result<store::UserSecurity> security =
      s.accounts.store().ThreadSession().GetUserSecurity(request.user->id);
  if (security.ok()) {
    if (!security->backup_email.empty()) data["actuelle"] = security->backup_email;
    if (!security->backup_email_pending.empty()) {
      data["en_attente"] = security->backup_email_pending;
    }
  }
  data["minutes"] = s.config.reset_link_minutes;
  return data;
}

http::HttpResponse BackupForm(SelfService& s, WebRequest& request) {
  return Render(request, "adresse-secours", BackupData(s, request));
}

http::HttpResponse BackupSubmit(SelfService& s, WebRequest& request) {
  const std::string address = request.Field("adresse");
  nlohmann::json data = BackupData(s, request);
  data["adresse"] = address;
  if (unsigned wait =
          Throttle(s, "adresse-secours", request, "backup|" + std::to_string(request.user->id))) {
    return TooMany(request, "adresse-secours", std::move(data), wait);
  }
  Status status = s.accounts.RequestBackupEmail(request.user->id, address, request.client);
  if (!status.ok()) return Refused(request, "adresse-secours", std::move(data), status);
  return SeeOther("/compte/adresse-secours?info=backup-email-sent");
}

http::HttpResponse BackupConfirm(SelfService& s, WebRequest& request) {
  nlohmann::json data = {{"title", kBackupTitle}};
  if (unsigned wait = Throttle(s, "adresse-secours-confirmation", request, "")) {
    return TooMany(request, "adresse-secours-confirmation", std::move(data), wait);
  }
  Status status = s.accounts.ConfirmBackupEmail(request.Field("jeton"), request.client);
  if (!status.ok())
    return Refused(request, "adresse-secours-confirmation", std::move(data), status);
  data["notice"] =
      "Votre adresse de secours est confirmée : en cas d'oubli de votre mot de passe, un lien "
      "vous y sera envoyé.";
  return Render(request, "adresse-secours-confirmation", std::move(data));
}

}  // namespace

void RegisterSelfServicePages(PageTable& table, PageContext& context) {
  Shared s = std::make_shared<SelfService>(context.accounts, context.config);
  for (const IdentityPage* p : {&kActivation, &kBlocked}) {
    table.Add({.path = p->path,
               .method = "GET",
               .access = Access::kAnonymous,
               .handler = [s, p](WebRequest& r) { return IdentityForm(*s, *p, r); }});
    table.Add({.path = p->path,
               .method = "POST",
               .access = Access::kAnonymous,
               .slow = true,  // Argon2id of the new password (and of the history)
               .handler = [s, p](WebRequest& r) { return IdentitySubmit(*s, *p, r); }});
  }
  table.Add({.path = "/api/v1/activation",
             .method = "POST",
             .access = Access::kAnonymous,
             .slow = true,
             .handler = [s](WebRequest& r) { return ActivationApi(*s, r); }});
  table.Add({.path = "/identifiant-oublie",
             .method = "GET",
             .access = Access::kAnonymous,
             .handler = [](WebRequest& r) {
               return Render(r, "identifiant-oublie", {{"title", kLoginTitle}});
             }});
  table.Add({.path = "/identifiant-oublie",
             .method = "POST",
             .access = Access::kAnonymous,
             .handler = [s](WebRequest& r) { return ForgottenLoginSubmit(*s, r); }});
  table.Add({.path = "/mot-de-passe-oublie",
             .method = "GET",
             .access = Access::kAnonymous,
             .handler = [](WebRequest& r) {
               return Render(r, "mot-de-passe-oublie", {{"title", kForgotTitle}});
             }});
  table.Add({.path = "/mot-de-passe-oublie",
             .method = "POST",
             .access = Access::kAnonymous,
             .handler = [s](WebRequest& r) { return ForgottenPasswordSubmit(*s, r); }});
  table.Add({.path = "/reinitialisation",
             .method = "GET",
             .access = Access::kAnonymous,
             .handler = [s](WebRequest& r) { return ResetForm(*s, r); }});
  table.Add({.path = "/reinitialisation",
             .method = "POST",
             .access = Access::kAnonymous,
             .slow = true,
             .handler = [s](WebRequest& r) { return ResetSubmit(*s, r); }});
  table.Add({.path = "/compte/adresse-secours",
             .method = "GET",
             .access = Access::kSignedIn,
             .handler = [s](WebRequest& r) { return BackupForm(*s, r); }});
  table.Add({.path = "/compte/adresse-secours",
             .method = "POST",
             .access = Access::kSignedIn,
             .handler = [s](WebRequest& r) { return BackupSubmit(*s, r); }});
  // Opened from the mailbox, possibly on another device: no session needed, the token is the
  // proof (it went to that address).
  table.Add({.path = "/compte/adresse-secours/confirmer",
             .method = "GET",
             .access = Access::kAnonymous,
             .handler = [s](WebRequest& r) { return BackupConfirm(*s, r); }});
}

}  // namespace cartable::server::web
