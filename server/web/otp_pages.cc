// The one-time-code pages (issue 11): /compte/double-authentification (enrolment with a QR
// code, re-enrolment, the ten recovery codes shown once) and its /retirer form.
//
// The secret is never kept on the server before the code proves the phone has it: the page
// carries it sealed with the server key (hidden `secret_scelle`, authenticated encryption), so
// a tampered field does not open, and ConfirmOtp stores it only when the code is right.
#include <ctime>
#include <string>

#include "server/web/pages.h"
#include "server/web/web.h"

namespace cartable::server::web {
namespace {

using directory::AccountService;

constexpr const char* kPath = "/compte/double-authentification";

// A store failure (busy database): the person may retry in a moment.
http::HttpResponse Unavailable() {
  http::HttpResponse r = http::HttpResponse::Text(
      503, "Le service est momentanément indisponible. Réessayez dans un instant.\n");
  r.headers.Set("Retry-After", std::to_string(store::kBusyRetryAfterSeconds));
  return r;
}

// "6 décembre 2026"
std::string FrenchDate(store::UnixTime t) {
  static const char* const kMonths[] = {"janvier", "février", "mars",      "avril",
                                        "mai",     "juin",    "juillet",   "août",
                                        "septembre", "octobre", "novembre", "décembre"};
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  return std::to_string(tm.tm_mday) + " " + kMonths[tm.tm_mon] + " " +
         std::to_string(tm.tm_year + 1900);
}

// Sessions that may use the enrolment page: a signed-in one, and one that must enrol before
// anything else (the sign-in sent it here). The others go where their stage says.
std::optional<http::HttpResponse> WrongStage(const WebRequest& request) {
  switch (request.session->stage) {
    case store::SessionStage::kFull:
    case store::SessionStage::kNeedsEnrolment:
      return std::nullopt;
    case store::SessionStage::kNeedsOtp:
      return SeeOther("/connexion/code");
    case store::SessionStage::kMustChange:
      return SeeOther("/compte/mot-de-passe");
  }
  return SeeOther("/connexion");
}

// The enrolment page: a fresh secret (or `secret` when the form is shown again after a wrong
// code, so that the phone already set up keeps working).
http::HttpResponse EnrolmentPage(AccountService& accounts, const WebRequest& request,
                                 std::string secret, const std::string& error, int status) {
  const store::User& user = *request.user;
  directory::OtpEnrolment enrolment = accounts.BeginOtpEnrolment(user);
  if (!secret.empty()) {
    enrolment.secret = secret;
    enrolment.uri = directory::TotpUri(accounts.options().issuer, user.login, secret);
    enrolment.qr_svg = directory::QrSvg(enrolment.uri);
  }
  store::Session& s = accounts.store().ThreadSession();
  Result<store::UserSecurity> sec = s.GetUserSecurity(user.id);
  if (!sec.ok()) return Unavailable();
  const bool enrolled = !sec->otp_secret.empty();
  nlohmann::json data = {
      {"title", "Double authentification"},
      {"enrolled", enrolled},
      {"required", accounts.OtpRequired(user.id)},
      {"secret", enrolment.secret},
      {"secret_scelle", accounts.key().Seal(enrolment.secret)},
      {"qr_svg", enrolment.qr_svg},
  };
  if (enrolled) {
    data["enrolled_at"] = FrenchDate(sec->otp_enrolled_at);
    Result<int64_t> left = s.UnusedRecoveryCodes(user.id);
    data["recovery_left"] = left.ok() ? *left : 0;
  }
  if (!error.empty()) data["error"] = error;
  if (request.Field("retiree") == "1" && !enrolled) {  // PRG from /retirer
    data["notice"] = "La double authentification a été retirée de votre compte.";
  }
  return Render(request, "double_authentification", std::move(data), status);
}

http::HttpResponse ShowEnrolment(AccountService& accounts, WebRequest& request) {
  if (auto redirect = WrongStage(request)) return *redirect;
  return EnrolmentPage(accounts, request, "", "", 200);
}

http::HttpResponse ConfirmEnrolment(AccountService& accounts, WebRequest& request) {
  if (auto redirect = WrongStage(request)) return *redirect;
  std::optional<std::string> secret = accounts.key().Open(request.Field("secret_scelle"));
  if (!secret) {
    return EnrolmentPage(accounts, request, "",
                         "Le formulaire a expiré ou a été modifié : scannez le nouveau code QR "
                         "et saisissez le code affiché.",
                         400);
  }
  Result<std::vector<std::string>> codes =
      accounts.ConfirmOtp(request.user->id, *secret, request.Field("code"), request.client);
  if (!codes.ok()) {
    if (codes.status().code() != Status::Code::kBadRequest) {
      return Unavailable();
    }
    return EnrolmentPage(accounts, request, *secret,
                         "Code incorrect : saisissez le code à six chiffres affiché en ce moment "
                         "par l'application (vérifiez que l'heure du téléphone est exacte).",
                         400);
  }
  if (request.session->stage == store::SessionStage::kNeedsEnrolment) {
    // Password and now a code: the enrolment was the last step of this sign-in.
    if (Status st = accounts.SetSessionStage(request.session->id, store::SessionStage::kFull);
        !st.ok()) {
      return Unavailable();
    }
    request.session->stage = store::SessionStage::kFull;
  }
  nlohmann::json data = {{"title", "Double authentification activée"},
                         {"codes", *codes},
                         {"required", accounts.OtpRequired(request.user->id)}};
  return Render(request, "double_authentification_codes", std::move(data));
}

http::HttpResponse RemoveEnrolment(AccountService& accounts, WebRequest& request) {
  Status st = accounts.RemoveOtp(request.user->id, request.client);
  if (st.code() == Status::Code::kBadRequest) {
    return EnrolmentPage(accounts, request, "", directory::FrenchMessage(st.message()), 409);
  }
  if (!st.ok()) return Unavailable();
  return SeeOther(std::string(kPath) + "?retiree=1");
}

}  // namespace

void RegisterOtpPages(PageTable& table, AccountService& accounts) {
  table.Add({.path = kPath,
             .method = "GET",
             .access = Access::kAnyStage,
             .handler = [&accounts](WebRequest& r) { return ShowEnrolment(accounts, r); }});
  table.Add({.path = kPath,
             .method = "POST",
             .access = Access::kAnyStage,
             .handler = [&accounts](WebRequest& r) { return ConfirmEnrolment(accounts, r); }});
  table.Add({.path = std::string(kPath) + "/retirer",
             .method = "POST",
             .access = Access::kSignedIn,
             .handler = [&accounts](WebRequest& r) { return RemoveEnrolment(accounts, r); }});
}

}  // namespace cartable::server::web
