-- 011, PostgreSQL 15: the twin of 011_intake.sql (docs/storage.md). A trigger's WHEN cannot
-- hold a subquery here, so the counting functions test the watermark themselves, and the
-- functions are replaced rather than the triggers dropped and made again.
CREATE TABLE package (
	id            bigint PRIMARY KEY,
	municipality  text NOT NULL REFERENCES municipality(code),
	sequence      bigint NOT NULL CHECK (sequence >= 1),
	kind          bigint NOT NULL CHECK (kind IN (1, 2, 3)),
	digest        bytea NOT NULL UNIQUE CHECK (length(digest) = 32),
	state         text NOT NULL CHECK (state IN ('staging', 'published', 'refused')),
	chunks        bigint NOT NULL,
	chunks_staged bigint NOT NULL DEFAULT 0,
	n_register    bigint NOT NULL DEFAULT 0,
	n_version     bigint NOT NULL DEFAULT 0,
	n_removal     bigint NOT NULL DEFAULT 0,
	n_ledger      bigint NOT NULL DEFAULT 0,
	n_document    bigint NOT NULL DEFAULT 0,
	n_unchanged   bigint NOT NULL DEFAULT 0,
	n_rejected    bigint NOT NULL DEFAULT 0,
	received_at   bigint NOT NULL,
	published_at  bigint,
	wm_register   bigint NOT NULL,
	wm_version    bigint NOT NULL,
	wm_ledger     bigint NOT NULL,
	wm_doc        bigint NOT NULL,
	wm_ref        bigint NOT NULL,
	receipt       bytea,
	receipt_sha256 bytea,
	lines_staged  bigint NOT NULL DEFAULT 0,
	wm_key        bigint NOT NULL DEFAULT 0,
	mac           bytea
);
CREATE TRIGGER package_rowid BEFORE INSERT ON package
FOR EACH ROW EXECUTE FUNCTION fk_rowid();
CREATE UNIQUE INDEX package_sequence ON package(municipality, sequence) WHERE state = 'published';
CREATE INDEX package_state ON package(state);

CREATE TABLE register_ref (
	id           bigint PRIMARY KEY,
	municipality text NOT NULL REFERENCES municipality(code),
	ref          text NOT NULL,
	register_id  bigint NOT NULL REFERENCES register(id),
	mac          bytea,
	UNIQUE (municipality, ref)
);
CREATE TRIGGER register_ref_rowid BEFORE INSERT ON register_ref
FOR EACH ROW EXECUTE FUNCTION fk_rowid();
CREATE INDEX register_ref_register ON register_ref(register_id);

CREATE TABLE staged_change (
	register_id  bigint PRIMARY KEY REFERENCES register(id),
	package_id   bigint NOT NULL REFERENCES package(id),
	change       bigint NOT NULL CHECK (change IN (0, 1, 2, 3)),
	version      bigint NOT NULL,
	kind         bigint NOT NULL CHECK (kind IN (1, 2)),
	received_at  bigint NOT NULL,
	tags_old     bytea,
	tags_new     bytea,
	sort_keys    bytea,
	mac          bytea
);
CREATE INDEX staged_change_package ON staged_change(package_id);

CREATE TABLE package_reject (
	id          bigint PRIMARY KEY,
	package_id  bigint NOT NULL REFERENCES package(id),
	chunk       bigint NOT NULL,
	line        bigint NOT NULL,
	ref         text NOT NULL,
	reason      text NOT NULL,
	detail      text NOT NULL,
	mac         bytea
);
CREATE TRIGGER package_reject_rowid BEFORE INSERT ON package_reject
FOR EACH ROW EXECUTE FUNCTION fk_rowid();
CREATE INDEX package_reject_package ON package_reject(package_id, chunk, line);

-- The highest id of a table every reader may see (no row: all of them).
CREATE FUNCTION fk_visible(what text) RETURNS bigint LANGUAGE sql STABLE AS $$
	SELECT coalesce((SELECT CAST(value AS bigint) FROM meta WHERE key = 'intake.visible.' || what),
			9223372036854775807)
$$;

-- The table's watermark, as SQLite's triggers' WHEN clauses read it.
CREATE FUNCTION fk_visible_new(tab text, id bigint) RETURNS boolean LANGUAGE sql STABLE AS $$
	SELECT id <= fk_visible(CASE tab WHEN 'register' THEN 'register' WHEN 'ledger_entry' THEN 'ledger'
				   ELSE 'doc' END)
$$;

CREATE OR REPLACE FUNCTION fk_stats_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NOT fk_visible_new(TG_TABLE_NAME, NEW.id) THEN
		RETURN NULL;
	ELSIF TG_TABLE_NAME = 'register' THEN
		PERFORM fk_stats_add(NEW.municipality, NEW.kind, NEW.received_at);
	ELSE
		PERFORM fk_stats_add(NEW.municipality, CAST(TG_ARGV[0] AS bigint), NEW.received_at);
	END IF;
	RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION fk_register_stats_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NOT fk_visible_new(TG_TABLE_NAME, NEW.id) THEN
		RETURN NULL;
	END IF;
	UPDATE municipality_stats SET n = n - 1
	WHERE municipality = OLD.municipality AND kind = OLD.kind AND OLD.disposed_at IS NULL;
	IF NEW.disposed_at IS NULL THEN
		PERFORM fk_stats_add(NEW.municipality, NEW.kind, NEW.received_at);
	END IF;
	RETURN NULL;
END $$;
