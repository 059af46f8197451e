-- 005, PostgreSQL 15: the twin of 005_stats.sql (docs/storage.md). SQLite's four trigger
-- bodies are two plpgsql functions here over one upsert; scalar max(a, b) is greatest(a, b)
-- (both are NOT NULL, where the two would differ).
CREATE TABLE municipality_stats (
	municipality  text NOT NULL REFERENCES municipality(code),
	kind          bigint NOT NULL,
	n             bigint NOT NULL DEFAULT 0,
	last_received bigint NOT NULL DEFAULT 0,
	PRIMARY KEY (municipality, kind)
);

INSERT INTO municipality_stats(municipality, kind, n, last_received)
	SELECT municipality, kind, count(*), max(received_at) FROM register
	WHERE disposed_at IS NULL GROUP BY municipality, kind;
INSERT INTO municipality_stats(municipality, kind, n, last_received)
	SELECT municipality, 3, count(*), max(received_at) FROM ledger_entry GROUP BY municipality;
INSERT INTO municipality_stats(municipality, kind, n, last_received)
	SELECT municipality, 4, count(*), max(received_at) FROM notification_doc GROUP BY municipality;

-- One more row of (municipality, kind), received at t.
CREATE FUNCTION fk_stats_add(muni text, k bigint, t bigint) RETURNS void LANGUAGE sql AS $$
	INSERT INTO municipality_stats AS s (municipality, kind, n, last_received) VALUES (muni, k, 1, t)
	ON CONFLICT (municipality, kind) DO UPDATE
	SET n = s.n + 1, last_received = greatest(s.last_received, excluded.last_received)
$$;

-- A register counts under its own kind, the others under the kind their trigger names.
-- NEW.kind is read only for a register: plpgsql looks a field up when its line runs.
CREATE FUNCTION fk_stats_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_TABLE_NAME = 'register' THEN
		PERFORM fk_stats_add(NEW.municipality, NEW.kind, NEW.received_at);
	ELSE
		PERFORM fk_stats_add(NEW.municipality, CAST(TG_ARGV[0] AS bigint), NEW.received_at);
	END IF;
	RETURN NULL;
END $$;
CREATE TRIGGER register_stats_insert AFTER INSERT ON register
FOR EACH ROW EXECUTE FUNCTION fk_stats_insert();

-- A new version may move a register from 戸籍 to 除籍; disposal removes it.
CREATE FUNCTION fk_register_stats_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE municipality_stats SET n = n - 1
	WHERE municipality = OLD.municipality AND kind = OLD.kind AND OLD.disposed_at IS NULL;
	IF NEW.disposed_at IS NULL THEN
		PERFORM fk_stats_add(NEW.municipality, NEW.kind, NEW.received_at);
	END IF;
	RETURN NULL;
END $$;
CREATE TRIGGER register_stats_update AFTER UPDATE OF kind, received_at, disposed_at ON register
FOR EACH ROW EXECUTE FUNCTION fk_register_stats_update();

CREATE TRIGGER ledger_stats_insert AFTER INSERT ON ledger_entry
FOR EACH ROW EXECUTE FUNCTION fk_stats_insert('3');
CREATE TRIGGER doc_stats_insert AFTER INSERT ON notification_doc
FOR EACH ROW EXECUTE FUNCTION fk_stats_insert('4');
