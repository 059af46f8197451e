-- 017, PostgreSQL 15: the twin of 017_alerts.sql (docs/storage.md).
CREATE TABLE alert (
	id          bigint PRIMARY KEY,
	detector    text NOT NULL CHECK (detector IN ('signin-burst', 'signin-terminal', 'refusals', 'bulk-view')),
	subject     text NOT NULL CHECK (length(subject) BETWEEN 1 AND 96),
	bureau_id   bigint REFERENCES bureau(id),
	terminal    text NOT NULL,
	count       bigint NOT NULL CHECK (count >= 1),
	threshold   bigint NOT NULL CHECK (threshold >= 1),
	window_s    bigint NOT NULL CHECK (window_s >= 1),
	raised_at   bigint NOT NULL,
	acked_by    bigint REFERENCES operator(id),
	acked_by_user text,
	acked_at    bigint,
	ack_note    text CHECK (ack_note IS NULL OR length(ack_note) BETWEEN 1 AND 800),
	mac         bytea,
	CHECK ((acked_at IS NULL) = (acked_by_user IS NULL) AND (acked_at IS NULL) = (ack_note IS NULL))
);
CREATE TRIGGER alert_rowid BEFORE INSERT ON alert
FOR EACH ROW EXECUTE FUNCTION fk_rowid();
CREATE INDEX alert_subject ON alert(detector, subject, raised_at);
CREATE INDEX alert_open ON alert(acked_at, bureau_id);
CREATE INDEX audit_log_actor ON audit_log(operator, action, ts_ns);
CREATE INDEX audit_log_denied ON audit_log(operator, ts_ns) WHERE result = 'denied';
