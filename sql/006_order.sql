-- 006: the register lists' sort orders (本籍, 筆頭者 reading). The order itself would reveal
-- names, so each list is kept as chunks of register ids sealed under the municipality's key
-- (core/order.c); only the count per chunk is clear, so a page is found by summing counts.
-- A rowid table: chunks of 256 ids (2 KB) stay in their leaf page.
CREATE TABLE register_order (
	municipality TEXT NOT NULL REFERENCES municipality(code),
	kind         INTEGER NOT NULL CHECK (kind IN (1, 2)),
	field        INTEGER NOT NULL CHECK (field IN (1, 2)),  -- 1 本籍, 2 筆頭者 reading
	seq          INTEGER NOT NULL,                          -- chunk order within the list
	n            INTEGER NOT NULL CHECK (n >= 1),
	ids          BLOB NOT NULL
);
-- One chunk per place in a list.
CREATE UNIQUE INDEX register_order_place ON register_order(municipality, kind, field, seq);
-- Covers the walk over counts, so finding a page never reads a chunk it does not open.
CREATE INDEX register_order_counts ON register_order(municipality, kind, field, seq, n);
