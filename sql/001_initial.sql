-- 001: the initial schema of the fukuhon store (R-ATREST, R-VERSION, R-FILES, R-LOCKOUT, R-LOG).
-- Personal data never appears in clear: every such column is a sealed blob
-- (AES-256-GCM, see core/crypto.h) under a data key from data_key, with the
-- row's identity as associated data. Search goes through blind indexes.

-- Terminal-wide facts (terminal id, current master key id, created time).
CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE prefecture (
	id   INTEGER PRIMARY KEY CHECK (id BETWEEN 1 AND 47),
	name TEXT NOT NULL UNIQUE,
	kana TEXT NOT NULL
);

-- 法務局 / 地方法務局 / 支局; parent_id is the bureau a 支局 belongs to, or the
-- regional 法務局 of a 地方法務局.
CREATE TABLE bureau (
	id        INTEGER PRIMARY KEY,
	name      TEXT NOT NULL UNIQUE,
	kana      TEXT NOT NULL,
	kind      TEXT NOT NULL CHECK (kind IN ('法務局', '地方法務局', '支局')),
	parent_id INTEGER REFERENCES bureau(id),
	pref_id   INTEGER REFERENCES prefecture(id)
);

-- Data-encryption keys, each wrapped by a master key (kek_id). One per
-- register, one per municipality for its ledger and documents, one for the
-- terminal's own records. Destroying (nulling) wrapped makes the data
-- sealed under it unrecoverable (R-DISPOSE).
CREATE TABLE data_key (
	id         INTEGER PRIMARY KEY,
	kek_id     INTEGER NOT NULL,
	wrapped    BLOB,
	created_at INTEGER NOT NULL,
	destroyed_at INTEGER
);
CREATE INDEX data_key_kek ON data_key(kek_id) WHERE wrapped IS NOT NULL;

-- 全国地方公共団体コード with check digit (validated in core before insert).
CREATE TABLE municipality (
	code      TEXT PRIMARY KEY CHECK (length(code) = 6 AND code GLOB '[0-9][0-9][0-9][0-9][0-9][0-9]'),
	pref_id   INTEGER NOT NULL REFERENCES prefecture(id),
	name      TEXT NOT NULL,
	kana      TEXT NOT NULL,
	bureau_id INTEGER NOT NULL REFERENCES bureau(id),
	key_id    INTEGER REFERENCES data_key(id)  -- seals its ledger and documents
) WITHOUT ROWID;
CREATE INDEX municipality_bureau ON municipality(bureau_id, code);


CREATE TABLE operator (
	id           INTEGER PRIMARY KEY,
	username     TEXT NOT NULL UNIQUE CHECK (length(username) BETWEEN 1 AND 64),
	display_name BLOB,           -- sealed under the terminal key
	role         TEXT NOT NULL CHECK (role IN ('operator', 'supervisor', 'auditor', 'administrator')),
	bureau_id    INTEGER NOT NULL REFERENCES bureau(id),
	enabled      INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
	created_at   INTEGER NOT NULL,
	updated_at   INTEGER NOT NULL
);

-- 戸籍 (kind 1) and 除籍 (kind 2).
CREATE TABLE register (
	id           INTEGER PRIMARY KEY,
	municipality TEXT NOT NULL REFERENCES municipality(code),
	kind         INTEGER NOT NULL CHECK (kind IN (1, 2)),
	key_id       INTEGER NOT NULL REFERENCES data_key(id),
	version      INTEGER NOT NULL CHECK (version >= 1),  -- current version (R-CURRENT)
	received_at  INTEGER NOT NULL,                        -- of the current version, UTC ns
	disposed_at  INTEGER
);
CREATE INDEX register_muni ON register(municipality, kind);

-- Every version is kept (R-VERSION): who or what changed it, when, and the
-- sealed canonical JSON content (AAD binds register, version, municipality, kind).
-- A rowid table: its 1-3 KB rows fit in a leaf page, where a WITHOUT ROWID
-- table would push each one onto an overflow page.
CREATE TABLE register_version (
	id          INTEGER PRIMARY KEY,
	register_id INTEGER NOT NULL REFERENCES register(id),
	version     INTEGER NOT NULL,
	received_at INTEGER NOT NULL,
	changed_by  TEXT NOT NULL,
	content     BLOB NOT NULL,
	UNIQUE (register_id, version)
);

-- Blind indexes: truncated HMAC tags of normalised values (core/store.c
-- documents the fields). Only the current version is indexed.
CREATE TABLE register_index (
	tag         BLOB NOT NULL,
	register_id INTEGER NOT NULL,
	PRIMARY KEY (tag, register_id)
) WITHOUT ROWID;

-- 受付帳情報: reception-ledger entries, sealed under the municipality's key.
CREATE TABLE ledger_entry (
	id           INTEGER PRIMARY KEY,
	municipality TEXT NOT NULL REFERENCES municipality(code),
	key_id       INTEGER NOT NULL REFERENCES data_key(id),
	received_at  INTEGER NOT NULL,
	accepted_on  TEXT NOT NULL,       -- 受付日 (YYYY-MM-DD)
	payload      BLOB NOT NULL        -- sealed JSON: 受付番号, 届出事件, 届出人 …
);
CREATE INDEX ledger_muni ON ledger_entry(municipality, received_at);

-- 届書等情報: notification documents, metadata plus a sealed payload.
CREATE TABLE notification_doc (
	id           INTEGER PRIMARY KEY,
	municipality TEXT NOT NULL REFERENCES municipality(code),
	key_id       INTEGER NOT NULL REFERENCES data_key(id),
	doc_type     TEXT NOT NULL,       -- 出生届, 婚姻届 …
	received_at  INTEGER NOT NULL,
	register_id  INTEGER REFERENCES register(id),
	payload      BLOB NOT NULL
);
CREATE INDEX notification_muni ON notification_doc(municipality, received_at);

-- Per-operator file permissions (R-FILES). municipality NULL: every
-- municipality of the grantee's bureau. kinds and rights are bit sets.
CREATE TABLE permission_grant (
	id           INTEGER PRIMARY KEY,
	operator_id  INTEGER NOT NULL REFERENCES operator(id),
	municipality TEXT REFERENCES municipality(code),
	kinds        INTEGER NOT NULL CHECK (kinds BETWEEN 1 AND 15),
	rights       INTEGER NOT NULL CHECK (rights BETWEEN 1 AND 15),
	valid_from   INTEGER NOT NULL,
	valid_until  INTEGER,
	granted_by   INTEGER NOT NULL REFERENCES operator(id),
	granted_at   INTEGER NOT NULL,
	reason       TEXT NOT NULL,
	revoked_at   INTEGER,
	revoked_by   INTEGER REFERENCES operator(id),
	revoke_reason TEXT
);
CREATE INDEX grant_operator ON permission_grant(operator_id);

-- Sign-in failures and locks (R-LOCKOUT), one row per user name tried.
CREATE TABLE lockout (
	username      TEXT PRIMARY KEY,
	failures      INTEGER NOT NULL DEFAULT 0,
	first_failure INTEGER,
	last_failure  INTEGER,
	last_terminal TEXT,
	locked_until  INTEGER,            -- NULL: not locked; -1: until unlocked
	lock_count    INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- The operation history (R-LOG). Append-only: the triggers refuse changes.
CREATE TABLE audit_log (
	seq          INTEGER PRIMARY KEY,
	ts_ns        INTEGER NOT NULL,    -- UTC, ns since the epoch
	mono_ns      INTEGER NOT NULL,    -- CLOCK_MONOTONIC reading
	clock_synced INTEGER NOT NULL,    -- 1 when the kernel says the clock is synchronised (R-TIME)
	terminal     TEXT NOT NULL,
	tty          TEXT NOT NULL,
	pid          INTEGER NOT NULL,
	session      TEXT NOT NULL,
	operator     TEXT NOT NULL,
	role         TEXT NOT NULL,
	action       TEXT NOT NULL,
	object_type  TEXT NOT NULL,
	object_id    TEXT NOT NULL,
	result       TEXT NOT NULL CHECK (result IN ('success', 'denied', 'failed')),
	reason       TEXT NOT NULL,
	detail       BLOB                 -- sealed under the terminal key: may name people
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the operation history is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the operation history is append-only'); END;
