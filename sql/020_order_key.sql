-- register_order gets a key column of its own (issue 14; docs/storage.md): its chunks were
-- named by SQLite's hidden rowid, which PostgreSQL has not, and a query must be one text on
-- both. id is that rowid (an INTEGER PRIMARY KEY is the rowid), copied for every chunk, so
-- nothing moves and every read costs what it did; it comes last so that PostgreSQL's twin
-- adds it with ALTER TABLE and the columns stay in one order.
CREATE TABLE register_order_new (
	municipality TEXT NOT NULL REFERENCES municipality(code),
	kind         INTEGER NOT NULL CHECK (kind IN (1, 2, 101, 102)),  -- 101, 102: shadows
	field        INTEGER NOT NULL CHECK (field IN (1, 2)),  -- 1 本籍, 2 筆頭者 reading
	seq          INTEGER NOT NULL,                          -- chunk order within the list
	n            INTEGER NOT NULL CHECK (n >= 1),
	ids          BLOB NOT NULL,
	id           INTEGER PRIMARY KEY
);
INSERT INTO register_order_new(municipality, kind, field, seq, n, ids, id)
	SELECT municipality, kind, field, seq, n, ids, rowid FROM register_order;
DROP TABLE register_order;
ALTER TABLE register_order_new RENAME TO register_order;
CREATE UNIQUE INDEX register_order_place ON register_order(municipality, kind, field, seq);
CREATE INDEX register_order_counts ON register_order(municipality, kind, field, seq, n);
