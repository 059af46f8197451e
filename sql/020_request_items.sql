-- An export or a return names up to 10,000 registers in one request (issue 12; R-APPROVE,
-- R-PRINT): a print or a disposal still up to 1,000 (core/approve/approve.h says why each
-- bound is where it is). The CHECKs take the new bounds, so approval_request is rebuilt with
-- its rows, rowids and MACs unchanged. print_output and export_output refer to it: with the
-- foreign keys deferred, dropping the old table counts their rows as orphans and inserting the
-- same ids into the new one counts them back, so the commit finds nothing left over.
PRAGMA defer_foreign_keys = ON;
CREATE TABLE approval_request_copy AS SELECT * FROM approval_request;
DROP TRIGGER approval_request_no_delete;
DROP TABLE approval_request;
CREATE TABLE approval_request (
	id              INTEGER PRIMARY KEY,
	kind            TEXT NOT NULL CHECK (kind IN ('print', 'export', 'dispose', 'return')),
	bureau_id       INTEGER NOT NULL REFERENCES bureau(id),
	requester_id    INTEGER NOT NULL REFERENCES operator(id),
	requester_user  TEXT NOT NULL,
	reason          TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 400),
	-- "id:version" joined by ',': at most 10,000 of 32 bytes each
	items           TEXT NOT NULL CHECK (length(items) BETWEEN 3 AND 320000),
	n_items         INTEGER NOT NULL CHECK (n_items >= 1 AND n_items <=
				CASE WHEN kind IN ('export', 'return') THEN 10000 ELSE 1000 END),
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
INSERT INTO approval_request(id, kind, bureau_id, requester_id, requester_user, reason, items,
	n_items, created_at, state, decided_by, decided_by_user, decided_at, decision_reason,
	valid_until, executed_at, mac)
	SELECT id, kind, bureau_id, requester_id, requester_user, reason, items, n_items,
	created_at, state, decided_by, decided_by_user, decided_at, decision_reason, valid_until,
	executed_at, mac FROM approval_request_copy;
DROP TABLE approval_request_copy;
CREATE INDEX approval_request_state ON approval_request(bureau_id, state);
CREATE INDEX approval_request_requester ON approval_request(requester_id, id);
CREATE TRIGGER approval_request_no_delete BEFORE DELETE ON approval_request
BEGIN SELECT RAISE(ABORT, 'approval requests are never deleted'); END;
