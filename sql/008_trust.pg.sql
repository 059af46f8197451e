-- 008, PostgreSQL 15: the twin of 008_trust.sql (docs/storage.md).
ALTER TABLE meta ADD COLUMN mac bytea;
ALTER TABLE prefecture ADD COLUMN mac bytea;
ALTER TABLE bureau ADD COLUMN mac bytea;
ALTER TABLE municipality ADD COLUMN mac bytea;
ALTER TABLE operator ADD COLUMN mac bytea;
ALTER TABLE permission_grant ADD COLUMN mac bytea;
ALTER TABLE lockout ADD COLUMN mac bytea;
ALTER TABLE register ADD COLUMN mac bytea;
ALTER TABLE register_version ADD COLUMN mac bytea;
ALTER TABLE ledger_entry ADD COLUMN mac bytea;
ALTER TABLE notification_doc ADD COLUMN mac bytea;
ALTER TABLE audit_log ADD COLUMN row_refs text;
CREATE UNIQUE INDEX operator_name_folded ON operator(lower(username));
