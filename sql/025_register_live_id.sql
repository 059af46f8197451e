-- The live registers' index ends with id, so that a register list's page (WHERE municipality,
-- kind, id beyond the last one shown, ORDER BY id LIMIT 30) reads only its 30 entries on
-- PostgreSQL too, whose index has no rowid at its end; SQLite's already had (issue 14). Still
-- the index that counting the permitted (municipality, kind) pairs reads.
DROP INDEX register_live;
CREATE INDEX register_live ON register(municipality, kind, id) WHERE disposed_at IS NULL;
