// Web sessions (account_service.h, "web sessions"): the cookie is a random token of which only a
// keyed hash is stored (a copy of the database opens no session); a session ends after
// session_idle_minutes without a request or session_max_hours after it began, whichever comes
// first. last_seen_at is written at most once a minute, so that browsing costs no write per
// request: the idle clock therefore has a one-minute granularity.
#include <algorithm>

#include "directory/account_service.h"

namespace cartable::directory {
namespace {

constexpr store::UnixTime kTouchEverySeconds = 60;
constexpr size_t kMaxDeviceBytes = 200;

std::string Truncated(const std::string& text, size_t max) {
  if (text.size() <= max) return text;
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xc0) == 0x80) --cut;
  return text.substr(0, cut);
}

}  // namespace

Result<NewSession> AccountService::CreateSession(const store::User& user, store::SessionStage stage,
                                                 const ClientInfo& client) {
  store::Session& db = store_.ThreadSession();
  const store::UnixTime now = Now();
  // Expired sessions of everyone are purged here, where sessions are made: the table holds
  // live sessions only (plus those that expired since the last sign-in anywhere).
  if (auto purged = db.DeleteExpiredWebSessions(
          now - static_cast<store::UnixTime>(options_.session_idle_minutes) * 60,
          now - static_cast<store::UnixTime>(options_.session_max_hours) * 3600);
      !purged.ok()) {
    return purged.status();
  }
  NewSession out;
  out.token = RandomToken(32);
  store::WebSession& s = out.session;
  s.token_hash = key_.Hash("session", out.token);
  s.user_id = user.id;
  s.stage = stage;
  s.csrf_token = RandomToken(20);
  s.created_at = now;
  s.last_seen_at = now;
  s.address = client.address;
  s.device = Truncated(client.device, kMaxDeviceBytes);
  auto id = db.CreateWebSession(s);
  if (!id.ok()) return id.status();
  s.id = id.value();
  // At most max_sessions_per_user live sessions: the least recently used beyond it end (a script
  // signing in again and again cannot grow the devices list without bound).
  auto sessions = db.ListWebSessions(user.id);
  if (sessions.ok() && sessions.value().size() > options_.max_sessions_per_user) {
    std::vector<store::WebSession> list = std::move(sessions.value());
    std::stable_sort(list.begin(), list.end(),
                     [](const auto& a, const auto& b) { return a.last_seen_at > b.last_seen_at; });
    for (size_t i = std::max<size_t>(options_.max_sessions_per_user, 1); i < list.size(); ++i) {
      if (list[i].id != s.id) (void)db.DeleteWebSession(list[i].id);
    }
  }
  return out;
}

std::optional<store::WebSession> AccountService::ResolveSession(const std::string& token,
                                                                const ClientInfo& client) {
  if (token.empty() || token.size() > 128) return std::nullopt;
  store::Session& db = store_.ThreadSession();
  auto found = db.FindWebSession(key_.Hash("session", token));
  if (!found.ok()) return std::nullopt;
  store::WebSession s = std::move(found.value());
  const store::UnixTime now = Now();
  const store::UnixTime idle = static_cast<store::UnixTime>(options_.session_idle_minutes) * 60;
  const store::UnixTime max_age = static_cast<store::UnixTime>(options_.session_max_hours) * 3600;
  bool expired = now - s.last_seen_at > idle || now - s.created_at > max_age;
  if (!expired) {
    auto user = db.GetUserById(s.user_id);
    expired = !user.ok() || user.value().state != store::UserState::kActive;
  }
  if (expired) {
    (void)db.DeleteWebSession(s.id);
    return std::nullopt;
  }
  if (now - s.last_seen_at >= kTouchEverySeconds) {
    s.last_seen_at = now;
    s.address = client.address;
    if (!client.device.empty()) s.device = Truncated(client.device, kMaxDeviceBytes);
    (void)db.UpdateWebSession(s);  // best effort: a failed touch must not sign anyone out
  }
  return s;
}

Status AccountService::SetSessionStage(store::Id session_id, store::SessionStage stage) {
  store::Session& db = store_.ThreadSession();
  auto s = db.GetWebSession(session_id);
  if (!s.ok()) return s.status();
  store::WebSession session = std::move(s.value());
  session.stage = stage;
  // A new stage is a new level of trust: the forms of the previous stage stop working.
  session.csrf_token = RandomToken(20);
  return db.UpdateWebSession(session);
}

Status AccountService::EndSession(store::Id session_id) {
  return store_.ThreadSession().DeleteWebSession(session_id);
}

Result<int64_t> AccountService::EndAllSessions(store::Id user_id, store::Id keep_session_id,
                                               bool app_passwords) {
  store::Session& db = store_.ThreadSession();
  auto user = db.GetUserById(user_id);
  if (!user.ok()) return user.status();
  auto txn = db.Begin(/*write=*/true);
  if (!txn.ok()) return txn.status();
  auto sessions = db.DeleteWebSessions(user_id, keep_session_id);
  if (!sessions.ok()) return sessions.status();
  int64_t revoked = 0;
  if (app_passwords) {
    auto list = db.ListAppPasswords(user_id);
    if (!list.ok()) return list.status();
    for (const store::AppPassword& p : list.value()) {
      if (Status st = db.DeleteAppPassword(user_id, p.name); !st.ok()) return st;
      ++revoked;
    }
    if (revoked > 0) {
      // Cached Basic credentials (server/auth.h) are keyed by credential_version: bump it so
      // that a revoked app password stops working at once, not when the cache expires.
      auto security = db.GetUserSecurity(user_id);
      if (!security.ok()) return security.status();
      if (Status st = db.SetUserSecurity(user_id, security.value(), /*bump_credentials=*/true);
          !st.ok()) {
        return st;
      }
    }
  }
  if (Status st = txn.value()->Commit(); !st.ok()) return st;
  ClientInfo none;
  Audit(
      "sessions-ended", user_id, user.value().login, none,
      "sessions=" + std::to_string(sessions.value()) + " app-passwords=" + std::to_string(revoked));
  return sessions.value() + revoked;
}

Result<std::vector<Device>> AccountService::ListDevices(store::Id user_id,
                                                        store::Id current_session_id) {
  store::Session& db = store_.ThreadSession();
  auto sessions = db.ListWebSessions(user_id);
  if (!sessions.ok()) return sessions.status();
  auto passwords = db.ListAppPasswords(user_id);
  if (!passwords.ok()) return passwords.status();
  const store::UnixTime now = Now();
  const store::UnixTime idle = static_cast<store::UnixTime>(options_.session_idle_minutes) * 60;
  const store::UnixTime max_age = static_cast<store::UnixTime>(options_.session_max_hours) * 3600;
  std::vector<Device> out;
  for (const store::WebSession& s : sessions.value()) {
    if (now - s.last_seen_at > idle || now - s.created_at > max_age) continue;  // gone already
    Device d{};
    d.kind = Device::Kind::kWebSession;
    d.id = s.id;
    d.name = s.device;
    d.created_at = s.created_at;
    d.last_used_at = s.last_seen_at;
    d.last_address = s.address;
    d.current = s.id == current_session_id;
    out.push_back(std::move(d));
  }
  for (const store::AppPassword& p : passwords.value()) {
    Device d{};
    d.kind = Device::Kind::kAppPassword;
    d.id = p.id;
    d.name = p.name;
    d.created_at = p.created_at;
    d.last_used_at = p.last_used_at;
    d.last_address = p.last_used_address;
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace cartable::directory
