-- 016, PostgreSQL 15: the twin of 016_export.sql (docs/storage.md).
CREATE TABLE export_output (
	id              bigint PRIMARY KEY,
	request_id      bigint NOT NULL REFERENCES approval_request(id),
	bureau_id       bigint NOT NULL REFERENCES bureau(id),
	year            bigint NOT NULL,
	serial          bigint NOT NULL UNIQUE CHECK (serial > 0),
	number          text NOT NULL UNIQUE,
	operator_user   text NOT NULL,
	approver_user   text NOT NULL,
	exported_at     bigint NOT NULL,
	registers       bigint NOT NULL CHECK (registers > 0),
	recipient       text NOT NULL,
	recipient_sha256 text NOT NULL CHECK (length(recipient_sha256) = 64),
	sha256          text NOT NULL CHECK (length(sha256) = 64),
	file_name       text NOT NULL,
	mac             bytea
);
CREATE TRIGGER export_output_rowid BEFORE INSERT ON export_output
FOR EACH ROW EXECUTE FUNCTION fk_rowid();
CREATE INDEX export_output_request ON export_output(request_id);
CREATE TRIGGER export_output_no_update BEFORE UPDATE OF request_id, bureau_id, year, serial,
	number, operator_user, approver_user, exported_at, registers, recipient, recipient_sha256,
	sha256, file_name ON export_output
FOR EACH ROW EXECUTE FUNCTION fk_refuse('export outputs are never changed');
CREATE TRIGGER export_output_no_delete BEFORE DELETE ON export_output
FOR EACH ROW EXECUTE FUNCTION fk_refuse('export outputs are never deleted');
CREATE TRIGGER export_output_no_truncate BEFORE TRUNCATE ON export_output
FOR EACH STATEMENT EXECUTE FUNCTION fk_refuse('export outputs are never deleted');
