-- Placeholder for version 6 (typed collection settings, developed on another branch): keeps the
-- migration numbering contiguous on this branch. Replaced by the real 0006 when merged.
SELECT 1;
