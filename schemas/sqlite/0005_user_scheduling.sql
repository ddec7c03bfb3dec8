-- Cartable SQLite schema, version 5: server-side scheduling can be turned off per user
-- (CLIENTS.md #6). users is small and has no large column, so ADD COLUMN is fine here.
ALTER TABLE users ADD COLUMN scheduling INTEGER NOT NULL DEFAULT 1;
