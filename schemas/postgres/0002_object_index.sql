-- Cartable PostgreSQL schema, version 2: the CalDAV/CardDAV index columns of objects (store.h
-- ObjectIndex); mirrors schemas/sqlite/0002_object_index.sql. SQLite rebuilt the table to keep
-- `data` last; PostgreSQL stores large bodies out of line (TOAST), so ADD COLUMN is enough.
--
-- first_start / last_end are UTC seconds; the defaults are INT64_MIN / INT64_MAX (unbounded,
-- kNoLowerBound / kNoUpperBound).

ALTER TABLE objects
  ADD COLUMN uid             TEXT    COLLATE "C" NOT NULL DEFAULT '',  -- '' for plain files
  ADD COLUMN component       TEXT    COLLATE "C" NOT NULL DEFAULT '',  -- 'VEVENT', ..., 'VCARD'
  ADD COLUMN first_start     BIGINT  NOT NULL DEFAULT -9223372036854775808,
  ADD COLUMN last_end        BIGINT  NOT NULL DEFAULT 9223372036854775807,
  ADD COLUMN needs_expansion INTEGER NOT NULL DEFAULT 0,
  -- 1 when a side is unbounded; only orders the objects_time index (see the SQLite file).
  -- PostgreSQL 15 has only STORED generated columns.
  ADD COLUMN unbounded       INTEGER GENERATED ALWAYS AS (
    CASE WHEN first_start = -9223372036854775808 OR last_end = 9223372036854775807
         THEN 1 ELSE 0 END) STORED;

-- Time-range queries (QueryObjects): see schemas/sqlite/0002_object_index.sql.
CREATE INDEX objects_time ON objects (collection_id, component, unbounded, first_start, last_end);
-- UID lookup (CALDAV:no-uid-conflict). Not UNIQUE: plain files all have uid ''.
CREATE INDEX objects_uid ON objects (collection_id, uid);

-- An upper bound of last_end - first_start over the collection's bounded objects.
ALTER TABLE collections ADD COLUMN max_object_span BIGINT NOT NULL DEFAULT 0;
