-- Cartable PostgreSQL schema, version 6: collection settings as typed columns (store.h
-- CollectionSettings); mirrors schemas/sqlite/0006_collection_settings.sql. NULL means "not
-- set" everywhere.
--
-- The SQLite migration also moved existing property rows into these columns. No PostgreSQL
-- database predates this file (the PostgreSQL store was introduced at schema version 11), and
-- `cartable migrate-store` copies from a SQLite store migrated to the latest version first, so
-- there is nothing to convert here.

ALTER TABLE collections
  ADD COLUMN display_name        TEXT COLLATE "C",  -- DAV:displayname
  ADD COLUMN description         TEXT COLLATE "C",  -- CALDAV:calendar-description
  ADD COLUMN color               TEXT COLLATE "C",  -- Apple calendar-color ("#RRGGBB[AA]")
  ADD COLUMN sort_order          BIGINT,            -- Apple calendar-order
  ADD COLUMN time_zone           TEXT COLLATE "C",  -- CALDAV:calendar-timezone (VCALENDAR)
  ADD COLUMN transparent         INTEGER,           -- CALDAV:schedule-calendar-transp, 1/0
  -- A scheduling inbox's CALDAV:schedule-default-calendar-URL, by id.
  ADD COLUMN default_calendar_id BIGINT REFERENCES collections(id) ON DELETE SET NULL,
  ADD COLUMN components          TEXT COLLATE "C";  -- "VEVENT,VTODO"; NULL: every one
