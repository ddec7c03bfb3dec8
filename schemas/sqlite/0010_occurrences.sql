-- Placeholder of version 10 on the listing branch only (issue 14): version 10 belongs to the
-- occurrence index (w14-occ, schemas/sqlite/0010_occurrences.sql). The migration runner needs
-- consecutive versions to embed 0011; at merge the occ helper's file replaces this one.
SELECT 1;
