-- Cartable SQLite schema, version 2: the CalDAV/CardDAV index columns of objects (store.h
-- ObjectIndex), filled at PUT so calendar-query, multiget and no-uid-conflict filter in SQL.
--
-- The table is rebuilt rather than extended with ALTER TABLE ADD COLUMN, which would append
-- the new columns after `data`: every metadata read (listing, time-range query) would then
-- walk the overflow pages of each large body to reach them (measured: 3x slower listing with
-- 8 KB bodies). This is SQLite's documented rebuild (create, copy, drop, rename). It relies on
-- the migration runner having turned foreign_keys OFF for the migration (sqlite_migrations.cc):
-- with it ON, DROP TABLE objects would cascade-delete every object_properties row. Ids are
-- copied, so object_properties rows still point at their objects; the runner runs
-- PRAGMA foreign_key_check before committing.
--
-- first_start / last_end are UTC seconds; the defaults are INT64_MIN / INT64_MAX (unbounded,
-- kNoLowerBound / kNoUpperBound), which SQLite integers hold exactly.

CREATE TABLE objects_v2 (
  id              INTEGER PRIMARY KEY,
  collection_id   INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
  name            TEXT    NOT NULL,
  content_type    TEXT    NOT NULL,
  etag            TEXT    NOT NULL,
  size            INTEGER NOT NULL,
  created_at      INTEGER NOT NULL,
  modified_at     INTEGER NOT NULL,
  change_seq      INTEGER NOT NULL,
  uid             TEXT    NOT NULL DEFAULT '',  -- iCalendar/vCard UID; '' for plain files
  component       TEXT    NOT NULL DEFAULT '',  -- 'VEVENT', 'VTODO', ..., 'VCARD'; '' for files
  first_start     INTEGER NOT NULL DEFAULT -9223372036854775808,
  last_end        INTEGER NOT NULL DEFAULT 9223372036854775807,
  needs_expansion INTEGER NOT NULL DEFAULT 0,
  -- 1 when a side is unbounded. Not stored (VIRTUAL): it only orders the objects_time index,
  -- so the bounded objects of a time-range query form one short first_start range.
  unbounded       INTEGER GENERATED ALWAYS AS (first_start = -9223372036854775808 OR
                                               last_end = 9223372036854775807) VIRTUAL,
  data            BLOB    NOT NULL,             -- last on purpose (see 0001_init.sql)
  UNIQUE (collection_id, name)
);

INSERT INTO objects_v2 (id, collection_id, name, content_type, etag, size, created_at,
                        modified_at, change_seq, data)
  SELECT id, collection_id, name, content_type, etag, size, created_at, modified_at, change_seq,
         data
  FROM objects;

DROP TABLE objects;
ALTER TABLE objects_v2 RENAME TO objects;

-- Time-range queries (QueryObjects). A bounded object overlapping [start, end) has
-- first_start in [start - max_object_span, end), one index range; the unbounded ones (few:
-- open-ended recurrences, undated tasks) are read apart. last_end is in the index so the
-- other half of the overlap test needs no table read.
CREATE INDEX objects_time ON objects (collection_id, component, unbounded, first_start, last_end);
-- UID lookup (CALDAV:no-uid-conflict). Not UNIQUE: uniqueness is the DAV layer's decision and
-- plain files all have uid ''.
CREATE INDEX objects_uid ON objects (collection_id, uid);

-- An upper bound of last_end - first_start over the collection's bounded objects (PutObject
-- raises it, nothing lowers it): how far before a query's start a bounded object may begin.
ALTER TABLE collections ADD COLUMN max_object_span INTEGER NOT NULL DEFAULT 0;
