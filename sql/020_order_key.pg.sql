-- PostgreSQL 15: the twin of the SQLite migration of the same name (docs/storage.md): the
-- chunks get an id, numbered in list order, filled like a rowid from then on.
ALTER TABLE register_order ADD COLUMN id bigint;
UPDATE register_order o SET id = s.id
	FROM (SELECT ctid, row_number() OVER (ORDER BY municipality, kind, field, seq) AS id
	      FROM register_order) s
	WHERE o.ctid = s.ctid;
ALTER TABLE register_order ADD PRIMARY KEY (id);
CREATE TRIGGER register_order_rowid BEFORE INSERT ON register_order
FOR EACH ROW EXECUTE FUNCTION fk_rowid();
