-- 014, PostgreSQL 15: the twin of 014_order_shadow.sql (docs/storage.md). SQLite rebuilds the
-- table to change a CHECK; here the constraint is replaced in place (rows and indexes stay).
ALTER TABLE register_order DROP CONSTRAINT register_order_kind_check,
	ADD CONSTRAINT register_order_kind_check CHECK (kind IN (1, 2, 101, 102));
