-- 002: the sealed operation history (R-LOGSEAL, R-TIME, R-DETECT); docs/audit-chain.md.
-- Every record from now on carries its key epoch, the MAC of the record before it
-- and its own HMAC-SHA256 over the canonical encoding. Rows written by 001 before
-- this migration keep kind 0 and no MAC: verify reports them as unsealed legacy
-- rows, and the chain starts at the first sealed record (prev_mac all zero).
ALTER TABLE audit_log ADD COLUMN kind INTEGER NOT NULL DEFAULT 0; -- 0 legacy, 1 record, 2 epoch seal
ALTER TABLE audit_log ADD COLUMN epoch INTEGER;                   -- key epoch the MAC is under
ALTER TABLE audit_log ADD COLUMN prev_mac BLOB;                   -- mac of seq - 1 (zeros for the first)
ALTER TABLE audit_log ADD COLUMN mac BLOB;                        -- HMAC-SHA256(K(epoch), encoding)
CREATE INDEX audit_log_time ON audit_log(ts_ns);

-- Ed25519-signed statements of (terminal, seq, epoch, head MAC, time); kept
-- copies exported with `fukuhonctl audit checkpoint --export` prove that
-- nothing was cut off the end. Append-only like the history.
CREATE TABLE audit_checkpoint (
	id        INTEGER PRIMARY KEY,
	terminal  TEXT NOT NULL,
	seq       INTEGER NOT NULL,
	epoch     INTEGER NOT NULL,
	head_mac  BLOB NOT NULL,
	ts_ns     INTEGER NOT NULL,
	signature BLOB NOT NULL
);
CREATE TRIGGER audit_checkpoint_no_update BEFORE UPDATE ON audit_checkpoint
BEGIN SELECT RAISE(ABORT, 'the operation history is append-only'); END;
CREATE TRIGGER audit_checkpoint_no_delete BEFORE DELETE ON audit_checkpoint
BEGIN SELECT RAISE(ABORT, 'the operation history is append-only'); END;
