// The one-time-code pages (issue 11): /compte/double-authentification (enrolment with a QR
// code, re-enrolment on a new phone, the ten recovery codes shown once) and its /retirer form.
//
// Nothing is stored before a code proves the phone holds the secret: the page carries the
// secret sealed with the server key (hidden `secret_scelle`, authenticated encryption, so a
// tampered field does not open), and ConfirmOtp stores it only when the code is right.
#include <string>

#include "directory/otp.h"
#include "server/web/web.h"

namespace cartable::server::web {
namespace {

using store::SessionStage;

constexpr const char* kPath = "/compte/double-authentification";

// The enrolment page: a fresh secret, or `secret` when the form comes back after a wrong code
// (the phone already set up with it keeps working).
http::HttpResponse EnrolmentPage(PageContext& ctx, const WebRequest& request,
                                 const std::string& secret, const std::string& error, int status) {
  const store::User& user = *request.user;
  directory::OtpEnrolment enrolment = ctx.accounts.BeginOtpEnrolment(user);
  if (!secret.empty()) {
    enrolment.secret = secret;
    enrolment.uri = directory::TotpUri(ctx.accounts.options().issuer, user.login, secret);
    enrolment.qr_svg = directory::QrSvg(enrolment.uri);
  }
  store::Session& s = ctx.accounts.store().ThreadSession();
  Result<store::UserSecurity> sec = s.GetUserSecurity(user.id);
  if (!sec.ok()) {
    return Render(request, "refus", {{"title", "Erreur"}, {"error", ErrorText("busy")}}, 503);
  }
  const bool enrolled = !sec->otp_secret.empty();
  nlohmann::json data = {
      {"title", "Double authentification"},
      {"enrolled", enrolled},
      {"required", ctx.accounts.OtpRequired(user.id)},
      {"full", request.session && request.session->stage == SessionStage::kFull},
      {"secret", enrolment.secret},
      {"secret_scelle", ctx.accounts.key().Seal(enrolment.secret)},
      {"qr_svg", enrolment.qr_svg},  // sized, with its text alternative (otp.cc)
  };
  if (enrolled) {
    data["enrolled_at"] = FrenchDateTime(sec->otp_enrolled_at);
    Result<int64_t> left = s.UnusedRecoveryCodes(user.id);
    data["recovery_left"] = left.ok() ? *left : 0;
  }
  if (!error.empty()) data["error"] = error;
  return Render(request, "double-authentification", std::move(data), status);
}

// A session that must enrol may open this page and nothing else; a signed-in one may (re)enrol.
std::optional<http::HttpResponse> WrongStage(const WebRequest& request) {
  return RequireStage(request, {SessionStage::kFull, SessionStage::kNeedsEnrolment});
}

http::HttpResponse ShowEnrolment(PageContext& ctx, WebRequest& request) {
  if (auto other = WrongStage(request)) return *other;
  return EnrolmentPage(ctx, request, "", "", 200);
}

http::HttpResponse ConfirmEnrolment(PageContext& ctx, WebRequest& request) {
  if (auto other = WrongStage(request)) return *other;
  std::optional<std::string> secret = ctx.accounts.key().Open(request.Field("secret_scelle"));
  if (!secret) {
    return EnrolmentPage(ctx, request, "",
                         "Le formulaire a été modifié ou ne vient pas de ce serveur : scannez le "
                         "nouveau code QR et saisissez le code affiché.",
                         400);
  }
  Result<std::vector<std::string>> codes =
      ctx.accounts.ConfirmOtp(request.user->id, *secret, request.Field("code"), request.client);
  if (!codes.ok()) {
    if (codes.status().code() != Status::Code::kBadRequest) {
      return EnrolmentPage(ctx, request, *secret, ErrorText("busy"), 503);
    }
    return EnrolmentPage(ctx, request, *secret,
                         "Code incorrect : saisissez le code à six chiffres affiché en ce moment "
                         "par l'application (l'heure du téléphone doit être exacte).",
                         400);
  }
  nlohmann::json data = {{"title", "Double authentification activée"},
                         {"codes", *codes},
                         {"required", ctx.accounts.OtpRequired(request.user->id)},
                         {"notice", NoticeText("otp-enrolled")}};
  if (request.session->stage != SessionStage::kNeedsEnrolment) {
    return Render(request, "double-authentification-codes", std::move(data));
  }
  // Password, then a code: the enrolment finished this sign-in. A new session for the new
  // level of trust, as after /connexion/code (a token seen before the code opens nothing more).
  (void)ctx.accounts.EndSession(request.session->id);
  Result<directory::NewSession> full =
      ctx.accounts.CreateSession(*request.user, SessionStage::kFull, request.client);
  if (!full.ok()) {
    return Render(request, "refus", {{"title", "Erreur"}, {"error", ErrorText("internal")}}, 500);
  }
  request.session = full->session;
  request.csrf = full->session.csrf_token;
  http::HttpResponse r = Render(request, "double-authentification-codes", std::move(data));
  SetSessionCookie(r, request, full->token);
  return r;
}

http::HttpResponse RemoveEnrolment(PageContext& ctx, WebRequest& request) {
  Status st = ctx.accounts.RemoveOtp(request.user->id, request.client);
  if (st.code() == Status::Code::kBadRequest) {
    return EnrolmentPage(ctx, request, "", ErrorText(st.message()), 409);
  }
  if (!st.ok()) return EnrolmentPage(ctx, request, "", ErrorText("busy"), 503);
  return SeeOther(std::string(kPath) + "?info=otp-removed");
}

}  // namespace

void RegisterOtpPages(PageTable& table, PageContext& ctx) {
  auto bind = [&ctx](http::HttpResponse (*fn)(PageContext&, WebRequest&)) {
    return [&ctx, fn](WebRequest& r) { return fn(ctx, r); };
  };
  table.Add({kPath, "GET", Access::kAnyStage, false, bind(ShowEnrolment)});
  table.Add({kPath, "POST", Access::kAnyStage, false, bind(ConfirmEnrolment)});
  table.Add(
      {std::string(kPath) + "/retirer", "POST", Access::kSignedIn, false, bind(RemoveEnrolment)});
}

}  // namespace cartable::server::web
