-- 007, PostgreSQL 15: the twin of 007_lockout_reserve.sql (docs/storage.md).
ALTER TABLE lockout ADD COLUMN pending bytea;
