-- 003, PostgreSQL 15: the twin of 003_lockout.sql (docs/storage.md).
ALTER TABLE lockout ADD COLUMN recent bytea;
CREATE INDEX lockout_last_failure ON lockout(last_failure);
