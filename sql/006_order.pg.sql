-- 006, PostgreSQL 15: the twin of 006_order.sql (docs/storage.md). SQLite's table has only
-- its hidden rowid as a key; a later migration gives both an id column.
CREATE TABLE register_order (
	municipality text NOT NULL REFERENCES municipality(code),
	kind         bigint NOT NULL CONSTRAINT register_order_kind_check CHECK (kind IN (1, 2)),
	field        bigint NOT NULL CHECK (field IN (1, 2)),
	seq          bigint NOT NULL,
	n            bigint NOT NULL CHECK (n >= 1),
	ids          bytea NOT NULL
);
CREATE UNIQUE INDEX register_order_place ON register_order(municipality, kind, field, seq);
CREATE INDEX register_order_counts ON register_order(municipality, kind, field, seq, n);
