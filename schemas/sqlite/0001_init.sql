-- Cartable SQLite schema, version 1.
-- Applied by dav/store/sqlite_migrations.cc inside one transaction; the version lives in
-- PRAGMA user_version. Later files (0002_*.sql, ...) add the CalDAV index columns (uid,
-- component type, first start / last end) and the directory FTS5 tables: never edit a
-- released migration, add a new one.
--
-- Times are seconds since the Unix epoch (UTC). Paths and names are compared bytewise
-- (BINARY collation), which makes "path >= P AND path < P'" a valid prefix range.

CREATE TABLE users (
  id                   INTEGER PRIMARY KEY,
  login                TEXT    NOT NULL UNIQUE,
  email                TEXT    UNIQUE,            -- NULL when unset (so several users may lack one)
  display_name         TEXT    NOT NULL DEFAULT '',
  password_hash        TEXT    NOT NULL DEFAULT '',
  state                TEXT    NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'disabled')),
  quota_bytes          INTEGER NOT NULL DEFAULT -1,
  used_bytes           INTEGER NOT NULL DEFAULT 0,
  credential_version   INTEGER NOT NULL DEFAULT 1,
  must_change_password INTEGER NOT NULL DEFAULT 0,
  created_at           INTEGER NOT NULL
);

CREATE TABLE collections (
  id            INTEGER PRIMARY KEY,
  path          TEXT    NOT NULL UNIQUE,          -- absolute, decoded, ends with '/'
  parent_id     INTEGER REFERENCES collections(id) ON DELETE CASCADE,  -- NULL for a root
  owner_id      INTEGER NOT NULL REFERENCES users(id),
  kind          TEXT    NOT NULL,
  sync_seq      INTEGER NOT NULL DEFAULT 0,
  changes_floor INTEGER NOT NULL DEFAULT 0,       -- tokens below this seq were pruned
  created_at    INTEGER NOT NULL,
  modified_at   INTEGER NOT NULL
);
CREATE INDEX collections_parent ON collections(parent_id);
CREATE INDEX collections_owner ON collections(owner_id);

-- `data` is the last column on purpose: metadata reads (ForEachObject) stop before it and never
-- walk a large body's overflow pages.
CREATE TABLE objects (
  id            INTEGER PRIMARY KEY,
  collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
  name          TEXT    NOT NULL,
  content_type  TEXT    NOT NULL,
  etag          TEXT    NOT NULL,
  size          INTEGER NOT NULL,
  created_at    INTEGER NOT NULL,
  modified_at   INTEGER NOT NULL,
  change_seq    INTEGER NOT NULL,
  data          BLOB    NOT NULL,
  UNIQUE (collection_id, name)
);

CREATE TABLE collection_properties (
  collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
  ns            TEXT    NOT NULL,
  local         TEXT    NOT NULL,
  xml           TEXT    NOT NULL,
  PRIMARY KEY (collection_id, ns, local)
) WITHOUT ROWID;

CREATE TABLE object_properties (
  object_id INTEGER NOT NULL REFERENCES objects(id) ON DELETE CASCADE,
  ns        TEXT    NOT NULL,
  local     TEXT    NOT NULL,
  xml       TEXT    NOT NULL,
  PRIMARY KEY (object_id, ns, local)
) WITHOUT ROWID;

-- One row per sync_seq increment of a collection.
CREATE TABLE changes (
  collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
  seq           INTEGER NOT NULL,
  name          TEXT    NOT NULL,
  deleted       INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (collection_id, seq)
) WITHOUT ROWID;
