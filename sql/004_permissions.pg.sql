-- 004, PostgreSQL 15: the twin of 004_permissions.sql (docs/storage.md). Rebuilt as on SQLite
-- rather than altered: ALTER TABLE ADD COLUMN would put granted_by_user after the revocation's
-- columns, and the two schemas keep their columns in one order (tests/pg_schema.sh).
CREATE TABLE permission_grant_new (
	id            bigint PRIMARY KEY,
	operator_id   bigint NOT NULL REFERENCES operator(id),
	municipality  text REFERENCES municipality(code),
	kinds         bigint NOT NULL CHECK (kinds BETWEEN 1 AND 15),
	rights        bigint NOT NULL CHECK (rights BETWEEN 1 AND 15),
	valid_from    bigint NOT NULL,
	valid_until   bigint CHECK (valid_until IS NULL OR valid_until > valid_from),
	granted_by    bigint REFERENCES operator(id),
	granted_by_user text NOT NULL,
	granted_at    bigint NOT NULL,
	reason        text NOT NULL CHECK (length(reason) BETWEEN 1 AND 400),
	revoked_at    bigint,
	revoked_by    bigint REFERENCES operator(id),
	revoked_by_user text,
	revoke_reason text,
	expiry_recorded_at bigint,
	CHECK ((revoked_at IS NULL) = (revoked_by_user IS NULL))
);
INSERT INTO permission_grant_new(id, operator_id, municipality, kinds, rights, valid_from,
	valid_until, granted_by, granted_by_user, granted_at, reason, revoked_at, revoked_by,
	revoked_by_user, revoke_reason)
SELECT g.id, g.operator_id, g.municipality, g.kinds, g.rights, g.valid_from, g.valid_until,
	g.granted_by, coalesce((SELECT username FROM operator WHERE id = g.granted_by), '?'),
	g.granted_at, g.reason, g.revoked_at, g.revoked_by,
	CASE WHEN g.revoked_at IS NULL THEN NULL
	     ELSE coalesce((SELECT username FROM operator WHERE id = g.revoked_by), '?') END,
	g.revoke_reason
FROM permission_grant g;
DROP TABLE permission_grant;
ALTER TABLE permission_grant_new RENAME TO permission_grant;
ALTER TABLE permission_grant RENAME CONSTRAINT permission_grant_new_pkey TO permission_grant_pkey;
CREATE TRIGGER permission_grant_rowid BEFORE INSERT ON permission_grant
FOR EACH ROW EXECUTE FUNCTION fk_rowid();
CREATE INDEX grant_operator ON permission_grant(operator_id, municipality);
CREATE INDEX grant_expiry ON permission_grant(valid_until)
	WHERE valid_until IS NOT NULL AND expiry_recorded_at IS NULL;
CREATE INDEX register_live ON register(municipality, kind) WHERE disposed_at IS NULL;
