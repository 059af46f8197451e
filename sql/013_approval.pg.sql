-- 013, PostgreSQL 15: the twin of 013_approval.sql (docs/storage.md).
CREATE TABLE approval_request (
	id              bigint PRIMARY KEY,
	kind            text NOT NULL CHECK (kind IN ('print', 'export', 'dispose', 'return')),
	bureau_id       bigint NOT NULL REFERENCES bureau(id),
	requester_id    bigint NOT NULL REFERENCES operator(id),
	requester_user  text NOT NULL,
	reason          text NOT NULL CHECK (length(reason) BETWEEN 1 AND 400),
	items           text NOT NULL CHECK (length(items) BETWEEN 3 AND 20000),
	n_items         bigint NOT NULL CHECK (n_items BETWEEN 1 AND 1000),
	created_at      bigint NOT NULL,
	state           text NOT NULL CHECK (state IN ('waiting', 'approved', 'rejected', 'expired', 'executed')),
	decided_by      bigint REFERENCES operator(id),
	decided_by_user text,
	decided_at      bigint,
	decision_reason text,
	valid_until     bigint,
	executed_at     bigint,
	mac             bytea,
	CHECK ((decided_at IS NULL) = (decided_by_user IS NULL)),
	CHECK (decided_by IS NULL OR decided_by <> requester_id)
);
CREATE TRIGGER approval_request_rowid BEFORE INSERT ON approval_request
FOR EACH ROW EXECUTE FUNCTION fk_rowid();
CREATE INDEX approval_request_state ON approval_request(bureau_id, state);
CREATE INDEX approval_request_requester ON approval_request(requester_id, id);
CREATE TRIGGER approval_request_no_delete BEFORE DELETE ON approval_request
FOR EACH ROW EXECUTE FUNCTION fk_refuse('approval requests are never deleted');
CREATE TRIGGER approval_request_no_truncate BEFORE TRUNCATE ON approval_request
FOR EACH STATEMENT EXECUTE FUNCTION fk_refuse('approval requests are never deleted');

CREATE TABLE print_output (
	id              bigint PRIMARY KEY,
	request_id      bigint NOT NULL REFERENCES approval_request(id),
	register_id     bigint NOT NULL,
	version         bigint NOT NULL,
	bureau_id       bigint NOT NULL REFERENCES bureau(id),
	year            bigint NOT NULL,
	serial          bigint NOT NULL UNIQUE CHECK (serial > 0),
	number          text NOT NULL UNIQUE,
	operator_user   text NOT NULL,
	approver_user   text NOT NULL,
	printed_at      bigint NOT NULL,
	pages           bigint NOT NULL,
	sha256          text NOT NULL CHECK (length(sha256) = 64),
	file_name       text NOT NULL,
	mac             bytea
);
CREATE TRIGGER print_output_rowid BEFORE INSERT ON print_output
FOR EACH ROW EXECUTE FUNCTION fk_rowid();
CREATE INDEX print_output_request ON print_output(request_id);
CREATE TRIGGER print_output_no_update BEFORE UPDATE OF request_id, register_id, version,
	bureau_id, year, serial, number, operator_user, approver_user, printed_at, pages, sha256,
	file_name ON print_output
FOR EACH ROW EXECUTE FUNCTION fk_refuse('print outputs are never changed');
CREATE TRIGGER print_output_no_delete BEFORE DELETE ON print_output
FOR EACH ROW EXECUTE FUNCTION fk_refuse('print outputs are never deleted');
CREATE TRIGGER print_output_no_truncate BEFORE TRUNCATE ON print_output
FOR EACH STATEMENT EXECUTE FUNCTION fk_refuse('print outputs are never deleted');
