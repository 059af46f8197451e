-- 019, PostgreSQL 15: the twin of 019_disposal.sql (docs/storage.md).
CREATE INDEX data_key_destroyed ON data_key(id) WHERE wrapped IS NULL;
