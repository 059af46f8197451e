-- 009: credentials of scripts (R-AUTH, R-ENROL, R-ACCESS, R-LOG; fukuhonctl(8) CREDENTIALS).
-- A script runs `fukuhonctl --credential NAME COMMAND`: the secret is the file
-- <key_dir>/credentials/NAME, which the database cannot reach; the row says for whom the
-- credential acts and which commands it may run, and keeps a keyed hash of the secret
-- (under a key derived from the trust key), never the secret. Sealed (core/trust/rows.h):
-- a row changed with sqlite3 is refused, naming it. A name is never used twice: a revoked
-- credential stays, so that the history's "credential NAME for USER" keeps one meaning.
CREATE TABLE credential (
	name            TEXT PRIMARY KEY,  -- the file's name: 1-64 of [A-Za-z0-9._-]
	operator_id     INTEGER NOT NULL REFERENCES operator(id),  -- the person it acts for
	commands        TEXT NOT NULL CHECK (length(commands) BETWEEN 1 AND 400),  -- "status,audit verify"
	secret_hash     BLOB NOT NULL CHECK (length(secret_hash) = 32),
	created_by      INTEGER NOT NULL REFERENCES operator(id),
	created_by_user TEXT NOT NULL,
	created_at      INTEGER NOT NULL,
	revoked_at      INTEGER,
	revoked_by      INTEGER REFERENCES operator(id),
	revoked_by_user TEXT,
	mac             BLOB,
	CHECK ((revoked_at IS NULL) = (revoked_by_user IS NULL))
);
