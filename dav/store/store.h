// The storage interface. Everything above it (dav/, directory/, server/app) talks to this, never
// to SQLite: a PostgreSQL implementation must pass the same contract tests
// (tests/unit/store/store_contract_test.cc).
//
// Model: users; collections (rows with a unique absolute path ending in '/', a parent, an owner,
// a kind, a change counter); objects (non-collection resources: a name inside one collection,
// bytes, content type, strong ETag); dead properties on either; a change log per collection.
//
// Threads: a Store is shared by all threads; each thread uses its own Session (Store::Session()
// returns the calling thread's, creating it on first use). A Session is not thread-safe.
// Transactions: every mutating call must run inside a write Transaction; reads may run inside a
// read Transaction (a consistent snapshot) or outside one (each call is its own snapshot).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dav/status.h"

namespace cartable::store {

using Id = int64_t;
// Seconds since the Unix epoch (UTC).
using UnixTime = int64_t;

enum class UserState { kActive, kDisabled };
enum class UserKind { kPerson, kGroup };

struct User {
  Id id = 0;
  std::string login;          // unique, lowercase ("jlabert")
  std::string email;          // unique when set, lowercase ("jean.labert@ac-orleans-tours.fr")
  std::string display_name;   // UTF-8 ("Jean Labert")
  std::string password_hash;  // libsodium crypto_pwhash_str (Argon2id) string; "" = no password
  UserState state = UserState::kActive;
  int64_t quota_bytes = -1;  // -1 = the configured default
  int64_t used_bytes = 0;    // sum of the sizes of all objects in collections owned by the user
  int64_t credential_version = 1;  // bumped on every password or state change
  bool must_change_password = false;
  UnixTime created_at = 0;
  // Server-side scheduling (RFC 6638) for this user; off: their client sends iTIP by mail and
  // colleagues' invitations reach them by mail.
  bool scheduling = true;
  // A person, or a group account (a department or an establishment of the directory, created by
  // the import): groups own group calendars, are group principals and never sign in.
  UserKind kind = UserKind::kPerson;
  std::string group_key;  // groups only: "departement:37", "etablissement:0370001A"
};

// ---- account security (0008_accounts.sql; the rules live in directory/account_service.h) ----

enum class Role { kUser, kAdmin };

// A user's security state, read and written apart from User so that the DAV paths never load it.
struct UserSecurity {
  Role role = Role::kUser;
  bool otp_required = false;  // `cartable user otp LOGIN require` (admins always need one)
  std::string otp_secret;     // sealed TOTP secret (directory/secret_key.h); "" = not enrolled
  UnixTime otp_enrolled_at = 0;
  int64_t otp_last_step = 0;    // last accepted TOTP time step: a code is accepted once
  UnixTime locked_until = 0;    // temporary lock; 0 or past = not locked
  int64_t temporary_locks = 0;  // temporary locks since the last successful sign-in
  bool blocked = false;         // blocked until unlocked (identity check or the CLI)
  UnixTime password_changed_at = 0;
  std::string backup_email;          // confirmed personal address ("" = none)
  std::string backup_email_pending;  // address waiting for its confirmation link
};

// One failed sign-in of an account.
struct AuthFailure {
  UnixTime at = 0;
  std::string fingerprint;  // keyed hash of the wrong password (same password = same value)
  std::string address;
};

// An app password: the secret is random and shown once; only its keyed hash is kept.
struct AppPassword {
  Id id = 0;
  Id user_id = 0;
  std::string name;  // the device, as the person named it (unique per user)
  std::string hash;  // unique
  UnixTime created_at = 0;
  UnixTime last_used_at = 0;  // 0 = never used
  std::string last_used_address;
};

// What a web session lets its holder do.
enum class SessionStage {
  kFull,            // signed in
  kNeedsOtp,        // password verified; the one-time code is still to come
  kNeedsEnrolment,  // password verified; the account must enrol a one-time code first
  kMustChange,      // signed in with an initial (NUMEN) password: only the password change
};

struct WebSession {
  Id id = 0;
  std::string token_hash;  // keyed hash of the cookie value; unique
  Id user_id = 0;
  SessionStage stage = SessionStage::kFull;
  std::string csrf_token;  // sent back by forms and by JSON calls made with the cookie
  UnixTime created_at = 0;
  UnixTime last_seen_at = 0;
  std::string address;
  std::string device;  // User-Agent (at most 200 bytes)
};

// A single-use link or code: password reset, backup e-mail confirmation.
struct AccountToken {
  std::string token_hash;  // keyed hash of the secret in the link
  Id user_id = 0;
  std::string purpose;  // "reset", "confirm-email", ...
  std::string payload;  // purpose-specific (the address to confirm)
  UnixTime created_at = 0;
  UnixTime expires_at = 0;
};

struct AuditEntry {
  Id id = 0;
  UnixTime at = 0;
  Id user_id = 0;     // 0 = no account (an unknown login)
  std::string login;  // the account's login, or what was typed
  std::string event;  // "sign-in", "sign-in-failed", "locked", ... (directory/audit.h)
  std::string address;
  std::string detail;  // never a secret
};

struct AuditQuery {
  Id user_id = 0;      // 0 = everyone
  UnixTime since = 0;  // entries at or after
  size_t limit = 1000;
};

// ---- sharing (0009_sharing.sql; the rules live in dav/sharing/access.h and sharing_service.h)
// ----

// What a share lets its sharee do. kFreeBusy: only free-busy time (CALDAV:read-free-busy).
enum class ShareAccess { kRead, kReadWrite, kFreeBusy };
// A colleague's answer; group shares are always kAccepted (a member hides one with
// ShareMember::hidden).
enum class ShareStatus { kPending, kAccepted, kDeclined };

// A collection (calendar or address book) shared by its owner with a colleague or a group.
struct Share {
  Id id = 0;
  Id collection_id = 0;
  Id sharee_user_id = 0;     // the colleague; 0 for a group share
  std::string sharee_group;  // the group key ("departement:37"); "" for a colleague
  ShareAccess access = ShareAccess::kRead;
  ShareStatus status = ShareStatus::kPending;
  std::string summary;     // the invitation's text ("" = none)
  std::string invite_uid;  // unique: the CS:uid of the invitation notification
  UnixTime created_at = 0;
  UnixTime updated_at = 0;
};

// One sharee's own data on a share: their name, colour, order and transparency for the shared
// collection (unset = the owner's), and whether they removed a group share from their home.
struct ShareMember {
  Id share_id = 0;
  Id user_id = 0;
  bool hidden = false;
  std::optional<std::string> display_name;
  std::optional<std::string> color;
  std::optional<int64_t> order;
  std::optional<bool> transparent;
  UnixTime updated_at = 0;
};

// A sharee's own alarms and transparency of one calendar object (per-user data).
struct PerUserData {
  Id object_id = 0;
  Id user_id = 0;
  std::string data;  // iCalendar text: per component instance, only its VALARMs and TRANSP
  std::string etag;  // computed by the store from `data` (quoted, like Object::etag)
};

enum class DelegateAccess { kRead, kReadWrite };

// `delegate_id` may read (kRead) or manage (kReadWrite) the calendars of `owner_id`
// (calendar-proxy-read / calendar-proxy-write).
struct Delegate {
  Id owner_id = 0;
  Id delegate_id = 0;
  DelegateAccess access = DelegateAccess::kRead;
  UnixTime created_at = 0;
};

// Collection kinds. Stored as text; the DAV layer maps each to a descriptor.
inline constexpr const char* kKindCollection = "collection";       // plain WebDAV collection
inline constexpr const char* kKindFilesHome = "files-home";        // /dav/files/{login}/
inline constexpr const char* kKindCalendarHome = "calendar-home";  // /dav/calendars/{login}/
inline constexpr const char* kKindAddressbookHome = "addressbook-home";
inline constexpr const char* kKindCalendar = "calendar";
inline constexpr const char* kKindAddressbook = "addressbook";
// RFC 6638 scheduling inbox (/dav/calendars/{login}/inbox/) and outbox (.../outbox/).
inline constexpr const char* kKindScheduleInbox = "schedule-inbox";
inline constexpr const char* kKindScheduleOutbox = "schedule-outbox";
// Sharing invitations of a user (CS:notification-URL): /dav/calendars/{login}/notifications/.
inline constexpr const char* kKindNotifications = "notifications";
// The staff directory address book, shared read-only by everyone, at kDirectoryPath (a root
// collection owned by no user, written by `cartable directory import`).
inline constexpr const char* kKindDirectory = "directory";
inline constexpr const char* kDirectoryPath = "/dav/directory/";

// What the server itself reads of a collection's settings, as typed values (never re-parsed from
// XML). The DAV live properties that clients set (PROPPATCH, MKCALENDAR, extended MKCOL) read and
// write these fields; nullopt / empty means "not set" (the property is absent, or its default
// applies where an RFC defines one).
struct CollectionSettings {
  std::optional<std::string> display_name;  // DAV:displayname text
  std::optional<std::string> description;   // CALDAV:calendar-description text (xml:lang dropped)
  std::optional<std::string> color;         // Apple calendar-color: "#RRGGBB" or "#RRGGBBAA"
  std::optional<int64_t> order;             // Apple calendar-order
  // CALDAV:calendar-timezone (RFC 4791 §5.2.2): an iCalendar object with exactly one VTIMEZONE.
  std::optional<std::string> time_zone;
  // CALDAV:schedule-calendar-transp (RFC 6638 §9.1); unset means opaque.
  std::optional<bool> transparent;
  // A scheduling inbox's CALDAV:schedule-default-calendar-URL (RFC 6638 §9.2), as the calendar's
  // id (so it follows a MOVE); 0 = not set. Deleting that calendar unsets it.
  Id default_calendar_id = 0;
  // CALDAV:supported-calendar-component-set ("VEVENT", "VTODO", ...); empty = every component.
  std::vector<std::string> components;

  bool operator==(const CollectionSettings&) const = default;
};

struct Collection {
  Id id = 0;
  std::string path;  // absolute, decoded, ends with '/': "/dav/files/jlabert/docs/"
  Id parent_id = 0;  // 0 for a root (home) collection
  Id owner_id = 0;
  std::string kind;      // one of the kKind* constants
  int64_t sync_seq = 0;  // incremented by every change to a direct member or to the collection
  UnixTime created_at = 0;
  UnixTime modified_at = 0;
  CollectionSettings settings;  // always filled
};

// Bounds meaning "unbounded" in ObjectIndex.
inline constexpr int64_t kNoLowerBound = INT64_MIN;
inline constexpr int64_t kNoUpperBound = INT64_MAX;

// One recurrence instance of a calendar object in the occurrence index (0010_occurrences.sql):
// its RFC 4791 §9.9 interval, UTC seconds; it overlaps [start, end) iff start < hi && end > lo.
struct OccurrenceSpan {
  int64_t lo = 0;
  int64_t hi = 0;
  bool operator==(const OccurrenceSpan&) const = default;
};

// The instances of a calendar object, computed from the parsed object at PUT
// (caldav::OccurrenceRows) and stored with it.
struct OccurrenceSet {
  std::vector<OccurrenceSpan> spans;
  // `spans` holds every instance overlapping (-inf, complete_until): queries ending at or before
  // it are answered from the spans. kNoUpperBound: every instance; kNoLowerBound: none is
  // known (queries parse the object).
  int64_t complete_until = kNoLowerBound;
  // "" when no span depends on the floating time zone; else the zone (caldav::FloatingZoneOf)
  // floating and DATE values were evaluated in: queries in another zone parse the object.
  std::string zone;
};

// What CalDAV/CardDAV objects denormalise into columns at PUT, so queries filter in the store
// and parse only candidates (SabreDAV's calendarobjects columns; Cyrus' caldav index).
struct ObjectIndex {
  std::string uid;        // the iCalendar/vCard UID; "" for plain files
  std::string component;  // "VEVENT", "VTODO", "VJOURNAL", "VFREEBUSY", "VCARD"; "" for files
  // The span of time any occurrence overlaps (RFC 4791 §9.9 rules applied to every instance),
  // as UTC seconds; kNoLowerBound/kNoUpperBound when unbounded (e.g. RRULE without end) or when
  // the object has no time at all (a VTODO without dates matches every time range).
  int64_t first_start = kNoLowerBound;
  int64_t last_end = kNoUpperBound;
  // True when the object has more than one instance (RRULE/RDATE/overrides) or floating times:
  // then overlapping the span does not prove a match and the object must be parsed.
  bool needs_expansion = false;
  // Calendar objects: their instances (occurrence index, issue 14). Written by PutObject; never
  // read back into Object::index. nullopt for a calendar component means "not computed": the
  // object is parsed by every time-range query.
  std::optional<OccurrenceSet> occurrences = std::nullopt;
};

struct Object {
  Id id = 0;
  Id collection_id = 0;
  std::string name;          // decoded last path segment, no '/'
  std::string content_type;  // as given at PUT ("text/calendar; charset=utf-8")
  std::string etag;          // strong ETag including quotes: "\"3f2a...\""
  int64_t size = 0;
  UnixTime created_at = 0;
  UnixTime modified_at = 0;
  int64_t change_seq = 0;           // the collection's sync_seq value at this object's last change
  ObjectIndex index;                // always filled
  std::optional<std::string> data;  // only filled when asked for
};

// A pre-filter over a collection's objects (calendar-query, addressbook-query).
struct ObjectQuery {
  std::string component;          // only objects with this component ("" = any)
  int64_t start = kNoLowerBound;  // only objects whose [first_start, last_end) overlaps
  int64_t end = kNoUpperBound;    //   [start, end): first_start < end && last_end > start
  bool with_data = false;         // fill Object::data
};

struct DeadProperty {
  std::string ns;     // namespace URI ("" for no namespace)
  std::string local;  // local name
  std::string xml;    // the whole property element as a self-contained XML fragment
};

// One change-log entry (for sync tokens): `name` of a direct member changed or was removed at seq.
struct Change {
  int64_t seq = 0;
  std::string name;  // member name; collections end with '/'
  bool deleted = false;
};

// One person of the academy's staff directory (the annuaire), as imported.
struct DirectoryEntry {
  Id id = 0;
  std::string source_key;  // stable identity across re-imports (NUMEN, LDIF uid, or email)
  Id user_id = 0;          // the account made for the person (0 = none)
  std::string card_uid;    // the vCard UID, stable: "urn:uuid:..."
  std::string nom, prenom, email, fonction, etablissement, uai, departement, telephone;
  bool active = true;  // false: absent from the last import (kept, not listed)
  UnixTime updated_at = 0;
  // Keyed hashes (directory/secret_key.h) of the NUMEN and of the birth date ("" = unknown):
  // what activation, the forgotten login and the blocked-account check compare against.
  std::string numen_hash;
  std::string birth_hash;
};

// A directory search: every word of `text` must be a prefix of a word of the person's name,
// email, function or establishment, ignoring case and accents ("helene" finds "Hélène").
struct DirectoryQuery {
  std::string text;
  std::string departement;  // "" = all departments
  std::string uai;          // "" = all establishments; else only people of this one (exact)
  bool active_only = true;
  size_t limit = 20;
};

// An outgoing mail waiting for the SMTP relay (iMIP invitations when the relay was down).
struct QueuedMail {
  Id id = 0;
  std::string envelope_from;  // bare address
  std::string recipient;      // bare address
  std::string message;        // RFC 5322 bytes
  // The organizer's copy whose SCHEDULE-STATUS for `recipient` follows this mail (0/"": none).
  Id origin_collection = 0;
  std::string origin_name;
  int64_t attempts = 0;
  UnixTime next_attempt = 0;
  std::string last_error;
  UnixTime created_at = 0;
};

// Which kind of thing a dead property hangs on.
enum class Owner { kCollection, kObject };

// ---- visitors ----
// ForEachObject, QueryObjects and ForEachObjectProperty call a visitor once per row. It returns
//   OK           to go on with the next row;
//   StopVisit()  to end the walk early: the call then returns OK;
//   any error    to end the walk: the call returns that very status, so a failure inside the
//                visitor (a parse error, a busy store in a nested call) reaches the caller.
using ObjectVisitor = std::function<Status(const Object&)>;
using PropertyVisitor = std::function<Status(Id object_id, const DeadProperty&)>;
// The distinguished "stop here" value of a visitor (code kCancelled, never an answer).
inline Status StopVisit() { return Status(Status::Code::kCancelled, "visit stopped"); }
// What a walk returns once its visitor returned `s`: OK for StopVisit(), `s` otherwise.
inline Status EndVisit(Status s) { return s.code() == Status::Code::kCancelled ? Status::OK() : s; }

// How much of each collection's change log (the sync-token history, RFC 6578) the store keeps.
// Applied on write: when a change is logged, entries beyond max_entries or older than
// max_age_seconds are deleted and the collection's floor advances past them, so a client
// holding an older token is told to resynchronise from scratch (valid-sync-token). The defaults
// are Nextcloud's (PruneOutdatedSyncTokensJob: 10,000 entries, 60 days), applied per collection.
struct ChangeRetention {
  int64_t max_entries = 10000;               // <= 0: no count limit
  int64_t max_age_seconds = 60 * 24 * 3600;  // <= 0: no age limit
};

// Options of OpenSqliteStore (and of any later implementation).
struct StoreOptions {
  // How long a statement waits for another connection's lock before failing with kUnavailable
  // (SQLite busy_timeout). Writers of this process queue in user space; this bounds the wait
  // for other processes (the CLI, a backup).
  int busy_timeout_ms = 5000;
  ChangeRetention retention;
  // The store's clock (timestamps of changes, and the age limit); empty = the system clock.
  std::function<UnixTime()> clock;
  // PostgreSQL only: the most connections the store opens ([store] pool_size). A session
  // borrows one for a transaction (or for one call outside a transaction) and waits up to
  // busy_timeout_ms for one to be free, then fails with kUnavailable.
  int pool_size = 8;
  // PostgreSQL only: how long a node's claim on a queued mail (DueMail) keeps the other nodes
  // off it ([store] mail_claim_seconds). More than a worker's batch can take (50 mails x
  // (connect 5 s + transaction 20 s) of the SMTP relay = 21 min), so that a live node's mail is
  // never taken over; the mail of a node that died while sending waits this long.
  int64_t mail_claim_seconds = 3600;
};

// Seconds a client is asked to wait (Retry-After) when the store was busy.
inline constexpr int kBusyRetryAfterSeconds = 2;

// What a store counts about waiting for the database, for /metrics (issue 16). Updated with
// relaxed atomics by every session; read at any time from any thread.
struct StoreStats {
  // Calls refused because the database stayed busy (kUnavailable with a retry): SQLite's write
  // lock held by another process past busy_timeout_ms; PostgreSQL's pool exhausted for
  // busy_timeout_ms or the write lock not granted within lock_timeout.
  std::atomic<uint64_t> busy_total{0};
  // Time spent waiting to write: SQLite, for this process's writer mutex and BEGIN IMMEDIATE
  // (which includes SQLite's busy waits); PostgreSQL, for a pooled connection and for the write
  // lock (pg_advisory_xact_lock under lock_timeout). In nanoseconds.
  std::atomic<uint64_t> wait_nanoseconds_total{0};

  void AddWait(std::chrono::steady_clock::duration waited, bool busy) {
    wait_nanoseconds_total.fetch_add(
        static_cast<uint64_t>(std::chrono::nanoseconds(waited).count()), std::memory_order_relaxed);
    if (busy) busy_total.fetch_add(1, std::memory_order_relaxed);
  }
};

// What /readyz and /metrics read from the store at each probe or scrape (issue 16).
struct SchemaVersions {
  int database = 0;  // the version the database is at (SQLite user_version, schema_version row)
  int binary = 0;    // the newest migration embedded in this binary for this backend
};
struct OperationalCounts {
  int64_t mail_queued = 0;   // rows of the mail queue (due or waiting for a retry)
  UnixTime mail_oldest = 0;  // created_at of the oldest queued mail; 0 when the queue is empty
  int64_t web_sessions = 0;  // web sessions not expired (see ReadOperationalCounts)
};

class Session;

// RAII transaction. Commits only on Commit(); the destructor rolls back an uncommitted one.
class Transaction {
 public:
  virtual ~Transaction() = default;
  virtual Status Commit() = 0;
};

class Session {
 public:
  virtual ~Session() = default;

  // Starts a transaction. write=true takes the write lock at once (SQLite BEGIN IMMEDIATE), so a
  // read-then-write sequence inside it cannot lose an update. Nested calls are an error.
  virtual Result<std::unique_ptr<Transaction>> Begin(bool write) = 0;

  // ---- users ----
  // Creates a user; kConflict if the login or email exists. Returns the new id.
  virtual Result<Id> CreateUser(const User& user) = 0;
  // kNotFound if absent.
  virtual Result<User> GetUserById(Id id) = 0;
  virtual Result<User> GetUserByLogin(const std::string& login) = 0;
  virtual Result<User> GetUserByEmail(const std::string& email) = 0;
  // Person accounts only (UserKind::kPerson), ordered by login: group accounts are listed by
  // ListGroups (`user list`, the import's identities and the web pages mean people).
  virtual Result<std::vector<User>> ListUsers() = 0;
  // Updates display name, email, state, quota, must_change_password and scheduling of `user.id`.
  // Bumps credential_version when the state changed.
  virtual Status UpdateUser(const User& user) = 0;
  // Sets the password hash and bumps credential_version.
  virtual Status SetPasswordHash(Id user_id, const std::string& hash, bool must_change) = 0;
  // Data protection (issue 16, docs/data-protection.md): deletes user `user_id` and everything
  // that is theirs, atomically (inside the caller's write transaction, or in its own):
  //  - every collection they own (homes, calendars, address books, files, scheduling inbox and
  //    outbox, notifications) as DeleteCollection does: objects, properties, change logs, the
  //    shares of those collections and what sharees stored on them (per-user data, settings);
  //    a collection of theirs inside another user's collection is recorded deleted there;
  //  - their account security records: sessions, app passwords, single-use tokens, recovery
  //    codes, password history, failed sign-ins (the OTP secret goes with the user row);
  //  - shares they received and their own settings of shares, their per-user data on others'
  //    objects, delegations in both directions;
  //  - queued mail that came from them (origin_collection one of their collections, or
  //    envelope_from one of their addresses) or is addressed to them (recipient their e-mail,
  //    backup e-mail or pending backup e-mail), compared case-insensitively;
  //  - audit entries about them (user_id, or user_id 0 with their login: sign-ins typed with
  //    it while it named no account);
  //  - the link of their staff-directory entry (the entry itself is the academy's directory and
  //    stays; the import owns it).
  // It records nothing in the sharees' homes (the DAV layer revokes shares first: see
  // dav/sharing/sharing_service.h RevokeAllShares) and writes no audit entry (the caller
  // appends the purge record in the same transaction). kNotFound when there is no such user.
  struct PurgeCounts {
    int64_t collections = 0;  // collections deleted (homes included)
    int64_t objects = 0;      // objects in them
    int64_t bytes = 0;        // the sum of those objects' sizes
    int64_t mail = 0;         // queued mail deleted
  };
  virtual Result<PurgeCounts> PurgeUser(Id user_id) = 0;

  // ---- account security (every call needs an existing user; kNotFound otherwise) ----
  virtual Result<UserSecurity> GetUserSecurity(Id user_id) = 0;
  // Replaces the record. `bump_credentials` bumps credential_version (a lock, a block, a role or
  // one-time-code change: cached credentials of the user stop working).
  virtual Status SetUserSecurity(Id user_id, const UserSecurity& security,
                                 bool bump_credentials) = 0;
  // The user whose directory entry has this NUMEN hash / these identity hashes; kNotFound.
  virtual Result<User> FindUserByNumenHash(const std::string& numen_hash) = 0;

  // Password history: the last `limit` hashes, newest first.
  virtual Result<std::vector<std::string>> PasswordHistory(Id user_id, size_t limit) = 0;
  // Adds `hash` and keeps only the newest `keep` entries of the user.
  virtual Status AddPasswordHistory(Id user_id, const std::string& hash, UnixTime at,
                                    size_t keep) = 0;

  // Failed sign-ins at or after `since`, oldest first.
  virtual Result<std::vector<AuthFailure>> AuthFailuresSince(Id user_id, UnixTime since) = 0;
  virtual Status AddAuthFailure(Id user_id, const AuthFailure& failure) = 0;
  // Forgets the user's failures (a successful sign-in, an unlock).
  virtual Status ClearAuthFailures(Id user_id) = 0;

  // App passwords. kConflict when the user already has one with this name.
  virtual Result<Id> CreateAppPassword(const AppPassword& app_password) = 0;
  virtual Result<std::vector<AppPassword>> ListAppPasswords(Id user_id) = 0;       // by name
  virtual Result<AppPassword> FindAppPasswordByHash(const std::string& hash) = 0;  // kNotFound
  // kNotFound when the user has none with this name.
  virtual Status DeleteAppPassword(Id user_id, const std::string& name) = 0;
  virtual Status TouchAppPassword(Id id, UnixTime at, const std::string& address) = 0;

  // Web sessions. CreateWebSession returns the id; token hashes are unique (kConflict).
  virtual Result<Id> CreateWebSession(const WebSession& session) = 0;
  virtual Result<WebSession> FindWebSession(const std::string& token_hash) = 0;  // kNotFound
  virtual Result<WebSession> GetWebSession(Id id) = 0;                           // kNotFound
  virtual Result<std::vector<WebSession>> ListWebSessions(Id user_id) = 0;       // newest first
  // Sets stage, csrf_token, last_seen_at, address and device of `session.id`; kNotFound.
  virtual Status UpdateWebSession(const WebSession& session) = 0;
  virtual Status DeleteWebSession(Id id) = 0;  // OK when absent
  // Deletes every session of the user but `except_id` (0 = all); returns how many went.
  virtual Result<int64_t> DeleteWebSessions(Id user_id, Id except_id) = 0;
  // Deletes sessions last seen before `idle_before` or created before `created_before`.
  virtual Result<int64_t> DeleteExpiredWebSessions(UnixTime idle_before,
                                                   UnixTime created_before) = 0;

  // Single-use tokens. TakeAccountToken returns and deletes the token when it exists, has this
  // purpose and has not expired at `now`; kNotFound otherwise (an expired one is deleted too).
  virtual Status CreateAccountToken(const AccountToken& token) = 0;
  virtual Result<AccountToken> TakeAccountToken(const std::string& token_hash,
                                                const std::string& purpose, UnixTime now) = 0;
  // Deletes the user's tokens of `purpose` ("" = every purpose).
  virtual Status DeleteAccountTokens(Id user_id, const std::string& purpose) = 0;

  // Recovery codes: replaces the user's codes by these hashes (all unused).
  virtual Status SetRecoveryCodes(Id user_id, const std::vector<std::string>& hashes) = 0;
  // Marks the unused code with this hash used; false when there is none.
  virtual Result<bool> UseRecoveryCode(Id user_id, const std::string& hash, UnixTime at) = 0;
  virtual Result<int64_t> UnusedRecoveryCodes(Id user_id) = 0;

  // The audit log.
  virtual Result<Id> AppendAudit(const AuditEntry& entry) = 0;
  // Oldest first, at most query.limit (the newest ones when there are more).
  virtual Result<std::vector<AuditEntry>> ListAudit(const AuditQuery& query) = 0;

  // ---- collections ----
  virtual Result<Collection> GetCollection(const std::string& path) = 0;  // kNotFound if absent
  virtual Result<Collection> GetCollectionById(Id id) = 0;
  // Creates a collection at `path` (ends with '/') under `parent_id` (0 = a root). kConflict if
  // the path is taken by a collection, or an object of the parent has that name. owner_id 0 makes
  // a collection owned by no user (the shared directory address book): no quota accounting.
  virtual Result<Collection> CreateCollection(const std::string& path, Id parent_id, Id owner_id,
                                              const std::string& kind) = 0;
  // Direct child collections, ordered by path.
  virtual Result<std::vector<Collection>> ListChildCollections(Id collection_id) = 0;
  // Deletes the collection, every descendant collection and every object in them, with their
  // properties; records a deletion in the parent's change log; updates the owner's used_bytes.
  virtual Status DeleteCollection(Id collection_id) = 0;
  // Moves the collection (and renames every descendant path) to `new_path` under
  // `new_parent_id`. Records the removal in the old parent and the addition in the new one.
  virtual Status MoveCollection(Id collection_id, const std::string& new_path,
                                Id new_parent_id) = 0;
  // Replaces the collection's settings record (every field, unset ones included). kNotFound if
  // the collection is absent; kConflict when settings.default_calendar_id names no collection.
  // Does not bump sync_seq (PROPPATCH calls Touch itself, as for dead properties).
  virtual Status SetCollectionSettings(Id collection_id, const CollectionSettings& settings) = 0;
  // Bumps the collection's sync_seq and records `name` as changed (used for property changes
  // and member changes that do not go through PutObject/DeleteObject). Returns the new seq.
  virtual Result<int64_t> Touch(Id collection_id, const std::string& name, bool deleted) = 0;

  // ---- objects ----
  // kNotFound if absent. `with_data` fills Object::data.
  virtual Result<Object> GetObject(Id collection_id, const std::string& name, bool with_data) = 0;
  // Calls `fn` for each object of the collection (metadata only, ordered by name), as a visitor
  // (see ObjectVisitor: StopVisit() ends early, an error is returned as is).
  virtual Status ForEachObject(Id collection_id, const ObjectVisitor& fn) = 0;
  // Calls `fn` for each object matching `query`, ordered by name, as a visitor (ObjectVisitor).
  // The time condition uses the index columns only (an object whose bounds are unbounded on a
  // side overlaps on that side). Must use an index on (collection_id, component, first_start) or
  // equivalent: a one-week query on a 10,000-object collection must not read every row's data.
  virtual Status QueryObjects(Id collection_id, const ObjectQuery& query,
                              const ObjectVisitor& fn) = 0;
  // The objects named `names` that exist (missing ones are simply absent), in the order given.
  virtual Result<std::vector<Object>> GetObjects(Id collection_id,
                                                 const std::vector<std::string>& names,
                                                 bool with_data) = 0;
  // The object of the collection whose index.uid is `uid`; kNotFound if none.
  virtual Result<Object> FindObjectByUid(Id collection_id, const std::string& uid) = 0;
  // Creates or replaces the object `name` in the collection with `data`; computes a new strong
  // ETag from the content; bumps the collection's sync_seq and logs the change; adjusts the
  // owner's used_bytes. Returns the stored object (without data).
  virtual Result<Object> PutObject(Id collection_id, const std::string& name,
                                   const std::string& content_type, const std::string& data,
                                   const ObjectIndex& index) = 0;
  // PutObject for plain files (an empty index).
  Result<Object> PutObject(Id collection_id, const std::string& name,
                           const std::string& content_type, const std::string& data) {
    return PutObject(collection_id, name, content_type, data, ObjectIndex{});
  }
  // Deletes the object and its properties; logs the deletion; adjusts used_bytes.
  virtual Status DeleteObject(Id collection_id, const std::string& name) = 0;

  // ---- dead properties ----
  virtual Result<std::vector<DeadProperty>> GetProperties(Owner owner, Id id) = 0;
  // Dead properties of every object of a collection in one pass (PROPFIND Depth 1 without a
  // query per member): fn(object_id, property), ordered by object id, as a visitor
  // (PropertyVisitor).
  virtual Status ForEachObjectProperty(Id collection_id, const PropertyVisitor& fn) = 0;
  // Inserts or replaces one property.
  virtual Status SetProperty(Owner owner, Id id, const DeadProperty& prop) = 0;
  // Removes one property; OK when it did not exist.
  virtual Status RemoveProperty(Owner owner, Id id, const std::string& ns,
                                const std::string& local) = 0;

  // ---- staff directory ----
  // Every entry, ordered by id.
  virtual Result<std::vector<DirectoryEntry>> ListDirectoryEntries() = 0;
  // Inserts (id == 0) or replaces (by id) an entry and its search index rows; returns the id.
  // kConflict when source_key or card_uid is taken by another entry.
  virtual Result<Id> PutDirectoryEntry(const DirectoryEntry& entry) = 0;
  virtual Result<DirectoryEntry> GetDirectoryEntryByUser(Id user_id) = 0;  // kNotFound
  // The entries with these ids that exist, in the order given.
  virtual Result<std::vector<DirectoryEntry>> GetDirectoryEntries(const std::vector<Id>& ids) = 0;
  // Ordered by nom, prenom; at most query.limit. Must use a full-text index (SQLite FTS5 with
  // unicode61 remove_diacritics 2, prefix indexes): a search among 50,000 people answers in a few
  // milliseconds.
  virtual Result<std::vector<DirectoryEntry>> SearchDirectory(const DirectoryQuery& query) = 0;
  // Ids of active entries where `needle` (case- and accent-insensitive) occurs anywhere in one of
  // nom, prenom, "prenom nom", email, fonction, etablissement, uai, departement or telephone: a
  // superset of what a CardDAV text-match "contains" on those fields can match, for pre-filtering
  // addressbook-query. Indexed (FTS5 trigram on accent-folded text) for needles of 3 characters
  // or more. At most `limit` ids (more = the caller falls back to scanning).
  virtual Result<std::vector<Id>> DirectoryEntriesContaining(const std::string& needle,
                                                             size_t limit) = 0;

  // ---- scheduling (RFC 6638) ----
  // The Schedule-Tag of object `object_id`; "" when it has none (not a scheduling object
  // resource). kNotFound when the object does not exist.
  virtual Result<std::string> GetScheduleTag(Id object_id) = 0;
  // Sets the tag (or clears it when `tag` is ""). The tag goes away with the object; replacing
  // the object's content (PutObject) keeps it. kNotFound when the object does not exist.
  virtual Status SetScheduleTag(Id object_id, const std::string& tag) = 0;
  // Queues a mail; returns its id. `mail.id` and `attempts` are ignored.
  virtual Result<Id> EnqueueMail(const QueuedMail& mail) = 0;
  // Queued mail with next_attempt <= now, oldest first, at most `limit`.
  virtual Result<std::vector<QueuedMail>> DueMail(UnixTime now, size_t limit) = 0;
  // Records a failed attempt: attempts + 1, the error, the next attempt time.
  virtual Status RescheduleMail(Id id, UnixTime next_attempt, const std::string& error) = 0;
  // Removes a mail from the queue (sent, or given up); OK when absent.
  virtual Status DeleteMail(Id id) = 0;

  // ---- sharing ----
  // Creates a share (id, created_at and updated_at are set by the store); returns its id.
  // kConflict when the collection already has a share for this sharee (colleague or group);
  // kNotFound when the collection or the colleague does not exist.
  virtual Result<Id> CreateShare(const Share& share) = 0;
  // Sets access, status and summary of `share.id` (updated_at = now); kNotFound.
  virtual Status UpdateShare(const Share& share) = 0;
  virtual Result<Share> GetShare(Id id) = 0;                                   // kNotFound
  virtual Result<Share> FindShareByInvite(const std::string& invite_uid) = 0;  // kNotFound
  // Deletes the share with its members' rows and nothing else; kNotFound when absent.
  virtual Status DeleteShare(Id id) = 0;
  // The shares of a collection, ordered by id.
  virtual Result<std::vector<Share>> ListShares(Id collection_id) = 0;
  // Every share whose sharee is `user_id` or one of `group_keys` (any status), ordered by id.
  // Indexed: one lookup per sharee, whatever the number of shares in the store.
  virtual Result<std::vector<Share>> SharesForSharee(
      Id user_id, const std::vector<std::string>& group_keys) = 0;
  // A sharee's own row of a share; kNotFound when they have none (everything is the owner's).
  virtual Result<ShareMember> GetShareMember(Id share_id, Id user_id) = 0;
  // Inserts or replaces the row (updated_at = now); kNotFound when the share or user is absent.
  virtual Status PutShareMember(const ShareMember& member) = 0;
  // Every row of a user, ordered by share id.
  virtual Result<std::vector<ShareMember>> ListShareMembers(Id user_id) = 0;

  // Per-user data of calendar objects. Get: kNotFound when the user has none for the object.
  virtual Result<PerUserData> GetPerUserData(Id object_id, Id user_id) = 0;
  // Inserts or replaces; the store computes `etag` from `data`. kNotFound: no such object/user.
  virtual Status PutPerUserData(Id object_id, Id user_id, const std::string& data) = 0;
  virtual Status DeletePerUserData(Id object_id, Id user_id) = 0;  // OK when absent
  // The user's rows for every object of a collection in one query, ordered by object id, as a
  // visitor (PROPFIND Depth 1 and REPORTs without a query per member).
  virtual Status ForEachPerUserData(Id collection_id, Id user_id,
                                    const std::function<Status(const PerUserData&)>& fn) = 0;

  // Delegation. PutDelegate inserts or replaces (created_at kept on replace); kNotFound when a
  // user is absent; kBadRequest when owner == delegate.
  virtual Status PutDelegate(const Delegate& delegate) = 0;
  virtual Status DeleteDelegate(Id owner_id, Id delegate_id) = 0;         // OK when absent
  virtual Result<Delegate> GetDelegate(Id owner_id, Id delegate_id) = 0;  // kNotFound
  // The delegates of `owner_id` / the owners `delegate_id` is a delegate of, ordered by the
  // other user's id.
  virtual Result<std::vector<Delegate>> ListDelegates(Id owner_id) = 0;
  virtual Result<std::vector<Delegate>> ListDelegations(Id delegate_id) = 0;

  // Groups of the directory. The group keys of a user: "departement:{code}" and
  // "etablissement:{UAI}" of every active directory entry linked to the account, without
  // duplicates, sorted.
  virtual Result<std::vector<std::string>> GroupKeysOfUser(Id user_id) = 0;
  // The accounts (person users) of the active members of a group, ordered by id; at most
  // `limit` (the caller asks for one more than its bound to detect an overflow).
  virtual Result<std::vector<Id>> GroupMemberIds(const std::string& group_key, size_t limit) = 0;
  virtual Result<User> GetUserByGroupKey(const std::string& group_key) = 0;  // kNotFound
  // Every group account (UserKind::kGroup), ordered by login: a few per department and one per
  // establishment, read whole by the principal searches (dav/sharing/principal_groups.h).
  virtual Result<std::vector<User>> ListGroups() = 0;

  // ---- changes ----
  // Entries with seq > since, oldest first, one per name (the latest). kNotFound if `since` is
  // below the collection's floor (entries at or below it were pruned, see ChangeRetention) or
  // above its sync_seq: the caller answers valid-sync-token (RFC 6578 §3.2).
  virtual Result<std::vector<Change>> ChangesSince(Id collection_id, int64_t since) = 0;

  // ---- occurrence index (issue 14) ----
  // The objects of `collection_id` with `component` ("VEVENT", ...) that may have an instance
  // overlapping [start, end) (start < end), from the occurrence index:
  //   `matched`: objects whose stored spans are complete for this range and zone and overlap it
  //              (a proof: they match a filter made of that component and time-range only);
  //   `unsure`:  objects whose spans cannot answer (complete_until < end, computed in another
  //              floating zone than `floating_zone`, or never computed): the caller parses them.
  // Both sorted by id, disjoint. `indexed` false: the collection still has objects stored
  // before the index existed (OccurrenceBackfill has not finished it); then both lists are
  // empty and the caller must use QueryObjects and parse. Indexed: one index range per span
  // length class present (see 0010_occurrences.sql), never a scan of the collection.
  struct OccurrenceMatches {
    bool indexed = false;
    std::vector<Id> matched;
    std::vector<Id> unsure;
  };
  virtual Result<OccurrenceMatches> QueryOccurrences(Id collection_id, const std::string& component,
                                                     int64_t start, int64_t end,
                                                     const std::string& floating_zone) = 0;
  // The objects of `collection_id` among `ids` (missing ones are absent), ordered by name.
  virtual Result<std::vector<Object>> GetObjectsById(Id collection_id, const std::vector<Id>& ids,
                                                     bool with_data) = 0;
  // Backfill of objects stored before the index. Collections still to do, by id:
  virtual Result<std::vector<Id>> OccurrenceBackfillCollections() = 0;
  // Up to `limit` objects of the collection without occurrence rows, with data, by id.
  virtual Result<std::vector<Object>> ObjectsWithoutOccurrences(Id collection_id, size_t limit) = 0;
  // Stores `set` for object `object_id` if it still has ETag `etag` and no set (a PUT since it
  // was read wins); returns whether it was stored. Needs a write transaction (or makes one).
  virtual Result<bool> BackfillOccurrences(Id object_id, const std::string& etag,
                                           const OccurrenceSet& set) = 0;
  // Marks the collection done when none of its calendar objects lacks rows; returns whether it
  // is done.
  virtual Result<bool> FinishOccurrenceBackfill(Id collection_id) = 0;

  // ---- listings (issue 14) ----
  // Calls `fn` for each object of the collection, ordered by name, as a visitor (ObjectVisitor),
  // with the fields a listing (PROPFIND Depth 1, initial sync-collection) answers from: id,
  // collection_id, name, content_type, etag, size, created_at, modified_at, change_seq. `index`
  // is left empty and `data` unset; GetObject reads the rest. The Object passed to `fn` is
  // reused from one call to the next: copy what must outlive the call. Must read one covering
  // index and never the rows (whose records begin with the body): a 10,000-object calendar is a
  // few hundred page reads, not one seek per member. kNotFound when there is no such collection.
  virtual Status ForEachObjectListing(Id collection_id, const ObjectVisitor& fn) = 0;

  // ---- operations (issue 16) ----
  // The database's schema version and this binary's newest migration: one trivial read, the
  // readiness probe's. kUnavailable when the database does not answer.
  virtual Result<SchemaVersions> GetSchemaVersions() = 0;
  // The mail queue's length and oldest entry, and the web sessions last seen at or after
  // `idle_before` and created at or after `created_before` (those DeleteExpiredWebSessions would
  // keep). Three short reads outside any transaction (the oldest mail by primary key; the
  // counts walk an index or the sessions table, whose size max_sessions_per_user bounds).
  virtual Result<OperationalCounts> ReadOperationalCounts(UnixTime idle_before,
                                                          UnixTime created_before) = 0;
};

class Store {
 public:
  virtual ~Store() = default;
  // The calling thread's session.
  virtual Session& ThreadSession() = 0;
  // Busy refusals and write waits of every session of this store (updated by the backends).
  StoreStats& stats() { return stats_; }

 private:
  StoreStats stats_;
};

// Opens (creating if needed) the SQLite store in directory `data_dir` (file cartable.db), applies
// pending migrations from schemas/sqlite. Errors: the directory cannot be created, the file
// cannot be opened, a migration fails.
// Busy or locked database (another connection holds the lock past busy_timeout): every call,
// Begin and Commit included, fails with kUnavailable and retry_after_seconds() > 0.
// The store holds the data directory lock shared for its life (sqlite_backup.h): kLocked while
// `cartable restore` runs on data_dir (MigrateSqliteStore likewise).
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& data_dir,
                                               const StoreOptions& options = {});

// Applies pending migrations and returns the schema version afterwards (for `cartable migrate`).
Result<int> MigrateSqliteStore(const std::string& data_dir);

// Opens the PostgreSQL store at `url` (postgresql://user:password@host:port/dbname) and applies
// pending migrations from schemas/postgres (under an advisory lock, so several nodes starting at
// once apply each migration once). Errors: kUnavailable (with retry) when the server cannot be
// reached, kInternal when a migration fails. Several processes (nodes) may open the same
// database: see dav/store/pg_store.h for what they share and how writes are serialised.
Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& url,
                                                 const StoreOptions& options = {});
Result<int> MigratePostgresStore(const std::string& url);

}  // namespace cartable::store
