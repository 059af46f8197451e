-- Exports carried out (issue 12 part 2; R-PRINT, R-APPROVE; docs/approvals.md): one row per
-- package written, numbered from the counter prints use (print.seq), sealed (core/trust/rows.h),
-- never changed or deleted. 014 is left to work going on beside this.
CREATE TABLE export_output (
	id              INTEGER PRIMARY KEY,
	request_id      INTEGER NOT NULL REFERENCES approval_request(id),
	bureau_id       INTEGER NOT NULL REFERENCES bureau(id),
	year            INTEGER NOT NULL,
	serial          INTEGER NOT NULL UNIQUE CHECK (serial > 0),
	number          TEXT NOT NULL UNIQUE,
	operator_user   TEXT NOT NULL,
	approver_user   TEXT NOT NULL,
	exported_at     INTEGER NOT NULL,
	registers       INTEGER NOT NULL CHECK (registers > 0),
	recipient       TEXT NOT NULL,
	recipient_sha256 TEXT NOT NULL CHECK (length(recipient_sha256) = 64),
	sha256          TEXT NOT NULL CHECK (length(sha256) = 64),
	file_name       TEXT NOT NULL,
	mac             BLOB
);
CREATE INDEX export_output_request ON export_output(request_id);
CREATE TRIGGER export_output_no_update BEFORE UPDATE OF request_id, bureau_id, year, serial,
	number, operator_user, approver_user, exported_at, registers, recipient, recipient_sha256,
	sha256, file_name ON export_output
BEGIN SELECT RAISE(ABORT, 'export outputs are never changed'); END;
CREATE TRIGGER export_output_no_delete BEFORE DELETE ON export_output
BEGIN SELECT RAISE(ABORT, 'export outputs are never deleted'); END;
