-- When each change-log entry was written, so the store can prune entries older than the
-- configured retention (StoreOptions::retention, [store] change_log_max_age_days) and raise the
-- collection's changes_floor past them. Existing entries count from the upgrade.
ALTER TABLE changes ADD COLUMN changed_at INTEGER NOT NULL DEFAULT 0;
UPDATE changes SET changed_at = CAST(strftime('%s', 'now') AS INTEGER);
