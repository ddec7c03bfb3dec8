// `cartable user export` (data_protection.h); the purge is in data_protection_purge.cc.
#include "server/data_protection.h"

#include <sys/stat.h>
#include <zip.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "dav/caldav/ical_export.h"
#include "dav/property_registry.h"
#include "dav/store/store.h"
#include "dav/target.h"
#include "dav/text_fold.h"

namespace cartable::server {
namespace {

using Json = nlohmann::json;

// Produces an entry's bytes piece by piece: appends the next piece to `out` and returns true,
// or returns false at the end.
using Generator = std::function<Result<bool>(std::string* out)>;

// One archive entry whose bytes libzip pulls at zip_close (a zip_source_function): the store
// is read then, one object at a time, so the archive never sits in memory.
struct LazyEntry {
  Generator next;
  time_t mtime = 0;
  std::string buffer;
  size_t pos = 0;
  bool done = false;
  Status failure;  // the generator's error, reported after zip_close
  zip_error_t error;
};

zip_int64_t LazyCallback(void* state, void* data, zip_uint64_t len, zip_source_cmd_t cmd) {
  auto* e = static_cast<LazyEntry*>(state);
  switch (cmd) {
    case ZIP_SOURCE_OPEN:
      e->buffer.clear();
      e->pos = 0;
      e->done = false;
      return 0;
    case ZIP_SOURCE_READ: {
      while (e->pos == e->buffer.size() && !e->done) {
        e->buffer.clear();
        e->pos = 0;
        Result<bool> more = e->next(&e->buffer);
        if (!more.ok()) {
          e->failure = more.status();
          zip_error_set(&e->error, ZIP_ER_READ, EIO);
          return -1;
        }
        if (!*more) e->done = true;
      }
      const size_t n = std::min<size_t>(len, e->buffer.size() - e->pos);
      std::memcpy(data, e->buffer.data() + e->pos, n);
      e->pos += n;
      return static_cast<zip_int64_t>(n);
    }
    case ZIP_SOURCE_CLOSE: return 0;
    case ZIP_SOURCE_STAT: {
      auto* st = static_cast<zip_stat_t*>(data);
      zip_stat_init(st);
      st->mtime = e->mtime;
      st->valid |= ZIP_STAT_MTIME;
      return sizeof(*st);
    }
    case ZIP_SOURCE_ERROR: return zip_error_to_data(&e->error, data, len);
    case ZIP_SOURCE_FREE: return 0;  // owned by the Archive
    case ZIP_SOURCE_SUPPORTS:
      return zip_source_make_command_bitmap(ZIP_SOURCE_OPEN, ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE,
                                            ZIP_SOURCE_STAT, ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE, -1);
    default: zip_error_set(&e->error, ZIP_ER_OPNOTSUPP, 0); return -1;
  }
}

// A zip archive being written; discarded (nothing left on disk) unless Close succeeds.
class Archive {
 public:
  ~Archive() {
    if (zip_ != nullptr) zip_discard(zip_);
  }
  Status Open(const std::string& path) {
    int code = 0;
    zip_ = zip_open(path.c_str(), ZIP_CREATE | ZIP_EXCL, &code);
    if (zip_ != nullptr) return Status::OK();
    if (code == ZIP_ER_EXISTS) return Status::Conflict(path + " exists; give a new file");
    zip_error_t error;
    zip_error_init_with_code(&error, code);
    Status s = Status::Internal("cannot create " + path + ": " + zip_error_strerror(&error));
    zip_error_fini(&error);
    return s;
  }
  Status Add(const std::string& name, Generator next, time_t mtime) {
    auto entry = std::make_unique<LazyEntry>();
    entry->next = std::move(next);
    entry->mtime = mtime;
    zip_error_init(&entry->error);
    zip_source_t* source = zip_source_function(zip_, LazyCallback, entry.get());
    if (source == nullptr) return Error("adding " + name);
    if (zip_file_add(zip_, name.c_str(), source, ZIP_FL_ENC_UTF_8) < 0) {
      zip_source_free(source);
      return Error("adding " + name);
    }
    entries_.push_back(std::move(entry));
    return Status::OK();
  }
  Status AddDirectory(const std::string& name) {
    return zip_dir_add(zip_, name.c_str(), ZIP_FL_ENC_UTF_8) < 0 ? Error("adding " + name)
                                                                 : Status::OK();
  }
  // Writes the archive: the entries' generators run now.
  Status Close() {
    const mode_t old = umask(077);  // personal data: readable by the caller only
    const int rc = zip_close(zip_);
    umask(old);
    if (rc == 0) {
      zip_ = nullptr;
      return Status::OK();
    }
    for (const auto& e : entries_) {
      if (!e->failure.ok()) return e->failure;
    }
    return Error("writing the archive");
  }

 private:
  Status Error(const std::string& what) {
    return Status::Internal(what + ": " + zip_strerror(zip_));
  }
  zip_t* zip_ = nullptr;
  std::vector<std::unique_ptr<LazyEntry>> entries_;
};

// A path segment as an archive name part: never "." or ".." (an unzip must not climb out of
// its directory), no backslash (Windows' separator), no control character.
std::string SafeSegment(std::string segment) {
  for (char& c : segment) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == '\\') c = '_';
  }
  if (segment.empty() || segment == "." || segment == "..") segment = "_" + segment;
  return segment;
}

// "perso" for "/dav/calendars/alice/perso/".
std::string LastSegment(const std::string& path) {
  std::string p = path;
  if (!p.empty() && p.back() == '/') p.pop_back();
  return p.substr(p.rfind('/') + 1);
}

std::string Iso(store::UnixTime t) { return t == 0 ? "" : dav::Rfc3339(t); }

// The names of a collection's objects, by name (metadata only).
Result<std::vector<store::Object>> Listing(store::Session& s, store::Id collection_id) {
  std::vector<store::Object> out;
  Status st = s.ForEachObjectListing(collection_id, [&](const store::Object& o) {
    out.push_back(o);
    return Status::OK();
  });
  if (!st.ok()) return st;
  return out;
}

class Exporter {
 public:
  Exporter(store::Session& session, Archive& zip) : s_(session), zip_(zip) {}

  Status Calendars(const store::User& user);
  Status Addressbooks(const store::User& user);
  Status Files(const store::Collection& dir, const std::string& prefix);
  Result<Json> Account(const store::User& user);

  ExportCounts counts;

 private:
  Status Calendar(const store::Collection& c, const std::string& name);
  Status RawObjects(const store::Collection& c, const std::string& prefix);
  store::Session& s_;
  Archive& zip_;
  std::set<std::string> names_;  // entry names given, to keep them unique
  std::string Unique(const std::string& base, const std::string& ext) {
    std::string name = base + ext;
    for (int i = 2; !names_.insert(name).second; ++i) name = base + "-" + std::to_string(i) + ext;
    return name;
  }
};

Status Exporter::Calendars(const store::User& user) {
  Result<store::Collection> home = s_.GetCollection(dav::HomePath(dav::CalendarArea(), user.login));
  if (!home.ok())
    return home.status().code() == Status::Code::kNotFound ? Status::OK() : home.status();
  Result<std::vector<store::Collection>> children = s_.ListChildCollections(home->id);
  if (!children.ok()) return children.status();
  for (const store::Collection& c : *children) {
    const std::string segment = SafeSegment(LastSegment(c.path));
    if (c.kind == store::kKindCalendar) {
      const bool tasks = c.settings.components == std::vector<std::string>{"VTODO"};
      if (Status st = Calendar(c, Unique((tasks ? "tasks/" : "calendars/") + segment, ".ics"));
          !st.ok()) {
        return st;
      }
    } else if (c.kind == store::kKindScheduleInbox || c.kind == store::kKindScheduleOutbox) {
      if (Status st = RawObjects(c, "scheduling/" + segment + "/"); !st.ok()) return st;
    }
  }
  return Status::OK();
}

Status Exporter::Calendar(const store::Collection& c, const std::string& name) {
  Result<std::vector<store::Object>> objects = Listing(s_, c.id);
  if (!objects.ok()) return objects.status();
  ++counts.calendars;
  counts.events += static_cast<int64_t>(objects->size());
  for (const store::Object& o : *objects) counts.bytes += o.size;
  struct State {
    size_t next = 0;
    bool header = false;
    std::set<std::string> zones;
  };
  auto state = std::make_shared<State>();
  store::Session* s = &s_;
  const store::Id id = c.id;
  const std::string title = c.settings.display_name.value_or(LastSegment(c.path));
  auto list = std::make_shared<std::vector<store::Object>>(std::move(objects.value()));
  return zip_.Add(
      name,
      [=](std::string* out) -> Result<bool> {
        if (!state->header) {
          state->header = true;
          *out = dav::caldav::ExportHeader(title);
          return true;
        }
        if (state->next > list->size()) return false;
        if (state->next == list->size()) {
          ++state->next;
          *out = dav::caldav::ExportFooter();
          return true;
        }
        const std::string& object = (*list)[state->next++].name;
        Result<store::Object> o = s->GetObject(id, object, true);
        if (o.status().code() == Status::Code::kNotFound) return true;  // deleted meanwhile
        if (!o.ok()) return o.status();
        Result<std::string> text = dav::caldav::ExportComponents(*o->data, &state->zones);
        if (!text.ok()) {
          return Status::Internal(c.path + object + " does not parse: " + text.status().ToString());
        }
        *out = std::move(text.value());
        return true;
      },
      time(nullptr));
}

// Each object of `c` as its own entry, bytes as stored.
Status Exporter::RawObjects(const store::Collection& c, const std::string& prefix) {
  Result<std::vector<store::Object>> objects = Listing(s_, c.id);
  if (!objects.ok()) return objects.status();
  store::Session* s = &s_;
  const store::Id id = c.id;
  for (const store::Object& o : *objects) {
    counts.bytes += o.size;
    auto done = std::make_shared<bool>(false);
    const std::string object = o.name;
    Status st = zip_.Add(
        Unique(prefix + SafeSegment(o.name), ""),
        [=](std::string* out) -> Result<bool> {
          if (*done) return false;
          *done = true;
          Result<store::Object> got = s->GetObject(id, object, true);
          if (got.status().code() == Status::Code::kNotFound) return false;
          if (!got.ok()) return got.status();
          *out = std::move(*got->data);
          return true;
        },
        static_cast<time_t>(o.modified_at));
    if (!st.ok()) return st;
  }
  return Status::OK();
}

Status Exporter::Addressbooks(const store::User& user) {
  Result<store::Collection> home =
      s_.GetCollection(dav::HomePath(dav::AddressbookArea(), user.login));
  if (!home.ok())
    return home.status().code() == Status::Code::kNotFound ? Status::OK() : home.status();
  Result<std::vector<store::Collection>> children = s_.ListChildCollections(home->id);
  if (!children.ok()) return children.status();
  for (const store::Collection& c : *children) {
    if (c.kind != store::kKindAddressbook) continue;
    Result<std::vector<store::Object>> objects = Listing(s_, c.id);
    if (!objects.ok()) return objects.status();
    ++counts.addressbooks;
    counts.cards += static_cast<int64_t>(objects->size());
    for (const store::Object& o : *objects) counts.bytes += o.size;
    auto list = std::make_shared<std::vector<store::Object>>(std::move(objects.value()));
    auto next = std::make_shared<size_t>(0);
    store::Session* s = &s_;
    const store::Id id = c.id;
    Status st = zip_.Add(
        Unique("addressbooks/" + SafeSegment(LastSegment(c.path)), ".vcf"),
        [=](std::string* out) -> Result<bool> {
          if (*next >= list->size()) return false;
          Result<store::Object> o = s->GetObject(id, (*list)[(*next)++].name, true);
          if (o.status().code() == Status::Code::kNotFound) return true;
          if (!o.ok()) return o.status();
          *out = std::move(*o->data);
          // Cards are concatenated: each ends its last line.
          if (!out->empty() && out->back() != '\n') *out += "\r\n";
          return true;
        },
        time(nullptr));
    if (!st.ok()) return st;
  }
  return Status::OK();
}

Status Exporter::Files(const store::Collection& dir, const std::string& prefix) {
  if (Status st = zip_.AddDirectory(prefix); !st.ok()) return st;
  Result<std::vector<store::Object>> objects = Listing(s_, dir.id);
  if (!objects.ok()) return objects.status();
  counts.files += static_cast<int64_t>(objects->size());
  if (Status st = RawObjects(dir, prefix); !st.ok()) return st;
  Result<std::vector<store::Collection>> children = s_.ListChildCollections(dir.id);
  if (!children.ok()) return children.status();
  for (const store::Collection& c : *children) {
    if (Status st = Files(c, prefix + SafeSegment(LastSegment(c.path)) + "/"); !st.ok()) return st;
  }
  return Status::OK();
}

std::string_view AccessText(store::ShareAccess a) {
  switch (a) {
    case store::ShareAccess::kRead: return "read";
    case store::ShareAccess::kReadWrite: return "read-write";
    case store::ShareAccess::kFreeBusy: return "freebusy";
  }
  return "";
}

std::string_view ShareStatusText(store::ShareStatus s) {
  switch (s) {
    case store::ShareStatus::kPending: return "pending";
    case store::ShareStatus::kAccepted: return "accepted";
    case store::ShareStatus::kDeclined: return "declined";
  }
  return "";
}

// The login of user `id` ("" when gone).
std::string LoginOf(store::Session& s, store::Id id) {
  Result<store::User> u = s.GetUserById(id);
  return u.ok() ? u->login : "";
}

// Shares granted: every share of the collections under the user's calendar and address-book
// homes.
Status SharesGranted(store::Session& s, const store::User& user, Json* out) {
  return internal::ForEachGrantedShares(
      s, user.login,
      [&](const store::Collection& c, const std::vector<store::Share>& shares) -> Status {
        for (const store::Share& h : shares) {
          out->push_back(
              {{"collection", c.path},
               {"sharee", h.sharee_user_id != 0 ? LoginOf(s, h.sharee_user_id) : h.sharee_group},
               {"access", AccessText(h.access)},
               {"status", ShareStatusText(h.status)},
               {"created", Iso(h.created_at)}});
        }
        return Status::OK();
      });
}

Result<Json> Exporter::Account(const store::User& user) {
  Result<store::UserSecurity> sec = s_.GetUserSecurity(user.id);
  if (!sec.ok()) return sec.status();
  Json a = {
      {"login", user.login},
      {"display_name", user.display_name},
      {"email", user.email},
      {"state", user.state == store::UserState::kActive ? "active" : "disabled"},
      {"role", sec->role == store::Role::kAdmin ? "admin" : "user"},
      {"created", Iso(user.created_at)},
      {"quota_bytes", user.quota_bytes},
      {"used_bytes", user.used_bytes},
      {"server_scheduling", user.scheduling},
      {"must_change_password", user.must_change_password},
      {"password_changed", Iso(sec->password_changed_at)},
      {"one_time_code",
       {{"required", sec->otp_required},
        {"enrolled", !sec->otp_secret.empty()},
        {"enrolled_at", Iso(sec->otp_enrolled_at)}}},
      {"backup_email", sec->backup_email},
      {"backup_email_pending", sec->backup_email_pending},
      {"locked_until", Iso(sec->locked_until)},
      {"blocked", sec->blocked},
  };
  Json passwords = Json::array();
  Result<std::vector<store::AppPassword>> apps = s_.ListAppPasswords(user.id);
  if (!apps.ok()) return apps.status();
  for (const store::AppPassword& p : *apps) {
    passwords.push_back({{"name", p.name},
                         {"created", Iso(p.created_at)},
                         {"last_used", Iso(p.last_used_at)},
                         {"last_address", p.last_used_address}});
  }
  a["app_passwords"] = passwords;
  Json sessions = Json::array();
  Result<std::vector<store::WebSession>> web = s_.ListWebSessions(user.id);
  if (!web.ok()) return web.status();
  for (const store::WebSession& w : *web) {
    sessions.push_back({{"created", Iso(w.created_at)},
                        {"last_seen", Iso(w.last_seen_at)},
                        {"address", w.address},
                        {"device", w.device}});
  }
  a["web_sessions"] = sessions;
  Json granted = Json::array();
  if (Status st = SharesGranted(s_, user, &granted); !st.ok()) return st;
  a["shares_granted"] = granted;
  Json received = Json::array();
  Result<std::vector<std::string>> keys = s_.GroupKeysOfUser(user.id);
  if (!keys.ok()) return keys.status();
  Result<std::vector<store::Share>> in = s_.SharesForSharee(user.id, *keys);
  if (!in.ok()) return in.status();
  for (const store::Share& h : *in) {
    Result<store::Collection> c = s_.GetCollectionById(h.collection_id);
    if (!c.ok()) return c.status();
    received.push_back({{"collection", c->path},
                        {"owner", LoginOf(s_, c->owner_id)},
                        {"via_group", h.sharee_group},
                        {"access", AccessText(h.access)},
                        {"status", ShareStatusText(h.status)},
                        {"created", Iso(h.created_at)}});
  }
  a["shares_received"] = received;
  Json delegates = Json::array(), delegations = Json::array();
  Result<std::vector<store::Delegate>> mine = s_.ListDelegates(user.id);
  if (!mine.ok()) return mine.status();
  for (const store::Delegate& d : *mine) {
    delegates.push_back(
        {{"delegate", LoginOf(s_, d.delegate_id)},
         {"access", d.access == store::DelegateAccess::kRead ? "read" : "read-write"},
         {"created", Iso(d.created_at)}});
  }
  Result<std::vector<store::Delegate>> theirs = s_.ListDelegations(user.id);
  if (!theirs.ok()) return theirs.status();
  for (const store::Delegate& d : *theirs) {
    delegations.push_back(
        {{"owner", LoginOf(s_, d.owner_id)},
         {"access", d.access == store::DelegateAccess::kRead ? "read" : "read-write"},
         {"created", Iso(d.created_at)}});
  }
  a["delegates"] = delegates;          // who may read or manage their calendars
  a["delegated_to_me"] = delegations;  // whose calendars they may read or manage
  Result<store::DirectoryEntry> entry = s_.GetDirectoryEntryByUser(user.id);
  if (entry.ok()) {
    a["directory_entry"] = {{"nom", entry->nom},
                            {"prenom", entry->prenom},
                            {"email", entry->email},
                            {"fonction", entry->fonction},
                            {"etablissement", entry->etablissement},
                            {"uai", entry->uai},
                            {"departement", entry->departement},
                            {"telephone", entry->telephone},
                            {"active", entry->active}};
  } else if (entry.status().code() != Status::Code::kNotFound) {
    return entry.status();
  }
  store::AuditQuery query;
  query.user_id = user.id;
  query.limit = static_cast<size_t>(-1);
  Result<std::vector<store::AuditEntry>> audit = s_.ListAudit(query);
  if (!audit.ok()) return audit.status();
  Json log = Json::array();
  for (const store::AuditEntry& e : *audit) {
    log.push_back(
        {{"at", Iso(e.at)}, {"event", e.event}, {"address", e.address}, {"detail", e.detail}});
  }
  a["audit"] = log;
  return a;
}

}  // namespace

Result<ExportCounts> ExportUser(store::Store& store, const std::string& login,
                                const std::string& zip_path) {
  store::Session& s = store.ThreadSession();
  std::error_code ec;
  if (std::filesystem::exists(zip_path, ec)) {
    return Status::Conflict(zip_path + " exists; give a new file");
  }
  // One snapshot for the whole archive: the entries are read at Close, inside it.
  Result<std::unique_ptr<store::Transaction>> txn = s.Begin(false);
  if (!txn.ok()) return txn.status();
  Result<store::User> user = s.GetUserByLogin(AsciiLower(login));
  if (!user.ok()) {
    return user.status().code() == Status::Code::kNotFound
               ? Status::NotFound("no user '" + login + "'")
               : user.status();
  }
  Archive zip;
  if (Status st = zip.Open(zip_path); !st.ok()) return st;
  Exporter exporter(s, zip);
  if (Status st = exporter.Calendars(*user); !st.ok()) return st;
  if (Status st = exporter.Addressbooks(*user); !st.ok()) return st;
  Result<store::Collection> files = s.GetCollection(dav::HomePath(dav::FilesArea(), user->login));
  if (files.ok()) {
    if (Status st = exporter.Files(*files, "files/"); !st.ok()) return st;
  } else if (files.status().code() != Status::Code::kNotFound) {
    return files.status();
  }
  Result<Json> account = exporter.Account(*user);
  if (!account.ok()) return account.status();
  Json doc = {{"format", "cartable-export-1"},
              {"exported", Iso(static_cast<store::UnixTime>(time(nullptr)))},
              {"account", *account},
              {"counts",
               {{"calendars", exporter.counts.calendars},
                {"events", exporter.counts.events},
                {"addressbooks", exporter.counts.addressbooks},
                {"cards", exporter.counts.cards},
                {"files", exporter.counts.files}}}};
  auto text =
      std::make_shared<std::string>(doc.dump(2, ' ', false, Json::error_handler_t::replace) + "\n");
  auto done = std::make_shared<bool>(false);
  Status st = zip.Add(
      "account.json",
      [=](std::string* out) -> Result<bool> {
        if (*done) return false;
        *done = true;
        *out = *text;
        return true;
      },
      time(nullptr));
  if (!st.ok()) return st;
  if (Status closed = zip.Close(); !closed.ok()) return closed;
  return exporter.counts;
}

namespace internal {

Status ForEachGrantedShares(store::Session& s, const std::string& login,
                            const std::function<Status(const store::Collection&,
                                                       const std::vector<store::Share>&)>& visit) {
  for (const dav::Area* area : {&dav::CalendarArea(), &dav::AddressbookArea()}) {
    Result<store::Collection> home = s.GetCollection(dav::HomePath(*area, login));
    if (!home.ok()) {
      if (home.status().code() == Status::Code::kNotFound) continue;
      return home.status();
    }
    Result<std::vector<store::Collection>> children = s.ListChildCollections(home->id);
    if (!children.ok()) return children.status();
    for (const store::Collection& c : *children) {
      Result<std::vector<store::Share>> shares = s.ListShares(c.id);
      if (!shares.ok()) return shares.status();
      if (Status st = visit(c, *shares); !st.ok()) return st;
    }
  }
  return Status::OK();
}

}  // namespace internal

}  // namespace cartable::server
