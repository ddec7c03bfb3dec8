-- Cartable PostgreSQL schema, version 10: the occurrence index of calendar objects (issue 14);
-- mirrors schemas/sqlite/0010_occurrences.sql (see there for complete_until, zone and class).

CREATE TABLE occurrence_sets (
  object_id      BIGINT PRIMARY KEY REFERENCES objects(id) ON DELETE CASCADE,
  collection_id  BIGINT NOT NULL,
  component      TEXT   COLLATE "C" NOT NULL,
  complete_until BIGINT NOT NULL,
  zone           TEXT   COLLATE "C" NOT NULL DEFAULT ''
);
CREATE INDEX occurrence_sets_incomplete
  ON occurrence_sets (collection_id, component, complete_until);
CREATE INDEX occurrence_sets_floating
  ON occurrence_sets (collection_id, component, zone) WHERE zone <> '';

-- One row per recurrence instance, [lo, hi) in UTC seconds; `class` is the bit length of
-- hi - lo. SQLite's WITHOUT ROWID table is a B-tree on its key; here the key is the primary
-- key's index (the heap row is small).
CREATE TABLE occurrences (
  collection_id BIGINT  NOT NULL,
  component     TEXT    COLLATE "C" NOT NULL,
  class         INTEGER NOT NULL,
  lo            BIGINT  NOT NULL,
  hi            BIGINT  NOT NULL,
  object_id     BIGINT  NOT NULL REFERENCES objects(id) ON DELETE CASCADE,
  PRIMARY KEY (collection_id, component, class, lo, hi, object_id)
);
CREATE INDEX occurrences_object ON occurrences (object_id);

CREATE TABLE occurrence_classes (
  collection_id BIGINT  NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
  component     TEXT    COLLATE "C" NOT NULL,
  class         INTEGER NOT NULL,
  PRIMARY KEY (collection_id, component, class)
);

CREATE TABLE occurrence_backfill (
  collection_id BIGINT PRIMARY KEY REFERENCES collections(id) ON DELETE CASCADE
);
INSERT INTO occurrence_backfill (collection_id)
  SELECT DISTINCT collection_id FROM objects
  WHERE component IN ('VEVENT', 'VTODO', 'VJOURNAL', 'VFREEBUSY');
