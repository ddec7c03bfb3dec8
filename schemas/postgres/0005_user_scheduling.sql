-- Cartable PostgreSQL schema, version 5: server-side scheduling can be turned off per user
-- (CLIENTS.md #6); mirrors schemas/sqlite/0005_user_scheduling.sql.
ALTER TABLE users ADD COLUMN scheduling INTEGER NOT NULL DEFAULT 1;
