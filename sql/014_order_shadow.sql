-- 014: a sorted list's shadow (core/store/order.h; issue 10, R-BATCH-ATOMIC). Publishing a
-- large package writes the lists it fills beside the ones readers see, in short transactions,
-- stored under kind 101 / 102 (no reader asks for those), sealed as kind 1 / 2, and puts them in
-- place in one short step. The kinds' CHECK takes the shadows: the table is rebuilt as 006 made
-- it, with its rows and their rowids.
CREATE TABLE register_order_014 (
	municipality TEXT NOT NULL REFERENCES municipality(code),
	kind         INTEGER NOT NULL CHECK (kind IN (1, 2, 101, 102)),  -- 101, 102: shadows
	field        INTEGER NOT NULL CHECK (field IN (1, 2)),  -- 1 本籍, 2 筆頭者 reading
	seq          INTEGER NOT NULL,                          -- chunk order within the list
	n            INTEGER NOT NULL CHECK (n >= 1),
	ids          BLOB NOT NULL
);
INSERT INTO register_order_014(rowid, municipality, kind, field, seq, n, ids)
	SELECT rowid, municipality, kind, field, seq, n, ids FROM register_order;
DROP TABLE register_order;
ALTER TABLE register_order_014 RENAME TO register_order;
CREATE UNIQUE INDEX register_order_place ON register_order(municipality, kind, field, seq);
CREATE INDEX register_order_counts ON register_order(municipality, kind, field, seq, n);
