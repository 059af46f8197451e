-- 004: per-operator file permissions (R-FILES, R-JURIS, R-ACCESS, R-LOG).
-- permission_grant is rebuilt: the local administrator (fukuhonctl, not an
-- enrolled operator) may grant and revoke, so granted_by / revoked_by become
-- nullable with the acting user's name kept beside them; expiry_recorded_at
-- says when a grant's expiry was written to the history (once per grant).
CREATE TABLE permission_grant_new (
	id            INTEGER PRIMARY KEY,
	operator_id   INTEGER NOT NULL REFERENCES operator(id),
	municipality  TEXT REFERENCES municipality(code),   -- NULL: all of the grantee's bureau
	kinds         INTEGER NOT NULL CHECK (kinds BETWEEN 1 AND 15),   -- 1 戸籍 2 除籍 4 受付帳情報 8 届書等情報
	rights        INTEGER NOT NULL CHECK (rights BETWEEN 1 AND 15),  -- 1 view 2 export 4 print 8 dispose
	valid_from    INTEGER NOT NULL,
	valid_until   INTEGER CHECK (valid_until IS NULL OR valid_until > valid_from),
	granted_by    INTEGER REFERENCES operator(id),      -- NULL: the local administrator
	granted_by_user TEXT NOT NULL,
	granted_at    INTEGER NOT NULL,
	reason        TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 400),
	revoked_at    INTEGER,
	revoked_by    INTEGER REFERENCES operator(id),
	revoked_by_user TEXT,
	revoke_reason TEXT,
	expiry_recorded_at INTEGER,
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
CREATE INDEX grant_operator ON permission_grant(operator_id, municipality);
-- Grants whose expiry is still to be recorded (the sweep reads only these).
CREATE INDEX grant_expiry ON permission_grant(valid_until)
	WHERE valid_until IS NOT NULL AND expiry_recorded_at IS NULL;
-- Counting the registers of the permitted (municipality, kind) pairs reads only this index.
CREATE INDEX register_live ON register(municipality, kind) WHERE disposed_at IS NULL;
