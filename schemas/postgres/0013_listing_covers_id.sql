-- Cartable PostgreSQL schema, version 13: the listing index covers `id` too (no SQLite
-- counterpart: there the rowid is part of every index, so 0011's objects_listing already holds
-- it).
--
-- Session::ForEachObjectListing (dav/store/pg_collections.cc) reads id, name, content_type,
-- etag, size, created_at, modified_at and change_seq. Without `id` in the index, PostgreSQL
-- cannot answer from objects_listing alone and walks objects' UNIQUE (collection_id, name)
-- index instead, reading every member's heap row (where bodies under the TOAST threshold,
-- about 2 KB, i.e. most events and cards, lie inline): the page-per-member walk 0011 removed
-- on SQLite. With it, the listing is an index-only scan (pages marked all-visible by vacuum).
DROP INDEX objects_listing;
CREATE INDEX objects_listing ON objects (collection_id, name)
  INCLUDE (id, etag, content_type, size, created_at, modified_at, change_seq);
