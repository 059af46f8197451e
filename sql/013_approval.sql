-- 013: the four-eyes workflow (R-APPROVE, R-PRINT; docs/approvals.md). 012 is left free for
-- the work going on beside this (intake, receiver) so that both can land in either order.
-- A request fixes what it covers when it is made: the registers and their versions ("items",
-- "id:version" joined by ','), so that an approval is for exactly that. Sealed (core/trust/
-- rows.h): changing the list, the requester, the approver, the state or a time with sqlite3
-- is refused at the next read, naming the row. A request is never deleted: its number keeps
-- one meaning in the history and on every page printed under it.
CREATE TABLE approval_request (
	id              INTEGER PRIMARY KEY,
	kind            TEXT NOT NULL CHECK (kind IN ('print', 'export', 'dispose', 'return')),
	bureau_id       INTEGER NOT NULL REFERENCES bureau(id),
	requester_id    INTEGER NOT NULL REFERENCES operator(id),
	requester_user  TEXT NOT NULL,
	reason          TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 400),
	items           TEXT NOT NULL CHECK (length(items) BETWEEN 3 AND 20000),
	n_items         INTEGER NOT NULL CHECK (n_items BETWEEN 1 AND 1000),
	created_at      INTEGER NOT NULL,
	state           TEXT NOT NULL CHECK (state IN ('waiting', 'approved', 'rejected', 'expired', 'executed')),
	decided_by      INTEGER REFERENCES operator(id),
	decided_by_user TEXT,
	decided_at      INTEGER,
	decision_reason TEXT,
	valid_until     INTEGER,
	executed_at     INTEGER,
	mac             BLOB,
	CHECK ((decided_at IS NULL) = (decided_by_user IS NULL)),
	CHECK (decided_by IS NULL OR decided_by <> requester_id)
);
CREATE INDEX approval_request_state ON approval_request(bureau_id, state);
CREATE INDEX approval_request_requester ON approval_request(requester_id, id);
CREATE TRIGGER approval_request_no_delete BEFORE DELETE ON approval_request
BEGIN SELECT RAISE(ABORT, 'approval requests are never deleted'); END;

-- Every copy made under an approval: its output number (bureau / year / serial), what it is
-- of, who made it and under whose approval, when, and the SHA-256 of the file written. The
-- serial is also kept in the key folder (print.seq), where a restored older database cannot
-- take it back. Sealed, and never changed or deleted.
CREATE TABLE print_output (
	id              INTEGER PRIMARY KEY,
	request_id      INTEGER NOT NULL REFERENCES approval_request(id),
	register_id     INTEGER NOT NULL,
	version         INTEGER NOT NULL,
	bureau_id       INTEGER NOT NULL REFERENCES bureau(id),
	year            INTEGER NOT NULL,
	serial          INTEGER NOT NULL UNIQUE CHECK (serial > 0),
	number          TEXT NOT NULL UNIQUE,
	operator_user   TEXT NOT NULL,
	approver_user   TEXT NOT NULL,
	printed_at      INTEGER NOT NULL,
	pages           INTEGER NOT NULL,
	sha256          TEXT NOT NULL CHECK (length(sha256) = 64),
	file_name       TEXT NOT NULL,
	mac             BLOB
);
CREATE INDEX print_output_request ON print_output(request_id);
CREATE TRIGGER print_output_no_update BEFORE UPDATE OF request_id, register_id, version,
	bureau_id, year, serial, number, operator_user, approver_user, printed_at, pages, sha256,
	file_name ON print_output
BEGIN SELECT RAISE(ABORT, 'print outputs are never changed'); END;
CREATE TRIGGER print_output_no_delete BEFORE DELETE ON print_output
BEGIN SELECT RAISE(ABORT, 'print outputs are never deleted'); END;
