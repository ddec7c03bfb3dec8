-- Cartable SQLite schema, version 11: a covering index for listings (issue 14).
--
-- PROPFIND Depth 1 and an initial sync-collection answer every member of a collection from a
-- few metadata columns. Walking the UNIQUE (collection_id, name) index, SQLite then seeks each
-- row in the table, whose records start with the first bytes of the body (`data`): about one
-- page read per member, 10,500 reads for a school year's calendar. This index holds every
-- column the listing reads (Session::ForEachObjectListing, ObjectListingSql()), so the walk
-- reads only its own pages, a few dozen members per page, in name order. Its cost on a write is
-- one more index entry of about 150 bytes per object.
CREATE INDEX objects_listing ON objects (collection_id, name, etag, content_type, size,
                                         created_at, modified_at, change_seq);
