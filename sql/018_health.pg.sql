-- 018, PostgreSQL 15: the twin of 018_health.sql (docs/storage.md).
CREATE INDEX audit_log_action ON audit_log(action);
