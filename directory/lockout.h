// The per-account lockout rules shared by every step that checks a secret of the person
// (sign-in, one-time code, password change): design "Rules", "Lockout".
#pragma once

#include <functional>
#include <string>

#include "dav/status.h"
#include "dav/store/store.h"
#include "directory/account_service.h"
#include "directory/secret_key.h"

namespace cartable::directory::lockout {

// Whether the account refuses every password now (temporarily locked or blocked).
bool Locked(const store::UserSecurity& sec, store::UnixTime now);

// Runs `work` in a write transaction of the calling thread's session and commits it.
Status InWriteTransaction(store::Store& store, const std::function<Status(store::Session&)>& work);

// Records a wrong password or code (`secret`) of the existing account `user`: counted once per
// distinct fingerprint (keyed hash "failure") within lockout_window_minutes; reaching
// lockout_threshold distinct failures locks the account for lockout_minutes × 2^(locks − 1), or
// blocks it past lockout_max_temporary locks, clears the failures, bumps credential_version and
// ends the account's web sessions. Audits `event` (with `detail`) and "locked" / "blocked" in
// the same write transaction. Errors: the store's (the failure is then not counted).
Status CountFailure(AccountService& service, const store::User& user, const std::string& secret,
                    const ClientInfo& client, store::UnixTime now, const std::string& event,
                    const std::string& detail = "");

// After a complete sign-in: forgets the failures and the temporary locks (writes only when there
// is something to forget).
Status ClearFailures(store::Store& store, store::Id user_id);

}  // namespace cartable::directory::lockout
