-- 009, PostgreSQL 15: the twin of 009_credential.sql (docs/storage.md).
CREATE TABLE credential (
	name            text PRIMARY KEY,
	operator_id     bigint NOT NULL REFERENCES operator(id),
	commands        text NOT NULL CHECK (length(commands) BETWEEN 1 AND 400),
	secret_hash     bytea NOT NULL CHECK (length(secret_hash) = 32),
	created_by      bigint NOT NULL REFERENCES operator(id),
	created_by_user text NOT NULL,
	created_at      bigint NOT NULL,
	revoked_at      bigint,
	revoked_by      bigint REFERENCES operator(id),
	revoked_by_user text,
	mac             bytea,
	CHECK ((revoked_at IS NULL) = (revoked_by_user IS NULL))
);
