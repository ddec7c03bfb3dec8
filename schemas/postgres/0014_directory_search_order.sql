-- Cartable PostgreSQL schema, version 14: the two search tables carry what their searches filter
-- and order by (no SQLite counterpart: FTS5 is driven by an explicit CROSS JOIN there).
--
-- With the order and filters only in directory_entries, PostgreSQL answers a prefix search
-- LIMIT 20 by walking directory_entries in sort_key order and probing each row's words: fast
-- when the prefix is common, a walk of most of the table when its matches sort late ("nguyen":
-- 200-370 ms among 50,000 people). With these copies the GIN match set is filtered and
-- top-N-sorted within directory_search and only the winners are read from directory_entries:
-- a few ms for a rare prefix, tens of ms for one letter, like SQLite. Written by the store with
-- the words (PutDirectoryEntry), the only writer of these columns of directory_entries.
ALTER TABLE directory_search
  ADD COLUMN sort_key    TEXT    COLLATE "C" NOT NULL DEFAULT '',
  ADD COLUMN departement TEXT    COLLATE "C" NOT NULL DEFAULT '',
  ADD COLUMN uai         TEXT    COLLATE "C" NOT NULL DEFAULT '',
  ADD COLUMN active      INTEGER NOT NULL DEFAULT 1;

UPDATE directory_search s
  SET sort_key = e.sort_key, departement = e.departement, uai = e.uai, active = e.active
  FROM directory_entries e WHERE e.id = s.entry_id;

-- DirectoryEntriesContaining keeps active people only: with `active` here the trigram match set
-- is filtered without a join (see pg_directory.cc kContainsSql).
ALTER TABLE directory_trigram ADD COLUMN active INTEGER NOT NULL DEFAULT 1;
UPDATE directory_trigram t SET active = e.active FROM directory_entries e WHERE e.id = t.entry_id;

-- The ordered walk of SearchDirectory's first step (pg_directory.cc kSearchWalkSql).
CREATE INDEX directory_search_order ON directory_search(sort_key, entry_id);
