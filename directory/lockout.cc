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

Result<std::string> CountFailure(store::Store& store, const SecretKey& key,
                                 const AccountOptions& options, const store::User& user,
                                 const std::string& secret, const ClientInfo& client,
                                 store::UnixTime now) {
  std::string event;
  const std::string fingerprint = key.Hash("failure", secret);
  Status st = InWriteTransaction(store, [&](store::Session& s) -> Status {
    const store::UnixTime since = now - int64_t{options.lockout_window_minutes} * 60;
    Result<std::vector<store::AuthFailure>> recent = s.AuthFailuresSince(user.id, since);
    if (!recent.ok()) return recent.status();
    std::vector<std::string> distinct;
    for (const store::AuthFailure& f : *recent) {
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
      event = "blocked";
    } else {
      // lockout_minutes × 2^(temporary_locks − 1); the exponent is bounded by the config
      // (lockout_max_temporary <= 20), the shift guards against a hand-edited store.
      int64_t shift = std::min<int64_t>(sec->temporary_locks - 1, 20);
      sec->locked_until = now + int64_t{options.lockout_minutes} * 60 * (int64_t{1} << shift);
      event = "locked";
    }
    if (Status c = s.ClearAuthFailures(user.id); !c.ok()) return c;
    // Bumps credential_version: cached Basic credentials stop working at once.
    if (Status w = s.SetUserSecurity(user.id, *sec, /*bump_credentials=*/true); !w.ok()) return w;
    // A lock ends the account's web sessions (design: "lock → other sessions end").
    Result<int64_t> ended = s.DeleteWebSessions(user.id, 0);
    return ended.ok() ? Status::OK() : ended.status();
  });
  if (!st.ok()) return st;
  return event;
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
