-- Cartable SQLite schema, version 9: sharing (issue 12). Store types in dav/store/store.h
-- ("sharing"); the rules in dav/sharing/access.h and dav/sharing/sharing_service.h.

-- 1. Group accounts: one users row per department or establishment of the directory (kind
--    'group'), created by the directory import. They own group calendars and are the group
--    principals (/dav/principals/groups/{login}/); they never sign in (no password).
ALTER TABLE users ADD COLUMN kind TEXT NOT NULL DEFAULT 'person' CHECK (kind IN ('person', 'group'));
ALTER TABLE users ADD COLUMN group_key TEXT;  -- 'departement:37', 'etablissement:0370001A'
CREATE UNIQUE INDEX users_group_key ON users(group_key) WHERE group_key IS NOT NULL;

-- Group membership is read from the directory: an active entry with an account belongs to the
-- group of its department and to the group of its establishment (UAI).
CREATE INDEX directory_entries_uai ON directory_entries(uai) WHERE active = 1;
CREATE INDEX directory_entries_dep_user ON directory_entries(departement) WHERE active = 1;

-- 2. Shares: a collection (calendar or address book) shared by its owner with one colleague or
--    with every member of a group. One row per (collection, sharee).
CREATE TABLE shares (
  id             INTEGER PRIMARY KEY,
  collection_id  INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
  sharee_user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,  -- a colleague, or NULL
  sharee_group   TEXT,                                            -- a group key, or NULL
  access         TEXT    NOT NULL CHECK (access IN ('read', 'read-write', 'freebusy')),
  -- For a colleague: 'pending' until they answer; groups' shares are always 'accepted' (each
  -- member may still remove it from their own home: share_members.status = 'declined').
  status         TEXT    NOT NULL CHECK (status IN ('pending', 'accepted', 'declined')),
  summary        TEXT    NOT NULL DEFAULT '',  -- the invitation's text (CS:summary, DAV:comment)
  invite_uid     TEXT    NOT NULL UNIQUE,      -- CS:uid of the invitation notification
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL,
  CHECK ((sharee_user_id IS NULL) <> (sharee_group IS NULL))
);
CREATE UNIQUE INDEX shares_collection_user ON shares(collection_id, sharee_user_id)
  WHERE sharee_user_id IS NOT NULL;
CREATE UNIQUE INDEX shares_collection_group ON shares(collection_id, sharee_group)
  WHERE sharee_group IS NOT NULL;
CREATE INDEX shares_user ON shares(sharee_user_id) WHERE sharee_user_id IS NOT NULL;
CREATE INDEX shares_group ON shares(sharee_group) WHERE sharee_group IS NOT NULL;

-- 3. What one sharee keeps of their own on a share (CalendarServer's and Cyrus' per-user
--    data): the name, colour, order and transparency they gave the shared collection, and for a
--    group share whether they removed it from their home. NULL = the owner's value.
CREATE TABLE share_members (
  share_id     INTEGER NOT NULL REFERENCES shares(id) ON DELETE CASCADE,
  user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  hidden       INTEGER NOT NULL DEFAULT 0,  -- a group share removed from this member's home
  display_name TEXT,
  color        TEXT,
  sort_order   INTEGER,
  transparent  INTEGER,
  updated_at   INTEGER NOT NULL,
  PRIMARY KEY (share_id, user_id)
) WITHOUT ROWID;
CREATE INDEX share_members_user ON share_members(user_id);

-- 4. Per-user data of a calendar object: a sharee's own alarms and transparency (an iCalendar
--    text holding, per component instance, only VALARM and TRANSP). The owner's stay in the
--    object itself.
CREATE TABLE per_user_data (
  object_id INTEGER NOT NULL REFERENCES objects(id) ON DELETE CASCADE,
  user_id   INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  data      TEXT    NOT NULL,
  etag      TEXT    NOT NULL,  -- changes with `data`; the sharee's ETag combines it with the object's
  PRIMARY KEY (object_id, user_id)
) WITHOUT ROWID;
CREATE INDEX per_user_data_user ON per_user_data(user_id);

-- 5. Delegation (CalendarServer calendar-proxy-read / calendar-proxy-write).
CREATE TABLE delegates (
  owner_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  delegate_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  access      TEXT    NOT NULL CHECK (access IN ('read', 'read-write')),
  created_at  INTEGER NOT NULL,
  PRIMARY KEY (owner_id, delegate_id),
  CHECK (owner_id <> delegate_id)
) WITHOUT ROWID;
CREATE INDEX delegates_delegate ON delegates(delegate_id);

-- 6. Every calendar home gets its notification collection (CS:notification-URL): sharing
--    invitations are delivered there. New homes get it from their populate hook.
INSERT INTO collections (path, parent_id, owner_id, kind, sync_seq, changes_floor, created_at,
                         modified_at)
  SELECT h.path || 'notifications/', h.id, h.owner_id, 'notifications', 0, 0, h.created_at,
         h.modified_at
  FROM collections h
  WHERE h.kind = 'calendar-home'
    AND NOT EXISTS (SELECT 1 FROM collections c WHERE c.path = h.path || 'notifications/');
