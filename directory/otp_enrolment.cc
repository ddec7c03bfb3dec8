// One-time-code enrolment (RFC 6238 TOTP) and its removal: AccountService::BeginOtpEnrolment,
// ConfirmOtp, RemoveOtp. The secret is stored sealed with the server key, the recovery codes
// as keyed hashes (directory/secret_key.h); the sign-in side is directory/sign_in.cc.
#include <string>
#include <vector>

#include "directory/account_service.h"
#include "directory/otp.h"

namespace cartable::directory {
namespace {

constexpr size_t kRecoveryCodes = 10;
// A base32 TOTP secret as NewTotpSecret makes it (20 bytes = 32 characters); anything much
// longer did not come from our enrolment page.
constexpr size_t kMaxSecretChars = 128;

bool PlausibleSecret(const std::string& secret) {
  if (secret.empty() || secret.size() > kMaxSecretChars) return false;
  for (char c : secret) {
    const bool base32 = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '2' && c <= '7');
    if (!base32) return false;
  }
  return true;
}

}  // namespace

OtpEnrolment AccountService::BeginOtpEnrolment(const store::User& user) {
  OtpEnrolment e;
  e.secret = NewTotpSecret();
  e.uri = TotpUri(options_.issuer, user.login, e.secret);
  e.qr_svg = QrSvg(e.uri);
  return e;
}

Result<std::vector<std::string>> AccountService::ConfirmOtp(store::Id user_id,
                                                            const std::string& secret,
                                                            const std::string& code,
                                                            const ClientInfo& client) {
  store::Session& s = store_.ThreadSession();
  Result<store::User> user = s.GetUserById(user_id);
  if (!user.ok()) return user.status();
  if (!PlausibleSecret(secret)) return AccountFailure(AccountError::kWrongCode);
  std::optional<int64_t> step = VerifyTotp(secret, code, Now());
  if (!step) {
    Audit("otp-failed", user_id, user->login, client, "enrolment");
    return AccountFailure(AccountError::kWrongCode);
  }
  const std::vector<std::string> codes = NewRecoveryCodes(kRecoveryCodes);
  std::vector<std::string> hashes;
  hashes.reserve(codes.size());
  for (const std::string& c : codes) hashes.push_back(key_.Hash("recovery", NormalRecoveryCode(c)));
  bool replay = false;
  // One write transaction; returning from the lambda rolls back what it did not commit.
  Status stored = [&]() -> Status {
    Result<std::unique_ptr<store::Transaction>> txn = s.Begin(true);
    if (!txn.ok()) return txn.status();
    Result<store::UserSecurity> sec = s.GetUserSecurity(user_id);
    if (!sec.ok()) return sec.status();
    // Re-enrolling the secret already in use with a code already accepted would replay that
    // code (RFC 6238 §5.2: a verifier accepts each code once); a new secret starts afresh.
    if (!sec->otp_secret.empty() && *step <= sec->otp_last_step) {
      std::optional<std::string> current = key_.Open(sec->otp_secret);
      if (current && *current == secret) {
        replay = true;
        return AccountFailure(AccountError::kWrongCode);
      }
    }
    sec->otp_secret = key_.Seal(secret);
    sec->otp_enrolled_at = Now();
    sec->otp_last_step = *step;
    // Credentials change: from now on the password alone no longer opens the account.
    if (Status st = s.SetUserSecurity(user_id, *sec, true); !st.ok()) return st;
    if (Status st = s.SetRecoveryCodes(user_id, hashes); !st.ok()) return st;
    return (*txn)->Commit();
  }();
  if (replay) Audit("otp-failed", user_id, user->login, client, "enrolment, code already used");
  if (!stored.ok()) return stored;
  Audit("otp-enrolled", user_id, user->login, client);
  return codes;
}

Status AccountService::RemoveOtp(store::Id user_id, const ClientInfo& client) {
  store::Session& s = store_.ThreadSession();
  std::string login;
  {
    Result<std::unique_ptr<store::Transaction>> txn = s.Begin(true);
    if (!txn.ok()) return txn.status();
    Result<store::User> user = s.GetUserById(user_id);
    if (!user.ok()) return user.status();
    login = user->login;
    Result<store::UserSecurity> sec = s.GetUserSecurity(user_id);
    if (!sec.ok()) return sec.status();
    if (sec->otp_required || sec->role == store::Role::kAdmin) {
      return AccountFailure(AccountError::kOtpStillRequired);
    }
    if (sec->otp_secret.empty()) return Status::OK();  // nothing to remove
    sec->otp_secret.clear();
    sec->otp_enrolled_at = 0;
    sec->otp_last_step = 0;
    if (Status st = s.SetUserSecurity(user_id, *sec, true); !st.ok()) return st;
    if (Status st = s.SetRecoveryCodes(user_id, {}); !st.ok()) return st;
    if (Status st = (*txn)->Commit(); !st.ok()) return st;
  }
  Audit("otp-removed", user_id, login, client);
  return Status::OK();
}

}  // namespace cartable::directory
