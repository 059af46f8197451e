-- PostgreSQL twin of 024_multiterm.sql (docs/storage.md): the index on each terminal's chain
-- and the one-row state of a store several terminals write.
CREATE INDEX audit_log_terminal_seq ON audit_log(terminal, seq);
CREATE TABLE trust_state (
	id text NOT NULL PRIMARY KEY,
	gen bigint NOT NULL,
	state bytea NOT NULL,
	mac bytea NOT NULL
);
