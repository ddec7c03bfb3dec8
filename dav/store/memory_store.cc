#include "dav/store/memory_store.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

#include "dav/store/directory_text.h"
#include "dav/store/store_util.h"

namespace cartable::store {
namespace {

using PropKey = std::pair<std::string, std::string>;  // (ns, local)
using PropMap = std::map<PropKey, std::string>;

struct ObjectRec {
  Object meta;  // data not set
  std::string data;
  PropMap props;
  std::string schedule_tag;
};

struct CollectionRec {
  Collection meta;
  int64_t changes_floor = 0;
  std::map<std::string, ObjectRec> objects;  // by name
  PropMap props;
  std::vector<Change> changes;  // one per seq, ascending
};

struct Data {
  Id next_user_id = 1;
  Id next_collection_id = 1;
  Id next_object_id = 1;
  Id next_directory_id = 1;
  std::map<Id, User> users;
  std::map<Id, CollectionRec> collections;
  std::map<std::string, Id> by_path;  // collection path -> id
  std::map<Id, std::pair<Id, std::string>> object_index;  // object id -> (collection, name)
  std::map<Id, DirectoryEntry> directory;  // by id
  Id next_mail_id = 1;
  std::map<Id, QueuedMail> mail;  // by id
};

Status NoCollection(Id id) { return Status::NotFound("no collection #" + std::to_string(id)); }
Status NoUser(Id id) { return Status::NotFound("no user with id " + std::to_string(id)); }

// Paths under `path` (which ends with '/'), `path` included, in `by_path`.
std::vector<Id> Subtree(const Data& d, const std::string& path) {
  std::vector<Id> ids;
  for (auto it = d.by_path.lower_bound(path);
       it != d.by_path.end() && it->first.compare(0, path.size(), path) == 0; ++it) {
    ids.push_back(it->second);
  }
  return ids;
}

class MemoryStore;

class MemorySession : public Session {
 public:
  MemorySession(std::recursive_mutex& mu, Data& data) : mu_(mu), data_(data) {}

  Result<std::unique_ptr<Transaction>> Begin(bool write) override;

  Result<Id> CreateUser(const User& user) override;
  Result<User> GetUserById(Id id) override;
  Result<User> GetUserByLogin(const std::string& login) override;
  Result<User> GetUserByEmail(const std::string& email) override;
  Result<std::vector<User>> ListUsers() override;
  Status UpdateUser(const User& user) override;
  Status SetPasswordHash(Id user_id, const std::string& hash, bool must_change) override;

  Result<Collection> GetCollection(const std::string& path) override;
  Result<Collection> GetCollectionById(Id id) override;
  Result<Collection> CreateCollection(const std::string& path, Id parent_id, Id owner_id,
                                      const std::string& kind) override;
  Result<std::vector<Collection>> ListChildCollections(Id collection_id) override;
  Status DeleteCollection(Id collection_id) override;
  Status MoveCollection(Id collection_id, const std::string& new_path, Id new_parent_id) override;
  Status SetCollectionSettings(Id collection_id, const CollectionSettings& settings) override;
  Result<int64_t> Touch(Id collection_id, const std::string& name, bool deleted) override;

  Result<Object> GetObject(Id collection_id, const std::string& name, bool with_data) override;
  Status ForEachObject(Id collection_id, const std::function<bool(const Object&)>& fn) override;
  Status QueryObjects(Id collection_id, const ObjectQuery& query,
                      const std::function<bool(const Object&)>& fn) override;
  Result<std::vector<Object>> GetObjects(Id collection_id, const std::vector<std::string>& names,
                                         bool with_data) override;
  Result<Object> FindObjectByUid(Id collection_id, const std::string& uid) override;
  using Session::PutObject;  // the 4-argument overload for plain files
  Result<Object> PutObject(Id collection_id, const std::string& name,
                           const std::string& content_type, const std::string& data,
                           const ObjectIndex& index) override;
  Status DeleteObject(Id collection_id, const std::string& name) override;

  Result<std::vector<DeadProperty>> GetProperties(Owner owner, Id id) override;
  Status ForEachObjectProperty(
      Id collection_id, const std::function<void(Id object_id, const DeadProperty&)>& fn) override;
  Status SetProperty(Owner owner, Id id, const DeadProperty& prop) override;
  Status RemoveProperty(Owner owner, Id id, const std::string& ns,
                        const std::string& local) override;

  Result<std::vector<DirectoryEntry>> ListDirectoryEntries() override;
  Result<Id> PutDirectoryEntry(const DirectoryEntry& entry) override;
  Result<DirectoryEntry> GetDirectoryEntryByUser(Id user_id) override;
  Result<std::vector<DirectoryEntry>> GetDirectoryEntries(const std::vector<Id>& ids) override;
  Result<std::vector<DirectoryEntry>> SearchDirectory(const DirectoryQuery& query) override;
  Result<std::vector<Id>> DirectoryEntriesContaining(const std::string& needle,
                                                     size_t limit) override;

  Result<std::string> GetScheduleTag(Id object_id) override;
  Status SetScheduleTag(Id object_id, const std::string& tag) override;
  Result<Id> EnqueueMail(const QueuedMail& mail) override;
  Result<std::vector<QueuedMail>> DueMail(UnixTime now, size_t limit) override;
  Status RescheduleMail(Id id, UnixTime next_attempt, const std::string& error) override;
  Status DeleteMail(Id id) override;

  Result<std::vector<Change>> ChangesSince(Id collection_id, int64_t since) override;

 private:
  friend class MemoryTransaction;
  enum class TxnState { kNone, kRead, kWrite };

  std::unique_lock<std::recursive_mutex> Lock() { return std::unique_lock(mu_); }
  // kInternal inside a read transaction (same rule as the SQLite store).
  Status CheckWritable() const {
    if (txn_ == TxnState::kRead) return Status::Internal("mutating call inside a read transaction");
    return Status::OK();
  }
  CollectionRec* FindCollection(Id id);
  User* FindUser(const std::string& login, const std::string& email);
  PropMap* FindProps(Owner owner, Id id);
  int64_t Bump(CollectionRec& c, const std::string& name, bool deleted);
  // For a new member `path` of `parent` (null for a root): the same rules as the SQLite store.
  Status CheckMemberFree(const CollectionRec* parent, const std::string& path);

  std::recursive_mutex& mu_;
  Data& data_;
  TxnState txn_ = TxnState::kNone;
  std::unique_lock<std::recursive_mutex> txn_lock_;
  Data snapshot_;  // the data at Begin(write=true)
};

class MemoryTransaction : public Transaction {
 public:
  explicit MemoryTransaction(MemorySession* s) : session_(s) {}
  ~MemoryTransaction() override {
    if (session_ == nullptr) return;
    if (session_->txn_ == MemorySession::TxnState::kWrite) {
      session_->data_ = std::move(session_->snapshot_);
    }
    End();
  }
  Status Commit() override {
    if (session_ == nullptr) return Status::Internal("transaction already finished");
    End();
    return Status::OK();
  }

 private:
  void End() {
    session_->snapshot_ = Data();
    session_->txn_ = MemorySession::TxnState::kNone;
    session_->txn_lock_.unlock();
    session_ = nullptr;
  }
  MemorySession* session_;
};

class MemoryStore : public Store {
 public:
  Session& ThreadSession() override {
    std::lock_guard<std::mutex> lock(sessions_mu_);
    std::unique_ptr<MemorySession>& s = sessions_[std::this_thread::get_id()];
    if (!s) s = std::make_unique<MemorySession>(mu_, data_);
    return *s;
  }

 private:
  std::recursive_mutex mu_;  // guards data_
  Data data_;
  std::mutex sessions_mu_;
  std::map<std::thread::id, std::unique_ptr<MemorySession>> sessions_;  // guarded by sessions_mu_
};

// ---- transactions ----

Result<std::unique_ptr<Transaction>> MemorySession::Begin(bool write) {
  if (txn_ != TxnState::kNone) return Status::Internal("nested transaction");
  txn_lock_ = Lock();
  txn_ = write ? TxnState::kWrite : TxnState::kRead;
  if (write) snapshot_ = data_;
  return std::unique_ptr<Transaction>(new MemoryTransaction(this));
}

// ---- users ----

User* MemorySession::FindUser(const std::string& login, const std::string& email) {
  for (auto& [id, u] : data_.users) {
    if ((!login.empty() && u.login == login) || (!email.empty() && u.email == email)) return &u;
  }
  return nullptr;
}

Result<Id> MemorySession::CreateUser(const User& user) {
  auto lock = Lock();
  if (Status s = CheckWritable(); !s.ok()) return s;
  if (user.login.empty()) return Status::BadRequest("empty login");
  if (FindUser(user.login, user.email) != nullptr) {
    return Status::Conflict("login or email taken: " + user.login);
  }
  User u = user;
  u.id = data_.next_user_id++;
  u.used_bytes = 0;
  if (u.credential_version <= 0) u.credential_version = 1;
  if (u.created_at == 0) u.created_at = Now();
  data_.users[u.id] = u;
  return u.id;
}

Result<User> MemorySession::GetUserById(Id id) {
  auto lock = Lock();
  auto it = data_.users.find(id);
  if (it == data_.users.end()) return NoUser(id);
  return it->second;
}

Result<User> MemorySession::GetUserByLogin(const std::string& login) {
  auto lock = Lock();
  User* u = FindUser(login, "");
  if (u == nullptr) return Status::NotFound("no user " + login);
  return *u;
}

Result<User> MemorySession::GetUserByEmail(const std::string& email) {
  auto lock = Lock();
  User* u = FindUser("", email);
  if (u == nullptr) return Status::NotFound("no user " + email);
  return *u;
}

Result<std::vector<User>> MemorySession::ListUsers() {
  auto lock = Lock();
  std::map<std::string, User> by_login;
  for (const auto& [id, u] : data_.users) by_login[u.login] = u;
  std::vector<User> out;
  for (auto& [login, u] : by_login) out.push_back(std::move(u));
  return out;
}

Status MemorySession::UpdateUser(const User& user) {
  auto lock = Lock();
  if (Status s = CheckWritable(); !s.ok()) return s;
  auto it = data_.users.find(user.id);
  if (it == data_.users.end()) return NoUser(user.id);
  User* other = FindUser("", user.email);
  if (other != nullptr && other->id != user.id) return Status::Conflict("email taken");
  User& u = it->second;
  if (u.state != user.state) ++u.credential_version;
  u.display_name = user.display_name;
  u.email = user.email;
  u.state = user.state;
  u.quota_bytes = user.quota_bytes;
  u.must_change_password = user.must_change_password;
  u.scheduling = user.scheduling;
  return Status::OK();
}

Status MemorySession::SetPasswordHash(Id user_id, const std::string& hash, bool must_change) {
  auto lock = Lock();
  if (Status s = CheckWritable(); !s.ok()) return s;
  auto it = data_.users.find(user_id);
  if (it == data_.users.end()) return NoUser(user_id);
  it->second.password_hash = hash;
  it->second.must_change_password = must_change;
  ++it->second.credential_version;
  return Status::OK();
}

// ---- collections ----

CollectionRec* MemorySession::FindCollection(Id id) {
  auto it = data_.collections.find(id);
  return it == data_.collections.end() ? nullptr : &it->second;
}

int64_t MemorySession::Bump(CollectionRec& c, const std::string& name, bool deleted) {
  int64_t seq = ++c.meta.sync_seq;
  c.meta.modified_at = Now();
  c.changes.push_back({seq, name, deleted});
  return seq;
}

Status MemorySession::CheckMemberFree(const CollectionRec* parent, const std::string& path) {
  if (data_.by_path.count(path)) return Status::Conflict("collection " + path + " exists");
  if (parent != nullptr) {
    std::string member = CollectionMemberName(path);
    member.pop_back();
    if (parent->objects.count(member)) {
      return Status::Conflict("an object named " + member + " exists");
    }
    return Status::OK();
  }
  if (!Subtree(data_, path).empty()) return Status::Conflict("a collection is under " + path);
  for (size_t slash = path.find('/', 1); slash + 1 < path.size();
       slash = path.find('/', slash + 1)) {
    if (data_.by_path.count(path.substr(0, slash + 1))) {
      return Status::Conflict(path + " is under collection " + path.substr(0, slash + 1));
    }
  }
  return Status::OK();
}

Result<Collection> MemorySession::GetCollection(const std::string& path) {
  auto lock = Lock();
  auto it = data_.by_path.find(path);
  if (it == data_.by_path.end()) return Status::NotFound("no collection " + path);
  return data_.collections.at(it->second).meta;
}

Result<Collection> MemorySession::GetCollectionById(Id id) {
  auto lock = Lock();
  CollectionRec* c = FindCollection(id);
  if (c == nullptr) return NoCollection(id);
  return c->meta;
}

Result<Collection> MemorySession::CreateCollection(const std::string& path, Id parent_id,
                                                   Id owner_id, const std::string& kind) {
  auto lock = Lock();
  if (Status s = CheckWritable(); !s.ok()) return s;
  CollectionRec* parent = nullptr;
  if (parent_id != 0 && (parent = FindCollection(parent_id)) == nullptr) {
    return NoCollection(parent_id);
  }
  Status st = CheckCollectionPath(path, parent ? parent->meta.path : "");
  if (!st.ok()) return st;
  st = CheckMemberFree(parent, path);
  if (!st.ok()) return st;
  if (owner_id != 0 && !data_.users.count(owner_id)) return NoUser(owner_id);
  CollectionRec rec;
  rec.meta.id = data_.next_collection_id++;
  rec.meta.path = path;
  rec.meta.parent_id = parent_id;
  rec.meta.owner_id = owner_id;
  rec.meta.kind = kind;
  rec.meta.created_at = rec.meta.modified_at = Now();
  data_.by_path[path] = rec.meta.id;
  Collection out = rec.meta;
  data_.collections[out.id] = std::move(rec);
  if (parent != nullptr) Bump(*parent, CollectionMemberName(path), false);
  return out;
}

Result<std::vector<Collection>> MemorySession::ListChildCollections(Id collection_id) {
  auto lock = Lock();
  if (FindCollection(collection_id) == nullptr) return NoCollection(collection_id);
  std::vector<Collection> out;
  for (const auto& [path, id] : data_.by_path) {  // by_path is ordered by path
    const Collection& c = data_.collections.at(id).meta;
    if (c.parent_id == collection_id) out.push_back(c);
  }
  return out;
}

Status MemorySession::DeleteCollection(Id collection_id) {
  auto lock = Lock();
  if (Status s = CheckWritable(); !s.ok()) return s;
  CollectionRec* c = FindCollection(collection_id);
  if (c == nullptr) return NoCollection(collection_id);
  const std::string path = c->meta.path;
  const Id parent_id = c->meta.parent_id;
  for (Id id : Subtree(data_, path)) {
    CollectionRec& victim = data_.collections.at(id);
    auto owner = data_.users.find(victim.meta.owner_id);
    for (const auto& [name, o] : victim.objects) {
      if (owner != data_.users.end()) owner->second.used_bytes -= o.meta.size;
      data_.object_index.erase(o.meta.id);
    }
    data_.by_path.erase(victim.meta.path);
    data_.collections.erase(id);
    for (auto& [other_id, other] : data_.collections) {  // as ON DELETE SET NULL does
      Id& chosen = other.meta.settings.default_calendar_id;
      if (chosen == id) chosen = 0;
    }
  }
  if (CollectionRec* parent = FindCollection(parent_id)) {
    Bump(*parent, CollectionMemberName(path), true);
  }
  return Status::OK();
}

Status MemorySession::MoveCollection(Id collection_id, const std::string& new_path,
                                     Id new_parent_id) {
  auto lock = Lock();
  if (Status s = CheckWritable(); !s.ok()) return s;
  CollectionRec* c = FindCollection(collection_id);
  if (c == nullptr) return NoCollection(collection_id);
  CollectionRec* parent = nullptr;
  if (new_parent_id != 0 && (parent = FindCollection(new_parent_id)) == nullptr) {
    return NoCollection(new_parent_id);
  }
  Status st = CheckCollectionPath(new_path, parent ? parent->meta.path : "");
  if (!st.ok()) return st;
  const std::string old_path = c->meta.path;
  if (new_path.compare(0, old_path.size(), old_path) == 0) {
    return Status::Conflict("cannot move " + old_path + " into itself");
  }
  st = CheckMemberFree(parent, new_path);
  if (!st.ok()) return st;
  for (Id id : Subtree(data_, old_path)) {
    Collection& m = data_.collections.at(id).meta;
    data_.by_path.erase(m.path);
    m.path = new_path + m.path.substr(old_path.size());
    data_.by_path[m.path] = id;
  }
  const Id old_parent_id = c->meta.parent_id;
  c->meta.parent_id = new_parent_id;
  c->meta.modified_at = Now();
  if (CollectionRec* old_parent = FindCollection(old_parent_id)) {
    Bump(*old_parent, CollectionMemberName(old_path), true);
  }
  if (parent != nullptr) Bump(*parent, CollectionMemberName(new_path), false);
  return Status::OK();
}

Status MemorySession::SetCollectionSettings(Id collection_id, const CollectionSettings& settings) {
  auto lock = Lock();
  if (Status s = CheckWritable(); !s.ok()) return s;
  CollectionRec* c = FindCollection(collection_id);
  if (c == nullptr) return NoCollection(collection_id);
  if (settings.default_calendar_id != 0 &&
      FindCollection(settings.default_calendar_id) == nullptr) {
    return Status::Conflict("the default calendar does not exist");
  }
  c->meta.settings = settings;
  return Status::OK();
}

Result<int64_t> MemorySession::Touch(Id collection_id, const std::string& name, bool deleted) {
  auto lock = Lock();
  if (Status s = CheckWritable(); !s.ok()) return s;
  CollectionRec* c = FindCollection(collection_id);
  if (c == nullptr) return NoCollection(collection_id);
  return Bump(*c, name, deleted);
}

// ---- objects ----

Result<Object> MemorySession::GetObject(Id collection_id, const std::string& name,
                                        bool with_data) {
  auto lock = Lock();
  CollectionRec* c = FindCollection(collection_id);
  auto it = c ? c->objects.find(name) : decltype(c->objects.end())();
  if (c == nullptr || it == c->objects.end()) return Status::NotFound("no object " + name);
  Object o = it->second.meta;
  if (with_data) o.data = it->second.data;
  return o;
}

Status MemorySession::ForEachObject(Id collection_id,
                                    const std::function<bool(const Object&)>& fn) {
  std::vector<Object> objects;  // copied first: fn may call back into the session
  {
    auto lock = Lock();
    CollectionRec* c = FindCollection(collection_id);
    if (c == nullptr) return NoCollection(collection_id);
    for (const auto& [name, o] : c->objects) objects.push_back(o.meta);
  }
  for (const Object& o : objects) {
    if (!fn(o)) break;
  }
  return Status::OK();
}

// The overlap test of ObjectQuery (store.h), on the index columns only.
bool Matches(const ObjectIndex& index, const ObjectQuery& query) {
  if (!query.component.empty() && index.component != query.component) return false;
  return index.first_start < query.end && index.last_end > query.start;
}

Status MemorySession::QueryObjects(Id collection_id, const ObjectQuery& query,
                                   const std::function<bool(const Object&)>& fn) {
  std::vector<Object> objects;  // copied first: fn may call back into the session
  {
    auto lock = Lock();
    CollectionRec* c = FindCollection(collection_id);
    if (c == nullptr) return NoCollection(collection_id);
    for (const auto& [name, o] : c->objects) {
      if (!Matches(o.meta.index, query)) continue;
      objects.push_back(o.meta);
      if (query.with_data) objects.back().data = o.data;
    }
  }
  for (const Object& o : objects) {
    if (!fn(o)) break;
  }
  return Status::OK();
}

Result<std::vector<Object>> MemorySession::GetObjects(Id collection_id,
                                                      const std::vector<std::string>& names,
                                                      bool with_data) {
  auto lock = Lock();
  CollectionRec* c = FindCollection(collection_id);
  if (c == nullptr) return NoCollection(collection_id);
  std::vector<Object> out;
  for (const std::string& name : names) {
    auto it = c->objects.find(name);
    if (it == c->objects.end()) continue;
    out.push_back(it->second.meta);
    if (with_data) out.back().data = it->second.data;
  }
  return out;
}

Result<Object> MemorySession::FindObjectByUid(Id collection_id, const std::string& uid) {
  auto lock = Lock();
  CollectionRec* c = FindCollection(collection_id);
  if (c != nullptr && !uid.empty()) {
    for (const auto& [name, o] : c->objects) {  // by name: the same pick as the SQLite store
      if (o.meta.index.uid == uid) return o.meta;
    }
  }
  return Status::NotFound("no object with UID " + uid);
}

Result<Object> MemorySession::PutObject(Id collection_id, const std::string& name,
                                        const std::string& content_type, const std::string& data,
                                        const ObjectIndex& index) {
  auto lock = Lock();
  if (Status s = CheckWritable(); !s.ok()) return s;
  if (Status s = CheckObjectName(name); !s.ok()) return s;
  CollectionRec* c = FindCollection(collection_id);
  if (c == nullptr) return NoCollection(collection_id);
  if (data_.by_path.count(c->meta.path + name + "/")) {
    return Status::Conflict("a collection named " + name + " exists");
  }
  auto [it, created] = c->objects.try_emplace(name);
  ObjectRec& rec = it->second;
  const int64_t old_size = created ? 0 : rec.meta.size;
  const int64_t seq = Bump(*c, name, false);
  if (created) {
    rec.meta.id = data_.next_object_id++;
    rec.meta.collection_id = collection_id;
    rec.meta.name = name;
    rec.meta.created_at = c->meta.modified_at;
    data_.object_index[rec.meta.id] = {collection_id, name};
  }
  rec.meta.content_type = content_type;
  rec.meta.etag = ComputeEtag(data);
  rec.meta.size = static_cast<int64_t>(data.size());
  rec.meta.modified_at = c->meta.modified_at;
  rec.meta.change_seq = seq;
  rec.meta.index = index;
  rec.data = data;
  auto owner = data_.users.find(c->meta.owner_id);
  if (owner != data_.users.end()) owner->second.used_bytes += rec.meta.size - old_size;
  return rec.meta;
}

Status MemorySession::DeleteObject(Id collection_id, const std::string& name) {
  auto lock = Lock();
  if (Status s = CheckWritable(); !s.ok()) return s;
  CollectionRec* c = FindCollection(collection_id);
  auto it = c ? c->objects.find(name) : decltype(c->objects.end())();
  if (c == nullptr || it == c->objects.end()) return Status::NotFound("no object " + name);
  auto owner = data_.users.find(c->meta.owner_id);
  if (owner != data_.users.end()) owner->second.used_bytes -= it->second.meta.size;
  data_.object_index.erase(it->second.meta.id);
  c->objects.erase(it);
  Bump(*c, name, true);
  return Status::OK();
}

// ---- dead properties ----

PropMap* MemorySession::FindProps(Owner owner, Id id) {
  if (owner == Owner::kCollection) {
    CollectionRec* c = FindCollection(id);
    return c ? &c->props : nullptr;
  }
  auto it = data_.object_index.find(id);
  if (it == data_.object_index.end()) return nullptr;
  return &data_.collections.at(it->second.first).objects.at(it->second.second).props;
}

Result<std::vector<DeadProperty>> MemorySession::GetProperties(Owner owner, Id id) {
  auto lock = Lock();
  PropMap* props = FindProps(owner, id);
  if (props == nullptr) return Status::NotFound("no property owner #" + std::to_string(id));
  std::vector<DeadProperty> out;
  for (const auto& [key, xml] : *props) out.push_back({key.first, key.second, xml});
  return out;
}

Status MemorySession::ForEachObjectProperty(
    Id collection_id, const std::function<void(Id object_id, const DeadProperty&)>& fn) {
  std::map<Id, std::vector<DeadProperty>> by_id;  // copied first: fn may call back
  {
    auto lock = Lock();
    CollectionRec* c = FindCollection(collection_id);
    if (c == nullptr) return NoCollection(collection_id);
    for (const auto& [name, o] : c->objects) {
      if (o.props.empty()) continue;
      std::vector<DeadProperty>& props = by_id[o.meta.id];
      for (const auto& [key, xml] : o.props) props.push_back({key.first, key.second, xml});
    }
  }
  for (const auto& [id, props] : by_id) {
    for (const DeadProperty& p : props) fn(id, p);
  }
  return Status::OK();
}

Status MemorySession::SetProperty(Owner owner, Id id, const DeadProperty& prop) {
  auto lock = Lock();
  if (Status s = CheckWritable(); !s.ok()) return s;
  PropMap* props = FindProps(owner, id);
  if (props == nullptr) return Status::NotFound("no property owner #" + std::to_string(id));
  (*props)[{prop.ns, prop.local}] = prop.xml;
  return Status::OK();
}

Status MemorySession::RemoveProperty(Owner owner, Id id, const std::string& ns,
                                     const std::string& local) {
  auto lock = Lock();
  if (Status s = CheckWritable(); !s.ok()) return s;
  if (PropMap* props = FindProps(owner, id)) props->erase({ns, local});
  return Status::OK();
}

// ---- staff directory ----

Result<std::vector<DirectoryEntry>> MemorySession::ListDirectoryEntries() {
  auto lock = Lock();
  std::vector<DirectoryEntry> out;
  for (const auto& [id, e] : data_.directory) out.push_back(e);
  return out;
}

Result<Id> MemorySession::PutDirectoryEntry(const DirectoryEntry& entry) {
  auto lock = Lock();
  if (Status s = CheckWritable(); !s.ok()) return s;
  if (entry.source_key.empty() || entry.card_uid.empty()) {
    return Status::BadRequest("a directory entry needs a source key and a card UID");
  }
  if (entry.user_id != 0 && !data_.users.count(entry.user_id)) return NoUser(entry.user_id);
  if (entry.id != 0 && !data_.directory.count(entry.id)) {
    return Status::NotFound("no directory entry #" + std::to_string(entry.id));
  }
  for (const auto& [id, e] : data_.directory) {
    if (id != entry.id && (e.source_key == entry.source_key || e.card_uid == entry.card_uid)) {
      return Status::Conflict("directory entry " + entry.source_key + " exists");
    }
  }
  DirectoryEntry stored = entry;
  if (stored.id == 0) stored.id = data_.next_directory_id++;
  if (stored.updated_at == 0) stored.updated_at = Now();
  data_.directory[stored.id] = stored;
  return stored.id;
}

Result<DirectoryEntry> MemorySession::GetDirectoryEntryByUser(Id user_id) {
  auto lock = Lock();
  const DirectoryEntry* found = nullptr;  // the active one first, then the lowest id
  for (const auto& [id, e] : data_.directory) {
    if (user_id != 0 && e.user_id == user_id && (found == nullptr || (e.active && !found->active))) {
      found = &e;
    }
  }
  if (found == nullptr) {
    return Status::NotFound("no directory entry for user #" + std::to_string(user_id));
  }
  return *found;
}

Result<std::vector<DirectoryEntry>> MemorySession::GetDirectoryEntries(
    const std::vector<Id>& ids) {
  auto lock = Lock();
  std::vector<DirectoryEntry> out;
  for (Id id : ids) {
    auto it = data_.directory.find(id);
    if (it != data_.directory.end()) out.push_back(it->second);
  }
  return out;
}

Result<std::vector<DirectoryEntry>> MemorySession::SearchDirectory(const DirectoryQuery& query) {
  auto lock = Lock();
  const std::vector<std::vector<std::string>> words = QueryWords(query.text);
  std::vector<std::pair<std::string, const DirectoryEntry*>> hits;  // (sort key, entry)
  for (const auto& [id, e] : data_.directory) {
    if (query.active_only && !e.active) continue;
    if (!query.departement.empty() && e.departement != query.departement) continue;
    if (!MatchesQueryWords(SearchTextOf(e), words)) continue;
    hits.emplace_back(SortKeyOf(e), &e);
  }
  std::sort(hits.begin(), hits.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first < b.first : a.second->id < b.second->id;
  });
  std::vector<DirectoryEntry> out;
  for (size_t i = 0; i < hits.size() && i < query.limit; ++i) out.push_back(*hits[i].second);
  return out;
}

Result<std::vector<Id>> MemorySession::DirectoryEntriesContaining(const std::string& needle,
                                                                  size_t limit) {
  auto lock = Lock();
  const std::string folded = FoldForSearch(needle);
  std::vector<Id> out;
  for (const auto& [id, e] : data_.directory) {
    if (out.size() >= limit) break;
    if (e.active && ContainsTextOf(e).find(folded) != std::string::npos) out.push_back(id);
  }
  return out;
}

// ---- changes ----

// ---- scheduling ----

Result<std::string> MemorySession::GetScheduleTag(Id object_id) {
  auto lock = Lock();
  auto it = data_.object_index.find(object_id);
  if (it == data_.object_index.end()) {
    return Status::NotFound("no object #" + std::to_string(object_id));
  }
  return data_.collections.at(it->second.first).objects.at(it->second.second).schedule_tag;
}

Status MemorySession::SetScheduleTag(Id object_id, const std::string& tag) {
  auto lock = Lock();
  if (Status s = CheckWritable(); !s.ok()) return s;
  auto it = data_.object_index.find(object_id);
  if (it == data_.object_index.end()) {
    return Status::NotFound("no object #" + std::to_string(object_id));
  }
  data_.collections.at(it->second.first).objects.at(it->second.second).schedule_tag = tag;
  return Status::OK();
}

Result<Id> MemorySession::EnqueueMail(const QueuedMail& mail) {
  auto lock = Lock();
  if (Status s = CheckWritable(); !s.ok()) return s;
  QueuedMail m = mail;
  m.id = data_.next_mail_id++;
  m.attempts = 0;
  m.created_at = Now();
  data_.mail[m.id] = m;
  return m.id;
}

Result<std::vector<QueuedMail>> MemorySession::DueMail(UnixTime now, size_t limit) {
  auto lock = Lock();
  std::vector<QueuedMail> out;
  for (const auto& [id, m] : data_.mail) {
    if (m.next_attempt <= now) out.push_back(m);
  }
  std::stable_sort(out.begin(), out.end(), [](const QueuedMail& a, const QueuedMail& b) {
    return a.next_attempt < b.next_attempt;
  });
  if (out.size() > limit) out.resize(limit);
  return out;
}

Status MemorySession::RescheduleMail(Id id, UnixTime next_attempt, const std::string& error) {
  auto lock = Lock();
  if (Status s = CheckWritable(); !s.ok()) return s;
  auto it = data_.mail.find(id);
  if (it == data_.mail.end()) return Status::OK();
  it->second.attempts++;
  it->second.next_attempt = next_attempt;
  it->second.last_error = error;
  return Status::OK();
}

Status MemorySession::DeleteMail(Id id) {
  auto lock = Lock();
  if (Status s = CheckWritable(); !s.ok()) return s;
  data_.mail.erase(id);
  return Status::OK();
}

Result<std::vector<Change>> MemorySession::ChangesSince(Id collection_id, int64_t since) {
  auto lock = Lock();
  CollectionRec* c = FindCollection(collection_id);
  if (c == nullptr) return NoCollection(collection_id);
  if (since > c->meta.sync_seq || since < c->changes_floor) {
    return Status::NotFound("sync position " + std::to_string(since) + " is not retained");
  }
  std::map<std::string, Change> latest;
  for (const Change& ch : c->changes) {
    if (ch.seq > since) latest[ch.name] = ch;
  }
  std::map<int64_t, Change> by_seq;
  for (auto& [name, ch] : latest) by_seq[ch.seq] = std::move(ch);
  std::vector<Change> out;
  for (auto& [seq, ch] : by_seq) out.push_back(std::move(ch));
  return out;
}

}  // namespace

std::unique_ptr<Store> NewMemoryStore() { return std::make_unique<MemoryStore>(); }

}  // namespace cartable::store
