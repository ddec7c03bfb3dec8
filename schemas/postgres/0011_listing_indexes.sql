-- Cartable PostgreSQL schema, version 11: a covering index for listings (issue 14); mirrors
-- schemas/sqlite/0011_listing_indexes.sql. PROPFIND Depth 1 and an initial sync-collection read
-- every member's metadata in name order: with INCLUDE, an index-only scan answers them without
-- visiting the heap (for pages the visibility map marks all-visible, i.e. after VACUUM).
CREATE INDEX objects_listing ON objects (collection_id, name)
  INCLUDE (etag, content_type, size, created_at, modified_at, change_seq);
