-- 010, PostgreSQL 15: the twin of 010_pki.sql (docs/storage.md).
CREATE TABLE pki_item (
	id            bigint PRIMARY KEY,
	kind          text NOT NULL CHECK (kind IN ('ca', 'crl', 'receiver')),
	slot          text CHECK (slot IN ('current', 'previous')),
	ca_id         bigint REFERENCES pki_item(id),
	subject       text NOT NULL,
	serial        text,
	not_before    bigint NOT NULL,
	not_after     bigint NOT NULL,
	sha256        bytea NOT NULL CHECK (length(sha256) = 32),
	der           bytea NOT NULL,
	added_by      bigint NOT NULL REFERENCES operator(id),
	added_by_user text NOT NULL,
	added_at      bigint NOT NULL,
	mac           bytea,
	CHECK ((kind = 'receiver') = (slot IS NOT NULL)),
	CHECK ((kind = 'crl') = (ca_id IS NOT NULL))
);
CREATE TRIGGER pki_item_rowid BEFORE INSERT ON pki_item
FOR EACH ROW EXECUTE FUNCTION fk_rowid();
CREATE UNIQUE INDEX pki_item_slot ON pki_item(slot) WHERE slot IS NOT NULL;
CREATE UNIQUE INDEX pki_item_crl ON pki_item(ca_id) WHERE ca_id IS NOT NULL;
