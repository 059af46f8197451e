-- PostgreSQL twin of 023_publish_ahead.sql (docs/storage.md): tags written while a package
-- stages, the amended rows' values prepared for publishing, the index publishing reads, and
-- the counting trigger standing aside while the meta row intake.publishing exists (the
-- trigger keeps its name and function; the function learns the condition).
ALTER TABLE register_index ADD COLUMN added_by bigint;
ALTER TABLE register_index ADD COLUMN removed_by bigint;
ALTER TABLE staged_change ADD COLUMN reg_mac bytea;
ALTER TABLE staged_change ADD COLUMN reg_mac_old bytea;
ALTER TABLE staged_change ADD COLUMN reg_c_old bytea;
ALTER TABLE staged_change ADD COLUMN reg_c_new bytea;
ALTER TABLE staged_change ADD COLUMN reg_version_old bigint;
ALTER TABLE staged_change ADD COLUMN reg_kind_old bigint;
ALTER TABLE staged_change ADD COLUMN reg_received_old bigint;
CREATE INDEX staged_change_publish ON staged_change(package_id, change, register_id, reg_kind_old,
	kind, received_at, reg_c_old, reg_c_new);
CREATE OR REPLACE FUNCTION fk_register_stats_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NOT fk_visible_new(TG_TABLE_NAME, NEW.id)
	   OR EXISTS (SELECT 1 FROM meta WHERE key = 'intake.publishing') THEN
		RETURN NULL;
	END IF;
	UPDATE municipality_stats SET n = n - 1
	WHERE municipality = OLD.municipality AND kind = OLD.kind AND OLD.disposed_at IS NULL;
	IF NEW.disposed_at IS NULL THEN
		PERFORM fk_stats_add(NEW.municipality, NEW.kind, NEW.received_at);
	END IF;
	RETURN NULL;
END $$;
