-- 012, PostgreSQL 15: the twin of 012_refused.sql (docs/storage.md).
CREATE TABLE package_refused (
	id            bigint PRIMARY KEY,
	bureau_id     bigint REFERENCES bureau(id),
	reason        text NOT NULL,
	municipality  text,
	sequence      bigint,
	kind          bigint,
	verified      bigint NOT NULL CHECK (verified IN (0, 1)),
	digest        bytea CHECK (digest IS NULL OR length(digest) = 32),
	sha256        bytea CHECK (sha256 IS NULL OR length(sha256) = 32),
	size          bigint,
	source        text NOT NULL,
	expected      bigint,
	received_at   bigint NOT NULL,
	last_at       bigint NOT NULL,
	times         bigint NOT NULL DEFAULT 1 CHECK (times >= 1),
	mac           bytea
);
CREATE TRIGGER package_refused_rowid BEFORE INSERT ON package_refused
FOR EACH ROW EXECUTE FUNCTION fk_rowid();
CREATE UNIQUE INDEX package_refused_delivery ON package_refused(sha256, reason) WHERE sha256 IS NOT NULL;
CREATE INDEX package_refused_bureau ON package_refused(bureau_id, id);
