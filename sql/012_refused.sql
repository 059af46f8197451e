-- 012: refused deliveries are rows too (issue 10; R-BATCH-PROTO, R-LOG). A package refused as a
-- whole (bad signature, revoked, another recipient, another bureau, a sequence gap, a replay, a
-- chunk that does not match its hash, truncated …) is kept as one row, written in the
-- transaction that records the refusal, and sealed like every package row (core/trust/rows.h).
-- Not in package: a refused delivery may have no readable manifest (no municipality, sequence
-- or digest to put in that table's columns), and its manifest digest must stay free for the
-- same package delivered again once it can be applied.

-- id: from the numbering package(id) uses (core/intake/pkgrow.c), so that one number names a
-- package, applied or refused, on the screen and in the history.
-- bureau_id: the bureau of the terminal it was delivered to: its supervisors and operators see
-- it whatever municipality its manifest claims.
-- reason: the receipt's reason id ("revoked", "sequence" …; docs/package-format.md).
-- municipality, sequence, kind, digest: from the manifest when it could be opened (its
-- signature checked), else NULL; verified 1 only when its signer is also the municipality it
-- names, else what it says is only what the sender claims (the screen says "unverified").
-- sha256, size: of the delivery's bytes as received (NULL when they could not be read).
-- source: the file's path (fukuhonctl import) or the TLS client's certificate subject (the
-- receiving service).
-- The same bytes refused for the same reason again are one row: times counts the deliveries,
-- last_at is the latest, so a sender that repeats itself cannot grow the table.
CREATE TABLE package_refused (
	id            INTEGER PRIMARY KEY,
	bureau_id     INTEGER REFERENCES bureau(id),
	reason        TEXT NOT NULL,
	municipality  TEXT,
	sequence      INTEGER,
	kind          INTEGER,
	verified      INTEGER NOT NULL CHECK (verified IN (0, 1)),
	digest        BLOB CHECK (digest IS NULL OR length(digest) = 32),
	sha256        BLOB CHECK (sha256 IS NULL OR length(sha256) = 32),
	size          INTEGER,
	source        TEXT NOT NULL,
	expected      INTEGER,
	received_at   INTEGER NOT NULL,
	last_at       INTEGER NOT NULL,
	times         INTEGER NOT NULL DEFAULT 1 CHECK (times >= 1),
	mac           BLOB
);
CREATE UNIQUE INDEX package_refused_delivery ON package_refused(sha256, reason) WHERE sha256 IS NOT NULL;
CREATE INDEX package_refused_bureau ON package_refused(bureau_id, id);
