-- PostgreSQL twin of 022_muni_return.sql (docs/storage.md): a request may name a municipality
-- (n_items 0), the kind 'dispose-municipality' and the state 'running'. SQLite rebuilds the
-- table to change its CHECKs; PostgreSQL changes the named constraints in place.
ALTER TABLE approval_request
	DROP CONSTRAINT approval_request_kind_check,
	DROP CONSTRAINT approval_request_state_check,
	DROP CONSTRAINT approval_request_n_items_check,
	ADD CONSTRAINT approval_request_kind_check
		CHECK (kind IN ('print', 'export', 'dispose', 'return', 'dispose-municipality')),
	ADD CONSTRAINT approval_request_state_check
		CHECK (state IN ('waiting', 'approved', 'rejected', 'expired', 'executed', 'running')),
	ADD CONSTRAINT approval_request_n_items_check CHECK (n_items >= 0 AND n_items <=
		CASE WHEN kind IN ('export', 'return') THEN 10000 ELSE 1000 END);

CREATE TABLE return_item (
	request_id  bigint NOT NULL REFERENCES approval_request(id),
	register_id bigint NOT NULL,
	version     bigint NOT NULL,
	PRIMARY KEY (request_id, register_id)
);
