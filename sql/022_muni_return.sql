-- A municipality's data returned to it and disposed of as a whole (issue 12; R-DISPOSE 8(1)ク;
-- docs/disposal.md). A request may name a municipality instead of registers: a return
-- ('return') or a disposal of the whole municipality ('dispose-municipality'); items then holds
-- its code (and, for a disposal that follows a return, '@' and the return's request id) and
-- n_items is 0. A disposal of 100,000 registers runs in short transactions: its request is
-- 'running' from the first batch to the last, so that carrying it out again after a crash
-- continues it. The kinds' and states' CHECKs take these: the table is rebuilt with its rows
-- and their ids (their MACs cover values, not pages); the outputs that reference it are
-- checked when the transaction commits.
PRAGMA defer_foreign_keys = ON;
CREATE TABLE approval_request_022 (
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
	state           TEXT NOT NULL CHECK (state IN ('waiting', 'approved', 'rejected', 'expired', 'executed', 'running')),
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
INSERT INTO approval_request_022 SELECT * FROM approval_request;
DROP TABLE approval_request;
ALTER TABLE approval_request_022 RENAME TO approval_request;
CREATE INDEX approval_request_state ON approval_request(bureau_id, state);
CREATE INDEX approval_request_requester ON approval_request(requester_id, id);
CREATE TRIGGER approval_request_no_delete BEFORE DELETE ON approval_request
BEGIN SELECT RAISE(ABORT, 'approval requests are never deleted'); END;

-- What a return held: each register at the version written into the package. The disposal
-- that follows compares the municipality with it (a register added or amended since was not
-- returned). The set's count and digest are kept in the sealed meta ('return.<id>'), so a row
-- added here or removed is noticed.
CREATE TABLE return_item (
	request_id  INTEGER NOT NULL REFERENCES approval_request(id),
	register_id INTEGER NOT NULL,
	version     INTEGER NOT NULL,
	PRIMARY KEY (request_id, register_id)
) WITHOUT ROWID;
