-- PostgreSQL twin of 026_return_cancel.sql (docs/storage.md): the state 'cancelled' of a
-- return given up. SQLite rebuilds the table to change its CHECK; PostgreSQL changes the
-- named constraint in place.
ALTER TABLE approval_request
	DROP CONSTRAINT approval_request_state_check,
	ADD CONSTRAINT approval_request_state_check
		CHECK (state IN ('waiting', 'approved', 'rejected', 'expired', 'executed', 'running', 'cancelled'));
