-- PostgreSQL twin of 020_request_items.sql (docs/storage.md): the same bounds by kind. SQLite
-- rebuilds the table to change a CHECK; PostgreSQL changes the named constraints in place
-- (the names PostgreSQL gave 013's column CHECKs), rows and MACs untouched.
ALTER TABLE approval_request
	DROP CONSTRAINT approval_request_items_check,
	DROP CONSTRAINT approval_request_n_items_check,
	ADD CONSTRAINT approval_request_items_check CHECK (length(items) BETWEEN 3 AND 320000),
	ADD CONSTRAINT approval_request_n_items_check CHECK (n_items >= 1 AND n_items <=
		CASE WHEN kind IN ('export', 'return') THEN 10000 ELSE 1000 END);
