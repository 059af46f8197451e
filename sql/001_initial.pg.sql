-- 001, PostgreSQL 15: the twin of 001_initial.sql (docs/storage.md). Same tables, columns in
-- the same order, keys, indexes and protections; SQLite's INTEGER is bigint, BLOB bytea, an
-- INTEGER PRIMARY KEY (a rowid) a bigint key filled as SQLite fills a rowid, WITHOUT ROWID has no equivalent (a
-- PostgreSQL table is always a heap), GLOB is a regular expression, and a RAISE(ABORT)
-- trigger is a plpgsql function raising SQLSTATE P0001.

-- Refuses the change its trigger fires for, with the trigger's first argument as the message.
CREATE FUNCTION fk_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION USING MESSAGE = TG_ARGV[0];
END $$;

-- A row inserted without its key gets one more than the table's largest, as SQLite gives a
-- rowid; a key given is kept. An identity column would not see the keys given (intake numbers
-- its rows ahead, reference data comes with its ids) and later hand out one already taken.
-- The key, given or made, is then what lastval() returns (the driver's last insert rowid): the
-- sequence fk_last_rowid only carries it. max + 1 and the carrier are safe because writers
-- take the store's write lock one at a time (core/db/sql.h). fk_rowid for tables keyed by
-- id, fk_rowid_seq for the history, keyed by seq.
CREATE SEQUENCE fk_last_rowid MINVALUE -9223372036854775808;
CREATE FUNCTION fk_rowid() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.id IS NULL THEN
		EXECUTE format('SELECT coalesce(max(id), 0) + 1 FROM %I.%I', TG_TABLE_SCHEMA, TG_TABLE_NAME)
			INTO NEW.id;
	END IF;
	PERFORM setval('fk_last_rowid', NEW.id, false), nextval('fk_last_rowid');
	RETURN NEW;
END $$;
CREATE FUNCTION fk_rowid_seq() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.seq IS NULL THEN
		SELECT coalesce(max(seq), 0) + 1 INTO NEW.seq FROM audit_log;
	END IF;
	PERFORM setval('fk_last_rowid', NEW.seq, false), nextval('fk_last_rowid');
	RETURN NEW;
END $$;

CREATE TABLE meta (
	key   text PRIMARY KEY,
	value text NOT NULL
);

CREATE TABLE prefecture (
	id   bigint PRIMARY KEY CHECK (id BETWEEN 1 AND 47),
	name text NOT NULL UNIQUE,
	kana text NOT NULL
);
CREATE TRIGGER prefecture_rowid BEFORE INSERT ON prefecture
FOR EACH ROW EXECUTE FUNCTION fk_rowid();

CREATE TABLE bureau (
	id        bigint PRIMARY KEY,
	name      text NOT NULL UNIQUE,
	kana      text NOT NULL,
	kind      text NOT NULL CHECK (kind IN ('法務局', '地方法務局', '支局')),
	parent_id bigint REFERENCES bureau(id),
	pref_id   bigint REFERENCES prefecture(id)
);
CREATE TRIGGER bureau_rowid BEFORE INSERT ON bureau
FOR EACH ROW EXECUTE FUNCTION fk_rowid();

CREATE TABLE data_key (
	id         bigint PRIMARY KEY,
	kek_id     bigint NOT NULL,
	wrapped    bytea,
	created_at bigint NOT NULL,
	destroyed_at bigint
);
CREATE TRIGGER data_key_rowid BEFORE INSERT ON data_key
FOR EACH ROW EXECUTE FUNCTION fk_rowid();
CREATE INDEX data_key_kek ON data_key(kek_id) WHERE wrapped IS NOT NULL;

CREATE TABLE municipality (
	code      text PRIMARY KEY CHECK (length(code) = 6 AND code ~ '^[0-9]{6}$'),
	pref_id   bigint NOT NULL REFERENCES prefecture(id),
	name      text NOT NULL,
	kana      text NOT NULL,
	bureau_id bigint NOT NULL REFERENCES bureau(id),
	key_id    bigint REFERENCES data_key(id)
);
CREATE INDEX municipality_bureau ON municipality(bureau_id, code);

CREATE TABLE operator (
	id           bigint PRIMARY KEY,
	username     text NOT NULL UNIQUE CHECK (length(username) BETWEEN 1 AND 64),
	display_name bytea,
	role         text NOT NULL CHECK (role IN ('operator', 'supervisor', 'auditor', 'administrator')),
	bureau_id    bigint NOT NULL REFERENCES bureau(id),
	enabled      bigint NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
	created_at   bigint NOT NULL,
	updated_at   bigint NOT NULL
);
CREATE TRIGGER operator_rowid BEFORE INSERT ON operator
FOR EACH ROW EXECUTE FUNCTION fk_rowid();

CREATE TABLE register (
	id           bigint PRIMARY KEY,
	municipality text NOT NULL REFERENCES municipality(code),
	kind         bigint NOT NULL CHECK (kind IN (1, 2)),
	key_id       bigint NOT NULL REFERENCES data_key(id),
	version      bigint NOT NULL CHECK (version >= 1),
	received_at  bigint NOT NULL,
	disposed_at  bigint
);
CREATE TRIGGER register_rowid BEFORE INSERT ON register
FOR EACH ROW EXECUTE FUNCTION fk_rowid();
CREATE INDEX register_muni ON register(municipality, kind);

CREATE TABLE register_version (
	id          bigint PRIMARY KEY,
	register_id bigint NOT NULL REFERENCES register(id),
	version     bigint NOT NULL,
	received_at bigint NOT NULL,
	changed_by  text NOT NULL,
	content     bytea NOT NULL,
	UNIQUE (register_id, version)
);
CREATE TRIGGER register_version_rowid BEFORE INSERT ON register_version
FOR EACH ROW EXECUTE FUNCTION fk_rowid();

CREATE TABLE register_index (
	tag         bytea NOT NULL,
	register_id bigint NOT NULL,
	PRIMARY KEY (tag, register_id)
);

CREATE TABLE ledger_entry (
	id           bigint PRIMARY KEY,
	municipality text NOT NULL REFERENCES municipality(code),
	key_id       bigint NOT NULL REFERENCES data_key(id),
	received_at  bigint NOT NULL,
	accepted_on  text NOT NULL,
	payload      bytea NOT NULL
);
CREATE TRIGGER ledger_entry_rowid BEFORE INSERT ON ledger_entry
FOR EACH ROW EXECUTE FUNCTION fk_rowid();
CREATE INDEX ledger_muni ON ledger_entry(municipality, received_at);

CREATE TABLE notification_doc (
	id           bigint PRIMARY KEY,
	municipality text NOT NULL REFERENCES municipality(code),
	key_id       bigint NOT NULL REFERENCES data_key(id),
	doc_type     text NOT NULL,
	received_at  bigint NOT NULL,
	register_id  bigint REFERENCES register(id),
	payload      bytea NOT NULL
);
CREATE TRIGGER notification_doc_rowid BEFORE INSERT ON notification_doc
FOR EACH ROW EXECUTE FUNCTION fk_rowid();
CREATE INDEX notification_muni ON notification_doc(municipality, received_at);

CREATE TABLE permission_grant (
	id           bigint PRIMARY KEY,
	operator_id  bigint NOT NULL REFERENCES operator(id),
	municipality text REFERENCES municipality(code),
	kinds        bigint NOT NULL CHECK (kinds BETWEEN 1 AND 15),
	rights       bigint NOT NULL CHECK (rights BETWEEN 1 AND 15),
	valid_from   bigint NOT NULL,
	valid_until  bigint,
	granted_by   bigint NOT NULL REFERENCES operator(id),
	granted_at   bigint NOT NULL,
	reason       text NOT NULL,
	revoked_at   bigint,
	revoked_by   bigint REFERENCES operator(id),
	revoke_reason text
);
CREATE TRIGGER permission_grant_rowid BEFORE INSERT ON permission_grant
FOR EACH ROW EXECUTE FUNCTION fk_rowid();
CREATE INDEX grant_operator ON permission_grant(operator_id);

CREATE TABLE lockout (
	username      text PRIMARY KEY,
	failures      bigint NOT NULL DEFAULT 0,
	first_failure bigint,
	last_failure  bigint,
	last_terminal text,
	locked_until  bigint,
	lock_count    bigint NOT NULL DEFAULT 0
);

CREATE TABLE audit_log (
	seq          bigint PRIMARY KEY,
	ts_ns        bigint NOT NULL,
	mono_ns      bigint NOT NULL,
	clock_synced bigint NOT NULL,
	terminal     text NOT NULL,
	tty          text NOT NULL,
	pid          bigint NOT NULL,
	session      text NOT NULL,
	operator     text NOT NULL,
	role         text NOT NULL,
	action       text NOT NULL,
	object_type  text NOT NULL,
	object_id    text NOT NULL,
	result       text NOT NULL CHECK (result IN ('success', 'denied', 'failed')),
	reason       text NOT NULL,
	detail       bytea
);
CREATE TRIGGER audit_log_rowid BEFORE INSERT ON audit_log
FOR EACH ROW EXECUTE FUNCTION fk_rowid_seq();
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
FOR EACH ROW EXECUTE FUNCTION fk_refuse('the operation history is append-only');
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION fk_refuse('the operation history is append-only');
-- SQLite's triggers fire per row only; TRUNCATE has no row triggers and would empty the
-- history at once, so it is refused too.
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
FOR EACH STATEMENT EXECUTE FUNCTION fk_refuse('the operation history is append-only');
