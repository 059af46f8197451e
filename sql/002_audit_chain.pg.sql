-- 002, PostgreSQL 15: the twin of 002_audit_chain.sql (docs/storage.md).
ALTER TABLE audit_log ADD COLUMN kind bigint NOT NULL DEFAULT 0;
ALTER TABLE audit_log ADD COLUMN epoch bigint;
ALTER TABLE audit_log ADD COLUMN prev_mac bytea;
ALTER TABLE audit_log ADD COLUMN mac bytea;
CREATE INDEX audit_log_time ON audit_log(ts_ns);

CREATE TABLE audit_checkpoint (
	id        bigint PRIMARY KEY,
	terminal  text NOT NULL,
	seq       bigint NOT NULL,
	epoch     bigint NOT NULL,
	head_mac  bytea NOT NULL,
	ts_ns     bigint NOT NULL,
	signature bytea NOT NULL
);
CREATE TRIGGER audit_checkpoint_rowid BEFORE INSERT ON audit_checkpoint
FOR EACH ROW EXECUTE FUNCTION fk_rowid();
CREATE TRIGGER audit_checkpoint_no_update BEFORE UPDATE ON audit_checkpoint
FOR EACH ROW EXECUTE FUNCTION fk_refuse('the operation history is append-only');
CREATE TRIGGER audit_checkpoint_no_delete BEFORE DELETE ON audit_checkpoint
FOR EACH ROW EXECUTE FUNCTION fk_refuse('the operation history is append-only');
CREATE TRIGGER audit_checkpoint_no_truncate BEFORE TRUNCATE ON audit_checkpoint
FOR EACH STATEMENT EXECUTE FUNCTION fk_refuse('the operation history is append-only');
