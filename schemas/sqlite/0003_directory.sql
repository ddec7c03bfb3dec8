-- Cartable SQLite schema, version 3: the staff directory (store.h DirectoryEntry) with its two
-- full-text indexes, and collections owned by no user (the shared directory address book).
--
-- 1. collections.owner_id becomes nullable (NULL = owned by no user: no quota accounting; the
--    store maps owner_id 0 to NULL). SQLite cannot drop a NOT NULL constraint, so the table is
--    rebuilt as 0002 rebuilt objects: create, copy with the same ids, drop, rename. The runner
--    has foreign keys OFF (so DROP TABLE collections cascades nothing into objects, properties
--    and changes, which keep pointing at the same ids) and runs foreign_key_check before COMMIT.

CREATE TABLE collections_v3 (
  id              INTEGER PRIMARY KEY,
  path            TEXT    NOT NULL UNIQUE,        -- absolute, decoded, ends with '/'
  parent_id       INTEGER REFERENCES collections(id) ON DELETE CASCADE,  -- NULL for a root
  owner_id        INTEGER REFERENCES users(id),   -- NULL: owned by no user
  kind            TEXT    NOT NULL,
  sync_seq        INTEGER NOT NULL DEFAULT 0,
  changes_floor   INTEGER NOT NULL DEFAULT 0,     -- tokens below this seq were pruned
  created_at      INTEGER NOT NULL,
  modified_at     INTEGER NOT NULL,
  max_object_span INTEGER NOT NULL DEFAULT 0      -- see 0002_object_index.sql
);

INSERT INTO collections_v3 (id, path, parent_id, owner_id, kind, sync_seq, changes_floor,
                            created_at, modified_at, max_object_span)
  SELECT id, path, parent_id, owner_id, kind, sync_seq, changes_floor, created_at, modified_at,
         max_object_span
  FROM collections;

DROP TABLE collections;
ALTER TABLE collections_v3 RENAME TO collections;
CREATE INDEX collections_parent ON collections(parent_id);
CREATE INDEX collections_owner ON collections(owner_id);

-- 2. The directory. One row per person of the last imports; people absent from the latest one
--    stay with active = 0 (their vCard UID and account link survive a re-import).
--    sort_key is computed by the store (dav/store/directory_text.cc SortKeyOf: folded nom,
--    '\x01', folded prenom) so results sort without regard to accents and case.

CREATE TABLE directory_entries (
  id            INTEGER PRIMARY KEY,
  source_key    TEXT    NOT NULL UNIQUE,          -- NUMEN, LDIF uid or email
  user_id       INTEGER REFERENCES users(id) ON DELETE SET NULL,  -- NULL: no account
  card_uid      TEXT    NOT NULL UNIQUE,          -- the vCard UID
  nom           TEXT    NOT NULL DEFAULT '',
  prenom        TEXT    NOT NULL DEFAULT '',
  email         TEXT    NOT NULL DEFAULT '',
  fonction      TEXT    NOT NULL DEFAULT '',
  etablissement TEXT    NOT NULL DEFAULT '',
  uai           TEXT    NOT NULL DEFAULT '',
  departement   TEXT    NOT NULL DEFAULT '',
  telephone     TEXT    NOT NULL DEFAULT '',
  active        INTEGER NOT NULL DEFAULT 1,
  updated_at    INTEGER NOT NULL,
  sort_key      TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX directory_entries_user ON directory_entries(user_id);
-- A search with no words lists people in order, for one department or all.
CREATE INDEX directory_entries_order ON directory_entries(sort_key);
CREATE INDEX directory_entries_departement ON directory_entries(departement, sort_key);

-- SearchDirectory: word prefixes. rowid = directory_entries.id. The columns hold the texts of
-- directory_text.h SearchTextOf, already folded by the store (ligatures, Latin Extended-A);
-- unicode61 with remove_diacritics 2 folds whatever else it knows. Prefix indexes of 1 to 3
-- characters make the short prefixes typed first ("m", "ma", "mar") index lookups.
-- Kept in sync by the store (PutDirectoryEntry), not by triggers: SQL cannot compute the fold.
-- Regular (content-storing) tables, so a row is deleted by rowid alone.
CREATE VIRTUAL TABLE directory_search USING fts5(
  name, email, fonction, etablissement,
  tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3');

-- DirectoryEntriesContaining: substrings. `text` is directory_text.h ContainsTextOf (every
-- searchable field, folded, one per line). Needles of 3 characters or more are trigram MATCH
-- lookups; shorter ones scan this column with instr().
CREATE VIRTUAL TABLE directory_trigram USING fts5(text, tokenize = 'trigram');
