-- Alerts of intrusion detection (R-INTRUSION; issue 13). A detector (core/audit/detect.c) that
-- sees a burst of failed sign-ins, repeated refusals of one person or unusual bulk viewing
-- writes one row here, in the transaction that records the event that raised it, and records
-- alert.raise with it. Sealed (core/trust/rows.h) and counted in its table's digest: an alert
-- edited, acknowledged or deleted with sqlite3 is refused at the next read, naming the row.
-- An alert is never deleted; a supervisor acknowledges it with a note (alert.ack).
-- detector: 'signin-burst' (failed sign-ins across accounts), 'signin-terminal' (from one
-- terminal), 'refusals' (refusals of one person), 'bulk-view' (registers opened by one person).
-- subject: what the detector counted for: '*' (every account), the terminal's id, or the
-- person's user name. bureau_id: whose supervisors see it (NULL: every supervisor; sign-in
-- bursts name nobody enrolled). count, window_s, threshold: what was seen, in how long.
CREATE TABLE alert (
	id          INTEGER PRIMARY KEY,
	detector    TEXT NOT NULL CHECK (detector IN ('signin-burst', 'signin-terminal', 'refusals', 'bulk-view')),
	subject     TEXT NOT NULL CHECK (length(subject) BETWEEN 1 AND 96),
	bureau_id   INTEGER REFERENCES bureau(id),
	terminal    TEXT NOT NULL,
	count       INTEGER NOT NULL CHECK (count >= 1),
	threshold   INTEGER NOT NULL CHECK (threshold >= 1),
	window_s    INTEGER NOT NULL CHECK (window_s >= 1),
	raised_at   INTEGER NOT NULL,
	acked_by    INTEGER REFERENCES operator(id),
	acked_by_user TEXT,
	acked_at    INTEGER,
	ack_note    TEXT CHECK (ack_note IS NULL OR length(ack_note) BETWEEN 1 AND 800),
	mac         BLOB,
	CHECK ((acked_at IS NULL) = (acked_by_user IS NULL) AND (acked_at IS NULL) = (ack_note IS NULL))
);
-- once per window: the last alert of a detector for a subject
CREATE INDEX alert_subject ON alert(detector, subject, raised_at);
CREATE INDEX alert_open ON alert(acked_at, bureau_id);
-- The detectors count recent records of the history: the records of one person (or of
-- nobody, for sign-ins) and one action since a time, and one person's refusals since a time.
CREATE INDEX audit_log_actor ON audit_log(operator, action, ts_ns);
CREATE INDEX audit_log_denied ON audit_log(operator, ts_ns) WHERE result = 'denied';
