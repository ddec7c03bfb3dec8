// What the account pages (account_pages.cc) and the JSON account API (account_api.cc) share: the
// sign-in that starts a session, and the password change that moves a session on.
#pragma once

#include <optional>
#include <string>

#include "server/web/web.h"

namespace cartable::server::web {

struct StartedSession {
  std::optional<directory::NewSession> session;  // set on success
  std::optional<store::User> user;
  directory::SignInOutcome outcome = directory::SignInOutcome::kRefused;
  std::string error;  // "invalid-credentials" (counted against the address) or "internal"
};
// SLOW. Signs in on the web channel and creates the session of the outcome's stage (kFull,
// kNeedsOtp, kNeedsEnrolment, kMustChange), ending the session the request came with.
StartedSession StartSession(PageContext& ctx, WebRequest& request, const std::string& login,
                            const std::string& password, const std::optional<std::string>& otp);

struct PasswordChange {
  std::string error;    // "" = changed; else an AccountError / PasswordProblem code
  std::string message;  // French
  int status = 200;     // 400 policy, 403 wrong current password, 429, 500
  unsigned retry_after = 0;
  store::SessionStage stage = store::SessionStage::kFull;  // where the session goes next
  std::string token;  // a new session cookie when the session was replaced
};
// SLOW. Changes the password of the request's user (current → fresh); for a kMustChange session
// replaces the session by one at the next stage (kFull, or the one-time-code steps).
PasswordChange ChangePasswordFor(PageContext& ctx, WebRequest& request, const std::string& current,
                                 const std::string& fresh);

// Ends the session `id` when it is one of the request's user's; false otherwise.
bool EndOwnSession(PageContext& ctx, WebRequest& request, store::Id id);

}  // namespace cartable::server::web
