-- A return interrupted part-way may be given up (issue 12; R-APPROVE, R-DISPOSE, R-PRINT;
-- docs/disposal.md): its request ends 'cancelled', a state that is never carried out nor
-- followed by the municipality's disposal. The state's CHECK takes it: the table is rebuilt
-- with its rows and their ids (their MACs cover values, not pages), as before; the outputs
-- and return items that reference it are checked when the transaction commits.
PRAGMA defer_foreign_keys = ON;
CREATE TABLE approval_request_026 (
	id              INTEGER PRIMARY KEY,
	kind            TEXT NOT NULL CHECK (kind IN ('print', 'export', 'dispose', 'return', 'dispose-municipality')),
	bureau_id       INTEGER NOT NULL REFERENCES bureau(id),
	requester_id    INTEGER NOT NULL REFERENCES operator(id),
	requester_user  TEXT NOT NULL,
	reason          TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 400),
	-- "id:version" joined by ',': at most 10,000 of 32 bytes each (020_request_items)
	items           TEXT NOT NULL CHECK (length(items) BETWEEN 3 AND 320000),
	n_items         INTEGER NOT NULL CHECK (n_items >= 0 AND n_items <=
				CASE WHEN kind IN ('export', 'return') THEN 10000 ELSE 1000 END),
	created_at      INTEGER NOT NULL,
	state           TEXT NOT NULL CHECK (state IN ('waiting', 'approved', 'rejected', 'expired', 'executed', 'running',
						       'cancelled')),
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
INSERT INTO approval_request_026 SELECT * FROM approval_request;
DROP TABLE approval_request;
ALTER TABLE approval_request_026 RENAME TO approval_request;
CREATE INDEX approval_request_state ON approval_request(bureau_id, state);
CREATE INDEX approval_request_requester ON approval_request(requester_id, id);
CREATE TRIGGER approval_request_no_delete BEFORE DELETE ON approval_request
BEGIN SELECT RAISE(ABORT, 'approval requests are never deleted'); END;
