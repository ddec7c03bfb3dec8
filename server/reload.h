// Configuration reload (SIGHUP): which keys can change while the server runs, and the
// snapshots the transport reads them from.
//
// The running server never mutates a Config another thread reads: a reload builds a new
// snapshot (the running values, with the reloadable keys taken from the re-read file) and
// publishes it with one atomic pointer store. Readers load the pointer per use (no lock on the
// hot path). Snapshots are never freed while the server runs: a request may still hold the
// previous one, and a reload is an operator's action (one Config, a few KiB, per SIGHUP).
#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "dav/scheduling/mail_sender.h"
#include "server/config.h"

namespace cartable::server {

// A pointer to the current Config snapshot, read with acquire loads; assignable from a plain
// pointer (tests, the transport's start). The pointee must outlive every reader.
class ConfigPointer {
 public:
  ConfigPointer() = default;
  ConfigPointer(const Config* config) : ptr_(config) {}  // NOLINT: a drop-in for const Config*
  ConfigPointer& operator=(const Config* config) {
    ptr_.store(config, std::memory_order_release);
    return *this;
  }
  const Config* get() const { return ptr_.load(std::memory_order_acquire); }
  const Config* operator->() const { return get(); }
  const Config& operator*() const { return *get(); }

 private:
  std::atomic<const Config*> ptr_{nullptr};
};

// Owns every snapshot published since the start (see the file comment). Thread-safe.
class ConfigSnapshots {
 public:
  explicit ConfigSnapshots(const Config& initial);
  // The latest snapshot; stays valid as long as this object.
  const Config* current() const { return current_.get(); }
  // Stores `next` and makes it current; returns it.
  const Config* Publish(Config next);

 private:
  mutable std::mutex mu_;  // guards snapshots_ (publishers only)
  std::deque<std::unique_ptr<const Config>> snapshots_;
  ConfigPointer current_;
};

// A MailSender whose relay a reload replaces: each Send uses the sender current when it
// starts (a send in progress finishes on the old relay). Thread-safe; the lock is held only to
// copy a pointer, on the mail worker, never on a request thread.
class ReloadableMailSender : public dav::scheduling::MailSender {
 public:
  explicit ReloadableMailSender(std::unique_ptr<dav::scheduling::MailSender> sender);
  Status Send(const std::string& envelope_from, const std::vector<std::string>& recipients,
              const std::string& message) override;
  void Replace(std::unique_ptr<dav::scheduling::MailSender> sender);

 private:
  std::mutex mu_;
  std::shared_ptr<dav::scheduling::MailSender> current_;  // guarded by mu_
};

// The outcome of re-reading the config file.
struct ReloadPlan {
  std::string error;  // non-empty: the file is invalid; nothing changes
  // The running values with every reloadable key taken from the file (valid when error == "").
  Config next;
  // "section.key" names whose value in the file changed since the last load, split into those
  // `next` applies and those that need a restart (kept at their running value).
  std::vector<std::string> applied;
  std::vector<std::string> needs_restart;
  // The file's keys and raw values, to compare against at the next reload.
  std::map<std::string, std::string> file_values;
};

// The "section.key" names whose change a reload applies ([log], the transport's [limits],
// [accounts] address_* rate limits, [mail] relay settings).
const std::set<std::string>& ReloadableKeys();

// The file's keys ("section.key" -> raw value, last one wins); "" or an error message.
std::string ReadFileValues(const std::string& path, std::map<std::string, std::string>* out);

// Re-reads `path` into a fresh Config, applies `overrides` (the command line's flags, which
// keep winning), validates it, and compares its keys with `previous_values` (the file as last
// loaded). Keys in `overridden` (set on the command line) are never reported as changed.
ReloadPlan PlanReload(const Config& running, const std::string& path,
                      const std::map<std::string, std::string>& previous_values,
                      const std::function<std::string(Config&)>& overrides,
                      const std::set<std::string>& overridden);

// One log line describing `plan` ("configuration reloaded: ...; needs a restart: ...").
std::string DescribeReload(const ReloadPlan& plan);

}  // namespace cartable::server
