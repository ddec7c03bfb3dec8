-- Cartable PostgreSQL schema, version 7: when each change-log entry was written (pruning by
-- age, StoreOptions::retention); mirrors schemas/sqlite/0007_change_times.sql.
ALTER TABLE changes ADD COLUMN changed_at BIGINT NOT NULL DEFAULT 0;
UPDATE changes SET changed_at = CAST(extract(epoch FROM now()) AS BIGINT);
