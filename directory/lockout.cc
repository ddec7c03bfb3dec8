#include "directory/lockout.h"

#include <algorithm>
#include <vector>

namespace cartable::directory::lockout {

bool Locked(const store::UserSecurity& sec, store::UnixTime now) {
  return sec.blocked || sec.locked_until > now;
}

Status InWriteTransaction(store::Store& store, const std::function<Status(store::Session&)>& work) {
  store::Session& s = store.ThreadSession();
  Result<std::unique_ptr<store::Transaction>> txn = s.Begin(true);
  if (!txn.ok()) return txn.status();
  if (Status st = work(s); !st.ok()) return st;
  return (*txn)->Commit();
}

Status CountFailure(AccountService& service, const store::User& user, const std::string& secret,
                    const ClientInfo& client, store::UnixTime now, const std::string& event,
                    const std::string& detail) {
  const AccountOptions& options = service.options();
  const std::string fingerprint = service.key().Hash("failure", secret);
  service.CountSignInFailure();
  bool audited = false;
  bool locked = false;
  Status st = InWriteTransaction(service.store(), [&](store::Session& s) -> Status {
    // In this transaction: one commit for the failure and its audit entry, so that a wrong
    // password of an existing account costs the store what an unknown login's audit costs.
    service.Audit(event, user.id, user.login, client, detail);
    audited = true;
    const store::UnixTime since = now - int64_t{options.lockout_window_minutes} * 60;
    Result<std::vector<store::AuthFailure>> all = s.AuthFailuresSince(user.id, 0);
    if (!all.ok()) return all.status();
    std::vector<store::AuthFailure> recent;
    for (const store::AuthFailure& f : *all) {
      if (f.at >= since) recent.push_back(f);
    }
    // Failures older than the window no longer count: forget them, so that an account guessed
    // at slowly (below the threshold per window) keeps at most lockout_threshold rows.
    if (recent.size() < all->size()) {
      if (Status c = s.ClearAuthFailures(user.id); !c.ok()) return c;
      for (const store::AuthFailure& f : recent) {
        if (Status add = s.AddAuthFailure(user.id, f); !add.ok()) return add;
      }
    }
    std::vector<std::string> distinct;
    for (const store::AuthFailure& f : recent) {
      if (std::find(distinct.begin(), distinct.end(), f.fingerprint) == distinct.end()) {
        distinct.push_back(f.fingerprint);
      }
    }
    // A device repeating the same old password counts once (the issue: "a phone with an old
    // password does not lock its owner out").
    if (std::find(distinct.begin(), distinct.end(), fingerprint) != distinct.end()) {
      return Status::OK();
    }
    if (Status add = s.AddAuthFailure(user.id, {now, fingerprint, client.address}); !add.ok()) {
      return add;
    }
    if (options.lockout_threshold == 0 || distinct.size() + 1 < options.lockout_threshold) {
      return Status::OK();
    }
    Result<store::UserSecurity> sec = s.GetUserSecurity(user.id);
    if (!sec.ok()) return sec.status();
    sec->temporary_locks += 1;
    if (sec->temporary_locks > int64_t{options.lockout_max_temporary}) {
      sec->blocked = true;
      service.Audit("blocked", user.id, user.login, client,
                    std::to_string(sec->temporary_locks - 1) + " temporary locks before");
    } else {
      // lockout_minutes × 2^(temporary_locks − 1); the exponent is bounded by the config
      // (lockout_max_temporary <= 20), the shift guards against a hand-edited store.
      int64_t shift = std::min<int64_t>(sec->temporary_locks - 1, 20);
      const int64_t minutes = int64_t{options.lockout_minutes} << shift;
      sec->locked_until = now + minutes * 60;
      service.Audit(
          "locked", user.id, user.login, client,
          std::to_string(minutes) + " minutes, lock " + std::to_string(sec->temporary_locks));
    }
    locked = true;
    if (Status c = s.ClearAuthFailures(user.id); !c.ok()) return c;
    // Bumps credential_version: cached Basic credentials stop working at once.
    if (Status w = s.SetUserSecurity(user.id, *sec, /*bump_credentials=*/true); !w.ok()) return w;
    // A lock ends the account's web sessions (design: "lock → other sessions end").
    Result<int64_t> ended = s.DeleteWebSessions(user.id, 0);
    return ended.ok() ? Status::OK() : ended.status();
  });
  // The transaction failed (a busy store): the failure is not counted, its entry rolled back;
  // the audit still gets it.
  if (!st.ok() && audited) service.Audit(event, user.id, user.login, client, detail);
  if (st.ok() && locked) service.CountLockout();
  return st;
}

Status ClearFailures(store::Store& store, store::Id user_id) {
  store::Session& s = store.ThreadSession();
  Result<std::vector<store::AuthFailure>> failures = s.AuthFailuresSince(user_id, 0);
  Result<store::UserSecurity> sec = s.GetUserSecurity(user_id);
  if (!failures.ok()) return failures.status();
  if (!sec.ok()) return sec.status();
  if (failures->empty() && sec->temporary_locks == 0) return Status::OK();
  return InWriteTransaction(store, [&](store::Session& w) -> Status {
    Result<store::UserSecurity> now_sec = w.GetUserSecurity(user_id);
    if (!now_sec.ok()) return now_sec.status();
    if (Status c = w.ClearAuthFailures(user_id); !c.ok()) return c;
    if (now_sec->temporary_locks == 0) return Status::OK();
    now_sec->temporary_locks = 0;
    return w.SetUserSecurity(user_id, *now_sec, /*bump_credentials=*/false);
  });
}

}  // namespace cartable::directory::lockout
