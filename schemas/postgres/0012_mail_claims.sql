-- Cartable PostgreSQL schema, version 12: which node is sending a queued mail (no SQLite
-- counterpart: one SQLite store has one mail queue worker).
--
-- Several nodes share one mail_queue. DueMail (dav/store/pg_scheduling.cc) takes the due rows
-- with FOR UPDATE SKIP LOCKED and stamps them with the taking store's claim id and a lease, in
-- one statement; the claim outlives that statement, so the other nodes leave the message alone
-- while its node sends it (no transaction is open during the send). RescheduleMail ends the
-- claim (the retry is anyone's), DeleteMail removes the row; a node that died mid-send leaves a
-- claim that lapses at claimed_until, and another node then retries.
ALTER TABLE mail_queue
  ADD COLUMN claimed_by    TEXT   COLLATE "C" NOT NULL DEFAULT '',  -- '' = nobody's
  ADD COLUMN claimed_until BIGINT NOT NULL DEFAULT 0;               -- seconds since the epoch
