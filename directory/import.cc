// The staff-directory import: decode, validate, snapshot, plan, hash, then write in batches.
#include "directory/import.h"

#include <sodium.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <optional>
#include <regex>
#include <set>
#include <thread>
#include <unordered_map>

#include "dav/text_fold.h"
#include "directory/accounts.h"
#include "directory/group_accounts.h"
#include "directory/identity.h"
#include "directory/import_encoding.h"
#include "directory/import_vcards.h"
#include "directory/password.h"
#include "directory/secret_key.h"

namespace cartable::directory {
namespace {

using store::DirectoryEntry;
using store::User;

struct ValidRecord {
  PersonRecord record;  // record.numen: kept only until the new accounts' passwords are hashed
  std::string key;      // SourceKey (with the NUMEN's keyed hash, never the NUMEN)
  std::string numen_hash, birth_hash;  // DirectoryEntry's; "" when the file has none
};

// What the store holds before the import (read in one snapshot).
struct Snapshot {
  std::vector<DirectoryEntry> entries;
  std::vector<User> users;
  std::map<std::string, std::string> cards;  // name -> bytes, of the directory collection
};

// What the write transactions will do.
struct Plan {
  std::vector<DirectoryEntry> entries;  // every entry after the import: existing ones, then new
  std::vector<bool> entry_changed;      // parallel to entries: PutDirectoryEntry needed
  std::vector<bool> disabling;          // parallel to entries: absent from the file, disabled now
  // Parallel to entries: the person's groups (department, establishment, active) may change,
  // so their homes' share mounts are recomputed when the entry is written (TouchGroupMounts).
  std::vector<bool> groups_changed;
  GroupPlan groups;                      // group accounts to create or rename (step 2b)
  std::map<size_t, User> new_users;      // entry index -> account to create
  std::map<size_t, std::string> numens;  // entry index -> NUMEN to hash (new accounts only)
  std::map<size_t, User> user_updates;   // entry index -> its account's new state
  size_t active_before = 0;              // active entries in the snapshot
  std::vector<DirectoryCard> card_puts;
  std::vector<std::string> card_deletes;
  ImportCounts counts;
};

std::string Upper(std::string s) {
  for (char& c : s) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  return s;
}
bool AllAlnum(const std::string& s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'); });
}
// Overwrites a NUMEN no longer needed (a personal identifier: it should not outlive its use
// in a core dump or a swapped page).
void Wipe(std::string* s) {
  sodium_memzero(s->data(), s->size());
  s->clear();
}
double Since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// A source key as messages may show it: a NUMEN key is named, not quoted.
std::string DescribeKey(const std::string& key) {
  return key.rfind("numen:", 0) == 0 ? std::string("NUMEN") : key;
}

// Field checks of one record (normalising NUMEN, UAI and email case); "" when valid.
std::string CheckRecord(PersonRecord* r, const ImportOptions& options) {
  if (r->nom.empty()) return "missing nom";
  if (r->prenom.empty()) return "missing prenom";
  if (LoginBase(r->prenom, r->nom).empty()) return "nom/prenom give no usable login";
  r->email = AsciiLower(r->email);
  if (!r->email.empty() && !Accounts::ValidEmail(r->email)) return "bad email '" + r->email + "'";
  if (!r->departement.empty() && options.departments.count(r->departement) == 0) {
    return "unknown departement '" + r->departement + "'";
  }
  r->numen = Upper(r->numen);
  if (!r->numen.empty() && (r->numen.size() != 13 || !AllAlnum(r->numen))) {
    // Never quoted: a NUMEN is a personal identifier, and these messages reach terminals and logs.
    return "bad NUMEN (13 letters or digits expected)";
  }
  r->uai = Upper(r->uai);
  if (!r->uai.empty() && !AllAlnum(r->uai)) return "bad UAI '" + r->uai + "'";
  if (!r->date_naissance.empty() && !NormalBirthDate(r->date_naissance)) {
    // Not quoted either (personal data).
    return "bad birth date (JJ/MM/AAAA or AAAA-MM-JJ, a real date after 1900 expected)";
  }
  return "";
}

// Validates every record; duplicates of a key or an email in the file are errors.
std::vector<ValidRecord> Validate(std::vector<PersonRecord> records, const SecretKey& secret,
                                  const ImportOptions& options, std::vector<ImportError>* errors) {
  std::vector<ValidRecord> out;
  std::unordered_map<std::string, int> key_lines, email_lines;
  for (PersonRecord& r : records) {
    if (std::string err = CheckRecord(&r, options); !err.empty()) {
      errors->push_back({r.line, err});
      continue;
    }
    std::string numen_hash;
    if (!r.numen.empty()) {
      std::string normal = NormalNumen(r.numen);
      numen_hash = secret.Hash("numen", normal);
      Wipe(&normal);
    }
    std::string birth_hash;
    if (std::optional<std::string> d = NormalBirthDate(r.date_naissance)) {
      birth_hash = secret.Hash("birth", *d);
    }
    std::string key = SourceKey(numen_hash, r.ldif_uid, r.email, r.nom, r.prenom, r.uai);
    if (auto [it, fresh] = key_lines.emplace(key, r.line); !fresh) {
      errors->push_back({r.line, "duplicate key " + DescribeKey(key) + " (also line " +
                                     std::to_string(it->second) + ")"});
      continue;
    }
    if (!r.email.empty()) {
      if (auto [it, fresh] = email_lines.emplace(r.email, r.line); !fresh) {
        errors->push_back({r.line, "duplicate email " + r.email + " (also line " +
                                       std::to_string(it->second) + ")"});
        continue;
      }
    }
    out.push_back({std::move(r), std::move(key), std::move(numen_hash), std::move(birth_hash)});
  }
  return out;
}

Result<Snapshot> LoadSnapshot(store::Session& s) {
  Result<std::unique_ptr<store::Transaction>> txn = s.Begin(false);
  if (!txn.ok()) return txn.status();
  Snapshot snap;
  Result<std::vector<DirectoryEntry>> entries = s.ListDirectoryEntries();
  if (!entries.ok()) return entries.status();
  snap.entries = std::move(*entries);
  Result<std::vector<User>> users = s.ListUsers();
  if (!users.ok()) return users.status();
  snap.users = std::move(*users);
  // The group accounts too: their logins are taken, and the plan compares them (step 2b).
  Result<std::vector<User>> groups = s.ListGroups();
  if (!groups.ok()) return groups.status();
  snap.users.insert(snap.users.end(), groups->begin(), groups->end());
  Result<store::Collection> coll = s.GetCollection(store::kDirectoryPath);
  if (!coll.ok() && coll.status().code() != Status::Code::kNotFound) return coll.status();
  if (coll.ok()) {
    std::vector<std::string> names;
    Status st = s.ForEachObject(coll->id, [&names](const store::Object& o) {
      names.push_back(o.name);
      return Status::OK();
    });
    if (!st.ok()) return st;
    Result<std::vector<store::Object>> objects = s.GetObjects(coll->id, names, true);
    if (!objects.ok()) return objects.status();
    for (store::Object& o : *objects) snap.cards[o.name] = std::move(*o.data);
  }
  return snap;
}

bool SameFields(const DirectoryEntry& a, const DirectoryEntry& b) {
  return a.nom == b.nom && a.prenom == b.prenom && a.email == b.email && a.fonction == b.fonction &&
         a.etablissement == b.etablissement && a.uai == b.uai && a.departement == b.departement &&
         a.telephone == b.telephone && a.active == b.active && a.numen_hash == b.numen_hash &&
         a.birth_hash == b.birth_hash;
}

void CopyFields(const ValidRecord& v, DirectoryEntry* e) {
  const PersonRecord& r = v.record;
  // A file without the (optional) NUMEN or birth date keeps what an earlier file gave: an
  // export that lacks the column must not take activation away from everybody.
  if (!v.numen_hash.empty()) e->numen_hash = v.numen_hash;
  if (!v.birth_hash.empty()) e->birth_hash = v.birth_hash;
  e->nom = r.nom;
  e->prenom = r.prenom;
  if (!r.email.empty()) e->email = r.email;  // an empty column keeps the generated address
  e->fonction = r.fonction;
  e->etablissement = r.etablissement;
  e->uai = r.uai;
  e->departement = r.departement;
  e->telephone = r.telephone;
  e->active = true;
}

// Builds the plan from validated records and the snapshot; adds errors for emails that belong
// to another account.
class Planner {
 public:
  Planner(const Snapshot& snap, const SecretKey& secret, const ImportOptions& options)
      : snap_(snap), options_(options) {
    for (size_t i = 0; i < snap.users.size(); ++i) {
      const User& u = snap.users[i];
      users_by_id_[u.id] = i;
      logins_.Take(u.login);
      if (!u.email.empty()) {
        emails_.Take(u.email);
        users_by_email_[u.email] = i;
      }
    }
    for (const DirectoryEntry& e : snap.entries) {
      plan_.entries.push_back(e);
      plan_.entry_changed.push_back(false);
      plan_.disabling.push_back(false);
      plan_.groups_changed.push_back(false);
      if (e.user_id != 0) linked_users_.insert(e.user_id);
      if (e.active) ++plan_.active_before;
    }
    for (size_t i = 0; i < plan_.entries.size(); ++i) by_key_[plan_.entries[i].source_key] = i;
    RekeyClearNumens(secret);
    now_ = std::time(nullptr);
  }

  Plan Build(const std::vector<ValidRecord>& records, std::vector<ImportError>* errors) {
    for (const ValidRecord& v : records) {
      if (!v.record.email.empty()) emails_.Take(v.record.email);  // reserved before generating
    }
    std::vector<bool> seen(plan_.entries.size(), false);
    for (const ValidRecord& v : records) {
      auto it = by_key_.find(v.key);
      if (it != by_key_.end()) {
        seen[it->second] = true;
        UpdateExisting(v, it->second, errors);
      } else {
        AddNew(v, errors);
      }
    }
    for (size_t i = 0; i < seen.size(); ++i) {
      if (!seen[i] && plan_.entries[i].active) DisableAbsent(i);
    }
    return std::move(plan_);
  }

 private:
  // Entries written before NUMENs were hashed have the key "numen:" + the NUMEN in clear. They
  // get "numen:" + its keyed hash (what Validate computes for the same NUMEN), keeping their id,
  // card UID and account: the person keeps their login. Written with the plan's batches.
  void RekeyClearNumens(const SecretKey& secret) {
    static const std::regex kClearKey("numen:[0-9A-Z]{13}");
    for (size_t i = 0; i < plan_.entries.size(); ++i) {
      DirectoryEntry& e = plan_.entries[i];
      if (!std::regex_match(e.source_key, kClearKey)) continue;
      std::string hash = secret.Hash("numen", NormalNumen(e.source_key.substr(6)));
      std::string key = SourceKey(hash, "", "", "", "", "");
      if (by_key_.count(key) != 0) continue;  // both forms stored: left for the operator
      by_key_.erase(e.source_key);
      by_key_[key] = i;
      e.source_key = std::move(key);
      if (e.numen_hash.empty()) e.numen_hash = std::move(hash);
      plan_.entry_changed[i] = true;
      ++plan_.counts.rekeyed;
    }
  }

  // The account id owning `email`, or 0.
  store::Id EmailOwner(const std::string& email) const {
    auto it = users_by_email_.find(email);
    return it == users_by_email_.end() ? 0 : snap_.users[it->second].id;
  }

  void UpdateExisting(const ValidRecord& v, size_t index, std::vector<ImportError>* errors) {
    const PersonRecord& r = v.record;
    DirectoryEntry& e = plan_.entries[index];
    DirectoryEntry next = e;
    CopyFields(v, &next);
    store::Id owner = EmailOwner(next.email);
    if (owner != 0 && owner != e.user_id) {
      errors->push_back({r.line, "email " + next.email + " belongs to another account"});
      return;
    }
    if (SameFields(e, next)) {
      ++plan_.counts.unchanged;
      return;
    }
    bool reactivated = !e.active;
    plan_.groups_changed[index] =
        e.uai != next.uai || e.departement != next.departement || e.active != next.active;
    next.updated_at = now_;
    e = next;
    plan_.entry_changed[index] = true;
    ++plan_.counts.updated;
    UpdateAccount(index, reactivated);
  }

  // Mirrors name and email on the account; re-enables it when the import had disabled it.
  void UpdateAccount(size_t index, bool reactivate) {
    const DirectoryEntry& e = plan_.entries[index];
    auto it = users_by_id_.find(e.user_id);
    if (it == users_by_id_.end()) return;
    User u = snap_.users[it->second];
    std::string name = e.prenom + " " + e.nom;
    bool state_change = reactivate && u.state != store::UserState::kActive;
    if (u.display_name == name && u.email == e.email && !state_change) return;
    u.display_name = name;
    u.email = e.email;
    if (state_change) u.state = store::UserState::kActive;
    plan_.user_updates[index] = u;
  }

  void AddNew(const ValidRecord& v, std::vector<ImportError>* errors) {
    const PersonRecord& r = v.record;
    DirectoryEntry e;
    e.source_key = v.key;
    e.card_uid = NewCardUid();
    e.updated_at = now_;
    CopyFields(v, &e);
    if (store::Id owner = EmailOwner(r.email); owner != 0) {
      if (linked_users_.count(owner) != 0) {
        errors->push_back({r.line, "email " + r.email + " belongs to another person's account"});
        return;
      }
      e.user_id = owner;  // an account made by hand before the import: adopt it
      linked_users_.insert(owner);
    }
    if (e.email.empty()) {
      e.email = emails_.NextEmail(EmailLocalBase(r.prenom, r.nom), options_.mail_domain);
    }
    size_t index = plan_.entries.size();
    plan_.entries.push_back(e);
    plan_.entry_changed.push_back(true);
    plan_.disabling.push_back(false);
    plan_.groups_changed.push_back(e.user_id != 0);  // an adopted account may have shares
    ++plan_.counts.added;
    if (e.user_id != 0) return;
    User u;
    u.login = logins_.NextLogin(LoginBase(r.prenom, r.nom));
    u.email = e.email;
    u.display_name = r.prenom + " " + r.nom;
    u.created_at = now_;
    u.must_change_password = !r.numen.empty();
    plan_.new_users[index] = u;
    if (!r.numen.empty()) plan_.numens[index] = r.numen;
  }

  void DisableAbsent(size_t index) {
    DirectoryEntry& e = plan_.entries[index];
    e.active = false;
    e.updated_at = now_;
    plan_.entry_changed[index] = true;
    plan_.disabling[index] = true;
    plan_.groups_changed[index] = !e.uai.empty() || !e.departement.empty();
    ++plan_.counts.disabled;
    auto it = users_by_id_.find(e.user_id);
    if (it == users_by_id_.end()) return;
    User u = snap_.users[it->second];
    if (u.state == store::UserState::kDisabled) return;
    u.state = store::UserState::kDisabled;
    plan_.user_updates[index] = u;
  }

  const Snapshot& snap_;
  const ImportOptions& options_;
  Plan plan_;
  IdentityAllocator logins_, emails_;
  std::unordered_map<store::Id, size_t> users_by_id_;
  std::unordered_map<std::string, size_t> users_by_email_;
  std::unordered_map<std::string, size_t> by_key_;
  std::set<store::Id> linked_users_;
  store::UnixTime now_ = 0;
};

// Hashes the NUMENs of new accounts on a pool of threads (Argon2id is ~20 ms each), then wipes
// them: from here on only hashes remain.
void HashNumens(Plan* plan, unsigned threads) {
  std::vector<std::pair<size_t, std::string>> work(plan->numens.begin(), plan->numens.end());
  std::vector<std::string> hashes(work.size());
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<size_t>(threads, work.size()));
  std::atomic<size_t> next{0};
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (size_t i = next++; i < work.size(); i = next++)
        hashes[i] = HashPassword(work[i].second, HashStrength::kTemporary);
    });
  }
  for (std::thread& t : pool) t.join();
  for (size_t i = 0; i < work.size(); ++i) {
    plan->new_users[work[i].first].password_hash = std::move(hashes[i]);
    Wipe(&work[i].second);
  }
  for (auto& [index, numen] : plan->numens) Wipe(&numen);
  plan->numens.clear();
}

// Cards to write (content differs) and to delete (no longer wanted).
void PlanCards(const Snapshot& snap, const ImportOptions& options, Plan* plan) {
  std::set<std::string> wanted;
  for (DirectoryCard& card : DirectoryCards(plan->entries, options.departments)) {
    wanted.insert(card.name);
    auto it = snap.cards.find(card.name);
    if (it == snap.cards.end() || it->second != card.data)
      plan->card_puts.push_back(std::move(card));
  }
  for (const auto& [name, data] : snap.cards) {
    if (wanted.count(name) == 0) plan->card_deletes.push_back(name);
  }
  plan->counts.cards_written = plan->card_puts.size();
  plan->counts.cards_deleted = plan->card_deletes.size();
}

// Runs `apply(i)` for i in [0, n) in write transactions of at most `batch` calls each; counts
// the committed transactions in *committed. Stops at the first failure (its batch rolled back).
// Pauses `pause` before every batch but the first of the import (see ImportOptions::pause_ms).
template <typename Fn>
Status InBatches(store::Session& s, size_t n, size_t batch, std::chrono::milliseconds pause,
                 size_t* committed, const Fn& apply) {
  batch = std::max<size_t>(batch, 1);
  for (size_t begin = 0; begin < n; begin += batch) {
    if (*committed > 0) std::this_thread::sleep_for(pause);  // lets waiting writers in
    Result<std::unique_ptr<store::Transaction>> txn = s.Begin(true);
    if (!txn.ok()) return txn.status();
    for (size_t i = begin; i < std::min(n, begin + batch); ++i) {
      if (Status st = apply(i); !st.ok()) return st;
    }
    if (Status st = (*txn)->Commit(); !st.ok()) return st;
    ++*committed;
  }
  return Status::OK();
}

// After a change of `user_id`'s entry: the share mounts their new groups add to or remove from
// their homes (group_accounts.h), counted in plan->counts.homes_touched.
Status TouchMounts(store::Session& s, Plan* plan, store::Id user_id,
                   const std::vector<std::string>& keys_before) {
  Result<std::vector<std::string>> keys_after = s.GroupKeysOfUser(user_id);
  if (!keys_after.ok()) return keys_after.status();
  if (*keys_after == keys_before) return Status::OK();
  Result<User> user = s.GetUserById(user_id);
  if (!user.ok()) return user.status();
  Result<size_t> touched = TouchGroupMounts(s, *user, keys_before, *keys_after);
  if (!touched.ok()) return touched.status();
  plan->counts.homes_touched += *touched;
  return Status::OK();
}

// One person: the new account and its entry together (see import.h), or the account's update.
// Store messages name the entry by its card UID, never by its source key (it may be a NUMEN).
Status ApplyPerson(store::Session& s, Plan* plan, size_t index) {
  DirectoryEntry& e = plan->entries[index];
  if (auto it = plan->new_users.find(index); it != plan->new_users.end()) {
    Result<store::Id> id = s.CreateUser(it->second);
    if (!id.ok()) return id.status();
    e.user_id = *id;
  }
  if (auto it = plan->user_updates.find(index); it != plan->user_updates.end()) {
    if (Status st = s.UpdateUser(it->second); !st.ok()) return st;
  }
  const bool regroup = plan->groups_changed[index] && e.user_id != 0;
  std::vector<std::string> keys_before;
  if (regroup) {
    Result<std::vector<std::string>> keys = s.GroupKeysOfUser(e.user_id);
    if (!keys.ok()) return keys.status();
    keys_before = std::move(keys.value());
  }
  Result<store::Id> id = s.PutDirectoryEntry(e);
  if (!id.ok()) return id.status();
  e.id = *id;
  if (regroup) return TouchMounts(s, plan, e.user_id, keys_before);
  return Status::OK();
}

// Creates or renames one group account of the plan (step 2b).
Status ApplyGroup(store::Session& s, const Plan& plan, size_t i) {
  const size_t creates = plan.groups.creates.size();
  if (i >= creates) return s.UpdateUser(plan.groups.renames[i - creates]);
  return s.CreateUser(plan.groups.creates[i]).status();
}

Status ApplyCards(store::Session& s, const Plan& plan, size_t batch,
                  std::chrono::milliseconds pause, size_t* committed) {
  Result<store::Collection> coll = s.GetCollection(store::kDirectoryPath);
  if (!coll.ok() && coll.status().code() == Status::Code::kNotFound) {
    coll = s.CreateCollection(store::kDirectoryPath, 0, 0, store::kKindDirectory);
  }
  if (!coll.ok()) return coll.status();
  const store::Id id = coll->id;
  const size_t puts = plan.card_puts.size();
  return InBatches(s, puts + plan.card_deletes.size(), batch, pause, committed, [&](size_t i) {
    if (i >= puts) return s.DeleteObject(id, plan.card_deletes[i - puts]);
    const DirectoryCard& card = plan.card_puts[i];
    return s
        .PutObject(id, card.name, "text/vcard; charset=utf-8", card.data,
                   store::ObjectIndex{card.uid, "VCARD"})
        .status();
  });
}

// The three steps of import.h, each in batches. On failure the message says how far it got.
Status Apply(store::Session& s, Plan* plan, const ImportOptions& options) {
  const size_t batch = options.batch_size;
  const std::chrono::milliseconds pause(options.pause_ms);
  std::vector<size_t> upserts, disables;
  for (size_t i = 0; i < plan->entries.size(); ++i) {
    if (plan->entry_changed[i]) (plan->disabling[i] ? disables : upserts).push_back(i);
  }
  size_t committed = 0;
  Status st = InBatches(s, upserts.size(), batch, pause, &committed,
                        [&](size_t i) { return ApplyPerson(s, plan, upserts[i]); });
  if (st.ok()) {
    st = InBatches(s, disables.size(), batch, pause, &committed,
                   [&](size_t i) { return ApplyPerson(s, plan, disables[i]); });
  }
  if (st.ok()) {
    st = InBatches(s, plan->groups.creates.size() + plan->groups.renames.size(), batch, pause,
                   &committed, [&](size_t i) { return ApplyGroup(s, *plan, i); });
  }
  if (st.ok()) st = ApplyCards(s, *plan, batch, pause, &committed);
  if (st.ok() || committed == 0) return st;
  std::string msg = st.message() + " (" + std::to_string(committed) +
                    " batch(es) were committed before; re-running the same file completes the "
                    "import)";
  return st.code() == Status::Code::kUnavailable
             ? Status::Unavailable(std::move(msg), st.retry_after_seconds())
             : Status(st.code(), std::move(msg));
}

// Refuses (in `errors`) a plan that disables more than options.max_disable_percent of the
// active entries, unless options.allow_mass_disable.
void CheckMassDisable(const Plan& plan, const ImportOptions& options,
                      std::vector<ImportError>* errors) {
  const size_t disabled = plan.counts.disabled;
  if (options.allow_mass_disable || disabled == 0) return;
  if (disabled * 100 <= plan.active_before * options.max_disable_percent) return;
  errors->push_back({0, "the file would disable " + std::to_string(disabled) + " of the " +
                            std::to_string(plan.active_before) + " active people (more than " +
                            std::to_string(options.max_disable_percent) +
                            " %); nothing changed. Check that the file is complete, or pass "
                            "--allow-mass-disable"});
}

void SortErrors(std::vector<ImportError>* errors) {
  std::stable_sort(errors->begin(), errors->end(),
                   [](const ImportError& a, const ImportError& b) { return a.line < b.line; });
}

}  // namespace

std::map<std::string, std::string> DefaultDepartments() {
  return {{"18", "Cher"},           {"28", "Eure-et-Loir"}, {"36", "Indre"},
          {"37", "Indre-et-Loire"}, {"41", "Loir-et-Cher"}, {"45", "Loiret"}};
}

Result<ImportReport> ImportDirectory(store::Store& store, std::string_view file,
                                     const SecretKey& secret, const ImportOptions& options) {
  ImportReport report;
  if (file.size() > options.max_bytes) {
    report.errors.push_back(
        {0, "file larger than max_import_bytes (" + std::to_string(options.max_bytes) + " bytes)"});
    return report;
  }
  std::optional<std::string> encoding = CanonicalEncoding(options.encoding);
  if (!encoding) {
    report.errors.push_back({0, "unknown encoding '" + options.encoding + "'"});
    return report;
  }
  ImportError decode_error;
  std::optional<std::string> text = DecodeImportFile(file, *encoding, &decode_error);
  if (!text) {
    report.errors.push_back(std::move(decode_error));
    return report;
  }
  ParsedFile parsed = LooksLikeLdif(*text) ? ParseLdif(*text) : ParseCsv(*text);
  Wipe(&*text);  // the records hold what is needed
  report.errors = std::move(parsed.errors);
  std::vector<ValidRecord> records =
      Validate(std::move(parsed.records), secret, options, &report.errors);
  if (!report.errors.empty()) {
    SortErrors(&report.errors);
    return report;
  }
  store::Session& s = store.ThreadSession();
  Result<Snapshot> snap = LoadSnapshot(s);
  if (!snap.ok()) return snap.status();
  Plan plan = Planner(*snap, secret, options).Build(records, &report.errors);
  struct WipeOnReturn {  // NUMENs of a plan that is refused or only counted (dry run)
    Plan* plan;
    ~WipeOnReturn() {
      for (auto& [index, numen] : plan->numens) Wipe(&numen);
    }
  } wipe_on_return{&plan};
  for (ValidRecord& v : records) Wipe(&v.record.numen);  // the plan holds the ones it needs
  if (!report.errors.empty()) {
    SortErrors(&report.errors);
    return report;
  }
  report.counts = plan.counts;
  CheckMassDisable(plan, options, &report.errors);
  if (!report.errors.empty()) return report;
  plan.groups = PlanGroupAccounts(WantedGroups(plan.entries, options.departments), snap->users,
                                  std::time(nullptr));
  if (!plan.groups.error.empty()) {
    report.errors.push_back({0, plan.groups.error + "; nothing changed"});
    return report;
  }
  plan.counts.groups_added = plan.groups.creates.size();
  plan.counts.groups_renamed = plan.groups.renames.size();
  PlanCards(*snap, options, &plan);
  report.counts = plan.counts;
  if (options.dry_run) return report;
  auto t0 = std::chrono::steady_clock::now();
  HashNumens(&plan, options.hash_threads);
  report.seconds_hashing = Since(t0);
  t0 = std::chrono::steady_clock::now();
  if (Status st = Apply(s, &plan, options); !st.ok()) return st;
  report.counts.homes_touched = plan.counts.homes_touched;
  report.seconds_writing = Since(t0);
  return report;
}

}  // namespace cartable::directory
