-- Cartable SQLite schema, version 10: the occurrence index of calendar objects (issue 14), as
-- CalendarServer's TIME_RANGE table, without a time window. One row per recurrence instance:
-- its RFC 4791 §9.9 interval [lo, hi) in UTC seconds (an instance overlaps a time-range
-- [start, end) iff start < hi AND end > lo). Written by PutObject in the object's transaction
-- from ObjectIndex::occurrences (store.h); read by QueryOccurrences.
--
-- occurrence_sets says how far the rows of one object can be trusted:
--   complete_until  the rows hold every instance overlapping (-inf, complete_until): a query
--                   whose end is at or before it is answered from the rows. INT64_MAX: all of
--                   them (bounded recurrence); an open-ended RRULE is expanded up to a horizon;
--                   INT64_MIN: no rows at all (not computed, or expansion capped): every query
--                   parses the object, as before this index.
--   zone            '' when no interval depends on the floating time zone; else the zone
--                   (FloatingZoneOf) floating and DATE values were evaluated in: queries in
--                   another zone parse the object (RFC 4791 §9.9).
-- An object without a row here was stored before this migration: its collection is listed in
-- occurrence_backfill until the server has computed its objects' rows (OccurrenceBackfill).

CREATE TABLE occurrence_sets (
  object_id      INTEGER PRIMARY KEY REFERENCES objects(id) ON DELETE CASCADE,
  collection_id  INTEGER NOT NULL,
  component      TEXT    NOT NULL,
  complete_until INTEGER NOT NULL,
  zone           TEXT    NOT NULL DEFAULT ''
);
-- The objects a query must parse: rows incomplete before the query's end...
CREATE INDEX occurrence_sets_incomplete
  ON occurrence_sets (collection_id, component, complete_until);
-- ...or evaluated in another floating zone (few: all-day and floating events).
CREATE INDEX occurrence_sets_floating
  ON occurrence_sets (collection_id, component, zone) WHERE zone <> '';

-- `class` is the bit length of hi - lo (64 for an interval too long for an int64). A query
-- scans each class c with lo in (start - 2^c, end): one short index range per class, so a
-- few long events do not make every query read every row before its end.
-- WITHOUT ROWID: the time key is the table itself (one B-tree written per row, not three).
CREATE TABLE occurrences (
  collection_id INTEGER NOT NULL,
  component     TEXT    NOT NULL,
  class         INTEGER NOT NULL,
  lo            INTEGER NOT NULL,
  hi            INTEGER NOT NULL,
  object_id     INTEGER NOT NULL REFERENCES objects(id) ON DELETE CASCADE,
  PRIMARY KEY (collection_id, component, class, lo, hi, object_id)
) WITHOUT ROWID;
-- Replacing or deleting an object (and the foreign key's cascade) finds its rows here.
CREATE INDEX occurrences_object ON occurrences (object_id);

-- The classes present per (collection, component), so a query seeks only those.
CREATE TABLE occurrence_classes (
  collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
  component     TEXT    NOT NULL,
  class         INTEGER NOT NULL,
  PRIMARY KEY (collection_id, component, class)
) WITHOUT ROWID;

-- Collections holding objects stored before this migration (their rows are computed by the
-- server at start, in the background; until then their queries parse candidates as before).
CREATE TABLE occurrence_backfill (
  collection_id INTEGER PRIMARY KEY REFERENCES collections(id) ON DELETE CASCADE
);
INSERT INTO occurrence_backfill (collection_id)
  SELECT DISTINCT collection_id FROM objects
  WHERE component IN ('VEVENT', 'VTODO', 'VJOURNAL', 'VFREEBUSY');
