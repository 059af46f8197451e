-- Several terminals on one store (issue 14; R-LOGSEAL, R-DETECT; docs/audit-chain.md,
-- docs/threat-model.md "several terminals on one store"). Each terminal's records form a chain
-- of their own on a shared store: the end of one terminal's chain is found through this index,
-- not by walking back over the others' records.
CREATE INDEX audit_log_terminal_seq ON audit_log(terminal, seq);
-- The state every writer of a shared store leaves: a generation counter moved by every write
-- transaction under the write lock, and the history's end and the sealed tables' digests as
-- that transaction committed them (encoded as core/trust/anchor.c's fk_state_encode), MAC'd
-- with a key derived from the bureau's shared trust key. Each terminal's anchor keeps the
-- generation it last wrote or saw (core/trust/trust.c). One row, id 'store'; unused (empty)
-- on a terminal's own SQLite file, whose anchor alone holds this state.
CREATE TABLE trust_state (
	id TEXT NOT NULL PRIMARY KEY,
	gen INTEGER NOT NULL,
	state BLOB NOT NULL,
	mac BLOB NOT NULL
);
