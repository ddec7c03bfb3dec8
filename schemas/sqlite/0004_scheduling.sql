-- Cartable SQLite schema, version 4: CalDAV scheduling (RFC 6638) and the iMIP mail queue.
--
-- Schedule tags live in their own table rather than in a new `objects` column: ALTER TABLE ADD
-- COLUMN would append it after `data` (see 0002), and only scheduling objects have one.

CREATE TABLE schedule_tags (
  object_id INTEGER PRIMARY KEY REFERENCES objects(id) ON DELETE CASCADE,
  tag       TEXT    NOT NULL
);

-- Outgoing mail the relay did not take yet, retried by the server (store.h QueuedMail).
CREATE TABLE mail_queue (
  id                INTEGER PRIMARY KEY,
  envelope_from     TEXT    NOT NULL,
  recipient         TEXT    NOT NULL,
  message           BLOB    NOT NULL,
  origin_collection INTEGER NOT NULL DEFAULT 0,  -- no foreign key: the mail outlives the event
  origin_name       TEXT    NOT NULL DEFAULT '',
  attempts          INTEGER NOT NULL DEFAULT 0,
  next_attempt      INTEGER NOT NULL,
  last_error        TEXT    NOT NULL DEFAULT '',
  created_at        INTEGER NOT NULL
);
CREATE INDEX mail_queue_due ON mail_queue(next_attempt, id);

-- Every calendar home gets its scheduling inbox and outbox (new homes get them at creation).
INSERT INTO collections (path, parent_id, owner_id, kind, created_at, modified_at)
  SELECT h.path || 'inbox/', h.id, h.owner_id, 'schedule-inbox', h.created_at, h.created_at
  FROM collections h WHERE h.kind = 'calendar-home'
    AND NOT EXISTS (SELECT 1 FROM collections c WHERE c.path = h.path || 'inbox/');
INSERT INTO collections (path, parent_id, owner_id, kind, created_at, modified_at)
  SELECT h.path || 'outbox/', h.id, h.owner_id, 'schedule-outbox', h.created_at, h.created_at
  FROM collections h WHERE h.kind = 'calendar-home'
    AND NOT EXISTS (SELECT 1 FROM collections c WHERE c.path = h.path || 'outbox/');
