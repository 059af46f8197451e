-- 011: fukuhon coming in (issue 10; R-BATCH-ATOMIC, R-BATCH-RESUME, R-BATCH-PROTO, R-VERSION).
-- A package is staged chunk by chunk in short transactions and published at once. Visibility
-- is by watermark: while a package stages, the meta rows intake.visible.<table> hold the
-- highest id every reader may see (core/store/visible.h), and rows above it are the staged
-- package's; with no package staging the rows are absent and every row is visible, so no
-- other writer has to move them. All four tables are sealed (core/trust/rows.h).

-- One row per package received and applied (or being staged). digest: SHA-256 of the
-- package's manifest frame as received, its identity. counts: accepted records by type.
CREATE TABLE package (
	id            INTEGER PRIMARY KEY,
	municipality  TEXT NOT NULL REFERENCES municipality(code),
	sequence      INTEGER NOT NULL CHECK (sequence >= 1),
	kind          INTEGER NOT NULL CHECK (kind IN (1, 2, 3)),
	digest        BLOB NOT NULL UNIQUE CHECK (length(digest) = 32),
	state         TEXT NOT NULL CHECK (state IN ('staging', 'published', 'refused')),
	chunks        INTEGER NOT NULL,
	chunks_staged INTEGER NOT NULL DEFAULT 0,
	n_register    INTEGER NOT NULL DEFAULT 0,
	n_version     INTEGER NOT NULL DEFAULT 0,
	n_removal     INTEGER NOT NULL DEFAULT 0,
	n_ledger      INTEGER NOT NULL DEFAULT 0,
	n_document    INTEGER NOT NULL DEFAULT 0,
	n_unchanged   INTEGER NOT NULL DEFAULT 0,
	n_rejected    INTEGER NOT NULL DEFAULT 0,
	received_at   INTEGER NOT NULL,
	published_at  INTEGER,
	-- the highest ids visible when staging began (what publishing makes visible lies above)
	wm_register   INTEGER NOT NULL,
	wm_version    INTEGER NOT NULL,
	wm_ledger     INTEGER NOT NULL,
	wm_doc        INTEGER NOT NULL,
	wm_ref        INTEGER NOT NULL,
	receipt       BLOB,
	receipt_sha256 BLOB,
	-- records of chunk chunks_staged already staged: a chunk is staged in parts of bounded
	-- size and time, so a sender's large chunk never holds the write lock long
	lines_staged  INTEGER NOT NULL DEFAULT 0,
	-- the highest data key id when staging began: record n of the package (counted through
	-- the manifest's chunks) makes register wm_register + 1 + n with data key wm_key + 1 + n,
	-- so registers are prepared before their chunk's transaction, the same after a resume
	wm_key        INTEGER NOT NULL DEFAULT 0,
	mac           BLOB
);
CREATE UNIQUE INDEX package_sequence ON package(municipality, sequence) WHERE state = 'published';
CREATE INDEX package_state ON package(state);

-- The sender's register ids: (municipality, ref) names one register of this store.
CREATE TABLE register_ref (
	id           INTEGER PRIMARY KEY,
	municipality TEXT NOT NULL REFERENCES municipality(code),
	ref          TEXT NOT NULL,
	register_id  INTEGER NOT NULL REFERENCES register(id),
	mac          BLOB,
	UNIQUE (municipality, ref)
);
CREATE INDEX register_ref_register ON register_ref(register_id);

-- What the staging package does to registers that publishing applies to their rows: the new
-- current version and kind (change 1), or only that a full re-send carried the register
-- unchanged (change 0). One row per register: a register with a staged change belongs to its
-- package until it is published (another package's change to it is rejected as busy), and
-- tags_old / tags_new are the search-index tags publishing swaps (blind tags, as stored in
-- register_index).
CREATE TABLE staged_change (
	register_id  INTEGER PRIMARY KEY REFERENCES register(id),
	package_id   INTEGER NOT NULL REFERENCES package(id),
	-- 2: the sorted lists move; 3: a register new in the package (its sort keys kept)
	change       INTEGER NOT NULL CHECK (change IN (0, 1, 2, 3)),
	version      INTEGER NOT NULL,
	kind         INTEGER NOT NULL CHECK (kind IN (1, 2)),
	received_at  INTEGER NOT NULL,
	tags_old     BLOB,
	tags_new     BLOB,
	-- a new register's sort keys (core/store/order.h), sealed under the municipality's key
	-- with the register as associated data: publishing lists it without decrypting it
	sort_keys    BLOB,
	mac          BLOB
);
CREATE INDEX staged_change_package ON staged_change(package_id);

-- The records a package's import rejected, for its receipt (each also one history record).
CREATE TABLE package_reject (
	id          INTEGER PRIMARY KEY,
	package_id  INTEGER NOT NULL REFERENCES package(id),
	chunk       INTEGER NOT NULL,
	line        INTEGER NOT NULL,
	ref         TEXT NOT NULL,
	reason      TEXT NOT NULL,
	detail      TEXT NOT NULL,
	mac         BLOB
);
CREATE INDEX package_reject_package ON package_reject(package_id, chunk, line);

-- Staged rows do not count until they are published: the counting triggers skip rows above
-- the watermark (publishing adds the package's new rows itself).
DROP TRIGGER register_stats_insert;
CREATE TRIGGER register_stats_insert AFTER INSERT ON register
WHEN NEW.id <= ifnull((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'intake.visible.register'), 9223372036854775807)
BEGIN
	INSERT INTO municipality_stats(municipality, kind, n, last_received)
	VALUES (NEW.municipality, NEW.kind, 1, NEW.received_at)
	ON CONFLICT (municipality, kind) DO UPDATE
	SET n = n + 1, last_received = max(last_received, excluded.last_received);
END;
DROP TRIGGER register_stats_update;
CREATE TRIGGER register_stats_update AFTER UPDATE OF kind, received_at, disposed_at ON register
WHEN NEW.id <= ifnull((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'intake.visible.register'), 9223372036854775807)
BEGIN
	UPDATE municipality_stats SET n = n - 1
	WHERE municipality = OLD.municipality AND kind = OLD.kind AND OLD.disposed_at IS NULL;
	INSERT INTO municipality_stats(municipality, kind, n, last_received)
	SELECT NEW.municipality, NEW.kind, 1, NEW.received_at WHERE NEW.disposed_at IS NULL
	ON CONFLICT (municipality, kind) DO UPDATE
	SET n = n + 1, last_received = max(last_received, excluded.last_received);
END;
DROP TRIGGER ledger_stats_insert;
CREATE TRIGGER ledger_stats_insert AFTER INSERT ON ledger_entry
WHEN NEW.id <= ifnull((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'intake.visible.ledger'), 9223372036854775807)
BEGIN
	INSERT INTO municipality_stats(municipality, kind, n, last_received)
	VALUES (NEW.municipality, 3, 1, NEW.received_at)
	ON CONFLICT (municipality, kind) DO UPDATE
	SET n = n + 1, last_received = max(last_received, excluded.last_received);
END;
DROP TRIGGER doc_stats_insert;
CREATE TRIGGER doc_stats_insert AFTER INSERT ON notification_doc
WHEN NEW.id <= ifnull((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'intake.visible.doc'), 9223372036854775807)
BEGIN
	INSERT INTO municipality_stats(municipality, kind, n, last_received)
	VALUES (NEW.municipality, 4, 1, NEW.received_at)
	ON CONFLICT (municipality, kind) DO UPDATE
	SET n = n + 1, last_received = max(last_received, excluded.last_received);
END;
