#include "server/reload.h"

#include <ini.h>

#include <cstring>
#include <fstream>
#include <sstream>

namespace cartable::server {
namespace {

// One reloadable key: copies its value(s) from the re-read file's Config into the snapshot.
struct ReloadableKey {
  const char* name;  // "section.key" as in the file
  void (*copy)(const Config& from, Config& to);
};

void CopySmtp(const Config& from, Config& to) { to.smtp = from.smtp; }

// What the running server reads per use, not once at start. Others are read at start (workers,
// the store, the secret key, the web bundle) or copied into a component's own options at start
// (the DAV engine's [limits] max_xml_* / max_response_bytes, [mail] from / retry_seconds, the
// account lockout numbers): changing those needs a restart, and the reload says so.
constexpr ReloadableKey kReloadable[] = {
    {"log.access_log", [](const Config& f, Config& t) { t.access_log = f.access_log; }},
    {"log.access_log_file",
     [](const Config& f, Config& t) { t.access_log_file = f.access_log_file; }},
    {"log.access_log_flush_ms",
     [](const Config& f, Config& t) { t.access_log_flush_ms = f.access_log_flush_ms; }},
    {"log.format", [](const Config& f, Config& t) { t.log_format = f.log_format; }},
    {"limits.max_body_bytes",
     [](const Config& f, Config& t) { t.max_body_bytes = f.max_body_bytes; }},
    {"limits.max_header_bytes",
     [](const Config& f, Config& t) { t.max_header_bytes = f.max_header_bytes; }},
    {"limits.request_timeout_seconds",
     [](const Config& f, Config& t) { t.request_timeout_seconds = f.request_timeout_seconds; }},
    {"limits.idle_timeout_seconds",
     [](const Config& f, Config& t) { t.idle_timeout_seconds = f.idle_timeout_seconds; }},
    {"limits.shutdown_grace_seconds",
     [](const Config& f, Config& t) { t.shutdown_grace_seconds = f.shutdown_grace_seconds; }},
    {"limits.max_connections_per_address",
     [](const Config& f, Config& t) {
       t.max_connections_per_address = f.max_connections_per_address;
     }},
    {"limits.max_queued_output_bytes",
     [](const Config& f, Config& t) { t.max_queued_output_bytes = f.max_queued_output_bytes; }},
    {"limits.lingering_close_seconds",
     [](const Config& f, Config& t) { t.lingering_close_seconds = f.lingering_close_seconds; }},
    {"limits.lingering_close_bytes",
     [](const Config& f, Config& t) { t.lingering_close_bytes = f.lingering_close_bytes; }},
    {"limits.gzip_min_bytes",
     [](const Config& f, Config& t) { t.gzip_min_bytes = f.gzip_min_bytes; }},
    {"auth.refused_body_drain_bytes",
     [](const Config& f, Config& t) { t.refused_body_drain_bytes = f.refused_body_drain_bytes; }},
    {"accounts.address_max_failures",
     [](const Config& f, Config& t) { t.address_max_failures = f.address_max_failures; }},
    {"accounts.address_window_minutes",
     [](const Config& f, Config& t) { t.address_window_minutes = f.address_window_minutes; }},
    {"mail.relay", CopySmtp},
    {"mail.tls", CopySmtp},
    {"mail.username", CopySmtp},
    {"mail.password", CopySmtp},
    {"mail.verify_peer", CopySmtp},
    {"mail.timeout_seconds", CopySmtp},
};

int OnValue(void* user, const char* section, const char* name, const char* value) {
  auto* out = static_cast<std::map<std::string, std::string>*>(user);
  (*out)[std::string(section) + "." + name] = value;
  return 1;
}

std::string Join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

ConfigSnapshots::ConfigSnapshots(const Config& initial) { Publish(initial); }

const Config* ConfigSnapshots::Publish(Config next) {
  std::lock_guard<std::mutex> lock(mu_);
  snapshots_.push_back(std::make_unique<const Config>(std::move(next)));
  const Config* published = snapshots_.back().get();
  current_ = published;
  return published;
}

ReloadableMailSender::ReloadableMailSender(std::unique_ptr<dav::scheduling::MailSender> sender)
    : current_(std::move(sender)) {}

Status ReloadableMailSender::Send(const std::string& envelope_from,
                                  const std::vector<std::string>& recipients,
                                  const std::string& message) {
  std::shared_ptr<dav::scheduling::MailSender> sender;
  {
    std::lock_guard<std::mutex> lock(mu_);
    sender = current_;
  }
  return sender->Send(envelope_from, recipients, message);
}

void ReloadableMailSender::Replace(std::unique_ptr<dav::scheduling::MailSender> sender) {
  std::shared_ptr<dav::scheduling::MailSender> next(std::move(sender));
  std::lock_guard<std::mutex> lock(mu_);
  current_.swap(next);
}

const std::set<std::string>& ReloadableKeys() {
  static const std::set<std::string> keys = [] {
    std::set<std::string> k;
    for (const ReloadableKey& r : kReloadable) k.insert(r.name);
    return k;
  }();
  return keys;
}

std::string ReadFileValues(const std::string& path, std::map<std::string, std::string>* out) {
  out->clear();
  std::ifstream in(path, std::ios::binary);
  if (!in) return path + ": cannot read file: " + std::strerror(errno);
  std::ostringstream text;
  text << in.rdbuf();
  const std::string content = text.str();
  if (ini_parse_string(content.c_str(), &OnValue, out) != 0) return path + ": syntax error";
  return "";
}

ReloadPlan PlanReload(const Config& running, const std::string& path,
                      const std::map<std::string, std::string>& previous_values,
                      const std::function<std::string(Config&)>& overrides,
                      const std::set<std::string>& overridden) {
  ReloadPlan plan;
  Config fresh;
  plan.error = fresh.LoadFile(path);
  if (plan.error.empty() && overrides) plan.error = overrides(fresh);
  if (plan.error.empty()) plan.error = ReadFileValues(path, &plan.file_values);
  if (!plan.error.empty()) return plan;

  plan.next = running;
  for (const ReloadableKey& r : kReloadable) r.copy(fresh, plan.next);
  // Keys added, removed or changed in the file since it was last loaded.
  std::set<std::string> changed;
  for (const auto& [key, value] : plan.file_values) {
    auto old = previous_values.find(key);
    if (old == previous_values.end() || old->second != value) changed.insert(key);
  }
  for (const auto& [key, value] : previous_values) {
    if (plan.file_values.count(key) == 0) changed.insert(key);
  }
  for (const std::string& key : changed) {
    if (overridden.count(key) != 0) continue;
    (ReloadableKeys().count(key) != 0 ? plan.applied : plan.needs_restart).push_back(key);
  }
  return plan;
}

std::string DescribeReload(const ReloadPlan& plan) {
  if (!plan.error.empty()) {
    return "configuration NOT reloaded, the running values stay: " + plan.error;
  }
  std::string line = "configuration reloaded; ";
  line += plan.applied.empty() ? "no reloadable key changed" : "applied: " + Join(plan.applied);
  if (!plan.needs_restart.empty()) {
    line += "; changed but needs a restart (running value kept): " + Join(plan.needs_restart);
  }
  return line;
}

}  // namespace cartable::server
