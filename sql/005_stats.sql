-- 005: per-municipality counts kept by triggers, so the home screen never counts a million rows.
CREATE TABLE municipality_stats (
	municipality  TEXT NOT NULL REFERENCES municipality(code),
	kind          INTEGER NOT NULL,   -- 1 戸籍, 2 除籍, 3 受付帳情報, 4 届書等情報
	n             INTEGER NOT NULL DEFAULT 0,
	last_received INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (municipality, kind)
) WITHOUT ROWID;

INSERT INTO municipality_stats(municipality, kind, n, last_received)
	SELECT municipality, kind, count(*), max(received_at) FROM register
	WHERE disposed_at IS NULL GROUP BY municipality, kind;
INSERT INTO municipality_stats(municipality, kind, n, last_received)
	SELECT municipality, 3, count(*), max(received_at) FROM ledger_entry GROUP BY municipality;
INSERT INTO municipality_stats(municipality, kind, n, last_received)
	SELECT municipality, 4, count(*), max(received_at) FROM notification_doc GROUP BY municipality;

CREATE TRIGGER register_stats_insert AFTER INSERT ON register
BEGIN
	INSERT INTO municipality_stats(municipality, kind, n, last_received)
	VALUES (NEW.municipality, NEW.kind, 1, NEW.received_at)
	ON CONFLICT (municipality, kind) DO UPDATE
	SET n = n + 1, last_received = max(last_received, excluded.last_received);
END;

-- A new version may move a register from 戸籍 to 除籍; disposal removes it.
CREATE TRIGGER register_stats_update AFTER UPDATE OF kind, received_at, disposed_at ON register
BEGIN
	UPDATE municipality_stats SET n = n - 1
	WHERE municipality = OLD.municipality AND kind = OLD.kind AND OLD.disposed_at IS NULL;
	INSERT INTO municipality_stats(municipality, kind, n, last_received)
	SELECT NEW.municipality, NEW.kind, 1, NEW.received_at WHERE NEW.disposed_at IS NULL
	ON CONFLICT (municipality, kind) DO UPDATE
	SET n = n + 1, last_received = max(last_received, excluded.last_received);
END;

CREATE TRIGGER ledger_stats_insert AFTER INSERT ON ledger_entry
BEGIN
	INSERT INTO municipality_stats(municipality, kind, n, last_received)
	VALUES (NEW.municipality, 3, 1, NEW.received_at)
	ON CONFLICT (municipality, kind) DO UPDATE
	SET n = n + 1, last_received = max(last_received, excluded.last_received);
END;

CREATE TRIGGER doc_stats_insert AFTER INSERT ON notification_doc
BEGIN
	INSERT INTO municipality_stats(municipality, kind, n, last_received)
	VALUES (NEW.municipality, 4, 1, NEW.received_at)
	ON CONFLICT (municipality, kind) DO UPDATE
	SET n = n + 1, last_received = max(last_received, excluded.last_received);
END;
