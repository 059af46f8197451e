-- PostgreSQL twin of 025_register_live_id.sql (docs/storage.md): the live registers' index
-- ends with id, so a register list's page is an index range of 30 entries, not a walk of the
-- primary key filtering out every other municipality's registers (measured at 1,000,000
-- registers: 110-160 ms for the first page, issue 14).
DROP INDEX register_live;
CREATE INDEX register_live ON register(municipality, kind, id) WHERE disposed_at IS NULL;
