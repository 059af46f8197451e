-- Publishing in a short, nearly constant step (issue 10; R-BATCH-ATOMIC, R-VERSION). An amended
-- register's new search tags are written while its package stages, and its old ones marked,
-- instead of being swapped under publishing's write lock: added_by names the staging package
-- that added a tag, removed_by the one whose publishing removes it. Readers leave out the tags
-- the staging package adds and keep those it removes until the meta row
-- intake.visible.package (core/store/visible.h) goes with the watermarks; the marked rows are
-- deleted in short steps after publishing. NULL in both: an ordinary tag.
ALTER TABLE register_index ADD COLUMN added_by INTEGER;
ALTER TABLE register_index ADD COLUMN removed_by INTEGER;
-- What publishing writes into an amended register's row, prepared while staging: the row's
-- MAC as it will be (reg_mac) and its digest contributions before and after (reg_c_old,
-- reg_c_new: keyed values only the key folder can make), and the row as staging checked it
-- (reg_mac_old and the three columns publishing changes), which the row must still be.
-- Not covered by the staged row's own MAC: a changed value makes the register's row fail its
-- MAC or its table's digest (core/trust), or publishing refuse.
ALTER TABLE staged_change ADD COLUMN reg_mac BLOB;
ALTER TABLE staged_change ADD COLUMN reg_mac_old BLOB;
ALTER TABLE staged_change ADD COLUMN reg_c_old BLOB;
ALTER TABLE staged_change ADD COLUMN reg_c_new BLOB;
ALTER TABLE staged_change ADD COLUMN reg_version_old INTEGER;
ALTER TABLE staged_change ADD COLUMN reg_kind_old INTEGER;
ALTER TABLE staged_change ADD COLUMN reg_received_old INTEGER;
-- What publishing reads of the staged rows (the plan, the figures, the digest), in one index:
-- a few megabytes of staged rows (tags, sort keys) are then not read four times under its lock.
CREATE INDEX staged_change_publish ON staged_change(package_id, change, register_id, reg_kind_old,
	kind, received_at, reg_c_old, reg_c_new);
-- Publishing moves thousands of amended registers' rows in one statement and counts them in
-- one step per kind (core/intake/publish.c): while the meta row intake.publishing exists (only
-- inside publishing's transaction) the counting trigger stands aside.
DROP TRIGGER register_stats_update;
CREATE TRIGGER register_stats_update AFTER UPDATE OF kind, received_at, disposed_at ON register
WHEN NEW.id <= ifnull((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'intake.visible.register'), 9223372036854775807)
AND NOT EXISTS (SELECT 1 FROM meta WHERE key = 'intake.publishing')
BEGIN
	UPDATE municipality_stats SET n = n - 1
	WHERE municipality = OLD.municipality AND kind = OLD.kind AND OLD.disposed_at IS NULL;
	INSERT INTO municipality_stats(municipality, kind, n, last_received)
	SELECT NEW.municipality, NEW.kind, 1, NEW.received_at WHERE NEW.disposed_at IS NULL
	ON CONFLICT (municipality, kind) DO UPDATE
	SET n = n + 1, last_received = max(last_received, excluded.last_received);
END;
