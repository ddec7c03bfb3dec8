// AccountService: construction, the audit log and the French texts of error codes. The rules
// live in sign_in.cc, web_sessions.cc, password_change.cc, self_service.cc, otp_enrolment.cc,
// app_passwords.cc and account_admin.cc.
#include "directory/account_service.h"

#include <ctime>
#include <iostream>
#include <map>

namespace cartable::directory {

Status AccountFailure(const std::string& code) { return Status::BadRequest(code); }

std::string FrenchMessage(const std::string& code) {
  static const std::map<std::string, std::string> kMessages = {
      {AccountError::kWrongPassword, "Le mot de passe actuel est incorrect."},
      {AccountError::kWrongCode, "Le code est incorrect ou a déjà servi."},
      {AccountError::kIdentityMismatch,
       "Ces informations ne correspondent à aucun compte. Vérifiez le NUMEN, la date de "
       "naissance et le nom."},
      {AccountError::kAlreadyActive,
       "Ce compte a déjà un mot de passe personnel : connectez-vous, ou utilisez « mot de passe "
       "oublié »."},
      {AccountError::kNameTaken, "Ce nom est déjà utilisé."},
      {AccountError::kInvalidLink, "Ce lien n'est plus valable (déjà utilisé ou expiré)."},
      {AccountError::kRateLimited, "Trop de tentatives. Réessayez un peu plus tard."},
      {AccountError::kManagedByDirectory,
       "Le mot de passe de ce compte est celui de l'annuaire académique : changez-le sur le "
       "portail de l'académie."},
      {AccountError::kOtpStillRequired,
       "La double authentification est obligatoire pour ce compte : elle ne peut pas être "
       "retirée."},
      {"too-short", "Le mot de passe est trop court."},
      {"too-long", "Le mot de passe est trop long."},
      {"too-weak", "Ce mot de passe est trop facile à deviner."},
      {"contains-login", "Le mot de passe ne doit pas contenir votre identifiant."},
      {"contains-name", "Le mot de passe ne doit pas contenir votre nom ou votre prénom."},
      {"is-numen", "Le mot de passe ne doit pas être votre NUMEN."},
      {"reused", "Ce mot de passe a déjà été utilisé récemment : choisissez-en un autre."},
      {"not-utf8", "Le mot de passe contient des caractères invalides."},
      {"mismatch", "Les deux mots de passe saisis sont différents."},
      {"invalid-credentials", "Identifiant ou mot de passe incorrect."},
      {"otp-required", "Saisissez le code à usage unique."},
      {"password-change-required", "Première connexion : choisissez votre mot de passe personnel."},
      {"enrolment-required", "Activez la double authentification pour continuer."},
      {"app-password-required",
       "Ce compte utilise la double authentification : créez un mot de passe d'application."},
      {"invalid-date", "La date de naissance n'est pas valide (JJ/MM/AAAA)."},
      {"csrf", "La page a expiré : rechargez-la et recommencez."},
      {AccountError::kInvalidAddress, "Cette adresse électronique n'est pas valide."},
      {AccountError::kInvalidName,
       "Donnez un nom d'appareil de 1 à 64 caractères (par exemple « Téléphone »)."},
      {AccountError::kTooMany,
       "Vous avez atteint le nombre maximal de mots de passe d'applications : révoquez-en un."},
      {"invalid-request", "La demande est incomplète ou mal formée."},
  };
  auto it = kMessages.find(code);
  return it != kMessages.end() ? it->second : "Une erreur est survenue.";
}

AccountService::AccountService(store::Store& store, const SecretKey& key, AccountOptions options,
                               Clock clock)
    : store_(store), key_(key), options_(std::move(options)), clock_(std::move(clock)) {
  if (!clock_) clock_ = [] { return static_cast<store::UnixTime>(std::time(nullptr)); };
}

void AccountService::Audit(const std::string& event, store::Id user_id, const std::string& login,
                           const ClientInfo& client, const std::string& detail) {
  store::AuditEntry e;
  e.at = Now();
  e.user_id = user_id;
  e.login = login.substr(0, 128);  // what was typed may be anything: bounded
  e.event = event;
  e.address = client.address;
  e.detail = detail;
  // Inside the caller's transaction when there is one (the entry then commits or rolls back
  // with the change it describes), else its own.
  Result<store::Id> id = store_.ThreadSession().AppendAudit(e);
  if (!id.ok()) {
    std::cerr << "cartable: audit: could not record " << event << " for '" << e.login
              << "': " << id.status().ToString() << "\n";
  }
}

}  // namespace cartable::directory
